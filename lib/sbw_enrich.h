/* sbw_enrich: what the ingest adds to each accepted client event before it goes to the lake
 * (the "_ingest" member), plus the two pure helpers it needs: IP anonymisation and bot
 * detection from the User-Agent.
 *
 * Ownership: sbw_enrich_event modifies the caller's cJSON object in place (the object keeps
 * owning everything); strings in sbw_ingest_meta_t are borrowed and copied. Pure and
 * thread-safe: the fresh server event id comes in through the meta, not from a generator. */
#ifndef SBW_ENRICH_H
#define SBW_ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"
#include "sbw_event.h"

/* Buffer size for an anonymised address (INET6_ADDRSTRLEN). */
#define SBW_IP_SIZE 46

/* What the transport knows about the request. Every string may be NULL (written as null). */
typedef struct {
    int64_t received_at_ms;      /* server receive time, epoch ms UTC */
    const char *source_ip;       /* raw client address, anonymised before it is stored */
    const char *user_agent;      /* User-Agent header */
    const char *request_id;      /* API Gateway request id or the local server's */
    const char *trace_id;        /* X-Amzn-Trace-Id or traceparent */
    const char *method;          /* "POST" */
    const char *path;            /* "/clickstream" */
    const char *server_event_id; /* a fresh random UUID (uuid_generate_random), stored as
                                    _ingest.eventId only when the client sent no eventId */
} sbw_ingest_meta_t;

/* Adds "_ingest" to the client event obj, first removing every member of that name the client
 * sent. Members: receivedAt (ISO UTC with ms), sourceIp (anonymised or null), userAgent (cut to
 * limits->max_user_agent_bytes on a character boundary, invalid UTF-8 replaced), requestId,
 * traceId, method, path (each cut to limits->max_string_bytes, invalid UTF-8 replaced), isBot,
 * and eventId = meta->server_event_id (lowercased) when the client sent no non-empty string
 * eventId/event_id. Returns 0; or -1 with the reason in err when obj is not an object,
 * received_at_ms cannot be formatted, server_event_id is given but is not a UUID, or memory runs
 * out. On -1 obj may hold a partly built "_ingest" or none; callers drop the event. */
__attribute__((warn_unused_result)) int sbw_enrich_event(cJSON *obj, const sbw_ingest_meta_t *meta,
                                                         const sbw_limits_t *limits, char *err,
                                                         size_t errlen);

/* Builds the "_ingest" object for meta as sbw_enrich_event does, without "eventId" (which
 * depends on the event). Returns a new object owned by the caller (cJSON_Delete), or NULL with
 * the reason in err (receive time out of range, out of memory). Lets a caller enrich many
 * events of one request with one rendering. */
cJSON *sbw_enrich_build(const sbw_ingest_meta_t *meta, const sbw_limits_t *limits, char *err,
                        size_t errlen);

/* Appends to out the same bytes as cJSON_PrintUnformatted(sbw_enrich_build(meta, ...)), without
 * building a tree (the collector renders "_ingest" once per request: a tree cost ~60 small
 * allocations). Returns 0, or -1 with the reason in err (receive time out of range, out of
 * memory or beyond out's cap; out is then unchanged). */
int sbw_enrich_render(const sbw_ingest_meta_t *meta, const sbw_limits_t *limits, sbw_buf_t *out,
                      char *err, size_t errlen);

/* Returns true when obj carries a non-empty string eventId or event_id: then the ingest adds
 * no server event id. */
bool sbw_enrich_client_sent_id(const cJSON *obj);

/* Anonymises an IP address text into out (SBW_IP_SIZE bytes): IPv4 keeps /24 ("203.0.113.77"
 * -> "203.0.113.0"), IPv6 keeps /48 ("2001:db8:abcd:12::1" -> "2001:db8:abcd::"), an
 * IPv4-mapped IPv6 address is treated as IPv4. Idempotent. Returns 0, or -1 with out = "" when
 * ip is NULL or not a bare address (no port, brackets or zone). */
int sbw_enrich_ip_anonymise(const char *ip, char *out, size_t outlen);

/* Returns true when the User-Agent looks automated: it contains, ignoring case, one of the
 * markers listed in docs/event-contract.md ("bot", "crawler", "spider", "curl/", ...). NULL or
 * empty is not a bot. "HeadlessChrome" is deliberately not a bot (our browser tests use it). */
bool sbw_enrich_is_bot(const char *user_agent);

#endif
