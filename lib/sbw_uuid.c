/* sbw_uuid: random (version 4) UUIDs from a per-thread getrandom(2) pool (see sbw_uuid.h). */
#include "sbw_uuid.h"

#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

/* uuid_unparse_lower's text, without its per-call formatting cost (~250 instructions). */
static void unparse_lower(const unsigned char u[16], char out[SBW_UUID_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    static const unsigned char at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++) {
        out[at[i]] = hex[u[i] >> 4];
        out[at[i] + 1] = hex[u[i] & 15];
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = '\0';
}

void sbw_uuid_random(char out[SBW_UUID_SIZE])
{
    static _Thread_local unsigned char pool[4096];
    static _Thread_local size_t left;
    uuid_t u;
    if (left < sizeof u) {
        ssize_t n = getrandom(pool, sizeof pool, 0);
        if (n != (ssize_t)sizeof pool) { /* practically never: fall back to libuuid */
            uuid_generate_random(u);
            unparse_lower(u, out);
            return;
        }
        left = sizeof pool;
    }
    memcpy(u, pool + sizeof pool - left, sizeof u);
    left -= sizeof u;
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    unparse_lower(u, out);
}
