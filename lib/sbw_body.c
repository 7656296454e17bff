/* sbw_body: request body splitting, and structural JSON scanning (see sbw_body.h). */
#include "sbw_body.h"

#include "sbw_err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- structural scan ------------------------------------------------------------------- */

int sbw_body_scan_value(const char *data, size_t len, size_t start, size_t *end, int *depth,
                        size_t *err_at)
{
    size_t i = start;
    *depth = 0;
    if (i >= len) {
        *err_at = len;
        return -1;
    }
    char c = data[i];
    if (c == '"') { /* a string scalar */
        for (i++; i < len; i++) {
            if (data[i] == '\\')
                i++;
            else if (data[i] == '"')
                break;
        }
        if (i >= len) {
            *err_at = len;
            return -1;
        }
        *end = i + 1;
        return 0;
    }
    if (c != '{' && c != '[') { /* a bare scalar: true, 12.5, garbage... */
        while (i < len && !is_ws(data[i]) && data[i] != ',' && data[i] != ']' && data[i] != '}' &&
               data[i] != '{' && data[i] != '[' && data[i] != '"')
            i++;
        if (i == start) {
            *err_at = start;
            return -1;
        }
        *end = i;
        return 0;
    }
    /* Containers: a bit stack of open bracket kinds (1 = object), inline for 512 levels. */
    unsigned char small[64];
    unsigned char *stack = small;
    size_t cap_bits = sizeof small * 8;
    size_t level = 0; /* open containers */
    int rc = -1;
    int deepest = 0;
    for (; i < len; i++) {
        c = data[i];
        if (c == '"') {
            for (i++; i < len; i++) {
                if (data[i] == '\\')
                    i++;
                else if (data[i] == '"')
                    break;
            }
            if (i >= len)
                break;
            continue;
        }
        if (c == '{' || c == '[') {
            if (level == cap_bits) {
                size_t nbytes = cap_bits / 8 * 2;
                unsigned char *p = stack == small ? malloc(nbytes) : realloc(stack, nbytes);
                if (!p) {
                    rc = -2;
                    goto out;
                }
                if (stack == small)
                    memcpy(p, small, sizeof small);
                stack = p;
                cap_bits = nbytes * 8;
            }
            if (c == '{')
                stack[level / 8] |= (unsigned char)(1u << (level % 8));
            else
                stack[level / 8] &= (unsigned char)~(1u << (level % 8));
            level++;
            if (level > (size_t)deepest)
                deepest = level > 0x7fffffff ? 0x7fffffff : (int)level;
            continue;
        }
        if (c == '}' || c == ']') {
            bool is_obj = (stack[(level - 1) / 8] >> ((level - 1) % 8)) & 1u;
            if (is_obj != (c == '}')) {
                *err_at = i;
                goto out;
            }
            if (--level == 0) {
                *end = i + 1;
                *depth = deepest;
                rc = 0;
                goto out;
            }
        }
    }
    *err_at = len;
out:
    if (stack != small)
        free(stack);
    return rc;
}

/* ---- splitting ------------------------------------------------------------------------- */

typedef struct {
    const char *data;
    size_t len;
    const sbw_limits_t *limits;
    unsigned flags;
    sbw_body_t *out;
    size_t cap;
    bool parsed_any; /* some event was valid JSON */
    char first_json_err[128];
    char *err;
    size_t errlen;
} split_t;

static sbw_body_item_t *new_item(split_t *s, size_t offset, size_t length, int line)
{
    sbw_body_t *b = s->out;
    if (b->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        sbw_body_item_t *p = realloc(b->items, cap * sizeof *p);
        if (!p)
            return NULL;
        b->items = p;
        s->cap = cap;
    }
    sbw_body_item_t *it = &b->items[b->count];
    memset(it, 0, sizeof *it);
    it->index = (int)b->count;
    it->line = line;
    it->offset = offset;
    it->length = length;
    b->count++;
    return it;
}

