/* Integration tests of sbw-sim: the real binary writing a lake folder (layout, counts, lines
 * equal to the ingest's, determinism), posting to the real sbw-ingest (accepted = lines in the
 * ingest's lake), importing the REES46 fixture both ways, and its usage errors. */
#include <check.h>
#include <civetweb.h>
#include <stdatomic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_event.h"
#include "sbw_lake.h"
#include "sbw_lakefmt.h"
#include "sbw_test.h"
#include "sbw_time.h"

/* Runs sbw-sim with args (NULL-terminated) and returns its exit status; *summary gets the
 * JSON summary line it printed (parsed; NULL when none), *log_text everything it printed. */
static int run_sim(char *const *args, cJSON **summary, char **log_text)
{
    char *dir = sbw_test_tmpdir("sbw-sim-run");
    char log[4096];
    snprintf(log, sizeof log, "%s/sim.log", dir);
    int pid = sbw_test_spawn("sim/sbw-sim", args, NULL, dir, log);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    char *text = sbw_test_read_file(log, NULL);
    *summary = NULL;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == '{') {
            cJSON_Delete(*summary);
            *summary = cJSON_Parse(line);
        }
        if (nl)
            *nl = '\n';
        line = nl ? nl + 1 : NULL;
    }
    if (log_text)
        *log_text = text;
    else
        free(text);
    unlink(log);
    rmdir(dir);
    free(dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    ck_assert_msg(cJSON_IsNumber(v), "summary has no number %s", name);
    return v->valuedouble;
}

/* ---- reading a lake folder ---- */

typedef struct {
    int objects;
    int lines;
    int max_lines;
    int bots;
    cJSON *all;        /* every line, parsed, when collecting */
    sbw_buf_t listing; /* "key\n" + content of every object, for comparing two lakes */
    int check_lines;   /* 1: each line byte-equal to the ingest's slow path; 2: equal JSON */
} lake_t;

