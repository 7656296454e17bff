/* sbw_lake: the lake handle: URLs, settings, key naming, file/S3 dispatch (see sbw_lake.h). */
#include "sbw_lake.h"

#include "sbw_err.h"

#include "sbw_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sbw_lake {
    sbw_lake_kind_t kind;
    char *desc;                        /* sbw_lake_describe */
    char prefix[SBW_LAKE_KEY_MAX + 1]; /* S3: "" or the URL prefix ending with '/' */
    sbw_lake_file_t *file;
    sbw_s3_t *s3;
};

void sbw_lake_opts_init(sbw_lake_opts_t *o)
{
    memset(o, 0, sizeof *o);
    sbw_s3_opts_init(&o->s3);
}

static const sbw_cfg_var_t lake_vars[] = {
    {"SBW_LAKE", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "Lake URL: file:///absolute/folder, s3://bucket or s3://bucket/prefix (default: the local "
     "folder)"},
    {"RAW_BUCKET_NAME", "RAW_BUCKET", SBW_CFG_STR, NULL, 0, 0, 0,
     "S3 bucket of the lake when SBW_LAKE is unset (the original's name)"},
    {"AWS_ACCESS_KEY_ID", NULL, SBW_CFG_STR, NULL, 0, 0, 1, "S3 access key id"},
    {"AWS_SECRET_ACCESS_KEY", NULL, SBW_CFG_STR, NULL, 0, 0, 1, "S3 secret access key"},
    {"AWS_SESSION_TOKEN", NULL, SBW_CFG_STR, NULL, 0, 0, 1,
     "S3 session token of temporary credentials (Lambda, STS)"},
    {"AWS_REGION", "AWS_DEFAULT_REGION", SBW_CFG_STR, SBW_S3_DEFAULT_REGION, 0, 0, 0,
     "S3 region (signs requests; names the AWS endpoint)"},
    {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", SBW_CFG_STR, NULL, 0, 0, 0,
     "S3-compatible endpoint, e.g. http://127.0.0.1:9000 for MinIO (implies path-style)"},
    {"SBW_S3_PATH_STYLE", NULL, SBW_CFG_BOOL, NULL, 0, 0, 0,
     "Path-style S3 URLs (default: on when an endpoint is set, else virtual-hosted)"},
    {"AWS_MAX_ATTEMPTS", NULL, SBW_CFG_INT, "4", 1, SBW_S3_MAX_ATTEMPTS_LIMIT, 0,
     "Attempts per S3 request, first try included"},
    {"SBW_S3_CONNECT_TIMEOUT_MS", NULL, SBW_CFG_INT, "5000", 100, 600000, 0,
     "S3 connect timeout per attempt, ms"},
    {"SBW_S3_TIMEOUT_MS", NULL, SBW_CFG_INT, "60000", 1000, 3600000, 0,
     "S3 whole-request timeout per attempt, ms"},
    {"SBW_LAKE_DIRECT", NULL, SBW_CFG_BOOL, "1", 0, 0, 0,
     "Local-folder lake: write objects of 64 KiB and more with O_DIRECT (0: through the page "
     "cache)"},
};

const sbw_cfg_var_t *sbw_lake_cfg_vars(size_t *n)
{
    *n = sizeof lake_vars / sizeof lake_vars[0];
    return lake_vars;
}

/* Copies a setting into a fixed field, naming the variable when it does not fit. */
static int set_field(char *dst, size_t dstlen, const char *val, const char *name, char *err,
                     size_t errlen)
{
    size_t n = val ? strlen(val) : 0;
    if (n >= dstlen) {
        sbw_err_set(err, errlen, "%s is longer than %zu bytes", name, dstlen - 1);
        return SBW_LAKE_EINVAL;
    }
    memcpy(dst, val ? val : "", n);
    dst[n] = '\0';
    return 0;
}

