/* sbw_buf: a growing byte buffer with a hard size cap (see sbw_buf.h). */
#include "sbw_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbw_buf_init(sbw_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SBW_BUF_DEFAULT_MAX;
}

void sbw_buf_cleanup(sbw_buf_t *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

sbw_buf_t *sbw_buf_new(size_t max)
{
    sbw_buf_t *b = malloc(sizeof *b);
    if (b)
        sbw_buf_init(b, max);
    return b;
}

void sbw_buf_free(sbw_buf_t *b)
{
    if (!b)
        return;
    sbw_buf_cleanup(b);
    free(b);
}

void sbw_buf_reset(sbw_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL terminator. */
static int buf_reserve(sbw_buf_t *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int sbw_buf_reserve(sbw_buf_t *b, size_t extra)
{
    return buf_reserve(b, extra);
}

int sbw_buf_append(sbw_buf_t *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sbw_buf_append_str(sbw_buf_t *b, const char *s)
{
    return sbw_buf_append(b, s, strlen(s));
}

int sbw_buf_printf(sbw_buf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return sbw_buf_append(b, small, (size_t)n);
    if (buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (m != n) {
        b->data[b->len] = '\0';
        return -1;
    }
    b->len += (size_t)n;
    return 0;
}

const char *sbw_buf_cstr(const sbw_buf_t *b)
{
    return b->data ? b->data : "";
}

char *sbw_buf_steal(sbw_buf_t *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