/* Re-enriches the client part of a lake line as the ingest would and compares bytes. */
static void check_line(const char *line, size_t len, const char *hour_prefix, lake_t *l)
{
    cJSON *obj = cJSON_ParseWithLength(line, len);
    ck_assert_msg(obj != NULL, "bad lake line %.*s", (int)len, line);
    cJSON *ing = cJSON_DetachItemFromObjectCaseSensitive(obj, "_ingest");
    ck_assert_ptr_nonnull(ing);
    int64_t at;
    const char *recv = cJSON_GetObjectItem(ing, "receivedAt")->valuestring;
    ck_assert_int_eq(sbw_time_parse_iso(recv, &at), 0);
    char prefix[64];
    ck_assert_int_eq(sbw_lake_hour_prefix(at, prefix, sizeof prefix), 0);
    ck_assert_msg(strcmp(prefix, hour_prefix) == 0, "receivedAt %s in %s", recv, hour_prefix);
    if (cJSON_IsTrue(cJSON_GetObjectItem(ing, "isBot")))
        l->bots++;
    const cJSON *ip = cJSON_GetObjectItem(ing, "sourceIp"),
                *ua = cJSON_GetObjectItem(ing, "userAgent");
    const cJSON *sid = cJSON_GetObjectItem(ing, "eventId");
    sbw_ingest_meta_t meta = {.received_at_ms = at,
                              .source_ip = cJSON_IsString(ip) ? ip->valuestring : NULL,
                              .user_agent = cJSON_IsString(ua) ? ua->valuestring : NULL,
                              .request_id = cJSON_GetObjectItem(ing, "requestId")->valuestring,
                              .method = "POST",
                              .path = "/clickstream",
                              .server_event_id = cJSON_IsString(sid) ? sid->valuestring : NULL};
    sbw_limits_t lim;
    sbw_limits_init(&lim);
    char err[256];
    ck_assert_int_eq(sbw_enrich_event(obj, &meta, &lim, err, sizeof err), 0);
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_lake_line_append(&b, obj, err, sizeof err), 0);
    if (l->check_lines == 2) {
        /* Imports keep the row's number text ("33.20"), as the ingest keeps a client's bytes
         * on its fast path; the re-printed tree says 33.2. Same JSON value. */
        cJSON *x = cJSON_ParseWithLength(line, len), *y = cJSON_Parse(b.data);
        ck_assert_msg(cJSON_Compare(x, y, 1), "lake line differs from the ingest's:\n%.*s\n%s",
                      (int)len, line, b.data);
        cJSON_Delete(x);
        cJSON_Delete(y);
    } else {
        ck_assert_msg(b.len == len + 1 && memcmp(b.data, line, len) == 0,
                      "lake line differs from the ingest's:\n%.*s\n%s", (int)len, line, b.data);
    }
    sbw_buf_cleanup(&b);
    /* and it maps to a warehouse row */
    sbw_event_t row;
    cJSON_AddItemToObject(obj, "_ingest", ing);
    ck_assert_msg(sbw_event_normalise(obj, "k", 0, 0, &row, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(row.received_at, at);
    sbw_event_cleanup(&row);
    if (l->all)
        cJSON_AddItemToArray(l->all, obj);
    else
        cJSON_Delete(obj);
}

static void walk(const char *root, const char *rel, lake_t *l)
{
    char dir[8192];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    ck_assert_msg(n >= 0, "cannot read %s", dir);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] == '.') {
            free(names[i]);
            continue;
        }
        char path[8448], key[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        snprintf(key, sizeof key, "%s%s%s", rel, *rel ? "/" : "", name);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(root, key, l);
            free(names[i]);
            continue;
        }
        /* events/YYYY/MM/DD/HH/event-<uuid>.json */
        ck_assert_msg(strlen(key) == strlen("events/2026/11/26/13/event-") + 36 + 5 &&
                          strncmp(key, "events/", 7) == 0 && key[11] == '/' && key[14] == '/' &&
                          key[17] == '/' && key[20] == '/' && strncmp(key + 21, "event-", 6) == 0,
                      "unexpected key %s", key);
        char uuid[37];
        memcpy(uuid, key + 27, 36);
        uuid[36] = '\0';
        ck_assert_msg(sbw_event_uuid_valid(uuid), "key %s", key);
        char prefix[32];
        memcpy(prefix, key, 21);
        prefix[21] = '\0';
        size_t len;
        char *data = sbw_test_read_file(path, &len);
        ck_assert_msg(len > 0 && data[len - 1] == '\n', "%s does not end with a newline", key);
        int lines = 0;
        for (char *p = data; p < data + len;) {
            char *nl = memchr(p, '\n', (size_t)(data + len - p));
            if (l->check_lines)
                check_line(p, (size_t)(nl - p), prefix, l);
            lines++;
            p = nl + 1;
        }
        l->objects++;
        l->lines += lines;
        if (lines > l->max_lines)
            l->max_lines = lines;
        ck_assert_int_eq(sbw_buf_printf(&l->listing, "%s %zu\n", key, len), 0);
        ck_assert_int_eq(sbw_buf_append(&l->listing, data, len), 0);
        free(data);
        free(names[i]);
    }
    free(names);
}

static lake_t read_lake(const char *root, int check_lines)
{
    lake_t l;
    memset(&l, 0, sizeof l);
    l.check_lines = check_lines;
    sbw_buf_init(&l.listing, 0);
    struct stat st;
    if (stat(root, &st) == 0)
        walk(root, "", &l);
    return l;
}

