/* sbw_sim_rng: xoshiro256** (Blackman and Vigna) seeded with splitmix64. */
#include "sbw_sim_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sbw_sim_rng_seed(sbw_sim_rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sbw_sim_rng_next(sbw_sim_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sbw_sim_rng_unit(sbw_sim_rng_t *r)
{
    return (double)(sbw_sim_rng_next(r) >> 11) * 0x1.0p-53;
}

int64_t sbw_sim_rng_range(sbw_sim_rng_t *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    if (span == 0)
        return (int64_t)sbw_sim_rng_next(r);
    return lo + (int64_t)(sbw_sim_rng_next(r) % span);
}

int sbw_sim_rng_chance(sbw_sim_rng_t *r, double p)
{
    return sbw_sim_rng_unit(r) < p;
}

double sbw_sim_rng_exp(sbw_sim_rng_t *r, double mean)
{
    return -mean * log(1.0 - sbw_sim_rng_unit(r));
}

static const char HEX[] = "0123456789abcdef";

void sbw_sim_rng_uuid(sbw_sim_rng_t *r, char out[37])
{
    uint64_t a = sbw_sim_rng_next(r), b = sbw_sim_rng_next(r);
    unsigned char u[16];
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(a >> (56 - 8 * i));
        u[8 + i] = (unsigned char)(b >> (56 - 8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = HEX[u[i] >> 4];
        out[o++] = HEX[u[i] & 15];
    }
    out[o] = '\0';
}

void sbw_sim_rng_hex(sbw_sim_rng_t *r, int n, char *out)
{
    uint64_t v = sbw_sim_rng_next(r);
    for (int i = 0; i < n; i++)
        out[i] = HEX[(v >> (4 * i)) & 15];
    out[n] = '\0';
}

uint64_t sbw_sim_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
