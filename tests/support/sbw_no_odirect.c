/* sbw_no_odirect: an LD_PRELOAD shim for tests that need a file system refusing O_DIRECT
 * (every file system on the test machine accepts it). SBW_NO_ODIRECT=open makes every
 * open/openat with O_DIRECT fail with EINVAL; SBW_NO_ODIRECT=write makes every pwrite to a
 * descriptor opened with O_DIRECT fail with EINVAL; anything else passes calls through.
 * sbw_no_odirect_refusals() tells a test how many calls were refused (and that the shim is
 * loaded at all). Used by tests/integration/test_lake_direct_fallback.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_int refusals;

int sbw_no_odirect_refusals(void);
int sbw_no_odirect_refusals(void)
{
    return atomic_load(&refusals);
}

static int mode_is(const char *m)
{
    const char *v = getenv("SBW_NO_ODIRECT");
    return v && strcmp(v, m) == 0;
}

static int refuse(void)
{
    atomic_fetch_add(&refusals, 1);
    errno = EINVAL;
    return -1;
}

#define OPENAT_SHIM(name)                                                                      \
    int name(int dirfd, const char *path, int flags, ...);                                     \
    int name(int dirfd, const char *path, int flags, ...)                                      \
    {                                                                                          \
        static int (*real)(int, const char *, int, ...);                                       \
        if (!real)                                                                             \
            real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name);              \
        mode_t m = 0;                                                                          \
        if (flags & (O_CREAT | __O_TMPFILE)) {                                                 \
            va_list ap;                                                                        \
            va_start(ap, flags);                                                               \
            m = (mode_t)va_arg(ap, int);                                                       \
            va_end(ap);                                                                        \
        }                                                                                      \
        if ((flags & O_DIRECT) && mode_is("open"))                                             \
            return refuse();                                                                   \
        return real(dirfd, path, flags, m);                                                    \
    }

OPENAT_SHIM(openat)
OPENAT_SHIM(openat64)

#define PWRITE_SHIM(name)                                                                      \
    ssize_t name(int fd, const void *buf, size_t n, off_t off);                                \
    ssize_t name(int fd, const void *buf, size_t n, off_t off)                                 \
    {                                                                                          \
        static ssize_t (*real)(int, const void *, size_t, off_t);                              \
        if (!real)                                                                             \
            real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, #name);      \
        if (mode_is("write")) {                                                                \
            int fl = fcntl(fd, F_GETFL);                                                       \
            if (fl >= 0 && (fl & O_DIRECT))                                                    \
                return refuse();                                                               \
        }                                                                                      \
        return real(fd, buf, n, off);                                                          \
    }

PWRITE_SHIM(pwrite)
PWRITE_SHIM(pwrite64)