/* Prefix naming an item in messages. */
static void item_label(const split_t *s, const sbw_body_item_t *it, char *buf, size_t n)
{
    if (it->line > 0)
        snprintf(buf, n, "line %d: ", it->line);
    else if (s->out->shape == SBW_BODY_ARRAY)
        snprintf(buf, n, "event %d: ", it->index);
    else
        buf[0] = '\0';
}

static int reject(split_t *s, sbw_body_item_t *it, const char *msg)
{
    char label[32];
    item_label(s, it, label, sizeof label);
    it->error = dup_printf("%s%s", label, msg);
    return it->error ? 0 : SBW_BODY_ENOMEM;
}

/* Records a JSON syntax error for an item (and remembers the first for the whole-body case). */
static int reject_json(split_t *s, sbw_body_item_t *it, size_t at)
{
    char msg[64];
    snprintf(msg, sizeof msg, "invalid JSON at byte %zu", at);
    if (!s->first_json_err[0])
        snprintf(s->first_json_err, sizeof s->first_json_err, "%s", msg);
    return reject(s, it, msg);
}

static int too_many(split_t *s)
{
    if (s->out->count < s->limits->max_events)
        return 0;
    sbw_err_set(s->err, s->errlen, "body has more than %zu events", s->limits->max_events);
    return SBW_BODY_ETOOBIG;
}

/* Parses and validates the value at data[start..end) of the given nesting as one event. */
static int add_event(split_t *s, size_t start, size_t end, int depth, int line)
{
    int rc = too_many(s);
    if (rc != 0)
        return rc;
    sbw_body_item_t *it = new_item(s, start, end - start, line);
    if (!it)
        return SBW_BODY_ENOMEM;
    char msg[512];
    if (end - start > s->limits->max_event_bytes) {
        s->parsed_any = true; /* a size problem is not a syntax problem */
        snprintf(msg, sizeof msg, "%zu bytes exceeds the limit of %zu bytes per event", end - start,
                 s->limits->max_event_bytes);
        return reject(s, it, msg);
    }
    if (depth > s->limits->max_depth) {
        s->parsed_any = true;
        snprintf(msg, sizeof msg, "nesting deeper than %d levels", s->limits->max_depth);
        return reject(s, it, msg);
    }
    const char *pe = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(s->data + start, end - start, &pe, 0);
    if (!obj || pe != s->data + end) {
        size_t at = pe ? (size_t)(pe - s->data) : start;
        cJSON_Delete(obj);
        return reject_json(s, it, at);
    }
    s->parsed_any = true;
    if (!cJSON_IsObject(obj)) {
        snprintf(msg, sizeof msg, "expected a JSON object, got %s",
                 cJSON_IsArray(obj)    ? "an array"
                 : cJSON_IsString(obj) ? "a string"
                 : cJSON_IsNumber(obj) ? "a number"
                 : cJSON_IsBool(obj)   ? "a boolean"
                                       : "null");
        cJSON_Delete(obj);
        return reject(s, it, msg);
    }
    if (sbw_event_validate(obj, s->limits, msg, sizeof msg) != 0) {
        cJSON_Delete(obj);
        return reject(s, it, msg);
    }
    it->obj = obj;
    s->out->accepted++;
    return 0;
}

/* The verbatim fast path for the event starting at data[start] and ending before limit: when
 * sbw_event_scan_prefix vouches for it (and it is within max_event_bytes) it is added as a
 * verbatim item, *end is set and 1 returned; 0 when the caller must scan and parse it as usual;
 * < 0 on a whole-body error (too many events, out of memory). */
static int add_verbatim(split_t *s, size_t start, size_t used, int line, bool cid)
{
    int rc = too_many(s);
    if (rc != 0)
        return rc;
    sbw_body_item_t *it = new_item(s, start, used, line);
    if (!it)
        return SBW_BODY_ENOMEM;
    it->verbatim = true;
    it->client_sent_id = cid;
    s->parsed_any = true;
    s->out->accepted++;
    return 0;
}