START_TEST(lake_layout_counts_and_determinism)
{
    char *tmp = sbw_test_tmpdir("sbw-sim-lake");
    char url1[4200], url2[4200];
    snprintf(url1, sizeof url1, "file://%s/a", tmp);
    snprintf(url2, sizeof url2, "file://%s/b", tmp);
    char *args1[] = {"lake",
                     "--lake",
                     url1,
                     "--days",
                     "2",
                     "--end",
                     "2026-11-27T00:00:00Z",
                     "--seed",
                     "3",
                     "--group",
                     "100",
                     "--visits-per-day",
                     "600",
                     NULL};
    cJSON *sum;
    ck_assert_int_eq(run_sim(args1, &sum, NULL), 0);
    ck_assert_ptr_nonnull(sum);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/a", tmp);
    lake_t a = read_lake(dir, 1);
    ck_assert_int_eq(a.lines, (int)num(sum, "events"));
    ck_assert_int_eq(a.objects, (int)num(sum, "objects"));
    ck_assert_msg(a.lines > 5000, "%d events", a.lines);
    ck_assert_int_le(a.max_lines, 100);
    ck_assert_int_ge(a.objects, 48); /* at least one object per hour of the two days */
    ck_assert_msg(a.bots > 0, "no bot flagged");
    cJSON_Delete(sum);

    /* The same seed again, with other writer threads: the very same objects. */
    char *args2[] = {"lake",
                     "--lake",
                     url2,
                     "--days",
                     "2",
                     "--end",
                     "2026-11-27T00:00:00Z",
                     "--seed",
                     "3",
                     "--group",
                     "100",
                     "--visits-per-day",
                     "600",
                     "--writers",
                     "4",
                     NULL};
    ck_assert_int_eq(run_sim(args2, &sum, NULL), 0);
    cJSON_Delete(sum);
    snprintf(dir, sizeof dir, "%s/b", tmp);
    lake_t b = read_lake(dir, 0);
    ck_assert_int_eq(a.listing.len, b.listing.len);
    ck_assert_msg(memcmp(a.listing.data, b.listing.data, a.listing.len) == 0,
                  "two runs of one seed wrote different lakes");
    sbw_buf_cleanup(&a.listing);
    sbw_buf_cleanup(&b.listing);

    /* --events: exactly that many. */
    char url3[4200];
    snprintf(url3, sizeof url3, "file://%s/c", tmp);
    char *args3[] = {"lake",  "--lake", url3, "--days",    "3",       "--events",
                     "20000", "--seed", "9",  "--payload", "tracker", NULL};
    ck_assert_int_eq(run_sim(args3, &sum, NULL), 0);
    ck_assert_int_eq((int)num(sum, "events"), 20000);
    cJSON_Delete(sum);
    snprintf(dir, sizeof dir, "%s/c", tmp);
    lake_t c = read_lake(dir, 1);
    ck_assert_int_eq(c.lines, 20000);
    sbw_buf_cleanup(&c.listing);
    free(tmp);
}
END_TEST

/* ---- against the real ingest ---- */

typedef struct {
    int pid;
    char url[128];
    char *lake;
    char *state;
} ingest_t;

static void ingest_start(ingest_t *s)
{
    memset(s, 0, sizeof *s);
    s->state = sbw_test_tmpdir("sbw-sim-ingest");
    int port = sbw_test_free_port();
    static char env[2][4200];
    snprintf(env[0], sizeof env[0], "SBW_INGEST_LISTEN=127.0.0.1:%d", port);
    size_t l = strlen(s->state) + 8;
    s->lake = malloc(l);
    snprintf(s->lake, l, "%s/lake", s->state);
    snprintf(env[1], sizeof env[1], "SBW_LAKE=file://%s", s->lake);
    char *envp[] = {env[0], env[1], NULL};
    char log[4200];
    snprintf(log, sizeof log, "%s/ingest.log", s->state);
    s->pid = sbw_test_spawn("ingest/sbw-ingest", NULL, envp, s->state, log);
    char health[128];
    snprintf(health, sizeof health, "http://127.0.0.1:%d/healthz", port);
    sbw_test_wait_http(health, 10000);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/clickstream", port);
}

static void ingest_stop(ingest_t *s)
{
    int status = sbw_test_stop(s->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sbw-ingest exit status %d",
                  status);
    free(s->lake);
    free(s->state);
}

