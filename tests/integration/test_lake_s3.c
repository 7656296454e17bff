/* Integration tests of the lake on S3: against s3rver (the CTest fixture) and a scripted fake
 * S3 that verifies every SigV4 signature (s3rver checks only the access key id). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sbw_lake.h"
#include "sbw_s3.h"
#include "sbw_test.h"

/* ---- helpers ---- */

static void s3_opts(sbw_lake_opts_t *o, const char *endpoint, const char *key_id,
                    const char *secret)
{
    sbw_lake_opts_init(o);
    snprintf(o->s3.endpoint, sizeof o->s3.endpoint, "%s", endpoint);
    o->s3.path_style = 1;
    snprintf(o->s3.access_key_id, sizeof o->s3.access_key_id, "%s", key_id);
    snprintf(o->s3.secret_access_key, sizeof o->s3.secret_access_key, "%s", secret);
    o->s3.backoff_base_ms = 10;
    o->s3.backoff_max_ms = 50;
}

/* A lake on the fixture's bucket under a prefix unique to this test and process. */
static sbw_lake_t *open_s3rver_lake(const char *tag, char *prefix, size_t plen)
{
    char bucket[128], url[512], err[512];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    sbw_lake_opts_t o;
    sbw_lake_t *lake = NULL;
    s3_opts(&o, ep, "S3RVER", "S3RVER");
    snprintf(prefix, plen, "%s-%ld-%ld", tag, (long)getpid(), (long)time(NULL));
    snprintf(url, sizeof url, "s3://%s/%s", bucket, prefix);
    int rc = sbw_lake_open(url, &o, &lake, err, sizeof err);
    ck_assert_msg(rc == 0, "open %s: %s", url, err);
    free(ep);
    return lake;
}

static void md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ck_assert_int_eq(EVP_Digest(data, len, md, &n, EVP_md5(), NULL), 1);
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- against s3rver ---- */

