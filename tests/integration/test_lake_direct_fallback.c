/* Integration test of the file lake on a file system that refuses O_DIRECT, at open or at
 * write (simulated by the preloaded tests/support/sbw_no_odirect.c; CMake sets LD_PRELOAD):
 * big objects still round-trip exactly, and the handle stops trying O_DIRECT after the first
 * refusal. */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_lake.h"
#include "sbw_test.h"

static int refusals(void)
{
    int (*count)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "sbw_no_odirect_refusals");
    ck_assert_msg(count != NULL, "the sbw_no_odirect shim is not preloaded");
    return count();
}

static void round_trips_without_direct_io(const char *mode)
{
    setenv("SBW_NO_ODIRECT", mode, 1);
    int before = refusals();
    char *dir = sbw_test_tmpdir("lake-nodirect");
    char url[4200], err[512];
    snprintf(url, sizeof url, "file://%s", dir);
    sbw_lake_t *lake = NULL;
    ck_assert_msg(sbw_lake_open(url, NULL, &lake, err, sizeof err) == 0, "%s", err);
    size_t n = 300 * 1024 + 77; /* direct-sized, with a partial last block */
    char *want = malloc(n);
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++)
            want[i] = (i % 101 == 100) ? '\n' : (char)('a' + (i + (size_t)k) % 26);
        char key[128];
        snprintf(key, sizeof key, "events/2024/05/06/10/event-%s-%d.json", mode, k);
        struct iovec iov[2] = {{want, 5000}, {want + 5000, n - 5000}};
        sbw_lake_staged_t *st = NULL;
        ck_assert_msg(sbw_lake_stage(lake, key, iov, 2, &st, err, sizeof err) == 0, "%s", err);
        int rc = -1;
        char perr[256], *perrp = perr;
        ck_assert_int_eq(sbw_lake_publish(lake, &st, &rc, &perrp, sizeof perr, 1), 0);
        char *got = NULL;
        size_t len = 0;
        ck_assert_msg(sbw_lake_get(lake, key, n, &got, &len, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(len, n);
        ck_assert_int_eq(memcmp(got, want, n), 0);
        free(got);
        /* Refused once, on the first object; the handle writes plainly from then on. */
        ck_assert_int_eq(refusals() - before, 1);
    }
    free(want);
    sbw_lake_free(lake);
    free(dir); /* the folder itself goes when the test process exits (sbw_test_tmpdir) */
    unsetenv("SBW_NO_ODIRECT");
}

START_TEST(refused_at_open)
{
    round_trips_without_direct_io("open");
}
END_TEST

START_TEST(refused_at_write)
{
    round_trips_without_direct_io("write");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lake_direct_fallback");
    TCase *tc = tcase_create("lake_direct_fallback");
    tcase_add_test(tc, refused_at_open);
    tcase_add_test(tc, refused_at_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
