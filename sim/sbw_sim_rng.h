/* sbw_sim_rng: the simulator's own deterministic random numbers (xoshiro256** seeded through
 * splitmix64), so a seed gives byte-identical output on every machine and libc.
 *
 * Ownership: plain values, nothing to free. Pure; one generator per thread. */
#ifndef SBW_SIM_RNG_H
#define SBW_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sbw_sim_rng_t;

/* Seeds the generator from seed and a stream number (different streams of one seed are
 * independent sequences). */
void sbw_sim_rng_seed(sbw_sim_rng_t *r, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t sbw_sim_rng_next(sbw_sim_rng_t *r);

/* A uniform double in [0, 1). */
double sbw_sim_rng_unit(sbw_sim_rng_t *r);

/* A uniform integer in [lo, hi] (lo <= hi). */
int64_t sbw_sim_rng_range(sbw_sim_rng_t *r, int64_t lo, int64_t hi);

/* True with probability p. */
int sbw_sim_rng_chance(sbw_sim_rng_t *r, double p);

/* An exponentially distributed value with the given mean. */
double sbw_sim_rng_exp(sbw_sim_rng_t *r, double mean);

/* A random UUID v4 (version and variant bits set), lowercase, into out (37 bytes). */
void sbw_sim_rng_uuid(sbw_sim_rng_t *r, char out[37]);

/* n lowercase hex digits (n <= 16) into out (n + 1 bytes). */
void sbw_sim_rng_hex(sbw_sim_rng_t *r, int n, char *out);

/* 64-bit FNV-1a of len bytes, continued from h (start with SBW_SIM_FNV_INIT). */
#define SBW_SIM_FNV_INIT 0xcbf29ce484222325ULL
uint64_t sbw_sim_fnv1a(uint64_t h, const void *data, size_t len);

#endif
