/* Unit tests of the collector's handler (sbw_ingest_handle) without a network: routes,
 * responses, and the lake lines it stores for every contract fixture, compared with the
 * reference enrichment (sbw_enrich_event + sbw_lake_line_append). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_ingest.h"
#include "sbw_lakefmt.h"
#include "sbw_test.h"

typedef struct {
    int calls;
    int fail; /* 0 ok, -1 storage error, -2 overloaded */
    char *lines;
    size_t len;
} capture_t;

static int capture(void *ud, const char *lines, size_t len, int64_t received_ms, char *err,
                   size_t errlen)
{
    (void)received_ms;
    capture_t *c = ud;
    c->calls++;
    if (c->fail) {
        snprintf(err, errlen, "disk on fire");
        return c->fail;
    }
    free(c->lines);
    c->lines = strndup(lines, len);
    c->len = len;
    return 0;
}

static sbw_ingest_req_t request(const char *method, const char *path, const char *body)
{
    sbw_ingest_req_t r = {.method = method,
                          .path = path,
                          .content_type = "application/json",
                          .body = body,
                          .body_len = body ? strlen(body) : 0,
                          .received_at_ms = 1795773600000LL, /* 2026-11-27T10:00:00Z */
                          .source_ip = "203.0.113.77",
                          .user_agent = "Mozilla/5.0 test",
                          .request_id = "req-1",
                          .trace_id = "Root=1-test"};
    return r;
}

/* Removes _ingest.eventId, reporting whether it was there. */
static int drop_server_id(cJSON *ev)
{
    cJSON *ing = cJSON_GetObjectItem(ev, "_ingest");
    ck_assert_ptr_nonnull(ing);
    int had = cJSON_GetObjectItem(ing, "eventId") != NULL;
    if (had) {
        ck_assert_int_eq(strlen(cJSON_GetObjectItem(ing, "eventId")->valuestring), 36);
        cJSON_DeleteItemFromObject(ing, "eventId");
    }
    return had;
}

START_TEST(stored_lines_equal_the_reference_enrichment_for_every_fixture)
{
    sbw_ingest_config_t cfg;
    sbw_ingest_config_init(&cfg);
    char **names = NULL;
    size_t n = sbw_test_fixture_list("contract", ".in.json", &names);
    int compared = 0;
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "contract/%s", names[i]);
        size_t len;
        char *body = sbw_test_fixture(rel, &len);
        sbw_ingest_req_t req = request("POST", "/clickstream", body);
        req.body_len = len;
        capture_t cap = {0};
        sbw_ingest_resp_t resp;
        sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);

        /* Reference: split, enrich each accepted event, print it. */
        sbw_body_t parsed;
        char err[512];
        int rc = sbw_body_split(body, len, &cfg.limits, &parsed, err, sizeof err);
        size_t accepted = 0;
        sbw_buf_t ref;
        sbw_buf_init(&ref, SBW_BUF_DEFAULT_MAX);
        for (size_t k = 0; rc == 0 && k < parsed.count; k++) {
            if (!parsed.items[k].obj)
                continue;
            sbw_ingest_meta_t meta = {.received_at_ms = req.received_at_ms, .source_ip = req.source_ip,
                                      .user_agent = req.user_agent, .request_id = req.request_id,
                                      .trace_id = req.trace_id, .method = "POST", .path = "/clickstream",
                                      .server_event_id = "00000000-0000-4000-8000-000000000001"};
            ck_assert_int_eq(sbw_enrich_event(parsed.items[k].obj, &meta, &cfg.limits, err, sizeof err), 0);
            ck_assert_int_eq(sbw_lake_line_append(&ref, parsed.items[k].obj, err, sizeof err), 0);
            accepted++;
        }
        ck_assert_uint_eq(resp.events_accepted, accepted);
        if (accepted == 0) {
            ck_assert_int_eq(cap.calls, 0);
        } else {
            ck_assert_int_eq(resp.status, 200);
            ck_assert_int_eq(cap.calls, 1);
            /* Same number of lines, each the same JSON object (server ids aside). */
            char *got = cap.lines, *want = (char *)sbw_buf_cstr(&ref);
            for (size_t k = 0; k < accepted; k++) {
                char *g_nl = strchr(got, '\n'), *w_nl = strchr(want, '\n');
                ck_assert_ptr_nonnull(g_nl);
                ck_assert_ptr_nonnull(w_nl);
                *g_nl = '\0';
                *w_nl = '\0';
                cJSON *g = cJSON_Parse(got), *w = cJSON_Parse(want);
                ck_assert_msg(g != NULL, "%s: stored line %zu is not JSON: %s", names[i], k, got);
                ck_assert_int_eq(drop_server_id(g), drop_server_id(w));
                ck_assert_msg(cJSON_Compare(g, w, 1), "%s line %zu:\n got  %s\n want %s", names[i],
                              k, got, want);
                cJSON_Delete(g);
                cJSON_Delete(w);
                got = g_nl + 1;
                want = w_nl + 1;
            }
            ck_assert_str_eq(got, "");
            compared++;
        }
        if (rc == 0)
            sbw_body_cleanup(&parsed);
        sbw_buf_cleanup(&ref);
        sbw_ingest_resp_cleanup(&resp);
        free(cap.lines);
        free(body);
        free(names[i]);
    }
    free(names);
    ck_assert_int_ge(compared, 30);
}
END_TEST