START_TEST(s3rver_roundtrip)
{
    char prefix[128], err[1024];
    sbw_lake_t *lake = open_s3rver_lake("roundtrip", prefix, sizeof prefix);
    const char *body = "{\"eventName\":\"product_view\",\"price\":1990000}\n";
    const char bin[] = {'{', 0, '\n', (char)0xff, '}'};
    int64_t before = now_ms();
    ck_assert_int_eq(sbw_lake_put(lake, "events/2024/01/01/10/event-a.json", body, strlen(body),
                                  err, sizeof err),
                     0);
    ck_assert_int_eq(
        sbw_lake_put(lake, "events/2024/01/01/09/event-b.json", bin, sizeof bin, err, sizeof err),
        0);
    ck_assert_int_eq(
        sbw_lake_put(lake, "events/2024/01/01/11/empty.json", NULL, 0, err, sizeof err), 0);
    /* a key that needs escaping in the path */
    ck_assert_int_eq(sbw_lake_put(lake, "odd/a+b=c&d~e@f,g;h.json", "x", 1, err, sizeof err), 0);

    char *data = NULL;
    size_t len = 0;
    ck_assert_msg(sbw_lake_get(lake, "events/2024/01/01/10/event-a.json", 1 << 20, &data, &len, err,
                               sizeof err) == 0,
                  "%s", err);
    ck_assert_uint_eq(len, strlen(body));
    ck_assert_str_eq(data, body);
    free(data);
    ck_assert_int_eq(sbw_lake_get(lake, "events/2024/01/01/09/event-b.json", sizeof bin, &data,
                                  &len, err, sizeof err),
                     0);
    ck_assert_uint_eq(len, sizeof bin);
    ck_assert_int_eq(memcmp(data, bin, sizeof bin), 0);
    free(data);
    ck_assert_int_eq(
        sbw_lake_get(lake, "events/2024/01/01/11/empty.json", 0, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(data, "");
    free(data);
    ck_assert_int_eq(
        sbw_lake_get(lake, "odd/a+b=c&d~e@f,g;h.json", 10, &data, &len, err, sizeof err), 0);
    ck_assert_str_eq(data, "x");
    free(data);

    /* Overwrite replaces. */
    ck_assert_int_eq(
        sbw_lake_put(lake, "events/2024/01/01/10/event-a.json", "v2", 2, err, sizeof err), 0);
    ck_assert_int_eq(
        sbw_lake_get(lake, "events/2024/01/01/10/event-a.json", 10, &data, &len, err, sizeof err),
        0);
    ck_assert_str_eq(data, "v2");
    free(data);

    /* Listing: keys relative to the lake prefix, in order, with size, ETag (MD5) and time. */
    sbw_test_listing_t l = {0};
    ck_assert_int_eq(sbw_lake_list(lake, "", NULL, sbw_test_listing_collect, &l, err, sizeof err), 0);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/09/event-b.json");
    ck_assert_str_eq(l.keys[1], "events/2024/01/01/10/event-a.json");
    ck_assert_str_eq(l.keys[2], "events/2024/01/01/11/empty.json");
    ck_assert_str_eq(l.keys[3], "odd/a+b=c&d~e@f,g;h.json");
    char md5[33];
    md5_hex(bin, sizeof bin, md5);
    ck_assert_str_eq(l.etags[0], md5);
    ck_assert_int_eq(l.sizes[0], (int64_t)sizeof bin);
    md5_hex("v2", 2, md5);
    ck_assert_str_eq(l.etags[1], md5);
    ck_assert_int_eq(l.sizes[1], 2);
    ck_assert_int_eq(l.sizes[2], 0);
    for (size_t i = 0; i < l.n; i++) {
        ck_assert_int_ge(l.mtimes[i], before - 5000);
        ck_assert_int_le(l.mtimes[i], now_ms() + 5000);
    }
    sbw_test_listing_free(&l);

    ck_assert_int_eq(sbw_lake_list(lake, "events/2024/01/01/1", NULL, sbw_test_listing_collect, &l, err, sizeof err),
                     0);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.keys[0], "events/2024/01/01/10/event-a.json");
    sbw_test_listing_free(&l);

    /* The same objects seen from the bucket root carry the lake prefix. */
    char bucket[128], url[256];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    sbw_lake_opts_t o;
    sbw_lake_t *root = NULL;
    s3_opts(&o, ep, "S3RVER", "S3RVER");
    snprintf(url, sizeof url, "s3://%s", bucket);
    ck_assert_int_eq(sbw_lake_open(url, &o, &root, err, sizeof err), 0);
    char p2[256];
    snprintf(p2, sizeof p2, "%s/", prefix);
    ck_assert_int_eq(sbw_lake_list(root, p2, NULL, sbw_test_listing_collect, &l, err, sizeof err), 0);
    ck_assert_uint_eq(l.n, 4);
    char want[512];
    snprintf(want, sizeof want, "%s/events/2024/01/01/09/event-b.json", prefix);
    ck_assert_str_eq(l.keys[0], want);
    sbw_test_listing_free(&l);
    sbw_lake_free(root);
    free(ep);

    /* Two-phase put on S3: staging is the whole PUT (S3 objects appear atomically), publishing
     * has nothing left to do; the vectors arrive as one body. */
    struct iovec iov[3] = {{(void *)"{\"a\":1}\n", 8}, {NULL, 0}, {(void *)"{\"b\":2}\n", 8}};
    sbw_lake_staged_t *st = NULL;
    ck_assert_msg(sbw_lake_stage(lake, "events/2024/01/01/12/event-s.json", iov, 3, &st, err,
                                 sizeof err) == 0, "%s", err);
    int rc = -1;
    char perr[256], *perrp = perr;
    ck_assert_int_eq(sbw_lake_publish(lake, &st, &rc, &perrp, sizeof perr, 1), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(sbw_lake_get(lake, "events/2024/01/01/12/event-s.json", 100, &data, &len, err,
                                  sizeof err), 0);
    ck_assert_str_eq(data, "{\"a\":1}\n{\"b\":2}\n");
    free(data);
    sbw_lake_free(lake);
}
END_TEST

#define MANY 1100

START_TEST(s3rver_more_than_1000_keys)
{
    char prefix[128], err[1024], key[128], body[64];
    sbw_lake_t *lake = open_s3rver_lake("many", prefix, sizeof prefix);
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "events/2024/02/03/04/event-%05d.json", i);
        int n = snprintf(body, sizeof body, "{\"i\":%d}\n", i);
        int rc = sbw_lake_put(lake, key, body, (size_t)n, err, sizeof err);
        ck_assert_msg(rc == 0, "put %s: %s", key, err);
    }
    /* an object outside the hour must not be listed under it */
    ck_assert_int_eq(
        sbw_lake_put(lake, "events/2024/02/03/05/event-x.json", "{}", 2, err, sizeof err), 0);

    sbw_test_listing_t l = {0};
    ck_assert_int_eq(
        sbw_lake_list(lake, "events/2024/02/03/04/", NULL, sbw_test_listing_collect, &l, err, sizeof err), 0);
    ck_assert_uint_eq(l.n, MANY); /* beyond one 1000-key page */
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "events/2024/02/03/04/event-%05d.json", i);
        ck_assert_str_eq(l.keys[i], key);
        snprintf(body, sizeof body, "{\"i\":%d}\n", i);
        ck_assert_int_eq(l.sizes[i], (int64_t)strlen(body));
    }
    sbw_test_listing_free(&l);

    /* start_after inside the second page and inside the first */
    ck_assert_int_eq(sbw_lake_list(lake, "events/", "events/2024/02/03/04/event-01049.json",
                                   sbw_test_listing_collect, &l, err, sizeof err),
                     0);
    ck_assert_uint_eq(l.n, 51); /* 01050..01099 and the 05 hour */
    ck_assert_str_eq(l.keys[0], "events/2024/02/03/04/event-01050.json");
    ck_assert_str_eq(l.keys[50], "events/2024/02/03/05/event-x.json");
    sbw_test_listing_free(&l);
    ck_assert_int_eq(sbw_lake_list(lake, "events/2024/02/03/04/",
                                   "events/2024/02/03/04/event-00099.json", sbw_test_listing_collect, &l, err,
                                   sizeof err),
                     0);
    ck_assert_uint_eq(l.n, MANY - 100);
    ck_assert_str_eq(l.keys[0], "events/2024/02/03/04/event-00100.json");
    ck_assert_str_eq(l.keys[l.n - 1], "events/2024/02/03/04/event-01099.json");
    sbw_test_listing_free(&l);

    /* the callback can stop the listing */
    l.stop_after = 1005;
    ck_assert_int_eq(sbw_lake_list(lake, "", NULL, sbw_test_listing_collect, &l, err, sizeof err), 0);
    ck_assert_uint_eq(l.n, 1005);
    sbw_test_listing_free(&l);
    sbw_lake_free(lake);
}
END_TEST

