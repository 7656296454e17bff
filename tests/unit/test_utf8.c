/* test_utf8: the strict UTF-8 validator, truncation and sanitising (lib/sbw_utf8). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_utf8.h"

#define VALID(lit) sbw_utf8_valid(lit, sizeof(lit) - 1, NULL)

static size_t bad_at(const char *s, size_t len)
{
    size_t at = (size_t)-1;
    ck_assert_msg(!sbw_utf8_valid(s, len, &at), "expected invalid");
    return at;
}
#define BAD_AT(lit) bad_at(lit, sizeof(lit) - 1)

START_TEST(valid_sequences)
{
    ck_assert(VALID(""));
    ck_assert(VALID("plain ascii ~\x7f"));
    ck_assert(VALID("\xc2\x80"));         /* U+0080, smallest 2-byte */
    ck_assert(VALID("\xdf\xbf"));         /* U+07FF */
    ck_assert(VALID("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
    ck_assert(VALID("\xed\x9f\xbf"));     /* U+D7FF, just below the surrogates */
    ck_assert(VALID("\xee\x80\x80"));     /* U+E000, just above */
    ck_assert(VALID("\xef\xbf\xbf"));     /* U+FFFF */
    ck_assert(VALID("\xf0\x90\x80\x80")); /* U+10000 */
    ck_assert(VALID("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    ck_assert(VALID("Chuột Logitech G102 ♡ 😀"));
    ck_assert(sbw_utf8_valid("a\0b", 3, NULL)); /* NUL is valid UTF-8 */
}
END_TEST

START_TEST(invalid_sequences)
{
    ck_assert_uint_eq(BAD_AT("\x80"), 0); /* stray continuation */
    ck_assert_uint_eq(BAD_AT("ab\xbf"), 2);
    ck_assert_uint_eq(BAD_AT("\xc0\x80"), 0);         /* overlong NUL */
    ck_assert_uint_eq(BAD_AT("\xc1\xbf"), 0);         /* overlong 2-byte */
    ck_assert_uint_eq(BAD_AT("x\xe0\x80\x80"), 1);    /* overlong 3-byte */
    ck_assert_uint_eq(BAD_AT("\xe0\x9f\xbf"), 0);     /* overlong U+07FF */
    ck_assert_uint_eq(BAD_AT("\xf0\x80\x80\x80"), 0); /* overlong 4-byte */
    ck_assert_uint_eq(BAD_AT("\xf0\x8f\xbf\xbf"), 0); /* overlong U+FFFF */
    ck_assert_uint_eq(BAD_AT("\xed\xa0\x80"), 0);     /* U+D800 high surrogate */
    ck_assert_uint_eq(BAD_AT("\xed\xbf\xbf"), 0);     /* U+DFFF low surrogate */
    ck_assert_uint_eq(BAD_AT("\xf4\x90\x80\x80"), 0); /* U+110000 */
    ck_assert_uint_eq(BAD_AT("\xf5\x80\x80\x80"), 0);
    ck_assert_uint_eq(BAD_AT("\xff"), 0);
    ck_assert_uint_eq(BAD_AT("\xfe"), 0);
    ck_assert_uint_eq(BAD_AT("ok\xe2\x82"), 2); /* truncated at the end */
    ck_assert_uint_eq(BAD_AT("\xe2\x82x"), 0);  /* bad continuation */
    ck_assert_uint_eq(BAD_AT("\xc3\x28"), 0);
    ck_assert_uint_eq(BAD_AT("\xf0\x9f\x98"), 0);
    ck_assert_uint_eq(BAD_AT("\xc3\xa9\xc3"), 2);
    /* Length is respected: the invalid byte lies beyond len. */
    ck_assert(sbw_utf8_valid("ab\xff", 2, NULL));
}
END_TEST

START_TEST(truncate_on_boundaries)
{
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀: 1+2+3+4 bytes */
    size_t n = strlen(s);
    ck_assert_uint_eq(n, 10);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 100), 10);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 10), 10);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 9), 6); /* inside 😀 -> before it */
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 7), 6);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 6), 6);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 5), 3); /* inside € */
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 2), 1); /* inside é */
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 1), 1);
    ck_assert_uint_eq(sbw_utf8_truncate(s, n, 0), 0);
}
END_TEST

START_TEST(sanitize_replaces_and_cuts)
{
    char *t = sbw_utf8_sanitize("ok", 2, 100);
    ck_assert_str_eq(t, "ok");
    free(t);
    t = sbw_utf8_sanitize("a\xff"
                          "b\xc0\x80"
                          "c",
                          6, 100);
    ck_assert_str_eq(t, "a\xef\xbf\xbd"
                        "b\xef\xbf\xbd\xef\xbf\xbd"
                        "c");
    free(t);
    t = sbw_utf8_sanitize("a\0b", 3, 100); /* NUL dropped */
    ck_assert_str_eq(t, "ab");
    free(t);
    t = sbw_utf8_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 5); /* cut before the third é */
    ck_assert_str_eq(t, "\xc3\xa9\xc3\xa9");
    free(t);
    t = sbw_utf8_sanitize("ab\xff", 3, 4); /* the replacement would not fit */
    ck_assert_str_eq(t, "ab");
    free(t);
    t = sbw_utf8_sanitize("", 0, 10);
    ck_assert_str_eq(t, "");
    free(t);
    t = sbw_utf8_sanitize("abcdef", 6, 0);
    ck_assert_str_eq(t, "");
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("valid");
    tcase_add_test(tc, valid_sequences);
    suite_add_tcase(s, tc);
    tc = tcase_create("invalid");
    tcase_add_test(tc, invalid_sequences);
    suite_add_tcase(s, tc);
    tc = tcase_create("truncate");
    tcase_add_test(tc, truncate_on_boundaries);
    suite_add_tcase(s, tc);
    tc = tcase_create("sanitize");
    tcase_add_test(tc, sanitize_replaces_and_cuts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
