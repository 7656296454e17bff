/* sbw_ingest: the POST /clickstream handler shared by CivetWeb and Lambda (see sbw_ingest.h). */
#include "sbw_ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_gzip.h"
#include "sbw_lakefmt.h"
#include "sbw_uuid.h"

static const char ROUTE[] = "/clickstream";

void sbw_ingest_config_init(sbw_ingest_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    sbw_limits_init(&cfg->limits);
    snprintf(cfg->origins[0], sizeof cfg->origins[0], "*");
    cfg->n_origins = 1;
    cfg->verbatim = 1;
}

int sbw_ingest_config_origins(sbw_ingest_config_t *cfg, const char *list, char *err,
                              size_t errlen)
{
    cfg->n_origins = 0;
    const char *p = list ? list : "";
    while (*p) {
        p += strspn(p, ", \t");
        size_t l = strcspn(p, ", \t");
        if (l == 0)
            break;
        if (cfg->n_origins == SBW_INGEST_MAX_ORIGINS) {
            snprintf(err, errlen, "more than %d CORS origins", SBW_INGEST_MAX_ORIGINS);
            return -1;
        }
        int is_star = l == 1 && *p == '*';
        int is_http = (l > 7 && strncmp(p, "http://", 7) == 0) ||
                      (l > 8 && strncmp(p, "https://", 8) == 0);
        const char *host = is_http ? strstr(p, "//") + 2 : NULL;
        if (!is_star && (!is_http || l >= sizeof cfg->origins[0] ||
                         memchr(host, '/', l - (size_t)(host - p)) != NULL)) {
            snprintf(err, errlen, "'%.*s' is not an origin like https://shop.example or *",
                     (int)(l > 200 ? 200 : l), p);
            return -1;
        }
        memcpy(cfg->origins[cfg->n_origins], p, l);
        cfg->origins[cfg->n_origins][l] = '\0';
        cfg->n_origins++;
        p += l;
    }
    return 0;
}

void sbw_ingest_resp_cleanup(sbw_ingest_resp_t *resp)
{
    if (!resp)
        return;
    free(resp->body);
    resp->body = NULL;
}

static void add_header(sbw_ingest_resp_t *r, const char *name, const char *value)
{
    if (r->n_headers >= SBW_INGEST_MAX_HEADERS)
        return;
    snprintf(r->header_name[r->n_headers], sizeof r->header_name[0], "%s", name);
    snprintf(r->header_value[r->n_headers], sizeof r->header_value[0], "%s", value);
    r->n_headers++;
}

/* CORS: "*" answers any origin; otherwise an allowed Origin is echoed (with Vary: Origin). */
static void add_cors(const sbw_ingest_config_t *cfg, const sbw_ingest_req_t *req,
                     sbw_ingest_resp_t *r)
{
    for (int i = 0; i < cfg->n_origins; i++) {
        if (strcmp(cfg->origins[i], "*") == 0) {
            add_header(r, "Access-Control-Allow-Origin", "*");
            return;
        }
    }
    add_header(r, "Vary", "Origin");
    if (!req->origin)
        return;
    for (int i = 0; i < cfg->n_origins; i++) {
        if (strcmp(cfg->origins[i], req->origin) == 0) {
            add_header(r, "Access-Control-Allow-Origin", req->origin);
            return;
        }
    }
}

/* Sets a JSON body from a cJSON tree (consumed). Falls back to a static 500 on OOM. */
static void set_json(sbw_ingest_resp_t *r, int status, cJSON *root)
{
    char *txt = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!txt) {
        status = 500;
        txt = strdup("{\"success\":false,\"message\":\"Internal error\"}");
    }
    r->status = status;
    r->body = txt;
    r->body_len = txt ? strlen(txt) : 0;
    r->content_type = "application/json";
}

