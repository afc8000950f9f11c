// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/delays.h"

struct pair {
	__u64 culprit;
	__u64 ns, count;
	__u32 victim; /* 1 + index into victims; 0 = empty slot */
};

struct vic {
	__u64 key;
	__u64 wait_ns, nr_waits, premig_ns, lost_ns, lost_pairs;
};

struct delays {
	size_t max_pairs, max_victims;
	struct pair *pairs;
	size_t pair_cap; /* slots, a power of two, at most twice max_pairs' */
	struct vic *vics;
	size_t nr_vics, vic_alloc;
	__u32 *vic_slots; /* open addressing: 1 + index into vics; 0 = empty */
	size_t vic_cap;
	/*
	 * The last victim and pair found: a daemon's waits come in runs of one
	 * victim cgroup and culprit (hints, checked before use).
	 */
	__u32 last_vic;
	size_t last_pair;
	struct delays_stats st;
};

static size_t hash2(__u64 a, __u64 b)
{
	__u64 h = (a * 0x9e3779b97f4a7c15ull) ^ (b + 0x632be59bd9b4e019ull);

	h *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(h ^ h >> 31);
}

static size_t pow2_for(size_t n)
{
	size_t c = 4;

	while (c < n * 2)
		c *= 2;
	return c;
}

struct delays *delays__new(size_t max_pairs, size_t max_victims)
{
	struct delays *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->max_pairs = max_pairs ? max_pairs : 1;
	d->max_victims = max_victims ? max_victims : 1;
	return d;
}

void delays__free(struct delays *d)
{
	if (!d)
		return;
	free(d->pairs);
	free(d->vics);
	free(d->vic_slots);
	free(d);
}

void delays__reset(struct delays *d)
{
	if (d->pairs)
		memset(d->pairs, 0, d->pair_cap * sizeof(*d->pairs));
	if (d->vic_slots)
		memset(d->vic_slots, 0, d->vic_cap * sizeof(*d->vic_slots));
	d->nr_vics = 0;
	d->last_vic = 0;
	d->st.pairs = 0;
}

static int vic_grow(struct delays *d)
{
	size_t cap = d->vic_cap ? d->vic_cap * 2 : 64, i, s;
	__u32 *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < d->nr_vics; i++) {
		s = hash2(d->vics[i].key, 0) & (cap - 1);
		while (slots[s])
			s = (s + 1) & (cap - 1);
		slots[s] = i + 1;
	}
	free(d->vic_slots);
	d->vic_slots = slots;
	d->vic_cap = cap;
	return 0;
}

/* 1 + index of the victim, made when new; 0 with *err set when it cannot be. */
static __u32 victim_of(struct delays *d, __u64 key, int *err)
{
	size_t s;

	if (d->last_vic && d->vics[d->last_vic - 1].key == key)
		return d->last_vic;
	if (d->vic_cap) {
		s = hash2(key, 0) & (d->vic_cap - 1);
		for (; d->vic_slots[s]; s = (s + 1) & (d->vic_cap - 1))
			if (d->vics[d->vic_slots[s] - 1].key == key)
				return d->last_vic = d->vic_slots[s];
	}
	if (d->nr_vics == d->max_victims) {
		*err = -ENOSPC;
		return 0;
	}
	if ((d->nr_vics + 1) * 2 > d->vic_cap && vic_grow(d)) {
		*err = -ENOMEM;
		return 0;
	}
	if (d->nr_vics == d->vic_alloc) {
		size_t n = d->vic_alloc ? d->vic_alloc * 2 : 64;
		struct vic *v = realloc(d->vics, n * sizeof(*v));

		if (!v) {
			*err = -ENOMEM;
			return 0;
		}
		d->vics = v;
		d->vic_alloc = n;
	}
	memset(&d->vics[d->nr_vics], 0, sizeof(*d->vics));
	d->vics[d->nr_vics].key = key;
	s = hash2(key, 0) & (d->vic_cap - 1);
	while (d->vic_slots[s])
		s = (s + 1) & (d->vic_cap - 1);
	d->vic_slots[s] = ++d->nr_vics;
	return d->last_vic = d->nr_vics;
}