static int try_verbatim(split_t *s, size_t start, size_t limit, int line, size_t *end)
{
    size_t used;
    bool cid;
    if (!(s->flags & SBW_BODY_VERBATIM) || s->data[start] != '{' ||
        sbw_event_scan_prefix(s->data + start, limit - start, s->limits, &cid, &used) != 1 ||
        used > s->limits->max_event_bytes)
        return 0;
    int rc = add_verbatim(s, start, used, line, cid);
    if (rc != 0)
        return rc;
    *end = start + used;
    return 1;
}

static size_t skip_ws(const char *d, size_t i, size_t len)
{
    while (i < len && is_ws(d[i]))
        i++;
    return i;
}

static int split_array(split_t *s, size_t p)
{
    const char *d = s->data;
    size_t len = s->len;
    s->out->shape = SBW_BODY_ARRAY;
    size_t pos = skip_ws(d, p + 1, len);
    if (pos < len && d[pos] == ']') {
        pos = skip_ws(d, pos + 1, len);
        if (pos != len) {
            sbw_err_set(s->err, s->errlen, "invalid JSON at byte %zu: data after the array", pos);
            return SBW_BODY_EINVAL;
        }
        sbw_err_set(s->err, s->errlen, "body contains no events");
        return SBW_BODY_EINVAL;
    }
    for (;;) {
        size_t end, at;
        int depth;
        int rc = pos < len ? try_verbatim(s, pos, len, 0, &end) : 0;
        if (rc < 0)
            return rc;
        if (rc == 0) {
            rc = sbw_body_scan_value(d, len, pos, &end, &depth, &at);
            if (rc == -2)
                return SBW_BODY_ENOMEM;
            if (rc != 0) {
                sbw_err_set(s->err, s->errlen, "invalid JSON at byte %zu", at);
                return SBW_BODY_EINVAL;
            }
            if ((rc = add_event(s, pos, end, depth, 0)) != 0)
                return rc;
        }
        pos = skip_ws(d, end, len);
        if (pos < len && d[pos] == ',') {
            pos = skip_ws(d, pos + 1, len);
            continue;
        }
        if (pos < len && d[pos] == ']')
            break;
        sbw_err_set(s->err, s->errlen, "invalid JSON at byte %zu: expected ',' or ']'", pos);
        return SBW_BODY_EINVAL;
    }
    pos = skip_ws(d, pos + 1, len);
    if (pos != len) {
        sbw_err_set(s->err, s->errlen, "invalid JSON at byte %zu: data after the array", pos);
        return SBW_BODY_EINVAL;
    }
    return 0;
}

static int split_ndjson(split_t *s, size_t p)
{
    const char *d = s->data;
    size_t len = s->len;
    s->out->shape = SBW_BODY_NDJSON;
    /* Line numbers count from the start of the body (skipped leading blank lines included). */
    int line = 1;
    for (size_t i = 0; i < p; i++)
        if (d[i] == '\n')
            line++;
    size_t ls = p;
    while (ls < len) {
        const char *nl = memchr(d + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - d) : len;
        size_t pos = ls;
        for (;;) {
            while (pos < le && (d[pos] == ' ' || d[pos] == '\t' || d[pos] == '\r'))
                pos++;
            if (pos == le)
                break;
            size_t end, at;
            int depth;
            int rc = try_verbatim(s, pos, le, line, &end);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                pos = end;
                continue;
            }
            rc = sbw_body_scan_value(d, le, pos, &end, &depth, &at);
            if (rc == -2)
                return SBW_BODY_ENOMEM;
            if (rc != 0) {
                if ((rc = too_many(s)) != 0)
                    return rc;
                sbw_body_item_t *it = new_item(s, pos, le - pos, line);
                if (!it)
                    return SBW_BODY_ENOMEM;
                if ((rc = reject_json(s, it, at)) != 0)
                    return rc;
                break; /* the rest of this line is lost; carry on with the next */
            }
            if ((rc = add_event(s, pos, end, depth, line)) != 0)
                return rc;
            pos = end;
        }
        ls = le + 1;
        line++;
    }
    return 0;
}

