/* Integration tests of sbw-ingest: the real binary on a free port, a real lake folder. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_gzip.h"
#include "sbw_test.h"

typedef struct {
    int pid;
    int port;
    char base[64];
    char *lake;  /* folder */
    char *state; /* temp folder holding lake and log */
} server_t;

/* Starts sbw-ingest with extra settings (NULL-terminated "NAME=value" list). */
static void server_start(server_t *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    s->state = sbw_test_tmpdir("sbw-ingest");
    s->port = sbw_test_free_port();
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    static char env[16][512];
    char *envp[17];
    int n = 0;
    snprintf(env[n], sizeof env[n], "SBW_INGEST_LISTEN=127.0.0.1:%d", s->port);
    envp[n] = env[n];
    n++;
    size_t l = strlen(s->state) + 32;
    s->lake = malloc(l);
    snprintf(s->lake, l, "%s/lake", s->state);
    snprintf(env[n], sizeof env[n], "SBW_LAKE=file://%s", s->lake);
    envp[n] = env[n];
    n++;
    for (int i = 0; extra && extra[i] && n < 16; i++, n++) {
        snprintf(env[n], sizeof env[n], "%s", extra[i]);
        envp[n] = env[n];
    }
    envp[n] = NULL;
    char log[4096];
    snprintf(log, sizeof log, "%s/ingest.log", s->state);
    s->pid = sbw_test_spawn("ingest/sbw-ingest", NULL, envp, s->state, log);
    char url[128];
    snprintf(url, sizeof url, "%s/healthz", s->base);
    sbw_test_wait_http(url, 10000);
}

static void server_stop(server_t *s)
{
    int status = sbw_test_stop(s->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sbw-ingest exit status %d", status);
    free(s->lake);
    free(s->state);
}

static long post(server_t *s, const char *path, const char *const *headers, const char *body,
                 size_t len, sbw_test_resp_t *r)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    ck_assert_int_eq(sbw_test_http("POST", url, headers, body, len, r), 0);
    return r->status;
}

/* Every line of every object in the lake, as parsed JSON, in an array (caller deletes). */
typedef struct {
    cJSON *lines;
    int objects;
} lake_t;

static void walk(const char *dir, lake_t *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(path, out);
            continue;
        }
        ck_assert_msg(strncmp(e->d_name, "event-", 6) == 0 && strstr(e->d_name, ".json"),
                      "unexpected lake file %s", path);
        out->objects++;
        size_t len;
        char *data = sbw_test_read_file(path, &len);
        ck_assert_msg(len > 0 && data[len - 1] == '\n', "%s does not end with a newline", path);
        for (char *line = data; *line;) {
            char *nl = strchr(line, '\n');
            *nl = '\0';
            cJSON *obj = cJSON_Parse(line);
            ck_assert_msg(obj != NULL, "bad lake line in %s: %s", path, line);
            cJSON_AddItemToArray(out->lines, obj);
            line = nl + 1;
        }
        free(data);
    }
    closedir(d);
}

static lake_t read_lake(server_t *s)
{
    lake_t l = {cJSON_CreateArray(), 0};
    walk(s->lake, &l);
    return l;
}

static const char *str(const cJSON *obj, const char *path1, const char *path2)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, path1);
    if (path2)
        v = cJSON_GetObjectItemCaseSensitive(v, path2);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *json_headers[] = {"Content-Type: application/json", "User-Agent: Mozilla/5.0 test",
                                     NULL};

