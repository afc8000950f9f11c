// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "engine/attrib.h"

/* A slice's holder when nobody known held the CPU (a gap); 0 is idle. */
#define HOLDER_GAP (~0ull)

/* [from, to) of one holder: a tid, or a grouped engine's group (a run of its tasks). */
struct slice {
	__u64 from, to;
	__u64 holder;
};

struct cpu_hist {
	struct slice *ring; /* slices_per_cpu entries, NULL until the CPU's first switch */
	size_t head;        /* next slot written */
	size_t n;           /* slices held */
	__u64 last_ts;      /* the latest switch */
	__u64 cur_from;     /* when cur_tid got the CPU */
	__u64 cur_holder;   /* what cur_tid's slice is kept as: its tid, or its group */
	__u32 cur_tid;
	int cur_known;      /* 0: nothing seen yet, or a gap since the last switch */
	int seen;           /* a switch was seen (last_ts valid) */
};

struct attrib {
	unsigned int nr_cpus;
	size_t slices;
	struct cpu_hist *cpus;
	/* NULL: holders are tids; else what a task's slices are kept as. */
	__u64 (*group_of)(void *ctx, __u32 tid);
	void *group_ctx;
	/*
	 * One wait's holders summed by key: open addressing over hcap slots
	 * (twice the slices a wait can cover), emptied after each wait
	 * through the list of slots it used, so a wait costs what it covers.
	 */
	struct attrib_group *scratch;
	size_t hcap;
	__u32 *used;
	/* The last split's holders, all of them: all (tids) or groups (grouped). */
	struct attrib_share *all;
	struct attrib_group *groups;
	size_t nr_all;
	struct attrib_stats st;
};

struct attrib *attrib__new_grouped(unsigned int nr_cpus, size_t slices_per_cpu,
				   __u64 (*group_of)(void *ctx, __u32 tid), void *ctx)
{
	struct attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->nr_cpus = nr_cpus;
	a->slices = slices_per_cpu ? slices_per_cpu : ATTRIB_DEFAULT_SLICES;
	a->group_of = group_of;
	a->group_ctx = ctx;
	a->cpus = calloc(nr_cpus ? nr_cpus : 1, sizeof(*a->cpus));
	for (a->hcap = 16; a->hcap < a->slices * 2; a->hcap *= 2)
		;
	a->scratch = calloc(a->hcap, sizeof(*a->scratch));
	a->used = malloc(a->slices * sizeof(*a->used));
	if (group_of)
		a->groups = malloc(a->slices * sizeof(*a->groups));
	else
		a->all = malloc(a->slices * sizeof(*a->all));
	if (!a->cpus || !a->scratch || !a->used || (!a->all && !a->groups)) {
		attrib__free(a);
		return NULL;
	}
	return a;
}

struct attrib *attrib__new(unsigned int nr_cpus, size_t slices_per_cpu)
{
	return attrib__new_grouped(nr_cpus, slices_per_cpu, NULL, NULL);
}

void attrib__free(struct attrib *a)
{
	unsigned int i;

	if (!a)
		return;
	for (i = 0; a->cpus && i < a->nr_cpus; i++)
		free(a->cpus[i].ring);
	free(a->cpus);
	free(a->scratch);
	free(a->used);
	free(a->all);
	free(a->groups);
	free(a);
}

static void push(struct attrib *a, struct cpu_hist *c, __u64 from, __u64 to, __u64 holder)
{
	struct slice *s;

	if (to <= from)
		return; /* two switches at one instant: nothing held the CPU between */
	if (a->group_of && c->n) {
		/* The run of a group goes on: one slice, however many of its tasks. */
		s = &c->ring[c->head ? c->head - 1 : a->slices - 1];
		if (s->holder == holder && s->to == from) {
			s->to = to;
			return;
		}
	}
	if (c->n == a->slices)
		a->st.slices_dropped++;
	else
		c->n++;
	s = &c->ring[c->head];
	s->from = from;
	s->to = to;
	s->holder = holder;
	c->head = (c->head + 1) % a->slices;
}

/* p before q in a wait's shares: longer first, then lower tid. */
static int before(const struct attrib_share *p, const struct attrib_share *q)
{
	return p->ns != q->ns ? p->ns > q->ns : p->tid < q->tid;
}