int sbw_lake_opts_from_env(sbw_lake_opts_t *o, sbw_cfg_lookup_fn lookup, void *ud, char *err,
                           size_t errlen)
{
    sbw_cfg_t cfg;
    char msg[512];
    int rc = SBW_LAKE_EINVAL;
    size_t n;
    const sbw_cfg_var_t *vars = sbw_lake_cfg_vars(&n);
    sbw_lake_opts_init(o);
    if (sbw_cfg_load(vars, n, lookup, ud, &cfg, err, errlen) != 0)
        return SBW_LAKE_EINVAL;
    sbw_s3_opts_t *s = &o->s3;
    if (set_field(s->access_key_id, sizeof s->access_key_id, sbw_cfg_str(&cfg, "AWS_ACCESS_KEY_ID"),
                  "AWS_ACCESS_KEY_ID", err, errlen) ||
        set_field(s->secret_access_key, sizeof s->secret_access_key,
                  sbw_cfg_str(&cfg, "AWS_SECRET_ACCESS_KEY"), "AWS_SECRET_ACCESS_KEY", err,
                  errlen) ||
        set_field(s->session_token, sizeof s->session_token, sbw_cfg_str(&cfg, "AWS_SESSION_TOKEN"),
                  "AWS_SESSION_TOKEN", err, errlen) ||
        set_field(s->region, sizeof s->region, sbw_cfg_str(&cfg, "AWS_REGION"), "AWS_REGION", err,
                  errlen) ||
        set_field(s->endpoint, sizeof s->endpoint, sbw_cfg_str(&cfg, "AWS_ENDPOINT_URL_S3"),
                  "AWS_ENDPOINT_URL_S3", err, errlen))
        goto out;
    if (sbw_cfg_str(&cfg, "SBW_S3_PATH_STYLE"))
        s->path_style = sbw_cfg_bool(&cfg, "SBW_S3_PATH_STYLE");
    else
        s->path_style = s->endpoint[0] != '\0';
    s->max_attempts = (int)sbw_cfg_int(&cfg, "AWS_MAX_ATTEMPTS");
    s->connect_timeout_ms = sbw_cfg_int(&cfg, "SBW_S3_CONNECT_TIMEOUT_MS");
    s->timeout_ms = sbw_cfg_int(&cfg, "SBW_S3_TIMEOUT_MS");
    o->no_direct = !sbw_cfg_bool(&cfg, "SBW_LAKE_DIRECT");
    if (sbw_s3_opts_check(s, msg, sizeof msg) != 0) {
        sbw_err_set(err, errlen, "%s (from AWS_REGION / AWS_ENDPOINT_URL_S3)", msg);
        goto out;
    }
    rc = 0;
out:
    sbw_cfg_cleanup(&cfg);
    if (rc != 0)
        memset(s, 0, sizeof *s); /* leave no credentials in a half-filled struct */
    return rc;
}

int sbw_lake_url_from_env(sbw_cfg_lookup_fn lookup, void *ud, char *out, size_t outlen, char *err,
                          size_t errlen)
{
    static const char *buckets[] = {"RAW_BUCKET_NAME", "RAW_BUCKET"};
    const char *v = lookup("SBW_LAKE", ud);
    int n;
    if (outlen == 0)
        return SBW_LAKE_EINVAL;
    out[0] = '\0';
    if (v && v[0]) {
        n = snprintf(out, outlen, "%s", v);
        if (n < 0 || (size_t)n >= outlen) {
            out[0] = '\0';
            sbw_err_set(err, errlen, "SBW_LAKE is longer than %zu bytes", outlen - 1);
            return SBW_LAKE_EINVAL;
        }
        return 1;
    }
    for (size_t i = 0; i < 2; i++) {
        v = lookup(buckets[i], ud);
        if (v && v[0]) {
            n = snprintf(out, outlen, "s3://%s", v);
            if (n < 0 || (size_t)n >= outlen) {
                out[0] = '\0';
                sbw_err_set(err, errlen, "%s is too long", buckets[i]);
                return SBW_LAKE_EINVAL;
            }
            return 1;
        }
    }
    return 0;
}

/* Checks the characters and parts of a key or prefix. Parts are separated by '/'; in a prefix
 * the last part may be empty (a trailing '/') or incomplete. */