START_TEST(original_payload_is_stored_enriched)
{
    server_t s;
    server_start(&s, NULL);
    const char *body =
        "{\"eventName\":\"product_view\",\"eventId\":\"550e8400-e29b-41d4-a716-446655440000\","
        "\"pageUrl\":\"https://shop.example/product/ban-phim-aula-m75-tm\",\"referrer\":null,"
        "\"userId\":null,\"userLoginState\":\"anonymous\",\"clientId\":\"7d3f0000-0000-4000-8000-000000000001\","
        "\"sessionId\":\"0c1a0000-0000-4000-8000-000000000002\",\"isFirstVisit\":false,"
        "\"product\":{\"id\":\"prod_aula_m75_tm\",\"name\":\"Ban phim AULA M75 TM\",\"category\":\"keyboard\","
        "\"brand\":\"AULA\",\"price\":1990000,\"discountPrice\":1790000,\"urlPath\":\"/product/ban-phim-aula-m75-tm\"}}";
    sbw_test_resp_t r;
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, body, strlen(body), &r), 200);
    ck_assert_str_eq(r.body, "{\"success\":true}");
    char *rid = sbw_test_resp_header(&r, "X-Request-Id");
    char *acao = sbw_test_resp_header(&r, "Access-Control-Allow-Origin");
    ck_assert_str_eq(acao, "*");
    /* The head as sbw-ingest writes it: <start time>-<counter> in hex, no caching, a date. */
    ck_assert_int_eq((int)strspn(rid, "0123456789abcdef-"), (int)strlen(rid));
    ck_assert_ptr_nonnull(strchr(rid, '-'));
    ck_assert(rid[0] != '-' && rid[strlen(rid) - 1] != '-');
    char *cc = sbw_test_resp_header(&r, "Cache-Control");
    char *ct = sbw_test_resp_header(&r, "Content-Type");
    char *date = sbw_test_resp_header(&r, "Date");
    char *clen = sbw_test_resp_header(&r, "Content-Length");
    ck_assert_str_eq(cc, "no-store");
    ck_assert_str_eq(ct, "application/json");
    ck_assert_ptr_nonnull(strstr(date, " GMT"));
    ck_assert_int_eq(atoi(clen), (int)strlen("{\"success\":true}"));
    free(cc);
    free(ct);
    free(date);
    free(clen);
    sbw_test_resp_free(&r);

    lake_t l = read_lake(&s);
    ck_assert_int_eq(l.objects, 1);
    ck_assert_int_eq(cJSON_GetArraySize(l.lines), 1);
    cJSON *ev = cJSON_GetArrayItem(l.lines, 0);
    /* The client's object is kept as is ... */
    cJSON *sent = cJSON_Parse(body);
    cJSON *stored = cJSON_Duplicate(ev, 1);
    cJSON_DeleteItemFromObject(stored, "_ingest");
    ck_assert_msg(cJSON_Compare(sent, stored, 1), "stored event differs from the posted one");
    cJSON_Delete(sent);
    cJSON_Delete(stored);
    /* ... plus what the ingest knows. */
    ck_assert_str_eq(str(ev, "_ingest", "sourceIp"), "127.0.0.0");
    ck_assert_str_eq(str(ev, "_ingest", "userAgent"), "Mozilla/5.0 test");
    ck_assert_str_eq(str(ev, "_ingest", "requestId"), rid);
    ck_assert_str_eq(str(ev, "_ingest", "method"), "POST");
    ck_assert_str_eq(str(ev, "_ingest", "path"), "/clickstream");
    const char *at = str(ev, "_ingest", "receivedAt");
    ck_assert_msg(at && strlen(at) == 24 && at[10] == 'T' && at[23] == 'Z', "receivedAt %s", at);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "_ingest"), "isBot")));
    /* The client sent an eventId: the ingest assigns none. */
    ck_assert_ptr_null(str(ev, "_ingest", "eventId"));
    free(rid);
    free(acao);
    cJSON_Delete(l.lines);
    server_stop(&s);
}
END_TEST

