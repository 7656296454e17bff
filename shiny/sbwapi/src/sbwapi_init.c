/* sbwapi_init.c: the .Call entry points (decode a JSON string, GET and decode a URL) and their
 * registration.
 *
 * Failure protocol: expected failures (HTTP status, connection, malformed JSON, missing path)
 * are not raised here; the entry points return a list of class "sbwapi_failure" (kind, message,
 * status, offset, url, server_message, body) and R/sbwapi.R turns it into a classed condition.
 * C-allocated memory never outlives a possible longjmp: the HTTP body is freed before any R
 * allocation, and the cJSON tree lives in an arena (sbwapi_arena.h) owned by an external
 * pointer with a finalizer while R objects are being built, then is freed explicitly. */
#include <R.h>
#include <R_ext/Rdynload.h>
#include <Rinternals.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "sbwapi_arena.h"
#include "sbwapi_decode.h"
#include "sbwapi_http.h"

#define SNIPPET_MAX 512

typedef struct {
    const char *kind; /* "json", "shape", "http", "connection", "limit", "interrupt" */
    char message[1024];
    int status;    /* HTTP status or NA */
    double offset; /* byte offset of a JSON error or NA */
    char server_message[SNIPPET_MAX];
    char body[SNIPPET_MAX];
} failure_t;

static void failure_init(failure_t *f, const char *kind)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->status = NA_INTEGER;
    f->offset = NA_REAL;
}

static SEXP str_or_na(const char *s)
{
    return Rf_ScalarString(s && *s ? Rf_mkCharCE(s, CE_UTF8) : NA_STRING);
}

static SEXP failure_sexp(const failure_t *f, const char *url)
{
    static const char *names[] = {"kind", "message", "status", "offset", "url", "server_message", "body", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, Rf_mkString(f->kind));
    SET_VECTOR_ELT(out, 1, str_or_na(f->message));
    SET_VECTOR_ELT(out, 2, Rf_ScalarInteger(f->status));
    SET_VECTOR_ELT(out, 3, Rf_ScalarReal(f->offset));
    SET_VECTOR_ELT(out, 4, str_or_na(url));
    SET_VECTOR_ELT(out, 5, str_or_na(f->server_message));
    SET_VECTOR_ELT(out, 6, str_or_na(f->body));
    Rf_setAttrib(out, R_ClassSymbol, Rf_mkString("sbwapi_failure"));
    UNPROTECT(1);
    return out;
}

/* Copies up to cap-1 bytes of s (length n) to out, replacing control bytes by '?'. */
static void snippet(char *out, size_t cap, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = '\0';
}

/* A holder is an external pointer whose address is the arena owning the parsed tree. */
static void tree_finalizer(SEXP holder)
{
    sbwapi_arena_t *arena = R_ExternalPtrAddr(holder);
    if (arena) {
        R_ClearExternalPtr(holder);
        sbwapi_arena_free(arena);
    }
}

static void tree_release(SEXP holder)
{
    tree_finalizer(holder);
}

/* Parses text[0, len) into a tree in holder's arena. 0 on success and *out = the root; else
 * fills f, whose message starts with "GET <url>: " when url is not NULL. */
