/* sbw_lake: the data lake of raw event objects, on a local folder or on S3, behind one handle.
 *
 * A lake is opened from a URL: file:///absolute/folder (the bucket folder itself, e.g.
 * /srv/sbw/var/lake/clickstream-s3-ingest), s3://bucket or s3://bucket/prefix. Keys are
 * relative to that root ("events/2024/01/31/23/event-<uuid>.json"); an S3 URL prefix is added
 * and removed transparently. The pure part (URL parsing, settings from the environment, key
 * naming and validation) does no I/O and is unit-tested.
 *
 * Ownership: strings passed in are borrowed for the call only; every buffer returned through
 * an out-parameter is malloc'd and owned by the caller (free()); sbw_lake_describe returns a
 * string borrowed from the handle. Threads: a handle is used by one thread at a time (it owns
 * one libcurl handle for S3); open one handle per thread. Different handles, threads and
 * processes may use the same lake concurrently: readers never see a partial object.
 * Errors: 0 or a negative SBW_LAKE_E* code, with a message in err (optional, may be NULL)
 * that names the object; messages and logs never contain credentials. */
#ifndef SBW_LAKE_H
#define SBW_LAKE_H

#include "sbw_config.h"
#include "sbw_s3.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SBW_LAKE_KEY_MAX SBW_S3_KEY_MAX  /* longest key incl. an S3 URL prefix, bytes */
#define SBW_LAKE_URL_MAX 4096            /* longest lake URL, bytes */
#define SBW_LAKE_UUID_MAX 64             /* longest id in event-<id>.json */
#define SBW_LAKE_DIR_ENTRIES_MAX 4000000 /* file backend: entries of one folder in a listing */

/* Return codes (0 is success); equal to the SBW_S3_E* codes. */
#define SBW_LAKE_EFAIL SBW_S3_EFAIL         /* I/O, network, server, retries exhausted */
#define SBW_LAKE_ENOTFOUND SBW_S3_ENOTFOUND /* get: no such key */
#define SBW_LAKE_ETOOLARGE SBW_S3_ETOOLARGE /* get: object larger than max_bytes */
#define SBW_LAKE_EINVAL SBW_S3_EINVAL       /* bad key, prefix, URL or setting */

/* Settings. Plain fields: copy freely, nothing to free. */
typedef struct {
    sbw_s3_opts_t s3; /* S3 connection: region, endpoint, path style, credentials, timeouts,
                         retries (see sbw_s3.h) */
    int create;       /* file backend: create the folder (and its parents) if missing.
                         Off by default so a mistyped reader path is an error, not an empty lake. */
    int no_direct;    /* file backend: never write with O_DIRECT (SBW_LAKE_DIRECT=0); by default
                         objects of 64 KiB and more are written with it (see sbw_lake_file.c) */
} sbw_lake_opts_t;

typedef enum { SBW_LAKE_FILE = 1, SBW_LAKE_S3 = 2 } sbw_lake_kind_t;

/* A parsed lake URL. */
typedef struct {
    sbw_lake_kind_t kind;
    char path[SBW_LAKE_URL_MAX];       /* file: absolute folder, no trailing '/' (except "/") */
    char bucket[SBW_S3_BUCKET_MAX];    /* s3: bucket name */
    char prefix[SBW_LAKE_KEY_MAX + 1]; /* s3: "" or a key prefix ending with '/' */
} sbw_lake_url_t;

/* Called for every listed object in key order. key is relative to the lake root; etag is the
 * S3 ETag without quotes, or for the file backend "<inode>-<mtime ns>-<size>" in hex (changes
 * whenever the object is rewritten); last_modified_ms is Unix ms (UTC). All borrowed for the
 * call. A non-zero return stops the listing, which then returns 0. */
typedef int (*sbw_lake_list_fn)(const char *key, int64_t size, const char *etag,
                                int64_t last_modified_ms, void *ud);

typedef struct sbw_lake sbw_lake_t;

/* ---- pure part ---- */

/* Defaults: sbw_s3_opts_init for s3, create off. */
void sbw_lake_opts_init(sbw_lake_opts_t *o);

/* The table of lake variables (borrowed, static) for --print-config / --example-env:
 * SBW_LAKE, RAW_BUCKET_NAME (alias RAW_BUCKET), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION (alias AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_S3 (alias
 * AWS_ENDPOINT_URL), SBW_S3_PATH_STYLE, AWS_MAX_ATTEMPTS, SBW_S3_CONNECT_TIMEOUT_MS,
 * SBW_S3_TIMEOUT_MS, SBW_LAKE_DIRECT. *n gets the count. */