START_TEST(batches_ndjson_beacons_and_gzip)
{
    server_t s;
    server_start(&s, NULL);
    sbw_test_resp_t r;
    const char *batch = "[{\"eventName\":\"page_view\",\"clientId\":\"c1\"},{\"eventName\":\"bad name!\"},"
                        "{\"eventName\":\"click\",\"clientId\":\"c1\"},{\"noName\":1}]";
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, batch, strlen(batch), &r), 200);
    cJSON *j = cJSON_Parse(r.body);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "success")));
    ck_assert_int_eq(cJSON_GetObjectItem(j, "accepted")->valueint, 2);
    cJSON *rej = cJSON_GetObjectItem(j, "rejected");
    ck_assert_int_eq(cJSON_GetArraySize(rej), 2);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(rej, 0), "index")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(rej, 1), "index")->valueint, 3);
    ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(rej, 1), "error")->valuestring,
                                 "eventName missing"));
    cJSON_Delete(j);
    sbw_test_resp_free(&r);

    /* navigator.sendBeacon posts a string as text/plain: NDJSON here. */
    const char *beacon_h[] = {"Content-Type: text/plain;charset=UTF-8", NULL};
    const char *nd = "{\"eventName\":\"home_view\",\"clientId\":\"c2\"}\n\n{\"eventName\":\"page_view\",\"clientId\":\"c2\"}\r\n";
    ck_assert_int_eq(post(&s, "/clickstream", beacon_h, nd, strlen(nd), &r), 200);
    ck_assert_str_eq(r.body, "{\"success\":true,\"accepted\":2,\"rejected\":[]}");
    sbw_test_resp_free(&r);

    /* gzip-encoded array. */
    const char *plain = "[{\"eventName\":\"category_view\",\"clientId\":\"c3\",\"product\":{\"category\":\"laptop\",\"id\":\"laptop\"}}]";
    char *gz;
    size_t gzlen;
    ck_assert_int_eq(sbw_gzip(plain, strlen(plain), &gz, &gzlen), 0);
    const char *gz_h[] = {"Content-Type: application/json", "Content-Encoding: gzip", NULL};
    ck_assert_int_eq(post(&s, "/clickstream", gz_h, gz, gzlen, &r), 200);
    ck_assert_str_eq(r.body, "{\"success\":true,\"accepted\":1,\"rejected\":[]}");
    sbw_test_resp_free(&r);
    free(gz);

    lake_t l = read_lake(&s);
    ck_assert_int_eq(cJSON_GetArraySize(l.lines), 5);
    int names[5] = {0};
    const char *want[5] = {"page_view", "click", "home_view", "category_view", "x"};
    cJSON *ev;
    cJSON_ArrayForEach(ev, l.lines)
    {
        const char *n = str(ev, "eventName", NULL);
        for (int i = 0; i < 4; i++)
            if (strcmp(n, want[i]) == 0)
                names[i]++;
        /* No client eventId: the ingest assigned one. */
        ck_assert_int_eq(strlen(str(ev, "_ingest", "eventId")), 36);
    }
    ck_assert_int_eq(names[0], 2);
    ck_assert_int_eq(names[1], 1);
    ck_assert_int_eq(names[2], 1);
    ck_assert_int_eq(names[3], 1);
    cJSON_Delete(l.lines);
    server_stop(&s);
}
END_TEST