static int parse_into(SEXP holder, const char *text, size_t len, const char *url, const cJSON **out,
                      failure_t *f)
{
    char where[300] = "";
    if (url)
        snprintf(where, sizeof where, "GET %.280s: ", url);
    const char *end = NULL;
    sbwapi_arena_t *arena = R_ExternalPtrAddr(holder);
    cJSON *root = arena ? sbwapi_arena_parse(arena, text, len, &end) : NULL;
    size_t off;
    if (!arena) {
        failure_init(f, "limit");
        snprintf(f->message, sizeof f->message, "%sout of memory", where);
        return -1;
    }
    if (root) {
        while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
            end++;
        if (end == text + len) {
            *out = root;
            return 0;
        }
        tree_release(holder);
        off = (size_t)(end - text);
        failure_init(f, "json");
        char near[40];
        snippet(near, sizeof near, text + off, len - off);
        snprintf(f->message, sizeof f->message,
                 "%smalformed JSON at byte offset %zu: unexpected text after the value: '%s'", where, off,
                 near);
        f->offset = (double)off;
        return -1;
    }
    tree_release(holder);
    off = end && end >= text ? (size_t)(end - text) : 0;
    failure_init(f, "json");
    f->offset = (double)off;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len) {
        snprintf(f->message, sizeof f->message, "%smalformed JSON at byte offset %zu: empty input", where, off);
    } else {
        char near[40];
        size_t from = off > 10 ? off - 10 : 0;
        snippet(near, sizeof near, text + from, len - from > 30 ? 30 : len - from);
        snprintf(f->message, sizeof f->message, "%smalformed JSON at byte offset %zu (near '%s')", where, off,
                 near);
    }
    return -1;
}

/* Follows path (a character vector of member names) from root. NULL and fills f if absent. */
static const cJSON *follow_path(const cJSON *root, SEXP path, failure_t *f)
{
    const cJSON *node = root;
    char so_far[256] = "";
    for (R_xlen_t i = 0; i < XLENGTH(path); i++) {
        const char *key = Rf_translateCharUTF8(STRING_ELT(path, i));
        const cJSON *next = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, key) : NULL;
        if (!next) {
            failure_init(f, "shape");
            snprintf(f->message, sizeof f->message, "path '%s%s%s': %s", so_far, *so_far ? "/" : "", key,
                     cJSON_IsObject(node) ? "no such member" : "the parent is not a JSON object");
            return NULL;
        }
        size_t used = strlen(so_far);
        snprintf(so_far + used, sizeof so_far - used, "%s%s", used ? "/" : "", key);
        node = next;
    }
    return node;
}

/* Decodes root (held by holder) at path; releases the tree before returning or warning. */
static SEXP decode_held(SEXP holder, const cJSON *root, SEXP path, int want_table, const char *url)
{
    failure_t f;
    const cJSON *node = follow_path(root, path, &f);
    if (node && want_table && !sbwapi_decode_is_table(node)) {
        char joined[256] = "";
        for (R_xlen_t i = 0; i < XLENGTH(path); i++) {
            size_t used = strlen(joined);
            snprintf(joined + used, sizeof joined - used, "%s%s", i ? "/" : "",
                     Rf_translateCharUTF8(STRING_ELT(path, i)));
        }
        failure_init(&f, "shape");
        snprintf(f.message, sizeof f.message,
                 "the JSON value%s%s is not a table (an array of objects, or an object with "
                 "\"columns\" and \"rows\")",
                 joined[0] ? " at path " : "", joined);
        node = NULL;
    }
    if (!node) {
        tree_release(holder);
        return failure_sexp(&f, url);
    }
    sbwapi_decode_t ctx = {0};
    SEXP out = PROTECT(sbwapi_decode_value(&ctx, node));
    tree_release(holder);
    if (ctx.n_coerced > 0)
        Rf_warning("%ld JSON value(s) did not match their column's declared type or position and "
                   "became NA (or were dropped)",
                   ctx.n_coerced);
    UNPROTECT(1);
    return out;
}

/* An external pointer owning a new arena (NULL address when out of memory). */
static SEXP new_holder(void)
{
    SEXP holder = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(holder, tree_finalizer, TRUE);
    R_SetExternalPtrAddr(holder, sbwapi_arena_new());
    UNPROTECT(1);
    return holder;
}

static void check_args(SEXP path, SEXP table)
{
    if (!Rf_isString(path))
        Rf_error("path must be a character vector");
    if (!Rf_isLogical(table) || XLENGTH(table) != 1 || LOGICAL(table)[0] == NA_LOGICAL)
        Rf_error("table must be TRUE or FALSE");
}