/* {"success":false,"message":msg} with an optional rejected list (consumed). */
static void fail(sbw_ingest_resp_t *r, int status, const char *msg, cJSON *rejected)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddFalseToObject(root, "success");
    cJSON_AddStringToObject(root, "message", msg);
    if (rejected) {
        cJSON_AddNumberToObject(root, "accepted", 0);
        cJSON_AddItemToObject(root, "rejected", rejected);
    }
    snprintf(r->log_reason, sizeof r->log_reason, "%.255s", msg);
    set_json(r, status, root);
}

static int starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Content types a tracker or tool may send with a JSON/NDJSON body. Absent is accepted;
 * application/x-www-form-urlencoded is what `curl -d` sends. */
static int content_type_ok(const char *ct)
{
    static const char *ok[] = {"application/json", "application/x-ndjson", "application/ndjson",
                               "application/jsonl", "application/x-jsonlines", "text/plain",
                               "application/x-www-form-urlencoded"};
    if (!ct || !*ct)
        return 1;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        size_t l = strlen(ok[i]);
        if (strncasecmp(ct, ok[i], l) == 0 && (ct[l] == '\0' || ct[l] == ';' || ct[l] == ' '))
            return 1;
    }
    /* application/<anything>+json */
    const char *semi = strchr(ct, ';');
    size_t l = semi ? (size_t)(semi - ct) : strlen(ct);
    return starts_with_ci(ct, "application/") && l > 5 && strncasecmp(ct + l - 5, "+json", 5) == 0;
}

/* The fast lake line: the client's own bytes with "_ingest" spliced in before the closing
 * brace, instead of re-printing the parsed tree. Used when the event's source is on one line
 * (no CR/LF: NDJSON needs one event per line) and ends with '}'. The result is the same JSON
 * object as sbw_enrich_event + sbw_lake_line_append would write (tested). */
static int splice_ok(const char *src, size_t len)
{
    while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == '\t'))
        len--;
    if (len < 2 || src[0] != '{' || src[len - 1] != '}')
        return 0;
    return memchr(src, '\n', len) == NULL && memchr(src, '\r', len) == NULL;
}

static int splice_line(sbw_buf_t *lines, const char *src, size_t len, const char *ingest_txt,
                       size_t il, int add_server_id)
{
    while (len > 0 && src[len - 1] != '}')
        len--;
    /* ingest_txt[0..il) is "{...}" */
    int rc = sbw_buf_append(lines, src, len - 1);
    rc |= sbw_buf_append(lines, ",\"_ingest\":", 11);
    rc |= sbw_buf_append(lines, ingest_txt, il - 1);
    if (add_server_id) {
        char id[SBW_UUID_SIZE];
        sbw_uuid_random(id);
        rc |= sbw_buf_append(lines, ",\"eventId\":\"", 12);
        rc |= sbw_buf_append(lines, id, 36);
        rc |= sbw_buf_append(lines, "\"", 1);
    }
    rc |= sbw_buf_append(lines, "}}\n", 3);
    return rc ? -1 : 0;
}

