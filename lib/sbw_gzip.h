/* sbw_gzip: bounded decompression of gzip (and zlib) request bodies with zlib. */
#ifndef SBW_GZIP_H
#define SBW_GZIP_H

#include <stddef.h>

/* Inflates in[0..len) (gzip or zlib framing, detected) into a malloc'd buffer *out of *outlen
 * bytes (NUL-terminated, not counted). Output beyond max_out bytes stops the inflation: a
 * compression bomb costs at most max_out bytes. Returns 0, or -1 with err set ("body is not
 * valid gzip: ...", "decompressed body exceeds N bytes") and *out NULL. Trailing bytes after the
 * gzip stream are an error. */
int sbw_gunzip(const void *in, size_t len, size_t max_out, char **out, size_t *outlen, char *err,
               size_t errlen);

/* Compresses in[0..len) as gzip into a malloc'd *out (used by tests, benchmarks and clients).
 * Returns 0 or -1 (out of memory). */
int sbw_gzip(const void *in, size_t len, char **out, size_t *outlen);

#endif