/* .Call("sbwapi_c_parse", json, path, table): json is a UTF-8 character(1). */
SEXP sbwapi_c_parse(SEXP json, SEXP path, SEXP table)
{
    if (!Rf_isString(json) || XLENGTH(json) != 1 || STRING_ELT(json, 0) == NA_STRING)
        Rf_error("json must be a single non-NA string");
    check_args(path, table);
    SEXP holder = PROTECT(new_holder());
    SEXP s = STRING_ELT(json, 0);
    failure_t f;
    SEXP out;
    const cJSON *root = NULL;
    if (parse_into(holder, CHAR(s), (size_t)LENGTH(s), NULL, &root, &f) != 0)
        out = failure_sexp(&f, NULL);
    else
        out = decode_held(holder, root, path, LOGICAL(table)[0], NULL);
    UNPROTECT(1);
    return out;
}

/* Copies the server's error text from a JSON error body: "message", "error" (a string or an
 * object with "message"), or "detail". */
static void server_message(const char *body, size_t len, char *out, size_t cap)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *keys[] = {"message", "error", "detail"};
    out[0] = '\0';
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !out[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (cJSON_IsObject(v))
            v = cJSON_GetObjectItemCaseSensitive(v, "message");
        if (cJSON_IsString(v))
            snippet(out, cap, v->valuestring, strlen(v->valuestring));
    }
    cJSON_Delete(root);
}

/* .Call("sbwapi_c_get", url, path, table, timeout_s, max_bytes). */
SEXP sbwapi_c_get(SEXP url, SEXP path, SEXP table, SEXP timeout, SEXP max_bytes)
{
    if (!Rf_isString(url) || XLENGTH(url) != 1 || STRING_ELT(url, 0) == NA_STRING)
        Rf_error("url must be a single non-NA string");
    check_args(path, table);
    double t = Rf_asReal(timeout), mb = Rf_asReal(max_bytes);
    if (!(t > 0))
        Rf_error("timeout must be a positive number of seconds");
    if (!(mb >= 1))
        Rf_error("max_bytes must be a positive number");
    const char *u = Rf_translateCharUTF8(STRING_ELT(url, 0));
    SEXP holder = PROTECT(new_holder());
    sbwapi_http_response_t res;
    failure_t f;
    SEXP out;
    int rc = sbwapi_http_get(u, t, mb > 1e15 ? (size_t)1e15 : (size_t)mb, &res);
    if (rc != SBWAPI_HTTP_OK) {
        failure_init(&f, rc == SBWAPI_HTTP_TOO_LARGE ? "limit"
                         : rc == SBWAPI_HTTP_INTERRUPTED ? "interrupt"
                                                         : "connection");
        snprintf(f.message, sizeof f.message, "GET %.500s: %s", u, res.err);
        out = failure_sexp(&f, u);
    } else if (res.status < 200 || res.status > 299) {
        failure_init(&f, "http");
        f.status = (int)res.status;
        server_message(res.body, res.len, f.server_message, sizeof f.server_message);
        snippet(f.body, sizeof f.body, res.body, res.len);
        free(res.body);
        snprintf(f.message, sizeof f.message, "GET %.400s: HTTP %d%s%s", u, f.status,
                 f.server_message[0] ? ": " : "", f.server_message);
        out = failure_sexp(&f, u);
    } else {
        const cJSON *root = NULL;
        int prc = parse_into(holder, res.body, res.len, u, &root, &f);
        free(res.body);
        if (prc != 0) {
            out = failure_sexp(&f, u);
        } else {
            out = decode_held(holder, root, path, LOGICAL(table)[0], u);
        }
    }
    UNPROTECT(1);
    return out;
}

static const R_CallMethodDef call_methods[] = {
    {"sbwapi_c_parse", (DL_FUNC)&sbwapi_c_parse, 3},
    {"sbwapi_c_get", (DL_FUNC)&sbwapi_c_get, 5},
    {NULL, NULL, 0},
};

void R_init_sbwapi(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
    R_forceSymbols(dll, TRUE);
    sbwapi_http_global_init();
    sbwapi_arena_install();
}

void R_unload_sbwapi(DllInfo *dll)
{
    (void)dll;
    sbwapi_arena_uninstall();
}
