/* sbw_utf8: strict UTF-8 checking and repair (see sbw_utf8.h). */
#include "sbw_utf8.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence starting at s[i], or 0 when it is invalid (RFC 3629 table 3-7). */
static size_t seq_len(const unsigned char *s, size_t i, size_t len)
{
    unsigned char c = s[i];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range allowed for the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c == 0xE0) {
        n = 3;
        lo = 0xA0; /* E0 80..9F would be overlong */
    } else if (c >= 0xE1 && c <= 0xEC) {
        n = 3;
    } else if (c == 0xED) {
        n = 3;
        hi = 0x9F; /* ED A0..BF would be a surrogate */
    } else if (c >= 0xEE && c <= 0xEF) {
        n = 3;
    } else if (c == 0xF0) {
        n = 4;
        lo = 0x90; /* F0 80..8F would be overlong */
    } else if (c >= 0xF1 && c <= 0xF3) {
        n = 4;
    } else if (c == 0xF4) {
        n = 4;
        hi = 0x8F; /* F4 90.. would be above U+10FFFF */
    } else {
        return 0; /* 80..C1 (continuation or overlong lead) and F5..FF */
    }
    if (len - i < n)
        return 0;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++) {
        if (s[i + k] < 0x80 || s[i + k] > 0xBF)
            return 0;
    }
    return n;
}

bool sbw_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = seq_len(u, i, len);
        if (n == 0) {
            if (bad_at)
                *bad_at = i;
            return false;
        }
        i += n;
    }
    return true;
}

size_t sbw_utf8_truncate(const char *s, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len <= max)
        return len;
    size_t n = max;
    /* Step back over continuation bytes to the lead byte of the character cut at max. */
    while (n > 0 && (u[n] & 0xC0) == 0x80)
        n--;
    return n;
}

char *sbw_utf8_sanitize(const char *s, size_t len, size_t max)
{
    static const char repl[] = "\xEF\xBF\xBD";
    const unsigned char *u = (const unsigned char *)s;
    if (len <= max && sbw_utf8_valid(s, len, NULL) && !memchr(s, '\0', len)) {
        char *copy = malloc(len + 1); /* the common case: already clean */
        if (copy) {
            memcpy(copy, s, len);
            copy[len] = '\0';
        }
        return copy;
    }
    /* Worst case every byte becomes 3; never more than max + 1 is needed. */
    size_t cap = len < max ? len : max;
    cap = cap > (size_t)-1 / 3 ? (size_t)-1 / 3 : cap;
    char *out = malloc(cap * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t n = u[i] < 0x80 ? 1 : seq_len(u, i, len);
        const char *src = n ? s + i : repl;
        size_t w = n ? n : 3;
        if (n == 1 && u[i] == 0) {
            i++;
            continue;
        }
        if (o + w > max || o + w > cap * 3)
            break;
        memcpy(out + o, src, w);
        o += w;
        i += n ? n : 1;
    }
    out[o] = '\0';
    return out;
}