START_TEST(bad_requests_get_precise_errors_and_store_nothing)
{
    const char *extra[] = {"SBW_INGEST_MAX_BODY_BYTES=2048", "SBW_INGEST_MAX_EVENTS=3", NULL};
    server_t s;
    server_start(&s, extra);
    sbw_test_resp_t r;
    struct {
        const char *method, *path, *ctype, *cenc, *body;
        long status;
        const char *expect;
    } cases[] = {
        {"POST", "/clickstream", "application/json", NULL, "{\"eventName\":", 400, "invalid JSON"},
        {"POST", "/clickstream", "application/json", NULL, "", 400, "body is empty"},
        {"POST", "/clickstream", "application/json", NULL, "{\"userId\":\"u-1\"}", 400, "eventName missing"},
        {"POST", "/clickstream", "application/json", NULL, "[1,2]", 400, NULL},
        {"POST", "/clickstream", "application/json", NULL, "{\"eventName\":\"a\",\"product\":{\"price\":\"abc\"}}", 400, "product.price"},
        {"POST", "/clickstream", "application/json", NULL,
         "[{\"eventName\":\"a\"},{\"eventName\":\"a\"},{\"eventName\":\"a\"},{\"eventName\":\"a\"}]", 413, "more than 3"},
        {"POST", "/clickstream", "application/xml", NULL, "<event/>", 415, "unsupported Content-Type"},
        {"POST", "/clickstream", "application/json", "br", "{}", 415, "unsupported Content-Encoding"},
        {"POST", "/clickstream", "application/json", "gzip", "not gzip", 400, "not valid gzip"},
        {"GET", "/clickstream", NULL, NULL, NULL, 405, "method not allowed"},
        {"PUT", "/clickstream", "application/json", NULL, "{}", 405, "method not allowed"},
        {"POST", "/other", "application/json", NULL, "{\"eventName\":\"a\"}", 404, "not found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char ct[128], ce[128], url[256];
        const char *h[3] = {NULL, NULL, NULL};
        int nh = 0;
        if (cases[i].ctype) {
            snprintf(ct, sizeof ct, "Content-Type: %s", cases[i].ctype);
            h[nh++] = ct;
        }
        if (cases[i].cenc) {
            snprintf(ce, sizeof ce, "Content-Encoding: %s", cases[i].cenc);
            h[nh++] = ce;
        }
        snprintf(url, sizeof url, "%s%s", s.base, cases[i].path);
        ck_assert_int_eq(sbw_test_http(cases[i].method, url, h, cases[i].body,
                                       cases[i].body ? strlen(cases[i].body) : 0, &r), 0);
        ck_assert_msg(r.status == cases[i].status, "case %zu: status %ld, want %ld (%s)", i,
                      r.status, cases[i].status, r.body);
        if (cases[i].expect && strcmp(cases[i].path, "/other") != 0) {
            cJSON *j = cJSON_Parse(r.body);
            ck_assert_msg(j != NULL, "case %zu: body not JSON: %s", i, r.body);
            ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "success")));
            const char *m = cJSON_GetObjectItem(j, "message")->valuestring;
            ck_assert_msg(strstr(m, cases[i].expect), "case %zu: message '%s' lacks '%s'", i, m,
                          cases[i].expect);
            cJSON_Delete(j);
        }
        if (cases[i].status == 405) {
            char *allow = sbw_test_resp_header(&r, "Allow");
            ck_assert_str_eq(allow, "POST, OPTIONS");
            free(allow);
        }
        sbw_test_resp_free(&r);
    }
    /* A body over the limit is refused from its Content-Length, unread. */
    char big[4096];
    memset(big, ' ', sizeof big);
    memcpy(big, "{\"eventName\":\"a\"}", 17);
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, big, sizeof big, &r), 413);
    ck_assert_str_eq(r.body, "{\"success\":false,\"message\":\"body exceeds 2048 bytes\"}");
    sbw_test_resp_free(&r);
    /* A gzip body that inflates past the limit is refused too. */
    char *gz;
    size_t gzlen;
    ck_assert_int_eq(sbw_gzip(big, sizeof big, &gz, &gzlen), 0);
    const char *gz_h[] = {"Content-Type: application/json", "Content-Encoding: gzip", NULL};
    ck_assert_int_eq(post(&s, "/clickstream", gz_h, gz, gzlen, &r), 413);
    free(gz);
    sbw_test_resp_free(&r);

    lake_t l = read_lake(&s);
    ck_assert_int_eq(l.objects, 0);
    cJSON_Delete(l.lines);

    /* The metrics counted all of it. */
    char url[256];
    snprintf(url, sizeof url, "%s/metrics", s.base);
    ck_assert_int_eq(sbw_test_http("GET", url, NULL, NULL, 0, &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_requests_total{code=\"400\"} 6\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_requests_total{code=\"413\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_requests_total{code=\"415\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_requests_total{code=\"405\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_events_accepted_total 0\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_objects_written_total 0\n"));
    /* SBW_INGEST_RT_PRIORITY is 1 by default: granted wherever this process could do it. */
    ck_assert_ptr_nonnull(strstr(r.body, sbw_test_realtime_allowed()
                                             ? "sbw_ingest_commit_realtime 1\n"
                                             : "sbw_ingest_commit_realtime 0\n"));
    sbw_test_resp_free(&r);
    server_stop(&s);
}
END_TEST