/* Blanks the server-assigned event ids (random) so two runs can be compared byte for byte. */
static void mask_server_ids(char *lines)
{
    static const char pat[] = ",\"eventId\":\"";
    for (char *p = lines; (p = strstr(p, pat)) != NULL;) {
        p += sizeof pat - 1;
        if (strlen(p) >= 39 && strncmp(p + 36, "\"}}", 3) == 0)
            memset(p, 'x', 36);
    }
}

START_TEST(verbatim_fast_path_stores_the_same_bytes_for_every_fixture)
{
    /* The scan-based fast path (cfg.verbatim, the default) against every event parsed with cJSON
     * (today's path, cfg.verbatim = 0): same status, same response body, byte-identical lines. */
    sbw_ingest_config_t fast, slow;
    sbw_ingest_config_init(&fast);
    sbw_ingest_config_init(&slow);
    ck_assert_int_eq(fast.verbatim, 1);
    slow.verbatim = 0;
    char **names = NULL;
    size_t n = sbw_test_fixture_list("contract", ".in.json", &names);
    int stored = 0;
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "contract/%s", names[i]);
        size_t len;
        char *body = sbw_test_fixture(rel, &len);
        sbw_ingest_req_t req = request("POST", "/clickstream", body);
        req.body_len = len;
        capture_t a = {0}, b = {0};
        sbw_ingest_resp_t ra, rb;
        sbw_ingest_handle(&fast, &req, capture, &a, &ra);
        sbw_ingest_handle(&slow, &req, capture, &b, &rb);
        ck_assert_int_eq(ra.status, rb.status);
        ck_assert_uint_eq(ra.body_len, rb.body_len);
        ck_assert_str_eq(ra.body ? ra.body : "", rb.body ? rb.body : "");
        ck_assert_uint_eq(ra.events_accepted, rb.events_accepted);
        ck_assert_uint_eq(ra.events_rejected, rb.events_rejected);
        ck_assert_int_eq(a.calls, b.calls);
        if (a.calls) {
            ck_assert_uint_eq(a.len, b.len);
            mask_server_ids(a.lines);
            mask_server_ids(b.lines);
            ck_assert_msg(strcmp(a.lines, b.lines) == 0, "%s:\n fast %s\n slow %s", names[i],
                          a.lines, b.lines);
            stored++;
        }
        sbw_ingest_resp_cleanup(&ra);
        sbw_ingest_resp_cleanup(&rb);
        free(a.lines);
        free(b.lines);
        free(body);
        free(names[i]);
    }
    free(names);
    ck_assert_int_ge(stored, 30);
}
END_TEST

START_TEST(client_sent_ingest_member_is_replaced)
{
    sbw_ingest_config_t cfg;
    sbw_ingest_config_init(&cfg);
    const char *body = "{\"eventName\":\"page_view\",\"_ingest\":{\"sourceIp\":\"1.2.3.4\",\"isBot\":true}}";
    sbw_ingest_req_t req = request("POST", "/clickstream", body);
    capture_t cap = {0};
    sbw_ingest_resp_t resp;
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 200);
    cJSON *ev = cJSON_Parse(cap.lines);
    cJSON *ing = cJSON_GetObjectItem(ev, "_ingest");
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "sourceIp")->valuestring, "203.0.113.0");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(ing, "isBot")));
    ck_assert_str_eq(cJSON_GetObjectItem(ing, "receivedAt")->valuestring, "2026-11-27T10:00:00.000Z");
    int members = 0;
    cJSON *m;
    cJSON_ArrayForEach(m, ev) members++;
    ck_assert_int_eq(members, 2); /* eventName and one _ingest */
    cJSON_Delete(ev);
    free(cap.lines);
    sbw_ingest_resp_cleanup(&resp);
}
END_TEST

