/* sbw_lakefmt: NDJSON lake lines and the lake object reader (see sbw_lakefmt.h). */
#include "sbw_lakefmt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_body.h"

int sbw_lake_line_append(sbw_buf_t *buf, const cJSON *obj, char *err, size_t errlen)
{
    char *txt = cJSON_PrintUnformatted(obj);
    if (!txt) {
        if (err && errlen)
            snprintf(err, errlen, "cannot serialise the event (out of memory)");
        return -1;
    }
    size_t n = strlen(txt);
    size_t old = buf->len;
    int rc = sbw_buf_append(buf, txt, n);
    if (rc == 0 && sbw_buf_append(buf, "\n", 1) != 0) {
        buf->len = old; /* undo the half line */
        buf->data[old] = '\0';
        rc = -1;
    }
    cJSON_free(txt);
    if (rc != 0 && err && errlen)
        snprintf(err, errlen, "lake buffer full or out of memory (%zu + %zu bytes)", old, n + 1);
    return rc;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *d, size_t i, size_t len)
{
    while (i < len && is_ws(d[i]))
        i++;
    return i;
}

/* Start of the next line after pos that begins with '{', or len. */
static size_t resync(const char *d, size_t pos, size_t len)
{
    for (size_t i = pos; i + 1 < len; i++) {
        if (d[i] == '\n' && d[i + 1] == '{')
            return i + 1;
    }
    return len;
}

typedef struct {
    const char *data;
    size_t len;
    sbw_lake_record_fn fn;
    void *ud;
    int index;
} lake_t;

static int report(lake_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands one error to the callback: "record <index>: <formatted text>". */
static int report(lake_t *l, const char *fmt, ...)
{
    char msg[192];
    int n = snprintf(msg, sizeof msg, "record %d: ", l->index);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    return l->fn(NULL, l->index++, msg, l->ud) ? 1 : 0;
}

/* Parses data[start..end) of the given depth as one record and hands it on. */
static int record(lake_t *l, size_t start, size_t end, int depth, bool *ok)
{
    *ok = false;
    if (depth > SBW_LAKE_MAX_DEPTH)
        return report(l, "nested deeper than %d levels (at byte %zu)", SBW_LAKE_MAX_DEPTH, start);
    const char *pe = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(l->data + start, end - start, &pe, 0);
    if (!obj || pe != l->data + end) {
        cJSON_Delete(obj);
        return report(l, "invalid JSON at byte %zu", pe ? (size_t)(pe - l->data) : start);
    }
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return report(l, "expected a JSON object (at byte %zu)", start);
    }
    *ok = true;
    int rc = l->fn(obj, l->index++, NULL, l->ud) ? 1 : 0;
    cJSON_Delete(obj);
    return rc;
}

static int parse_array(lake_t *l, size_t p)
{
    const char *d = l->data;
    size_t len = l->len;
    size_t pos = skip_ws(d, p + 1, len);
    if (pos < len && d[pos] == ']')
        return 0;
    for (;;) {
        size_t end, at;
        int depth;
        bool ok;
        int rc = sbw_body_scan_value(d, len, pos, &end, &depth, &at);
        if (rc == -2)
            return -1;
        if (rc != 0)
            return report(l, "invalid JSON at byte %zu; the rest of the array is unreadable", at);
        if ((rc = record(l, pos, end, depth, &ok)) != 0)
            return rc;
        pos = skip_ws(d, end, len);
        if (pos < len && d[pos] == ',') {
            pos = skip_ws(d, pos + 1, len);
            continue;
        }
        if (pos < len && d[pos] == ']')
            break;
        return report(l, "invalid JSON at byte %zu; the rest of the array is unreadable", pos);
    }
    pos = skip_ws(d, pos + 1, len);
    if (pos < len)
        return report(l, "unexpected data after the array at byte %zu", pos);
    return 0;
}

int sbw_lake_parse(const char *data, size_t len, sbw_lake_record_fn fn, void *ud)
{
    lake_t l = {.data = data, .len = len, .fn = fn, .ud = ud, .index = 0};
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    pos = skip_ws(data, pos, len);
    if (pos < len && data[pos] == '[')
        return parse_array(&l, pos);
    while ((pos = skip_ws(data, pos, len)) < len) {
        int rc;
        if (data[pos] != '{') {
            size_t next = resync(data, pos, len);
            rc = report(&l,
                        next < len ? "unexpected data at byte %zu"
                                   : "unexpected data at byte %zu to the end of the object",
                        pos);
            if (rc != 0)
                return rc;
            pos = next;
            continue;
        }
        size_t end, at;
        int depth;
        bool ok;
        rc = sbw_body_scan_value(data, len, pos, &end, &depth, &at);
        if (rc == -2)
            return -1;
        if (rc != 0) {
            if ((rc = report(&l, "invalid JSON at byte %zu", at)) != 0)
                return rc;
            pos = resync(data, pos, len);
            continue;
        }
        if ((rc = record(&l, pos, end, depth, &ok)) != 0)
            return rc;
        pos = ok ? end : resync(data, pos, len);
    }
    return 0;
}
