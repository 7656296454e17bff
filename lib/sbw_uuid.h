/* sbw_uuid: random (version 4) UUIDs: server-side event ids, lake object names, Lambda object
 * names. libuuid's uuid_generate_random reseeds its fallback PRNG with srandom() on every call
 * and makes 5-6 system calls per UUID here (2-3 % of the collector's CPU on batches); this
 * draws from getrandom(2) through a small per-thread pool instead (one call per 256 UUIDs).
 * Thread-safe. */
#ifndef SBW_UUID_H
#define SBW_UUID_H

#include "sbw_event.h" /* SBW_UUID_SIZE */

/* A random version-4 UUID, lowercase "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx" (V one of 8 9 a b)
 * and NUL, into out. */
void sbw_uuid_random(char out[SBW_UUID_SIZE]);

#endif