START_TEST(routes_and_store_failures)
{
    sbw_ingest_config_t cfg;
    sbw_ingest_config_init(&cfg);
    capture_t cap = {0};
    sbw_ingest_resp_t resp;
    sbw_ingest_req_t req = request("POST", "/nope", "{\"eventName\":\"a\"}");
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 404);
    sbw_ingest_resp_cleanup(&resp);
    req = request("DELETE", "/clickstream", NULL);
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 405);
    ck_assert_str_eq(resp.header_name[1], "Allow");
    sbw_ingest_resp_cleanup(&resp);
    req = request("OPTIONS", "/clickstream", NULL);
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 204);
    ck_assert_ptr_null(resp.body);
    sbw_ingest_resp_cleanup(&resp);
    ck_assert_int_eq(cap.calls, 0);

    cap.fail = -1;
    req = request("POST", "/clickstream", "[{\"eventName\":\"a\"},{\"eventName\":\"b\"}]");
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 503);
    ck_assert_str_eq(resp.body, "{\"success\":false,\"message\":\"storage unavailable, retry later\"}");
    ck_assert_uint_eq(resp.events_accepted, 0);
    ck_assert_uint_eq(resp.events_rejected, 2);
    sbw_ingest_resp_cleanup(&resp);
    cap.fail = -2;
    sbw_ingest_handle(&cfg, &req, capture, &cap, &resp);
    ck_assert_int_eq(resp.status, 503);
    ck_assert_str_eq(resp.body, "{\"success\":false,\"message\":\"overloaded, retry later\"}");
    sbw_ingest_resp_cleanup(&resp);
}
END_TEST

START_TEST(origins_and_client_addresses)
{
    sbw_ingest_config_t cfg;
    char err[256], ip[64];
    sbw_ingest_config_init(&cfg);
    ck_assert_int_eq(sbw_ingest_config_origins(&cfg, "https://a.example, http://b.example:8080", err, sizeof err), 0);
    ck_assert_int_eq(cfg.n_origins, 2);
    ck_assert_str_eq(cfg.origins[1], "http://b.example:8080");
    ck_assert_int_eq(sbw_ingest_config_origins(&cfg, "https://a.example/path", err, sizeof err), -1);
    ck_assert_int_eq(sbw_ingest_config_origins(&cfg, "ftp://a.example", err, sizeof err), -1);
    ck_assert_int_eq(sbw_ingest_config_origins(&cfg, "*", err, sizeof err), 0);

    sbw_ingest_client_ip("10.0.0.5", "198.51.100.7", NULL, ip, sizeof ip);
    ck_assert_str_eq(ip, "10.0.0.5"); /* no trusted proxy: header ignored */
    sbw_ingest_client_ip("10.0.0.5", "198.51.100.7, 10.0.0.9", "10.0.0.5 10.0.0.9", ip, sizeof ip);
    ck_assert_str_eq(ip, "198.51.100.7");
    sbw_ingest_client_ip("10.0.0.5", "1.1.1.1, 198.51.100.7", "10.0.0.5", ip, sizeof ip);
    ck_assert_str_eq(ip, "198.51.100.7"); /* the left-most entries are the client's to forge */
    sbw_ingest_client_ip("10.0.0.5", " , ", "10.0.0.5", ip, sizeof ip);
    ck_assert_str_eq(ip, "10.0.0.5");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ingest_handler");
    TCase *tc = tcase_create("handler");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stored_lines_equal_the_reference_enrichment_for_every_fixture);
    tcase_add_test(tc, verbatim_fast_path_stores_the_same_bytes_for_every_fixture);
    tcase_add_test(tc, client_sent_ingest_member_is_replaced);
    tcase_add_test(tc, routes_and_store_failures);
    tcase_add_test(tc, origins_and_client_addresses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
