/* test_sim_import: the REES46 CSV import (sim/sbw_sim_rees46, sim/sbw_sim_csv): a fixture with
 * empty fields, duplicates, quoted values, a zero price and bad rows -> exact expected events
 * and skip report; the CSV reader's edge cases. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_buf.h"
#include "sbw_event.h"
#include "sbw_sim_csv.h"
#include "sbw_sim_rees46.h"
#include "sbw_test.h"
#include "sbw_time.h"

/* Imports text (original payload unless tracker) and returns every event's bytes as lines. */
static char *import_text(const char *text, sbw_sim_payload_t payload, int batch, char **report,
                         int *requests)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ck_assert_ptr_nonnull(f);
    sbw_sim_rees46_t *r = NULL;
    char err[256];
    ck_assert_int_eq(sbw_sim_rees46_new(f, payload, batch, &r, err, sizeof err), 0);
    sbw_sim_req_t *req = malloc(sizeof *req);
    sbw_buf_t out;
    sbw_buf_init(&out, 0);
    sbw_limits_t lim;
    sbw_limits_init(&lim);
    int rc, n = 0;
    while ((rc = sbw_sim_rees46_next(r, req, err, sizeof err)) == 1) {
        n++;
        /* every request passes the contract as a whole */
        sbw_body_t b;
        ck_assert_msg(sbw_body_split(req->body, req->body_len, &lim, &b, err, sizeof err) == 0,
                      "%s", err);
        ck_assert_int_eq((int)b.accepted, req->n);
        sbw_body_cleanup(&b);
        for (int i = 0; i < req->n; i++) {
            ck_assert_int_eq(sbw_buf_append(&out, req->body + req->off[i], req->len[i]), 0);
            ck_assert_int_eq(sbw_buf_append(&out, "\n", 1), 0);
        }
        ck_assert_str_eq(req->user_agent, SBW_SIM_REES46_UA);
        ck_assert_int_eq(req->received_ms, req->event_ms[req->n - 1]);
    }
    ck_assert_msg(rc == 0, "import failed: %s", err);
    sbw_buf_t rep;
    sbw_buf_init(&rep, 0);
    ck_assert_int_eq(sbw_sim_rees46_report(r, &rep), 0);
    *report = sbw_buf_steal(&rep, NULL);
    if (requests)
        *requests = n;
    free(req);
    sbw_sim_rees46_free(r);
    fclose(f);
    char *s = sbw_buf_steal(&out, NULL);
    return s ? s : strdup("");
}

START_TEST(fixture_gives_expected_events)
{
    char *csv = sbw_test_fixture("sim/rees46_small.csv", NULL);
    char *want = sbw_test_fixture("sim/rees46_small.expected.ndjson", NULL);
    char *want_report = sbw_test_fixture("sim/rees46_small.report.json", NULL);
    char *report = NULL;
    int requests = 0;
    char *got = import_text(csv, SBW_SIM_PAYLOAD_ORIGINAL, 50, &report, &requests);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(requests, 11); /* one event per request, as the storefront sends */
    size_t wl = strlen(want_report);
    while (wl && want_report[wl - 1] == '\n')
        want_report[--wl] = '\0';
    ck_assert_str_eq(report, want_report);
    free(report);
    free(got);

    /* The ids are stable: a second import gives the same events. */
    got = import_text(csv, SBW_SIM_PAYLOAD_ORIGINAL, 50, &report, NULL);
    ck_assert_str_eq(got, want);
    free(report);
    free(got);

    /* Every event maps to a row with the row's time kept. */
    char *times = sbw_test_fixture("sim/rees46_small.times.txt", NULL);
    char *line = want, *t = times;
    int k = 0;
    for (; *line; k++) {
        char *nl = strchr(line, '\n'), *tnl = strchr(t, '\n');
        *nl = *tnl = '\0';
        cJSON *ev = cJSON_Parse(line);
        ck_assert_ptr_nonnull(ev);
        int64_t ms;
        ck_assert_int_eq(sbw_time_parse_iso(t, &ms), 0);
        cJSON *ing = cJSON_AddObjectToObject(ev, "_ingest");
        char iso[SBW_TIME_ISO_SIZE];
        sbw_time_format_iso(ms, iso, sizeof iso);
        cJSON_AddStringToObject(ing, "receivedAt", iso);
        sbw_event_t row;
        char err[256];
        ck_assert_msg(sbw_event_normalise(ev, NULL, 0, 0, &row, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(row.event_timestamp, ms);
        if (k == 6) { /* zero price, empty user and session */
            ck_assert_str_eq(row.context_product_price, "0");
            ck_assert_ptr_null(row.user_id);
            ck_assert_ptr_null(row.session_id);
            ck_assert_str_eq(row.user_login_state, "anonymous");
        }
        if (k == 7) /* "0275.250" */
            ck_assert_str_eq(row.context_product_price, "275.25");
        sbw_event_cleanup(&row);
        cJSON_Delete(ev);
        line = nl + 1;
        t = tnl + 1;
    }
    ck_assert_int_eq(k, 11);
    free(times);
    free(csv);
    free(want);
    free(want_report);
}
END_TEST

START_TEST(tracker_batches_one_session)
{
    const char *csv = "event_time,event_type,product_id,category_id,category_code,brand,price,user_"
                      "id,user_session\n"
                      "2019-10-01 00:00:00 UTC,view,1,2,a.b,x,1.5,7,s1\n"
                      "2019-10-01 00:00:02 UTC,cart,1,2,a.b,x,1.5,7,s1\n"
                      "2019-10-01 00:00:03 UTC,view,2,2,a.b,x,2,8,s2\n"
                      "2019-10-01 00:00:04 UTC,view,3,2,a.b,x,3,8,s2\n"
                      "2019-10-01 00:00:05 UTC,view,4,2,a.b,x,4,8,s2\n"
                      "2019-10-01 00:00:06 UTC,purchase,1,2,a.b,x,1.5,7,s1\n";
    char *report;
    int requests;
    char *got = import_text(csv, SBW_SIM_PAYLOAD_TRACKER, 2, &report, &requests);
    ck_assert_int_eq(requests, 4); /* [s1 s1] [s2 s2] [s2] [s1] */
    char *nl = strchr(got, '\n');
    *nl = '\0';
    cJSON *ev = cJSON_Parse(got);
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "eventName")->valuestring, "product_view");
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "eventTimestamp")->valuestring,
                     "2019-10-01T00:00:00.000Z");
    /* sentAt is the batch's last event time */
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "sentAt")->valuestring, "2019-10-01T00:00:02.000Z");
    cJSON_Delete(ev);
    ck_assert_str_eq(report, "{\"rows\":6,\"events\":6,\"skipped\":0,\"skipped_by_reason\":{},"
                             "\"first_skipped\":[]}");
    free(report);
    free(got);
}
END_TEST

