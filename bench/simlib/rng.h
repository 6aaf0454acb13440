/* SPDX-License-Identifier: MIT */
/*
 * The simulator's own pseudo-random numbers: xoshiro256** seeded through splitmix64
 * (Blackman and Vigna), so a seed gives the same workload on every machine and libc
 * (rand() differs between libcs and has hidden global state). sim_mix() is a stateless
 * hash for per-flow, per-interval draws that must not depend on the order of the others.
 * sim_ln() and sim_expo() are our own too: results then do not depend on a libm's last
 * bits (and the bench programs are not linked with one).
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>
#include <string.h>

struct sim_rng {
	uint64_t s[4];
};

/* splitmix64's output function: a good 64-bit mix, also used as a hash. */
static inline uint64_t sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ull;
		r->s[i] = sim_mix(seed);
	}
}

static inline uint64_t sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_next(struct sim_rng *r)
{
	uint64_t *s = r->s, out = sim_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1): the top 53 bits. */
static inline double sim_unit(struct sim_rng *r)
{
	return (double)(sim_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static inline double sim_uniform(struct sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_unit(r);
}

/* Uniform integer in [0, n), n > 0 (multiply-shift, no modulo bias worth counting). */
static inline uint32_t sim_below(struct sim_rng *r, uint32_t n)
{
	return (uint32_t)(((sim_next(r) >> 32) * n) >> 32);
}

/* Natural logarithm of x > 0: x = m * 2^e, m in [1, 2), ln m = 2 atanh((m - 1) / (m + 1)). */
static inline double sim_ln(double x)
{
	uint64_t bits;
	double m, z, z2, term, sum = 0;
	int e;

	memcpy(&bits, &x, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & ~(0x7ffull << 52)) | (1023ull << 52);
	memcpy(&m, &bits, sizeof(m));
	z = (m - 1) / (m + 1); /* 0 <= z < 1/3: the series gains a digit a term */
	z2 = z * z;
	term = z;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

/* e^x for |x| < 700: 2^k * e^r with |r| <= ln 2 / 2, Taylor series for e^r. */
static inline double sim_expo(double x)
{
	const double ln2 = 0.69314718055994530942;
	int k = (int)(x / ln2 + (x < 0 ? -0.5 : 0.5));
	double r = x - k * ln2, term = 1, sum = 1;
	uint64_t bits = (uint64_t)(k + 1023) << 52;
	double scale;

	for (int n = 1; n < 25; n++) {
		term *= r / n;
		sum += term;
	}
	memcpy(&scale, &bits, sizeof(scale));
	return sum * scale;
}

/* Exponential with the given mean (inter-arrival times of a Poisson process). */
static inline double sim_exp(struct sim_rng *r, double mean)
{
	return -mean * sim_ln(1.0 - sim_unit(r)); /* 1 - [0, 1) is in (0, 1] */
}

/* A stateless draw in [0, 1) from three values (seed, flow, interval). */
static inline double sim_hash_unit(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = sim_mix(a ^ sim_mix(b ^ sim_mix(c)));

	return (double)(h >> 11) * 0x1.0p-53;
}

#endif
