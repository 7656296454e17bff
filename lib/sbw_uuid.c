/* sbw_uuid: random (version 4) UUIDs from a per-thread getrandom(2) pool (see sbw_uuid.h). */
#include "sbw_uuid.h"

#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

void sbw_uuid_random(char out[SBW_UUID_SIZE])
{
    static _Thread_local unsigned char pool[4096];
    static _Thread_local size_t left;
    uuid_t u;
    if (left < sizeof u) {
        ssize_t n = getrandom(pool, sizeof pool, 0);
        if (n != (ssize_t)sizeof pool) { /* practically never: fall back to libuuid */
            uuid_generate_random(u);
            uuid_unparse_lower(u, out);
            return;
        }
        left = sizeof pool;
    }
    memcpy(u, pool + sizeof pool - left, sizeof u);
    left -= sizeof u;
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    uuid_unparse_lower(u, out);
}