static int check_path(const char *what, const char *s, int is_prefix, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n > SBW_LAKE_KEY_MAX) {
        sbw_err_set(err, errlen, "%s is longer than %d bytes", what, SBW_LAKE_KEY_MAX);
        return SBW_LAKE_EINVAL;
    }
    if (!is_prefix && n == 0) {
        sbw_err_set(err, errlen, "%s is empty", what);
        return SBW_LAKE_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\') {
            sbw_err_set(err, errlen,
                     "%s has a byte 0x%02x at %zu (allowed: printable ASCII without "
                     "space and '\\')",
                     what, c, i);
            return SBW_LAKE_EINVAL;
        }
        int part_start = i == 0 || s[i - 1] == '/';
        if (part_start && c == '/') {
            sbw_err_set(err, errlen, "%s has %s at %zu", what,
                     i == 0 ? "a leading '/'" : "an empty part ('//')", i);
            return SBW_LAKE_EINVAL;
        }
        if (part_start && c == '.') {
            sbw_err_set(err, errlen, "%s has a part starting with '.' at %zu", what, i);
            return SBW_LAKE_EINVAL;
        }
    }
    if (!is_prefix && s[n - 1] == '/') {
        sbw_err_set(err, errlen, "%s ends with '/'", what);
        return SBW_LAKE_EINVAL;
    }
    return 0;
}

int sbw_lake_key_check(const char *key, char *err, size_t errlen)
{
    if (!key) {
        sbw_err_set(err, errlen, "key is NULL");
        return SBW_LAKE_EINVAL;
    }
    char what[64];
    snprintf(what, sizeof what, "key '%.40s%s'", key, strlen(key) > 40 ? "..." : "");
    return check_path(what, key, 0, err, errlen);
}

int sbw_lake_prefix_check(const char *prefix, char *err, size_t errlen)
{
    if (!prefix)
        return 0;
    char what[64];
    snprintf(what, sizeof what, "prefix '%.40s%s'", prefix, strlen(prefix) > 40 ? "..." : "");
    return check_path(what, prefix, 1, err, errlen);
}

int sbw_lake_url_parse(const char *url, sbw_lake_url_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!url || strlen(url) >= SBW_LAKE_URL_MAX) {
        sbw_err_set(err, errlen, "lake URL is missing or longer than %d bytes", SBW_LAKE_URL_MAX - 1);
        return SBW_LAKE_EINVAL;
    }
    if (strncmp(url, "file://", 7) == 0) {
        const char *p = url + 7;
        if (p[0] != '/') {
            sbw_err_set(err, errlen,
                     "lake URL '%s': use file:///absolute/folder (no host, absolute path)", url);
            return SBW_LAKE_EINVAL;
        }
        size_t n = strlen(p);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x20 || c == 0x7f) {
                sbw_err_set(err, errlen, "lake URL '%s': control character in the path", url);
                return SBW_LAKE_EINVAL;
            }
            if (c == '.' && p[i - 1] == '/' &&
                (p[i + 1] == '/' || p[i + 1] == '\0' ||
                 (p[i + 1] == '.' && (p[i + 2] == '/' || p[i + 2] == '\0')))) {
                sbw_err_set(err, errlen, "lake URL '%s': '.' and '..' are not allowed in the path",
                         url);
                return SBW_LAKE_EINVAL;
            }
            if (c == '/' && p[i + 1] == '/') {
                sbw_err_set(err, errlen, "lake URL '%s': empty part ('//') in the path", url);
                return SBW_LAKE_EINVAL;
            }
        }
        while (n > 1 && p[n - 1] == '/')
            n--;
        memcpy(out->path, p, n);
        out->path[n] = '\0';
        out->kind = SBW_LAKE_FILE;
        return 0;
    }
    if (strncmp(url, "s3://", 5) == 0) {
        const char *b = url + 5;
        const char *slash = strchr(b, '/');
        size_t bl = slash ? (size_t)(slash - b) : strlen(b);
        if (bl >= sizeof out->bucket) {
            sbw_err_set(err, errlen, "lake URL '%s': bucket name longer than 63", url);
            return SBW_LAKE_EINVAL;
        }
        memcpy(out->bucket, b, bl);
        out->bucket[bl] = '\0';
        if (!sbw_s3_bucket_valid(out->bucket)) {
            sbw_err_set(err, errlen,
                     "lake URL '%s': '%s' is not a valid bucket name (3-63 of a-z 0-9 . -, "
                     "starting and ending with a letter or digit)",
                     url, out->bucket);
            return SBW_LAKE_EINVAL;
        }
        const char *pre = slash ? slash + 1 : "";
        size_t pl = strlen(pre);
        if (pl > 0) {
            char msg[256];
            if (pl + 1 > SBW_LAKE_KEY_MAX / 2 || sbw_lake_prefix_check(pre, msg, sizeof msg)) {
                sbw_err_set(err, errlen, "lake URL '%s': bad prefix: %s", url,
                         pl + 1 > SBW_LAKE_KEY_MAX / 2 ? "too long" : msg);
                return SBW_LAKE_EINVAL;
            }
            memcpy(out->prefix, pre, pl);
            if (pre[pl - 1] != '/')
                out->prefix[pl++] = '/';
            out->prefix[pl] = '\0';
        }
        out->kind = SBW_LAKE_S3;
        return 0;
    }
    sbw_err_set(err, errlen,
             "lake URL '%s' must be file:///absolute/folder, s3://bucket or s3://bucket/prefix",
             url);
    return SBW_LAKE_EINVAL;
}

