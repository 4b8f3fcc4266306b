/*
 * rng.c - seeded random numbers and stratified assignment.
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018), its state
 * filled from the seed by splitmix64.  Both are defined on 64-bit
 * unsigned arithmetic only, so a seed gives the same stream on every
 * machine and compiler.  Doubles take the top 53 bits.
 */
#include <math.h>
#include <stdlib.h>

#include "cli.h"

uint64_t hd_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void hd_rng_seed(struct hd_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = hd_splitmix64(&seed);
}

uint64_t hd_rng_next(struct hd_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Rejection sampling: draws below the largest multiple of n are kept. */
uint64_t hd_rng_below(struct hd_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = hd_rng_next(r);
	while (x >= limit);
	return x % n;
}

double hd_rng_double(struct hd_rng *r)
{
	return (double)(hd_rng_next(r) >> 11) * 0x1.0p-53;
}

void hd_shuffle(struct hd_rng *r, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)hd_rng_below(r, i);
		size_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

/* Rows of class c, in input order, then shuffled. */
static size_t class_rows(const uint8_t *y, size_t n, int c, struct hd_rng *r,
                         size_t *idx)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (y[i] == c)
			idx[m++] = i;
	hd_shuffle(r, idx, m);
	return m;
}

void hd_stratified_split(const uint8_t *y, size_t n, double test_frac,
                         uint64_t seed, uint8_t *is_test)
{
	struct hd_rng r;
	size_t cnt[2] = { 0, 0 }, take[2];
	size_t n_test = (size_t)ceil(test_frac * (double)n - 1e-9);
	size_t *idx = hd_xmalloc((n ? n : 1) * sizeof *idx);
	double want[2];

	for (size_t i = 0; i < n; i++) {
		cnt[y[i] != 0]++;
		is_test[i] = 0;
	}
	/* Largest remainder; a tie goes to the larger class, then class 0. */
	for (int c = 0; c < 2; c++) {
		want[c] = (double)n_test * (double)cnt[c] / (double)(n ? n : 1);
		take[c] = (size_t)floor(want[c]);
	}
	if (take[0] + take[1] < n_test) {
		double f0 = want[0] - (double)take[0];
		double f1 = want[1] - (double)take[1];
		int c = f1 > f0 || (f1 == f0 && cnt[1] > cnt[0]);

		take[c]++;
	}
	hd_rng_seed(&r, seed);
	for (int c = 0; c < 2; c++) {
		size_t m = class_rows(y, n, c, &r, idx);

		for (size_t i = 0; i < take[c] && i < m; i++)
			is_test[idx[i]] = 1;
	}
	free(idx);
}

void hd_stratified_folds(const uint8_t *y, size_t n, int k, uint64_t seed,
                         int *fold)
{
	struct hd_rng r;
	size_t *idx = hd_xmalloc((n ? n : 1) * sizeof *idx);
	size_t deal = 0;

	hd_rng_seed(&r, seed);
	for (int c = 0; c < 2; c++) {
		size_t m = class_rows(y, n, c, &r, idx);

		for (size_t i = 0; i < m; i++)
			fold[idx[i]] = (int)(deal++ % (size_t)k);
	}
	free(idx);
}