START_TEST(cors_and_forwarded_addresses)
{
    const char *extra[] = {"SBW_INGEST_CORS_ORIGINS=https://shop.example, https://www.shop.example",
                           "SBW_INGEST_TRUSTED_PROXIES=127.0.0.1", NULL};
    server_t s;
    server_start(&s, extra);
    sbw_test_resp_t r;
    char url[256];
    snprintf(url, sizeof url, "%s/clickstream", s.base);
    const char *pre[] = {"Origin: https://shop.example", "Access-Control-Request-Method: POST", NULL};
    ck_assert_int_eq(sbw_test_http("OPTIONS", url, pre, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 204);
    char *v = sbw_test_resp_header(&r, "Access-Control-Allow-Origin");
    ck_assert_str_eq(v, "https://shop.example");
    free(v);
    v = sbw_test_resp_header(&r, "Access-Control-Allow-Methods");
    ck_assert_str_eq(v, "POST, OPTIONS");
    free(v);
    sbw_test_resp_free(&r);
    const char *evil[] = {"Origin: https://evil.example", "Content-Type: application/json", NULL};
    const char *ev = "{\"eventName\":\"page_view\"}";
    ck_assert_int_eq(post(&s, "/clickstream", evil, ev, strlen(ev), &r), 200);
    ck_assert_ptr_null(sbw_test_resp_header(&r, "Access-Control-Allow-Origin"));
    sbw_test_resp_free(&r);
    /* Behind a trusted proxy, the client is the right-most untrusted X-Forwarded-For hop. */
    const char *xff[] = {"Content-Type: application/json",
                         "X-Forwarded-For: 10.9.9.9, 198.51.100.23, 127.0.0.1", NULL};
    ck_assert_int_eq(post(&s, "/clickstream", xff, ev, strlen(ev), &r), 200);
    sbw_test_resp_free(&r);
    lake_t l = read_lake(&s);
    ck_assert_int_eq(cJSON_GetArraySize(l.lines), 2);
    int found = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, l.lines) found += strcmp(str(e, "_ingest", "sourceIp"), "198.51.100.0") == 0;
    ck_assert_int_eq(found, 1);
    cJSON_Delete(l.lines);
    server_stop(&s);

    /* Without a trusted proxy the header is ignored. */
    server_start(&s, NULL);
    ck_assert_int_eq(post(&s, "/clickstream", xff, ev, strlen(ev), &r), 200);
    sbw_test_resp_free(&r);
    l = read_lake(&s);
    ck_assert_str_eq(str(cJSON_GetArrayItem(l.lines, 0), "_ingest", "sourceIp"), "127.0.0.0");
    cJSON_Delete(l.lines);
    server_stop(&s);
}
END_TEST

START_TEST(storage_failure_is_503_and_acknowledges_nothing)
{
    server_t s;
    server_start(&s, NULL);
    sbw_test_resp_t r;
    const char *ev = "{\"eventName\":\"page_view\"}";
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, ev, strlen(ev), &r), 200);
    sbw_test_resp_free(&r);
    /* Break the lake: the events folder becomes a plain file, so no object can be created. */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mv '%s/events' '%s/events.away' && touch '%s/events'", s.lake,
             s.lake, s.lake);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, ev, strlen(ev), &r), 503);
    ck_assert_str_eq(r.body, "{\"success\":false,\"message\":\"storage unavailable, retry later\"}");
    char *ra = sbw_test_resp_header(&r, "Retry-After");
    ck_assert_str_eq(ra, "1");
    free(ra);
    sbw_test_resp_free(&r);
    /* Repaired, it accepts again. */
    snprintf(cmd, sizeof cmd, "rm '%s/events' && mv '%s/events.away' '%s/events'", s.lake, s.lake,
             s.lake);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(post(&s, "/clickstream", json_headers, ev, strlen(ev), &r), 200);
    sbw_test_resp_free(&r);
    lake_t l = read_lake(&s);
    ck_assert_int_eq(cJSON_GetArraySize(l.lines), 2);
    cJSON_Delete(l.lines);
    char url[256];
    snprintf(url, sizeof url, "%s/metrics", s.base);
    ck_assert_int_eq(sbw_test_http("GET", url, NULL, NULL, 0, &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_requests_total{code=\"503\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_write_failures_total 1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "sbw_ingest_events_accepted_total 2\n"));
    sbw_test_resp_free(&r);
    server_stop(&s);
}
END_TEST


/* Names of every object file under dir (recursively), appended to list. */
static void list_objects(const char *dir, cJSON *list)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            list_objects(path, list);
        else
            cJSON_AddItemToArray(list, cJSON_CreateString(path));
    }
    closedir(d);
}

static int in_list(const cJSON *list, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list) if (strcmp(it->valuestring, s) == 0) return 1;
    return 0;
}