/* Split [ts - on_cpu, ts) over the CPU's slices (all of them end at or before ts). */
static void split(struct attrib *a, const struct cpu_hist *c, struct attrib_wait *w)
{
	__u64 ws = w->ts_ns > w->on_cpu_ns ? w->ts_ns - w->on_cpu_ns : 0;
	__u64 covered = 0, named = 0;
	size_t k, n = 0, i, h, mask = a->hcap - 1;
	size_t at = c->head ? c->head - 1 : a->slices - 1; /* newest first, no division per slice */

	for (k = 0; k < c->n; k++, at = at ? at - 1 : a->slices - 1) {
		const struct slice *s = &c->ring[at];
		__u64 lo = s->from > ws ? s->from : ws;
		__u64 hi = s->to < w->ts_ns ? s->to : w->ts_ns;

		if (s->to <= ws)
			break;
		if (hi <= lo)
			continue;
		covered += hi - lo;
		if (s->holder == HOLDER_GAP) {
			w->unknown_gap_ns += hi - lo;
			continue;
		}
		if (!s->holder) {
			w->idle_ns += hi - lo;
			continue;
		}
		/* Holder 0 (idle) never reaches here: it marks an empty slot. */
		h = ((__u32)(s->holder ^ s->holder >> 32) * 0x9e3779b1u) & mask;
		while (a->scratch[h].key && a->scratch[h].key != s->holder)
			h = (h + 1) & mask;
		if (!a->scratch[h].key) {
			a->scratch[h].key = s->holder;
			a->used[n++] = h;
		}
		a->scratch[h].ns += hi - lo;
	}
	/* Slices are contiguous back to the oldest kept: the rest is before it. */
	w->unknown_short_ns = w->on_cpu_ns - covered;
	a->nr_all = n;

	if (a->group_of) {
		/* Groups are not ranked here: the caller sums them all by group. */
		for (k = 0; k < n; k++) {
			a->groups[k] = a->scratch[a->used[k]];
			a->scratch[a->used[k]] = (struct attrib_group){ 0 };
			w->other_ns += a->groups[k].ns;
		}
		w->nr_other = n;
		return;
	}
	/* The longest ATTRIB_MAX_SHARES in order (insertion); the rest summed as other. */
	for (k = 0; k < n; k++) {
		struct attrib_share x = { (__u32)a->scratch[a->used[k]].key,
					  a->scratch[a->used[k]].ns };

		a->scratch[a->used[k]] = (struct attrib_group){ 0 };
		a->all[k] = x;
		named += x.ns;
		if (w->nr_shares == ATTRIB_MAX_SHARES &&
		    !before(&x, &w->shares[ATTRIB_MAX_SHARES - 1]))
			continue;
		i = w->nr_shares < ATTRIB_MAX_SHARES ? w->nr_shares++ : ATTRIB_MAX_SHARES - 1;
		for (; i > 0 && before(&x, &w->shares[i - 1]); i--)
			w->shares[i] = w->shares[i - 1];
		w->shares[i] = x;
	}
	for (i = 0; i < w->nr_shares; i++)
		named -= w->shares[i].ns;
	w->other_ns = named;
	w->nr_other = n - w->nr_shares;
	a->st.holders_folded += w->nr_other;
}

int attrib__feed(struct attrib *a, const struct switch_sample *s, struct attrib_wait *out)
{
	struct cpu_hist *c;
	int in_order, is_wait = s->wait_ns && s->next_tid;
	__u64 next_holder = s->next_tid;

	a->st.switches++;
	if (s->cpu >= a->nr_cpus) {
		a->st.bad_cpu++;
		return 0;
	}
	c = &a->cpus[s->cpu];
	if (!c->ring) {
		c->ring = malloc(a->slices * sizeof(*c->ring));
		if (!c->ring)
			return -ENOMEM;
	}
	in_order = !c->seen || s->ts_ns >= c->last_ts;
	/* A group is read once per switch, when its task gets the CPU. */
	if (a->group_of && s->next_tid && (in_order || is_wait))
		next_holder = a->group_of(a->group_ctx, s->next_tid);
	if (!in_order) {
		a->st.out_of_order++;
	} else if (c->cur_known && c->cur_tid == s->prev_tid) {
		push(a, c, c->cur_from, s->ts_ns, c->cur_holder);
	} else if (c->seen) {
		/* After a reported gap, or a switch away from someone never switched in. */
		if (c->cur_known)
			a->st.prev_mismatch++;
		push(a, c, c->cur_known ? c->cur_from : c->last_ts, s->ts_ns, HOLDER_GAP);
	}

	if (is_wait) {
		a->nr_all = 0;
		/* A grouped engine names no shares: not clearing them was 20 % of its feed. */
		memset(out, 0, a->group_of ? offsetof(struct attrib_wait, shares) : sizeof(*out));
		out->ts_ns = s->ts_ns;
		out->cpu = s->cpu;
		out->tid = s->next_tid;
		out->group = a->group_of ? next_holder : 0;
		out->wait_ns = s->wait_ns;
		out->premig_ns = s->premig_ns < s->wait_ns ? s->premig_ns : s->wait_ns;
		out->on_cpu_ns = s->wait_ns - out->premig_ns;
		if (in_order) {
			split(a, c, out);
		} else {
			/* The history is past this switch: say nothing rather than guess. */
			out->unknown_gap_ns = out->on_cpu_ns;
		}
		a->st.waits++;
		if (out->unknown_short_ns || out->unknown_gap_ns)
			a->st.waits_partial++;
		a->st.unknown_short_ns += out->unknown_short_ns;
		a->st.unknown_gap_ns += out->unknown_gap_ns;
	}

	if (in_order) {
		c->cur_tid = s->next_tid;
		c->cur_holder = next_holder;
		c->cur_from = s->ts_ns;
		c->cur_known = 1;
		c->last_ts = s->ts_ns;
		c->seen = 1;
	}
	return is_wait;
}

void attrib__gap(struct attrib *a, unsigned int cpu)
{
	a->st.gaps++;
	if (cpu >= a->nr_cpus)
		return;
	if (a->cpus[cpu].cur_known) {
		/* What ran from the last switch is unknown too: start the gap there. */
		a->cpus[cpu].last_ts = a->cpus[cpu].cur_from;
		a->cpus[cpu].cur_known = 0;
	}
}

const struct attrib_share *attrib__holders(const struct attrib *a, size_t *n)
{
	*n = a->all ? a->nr_all : 0;
	return a->all;
}

const struct attrib_group *attrib__groups(const struct attrib *a, size_t *n)
{
	*n = a->groups ? a->nr_all : 0;
	return a->groups;
}

const struct attrib_stats *attrib__stats(const struct attrib *a)
{
	return &a->st;
}

size_t attrib__bytes(const struct attrib *a)
{
	size_t b = sizeof(*a) + a->nr_cpus * sizeof(*a->cpus) + a->hcap * sizeof(*a->scratch) +
		   a->slices * (sizeof(*a->used) +
				(a->groups ? sizeof(*a->groups) : sizeof(*a->all)));
	unsigned int i;

	for (i = 0; i < a->nr_cpus; i++)
		if (a->cpus[i].ring)
			b += a->slices * sizeof(struct slice);
	return b;
}
