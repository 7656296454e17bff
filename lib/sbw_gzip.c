/* sbw_gzip: bounded decompression of gzip request bodies (see sbw_gzip.h). */
#include "sbw_gzip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int sbw_gunzip(const void *in, size_t len, size_t max_out, char **out, size_t *outlen, char *err,
               size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK) { /* +32: detect gzip or zlib header */
        snprintf(err, errlen, "cannot initialise zlib");
        return -1;
    }
    size_t cap = len * 4 + 1024;
    if (cap > max_out + 1)
        cap = max_out + 1;
    char *buf = malloc(cap + 1);
    int rc = -1, zrc = Z_OK;
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    size_t used = 0;
    for (;;) {
        if (used == cap) {
            if (cap > max_out) {
                snprintf(err, errlen, "decompressed body exceeds %zu bytes", max_out);
                goto out;
            }
            size_t ncap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
            char *grown = realloc(buf, ncap + 1);
            if (!grown) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            buf = grown;
            cap = ncap;
        }
        zs.next_out = (Bytef *)buf + used;
        zs.avail_out = (uInt)(cap - used);
        zrc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc == Z_BUF_ERROR && zs.avail_in == 0) {
            snprintf(err, errlen, "body is not valid gzip: truncated stream");
            goto out;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            snprintf(err, errlen, "body is not valid gzip: %s", zs.msg ? zs.msg : "corrupt data");
            goto out;
        }
    }
    if (used > max_out) {
        snprintf(err, errlen, "decompressed body exceeds %zu bytes", max_out);
        goto out;
    }
    if (zs.avail_in != 0) {
        snprintf(err, errlen, "body is not valid gzip: %u bytes after the end of the stream",
                 zs.avail_in);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    buf = NULL;
    rc = 0;
out:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

int sbw_gzip(const void *in, size_t len, char **out, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    *out = NULL;
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    int zrc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (zrc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = cap - zs.avail_out;
    return 0;
}