START_TEST(every_contract_fixture_over_http)
{
    server_t s;
    server_start(&s, NULL);
    char **names = NULL;
    size_t n = sbw_test_fixture_list("contract", ".in.json", &names);
    ck_assert_int_ge(n, 50);
    int posted = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        char rel[512], out_rel[512];
        snprintf(rel, sizeof rel, "contract/%s", names[i]);
        snprintf(out_rel, sizeof out_rel, "contract/%.*s.out.json",
                 (int)(strlen(names[i]) - strlen(".in.json")), names[i]);
        char *expect_txt = sbw_test_fixture(out_rel, NULL);
        cJSON *expect = cJSON_Parse(expect_txt);
        ck_assert_msg(expect != NULL, "%s is not JSON", out_rel);
        /* Cases with their own limits are run by the unit suite; the server has the defaults. */
        if (cJSON_GetObjectItem(expect, "limits")) {
            skipped++;
            cJSON_Delete(expect);
            free(expect_txt);
            free(names[i]);
            continue;
        }
        size_t len;
        char *body = sbw_test_fixture(rel, &len);
        cJSON *before = cJSON_CreateArray();
        list_objects(s.lake, before);
        sbw_test_resp_t r;
        post(&s, "/clickstream", json_headers, body, len, &r);
        cJSON *resp = cJSON_Parse(r.body);
        ck_assert_msg(resp != NULL, "%s: response is not JSON: %s", names[i], r.body);
        const cJSON *err = cJSON_GetObjectItem(expect, "error");
        const cJSON *events = cJSON_GetObjectItem(expect, "events");
        int want_accepted = events ? cJSON_GetArraySize(events) : 0;
        if (err) {
            long want = cJSON_IsTrue(cJSON_GetObjectItem(expect, "too_big")) ? 413 : 400;
            ck_assert_msg(r.status == want, "%s: status %ld, want %ld", names[i], r.status, want);
            ck_assert_str_eq(cJSON_GetObjectItem(resp, "message")->valuestring, err->valuestring);
        } else if (want_accepted == 0) {
            ck_assert_msg(r.status == 400, "%s: status %ld, want 400", names[i], r.status);
        } else {
            ck_assert_msg(r.status == 200, "%s: status %ld, want 200 (%s)", names[i], r.status, r.body);
            const cJSON *acc = cJSON_GetObjectItem(resp, "accepted");
            if (acc) /* batch shapes report counts; a single object answers {"success":true} */
                ck_assert_int_eq(acc->valueint, want_accepted);
        }
        /* Every rejection is reported with its index and the contract's exact message. */
        const cJSON *want_rej = cJSON_GetObjectItem(expect, "rejected");
        const cJSON *got_rej = cJSON_GetObjectItem(resp, "rejected");
        if (want_rej && cJSON_GetArraySize(want_rej) > 0 && got_rej) {
            ck_assert_int_eq(cJSON_GetArraySize(got_rej), cJSON_GetArraySize(want_rej));
            for (int k = 0; k < cJSON_GetArraySize(want_rej); k++) {
                const cJSON *w = cJSON_GetArrayItem(want_rej, k), *g = cJSON_GetArrayItem(got_rej, k);
                ck_assert_int_eq(cJSON_GetObjectItem(g, "index")->valueint,
                                 cJSON_GetObjectItem(w, "index")->valueint);
                ck_assert_str_eq(cJSON_GetObjectItem(g, "error")->valuestring,
                                 cJSON_GetObjectItem(w, "error")->valuestring);
            }
        }
        /* The lake got exactly one new object with the accepted events, in order. */
        cJSON *after = cJSON_CreateArray();
        list_objects(s.lake, after);
        ck_assert_int_eq(cJSON_GetArraySize(after) - cJSON_GetArraySize(before), want_accepted ? 1 : 0);
        const cJSON *path;
        cJSON_ArrayForEach(path, after)
        {
            if (in_list(before, path->valuestring))
                continue;
            char *data = sbw_test_read_file(path->valuestring, NULL);
            int k = 0;
            for (char *line = data; *line; k++) {
                char *nl = strchr(line, '\n');
                ck_assert_ptr_nonnull(nl);
                *nl = '\0';
                cJSON *ev = cJSON_Parse(line);
                ck_assert_ptr_nonnull(ev);
                const cJSON *want_ev = cJSON_GetArrayItem(events, k);
                ck_assert_ptr_nonnull(want_ev);
                const cJSON *nm = cJSON_GetObjectItem(ev, "eventName");
                if (!cJSON_IsString(nm))
                    nm = cJSON_GetObjectItem(ev, "event_name");
                ck_assert_msg(cJSON_IsString(nm), "%s: event %d has no name", names[i], k);
                ck_assert_str_eq(nm->valuestring,
                                 cJSON_GetObjectItem(want_ev, "event_name")->valuestring);
                ck_assert_ptr_nonnull(cJSON_GetObjectItem(ev, "_ingest"));
                cJSON_Delete(ev);
                line = nl + 1;
            }
            ck_assert_int_eq(k, want_accepted);
            free(data);
        }
        posted++;
        cJSON_Delete(before);
        cJSON_Delete(after);
        cJSON_Delete(resp);
        sbw_test_resp_free(&r);
        cJSON_Delete(expect);
        free(expect_txt);
        free(body);
        free(names[i]);
    }
    free(names);
    ck_assert_int_ge(posted, 40);
    ck_assert_int_eq(posted + skipped, (int)n);
    server_stop(&s);
}
END_TEST