const sbw_cfg_var_t *sbw_lake_cfg_vars(size_t *n);

/* Fills *o (defaults first) from those variables through lookup (sbw_cfg_getenv in main, a
 * table in tests). An endpoint implies path-style unless SBW_S3_PATH_STYLE says otherwise.
 * Credentials are not required here (a file lake needs none). Returns 0, or SBW_LAKE_EINVAL
 * with a message naming the variable (bad number, bool, region, endpoint, too long). */
int sbw_lake_opts_from_env(sbw_lake_opts_t *o, sbw_cfg_lookup_fn lookup, void *ud, char *err,
                           size_t errlen);

/* The lake URL the environment asks for: SBW_LAKE if set, else s3://$RAW_BUCKET_NAME, else
 * s3://$RAW_BUCKET (the workshop text's name). Returns 1 with the URL in out, 0 when none is
 * set (out = ""; the caller defaults to its local folder), or SBW_LAKE_EINVAL when it does
 * not fit in outlen bytes. The URL is not validated here (sbw_lake_open does that). */
int sbw_lake_url_from_env(sbw_cfg_lookup_fn lookup, void *ud, char *out, size_t outlen, char *err,
                          size_t errlen);

/* Parses file:///absolute/folder (no host, no '..' or '.' parts, no percent-decoding),
 * s3://bucket or s3://bucket/prefix (the prefix is a valid key prefix; a trailing '/' is
 * added). Returns 0 with *out filled, or SBW_LAKE_EINVAL with a message. */
int sbw_lake_url_parse(const char *url, sbw_lake_url_t *out, char *err, size_t errlen);

/* Checks a key: 1..SBW_LAKE_KEY_MAX bytes of printable ASCII without space or '\', no leading
 * or trailing '/', no empty part ("a//b"), and no part starting with '.' (so no "." or "..",
 * and temp files stay invisible). Returns 0 or SBW_LAKE_EINVAL with a message. */
int sbw_lake_key_check(const char *key, char *err, size_t errlen);

/* Checks a listing prefix: "" or the start of a valid key (may end with '/' or inside a part).
 * Returns 0 or SBW_LAKE_EINVAL with a message. */
int sbw_lake_prefix_check(const char *prefix, char *err, size_t errlen);

/* Writes "events/YYYY/MM/DD/HH/event-<id>.json" for the UTC hour of received_ms. id is 1..64
 * of A-Z a-z 0-9 '-'. Returns 0, or -1 for a bad id, a year outside 0..9999 or a too small out. */
int sbw_lake_key_for(int64_t received_ms, const char *id, char *out, size_t outlen);

/* Writes "events/YYYY/MM/DD/HH/" for the UTC hour of ms. Returns 0, or -1 as above. */
int sbw_lake_hour_prefix(int64_t ms, char *out, size_t outlen);

/* ---- the lake ---- */

/* Opens a lake. opts may be NULL (defaults; an S3 lake then has no credentials and fails).
 * File: the folder must exist (or opts->create) and be a folder. S3: checks the settings and
 * credentials; sends nothing. Returns 0 with *out (free with sbw_lake_free), or
 * SBW_LAKE_EINVAL / SBW_LAKE_EFAIL with a message and *out NULL. */
int sbw_lake_open(const char *url, const sbw_lake_opts_t *opts, sbw_lake_t **out, char *err,
                  size_t errlen);

/* Frees the handle; accepts NULL. */
void sbw_lake_free(sbw_lake_t *lake);

/* "file:///srv/lake" or "s3://bucket/prefix (region r, endpoint e, path-style)": safe to log,
 * never contains credentials. Borrowed from the handle. */
const char *sbw_lake_describe(const sbw_lake_t *lake);

/* Stores len bytes as key, replacing any previous object. Returns 0 only once the object is
 * durable: file = written to a temp file in the same folder, fsync'd, renamed into place and
 * the folder fsync'd (new folders too); S3 = a 2xx answer to the PUT, retried on transient
 * errors. Readers see the old object or the whole new one, never a part. On failure nothing
 * new is left under key and the code is SBW_LAKE_EINVAL (bad key) or SBW_LAKE_EFAIL; an old
 * object stays, except when the folder sync after the rename fails (file): the new name is
 * then removed again, and the object it replaced with it. */
int sbw_lake_put(sbw_lake_t *lake, const char *key, const void *data, size_t len, char *err,
                 size_t errlen);

