/* sbw_sim_lake: writes simulated (or imported) requests straight into the lake, as the ingest
 * would have stored them at their historical receive times: objects
 * events/YYYY/MM/DD/HH/event-<uuid>.json by receive hour, NDJSON lines = the client's event
 * bytes with "_ingest" spliced in before the closing brace (the ingest's own fast path), the
 * "_ingest" object built by sbw_enrich_build.
 *
 * The line functions are pure. The writer groups lines per receive hour (at most `group`
 * events per object), and stores objects on `writers` threads, each with its own lake handle.
 * Ownership: the writer owns its buffers and handles; requests are borrowed for the call. */
#ifndef SBW_SIM_LAKE_H
#define SBW_SIM_LAKE_H

#include <stddef.h>
#include <stdint.h>

#include "sbw_buf.h"
#include "sbw_event.h"
#include "sbw_lake.h"
#include "sbw_sim_gen.h"

/* Renders the "_ingest" object of a request (receivedAt, anonymised sourceIp, userAgent,
 * requestId, traceId null, method POST, path /clickstream, isBot) exactly as the ingest does
 * (sbw_enrich_build + cJSON_PrintUnformatted). Returns a malloc'd string, or NULL with the
 * reason in err. */
char *sbw_sim_ingest_json(const sbw_sim_req_t *req, const sbw_limits_t *limits, char *err,
                          size_t errlen);

/* Appends one lake line: event[0..len) (one compact JSON object on one line, ending in '}'
 * and holding no "_ingest") with ,"_ingest":<ingest_json> spliced in before its closing brace;
 * server_event_id (a UUID, or NULL) goes into _ingest.eventId, as the ingest adds one when the
 * client sent no eventId. Returns 0, or -1 when the event does not have that shape or buf's
 * cap is reached (buf unchanged then). */
int sbw_sim_lake_line(sbw_buf_t *buf, const char *event, size_t len, const char *ingest_json,
                      const char *server_event_id);

typedef struct sbw_sim_lakew sbw_sim_lakew_t;

typedef struct {
    int64_t events;
    int64_t objects;
    int64_t bytes;
} sbw_sim_lake_stats_t;

/* Opens the lake at url (opts may be NULL) and starts `writers` (1..16) writer threads. group
 * (1..100000) is the most events per object; seed makes object names deterministic. Returns 0
 * with *out, or -1 with the reason in err. */
int sbw_sim_lakew_new(const char *url, const sbw_lake_opts_t *opts, int group, int writers,
                      uint64_t seed, sbw_sim_lakew_t **out, char *err, size_t errlen);

/* Adds every event of req at req->received_ms. Events that carry no eventId get a
 * deterministic server id in _ingest.eventId. Returns 0, or -1 with the reason in err (a
 * failed write, out of memory, an event that cannot be spliced). */
int sbw_sim_lakew_add(sbw_sim_lakew_t *w, const sbw_sim_req_t *req, char *err, size_t errlen);

/* Writes what is still buffered and waits for every write. Returns 0, or -1 with the first
 * failure in err. Fills *stats (may be NULL) either way. */
int sbw_sim_lakew_finish(sbw_sim_lakew_t *w, sbw_sim_lake_stats_t *stats, char *err, size_t errlen);

/* Stops the threads (without flushing when finish was not called) and frees; accepts NULL. */
void sbw_sim_lakew_free(sbw_sim_lakew_t *w);

/* The lake's description (no credentials), borrowed. */
const char *sbw_sim_lakew_describe(const sbw_sim_lakew_t *w);

#endif