START_TEST(s3rver_errors)
{
    char prefix[128], err[1024];
    sbw_lake_t *lake = open_s3rver_lake("errors", prefix, sizeof prefix);
    char *data = (char *)1;
    size_t len = 7;

    ck_assert_int_eq(sbw_lake_get(lake, "events/none.json", 100, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);
    ck_assert_ptr_null(data);
    ck_assert_msg(strstr(err, "no such key") && strstr(err, "events/none.json") &&
                      strstr(err, "NoSuchKey"),
                  "%s", err);

    /* Larger than max_bytes: an error that says so. */
    char big[5000];
    memset(big, 'b', sizeof big);
    ck_assert_int_eq(sbw_lake_put(lake, "big.json", big, sizeof big, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_get(lake, "big.json", 4999, &data, &len, err, sizeof err),
                     SBW_LAKE_ETOOLARGE);
    ck_assert_ptr_null(data);
    ck_assert_msg(strstr(err, "larger than the limit of 4999 bytes") != NULL, "%s", err);
    ck_assert_int_eq(sbw_lake_get(lake, "big.json", 5000, &data, &len, err, sizeof err), 0);
    ck_assert_uint_eq(len, 5000);
    free(data);
    sbw_lake_free(lake);

    char bucket[128], url[512];
    char *ep = sbw_test_s3_endpoint(bucket, sizeof bucket);
    sbw_lake_opts_t o;

    /* An unknown access key id: s3rver answers 403 InvalidAccessKeyId; no retry. */
    s3_opts(&o, ep, "WRONGKEY", "S3RVER");
    snprintf(url, sizeof url, "s3://%s/%s", bucket, prefix);
    ck_assert_int_eq(sbw_lake_open(url, &o, &lake, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "x", 1, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "HTTP 403 InvalidAccessKeyId") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "attempts") == NULL, "403 was retried: %s", err);
    ck_assert_int_eq(sbw_lake_list(lake, "", NULL, sbw_test_listing_collect, NULL, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "InvalidAccessKeyId") != NULL, "%s", err);
    sbw_lake_free(lake);

    /* s3rver does not verify V4 signatures (only the key id): a wrong secret passes there.
     * The signature itself is verified by the fake S3 in lake_s3_signing. */
    s3_opts(&o, ep, "S3RVER", "not-the-secret");
    ck_assert_int_eq(sbw_lake_open(url, &o, &lake, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "x", 1, err, sizeof err), 0);
    sbw_lake_free(lake);

    /* A bucket that does not exist. */
    s3_opts(&o, ep, "S3RVER", "S3RVER");
    ck_assert_int_eq(sbw_lake_open("s3://no-such-bucket-here", &o, &lake, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "x", 1, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "NoSuchBucket") != NULL, "%s", err);
    ck_assert_int_eq(sbw_lake_get(lake, "k.json", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_EFAIL); /* a missing bucket is not a missing key */
    sbw_lake_free(lake);

    /* Nobody listening: connection errors are retried, then reported. */
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", sbw_test_free_port());
    s3_opts(&o, dead, "S3RVER", "S3RVER");
    o.s3.max_attempts = 3;
    ck_assert_int_eq(sbw_lake_open(url, &o, &lake, err, sizeof err), 0);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "x", 1, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "connect") && strstr(err, "gave up after 3 attempts"), "%s", err);
    sbw_lake_free(lake);
    free(ep);
}
END_TEST

