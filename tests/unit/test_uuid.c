/* test_uuid: random version-4 UUIDs (lib/sbw_uuid). */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_test.h"
#include "sbw_uuid.h"

/* "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx", lowercase hex, V in 8 9 a b. */
static int well_formed(const char *u)
{
    if (strlen(u) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-')
                return 0;
        } else if (!strchr("0123456789abcdef", u[i])) {
            return 0;
        }
    }
    return u[14] == '4' && strchr("89ab", u[19]) != NULL;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* More than one pool (256 UUIDs) per thread: every one well formed, none repeated, and each
 * hex digit outside the fixed nibbles takes all 16 values. */
#define N 2000
static char ids[N][SBW_UUID_SIZE];

START_TEST(random_uuids_are_version_4_and_distinct)
{
    for (int i = 0; i < N; i++) {
        sbw_uuid_random(ids[i]);
        ck_assert_msg(well_formed(ids[i]), "malformed: %s", ids[i]);
    }
    unsigned seen[36] = {0};
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 36; k++)
            if (ids[i][k] != '-')
                seen[k] |= 1u << (strchr("0123456789abcdef", ids[i][k]) - "0123456789abcdef");
    for (int k = 0; k < 36; k++) {
        if (k == 8 || k == 13 || k == 18 || k == 23 || k == 14)
            continue;
        ck_assert_uint_eq(seen[k], k == 19 ? 0xf00u : 0xffffu); /* 8 9 a b at the variant */
    }
    qsort(ids, N, sizeof ids[0], cmp);
    for (int i = 1; i < N; i++)
        ck_assert_str_ne(ids[i - 1], ids[i]);
}
END_TEST

/* Each thread has its own pool: two threads never hand out the same UUID. */
static void *fill(void *arg)
{
    char(*out)[SBW_UUID_SIZE] = arg;
    for (int i = 0; i < N / 2; i++)
        sbw_uuid_random(out[i]);
    return NULL;
}

START_TEST(threads_draw_distinct_uuids)
{
    pthread_t a, b;
    pthread_create(&a, NULL, fill, ids);
    pthread_create(&b, NULL, fill, ids + N / 2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    for (int i = 0; i < N; i++)
        ck_assert(well_formed(ids[i]));
    qsort(ids, N, sizeof ids[0], cmp);
    for (int i = 1; i < N; i++)
        ck_assert_str_ne(ids[i - 1], ids[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("uuid");
    TCase *t = tcase_create("random");
    tcase_add_test(t, random_uuids_are_version_4_and_distinct);
    tcase_add_test(t, threads_draw_distinct_uuids);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