START_TEST(post_to_the_real_ingest)
{
    ingest_t s;
    ingest_start(&s);
    cJSON *sum;
    /* A fixed --end: the visits generated depend on the time of day (daily rhythm), so with the
     * default (now) which bots appear changed from run to run. */
    char end[] = "2026-01-10T12:00:00Z";
    char *args[] = {"post",   "--url", s.url,   "--events", "3000",    "--threads", "4",
                    "--seed", "4",     "--end", end,        "--quiet", NULL};
    char *out;
    int rc = run_sim(args, &sum, &out);
    ck_assert_msg(rc == 0, "sbw-sim exit status %d:\n%s", rc, out);
    free(out);
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq((int)num(sum, "sent"), 3000);
    ck_assert_int_eq((int)num(sum, "accepted"), 3000);
    ck_assert_int_eq((int)num(sum, "rejected"), 0);
    ck_assert_int_eq((int)num(sum, "failed_requests"), 0);
    ck_assert_int_eq((int)num(sum, "requests"), 3000); /* original: one event per request */
    cJSON_Delete(sum);
    lake_t l = read_lake(s.lake, 0);
    ck_assert_int_eq(l.lines, 3000);
    sbw_buf_cleanup(&l.listing);

    /* Tracker payloads in batches, with a progress line on stderr. */
    char *args2[] = {"post", "--url",      s.url,     "--events",  "2000",    "--threads",
                     "3",    "--seed",     "5",       "--payload", "tracker", "--batch",
                     "25",   "--flush-ms", "3600000", "--end",     end,       NULL};
    char *text;
    int st = run_sim(args2, &sum, &text);
    ck_assert_msg(st == 0, "sbw-sim exit status %d:\n%s", st, text);
    ck_assert_int_eq((int)num(sum, "accepted"), 2000);
    ck_assert_int_eq((int)num(sum, "rejected"), 0);
    ck_assert_msg(num(sum, "requests") < 2000 / 3, "%g requests", num(sum, "requests"));
    ck_assert_ptr_nonnull(strstr(text, "events sent"));
    free(text);
    cJSON_Delete(sum);
    l = read_lake(s.lake, 0);
    ck_assert_int_eq(l.lines, 5000);
    sbw_buf_cleanup(&l.listing);

    /* The User-Agent header reaches _ingest: some lines are flagged as bots. */
    l = read_lake(s.lake, 0);
    ck_assert_ptr_nonnull(strstr(l.listing.data, "\"isBot\":true"));
    ck_assert_ptr_nonnull(
        strstr(l.listing.data, "\"userAgent\":\"Mozilla/5.0 (compatible; Googlebot/2.1"));
    sbw_buf_cleanup(&l.listing);

    /* The REES46 fixture through HTTP: 11 events accepted, 9 rows skipped. */
    char *csv = sbw_test_fixture_path("sim/rees46_small.csv");
    char *args3[] = {"import", "--format", "rees46", csv, "--url", s.url, "--quiet", NULL};
    ck_assert_int_eq(run_sim(args3, &sum, NULL), 0);
    ck_assert_int_eq((int)num(sum, "accepted"), 11);
    ck_assert_int_eq((int)num(cJSON_GetObjectItem(sum, "import"), "skipped"), 9);
    cJSON_Delete(sum);
    free(csv);
    l = read_lake(s.lake, 0);
    ck_assert_int_eq(l.lines, 5011);
    sbw_buf_cleanup(&l.listing);
    ingest_stop(&s);
}
END_TEST

START_TEST(import_into_the_lake)
{
    char *tmp = sbw_test_tmpdir("sbw-sim-import");
    char url[4200];
    snprintf(url, sizeof url, "file://%s/lake", tmp);
    char *csv = sbw_test_fixture_path("sim/rees46_small.csv");
    char *args[] = {"import", "--format", "rees46", csv, "--lake", url, NULL};
    cJSON *sum;
    ck_assert_int_eq(run_sim(args, &sum, NULL), 0);
    ck_assert_int_eq((int)num(sum, "events"), 11);
    char *report = cJSON_PrintUnformatted(cJSON_GetObjectItem(sum, "import"));
    char *want = sbw_test_fixture("sim/rees46_small.report.json", NULL);
    want[strcspn(want, "\n")] = '\0';
    ck_assert_str_eq(report, want);
    free(report);
    free(want);
    cJSON_Delete(sum);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/lake", tmp);
    lake_t l = read_lake(dir, 2);
    ck_assert_int_eq(l.lines, 11);
    /* two receive hours: 00 and 02 of 2019-10-01 */
    ck_assert_int_eq(l.objects, 2);
    ck_assert_ptr_nonnull(strstr(l.listing.data, "events/2019/10/01/00/"));
    ck_assert_ptr_nonnull(strstr(l.listing.data, "events/2019/10/01/02/"));
    sbw_buf_cleanup(&l.listing);
    free(csv);
    free(tmp);
}
END_TEST