#define POSTERS 8
#define REQUESTS 100
#define PER_REQUEST 10

typedef struct {
    server_t *s;
    int id;
    int acked;
} poster_t;

static void *poster(void *arg)
{
    poster_t *p = arg;
    char body[8192];
    for (int q = 0; q < REQUESTS; q++) {
        size_t n = 0;
        n += (size_t)snprintf(body + n, sizeof body - n, "[");
        for (int e = 0; e < PER_REQUEST; e++)
            n += (size_t)snprintf(body + n, sizeof body - n,
                                  "%s{\"eventName\":\"page_view\",\"eventId\":\"00000000-0000-4000-8%03d-%012d\"}",
                                  e ? "," : "", p->id, q * PER_REQUEST + e);
        n += (size_t)snprintf(body + n, sizeof body - n, "]");
        sbw_test_resp_t r;
        char url[128];
        snprintf(url, sizeof url, "%s/clickstream", p->s->base);
        if (sbw_test_http("POST", url, json_headers, body, n, &r) == 0 && r.status == 200)
            p->acked += PER_REQUEST;
        sbw_test_resp_free(&r);
    }
    return NULL;
}

START_TEST(concurrent_posters_every_acknowledged_event_exactly_once)
{
    server_t s;
    server_start(&s, NULL);
    poster_t p[POSTERS];
    pthread_t th[POSTERS];
    for (int i = 0; i < POSTERS; i++) {
        p[i] = (poster_t){&s, i, 0};
        pthread_create(&th[i], NULL, poster, &p[i]);
    }
    int acked = 0;
    for (int i = 0; i < POSTERS; i++) {
        pthread_join(th[i], NULL);
        acked += p[i].acked;
    }
    ck_assert_int_eq(acked, POSTERS * REQUESTS * PER_REQUEST);
    lake_t l = read_lake(&s);
    ck_assert_int_eq(cJSON_GetArraySize(l.lines), acked);
    /* Each id once: mark them off. */
    char *seen = calloc(POSTERS * REQUESTS * PER_REQUEST, 1);
    cJSON *e;
    cJSON_ArrayForEach(e, l.lines)
    {
        const char *id = str(e, "eventId", NULL);
        int who = atoi(id + 20) % 1000, seq = atoi(id + 24);
        int k = who * REQUESTS * PER_REQUEST + seq;
        ck_assert_msg(!seen[k], "event %s stored twice", id);
        seen[k] = 1;
    }
    free(seen);
    /* Group commit: fewer objects than requests. */
    ck_assert_int_le(l.objects, POSTERS * REQUESTS);
    ck_assert_int_gt(l.objects, 0);
    cJSON_Delete(l.lines);
    server_stop(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ingest_http");
    TCase *a = tcase_create("accept");
    tcase_set_timeout(a, 60);
    tcase_add_test(a, original_payload_is_stored_enriched);
    tcase_add_test(a, batches_ndjson_beacons_and_gzip);
    suite_add_tcase(s, a);
    TCase *f = tcase_create("contract_fixtures");
    tcase_set_timeout(f, 120);
    tcase_add_test(f, every_contract_fixture_over_http);
    suite_add_tcase(s, f);
    TCase *b = tcase_create("reject");
    tcase_set_timeout(b, 60);
    tcase_add_test(b, bad_requests_get_precise_errors_and_store_nothing);
    tcase_add_test(b, storage_failure_is_503_and_acknowledges_nothing);
    suite_add_tcase(s, b);
    TCase *c = tcase_create("cors_proxy");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, cors_and_forwarded_addresses);
    suite_add_tcase(s, c);
    TCase *d = tcase_create("concurrency");
    tcase_set_timeout(d, 240);
    tcase_add_test(d, concurrent_posters_every_acknowledged_event_exactly_once);
    suite_add_tcase(s, d);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