/* ---- CSV reader ---- */

static int read_all(const char *text, char *out, size_t outlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    sbw_sim_csv_t *c = malloc(sizeof *c);
    sbw_sim_csv_init(c, f);
    char err[160];
    int rc, n = 0;
    out[0] = '\0';
    while ((rc = sbw_sim_csv_next(c, err, sizeof err)) != 0) {
        size_t l = strlen(out);
        if (rc == 2) {
            snprintf(out + l, outlen - l, "[line %lld: %s]", (long long)c->rec_line, err);
            continue;
        }
        ck_assert_int_eq(rc, 1);
        snprintf(out + l, outlen - l, "%s", "(");
        for (int i = 0; i < c->nfields; i++) {
            l = strlen(out);
            snprintf(out + l, outlen - l, "%s<%s>", i ? "," : "", c->fields[i]);
        }
        l = strlen(out);
        snprintf(out + l, outlen - l, ")");
        n++;
    }
    free(c);
    fclose(f);
    return n;
}

START_TEST(csv_rfc4180)
{
    char out[4096];
    ck_assert_int_eq(
        read_all("a,b,c\r\n\"x,1\",\"y \"\"q\"\"\",\n\n\"multi\nline\",z", out, sizeof out), 3);
    ck_assert_str_eq(out, "(<a>,<b>,<c>)(<x,1>,<y \"q\">,<>)(<multi\nline>,<z>)");
    ck_assert_int_eq(read_all("\"open,1\n2,3\n", out, sizeof out), 0);
    ck_assert_str_eq(out, "[line 1: quoted field not closed at the end of the file]");
    ck_assert_int_eq(read_all("\"a\"b,c\nd,e\n", out, sizeof out), 1);
    ck_assert_str_eq(out, "[line 1: unexpected character after a closing quote](<d>,<e>)");
    ck_assert_int_eq(read_all("a\"b,c\n", out, sizeof out), 1); /* a quote inside is data */
    ck_assert_str_eq(out, "(<a\"b>,<c>)");
}
END_TEST

START_TEST(csv_limits)
{
    char out[4096];
    /* more than 32 fields */
    char many[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(many, "x,");
    strcat(many, "\nok\n");
    ck_assert_int_eq(read_all(many, out, sizeof out), 1);
    ck_assert_str_eq(out, "[line 1: more than 32 fields](<ok>)");
    /* a record over the limit is skipped, the next line is read */
    size_t big = SBW_SIM_CSV_RECORD_MAX + 100;
    char *text = malloc(big + 16);
    memset(text, 'y', big);
    strcpy(text + big, "\na,b\n");
    ck_assert_int_eq(read_all(text, out, sizeof out), 1);
    ck_assert_str_eq(out, "[line 1: record longer than 16384 bytes](<a>,<b>)");
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_import");
    TCase *tc = tcase_create("rees46");
    tcase_add_test(tc, fixture_gives_expected_events);
    tcase_add_test(tc, tracker_batches_one_session);
    suite_add_tcase(s, tc);
    tc = tcase_create("csv");
    tcase_add_test(tc, csv_rfc4180);
    tcase_add_test(tc, csv_limits);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
