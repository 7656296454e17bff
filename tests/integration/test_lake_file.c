/* Integration tests of the lake on a local folder: round trips, order, limits, atomicity. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sbw_lake.h"
#include "sbw_test.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Removes a test folder and everything in it, then frees the path. */
static void rm_tree(char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *root_url(const char *dir)
{
    size_t n = strlen(dir) + 8;
    char *u = malloc(n);
    ck_assert_ptr_nonnull(u);
    snprintf(u, n, "file://%s", dir);
    return u;
}

static sbw_lake_t *open_lake(const char *dir, int create)
{
    sbw_lake_opts_t o;
    sbw_lake_t *lake = NULL;
    char err[512];
    sbw_lake_opts_init(&o);
    o.create = create;
    char *url = root_url(dir);
    int rc = sbw_lake_open(url, &o, &lake, err, sizeof err);
    ck_assert_msg(rc == 0, "open %s: %s", url, err);
    free(url);
    return lake;
}

static void put_str(sbw_lake_t *lake, const char *key, const char *s)
{
    char err[512];
    int rc = sbw_lake_put(lake, key, s, strlen(s), err, sizeof err);
    ck_assert_msg(rc == 0, "put %s: %s", key, err);
}

static void list_all(sbw_lake_t *lake, const char *prefix, const char *after, sbw_test_listing_t *l)
{
    char err[512];
    int rc = sbw_lake_list(lake, prefix, after, sbw_test_listing_collect, l, err, sizeof err);
    ck_assert_msg(rc == 0, "list %s: %s", prefix ? prefix : "", err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(roundtrip_and_listing_order)
{
    char *tmp = sbw_test_tmpdir("lake-file");
    char dir[1024], err[512];
    snprintf(dir, sizeof dir, "%s/var/lake/clickstream-s3-ingest", tmp);

    /* A missing folder is an error unless asked to create it. */
    sbw_lake_t *lake = NULL;
    char *url = root_url(dir);
    ck_assert_int_eq(sbw_lake_open(url, NULL, &lake, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_ptr_null(lake);
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    free(url);
    lake = open_lake(dir, 1);
    char desc[1100];
    snprintf(desc, sizeof desc, "file://%s", dir);
    ck_assert_str_eq(sbw_lake_describe(lake), desc);
    sbw_test_listing_t l = {0};
    list_all(lake, NULL, NULL, &l); /* an empty lake lists nothing */
    ck_assert_uint_eq(l.n, 0);

    const char *keys[] = {
        "events/2024/01/01/10/event-b.json",
        "events/2024/01/01/09/event-z.json",
        "events/2024/01/01/10/event-a.json",
        "events/2024/01/02/00/event-c.json",
        "events/2023/12/31/23/event-y.json",
        "a0",
        "a/b",
        "a.b",
        "a-c",
        "events/2024/01/01/1x",
    };
    size_t nk = sizeof keys / sizeof *keys;
    int64_t before = now_ms();
    for (size_t i = 0; i < nk; i++)
        put_str(lake, keys[i], keys[i]);

    /* get returns exactly what was put, NUL-terminated */
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(sbw_lake_get(lake, keys[0], 1 << 20, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, strlen(keys[0]));
    ck_assert_str_eq(data, keys[0]);
    free(data);

    /* binary content with NULs, an empty object, and overwrite */
    const char bin[] = {'{', 0, '\n', (char)0xff, '}'};
    ck_assert_int_eq(sbw_lake_put(lake, "bin/x", bin, sizeof bin, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_get(lake, "bin/x", sizeof bin, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, sizeof bin);
    ck_assert_int_eq(memcmp(data, bin, sizeof bin), 0);
    free(data);
    ck_assert_int_eq(sbw_lake_put(lake, "bin/empty", NULL, 0, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_get(lake, "bin/empty", 0, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(data, "");
    free(data);
    put_str(lake, "a0", "replaced, longer than before");
    ck_assert_int_eq(sbw_lake_get(lake, "a0", 100, &data, &len, err, sizeof err), 0);
    ck_assert_str_eq(data, "replaced, longer than before");
    free(data);

    /* The whole listing is in strcmp order, whatever the folder layout. */
    list_all(lake, NULL, NULL, &l);
    const char *want[32];
    size_t nw = 0;
    for (size_t i = 0; i < nk; i++)
        want[nw++] = keys[i];
    want[nw++] = "bin/x";
    want[nw++] = "bin/empty";
    qsort(want, nw, sizeof *want, cmp_str);
    ck_assert_uint_eq(l.n, nw);
    for (size_t i = 0; i < nw; i++)
        ck_assert_str_eq(l.keys[i], want[i]);
    ck_assert_str_eq(l.keys[0], "a-c"); /* '-' < '.' < '/' < '0' */
    ck_assert_str_eq(l.keys[1], "a.b");
    ck_assert_str_eq(l.keys[2], "a/b");
    ck_assert_str_eq(l.keys[3], "a0");
    for (size_t i = 0; i < l.n; i++) {
        ck_assert_int_ge(l.mtimes[i], before - 2000);
        ck_assert_int_le(l.mtimes[i], now_ms() + 2000);
        ck_assert_int_gt(strlen(l.etags[i]), 4);
        if (strcmp(l.keys[i], "a0") == 0)
            ck_assert_int_eq(l.sizes[i], (int64_t)strlen("replaced, longer than before"));
        if (strcmp(l.keys[i], "bin/empty") == 0)
            ck_assert_int_eq(l.sizes[i], 0);
    }
    sbw_test_listing_free(&l);

    /* An hour prefix, a partial prefix, start_after, a stop, a missing prefix. */
    list_all(lake, "events/2024/01/01/10/", NULL, &l);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/10/event-a.json");
    ck_assert_str_eq(l.keys[1], "events/2024/01/01/10/event-b.json");
    sbw_test_listing_free(&l);
    list_all(lake, "events/2024/01/01/1", NULL, &l);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/10/event-a.json");
    ck_assert_str_eq(l.keys[2], "events/2024/01/01/1x");
    sbw_test_listing_free(&l);
    list_all(lake, "events/", "events/2024/01/01/10/event-a.json", &l);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/10/event-b.json");
    ck_assert_str_eq(l.keys[1], "events/2024/01/01/1x");
    ck_assert_str_eq(l.keys[2], "events/2024/01/02/00/event-c.json");
    sbw_test_listing_free(&l);
    list_all(lake, "", "events/2024/01/01/0", &l); /* a start_after that is no key */
    ck_assert_uint_eq(l.n, 5);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/09/event-z.json");
    sbw_test_listing_free(&l);
    l.stop_after = 2;
    list_all(lake, "events/", NULL, &l);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.keys[0], "events/2023/12/31/23/event-y.json");
    sbw_test_listing_free(&l);
    list_all(lake, "events/2030/", NULL, &l);
    ck_assert_uint_eq(l.n, 0);
    list_all(lake, "nothing-here", NULL, &l);
    ck_assert_uint_eq(l.n, 0);
    sbw_test_listing_free(&l);

    sbw_lake_free(lake);
    rm_tree(tmp);
}
END_TEST

/* Counts entries whose name starts with ".tmp-" anywhere under dir. */
static int count_temp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strncmp(e->d_name, ".tmp-", 5) == 0)
            n++;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_temp(p);
    }
    closedir(d);
    return n;
}

START_TEST(no_temp_or_foreign_files_visible)
{
    char *dir = sbw_test_tmpdir("lake-file");
    sbw_lake_t *lake = open_lake(dir, 0);
    char key[128], path[2048];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "events/2024/05/06/%02d/event-%03d.json", i % 3, i);
        put_str(lake, key, "{\"eventName\":\"page_view\"}");
    }
    ck_assert_int_eq(count_temp(dir), 0);

    /* Files another writer left half-way, hidden files, names that are no keys, symlinks. */
    const char *foreign[] = {"events/2024/05/06/00/.tmp-deadbeef", "events/.DS_Store",
                             "events/2024/05/06/01/has space.json"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, foreign[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("partial", f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/events/2024/05/06/00/link.json", dir);
    ck_assert_int_eq(symlink("/etc/hostname", path), 0);

    sbw_test_listing_t l = {0};
    list_all(lake, NULL, NULL, &l);
    ck_assert_uint_eq(l.n, 50);
    for (size_t i = 0; i < l.n; i++) {
        ck_assert_ptr_null(strstr(l.keys[i], ".tmp-"));
        ck_assert_ptr_null(strstr(l.keys[i], " "));
        ck_assert_ptr_null(strstr(l.keys[i], "link"));
    }
    sbw_test_listing_free(&l);

    /* A symlink is not followed by get either. */
    char *data = NULL;
    size_t len;
    char err[512];
    ck_assert_int_eq(
        sbw_lake_get(lake, "events/2024/05/06/00/link.json", 100, &data, &len, err, sizeof err),
        SBW_LAKE_EFAIL);
    ck_assert_ptr_null(data);
    sbw_lake_free(lake);
    rm_tree(dir);
}
END_TEST

START_TEST(limits_and_bad_keys)
{
    char *tmp = sbw_test_tmpdir("lake-file");
    char dir[1024], err[512];
    snprintf(dir, sizeof dir, "%s/lake", tmp);
    sbw_lake_t *lake = open_lake(dir, 1);
    char *data = (char *)1;
    size_t len = 99;

    put_str(lake, "o/ten", "0123456789");
    ck_assert_int_eq(sbw_lake_get(lake, "o/ten", 10, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, 10);
    free(data);
    ck_assert_int_eq(sbw_lake_get(lake, "o/ten", 9, &data, &len, err, sizeof err),
                     SBW_LAKE_ETOOLARGE);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(len, 0);
    ck_assert_msg(strstr(err, "larger than the limit of 9 bytes") != NULL, "%s", err);

    ck_assert_int_eq(sbw_lake_get(lake, "o/missing", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "no such key"));
    ck_assert_int_eq(sbw_lake_get(lake, "nofolder/x", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);
    ck_assert_int_eq(sbw_lake_get(lake, "o/ten/below-a-file", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);
    ck_assert_int_eq(sbw_lake_get(lake, "o", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_EFAIL); /* a folder is not an object */

    const char *bad[] = {"../escape", "/etc/passwd", "o/../../escape", "o//x",
                         "o/.tmp-x",  "o/x/",        "with space",     ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(sbw_lake_put(lake, bad[i], "x", 1, err, sizeof err), SBW_LAKE_EINVAL);
        ck_assert_int_eq(sbw_lake_get(lake, bad[i], 10, &data, &len, err, sizeof err),
                         SBW_LAKE_EINVAL);
    }
    char path[2048];
    snprintf(path, sizeof path, "%s/escape", tmp);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(sbw_lake_list(lake, "../", NULL, sbw_test_listing_collect, NULL, err, sizeof err),
                     SBW_LAKE_EINVAL);

    /* A file where a folder is needed makes put fail cleanly. */
    ck_assert_int_eq(sbw_lake_put(lake, "o/ten/child", "x", 1, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_ptr_nonnull(strstr(err, "o/ten/child"));
    ck_assert_int_eq(count_temp(dir), 0);

    /* Bad lake URLs and a root that is a file. */
    sbw_lake_t *l2 = NULL;
    snprintf(path, sizeof path, "file://%s/lake/o/ten", tmp);
    ck_assert_int_eq(sbw_lake_open(path, NULL, &l2, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_int_eq(sbw_lake_open("file://relative/x", NULL, &l2, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_null(l2);
    sbw_lake_free(lake);
    rm_tree(tmp);
}
END_TEST

/* ---- a reader racing a writer ---- */

#define RACE_OBJECTS 500

static void get_eq(sbw_lake_t *lake, const char *key, const char *want)
{
    char *data = NULL, err[512];
    size_t len = 0;
    int rc = sbw_lake_get(lake, key, 1 << 20, &data, &len, err, sizeof err);
    ck_assert_msg(rc == 0, "get %s: %s", key, err);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_str_eq(data, want);
    free(data);
}

/* Two-phase puts: staged objects are invisible until published; a publish makes several
 * durable together; one failing rename fails that object only; nothing temporary remains. */
START_TEST(staged_objects_appear_only_when_published)
{
    char *dir = sbw_test_tmpdir("lake-file");
    sbw_lake_t *lake = open_lake(dir, 0);
    sbw_lake_t *pub = open_lake(dir, 0); /* another handle of the same lake publishes */
    const char *keys[4] = {"events/2024/05/06/07/event-a.json", "events/2024/05/06/07/event-b.json",
                           "events/2024/05/06/08/event-c.json", "events/2024/05/06/07/event-d.json"};
    /* Written from three vectors each, as the group commit hands over request buffers. */
    char one[4][32], two[4][32];
    sbw_lake_staged_t *st[4];
    char err[512];
    for (int i = 0; i < 4; i++) {
        snprintf(one[i], sizeof one[i], "{\"n\":%d}\n", i);
        snprintf(two[i], sizeof two[i], "{\"m\":%d}\n", i * 10);
        struct iovec iov[3] = {{one[i], strlen(one[i])}, {NULL, 0}, {two[i], strlen(two[i])}};
        int rc = sbw_lake_stage(lake, keys[i], iov, 3, &st[i], err, sizeof err);
        ck_assert_msg(rc == 0, "stage %s: %s", keys[i], err);
    }
    /* Staged: four temp files on disk, no object to list or get. */
    ck_assert_int_eq(count_temp(dir), 4);
    sbw_test_listing_t l = {0};
    list_all(lake, NULL, NULL, &l);
    ck_assert_uint_eq(l.n, 0);
    sbw_test_listing_free(&l);
    char *data = NULL;
    size_t len;
    ck_assert_int_eq(sbw_lake_get(lake, keys[0], 100, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);

    /* d's name is taken by a folder: its rename fails, the others are published. */
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, keys[3]);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    int rcs[4];
    char errs[4][256], *errp[4] = {errs[0], errs[1], errs[2], errs[3]};
    ck_assert_int_eq(sbw_lake_publish(pub, st, rcs, errp, sizeof errs[0], 4), 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(rcs[i], 0);
        char want[64];
        snprintf(want, sizeof want, "%s%s", one[i], two[i]);
        get_eq(lake, keys[i], want);
    }
    ck_assert_int_eq(rcs[3], SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(errs[3], "event-d.json") && strstr(errs[3], "rename"), "%s", errs[3]);
    ck_assert_int_eq(count_temp(dir), 0);
    l = (sbw_test_listing_t){0};
    list_all(lake, NULL, NULL, &l);
    ck_assert_uint_eq(l.n, 3);
    sbw_test_listing_free(&l);

    /* An aborted stage leaves nothing either; a bad key is refused before any I/O. */
    struct iovec iov = {one[0], strlen(one[0])};
    sbw_lake_staged_t *ab = NULL;
    ck_assert_int_eq(sbw_lake_stage(lake, "events/2024/05/06/09/event-e.json", &iov, 1, &ab, err,
                                    sizeof err), 0);
    ck_assert_int_eq(count_temp(dir), 1);
    sbw_lake_staged_abort(ab);
    ck_assert_int_eq(count_temp(dir), 0);
    ck_assert_int_eq(sbw_lake_stage(lake, "events/../x.json", &iov, 1, &ab, err, sizeof err),
                     SBW_LAKE_EINVAL);
    ck_assert_ptr_null(ab);
    sbw_lake_free(pub);
    sbw_lake_free(lake);
    rm_tree(dir);
}
END_TEST

/* Big objects go to disk with O_DIRECT (whole blocks) plus a buffered tail; with no_direct
 * (SBW_LAKE_DIRECT=0) through the page cache only. Either way the bytes read back are exact, for
 * sizes with and without a partial last block, from vectors of odd sizes. */
static void big_objects_roundtrip(int direct)
{
    char *dir = sbw_test_tmpdir("lake-file");
    sbw_lake_opts_t o;
    sbw_lake_opts_init(&o);
    o.no_direct = !direct;
    char *url = root_url(dir);
    sbw_lake_t *lake = NULL;
    char oerr[512];
    ck_assert_msg(sbw_lake_open(url, &o, &lake, oerr, sizeof oerr) == 0, "%s", oerr);
    free(url);
    const size_t sizes[] = {65535, 65536, 65537, 4096 * 75, 300 * 1024 + 123, 2 * 1024 * 1024 + 7};
    char err[512];
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        char *want = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            want[i] = (i % 97 == 96) ? '\n' : (char)('A' + (i * 7 + k) % 26);
        want[n] = '\0';
        /* Vectors of 1, 4095, 5000, ... bytes, like requests' lines of different lengths. */
        struct iovec iov[64];
        int cnt = 0;
        size_t at = 0, step = 1;
        while (at < n && cnt < 63) {
            size_t l = step < n - at ? step : n - at;
            iov[cnt++] = (struct iovec){want + at, l};
            at += l;
            step = step * 3 + 4093;
        }
        if (at < n)
            iov[cnt++] = (struct iovec){want + at, n - at};
        char key[128];
        snprintf(key, sizeof key, "events/2024/05/06/10/event-big%zu.json", k);
        sbw_lake_staged_t *st = NULL;
        ck_assert_msg(sbw_lake_stage(lake, key, iov, cnt, &st, err, sizeof err) == 0, "%s", err);
        int rc = -1;
        char perr[256], *perrp = perr;
        ck_assert_int_eq(sbw_lake_publish(lake, &st, &rc, &perrp, sizeof perr, 1), 0);
        char *got = NULL;
        size_t len = 0;
        ck_assert_msg(sbw_lake_get(lake, key, n, &got, &len, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(len, n);
        ck_assert_msg(memcmp(got, want, n) == 0, "object of %zu bytes differs", n);
        free(got);
        /* And a plain put of the same bytes under another key. */
        snprintf(key, sizeof key, "events/2024/05/06/11/event-big%zu.json", k);
        put_str(lake, key, want);
        ck_assert_int_eq(sbw_lake_get(lake, key, n, &got, &len, err, sizeof err), 0);
        ck_assert_uint_eq(len, n);
        ck_assert_int_eq(memcmp(got, want, n), 0);
        free(got);
        free(want);
    }
    ck_assert_int_eq(count_temp(dir), 0);
    sbw_lake_free(lake);
    rm_tree(dir);
}

START_TEST(big_objects_direct_io)
{
    big_objects_roundtrip(1);
}
END_TEST

START_TEST(big_objects_page_cache)
{
    big_objects_roundtrip(0);
}
END_TEST

/* Deterministic content of object i: "BEGIN i " + filler + " END\n", 40..4040 bytes. */
static size_t race_size(int i)
{
    return 40 + (size_t)((i * 7919) % 4000);
}

static char *race_content(int i, size_t *len)
{
    size_t n = race_size(i);
    char *b = malloc(n + 1);
    ck_assert_ptr_nonnull(b);
    int h = snprintf(b, n + 1, "BEGIN %d ", i);
    memset(b + h, 'a' + i % 26, n - (size_t)h - 5);
    memcpy(b + n - 5, " END\n", 5);
    b[n] = '\0';
    *len = n;
    return b;
}

typedef struct {
    const char *dir;
    volatile int done;
    int failures;
    int reads;
    char msg[700];
} race_t;

static void *race_writer(void *ud)
{
    race_t *r = ud;
    sbw_lake_opts_t o;
    sbw_lake_t *lake = NULL;
    char err[512], url[1100], key[128];
    sbw_lake_opts_init(&o);
    snprintf(url, sizeof url, "file://%s", r->dir);
    if (sbw_lake_open(url, &o, &lake, err, sizeof err) != 0) {
        r->failures++;
        r->done = 1;
        return NULL;
    }
    for (int i = 0; i < RACE_OBJECTS; i++) {
        size_t len;
        char *c = race_content(i, &len);
        snprintf(key, sizeof key, "events/2024/03/%02d/%02d/event-%04d.json", 1 + i / 240,
                 (i / 10) % 24, i);
        if (sbw_lake_put(lake, key, c, len, err, sizeof err) != 0) {
            r->failures++;
            snprintf(r->msg, sizeof r->msg, "writer: %s", err);
        }
        /* and one hot key rewritten with alternating sizes */
        if (sbw_lake_put(lake, "events/hot.json", c, len, err, sizeof err) != 0)
            r->failures++;
        free(c);
    }
    sbw_lake_free(lake);
    __atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

typedef struct {
    sbw_lake_t *lake;
    race_t *r;
    size_t seen;
} reader_t;

static int check_object(const char *key, int64_t size, const char *etag, int64_t lm, void *ud)
{
    reader_t *rd = ud;
    char *data = NULL;
    size_t len = 0;
    char err[512];
    int rc = sbw_lake_get(rd->lake, key, 1 << 20, &data, &len, err, sizeof err);
    rd->seen++;
    rd->r->reads++;
    if (rc != 0) {
        rd->r->failures++;
        snprintf(rd->r->msg, sizeof rd->r->msg, "reader get %s: %s", key, err);
        return 0;
    }
    int i = -1;
    if (sscanf(data, "BEGIN %d ", &i) != 1 || i < 0 || i >= RACE_OBJECTS || len != race_size(i) ||
        memcmp(data + len - 5, " END\n", 5) != 0) {
        rd->r->failures++;
        snprintf(rd->r->msg, sizeof rd->r->msg, "reader: partial object %s (%zu bytes)", key, len);
    }
    free(data);
    return 0;
}

START_TEST(concurrent_reader_never_sees_partial_objects)
{
    char *dir = sbw_test_tmpdir("lake-race");
    race_t r = {.dir = dir};
    pthread_t w;
    sbw_lake_t *lake = open_lake(dir, 0);
    reader_t rd = {lake, &r, 0};
    char err[512];
    ck_assert_int_eq(pthread_create(&w, NULL, race_writer, &r), 0);
    int passes = 0;
    while (!__atomic_load_n(&r.done, __ATOMIC_SEQ_CST)) {
        int rc = sbw_lake_list(lake, "events/", NULL, check_object, &rd, err, sizeof err);
        ck_assert_msg(rc == 0, "list during writes: %s", err);
        passes++;
    }
    pthread_join(w, NULL);
    ck_assert_msg(r.failures == 0, "%d failures, last: %s", r.failures, r.msg);
    /* After the writer: every object is there, whole. */
    rd.seen = 0;
    ck_assert_int_eq(sbw_lake_list(lake, "events/", NULL, check_object, &rd, err, sizeof err), 0);
    ck_assert_uint_eq(rd.seen, RACE_OBJECTS + 1);
    ck_assert_msg(r.failures == 0, "%d failures, last: %s", r.failures, r.msg);
    ck_assert_int_ge(passes, 2); /* the reader really overlapped the writer */
    fprintf(stderr, "race: %d listing passes during the writes, %d reads\n", passes, r.reads);
    ck_assert_int_eq(count_temp(dir), 0);
    sbw_lake_free(lake);
    rm_tree(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lake_file");
    TCase *rt = tcase_create("lake_file_roundtrip");
    tcase_add_test(rt, roundtrip_and_listing_order);
    tcase_add_test(rt, no_temp_or_foreign_files_visible);
    tcase_add_test(rt, staged_objects_appear_only_when_published);
    tcase_add_test(rt, big_objects_direct_io);
    tcase_add_test(rt, big_objects_page_cache);
    suite_add_tcase(s, rt);
    TCase *lim = tcase_create("lake_file_limits");
    tcase_add_test(lim, limits_and_bad_keys);
    suite_add_tcase(s, lim);
    TCase *race = tcase_create("lake_file_concurrency");
    tcase_set_timeout(race, 120);
    tcase_add_test(race, concurrent_reader_never_sees_partial_objects);
    suite_add_tcase(s, race);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
