/* test_etl_fetch: the ETL's read-ahead pool (sbw_etl_fetch.h) on a folder lake: objects come
 * out in list order with the right outcome whatever the threads, window and byte budget; a
 * stop in the middle frees what was read ahead (ASan); inline mode reads in the caller. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbw_etl_fetch.h"
#include "sbw_lake.h"
#include "sbw_test.h"

#define N 60

typedef struct {
    char *dir;
    char url[1100];
    char *keys[N];
    int64_t sizes[N];
    sbw_lake_t *lakes[4];
} lake_fx_t;

/* N objects "object <i> ..." of growing size; object 17 is listed but gone (missing), object
 * 33 is larger than the 600-byte limit used below. */
static void fx_init(lake_fx_t *x)
{
    memset(x, 0, sizeof *x);
    x->dir = sbw_test_tmpdir("sbw-etl-fetch");
    snprintf(x->url, sizeof x->url, "file://%s", x->dir);
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    o.create = 1;
    char err[512];
    for (int k = 0; k < 4; k++)
        ck_assert_msg(sbw_lake_open(x->url, &o, &x->lakes[k], err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < N; i++) {
        char key[128], body[1024];
        snprintf(key, sizeof key, "events/2026/11/20/10/event-%03d.json", i);
        int len = snprintf(body, sizeof body, "object %d %*s", i, i == 33 ? 700 : i * 3, "");
        if (i != 17)
            ck_assert_int_eq(sbw_lake_put(x->lakes[0], key, body, (size_t)len, err, sizeof err),
                             0);
        x->keys[i] = strdup(key);
        x->sizes[i] = len;
    }
}

static void fx_free(lake_fx_t *x)
{
    for (int i = 0; i < N; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", x->dir, x->keys[i]);
        unlink(path);
        free(x->keys[i]);
    }
    for (int k = 0; k < 4; k++)
        sbw_lake_free(x->lakes[k]);
    char path[2048];
    const char *parts[] = {"/events/2026/11/20/10", "/events/2026/11/20", "/events/2026/11",
                           "/events/2026", "/events", ""};
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s%s", x->dir, parts[i]);
        rmdir(path);
    }
    free(x->dir);
}

/* Takes objects [0, upto) and checks each outcome. */
static void take_all(lake_fx_t *x, sbw_etl_fetch_t *f, int upto)
{
    for (int i = 0; i < upto; i++) {
        char *data = NULL, why[512] = "";
        size_t len = 0;
        int rc = sbw_etl_fetch_take(f, (size_t)i, &data, &len, why, sizeof why);
        if (i == 17) {
            ck_assert_int_eq(rc, SBW_ETL_READ_LEAVE);
            ck_assert_ptr_null(data);
            ck_assert_msg(strstr(why, "no such key") != NULL, "%s", why);
        } else if (i == 33) {
            ck_assert_int_eq(rc, SBW_ETL_READ_REJECT);
            ck_assert_ptr_null(data);
            ck_assert_msg(strstr(why, "larger than the limit") != NULL, "%s", why);
        } else {
            ck_assert_msg(rc == SBW_ETL_READ_OK, "object %d: %d %s", i, rc, why);
            char want[32];
            snprintf(want, sizeof want, "object %d ", i);
            ck_assert_int_eq((long)len, (long)x->sizes[i]);
            ck_assert_msg(strncmp(data, want, strlen(want)) == 0, "object %d is '%.20s'", i, data);
        }
        free(data);
    }
}

START_TEST(in_order_whatever_the_pool)
{
    lake_fx_t x;
    fx_init(&x);
    /* threads, window, budget: inline; one reader; many readers with a tiny byte budget (one
     * object at a time ahead); a wide window. */
    const struct {
        int threads;
        size_t window, budget;
    } shapes[] = {{0, 1, 0}, {1, 4, 1 << 20}, {4, 16, 10}, {4, 3, 1 << 20}, {3, 64, 1 << 20}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        sbw_etl_fetch_t *f = sbw_etl_fetch_new(x.lakes, shapes[s].threads, 600, 2,
                                               shapes[s].window, shapes[s].budget);
        ck_assert_ptr_nonnull(f);
        for (int round = 0; round < 2; round++) {
            ck_assert_int_eq(sbw_etl_fetch_start(f, x.keys, x.sizes, N), 0);
            take_all(&x, f, N);
            sbw_etl_fetch_stop(f);
        }
        sbw_etl_fetch_free(f);
    }
    fx_free(&x);
}
END_TEST

START_TEST(stop_midway_frees_read_ahead)
{
    lake_fx_t x;
    fx_init(&x);
    sbw_etl_fetch_t *f = sbw_etl_fetch_new(x.lakes, 4, 600, 2, 16, 1 << 20);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(sbw_etl_fetch_start(f, x.keys, x.sizes, N), 0);
    take_all(&x, f, 5);
    usleep(50 * 1000); /* let the readers fill the window */
    sbw_etl_fetch_stop(f);
    /* Started again after a stop, and stopped before anything was taken. */
    ck_assert_int_eq(sbw_etl_fetch_start(f, x.keys, x.sizes, N), 0);
    sbw_etl_fetch_free(f);
    /* The one-shot reader: a missing key is not retried, the rest read. */
    char *data = NULL, why[512];
    size_t len = 0;
    ck_assert_int_eq(sbw_etl_fetch_read(x.lakes[0], x.keys[17], 600, 3, &data, &len, why,
                                        sizeof why),
                     SBW_ETL_READ_LEAVE);
    ck_assert_int_eq(sbw_etl_fetch_read(x.lakes[0], x.keys[3], 600, 3, &data, &len, why,
                                        sizeof why),
                     SBW_ETL_READ_OK);
    ck_assert_int_eq((long)len, (long)x.sizes[3]);
    free(data);
    fx_free(&x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("etl_fetch");
    TCase *t = tcase_create("etl_fetch");
    tcase_add_test(t, in_order_whatever_the_pool);
    tcase_add_test(t, stop_midway_frees_read_ahead);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    return sbw_test_run(s);
}
