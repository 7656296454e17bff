/* test_time: UTC calendar arithmetic and ISO 8601 parsing/formatting (lib/sbw_time). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sbw_time.h"

static int64_t parse_ok(const char *s)
{
    int64_t ms = -1;
    ck_assert_msg(sbw_time_parse_iso(s, &ms) == 0, "should parse: %s", s);
    return ms;
}

START_TEST(parse_valid)
{
    ck_assert_int_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(parse_ok("1970-01-01"), 0);
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00.000Z"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00Z"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00"), INT64_C(1795773600000)); /* no zone: UTC */
    ck_assert_int_eq(parse_ok("2026-11-27 10:00:00"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27t10:00z"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00.1Z"), INT64_C(1795773600100));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00.12Z"), INT64_C(1795773600120));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00.123456Z"), INT64_C(1795773600123));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00.999999999Z"), INT64_C(1795773600999));
    ck_assert_int_eq(parse_ok("2026-11-27T10:00:00,5Z"), INT64_C(1795773600500));
    ck_assert_int_eq(parse_ok("2026-11-27T17:00:00+07:00"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T17:00:00+0700"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T17:00:00+07"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T04:30:00-05:30"), INT64_C(1795773600000));
    ck_assert_int_eq(parse_ok("2026-11-27T00:30:00+00:30"), INT64_C(1795737600000));
    ck_assert_int_eq(parse_ok("2024-02-29T12:00:00Z"), INT64_C(1709208000000));
    ck_assert_int_eq(parse_ok("2000-02-29"), INT64_C(951782400000));
    ck_assert_int_eq(parse_ok("1969-12-31T23:59:59.999Z"), -1);
    ck_assert_int_eq(parse_ok("0000-01-01T00:00:00Z"), INT64_C(-62167219200000));
    ck_assert_int_eq(parse_ok("9999-12-31T23:59:59.999Z"), INT64_C(253402300799999));
}
END_TEST

START_TEST(parse_invalid)
{
    const char *bad[] = {
        "",
        "2026",
        "2026-11",
        "2026-13-01",
        "2026-00-10",
        "2026-11-31",
        "2026-02-29", /* 2026 is not a leap year */
        "1900-02-29", /* neither is 1900 */
        "2026-11-27T24:00:00Z",
        "2026-11-27T10:60:00Z",
        "2026-11-27T10:00:60Z", /* leap seconds are not accepted */
        "2026-11-27T10Z",
        "2026-11-27T10:00:00.Z",
        "2026-11-27T10:00:00.1234567890Z", /* more than 9 fraction digits */
        "2026-11-27T10:00:00+24:00",
        "2026-11-27T10:00:00+07:60",
        "2026-11-27T10:00:00+7",
        "2026-11-27T10:00:00ZZ",
        " 2026-11-27T10:00:00Z",
        "2026-11-27T10:00:00Z ",
        "2026/11/27",
        "27-11-2026",
        "yesterday",
        "2026-1-27",
        "+2026-11-27",
        "2026-11-27X10:00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        ck_assert_msg(sbw_time_parse_iso(bad[i], &ms) == -1, "should not parse: '%s'", bad[i]);
        ck_assert_int_eq(ms, 42);
    }
    int64_t ms = 42;
    ck_assert_int_eq(sbw_time_parse_iso(NULL, &ms), -1);
}
END_TEST

START_TEST(format)
{
    char buf[SBW_TIME_ISO_SIZE];
    ck_assert_int_eq(sbw_time_format_iso(0, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
    ck_assert_int_eq(sbw_time_format_iso(INT64_C(1795773600123), buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "2026-11-27T10:00:00.123Z");
    ck_assert_int_eq(sbw_time_format_iso(-1, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
    ck_assert_int_eq(sbw_time_format_iso(INT64_C(253402300799999), buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59.999Z");
    ck_assert_int_eq(sbw_time_format_iso(INT64_C(-62167219200000), buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "0000-01-01T00:00:00.000Z");
    /* Out of range or too small a buffer: -1 and "". */
    ck_assert_int_eq(sbw_time_format_iso(INT64_C(253402300800000), buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(sbw_time_format_iso(INT64_C(-62167219200001), buf, sizeof buf), -1);
    ck_assert_int_eq(sbw_time_format_iso(INT64_MIN, buf, sizeof buf), -1);
    ck_assert_int_eq(sbw_time_format_iso(INT64_MAX, buf, sizeof buf), -1);
    ck_assert_int_eq(sbw_time_format_iso(0, buf, SBW_TIME_ISO_SIZE - 1), -1);
    ck_assert_str_eq(buf, "");
    /* Across the whole range: the digits printf would write from the civil fields. */
    uint64_t x = 88172645463325252u; /* xorshift64 */
    const int64_t lo = INT64_C(-62167219200000), span = INT64_C(253402300800000) - lo;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t ms = lo + (int64_t)(x % (uint64_t)span);
        sbw_time_civil_t c;
        char want[64];
        ck_assert_int_eq(sbw_time_to_civil(ms, &c), 0);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day,
                 c.hour, c.min, c.sec, c.ms);
        ck_assert_int_eq(sbw_time_format_iso(ms, buf, sizeof buf), 0);
        ck_assert_str_eq(buf, want);
    }
}
END_TEST

/* Every day from 1900 to 2200 agrees with the C library's gmtime_r, both ways. */
START_TEST(civil_matches_gmtime)
{
    int64_t day0 = sbw_time_days_from_civil(1900, 1, 1);
    int64_t day1 = sbw_time_days_from_civil(2200, 12, 31);
    ck_assert_int_eq(sbw_time_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(day1 - day0 + 1, 109938);
    /* Plain comparisons in the loop (one Check assertion per day is too slow under ASan). */
    int64_t bad_day = INT64_MIN;
    for (int64_t d = day0; d <= day1 && bad_day == INT64_MIN; d++) {
        int64_t ms = d * 86400000 + 45296789; /* 12:34:56.789 */
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        sbw_time_civil_t c;
        int64_t back = 0;
        if (!gmtime_r(&t, &tm) || sbw_time_to_civil(ms, &c) != 0 || c.year != tm.tm_year + 1900 ||
            c.month != tm.tm_mon + 1 || c.day != tm.tm_mday || c.hour != 12 || c.min != 34 ||
            c.sec != 56 || c.ms != 789 || sbw_time_from_civil(&c, &back) != 0 || back != ms ||
            sbw_time_days_from_civil(c.year, c.month, c.day) != d)
            bad_day = d;
    }
    ck_assert_msg(bad_day == INT64_MIN, "day %lld disagrees with gmtime_r", (long long)bad_day);
}
END_TEST

START_TEST(from_civil_rejects_out_of_range)
{
    int64_t ms = 7;
    sbw_time_civil_t c = {2026, 4, 31, 0, 0, 0, 0};
    ck_assert_int_eq(sbw_time_from_civil(&c, &ms), -1);
    c = (sbw_time_civil_t){2026, 11, 27, 10, 0, 0, 1000};
    ck_assert_int_eq(sbw_time_from_civil(&c, &ms), -1);
    c = (sbw_time_civil_t){10000, 1, 1, 0, 0, 0, 0};
    ck_assert_int_eq(sbw_time_from_civil(&c, &ms), -1);
    c = (sbw_time_civil_t){-1, 1, 1, 0, 0, 0, 0};
    ck_assert_int_eq(sbw_time_from_civil(&c, &ms), -1);
    ck_assert_int_eq(ms, 7);
}
END_TEST

START_TEST(round_trip)
{
    char buf[SBW_TIME_ISO_SIZE];
    const int64_t samples[] = {0,
                               1,
                               999,
                               INT64_C(1732672000000),
                               INT64_C(951868799999),
                               INT64_C(-1000),
                               INT64_C(4102444800000)};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        ck_assert_int_eq(sbw_time_format_iso(samples[i], buf, sizeof buf), 0);
        int64_t back;
        ck_assert_int_eq(sbw_time_parse_iso(buf, &back), 0);
        ck_assert_int_eq(back, samples[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("parse_valid");
    tcase_add_test(tc, parse_valid);
    suite_add_tcase(s, tc);
    tc = tcase_create("parse_invalid");
    tcase_add_test(tc, parse_invalid);
    suite_add_tcase(s, tc);
    tc = tcase_create("format");
    tcase_add_test(tc, format);
    tcase_add_test(tc, round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("civil");
    tcase_add_test(tc, civil_matches_gmtime);
    tcase_add_test(tc, from_civil_rejects_out_of_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