/* UTC calendar fields of ms; -1 when the year has not 4 digits. */
static int utc_tm(int64_t ms, struct tm *tm)
{
    int64_t s = ms / 1000;
    if (ms % 1000 < 0)
        s--; /* floor for times before 1970 */
    time_t t = (time_t)s;
    if (!gmtime_r(&t, tm) || tm->tm_year + 1900 < 0 || tm->tm_year + 1900 > 9999)
        return -1;
    return 0;
}

int sbw_lake_hour_prefix(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    if (utc_tm(ms, &tm) != 0)
        return -1;
    int n = snprintf(out, outlen, "events/%04d/%02d/%02d/%02d/", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int sbw_lake_key_for(int64_t received_ms, const char *id, char *out, size_t outlen)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > SBW_LAKE_UUID_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return -1;
    }
    char hour[32];
    if (sbw_lake_hour_prefix(received_ms, hour, sizeof hour) != 0)
        return -1;
    int w = snprintf(out, outlen, "%sevent-%s.json", hour, id);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

int sbw_lake_open(const char *url, const sbw_lake_opts_t *opts, sbw_lake_t **out, char *err,
                  size_t errlen)
{
    sbw_lake_url_t u;
    sbw_lake_opts_t defaults;
    sbw_lake_t *l = NULL;
    char desc[SBW_LAKE_URL_MAX + SBW_S3_ENDPOINT_MAX + 128];
    int rc;
    *out = NULL;
    if (!opts) {
        sbw_lake_opts_init(&defaults);
        opts = &defaults;
    }
    if ((rc = sbw_lake_url_parse(url, &u, err, errlen)) != 0)
        return rc;
    l = calloc(1, sizeof *l);
    if (!l) {
        sbw_err_set(err, errlen, "out of memory");
        rc = SBW_LAKE_EFAIL;
        goto out;
    }
    l->kind = u.kind;
    if (u.kind == SBW_LAKE_FILE) {
        if ((rc = sbw_lake_file_open(u.path, opts->create, &l->file, err, errlen)) != 0)
            goto out;
        sbw_lake_file_set_direct(l->file, !opts->no_direct);
        snprintf(desc, sizeof desc, "file://%s", u.path);
    } else {
        if ((rc = sbw_s3_new(u.bucket, &opts->s3, &l->s3, err, errlen)) != 0)
            goto out;
        memcpy(l->prefix, u.prefix, sizeof l->prefix);
        const sbw_s3_opts_t *s = &opts->s3;
        snprintf(desc, sizeof desc, "s3://%s/%s (region %s, %s%s%s)", u.bucket, u.prefix, s->region,
                 s->endpoint[0] ? "endpoint " : "AWS", s->endpoint[0] ? s->endpoint : "",
                 s->path_style || strchr(u.bucket, '.') ? ", path-style" : ", virtual-hosted");
    }
    l->desc = strdup(desc);
    if (!l->desc) {
        sbw_err_set(err, errlen, "out of memory");
        rc = SBW_LAKE_EFAIL;
        goto out;
    }
    *out = l;
    l = NULL;
    rc = 0;
out:
    sbw_lake_free(l);
    return rc;
}

void sbw_lake_free(sbw_lake_t *lake)
{
    if (!lake)
        return;
    sbw_lake_file_free(lake->file);
    sbw_s3_free(lake->s3);
    free(lake->desc);
    free(lake);
}

const char *sbw_lake_describe(const sbw_lake_t *lake)
{
    return lake && lake->desc ? lake->desc : "(no lake)";
}

/* root prefix + key into full; SBW_LAKE_EINVAL if the result is too long. */
static int s3_full_key(const sbw_lake_t *l, const char *key, char *full, size_t fulllen, char *err,
                       size_t errlen)
{
    int n = snprintf(full, fulllen, "%s%s", l->prefix, key);
    if (n < 0 || (size_t)n >= fulllen || (size_t)n > SBW_LAKE_KEY_MAX) {
        sbw_err_set(err, errlen, "key '%s' with the lake prefix '%s' is longer than %d bytes", key,
                 l->prefix, SBW_LAKE_KEY_MAX);
        return SBW_LAKE_EINVAL;
    }
    return 0;
}

static const char *content_type_for(const char *key)
{
    size_t n = strlen(key);
    if (n >= 5 && strcmp(key + n - 5, ".json") == 0)
        return "application/json";
    if (n >= 7 && strcmp(key + n - 7, ".ndjson") == 0)
        return "application/x-ndjson";
    if (n >= 3 && strcmp(key + n - 3, ".gz") == 0)
        return "application/gzip";
    return "application/octet-stream";
}

int sbw_lake_put(sbw_lake_t *lake, const char *key, const void *data, size_t len, char *err,
                 size_t errlen)
{
    char full[SBW_LAKE_KEY_MAX + 2];
    int rc;
    if ((rc = sbw_lake_key_check(key, err, errlen)) != 0)
        return rc;
    if (lake->kind == SBW_LAKE_FILE)
        return sbw_lake_file_put(lake->file, key, data, len, err, errlen);
    if ((rc = s3_full_key(lake, key, full, sizeof full, err, errlen)) != 0)
        return rc;
    return sbw_s3_put(lake->s3, full, data, len, content_type_for(key), err, errlen);
}

struct sbw_lake_staged {
    sbw_lake_kind_t kind;
    sbw_lake_file_staged_t *file; /* file: the temp file; S3: already stored */
};

int sbw_lake_stage(sbw_lake_t *lake, const char *key, const struct iovec *iov, int iovcnt,
                   sbw_lake_staged_t **out, char *err, size_t errlen)
{
    int rc;
    *out = NULL;
    if ((rc = sbw_lake_key_check(key, err, errlen)) != 0)
        return rc;
    sbw_lake_staged_t *st = calloc(1, sizeof *st);
    if (!st) {
        sbw_err_set(err, errlen, "put %s: out of memory", key);
        return SBW_LAKE_EFAIL;
    }
    st->kind = lake->kind;
    if (lake->kind == SBW_LAKE_FILE) {
        rc = sbw_lake_file_stage(lake->file, key, iov, iovcnt, &st->file, err, errlen);
    } else {
        /* One contiguous body for the PUT (its SHA-256 and retries need it whole). */
        size_t total = 0;
        for (int i = 0; i < iovcnt; i++)
            total += iov[i].iov_len;
        char *body = malloc(total ? total : 1);
        if (!body) {
            sbw_err_set(err, errlen, "put %s: out of memory", key);
            rc = SBW_LAKE_EFAIL;
        } else {
            size_t at = 0;
            for (int i = 0; i < iovcnt; i++) {
                if (iov[i].iov_len)
                    memcpy(body + at, iov[i].iov_base, iov[i].iov_len);
                at += iov[i].iov_len;
            }
            rc = sbw_lake_put(lake, key, body, total, err, errlen);
            free(body);
        }
    }
    if (rc != 0) {
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void sbw_lake_staged_abort(sbw_lake_staged_t *st)
{
    if (!st)
        return;
    sbw_lake_file_staged_abort(st->file);
    free(st);
}

int sbw_lake_publish(sbw_lake_t *lake, sbw_lake_staged_t **v, int *rcs, char **errs,
                     size_t errlen, size_t n)
{
    int failed = 0;
    /* File: the temp files, GROUP at a time (one folder sync per folder and group). S3: stored
     * when staged, nothing left to do. */
    enum { GROUP = 64 };
    for (size_t at = 0; at < n; at += GROUP) {
        size_t k = n - at < GROUP ? n - at : GROUP;
        if (lake->kind == SBW_LAKE_FILE) {
            sbw_lake_file_staged_t *files[GROUP];
            for (size_t i = 0; i < k; i++)
                files[i] = v[at + i]->file;
            failed += sbw_lake_file_publish(lake->file, files, rcs + at, errs + at, errlen, k);
        } else {
            for (size_t i = 0; i < k; i++)
                rcs[at + i] = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
        v[i] = NULL;
    }
    return failed;
}

int sbw_lake_get(sbw_lake_t *lake, const char *key, size_t max_bytes, char **data, size_t *len,
                 char *err, size_t errlen)
{
    char full[SBW_LAKE_KEY_MAX + 2];
    int rc;
    *data = NULL;
    *len = 0;
    if ((rc = sbw_lake_key_check(key, err, errlen)) != 0)
        return rc;
    if (lake->kind == SBW_LAKE_FILE)
        return sbw_lake_file_get(lake->file, key, max_bytes, data, len, err, errlen);
    if ((rc = s3_full_key(lake, key, full, sizeof full, err, errlen)) != 0)
        return rc;
    return sbw_s3_get(lake->s3, full, max_bytes, data, len, err, errlen);
}

typedef struct {
    size_t strip; /* length of the lake's URL prefix */
    sbw_lake_list_fn cb;
    void *ud;
} s3_list_t;

static int s3_list_cb(const char *key, int64_t size, const char *etag, int64_t last_modified_ms,
                      void *ud)
{
    s3_list_t *w = ud;
    const char *rel = key + w->strip;
    if (sbw_lake_key_check(rel, NULL, 0) != 0) {
        SBW_WARN(key, "lake: skipping S3 object '%s': not a valid key", key);
        return 0;
    }
    return w->cb(rel, size, etag, last_modified_ms, w->ud);
}

int sbw_lake_list(sbw_lake_t *lake, const char *prefix, const char *start_after,
                  sbw_lake_list_fn cb, void *ud, char *err, size_t errlen)
{
    char fprefix[SBW_LAKE_KEY_MAX + 2], fafter[SBW_LAKE_KEY_MAX + 2];
    int rc;
    if (!prefix)
        prefix = "";
    if (!start_after)
        start_after = "";
    if ((rc = sbw_lake_prefix_check(prefix, err, errlen)) != 0)
        return rc;
    if (strlen(start_after) > SBW_LAKE_KEY_MAX) {
        sbw_err_set(err, errlen, "list: start_after is longer than %d bytes", SBW_LAKE_KEY_MAX);
        return SBW_LAKE_EINVAL;
    }
    if (lake->kind == SBW_LAKE_FILE)
        return sbw_lake_file_list(lake->file, prefix, start_after, cb, ud, err, errlen);
    if ((rc = s3_full_key(lake, prefix, fprefix, sizeof fprefix, err, errlen)) != 0)
        return rc;
    fafter[0] = '\0';
    if (start_after[0] &&
        (rc = s3_full_key(lake, start_after, fafter, sizeof fafter, err, errlen)) != 0)
        return rc;
    s3_list_t w = {strlen(lake->prefix), cb, ud};
    return sbw_s3_list(lake->s3, fprefix, fafter, s3_list_cb, &w, err, errlen);
}