int sbw_body_split(const char *data, size_t len, const sbw_limits_t *limits, sbw_body_t *out,
                   char *err, size_t errlen)
{
    return sbw_body_split_flags(data, len, limits, 0, out, err, errlen);
}

int sbw_body_split_flags(const char *data, size_t len, const sbw_limits_t *limits, unsigned flags,
                         sbw_body_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    split_t s = {.data = data,
                 .len = len,
                 .limits = limits,
                 .flags = flags,
                 .out = out,
                 .err = err,
                 .errlen = errlen};
    int rc = 0;
    if (len > limits->max_body_bytes) {
        sbw_err_set(err, errlen, "body exceeds %zu bytes", limits->max_body_bytes);
        return SBW_BODY_ETOOBIG;
    }
    size_t p = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        p = 3;
    p = skip_ws(data, p, len);
    if (p == len) {
        sbw_err_set(err, errlen, "body is empty");
        return SBW_BODY_EINVAL;
    }
    size_t vlen;
    bool cid;
    if (data[p] == '[') {
        rc = split_array(&s, p);
    } else if ((flags & SBW_BODY_VERBATIM) && data[p] == '{' &&
               sbw_event_scan_prefix(data + p, len - p, limits, &cid, &vlen) == 1 &&
               vlen <= limits->max_event_bytes && skip_ws(data, p + vlen, len) == len) {
        out->shape = SBW_BODY_OBJECT;
        rc = add_verbatim(&s, p, vlen, 0, cid);
    } else {
        size_t end, at;
        int depth;
        int sc = sbw_body_scan_value(data, len, p, &end, &depth, &at);
        if (sc == -2) {
            rc = SBW_BODY_ENOMEM;
        } else if (sc == 0 && skip_ws(data, end, len) == len) {
            if (data[p] == '{') {
                out->shape = SBW_BODY_OBJECT;
                rc = add_event(&s, p, end, depth, 0);
            } else {
                const char *pe = NULL;
                cJSON *v = cJSON_ParseWithLengthOpts(data + p, end - p, &pe, 0);
                if (v)
                    sbw_err_set(err, errlen,
                            "body must be a JSON object, an array of objects or NDJSON, got %s",
                            cJSON_IsString(v)   ? "a string"
                            : cJSON_IsNumber(v) ? "a number"
                            : cJSON_IsBool(v)   ? "a boolean"
                                                : "null");
                else
                    sbw_err_set(err, errlen, "invalid JSON at byte %zu", pe ? (size_t)(pe - data) : p);
                cJSON_Delete(v);
                rc = SBW_BODY_EINVAL;
            }
        } else if (sc == 0 || memchr(data + p, '\n', len - p) != NULL) {
            rc = split_ndjson(&s, p);
        } else {
            sbw_err_set(err, errlen, "invalid JSON at byte %zu", at);
            rc = SBW_BODY_EINVAL;
        }
    }
    if (rc == 0 && out->count > 0 && !s.parsed_any) {
        /* Nothing in the body was JSON: that is a bad body, not a batch of bad events. */
        sbw_err_set(err, errlen, "%s", s.first_json_err);
        rc = SBW_BODY_EINVAL;
    }
    if (rc == SBW_BODY_ENOMEM)
        sbw_err_set(err, errlen, "out of memory");
    if (rc != 0)
        sbw_body_cleanup(out);
    return rc;
}

void sbw_body_cleanup(sbw_body_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++) {
        cJSON_Delete(b->items[i].obj);
        free(b->items[i].error);
    }
    free(b->items);
    memset(b, 0, sizeof *b);
}

