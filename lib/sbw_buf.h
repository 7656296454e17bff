/* sbw_buf: a growing byte buffer with a hard size cap (lake lines, response bodies).
 *
 * Ownership: a buffer owns its bytes. data is NULL until the first successful append; after
 * that it is always NUL-terminated (the terminator is not counted in len). A failed append
 * (out of memory, or the cap would be exceeded) leaves the buffer exactly as it was.
 * Not thread-safe; one buffer belongs to one thread at a time. */
#ifndef SBW_BUF_H
#define SBW_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data; /* owned; NULL while empty and never appended to */
    size_t len; /* bytes used, excluding the NUL terminator */
    size_t cap; /* bytes allocated */
    size_t max; /* hard cap on len; appends beyond it fail */
} sbw_buf_t;

/* Default cap used when 0 is passed as max: 256 MiB. */
#define SBW_BUF_DEFAULT_MAX ((size_t)256 * 1024 * 1024)

/* Initialises an empty buffer whose length may never exceed max bytes (0 = SBW_BUF_DEFAULT_MAX).
 * Allocates nothing. */
void sbw_buf_init(sbw_buf_t *b, size_t max);

/* Frees the bytes and leaves an empty buffer with the same cap. Accepts NULL. */
void sbw_buf_cleanup(sbw_buf_t *b);

/* Allocates an empty buffer (see sbw_buf_init). Returns NULL when out of memory. */
sbw_buf_t *sbw_buf_new(size_t max);

/* Frees a buffer from sbw_buf_new and its bytes. Accepts NULL. */
void sbw_buf_free(sbw_buf_t *b);

/* Empties the buffer but keeps its allocation for reuse. */
void sbw_buf_reset(sbw_buf_t *b);

/* Makes room for extra more bytes (plus the NUL) at once, so that appends up to that size
 * never reallocate. Returns 0, or -1 when out of memory or beyond the cap (buffer unchanged). */
__attribute__((warn_unused_result)) int sbw_buf_reserve(sbw_buf_t *b, size_t extra);

/* Appends n bytes (which may contain NULs). Returns 0, or -1 when out of memory or when the
 * result would exceed the cap; on -1 the buffer is unchanged. */
__attribute__((warn_unused_result)) int sbw_buf_append(sbw_buf_t *b, const void *p, size_t n);

/* Appends a NUL-terminated string (without its NUL). Same returns as sbw_buf_append. */
__attribute__((warn_unused_result)) int sbw_buf_append_str(sbw_buf_t *b, const char *s);

/* Appends printf-formatted text. Same returns as sbw_buf_append; also -1 on an encoding error. */
__attribute__((warn_unused_result, format(printf, 2, 3))) int sbw_buf_printf(sbw_buf_t *b,
                                                                             const char *fmt, ...);

/* Returns the contents as a C string: "" when empty. Borrowed; valid until the next call that
 * modifies the buffer. */
const char *sbw_buf_cstr(const sbw_buf_t *b);

/* Hands the bytes to the caller (free() them; NULL if nothing was ever appended), stores the
 * length in *len (may be NULL) and leaves the buffer empty. */
char *sbw_buf_steal(sbw_buf_t *b, size_t *len);

#endif