static void handle_post(const sbw_ingest_config_t *cfg, const sbw_ingest_req_t *req,
                        sbw_ingest_store_fn store, void *store_ud, sbw_ingest_resp_t *r)
{
    char err[512];
    char *inflated = NULL;
    const char *body = req->body;
    size_t len = req->body_len;
    sbw_body_t parsed = {0};
    sbw_buf_t lines;
    sbw_buf_init(&lines, SBW_BUF_DEFAULT_MAX);
    cJSON *rejected = NULL;
    sbw_buf_t ingest; /* the request's "_ingest" rendered once, for every event */
    sbw_buf_init(&ingest, 0);

    if (!content_type_ok(req->content_type)) {
        snprintf(err, sizeof err, "unsupported Content-Type '%.100s' (send application/json)",
                 req->content_type);
        fail(r, 415, err, NULL);
        goto out;
    }
    if (req->content_encoding && *req->content_encoding &&
        strcasecmp(req->content_encoding, "identity") != 0) {
        if (strcasecmp(req->content_encoding, "gzip") != 0 &&
            strcasecmp(req->content_encoding, "deflate") != 0) {
            snprintf(err, sizeof err, "unsupported Content-Encoding '%.60s' (gzip or none)",
                     req->content_encoding);
            fail(r, 415, err, NULL);
            goto out;
        }
        size_t out_len = 0;
        if (sbw_gunzip(req->body, req->body_len, cfg->limits.max_body_bytes, &inflated, &out_len,
                       err, sizeof err) != 0) {
            fail(r, strstr(err, "exceeds") ? 413 : 400, err, NULL);
            goto out;
        }
        body = inflated;
        len = out_len;
    }

    int rc = sbw_body_split_flags(body, len, &cfg->limits, cfg->verbatim ? SBW_BODY_VERBATIM : 0,
                                  &parsed, err, sizeof err);
    if (rc == SBW_BODY_ENOMEM) {
        fail(r, 500, "Internal error", NULL);
        goto out;
    }
    if (rc != 0) {
        fail(r, rc == SBW_BODY_ETOOBIG ? 413 : 400, err, NULL);
        goto out;
    }

    /* Room for every line at once: the events' bytes plus "_ingest" (~300 bytes) each. A
     * growing buffer would reallocate and copy about ten times for a 50-event batch. */
    if (sbw_buf_reserve(&lines, len + parsed.count * 384) != 0) {
        fail(r, 500, "Internal error", NULL);
        goto out;
    }

    char ts_err[256];
    sbw_ingest_meta_t meta = {.received_at_ms = req->received_at_ms,
                              .source_ip = req->source_ip,
                              .user_agent = req->user_agent,
                              .request_id = req->request_id,
                              .trace_id = req->trace_id,
                              .method = "POST",
                              .path = ROUTE};
    for (size_t i = 0; i < parsed.count; i++) {
        sbw_body_item_t *it = &parsed.items[i];
        if (it->obj || it->verbatim) {
            int ok;
            if (it->verbatim || (!cJSON_GetObjectItemCaseSensitive(it->obj, "_ingest") &&
                                 splice_ok(body + it->offset, it->length))) {
                if (ingest.len == 0 &&
                    sbw_enrich_render(&meta, &cfg->limits, &ingest, ts_err, sizeof ts_err) != 0) {
                    fail(r, 500, "Internal error", NULL);
                    goto out;
                }
                int server_id = it->verbatim ? !it->client_sent_id
                                             : !sbw_enrich_client_sent_id(it->obj);
                ok = splice_line(&lines, body + it->offset, it->length, sbw_buf_cstr(&ingest),
                                 ingest.len, server_id) == 0;
                if (!ok)
                    snprintf(ts_err, sizeof ts_err, "out of memory");
            } else {
                /* Rare shapes (pretty-printed events, a client-sent _ingest): rebuild it. */
                char server_id[SBW_UUID_SIZE];
                sbw_uuid_random(server_id);
                meta.server_event_id = server_id;
                ok = sbw_enrich_event(it->obj, &meta, &cfg->limits, ts_err, sizeof ts_err) == 0 &&
                     sbw_lake_line_append(&lines, it->obj, ts_err, sizeof ts_err) == 0;
                meta.server_event_id = NULL;
            }
            if (ok) {
                r->events_accepted++;
                continue;
            }
            free(it->error);
            it->error = strdup(ts_err);
        }
        r->events_rejected++;
        if (!rejected)
            rejected = cJSON_CreateArray();
        cJSON *rej = cJSON_CreateObject();
        cJSON_AddNumberToObject(rej, "index", it->index);
        cJSON_AddStringToObject(rej, "error", it->error ? it->error : "rejected");
        cJSON_AddItemToArray(rejected, rej);
    }

    if (r->events_accepted == 0) {
        if (!rejected)
            rejected = cJSON_CreateArray();
        const char *first = parsed.count && parsed.items[0].error ? parsed.items[0].error
                                                                 : "no valid events";
        fail(r, 400, first, parsed.shape == SBW_BODY_OBJECT ? NULL : rejected);
        if (parsed.shape != SBW_BODY_OBJECT)
            rejected = NULL;
        goto out;
    }

    rc = store(store_ud, sbw_buf_cstr(&lines), lines.len, req->received_at_ms, err, sizeof err);
    if (rc != 0) {
        /* Nothing of this request is acknowledged: the client retries all of it. */
        add_header(r, "Retry-After", "1");
        fail(r, 503, rc == -2 ? "overloaded, retry later" : "storage unavailable, retry later",
             NULL);
        snprintf(r->log_reason, sizeof r->log_reason, "store: %.240s", err);
        r->events_rejected += r->events_accepted;
        r->events_accepted = 0;
        goto out;
    }

    /* The usual answers without a tree (the same bytes cJSON prints). */
    if (parsed.shape == SBW_BODY_OBJECT || !rejected) {
        char ok[80];
        static const char one[] = "{\"success\":true}";
        int n = (int)sizeof one - 1;
        if (parsed.shape == SBW_BODY_OBJECT)
            memcpy(ok, one, sizeof one);
        else
            n = snprintf(ok, sizeof ok, "{\"success\":true,\"accepted\":%zu,\"rejected\":[]}",
                         r->events_accepted);
        r->status = 200;
        r->content_type = "application/json";
        r->body = strdup(ok);
        r->body_len = r->body ? (size_t)n : 0;
        if (!r->body)
            fail(r, 500, "Internal error", NULL);
        goto out;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddTrueToObject(root, "success");
    if (parsed.shape != SBW_BODY_OBJECT) {
        cJSON_AddNumberToObject(root, "accepted", (double)r->events_accepted);
        cJSON_AddItemToObject(root, "rejected", rejected);
        rejected = NULL;
    }
    set_json(r, 200, root);
out:
    sbw_buf_cleanup(&ingest);
    cJSON_Delete(rejected);
    sbw_body_cleanup(&parsed);
    sbw_buf_cleanup(&lines);
    free(inflated);
}

void sbw_ingest_handle(const sbw_ingest_config_t *cfg, const sbw_ingest_req_t *req,
                       sbw_ingest_store_fn store, void *store_ud, sbw_ingest_resp_t *r)
{
    memset(r, 0, sizeof *r);
    if (!req->path || strcmp(req->path, ROUTE) != 0) {
        fail(r, 404, "not found: POST /clickstream is the only route", NULL);
        return;
    }
    add_cors(cfg, req, r);
    if (req->method && strcmp(req->method, "OPTIONS") == 0) {
        add_header(r, "Access-Control-Allow-Methods", "POST, OPTIONS");
        add_header(r, "Access-Control-Allow-Headers", "Content-Type, Content-Encoding");
        add_header(r, "Access-Control-Max-Age", "86400");
        r->status = 204;
        return;
    }
    if (!req->method || strcmp(req->method, "POST") != 0) {
        add_header(r, "Allow", "POST, OPTIONS");
        fail(r, 405, "method not allowed: use POST", NULL);
        return;
    }
    handle_post(cfg, req, store, store_ud, r);
}

/* Is addr one of the list's entries (comma/space separated)? */
static int in_list(const char *addr, size_t alen, const char *list)
{
    const char *p = list ? list : "";
    while (*p) {
        p += strspn(p, ", \t");
        size_t l = strcspn(p, ", \t");
        if (l == 0)
            break;
        if (l == alen && strncmp(p, addr, l) == 0)
            return 1;
        p += l;
    }
    return 0;
}

void sbw_ingest_client_ip(const char *peer, const char *xff, const char *trusted_proxies,
                          char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", peer ? peer : "");
    if (!peer || !xff || !trusted_proxies || !*trusted_proxies ||
        !in_list(peer, strlen(peer), trusted_proxies))
        return;
    /* Walk X-Forwarded-For from the right: the first hop not added by a trusted proxy. */
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && isspace((unsigned char)xff[a]))
            a++;
        while (b > a && isspace((unsigned char)xff[b - 1]))
            b--;
        if (b > a && !in_list(xff + a, b - a, trusted_proxies)) {
            snprintf(out, outlen, "%.*s", (int)(b - a), xff + a);
            return;
        }
        end = start > 0 ? start - 1 : 0;
    }
}