/* Two-phase put, for a writer that makes several objects durable together (the ingest group
 * commit pipelines them: while one set is published the next is staged).
 * sbw_lake_stage writes the bytes of iov (iovcnt vectors, any count) durably where no reader
 * sees them: file = a temp file in the key's folder (created if missing), written and
 * fsync'd; S3 = the whole PUT (an S3 object appears atomically). Returns 0 with *out, or an
 * error code like sbw_lake_put with nothing left behind.
 * sbw_lake_publish makes n staged objects visible and durable: file = each renamed into place,
 * then each folder fsync'd once (per group of 64 objects); S3 = nothing left to do. It
 * consumes every v[i] (success or not), sets rcs[i] to 0 or SBW_LAKE_EFAIL with a message in
 * errs[i] (errlen bytes each), and returns how many failed. The handle must be the one the
 * objects were staged with or another handle of the same lake. sbw_lake_staged_abort drops a
 * staged object (accepts NULL).
 * sbw_lake_put is stage + publish of one object. */
typedef struct sbw_lake_staged sbw_lake_staged_t;
int sbw_lake_stage(sbw_lake_t *lake, const char *key, const struct iovec *iov, int iovcnt,
                   sbw_lake_staged_t **out, char *err, size_t errlen);
int sbw_lake_publish(sbw_lake_t *lake, sbw_lake_staged_t **v, int *rcs, char **errs,
                     size_t errlen, size_t n);
void sbw_lake_staged_abort(sbw_lake_staged_t *st);

/* Reads a whole object of at most max_bytes. Returns 0 with *data (malloc'd, NUL-terminated
 * after *len bytes; caller frees) and *len; SBW_LAKE_ENOTFOUND, SBW_LAKE_ETOOLARGE ("larger
 * than the limit of N bytes"; S3 stops the download after max_bytes + 1 bytes),
 * SBW_LAKE_EINVAL (bad key) or SBW_LAKE_EFAIL, with *data NULL. */
int sbw_lake_get(sbw_lake_t *lake, const char *key, size_t max_bytes, char **data, size_t *len,
                 char *err, size_t errlen);

/* Calls cb for every key that starts with prefix (NULL or "" = all) and sorts strictly after
 * start_after (NULL or "" = from the start), in byte-wise lexicographic order, with no cap on
 * the count (S3: follows continuation tokens; file: a sorted recursive walk that skips
 * dot-files such as temp files). Stored names that are not valid keys are skipped with a
 * warning. Returns 0 when done or stopped by cb, else SBW_LAKE_EINVAL (bad prefix) or
 * SBW_LAKE_EFAIL with a message; objects passed to cb before a failure stay passed. */
int sbw_lake_list(sbw_lake_t *lake, const char *prefix, const char *start_after,
                  sbw_lake_list_fn cb, void *ud, char *err, size_t errlen);

/* ---- the local folder backend (used through the functions above; declared for them) ---- */

typedef struct sbw_lake_file sbw_lake_file_t;

/* Opens the folder dir (absolute); create makes it and its parents. Same contract as
 * sbw_lake_open. */
int sbw_lake_file_open(const char *dir, int create, sbw_lake_file_t **out, char *err,
                       size_t errlen);
void sbw_lake_file_free(sbw_lake_file_t *f); /* accepts NULL */
void sbw_lake_file_set_direct(sbw_lake_file_t *f, int on); /* O_DIRECT for big objects (default on) */
int sbw_lake_file_put(sbw_lake_file_t *f, const char *key, const void *data, size_t len, char *err,
                      size_t errlen);
typedef struct sbw_lake_file_staged sbw_lake_file_staged_t;
int sbw_lake_file_stage(sbw_lake_file_t *f, const char *key, const struct iovec *iov, int iovcnt,
                        sbw_lake_file_staged_t **out, char *err, size_t errlen);
int sbw_lake_file_publish(sbw_lake_file_t *f, sbw_lake_file_staged_t **v, int *rcs, char **errs,
                          size_t errlen, size_t n);
void sbw_lake_file_staged_abort(sbw_lake_file_staged_t *st);
int sbw_lake_file_get(sbw_lake_file_t *f, const char *key, size_t max_bytes, char **data,
                      size_t *len, char *err, size_t errlen);
int sbw_lake_file_list(sbw_lake_file_t *f, const char *prefix, const char *start_after,
                       sbw_lake_list_fn cb, void *ud, char *err, size_t errlen);

#endif
