/* test_sim_lake: the simulator's lake lines are exactly what the ingest writes
 * (sbw_enrich_event + sbw_lake_line_append), and how HTTP answers are counted. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"
#include "sbw_enrich.h"
#include "sbw_lakefmt.h"
#include "sbw_sim_gen.h"
#include "sbw_sim_lake.h"
#include "sbw_sim_post.h"
#include "sbw_test.h"

/* The ingest's slow path for one event of req, as a lake line. */
static char *ingest_line(const char *event, size_t len, const sbw_sim_req_t *req,
                         const char *server_id)
{
    sbw_limits_t lim;
    sbw_limits_init(&lim);
    cJSON *obj = cJSON_ParseWithLength(event, len);
    ck_assert_ptr_nonnull(obj);
    sbw_ingest_meta_t meta = {.received_at_ms = req->received_ms,
                              .source_ip = req->source_ip,
                              .user_agent = req->user_agent,
                              .request_id = req->request_id,
                              .method = "POST",
                              .path = "/clickstream",
                              .server_event_id = server_id};
    char err[256];
    ck_assert_int_eq(sbw_enrich_event(obj, &meta, &lim, err, sizeof err), 0);
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_lake_line_append(&b, obj, err, sizeof err), 0);
    cJSON_Delete(obj);
    return sbw_buf_steal(&b, NULL);
}

START_TEST(lines_equal_the_ingest)
{
    sbw_limits_t lim;
    sbw_limits_init(&lim);
    for (int tracker = 0; tracker <= 1; tracker++) {
        sbw_sim_opts_t o;
        sbw_sim_opts_init(&o);
        o.seed = 21;
        o.end_ms = 1795737600000LL;
        o.start_ms = o.end_ms - 86400000LL;
        o.visits = 300;
        o.p_bot = 0.2; /* bot User-Agents too */
        o.payload = tracker ? SBW_SIM_PAYLOAD_TRACKER : SBW_SIM_PAYLOAD_ORIGINAL;
        sbw_sim_gen_t *g = NULL;
        char err[256];
        ck_assert_int_eq(sbw_sim_gen_new(&o, &g, err, sizeof err), 0);
        sbw_sim_req_t *req = malloc(sizeof *req);
        int lines = 0, bots = 0, v6 = 0;
        while (sbw_sim_gen_next(g, req) == 1) {
            char *ing = sbw_sim_ingest_json(req, &lim, err, sizeof err);
            ck_assert_ptr_nonnull(ing);
            bots += strstr(ing, "\"isBot\":true") != NULL;
            v6 += strchr(req->source_ip, ':') != NULL;
            for (int i = 0; i < req->n; i++) {
                sbw_buf_t b;
                sbw_buf_init(&b, 0);
                ck_assert_int_eq(
                    sbw_sim_lake_line(&b, req->body + req->off[i], req->len[i], ing, NULL), 0);
                char *want = ingest_line(req->body + req->off[i], req->len[i], req, NULL);
                ck_assert_str_eq(sbw_buf_cstr(&b), want);
                free(want);
                sbw_buf_cleanup(&b);
                lines++;
            }
            free(ing);
        }
        ck_assert(lines > 1000 && bots > 0 && v6 > 0);
        free(req);
        sbw_sim_gen_free(g);
    }
}
END_TEST

START_TEST(server_event_id_when_the_client_sent_none)
{
    sbw_limits_t lim;
    sbw_limits_init(&lim);
    sbw_sim_req_t req;
    memset(&req, 0, sizeof req);
    req.received_ms = 1795737600123LL;
    req.source_ip = "2001:db8:abcd:12::1";
    req.user_agent = NULL;
    snprintf(req.request_id, sizeof req.request_id, "sim-1");
    char err[256];
    char *ing = sbw_sim_ingest_json(&req, &lim, err, sizeof err);
    const char *ev = "{\"eventName\":\"curl_test\",\"userId\":\"u-1\"}";
    const char *sid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_int_eq(sbw_sim_lake_line(&b, ev, strlen(ev), ing, sid), 0);
    char *want = ingest_line(ev, strlen(ev), &req, sid);
    ck_assert_str_eq(sbw_buf_cstr(&b), want);
    ck_assert_ptr_nonnull(strstr(want, "\"sourceIp\":\"2001:db8:abcd::\""));
    free(want);
    /* not one compact object: refused, buffer unchanged */
    size_t before = b.len;
    ck_assert_int_eq(sbw_sim_lake_line(&b, "{\"a\":1,\n\"b\":2}", 14, ing, NULL), -1);
    ck_assert_int_eq(sbw_sim_lake_line(&b, "[1]", 3, ing, NULL), -1);
    ck_assert_int_eq(b.len, before);
    sbw_buf_cleanup(&b);
    free(ing);
}
END_TEST

START_TEST(answers_are_counted)
{
    int64_t a, r;
    ck_assert_int_eq(sbw_sim_post_count(200, "{\"success\":true}", 1, &a, &r), 0);
    ck_assert(a == 1 && r == 0);
    ck_assert_int_eq(
        sbw_sim_post_count(200,
                           "{\"success\":true,\"accepted\":2,\"rejected\":[{\"index\":1,"
                           "\"error\":\"event 1: eventName missing\"}]}",
                           3, &a, &r),
        0);
    ck_assert(a == 2 && r == 1);
    ck_assert_int_eq(
        sbw_sim_post_count(400, "{\"success\":false,\"message\":\"eventName missing\"}", 1, &a, &r),
        0);
    ck_assert(a == 0 && r == 1);
    ck_assert_int_eq(sbw_sim_post_count(400,
                                        "{\"success\":false,\"message\":\"x\",\"accepted\":0,"
                                        "\"rejected\":[{\"index\":0},{\"index\":1}]}",
                                        2, &a, &r),
                     0);
    ck_assert(a == 0 && r == 2);
    ck_assert_int_eq(sbw_sim_post_count(413, "{\"success\":false}", 7, &a, &r), 0);
    ck_assert(a == 0 && r == 7);
    ck_assert_int_eq(sbw_sim_post_count(503, "{\"success\":false}", 7, &a, &r), 1);
    ck_assert_int_eq(sbw_sim_post_count(429, "", 7, &a, &r), 1);
    ck_assert_int_eq(sbw_sim_post_count(500, "{\"success\":false}", 7, &a, &r), -1);
    ck_assert_int_eq(sbw_sim_post_count(200, "<html>", 1, &a, &r), -1);
    ck_assert(a == 0 && r == 0);

    sbw_sim_post_stats_t st = {.sent = 10,
                               .accepted = 8,
                               .rejected = 1,
                               .failed_requests = 1,
                               .requests = 10,
                               .retries = 3,
                               .seconds = 1.5};
    char out[256];
    sbw_sim_post_summary(&st, out, sizeof out);
    ck_assert_str_eq(out, "{\"sent\":10,\"accepted\":8,\"rejected\":1,\"failed_requests\":1,"
                          "\"requests\":10,\"retries\":3,\"seconds\":1.500}");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_lake");
    TCase *tc = tcase_create("lines");
    tcase_add_test(tc, lines_equal_the_ingest);
    tcase_add_test(tc, server_event_id_when_the_client_sent_none);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tc = tcase_create("answers");
    tcase_add_test(tc, answers_are_counted);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