/* ---- a scripted fake S3 that checks SigV4 ---- */

#define FAKE_SECRET "fake-secret/key+1"
#define FAKE_MAX 16

typedef struct {
    int status;
    const char *body;
} fake_resp_t;

typedef struct {
    int lfd, port;
    pthread_t th;
    fake_resp_t resp[FAKE_MAX]; /* answered in order; the last one repeats */
    int nresp;
    int requests;
    int bad_signatures;
    char targets[FAKE_MAX][1100]; /* "METHOD /path?query" of each request */
    char signed_headers[FAKE_MAX][256];
    char why[9000]; /* the last signature problem */
} fake_t;

static void hex_of(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void hmac(const void *key, size_t kl, const char *msg, unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* Value of header name (case-insensitive) in the raw header block, trimmed, or "". */
static void header_value(const char *hdrs, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t l = strcspn(v, "\r\n");
            while (l > 0 && v[l - 1] == ' ')
                l--;
            if (l >= outlen)
                l = outlen - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return;
        }
    }
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Recomputes the AWS SigV4 signature of a request; 0 if it matches, else -1 with why. */
static int verify_sigv4(const char *method, const char *target, const char *hdrs, const char *body,
                        size_t blen, char *signed_out, char *why, size_t wl)
{
    char auth[1024], date[64], sha[128], path[1024], query[1024], creq[8192], sts[1024];
    header_value(hdrs, "Authorization", auth, sizeof auth);
    header_value(hdrs, "x-amz-date", date, sizeof date);
    header_value(hdrs, "x-amz-content-sha256", sha, sizeof sha);
    char real[65];
    sbw_s3_sha256_hex(body, blen, real);
    if (strcmp(sha, real) != 0) {
        snprintf(why, wl, "x-amz-content-sha256 '%s' is not the payload's %s", sha, real);
        return -1;
    }
    const char *c = strstr(auth, "Credential="), *s = strstr(auth, "SignedHeaders="),
               *g = strstr(auth, "Signature=");
    if (strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0 || !c || !s || !g) {
        snprintf(why, wl, "bad Authorization '%s'", auth);
        return -1;
    }
    char cred[256], signedh[256], sig[80];
    snprintf(cred, sizeof cred, "%.*s", (int)strcspn(c + 11, ","), c + 11);
    snprintf(signedh, sizeof signedh, "%.*s", (int)strcspn(s + 14, ","), s + 14);
    snprintf(sig, sizeof sig, "%s", g + 10);
    snprintf(signed_out, 256, "%s", signedh);
    /* cred = KEY/DATE/REGION/SERVICE/aws4_request */
    char *parts[5], credcopy[256];
    snprintf(credcopy, sizeof credcopy, "%s", cred);
    char *save = NULL, *t = strtok_r(credcopy, "/", &save);
    for (int i = 0; i < 5; i++) {
        parts[i] = t ? t : "";
        t = strtok_r(NULL, "/", &save);
    }
    /* canonical query: parameters sorted; they arrive already encoded */
    size_t ql = strcspn(target, "?");
    snprintf(path, sizeof path, "%.*s", (int)ql, target);
    snprintf(query, sizeof query, "%s", target[ql] ? target + ql + 1 : "");
    char *params[32];
    int np = 0;
    char qcopy[1024];
    snprintf(qcopy, sizeof qcopy, "%s", query);
    for (char *q = strtok_r(qcopy, "&", &save); q && np < 32; q = strtok_r(NULL, "&", &save))
        params[np++] = q;
    qsort(params, (size_t)np, sizeof *params, cmp_cstr);
    char cq[1024] = "";
    for (int i = 0; i < np; i++) {
        strcat(cq, i ? "&" : "");
        strcat(cq, params[i]);
        if (!strchr(params[i], '='))
            strcat(cq, "=");
    }
    /* canonical headers: each signed header, lower-case name, trimmed value */
    char ch[4096] = "", hcopy[256], val[1024];
    snprintf(hcopy, sizeof hcopy, "%s", signedh);
    for (char *h = strtok_r(hcopy, ";", &save); h; h = strtok_r(NULL, ";", &save)) {
        header_value(hdrs, h, val, sizeof val);
        if (!val[0] && strcasecmp(h, "host") != 0) {
            snprintf(why, wl, "signed header '%s' is not in the request", h);
            return -1;
        }
        size_t o = strlen(ch);
        snprintf(ch + o, sizeof ch - o, "%s:%s\n", h, val);
    }
    snprintf(creq, sizeof creq, "%s\n%s\n%s\n%s\n%s\n%s", method, path, cq, ch, signedh, sha);
    unsigned char d[32];
    char dhex[65];
    unsigned int dn = 32;
    EVP_Digest(creq, strlen(creq), d, &dn, EVP_sha256(), NULL);
    hex_of(d, 32, dhex);
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/%s\n%s", date, parts[1], parts[2],
             parts[3], parts[4], dhex);
    unsigned char k[32];
    char k0[128];
    snprintf(k0, sizeof k0, "AWS4%s", FAKE_SECRET);
    hmac(k0, strlen(k0), parts[1], k);
    hmac(k, 32, parts[2], k);
    hmac(k, 32, parts[3], k);
    hmac(k, 32, "aws4_request", k);
    unsigned char mine[32];
    char minehex[65];
    hmac(k, 32, sts, mine);
    hex_of(mine, 32, minehex);
    if (strcmp(minehex, sig) != 0) {
        snprintf(why, wl, "signature mismatch for canonical request:\n%s", creq);
        return -1;
    }
    return 0;
}

