/* sbw_err: the one way library functions fill their optional error buffer. */
#ifndef SBW_ERR_H
#define SBW_ERR_H

#include <stddef.h>

/* Formats a message into err (errlen bytes, always NUL-terminated, cut when longer).
 * Does nothing when err is NULL or errlen is 0, so callers may pass no buffer. */
void sbw_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