START_TEST(usage_errors_name_the_flag)
{
    struct {
        char *args[8];
        const char *want;
    } cases[] = {
        {{"lake", "--days", "x", NULL}, "--days"},
        {{"lake", "--payload", "json", NULL}, "--payload"},
        {{"lake", "--funnel", "0.5,0.5", NULL}, "--funnel"},
        {{"post", "--events", "10", NULL}, "--url missing"},
        {{"lake", "--bogus", "1", NULL}, "unknown option --bogus"},
        {{"import", "--format", "csv", "x.csv", "--lake", "file:///tmp/x", NULL}, "--format"},
        {{"import", "--format", "rees46", "x.csv", NULL}, "--lake and --url"},
        {{"post", "--url", "http://127.0.0.1:9/clickstream", "--duration", "3", NULL}, "--rate"},
        {{"lake", "--rate", "5", NULL}, "are for post"},
        {{"post", "--url", "http://127.0.0.1:9/clickstream", "--group", "5", NULL}, "are for lake"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *sum;
        char *text;
        ck_assert_int_eq(run_sim(cases[i].args, &sum, &text), 2);
        ck_assert_msg(strstr(text, cases[i].want) != NULL, "case %zu: %s", i, text);
        ck_assert_ptr_null(sum);
        free(text);
    }
    char *help[] = {"--help", NULL};
    cJSON *sum;
    char *text;
    ck_assert_int_eq(run_sim(help, &sum, &text), 0);
    ck_assert_ptr_nonnull(strstr(text, "sbw-sim lake"));
    free(text);
}
END_TEST

/* ---- retries, against a scripted server ---- */

typedef struct {
    atomic_int requests;
    int fail_first; /* answer 503 to this many requests first */
    int status;     /* then this status */
} fake_t;

static int fake_handler(struct mg_connection *conn, void *ud)
{
    fake_t *f = ud;
    char buf[2048]; /* CivetWeb threads have small stacks */
    while (mg_read(conn, buf, sizeof buf) > 0)
        ;
    int n = atomic_fetch_add(&f->requests, 1);
    if (n < f->fail_first) {
        mg_printf(conn, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                        "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n"
                        "{\"success\":false}");
        return 503;
    }
    const char *body = f->status == 200 ? "{\"success\":true}" : "{\"success\":false}";
    mg_printf(conn,
              "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
              f->status, strlen(body), body);
    return f->status;
}

static struct mg_context *fake_start(fake_t *f, char *url, size_t urllen)
{
    int port = sbw_test_free_port();
    char ports[32];
    snprintf(ports, sizeof ports, "127.0.0.1:%d", port);
    const char *options[] = {"listening_ports", ports, "num_threads", "4", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    struct mg_context *ctx = mg_start(&cb, NULL, options);
    ck_assert_ptr_nonnull(ctx);
    mg_set_request_handler(ctx, "/clickstream", fake_handler, f);
    snprintf(url, urllen, "http://%s/clickstream", ports);
    return ctx;
}

START_TEST(retries_503_and_gives_up_on_500)
{
    fake_t f = {0, 3, 200};
    char url[64];
    struct mg_context *ctx = fake_start(&f, url, sizeof url);
    char *args[] = {"post", "--url", url, "--events", "20", "--threads", "1", "--quiet", NULL};
    cJSON *sum;
    char *text;
    int rc = run_sim(args, &sum, &text);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, text);
    free(text);
    ck_assert_int_eq((int)num(sum, "accepted"), 20);
    /* three 503s retried (a connection dropped by the server under load may add a retry) */
    ck_assert_int_ge((int)num(sum, "retries"), 3);
    ck_assert_int_eq((int)num(sum, "failed_requests"), 0);
    ck_assert_int_ge(atomic_load(&f.requests), 23);
    cJSON_Delete(sum);

    /* A server error that lasts: each request is tried --attempts times, then given up. */
    atomic_store(&f.requests, 0);
    f.fail_first = 0;
    f.status = 500;
    char *args2[] = {"post", "--url",      url, "--events", "5", "--threads",
                     "2",    "--attempts", "2", "--quiet",  NULL};
    ck_assert_int_eq(run_sim(args2, &sum, NULL), 1);
    ck_assert_int_eq((int)num(sum, "sent"), 5);
    ck_assert_int_eq((int)num(sum, "accepted"), 0);
    ck_assert_int_eq((int)num(sum, "failed_requests"), 5);
    ck_assert_int_le(atomic_load(&f.requests), 10);
    ck_assert_int_ge(atomic_load(&f.requests), 9);
    cJSON_Delete(sum);
    mg_stop(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_outputs");
    TCase *tc = tcase_create("lake");
    tcase_add_test(tc, lake_layout_counts_and_determinism);
    tcase_add_test(tc, import_into_the_lake);
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tc = tcase_create("post");
    tcase_add_test(tc, post_to_the_real_ingest);
    tcase_add_test(tc, retries_503_and_gives_up_on_500);
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    tc = tcase_create("cli");
    tcase_add_test(tc, usage_errors_name_the_flag);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