static void *fake_main(void *ud)
{
    fake_t *f = ud;
    for (;;) {
        int c = accept(f->lfd, NULL, NULL);
        if (c < 0)
            return NULL; /* closed: stop */
        char buf[65536];
        size_t n = 0;
        char *end = NULL;
        while (!end && n < sizeof buf - 1) {
            ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = '\0';
            end = strstr(buf, "\r\n\r\n");
        }
        if (!end) {
            close(c);
            continue;
        }
        char cl[32];
        header_value(buf, "Content-Length", cl, sizeof cl);
        size_t want = (size_t)strtoul(cl, NULL, 10);
        size_t hl = (size_t)(end + 4 - buf);
        while (n < hl + want && n < sizeof buf - 1) {
            ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
        }
        char method[16], target[1024];
        sscanf(buf, "%15s %1023s", method, target);
        int i = f->requests < FAKE_MAX ? f->requests : FAKE_MAX - 1;
        snprintf(f->targets[i], sizeof f->targets[i], "%s %s", method, target);
        buf[hl - 2] = '\0';
        if (verify_sigv4(method, target, strstr(buf, "\r\n") + 2, buf + hl, want,
                         f->signed_headers[i], f->why, sizeof f->why) != 0)
            f->bad_signatures++;
        const fake_resp_t *r = &f->resp[f->requests < f->nresp ? f->requests : f->nresp - 1];
        f->requests++;
        char head[256];
        const char *b = r->body ? r->body : "";
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                          r->status, strlen(b));
        if (write(c, head, (size_t)hn) < 0 || write(c, b, strlen(b)) < 0) {
            /* the client went away */
        }
        close(c);
    }
}

