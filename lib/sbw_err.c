/* sbw_err: the one way library functions fill their optional error buffer (see sbw_err.h). */
#include "sbw_err.h"

#include <stdarg.h>
#include <stdio.h>

void sbw_err_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
