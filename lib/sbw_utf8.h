/* sbw_utf8: strict UTF-8 checking, boundary-safe truncation and repair of untrusted text.
 *
 * "Strict" means RFC 3629: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF, no stray continuation bytes, no truncated sequences. NUL bytes are valid
 * UTF-8 and are accepted here; callers holding C strings never see them. All functions are
 * pure and thread-safe. */
#ifndef SBW_UTF8_H
#define SBW_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true when s[0..len) is valid UTF-8. Otherwise returns false and, when bad_at is not
 * NULL, stores the byte offset where the first invalid sequence starts. */
bool sbw_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Returns the largest n <= max such that s[0..n) does not end inside a multi-byte sequence
 * (assumes s is valid UTF-8; on invalid input it still never returns more than min(len, max)). */
size_t sbw_utf8_truncate(const char *s, size_t len, size_t max);

/* Returns a malloc'd NUL-terminated copy of s[0..len) in which each invalid byte is replaced by
 * U+FFFD and NUL bytes are dropped, cut on a character boundary to at most max bytes. The caller
 * frees it. Returns NULL only when out of memory. */
char *sbw_utf8_sanitize(const char *s, size_t len, size_t max);

#endif