static void fake_start(fake_t *f)
{
    struct sockaddr_in a = {0};
    socklen_t al = sizeof a;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(f->lfd, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(f->lfd, 8), 0);
    ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
    f->port = ntohs(a.sin_port);
    ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(fake_t *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    close(f->lfd);
    pthread_join(f->th, NULL);
}

static sbw_lake_t *fake_lake(fake_t *f, const char *url, const char *token)
{
    sbw_lake_opts_t o;
    sbw_lake_t *lake = NULL;
    char ep[64], err[512];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", f->port);
    s3_opts(&o, ep, "AKIDFAKE", FAKE_SECRET);
    snprintf(o.s3.region, sizeof o.s3.region, "eu-west-3");
    if (token)
        snprintf(o.s3.session_token, sizeof o.s3.session_token, "%s", token);
    ck_assert_int_eq(sbw_lake_open(url, &o, &lake, err, sizeof err), 0);
    return lake;
}

START_TEST(signing_put_get_list)
{
    fake_t f = {0};
    f.resp[0] = (fake_resp_t){200, ""};
    f.resp[1] = (fake_resp_t){200, "hello"};
    f.resp[2] = (fake_resp_t){200, "<ListBucketResult><IsTruncated>true</IsTruncated>"
                                   "<Contents><Key>raw/ev/a b.json</Key><Size>1</Size></Contents>"
                                   "<NextContinuationToken>t+k/n=</NextContinuationToken>"
                                   "</ListBucketResult>"};
    f.resp[3] = (fake_resp_t){200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
                                   "<Contents><Key>raw/ev/b.json</Key><Size>2</Size></Contents>"
                                   "</ListBucketResult>"};
    f.nresp = 4;
    fake_start(&f);
    sbw_lake_t *lake = fake_lake(&f, "s3://fake-bucket/raw", "FQoG/session+token=");
    char err[1024];
    const char *body = "{\"eventName\":\"page_view\"}\n";
    ck_assert_msg(sbw_lake_put(lake, "ev/x=1&y.json", body, strlen(body), err, sizeof err) == 0,
                  "%s", err);
    char *data = NULL;
    size_t len = 0;
    ck_assert_msg(sbw_lake_get(lake, "ev/x.json", 100, &data, &len, err, sizeof err) == 0, "%s",
                  err);
    ck_assert_str_eq(data, "hello");
    free(data);
    sbw_test_listing_t l = {0};
    ck_assert_msg(sbw_lake_list(lake, "ev/", "ev/0", sbw_test_listing_collect, &l, err, sizeof err) == 0, "%s", err);
    /* "a b.json" is no valid key: skipped with a warning; b.json comes through, prefix off */
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(l.keys[0], "ev/b.json");
    sbw_test_listing_free(&l);
    sbw_lake_free(lake);
    fake_stop(&f);

    ck_assert_int_eq(f.requests, 4);
    ck_assert_msg(f.bad_signatures == 0, "%d bad signatures: %s", f.bad_signatures, f.why);
    ck_assert_str_eq(f.targets[0], "PUT /fake-bucket/raw/ev/x%3D1%26y.json");
    ck_assert_str_eq(f.targets[1], "GET /fake-bucket/raw/ev/x.json");
    ck_assert_str_eq(f.targets[2],
                     "GET /fake-bucket?list-type=2&prefix=raw%2Fev%2F&start-after=raw%2Fev%2F0");
    ck_assert_str_eq(f.targets[3], "GET /fake-bucket?continuation-token=t%2Bk%2Fn%3D"
                                   "&list-type=2&prefix=raw%2Fev%2F");
    ck_assert_str_eq(f.signed_headers[0],
                     "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
    ck_assert_str_eq(f.signed_headers[1], "host;x-amz-content-sha256;x-amz-date;"
                                          "x-amz-security-token");
}
END_TEST

START_TEST(retries_on_transient_errors_only)
{
    char err[1024];
    const char *slow = "<Error><Code>SlowDown</Code><Message>Please reduce your request "
                       "rate.</Message><RequestId>R1</RequestId></Error>";
    /* 503 SlowDown, 500, then success: three attempts, one object. */
    fake_t f = {0};
    f.resp[0] = (fake_resp_t){503, slow};
    f.resp[1] = (fake_resp_t){500, "<Error><Code>InternalError</Code></Error>"};
    f.resp[2] = (fake_resp_t){200, ""};
    f.nresp = 3;
    fake_start(&f);
    sbw_lake_t *lake = fake_lake(&f, "s3://fake-bucket", NULL);
    ck_assert_msg(sbw_lake_put(lake, "k.json", "{}", 2, err, sizeof err) == 0, "%s", err);
    sbw_lake_free(lake);
    fake_stop(&f);
    ck_assert_int_eq(f.requests, 3);
    ck_assert_int_eq(f.bad_signatures, 0);

    /* Always 503: gives up after max_attempts (4) with the S3 code and message. */
    fake_t g = {0};
    g.resp[0] = (fake_resp_t){503, slow};
    g.nresp = 1;
    fake_start(&g);
    lake = fake_lake(&g, "s3://fake-bucket", NULL);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "{}", 2, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "HTTP 503 SlowDown: Please reduce your request rate. "
                              "(request id R1) (gave up after 4 attempts)") != NULL,
                  "%s", err);
    ck_assert_msg(strstr(err, "PUT s3://fake-bucket/k.json") != NULL, "%s", err);
    sbw_lake_free(lake);
    fake_stop(&g);
    ck_assert_int_eq(g.requests, 4);

    /* 403 is final at once; 429 is retried; a 404 on GET is "not found" without retry. */
    fake_t h = {0};
    h.resp[0] = (fake_resp_t){403, "<Error><Code>AccessDenied</Code><Message>Access "
                                   "Denied</Message></Error>"};
    h.resp[1] = (fake_resp_t){429, ""};
    h.resp[2] = (fake_resp_t){200, "ok"};
    h.resp[3] = (fake_resp_t){404, ""};
    h.resp[4] = (fake_resp_t){200, "this body is longer than ten bytes"};
    h.nresp = 5;
    fake_start(&h);
    lake = fake_lake(&h, "s3://fake-bucket", NULL);
    ck_assert_int_eq(sbw_lake_put(lake, "k.json", "{}", 2, err, sizeof err), SBW_LAKE_EFAIL);
    ck_assert_msg(strstr(err, "HTTP 403 AccessDenied: Access Denied") != NULL, "%s", err);
    ck_assert_int_eq(h.requests, 1);
    char *data = NULL;
    size_t len = 0;
    ck_assert_msg(sbw_lake_get(lake, "k.json", 10, &data, &len, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(data, "ok");
    free(data);
    ck_assert_int_eq(h.requests, 3);
    ck_assert_int_eq(sbw_lake_get(lake, "k.json", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_ENOTFOUND);
    ck_assert_int_eq(h.requests, 4);
    ck_assert_int_eq(sbw_lake_get(lake, "k.json", 10, &data, &len, err, sizeof err),
                     SBW_LAKE_ETOOLARGE);
    ck_assert_int_eq(h.requests, 5); /* too large is not retried */
    sbw_lake_free(lake);
    fake_stop(&h);
    ck_assert_int_eq(h.bad_signatures, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lake_s3");
    TCase *rt = tcase_create("lake_s3_roundtrip");
    tcase_add_test(rt, s3rver_roundtrip);
    suite_add_tcase(s, rt);
    TCase *many = tcase_create("lake_s3_many_keys");
    tcase_set_timeout(many, 240);
    tcase_add_test(many, s3rver_more_than_1000_keys);
    suite_add_tcase(s, many);
    TCase *errs = tcase_create("lake_s3_errors");
    tcase_set_timeout(errs, 60);
    tcase_add_test(errs, s3rver_errors);
    suite_add_tcase(s, errs);
    TCase *sig = tcase_create("lake_s3_signing");
    tcase_add_test(sig, signing_put_get_list);
    tcase_add_test(sig, retries_on_transient_errors_only);
    suite_add_tcase(s, sig);
    return s;
}

int main(void)
{
    return sbw_test_run(suite());
}