static int pair_grow(struct delays *d)
{
	size_t first = pow2_for(d->max_pairs), cap, i, s;

	/* A small cap starts (and stays) small. */
	cap = d->pair_cap ? d->pair_cap * 2 : first < 256 ? first : 256;
	struct pair *p = calloc(cap, sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (i = 0; i < d->pair_cap; i++) {
		if (!d->pairs[i].victim)
			continue;
		s = hash2(d->pairs[i].victim, d->pairs[i].culprit) & (cap - 1);
		while (p[s].victim)
			s = (s + 1) & (cap - 1);
		p[s] = d->pairs[i];
	}
	free(d->pairs);
	d->pairs = p;
	d->pair_cap = cap;
	return 0;
}

int delays__wait(struct delays *d, __u64 victim, __u64 wait_ns, __u64 premig_ns)
{
	int err = 0;
	__u32 v = victim_of(d, victim, &err);

	if (!v) {
		d->st.victims_full++;
		return err;
	}
	d->vics[v - 1].wait_ns += wait_ns;
	d->vics[v - 1].nr_waits++;
	d->vics[v - 1].premig_ns += premig_ns;
	return 0;
}

static int add_n(struct delays *d, __u64 victim, __u64 culprit, __u64 ns, __u64 count)
{
	int err = 0;
	__u32 v = victim_of(d, victim, &err);
	size_t s;

	if (!v) {
		d->st.victims_full++;
		return err;
	}
	if (d->pair_cap) {
		s = d->last_pair;
		if (d->pairs[s].victim == v && d->pairs[s].culprit == culprit) {
			d->pairs[s].ns += ns;
			d->pairs[s].count += count;
			return 0;
		}
		s = hash2(v, culprit) & (d->pair_cap - 1);
		for (; d->pairs[s].victim; s = (s + 1) & (d->pair_cap - 1)) {
			if (d->pairs[s].victim == v && d->pairs[s].culprit == culprit) {
				d->last_pair = s;
				d->pairs[s].ns += ns;
				d->pairs[s].count += count;
				return 0;
			}
		}
	}
	if (d->st.pairs == d->max_pairs ||
	    ((d->st.pairs + 1) * 2 > d->pair_cap && pair_grow(d))) {
		/* The time stays the victim's, as lost: shares still add up. */
		d->st.pairs_full++;
		d->vics[v - 1].lost_ns += ns;
		d->vics[v - 1].lost_pairs++;
		return d->st.pairs == d->max_pairs ? -ENOSPC : -ENOMEM;
	}
	s = hash2(v, culprit) & (d->pair_cap - 1);
	while (d->pairs[s].victim)
		s = (s + 1) & (d->pair_cap - 1);
	d->pairs[s] = (struct pair){ .culprit = culprit, .ns = ns, .count = count, .victim = v };
	d->last_pair = s;
	d->st.pairs++;
	return 0;
}

int delays__add(struct delays *d, __u64 victim, __u64 culprit, __u64 ns)
{
	return add_n(d, victim, culprit, ns, 1);
}

static int special(__u64 key)
{
	return key == DELAYS_IDLE || key == DELAYS_UNKNOWN || key == DELAYS_OTHER;
}

int delays__regroup(struct delays *dst, const struct delays *src,
		    __u64 (*map)(void *ctx, __u64 key), void *ctx)
{
	size_t i;
	int err = 0;

	for (i = 0; i < src->nr_vics; i++) {
		const struct vic *s = &src->vics[i];
		__u32 v = victim_of(dst, map(ctx, s->key), &err);

		if (!v) {
			dst->st.victims_full += s->nr_waits;
			continue;
		}
		dst->vics[v - 1].wait_ns += s->wait_ns;
		dst->vics[v - 1].nr_waits += s->nr_waits;
		dst->vics[v - 1].premig_ns += s->premig_ns;
		dst->vics[v - 1].lost_ns += s->lost_ns;
		dst->vics[v - 1].lost_pairs += s->lost_pairs;
	}
	for (i = 0; i < src->pair_cap; i++) {
		const struct pair *p = &src->pairs[i];
		__u64 c;

		if (!p->victim)
			continue;
		c = special(p->culprit) ? p->culprit : map(ctx, p->culprit);
		add_n(dst, map(ctx, src->vics[p->victim - 1].key), c, p->ns, p->count);
	}
	return err;
}

static int cmp_cell(const void *a, const void *b)
{
	const struct delays_cell *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->culprit < y->culprit ? -1 : x->culprit > y->culprit;
}

static int cmp_victim(const void *a, const void *b)
{
	const struct delays_victim *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

int delays__sorted(const struct delays *d, struct delays_victim **out, size_t *n)
{
	size_t i, *at;
	struct delays_victim *v;
	struct delays_cell *cells;

	*out = NULL;
	*n = 0;
	if (!d->nr_vics)
		return 0;
	v = calloc(1, d->nr_vics * sizeof(*v) + d->st.pairs * sizeof(*cells));
	at = calloc(d->nr_vics, sizeof(*at));
	if (!v || !at) {
		free(v);
		free(at);
		return -ENOMEM;
	}
	cells = (struct delays_cell *)(v + d->nr_vics);
	for (i = 0; i < d->pair_cap; i++)
		if (d->pairs[i].victim)
			v[d->pairs[i].victim - 1].nr_cells++;
	for (i = 0; i < d->nr_vics; i++) {
		const struct vic *s = &d->vics[i];

		v[i].key = s->key;
		v[i].wait_ns = s->wait_ns;
		v[i].nr_waits = s->nr_waits;
		v[i].premig_ns = s->premig_ns;
		v[i].lost_ns = s->lost_ns;
		v[i].lost_pairs = s->lost_pairs;
		v[i].cells = cells;
		cells += v[i].nr_cells;
	}
	for (i = 0; i < d->pair_cap; i++) {
		const struct pair *p = &d->pairs[i];
		size_t k;

		if (!p->victim)
			continue;
		k = p->victim - 1;
		v[k].cells[at[k]++] = (struct delays_cell){ p->culprit, p->ns, p->count };
	}
	free(at);
	for (i = 0; i < d->nr_vics; i++)
		if (v[i].nr_cells)
			qsort(v[i].cells, v[i].nr_cells, sizeof(*v[i].cells), cmp_cell);
	/* Cells stay where they are: each victim points at its own. */
	qsort(v, d->nr_vics, sizeof(*v), cmp_victim);
	*out = v;
	*n = d->nr_vics;
	return 0;
}

size_t delays__top(struct delays_victim *v, size_t k, struct delays_cell *other)
{
	size_t i, folded = 0;

	*other = (struct delays_cell){ .culprit = DELAYS_OTHER };
	for (i = k; i < v->nr_cells; i++, folded++) {
		other->ns += v->cells[i].ns;
		other->count += v->cells[i].count;
	}
	if (v->nr_cells > k)
		v->nr_cells = k;
	return folded;
}

const struct delays_stats *delays__stats(const struct delays *d)
{
	return &d->st;
}

size_t delays__bytes(const struct delays *d)
{
	return sizeof(*d) + d->pair_cap * sizeof(*d->pairs) + d->vic_alloc * sizeof(*d->vics) +
	       d->vic_cap * sizeof(*d->vic_slots);
}
