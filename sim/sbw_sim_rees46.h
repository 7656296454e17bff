/* sbw_sim_rees46: replays the public e-commerce behaviour CSV ("REES46" format:
 * event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session)
 * as storefront requests with the rows' times as receive times.
 *
 * Mapping: view -> product_view, cart -> add_to_cart_click, remove_from_cart ->
 * remove_from_cart_click, purchase -> checkout_complete; product {id, category (last dotted
 * part of category_code, null when empty), brand (null when empty), price (decimal, zero
 * allowed, null when empty)}; user_id -> clientId and userId with userLoginState logged_in
 * (anonymous and nulls when empty); user_session -> sessionId (null when empty); eventId = the
 * UUID v5 of the row's fields, so a re-import gives the same ids.
 *
 * Skipped rows, each counted by reason: unreadable records (too long, bad quoting), a wrong
 * number of fields, a bad event_time, an unknown event_type, a bad price, invalid UTF-8 or a
 * field over 2048 bytes, and exact duplicates: a row whose fields all equal an earlier row's
 * (same session included) among the last 1 to 2 million rows.
 *
 * Ownership: the importer borrows the FILE; requests borrow its buffers until the next call. */
#ifndef SBW_SIM_REES46_H
#define SBW_SIM_REES46_H

#include <stdint.h>
#include <stdio.h>

#include "sbw_buf.h"
#include "sbw_sim_gen.h"

#define SBW_SIM_REES46_UA "sbw-sim/0.1 (rees46 import)"

typedef struct sbw_sim_rees46 sbw_sim_rees46_t;

/* Starts an import of f. payload: original (one event per request) or tracker (adds
 * eventTimestamp and sentAt; consecutive rows of one session share a request, up to batch).
 * Returns 0 with *out, or -1 with the reason in err. */
int sbw_sim_rees46_new(FILE *f, sbw_sim_payload_t payload, int batch, sbw_sim_rees46_t **out,
                       char *err, size_t errlen);

/* The next request. Returns 1; 0 at the end of the file; -1 on a read error or out of memory
 * (reason in err). */
int sbw_sim_rees46_next(sbw_sim_rees46_t *r, sbw_sim_req_t *req, char *err, size_t errlen);

/* Appends the report as one JSON object:
 * {"rows":N,"events":N,"skipped":N,"skipped_by_reason":{"duplicate row":1,...},
 *  "first_skipped":[{"line":7,"reason":"bad event_time '2019-13-01 00:00:00 UTC'"},...]}
 * ("rows" counts data records, header excluded; at most 20 examples). Returns 0 or -1. */
int sbw_sim_rees46_report(const sbw_sim_rees46_t *r, sbw_buf_t *out);

/* Frees; accepts NULL. */
void sbw_sim_rees46_free(sbw_sim_rees46_t *r);

#endif
