/* sbw_etl_copy: warehouse rows as COPY text lines, text[] literals (see sbw_etl_copy.h). */
#include "sbw_etl_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sbw_time.h"

int sbw_etl_copy_field(sbw_buf_t *b, const char *s)
{
    if (!s)
        return sbw_buf_append(b, "\\N", 2);
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\0':
            return sbw_buf_append(b, run, (size_t)(p - run));
        default:
            continue;
        }
        if (sbw_buf_append(b, run, (size_t)(p - run)) != 0 || sbw_buf_append(b, esc, 2) != 0)
            return -1;
        run = p + 1;
    }
}

static int field_sep(sbw_buf_t *b, const char *s)
{
    if (sbw_etl_copy_field(b, s) != 0)
        return -1;
    return sbw_buf_append(b, "\t", 1);
}

static int time_sep(sbw_buf_t *b, int64_t ms)
{
    char t[SBW_TIME_ISO_SIZE];
    if (sbw_time_format_iso(ms, t, sizeof t) != 0)
        return -1;
    return field_sep(b, t);
}

int sbw_etl_copy_row(sbw_buf_t *b, const sbw_event_t *ev, int64_t seq)
{
    const char *first = ev->is_first_visit == SBW_TRI_TRUE    ? "t"
                        : ev->is_first_visit == SBW_TRI_FALSE ? "f"
                                                              : NULL;
    if (field_sep(b, ev->event_id) || time_sep(b, ev->event_timestamp) ||
        field_sep(b, ev->event_name) || field_sep(b, ev->user_id) ||
        field_sep(b, ev->user_login_state) || field_sep(b, ev->identity_source) ||
        field_sep(b, ev->client_id) || field_sep(b, ev->session_id) || field_sep(b, first) ||
        field_sep(b, ev->context_product_id) || field_sep(b, ev->context_product_name) ||
        field_sep(b, ev->context_product_category) || field_sep(b, ev->context_product_brand) ||
        field_sep(b, ev->context_product_price) ||
        field_sep(b, ev->context_product_discount_price) ||
        field_sep(b, ev->context_product_url_path) || time_sep(b, ev->received_at) ||
        field_sep(b, ev->page_url) || field_sep(b, ev->referrer) || field_sep(b, ev->element) ||
        field_sep(b, ev->user_agent) || field_sep(b, ev->source_ip) ||
        field_sep(b, ev->is_bot ? "t" : "f") || field_sep(b, ev->client_event_id) ||
        field_sep(b, ev->raw_object_key))
        return -1;
    return sbw_buf_printf(b, "%" PRId64 "\n", seq);
}

int sbw_etl_text_array(sbw_buf_t *b, const char *const *items, size_t n)
{
    if (sbw_buf_append(b, "{", 1) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((i && sbw_buf_append(b, ",", 1) != 0) || sbw_buf_append(b, "\"", 1) != 0)
            return -1;
        for (const char *p = items[i]; *p; p++) {
            if ((*p == '"' || *p == '\\') && sbw_buf_append(b, "\\", 1) != 0)
                return -1;
            if (sbw_buf_append(b, p, 1) != 0)
                return -1;
        }
        if (sbw_buf_append(b, "\"", 1) != 0)
            return -1;
    }
    return sbw_buf_append(b, "}", 1);
}
