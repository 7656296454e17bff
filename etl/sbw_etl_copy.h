/* sbw_etl_copy: warehouse rows as PostgreSQL COPY text lines, and text[] literals (pure).
 *
 * COPY text format: fields separated by a tab, rows ended by "\n", NULL written as \N, and
 * backslash, tab, newline and carriage return escaped as \\ \t \n \r. Every function appends
 * to a caller's sbw_buf_t and, on failure (out of memory or the buffer's cap), returns -1 with
 * the buffer possibly holding part of the row: the caller discards the buffer. */
#ifndef SBW_ETL_COPY_H
#define SBW_ETL_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "sbw_buf.h"
#include "sbw_event.h"

/* The staged columns, in the order sbw_etl_copy_row writes them (the warehouse's columns
 * except loaded_at, then stage_seq). */
#define SBW_ETL_EVENT_COLUMNS                                                                      \
    "event_id, event_timestamp, event_name, user_id, user_login_state, identity_source, "          \
    "client_id, session_id, is_first_visit, context_product_id, context_product_name, "            \
    "context_product_category, context_product_brand, context_product_price, "                     \
    "context_product_discount_price, context_product_url_path, received_at, page_url, referrer, "  \
    "element, user_agent, source_ip, is_bot, client_event_id, raw_object_key"

/* Appends one field: s escaped, or \N when s is NULL; no separator. */
__attribute__((warn_unused_result)) int sbw_etl_copy_field(sbw_buf_t *b, const char *s);

/* Appends ev as one line: the SBW_ETL_EVENT_COLUMNS then seq, tab separated, "\n" ended.
 * Times as ISO 8601 UTC with milliseconds. */
__attribute__((warn_unused_result)) int sbw_etl_copy_row(sbw_buf_t *b, const sbw_event_t *ev,
                                                         int64_t seq);

/* Appends a PostgreSQL array literal of n strings ({"a","b\"c"}), for a $1::text[] parameter. */
__attribute__((warn_unused_result)) int sbw_etl_text_array(sbw_buf_t *b, const char *const *items,
                                                           size_t n);

#endif
