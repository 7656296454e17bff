/* test_buf: the capped growing buffer (lib/sbw_buf). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_buf.h"

START_TEST(append_and_printf)
{
    sbw_buf_t b;
    sbw_buf_init(&b, 0);
    ck_assert_ptr_null(b.data);
    ck_assert_str_eq(sbw_buf_cstr(&b), "");
    ck_assert_int_eq(sbw_buf_append(&b, "ab", 2), 0);
    ck_assert_int_eq(sbw_buf_append_str(&b, "cd"), 0);
    ck_assert_int_eq(sbw_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    ck_assert_str_eq(sbw_buf_cstr(&b), "abcd-42-x");
    ck_assert_uint_eq(b.len, 9);
    ck_assert_int_eq(sbw_buf_append(&b, "\0z", 2), 0); /* binary safe */
    ck_assert_uint_eq(b.len, 11);
    ck_assert_int_eq(memcmp(b.data, "abcd-42-x\0z", 12), 0);
    /* A printf longer than the internal scratch space. */
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sbw_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(sbw_buf_cstr(&b), "");
    ck_assert_int_eq(sbw_buf_printf(&b, "<%s>", big), 0);
    ck_assert_uint_eq(b.len, 1001);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(b.data[1000], '>');
    ck_assert_int_eq(b.data[1001], '\0');
    sbw_buf_cleanup(&b);
    ck_assert_ptr_null(b.data);
    sbw_buf_cleanup(&b); /* twice is fine */
    sbw_buf_cleanup(NULL);
}
END_TEST

START_TEST(cap_is_enforced)
{
    sbw_buf_t b;
    sbw_buf_init(&b, 10);
    ck_assert_int_eq(sbw_buf_append(&b, "0123456789", 10), 0);
    ck_assert_int_eq(sbw_buf_append(&b, "x", 1), -1);
    ck_assert_uint_eq(b.len, 10);
    ck_assert_str_eq(sbw_buf_cstr(&b), "0123456789");
    sbw_buf_reset(&b);
    ck_assert_int_eq(sbw_buf_append(&b, "01234", 5), 0);
    ck_assert_int_eq(sbw_buf_printf(&b, "%s", "abcdef"), -1); /* 11 > 10: unchanged */
    ck_assert_str_eq(sbw_buf_cstr(&b), "01234");
    ck_assert_int_eq(sbw_buf_append(&b, "x", (size_t)-1), -1); /* overflowing length */
    ck_assert_uint_eq(b.len, 5);
    sbw_buf_cleanup(&b);
}
END_TEST

START_TEST(reserve_then_append_does_not_move)
{
    sbw_buf_t b;
    sbw_buf_init(&b, 100000);
    ck_assert_int_eq(sbw_buf_append(&b, "ab", 2), 0);
    ck_assert_int_eq(sbw_buf_reserve(&b, 50000), 0);
    ck_assert_uint_ge(b.cap, 50003);
    const char *before = b.data;
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(sbw_buf_append(&b, chunk, sizeof chunk), 0);
    ck_assert_ptr_eq(b.data, before); /* no reallocation */
    ck_assert_uint_eq(b.len, 50002);
    ck_assert_int_eq(memcmp(b.data, "abxx", 4), 0);
    /* Beyond the cap: refused, buffer unchanged. */
    ck_assert_int_eq(sbw_buf_reserve(&b, 49999), -1);
    ck_assert_uint_eq(b.len, 50002);
    ck_assert_ptr_eq(b.data, before);
    sbw_buf_cleanup(&b);
}
END_TEST

START_TEST(new_free_steal)
{
    sbw_buf_t *b = sbw_buf_new(0);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(b->max, SBW_BUF_DEFAULT_MAX);
    size_t len = 99;
    ck_assert_ptr_null(sbw_buf_steal(b, &len));
    ck_assert_uint_eq(len, 0);
    for (int i = 0; i < 10000; i++)
        ck_assert_int_eq(sbw_buf_append(b, "abc", 3), 0);
    char *p = sbw_buf_steal(b, &len);
    ck_assert_uint_eq(len, 30000);
    ck_assert_int_eq(p[29999], 'c');
    ck_assert_int_eq(p[30000], '\0');
    ck_assert_ptr_null(b->data);
    ck_assert_uint_eq(b->len, 0);
    free(p);
    sbw_buf_free(b);
    sbw_buf_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("append");
    tcase_add_test(tc, append_and_printf);
    tcase_add_test(tc, new_free_steal);
    tcase_add_test(tc, reserve_then_append_does_not_move);
    suite_add_tcase(s, tc);
    tc = tcase_create("cap");
    tcase_add_test(tc, cap_is_enforced);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
