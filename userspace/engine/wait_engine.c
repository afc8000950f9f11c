// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Waits accounted in userspace (wait_engine.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist_buckets.h"
#include "lib/hist.h"
#include "engine/wait_engine.h"
#include "trace/switch_batch.h"

#define ENGINE_MIN_BUCKETS 4096

static size_t slot_of(const struct wait_engine *e, __u32 tid)
{
	return (tid * 2654435761u) & (e->nr_buckets - 1);
}

int wait_engine__init(struct wait_engine *e, int ncpu)
{
	memset(e, 0, sizeof(*e));
	e->nr_buckets = ENGINE_MIN_BUCKETS;
	e->buckets = calloc(e->nr_buckets, sizeof(*e->buckets));
	e->ncpu = ncpu > 0 ? ncpu : 1;
	e->cpus = calloc(e->ncpu, sizeof(*e->cpus));
	if (!e->buckets || !e->cpus) {
		wait_engine__free(e);
		return -ENOMEM;
	}
	return 0;
}

static size_t hist_bytes(__u32 cap)
{
	return cap ? sizeof(struct wait_hist_mem) + cap * sizeof(struct wait_hist_entry) : 0;
}

static void acc_free(struct wait_engine *e, struct wait_acc *a)
{
	e->bytes -= sizeof(*a) + hist_bytes(a->hist.cap) +
		    (a->exit_rec ? sizeof(*a->exit_rec) : 0);
	free(a->hist.m);
	free(a->exit_rec);
	free(a);
	e->nr_accs--;
}

void wait_engine__free(struct wait_engine *e)
{
	struct wait_acc *a, *n;
	size_t i;

	for (i = 0; e->buckets && i < e->nr_buckets; i++)
		for (a = e->buckets[i]; a; a = n) {
			n = a->next;
			acc_free(e, a);
		}
	free(e->buckets);
	free(e->cpus);
	if (e->sys)
		sys_hists__free(e->sys);
	free(e->sys);
	memset(e, 0, sizeof(*e));
}

int wait_engine__keep_sys_hists(struct wait_engine *e)
{
	if (e->sys)
		return 0;
	e->sys = malloc(sizeof(*e->sys));
	if (!e->sys || sys_hists__init(e->sys, e->ncpu)) {
		free(e->sys);
		e->sys = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Doubles the hash when it holds as many accumulators as chains: every
 * link walked is a cache miss per wait, and a chain costs 8 bytes.
 */
static void maybe_grow(struct wait_engine *e)
{
	struct wait_acc **old = e->buckets, *a, *n;
	size_t old_nr = e->nr_buckets, i, s;

	if (e->nr_accs < e->nr_buckets)
		return;
	e->buckets = calloc(old_nr * 2, sizeof(*e->buckets));
	if (!e->buckets) {
		e->buckets = old; /* longer chains, still correct */
		return;
	}
	e->nr_buckets = old_nr * 2;
	for (i = 0; i < old_nr; i++)
		for (a = old[i]; a; a = n) {
			n = a->next;
			s = slot_of(e, a->tid);
			a->next = e->buckets[s];
			e->buckets[s] = a;
		}
	free(old);
}

static struct wait_acc *acc_new(struct wait_engine *e, __u32 tid)
{
	struct wait_acc *a = calloc(1, sizeof(*a));
	size_t s;

	if (!a)
		return NULL;
	a->tid = tid;
	s = slot_of(e, tid);
	a->next = e->buckets[s];
	e->buckets[s] = a;
	e->nr_accs++;
	e->bytes += sizeof(*a);
	maybe_grow(e);
	return a;
}

/*
 * How long prev had held the CPU when this switch took it away (0:
 * unknown, or idle), from the switch that gave it the CPU; then next holds
 * it from now. Items come in time order per CPU, the peeks' and the
 * ring's alike.
 */
static __u64 holder_ran(struct wait_cpu *c, const struct sdr_switch_item *w)
{
	__u64 ran = 0;

	if (w->prev_tid && c->holder_since && c->holder_tid == w->prev_tid &&
	    w->ts_ns >= c->holder_since)
		ran = w->ts_ns - c->holder_since;
	c->holder_tid = w->next_tid;
	c->holder_since = w->ts_ns;
	return ran;
}

/* A wait of at least min_lat_ns: counted, and offered with both tids (engine/outliers.h). */
static void outlier(struct wait_engine *e, const struct switch_sample *s, __u64 prev_ran)
{
	struct sdr_rec_outlier o;

	e->outliers++;
	if (!e->on_outlier)
		return;
	memset(&o, 0, sizeof(o));
	o.hdr.type = SDR_REC_OUTLIER;
	o.hdr.size = sizeof(o);
	o.hdr.cpu = s->cpu;
	o.hdr.ts_ns = s->ts_ns;
	o.task.tid = s->next_tid;
	o.prev.tid = s->prev_tid;
	o.wait_ns = s->wait_ns;
	o.prev_ran_ns = prev_ran;
	o.delivery_ns = s->delivery_ns;
	e->on_outlier(e->on_outlier_ctx, &o);
}

static struct wait_acc *find_live(const struct wait_engine *e, __u32 tid)
{
	struct wait_acc *a;

	for (a = e->buckets[slot_of(e, tid)]; a; a = a->next)
		if (a->tid == tid && !a->exit_ns)
			return a;
	return NULL;
}

/*
 * The accumulator a wait of tid that ended at end belongs to: the exited
 * incarnation with the earliest exit at or after end, else the live one
 * (made if none).
 */
static struct wait_acc *acc_for_wait(struct wait_engine *e, __u32 tid, __u64 end)
{
	struct wait_acc *a, *best = NULL, *live = NULL;

	for (a = e->buckets[slot_of(e, tid)]; a; a = a->next) {
		if (a->tid != tid)
			continue;
		if (!a->exit_ns)
			live = a;
		else if (a->exit_ns >= end && (!a->start_ns || a->start_ns <= end) &&
			 (!best || a->exit_ns < best->exit_ns))
			best = a;
	}
	if (best)
		return best;
	return live ? live : acc_new(e, tid);
}

/*
 * a's task has ended (a successor took its tid) by end, though its exit
 * (in the batch of the CPU it ended on) may not have come yet: a is
 * ended there, pending that exit, so that no later task's waits are added
 * to it. Dropped two generations on if its exit never comes.
 */
static void end_pending(struct wait_acc *a, __u64 end)
{
	a->exit_ns = end ? end : 1;
	a->seen_gen = 0;
}

/*
 * tid's new task, of start time start_lo (its low 32 bits), got a CPU for
 * the first time at ts: the task that had the tid before has ended. The
 * live accumulator is that task's, unless it is the new task's own: named
 * with its start time already (a snapshot came first), or unnamed with a
 * wait that ended at ts or later (its later waits, from a CPU whose batch
 * came first).
 */
static void successor_came(struct wait_engine *e, __u32 tid, __u64 ts, __u32 start_lo)
{
	struct wait_acc *a = find_live(e, tid);

	if (!a || ts < 2)
		return;
	if (a->start_ns ? (__u32)a->start_ns != start_lo : a->last_end_ns < ts)
		end_pending(a, ts - 1);
}

/*
 * The accumulator rec's exit ends: an incarnation of its tid without its
 * exit and not named as another task; of those, one a successor ended at
 * or after the exit (the earliest), else the live one unless it began
 * after the exit, else one a successor ended before it (the latest: the
 * successor ran before the final switch was traced), else none (NULL).
 */
static struct wait_acc *acc_for_exit(const struct wait_engine *e, const struct sdr_rec_task *rec)
{
	__u64 end = rec->hdr.ts_ns;
	struct wait_acc *a, *after = NULL, *before = NULL, *live = NULL;

	for (a = e->buckets[slot_of(e, rec->task.tid)]; a; a = a->next) {
		if (a->tid != rec->task.tid || a->exit_rec ||
		    (a->start_ns && a->start_ns != rec->task.start_ns))
			continue;
		if (!a->exit_ns) {
			if (!a->fresh_ns || a->fresh_ns <= end)
				live = a;
		} else if (a->exit_ns >= end) {
			if (!after || a->exit_ns < after->exit_ns)
				after = a;
		} else if (!before || a->exit_ns > before->exit_ns) {
			before = a;
		}
	}
	return after ? after : live ? live : before;
}

/* The place of bucket's entry: the buckets in use below it. */
static __u32 hist_pos(const struct wait_hist_mem *m, __u32 bucket)
{
	__u32 w = bucket / 64;

	return m->below[w] + __builtin_popcountll(m->used[w] & ((1ull << (bucket % 64)) - 1));
}

static int hist_add(struct wait_engine *e, struct wait_hist *h, __u32 bucket)
{
	__u64 bit = 1ull << (bucket % 64);
	struct wait_hist_mem *m = h->m;
	__u32 pos, cap, w;

	bucket &= SDR_HIST_NR_BUCKETS - 1;
	if (m && (m->used[bucket / 64] & bit)) {
		pos = hist_pos(m, bucket);
		m->v[pos].n++;
		m->v[pos].n_iv++;
		return 0;
	}
	if (h->n == h->cap) {
		cap = h->cap ? h->cap * 2 : 8;
		if (cap > SDR_HIST_NR_BUCKETS)
			cap = SDR_HIST_NR_BUCKETS;
		m = realloc(h->m, hist_bytes(cap));
		if (!m)
			return -ENOMEM;
		if (!h->m) {
			memset(m->used, 0, sizeof(m->used));
			memset(m->below, 0, sizeof(m->below));
		}
		e->bytes += hist_bytes(cap) - hist_bytes(h->cap);
		h->m = m;
		h->cap = cap;
	}
	pos = hist_pos(m, bucket);
	memmove(&m->v[pos + 1], &m->v[pos], (h->n - pos) * sizeof(m->v[0]));
	m->v[pos] = (struct wait_hist_entry){ .n = 1, .n_iv = 1 };
	m->used[bucket / 64] |= bit;
	for (w = bucket / 64 + 1; w < WAIT_HIST_WORDS; w++)
		m->below[w]++;
	h->n++;
	return 0;
}

/* Runs body for each bucket b in use, in bucket order, with ent its entry. */
#define HIST_EACH(h, b, ent, body)                                                   \
	do {                                                                           \
		__u32 w_, k_ = 0;                                                      \
		__u64 word_;                                                           \
		for (w_ = 0; (h)->m && w_ < WAIT_HIST_WORDS; w_++)                     \
			for (word_ = (h)->m->used[w_]; word_; word_ &= word_ - 1) {    \
				(b) = w_ * 64 + __builtin_ctzll(word_);                \
				(ent) = &(h)->m->v[k_++];                              \
				body;                                                  \
			}                                                              \
	} while (0)

void wait_sums__add(struct wait_sums *s, __u64 wait, __u64 dlv, __u64 premig)
{
	__u64 q = wait - dlv;

	if (!s->waits || wait < s->wait_min_ns)
		s->wait_min_ns = wait;
	s->waits++;
	s->wait_sum_ns += wait;
	if (wait > s->wait_max_ns)
		s->wait_max_ns = wait;
	s->delivery_sum_ns += dlv;
	if (dlv > s->delivery_max_ns)
		s->delivery_max_ns = dlv;
	if (q > s->queue_max_ns)
		s->queue_max_ns = q;
	if (premig) {
		s->premig_waits++;
		s->premig_sum_ns += premig;
		if (premig > s->premig_max_ns)
			s->premig_max_ns = premig;
	}
}

void wait_landings__add(struct wait_landings *l, __u32 landing, __u64 wait)
{
	__u32 loc;

	if (!landing || landing > SDR_LOC_NR)
		return;
	loc = landing - 1;
	l->n[loc]++;
	l->sum_ns[loc] += wait;
	if (wait > l->max_ns[loc])
		l->max_ns[loc] = wait;
}

static void take(struct wait_engine *e, const struct sdr_switch_item *w, __u32 cpu)
{
	struct wait_acc *a = NULL;
	struct switch_sample s;
	bool wait = w->next_tid && w->wait_ns, ok = false;
	__u64 ran = holder_ran(&e->cpus[cpu], w);
	__u32 b;

	e->switches++;
	if ((w->flags & SDR_ITEM_NEXT_NEW) && w->next_tid)
		successor_came(e, w->next_tid, w->ts_ns, w->next_start);
	if (wait) {
		switch_sample__from_item(&s, w, cpu);
		ok = switch_sample__valid(&s);
	}
	if (ok) {
		a = acc_for_wait(e, s.next_tid, s.ts_ns);
		if (a && (w->flags & SDR_ITEM_NEXT_NEW) && !a->exit_ns && !a->fresh_ns)
			a->fresh_ns = w->ts_ns;
	}
	/* Found once for both: on_switch reads next's cgroup from it. */
	e->switch_acc = a;
	if (e->on_switch)
		e->on_switch(e->on_switch_ctx, cpu, w);
	e->switch_acc = NULL;
	if (!wait)
		return;
	if (!ok) {
		e->refused++;
		return;
	}
	b = sdr_hist_bucket(s.wait_ns);
	if (e->sys)
		sys_hists__add(e->sys, cpu, s.landing, s.wait_ns, b, s.delivery_ns);
	if (e->min_lat_ns && s.wait_ns >= e->min_lat_ns)
		outlier(e, &s, ran);
	if (!a) {
		e->refused++; /* no memory for its task: dropped, and counted */
		return;
	}
	if (s.ts_ns > a->last_end_ns)
		a->last_end_ns = s.ts_ns;
	wait_sums__add(&a->cum, s.wait_ns, s.delivery_ns, s.premig_ns);
	wait_sums__add(&a->iv, s.wait_ns, s.delivery_ns, s.premig_ns);
	hist_add(e, &a->hist, b);
	wait_landings__add(&a->land, s.landing, s.wait_ns);
	if (s.landing && s.premig_ns)
		hist__add(&e->premig[s.landing - 1], s.premig_ns);
	e->taken++;
}

static bool batch_ok(const struct sdr_rec_switches *b, size_t size)
{
	return size >= SDR_SWITCHES_SIZE(0) && b->nr >= 1 && b->nr <= SDR_SWITCHES_PER_REC &&
	       b->nr_exits <= SDR_EXITS_PER_REC && size >= SDR_SWITCHES_SIZE(b->nr_exits) &&
	       b->hdr.cpu < SDR_MAX_CPUS;
}

/* Whether x is an exit whole and sound: its type, and its size (brief, mid or whole). */
static bool exit_ok(const struct sdr_rec_exit *x)
{
	return x->hdr.type == SDR_REC_EXIT && sdr_kernel_rec_ok(x->hdr.size, x->brief_node);
}

/*
 * The exit of the task whose final switch w is (SDR_ITEM_PREV_EXIT), from
 * w's batch, taken with w: in the stream's order, so that a new task of
 * the tid later in the batch finds the old one ended. A batch that says it
 * holds an exit and does not is refused, counted.
 */
static void take_exit(struct wait_engine *e, const struct sdr_rec_switches *b,
		      const struct sdr_switch_item *w)
{
	const struct sdr_rec_exit *x = NULL;
	struct sdr_rec_exit copy;
	__u32 i;

	for (i = 0; i < b->nr_exits && i < SDR_EXITS_PER_REC; i++)
		if (b->exits[i].hdr.ts_ns == w->ts_ns && b->exits[i].task.tid == w->prev_tid) {
			x = &b->exits[i];
			break;
		}
	if (!x || !exit_ok(x)) {
		e->exits_refused++;
		return;
	}
	memcpy(&copy, x, x->hdr.size);
	copy.hdr.cpu = b->hdr.cpu;
	if (e->on_exit)
		e->on_exit(e->on_exit_ctx, &copy, copy.hdr.size);
}

/* One switch of batch b, and the exit it ends a task with, if any. */
static void take_item(struct wait_engine *e, const struct sdr_rec_switches *b,
		      const struct sdr_switch_item *w)
{
	take(e, w, b->hdr.cpu);
	if ((w->flags & SDR_ITEM_PREV_EXIT) && w->prev_tid)
		take_exit(e, b, w);
}

/*
 * A wait's accounting is a chain of dependent cache misses, on lines the
 * workload has just evicted: the tid's hash chain head, each accumulator
 * on the chain before the live one, the accumulator's lines (328 bytes:
 * sums, interval sums, landings), its histogram's bitmap, and the entry
 * of the wait's bucket. One after another they were a third of the
 * daemon's CPU at 50 000 tasks with only the first three prefetched.
 * Walking a batch's tasks one level at a time, all of them at each level,
 * overlaps the misses of a level; the histogram's entry is found before
 * the wait is taken, by the wait's own bucket. The tick's walk of every
 * live task asks the same for a window of tasks, with the start of each
 * histogram (it reads them whole). Hints only: the chains may change
 * before the tasks are looked up.
 */
#define AHEAD_CHUNK SDR_SWITCHES_PER_REC
#define AHEAD_WHOLE (~0u) /* no wait's bucket: the histogram's start (a tick reads it all) */
#define AHEAD_HIST_BYTES 512
_Static_assert(AHEAD_CHUNK >= SDR_SWITCHES_PER_REC, "a batch's waits fit one look-ahead");

struct ahead_task {
	__u32 tid, bucket;
	const struct wait_acc *a;
};

/*
 * The cache lines of size bytes at p, at most AHEAD_HIST_BYTES of them
 * when capped. Always inlined: as a plain static function, GCC 12 at -O2
 * left none of its prefetches in the object (objdump showed it), so none
 * were made.
 */
static __always_inline void prefetch_bytes(const void *p, size_t size, bool capped)
{
	const char *c = p;
	size_t off;

	if (!size)
		return;
	if (capped && size > AHEAD_HIST_BYTES)
		size = AHEAD_HIST_BYTES;
	for (off = 0; off < size; off += 64)
		__builtin_prefetch(c + off);
	__builtin_prefetch(c + size - 1);
}

static void prefetch_ahead(const struct wait_engine *e, struct ahead_task *w, size_t n)
{
	const struct wait_hist_mem *m;
	const struct wait_acc *a;
	size_t i;
	__u32 b, pos;

	for (i = 0; i < n; i++)
		__builtin_prefetch(&e->buckets[slot_of(e, w[i].tid)]);
	for (i = 0; i < n; i++) {
		w[i].a = e->buckets[slot_of(e, w[i].tid)];
		if (w[i].a)
			__builtin_prefetch(w[i].a);
	}
	for (i = 0; i < n; i++) {
		for (a = w[i].a; a && (a->tid != w[i].tid || a->exit_ns); a = a->next)
			if (a->next)
				__builtin_prefetch(a->next);
		w[i].a = a;
		if (a)
			prefetch_bytes(a, sizeof(*a), false);
	}
	for (i = 0; i < n; i++) {
		if (!w[i].a || !(m = w[i].a->hist.m))
			continue;
		b = w[i].bucket;
		if (b == AHEAD_WHOLE) {
			prefetch_bytes(m, hist_bytes(w[i].a->hist.n), true);
			continue;
		}
		__builtin_prefetch(&m->used[b / 64]);
		__builtin_prefetch(&m->below[b / 64]);
	}
	/* The bucket's entry; for a bucket new to the task, the entries hist_add() moves up. */
	for (i = 0; i < n; i++) {
		b = w[i].bucket;
		if (b == AHEAD_WHOLE || !w[i].a || !(m = w[i].a->hist.m))
			continue;
		pos = hist_pos(m, b);
		if (m->used[b / 64] & (1ull << (b % 64)))
			__builtin_prefetch(&m->v[pos]);
		else if (pos < w[i].a->hist.n)
			prefetch_bytes(&m->v[pos], (w[i].a->hist.n - pos) * sizeof(m->v[0]), true);
	}
}

void wait_engine__prefetch(const struct wait_engine *e, const __u32 *tids, size_t n)
{
	struct ahead_task w[AHEAD_CHUNK];
	size_t i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < AHEAD_CHUNK && i + k < n; k++)
			w[k] = (struct ahead_task){ .tid = tids[i + k], .bucket = AHEAD_WHOLE };
		prefetch_ahead(e, w, k);
	}
}

/* The tasks whose waits end in a batch, before it is taken. */
static void prefetch_accs(const struct wait_engine *e, const struct sdr_rec_switches *b)
{
	struct ahead_task w[AHEAD_CHUNK];
	__u32 i, n = 0;

	for (i = 0; i < b->nr && n < AHEAD_CHUNK; i++)
		if (b->s[i].wait_ns && b->s[i].next_tid)
			w[n++] = (struct ahead_task){ .tid = b->s[i].next_tid,
						 .bucket = sdr_hist_bucket(b->s[i].wait_ns) };
	prefetch_ahead(e, w, n);
}

/* Batches of cpu lost before the one numbered seq (shipped: from the ring): said once. */
static void check_seq(struct wait_engine *e, __u32 cpu, __u32 seq, int shipped, __u64 ts_ns)
{
	__u32 lost = switch_seq__take(&e->cpus[cpu].seq, seq, shipped);

	if (!lost)
		return;
	/* Who held the CPU across the hole, and since when, is unknown. */
	e->cpus[cpu].holder_since = 0;
	e->batches_missing += lost;
	if (e->on_gap)
		e->on_gap(e->on_gap_ctx, cpu, ts_ns, lost);
}

void wait_engine__batch(struct wait_engine *e, const void *data, size_t size)
{
	const struct sdr_rec_switches *b = data;
	struct wait_cpu *c;
	__u32 i;

	if (!batch_ok(b, size) || b->hdr.cpu >= (__u32)e->ncpu) {
		e->refused++;
		return;
	}
	c = &e->cpus[b->hdr.cpu];
	check_seq(e, b->hdr.cpu, b->seq, 1, b->s[0].ts_ns);
	prefetch_accs(e, b);
	for (i = 0; i < b->nr; i++) {
		const struct sdr_switch_item *w = &b->s[i];

		/* Taken already by a peek at this batch while it was partial. */
		if (c->peek_hi && w->ts_ns >= c->peek_lo && w->ts_ns <= c->peek_hi)
			continue;
		take_item(e, b, w);
		if (w->ts_ns > c->hw_ns)
			c->hw_ns = w->ts_ns;
	}
	if (c->peek_hi && b->s[b->nr - 1].ts_ns >= c->peek_hi) {
		/* A batch later than the peeked one, the peeked one never came: lost in the ring. */
		if (b->s[0].ts_ns > c->peek_hi)
			e->peeks_lost += 1;
		c->peek_lo = c->peek_hi = 0;
	}
}

int wait_engine__copy_partial(void *ctx, const struct sdr_rec_switches *b)
{
	struct wait_engine *e = ctx;

	if (b->hdr.cpu >= (__u32)e->ncpu || !b->nr || b->nr > SDR_SWITCHES_PER_REC)
		return 0;
	e->cpus[b->hdr.cpu].copy = *b;
	e->cpus[b->hdr.cpu].have_copy = true;
	return 0;
}

void wait_engine__apply_peeks(struct wait_engine *e)
{
	struct wait_cpu *c;
	__u32 i;
	int k;

	for (k = 0; k < e->ncpu; k++) {
		c = &e->cpus[k];
		if (!c->have_copy)
			continue;
		c->have_copy = false;
		/*
		 * Its number is sound even in a torn read: a batch numbered below
		 * it was shipped before the read, so it has been drained by now,
		 * or it was lost.
		 */
		check_seq(e, (__u32)k, c->copy.seq, 0, c->copy.s[0].ts_ns);
		/*
		 * The CPU has moved on from the batch the last peek took from,
		 * and that batch never came (it would have cleared the mark):
		 * the ring lost it. Its peeked switches stay taken.
		 */
		if (c->peek_hi && (__s32)(c->copy.seq - c->peek_seq) > 0) {
			e->peeks_lost += 1;
			c->peek_lo = c->peek_hi = 0;
		}
		/*
		 * Read while BPF may write: a batch shipped and refilled during
		 * the read shows as switches out of time order. Taken next tick.
		 */
		for (i = 1; i < c->copy.nr; i++)
			if (c->copy.s[i].ts_ns <= c->copy.s[i - 1].ts_ns)
				break;
		if (i < c->copy.nr)
			continue;
		for (i = 0; i < c->copy.nr; i++) {
			const struct sdr_switch_item *w = &c->copy.s[i];

			if (w->ts_ns <= c->hw_ns)
				continue;
			take_item(e, &c->copy, w);
			if (!c->peek_hi)
				c->peek_lo = w->ts_ns;
			c->peek_hi = w->ts_ns;
			c->peek_seq = c->copy.seq;
			c->hw_ns = w->ts_ns;
		}
	}
}

struct wait_acc *wait_engine__live(struct wait_engine *e, __u32 tid, __u64 start_ns)
{
	struct wait_acc *a = find_live(e, tid);

	/*
	 * The live accumulator is an older task's if it is named so, or if
	 * all its waits ended before this task began: that task has ended (its
	 * exit may still come), and this one gets its own.
	 */
	if (a && start_ns > 1 &&
	    (a->start_ns ? a->start_ns < start_ns : a->cum.waits && a->last_end_ns < start_ns)) {
		end_pending(a, start_ns - 1);
		a = NULL;
	}
	/* A later task holds the tid: this one's waits are not its. */
	if (a && a->start_ns > start_ns)
		return NULL;
	if (!a)
		a = acc_new(e, tid);
	if (a)
		a->start_ns = start_ns;
	return a;
}

int wait_engine__exit(struct wait_engine *e, const struct sdr_rec_task *rec)
{
	struct wait_acc *a = acc_for_exit(e, rec);
	__u64 end = rec->hdr.ts_ns ? rec->hdr.ts_ns : 1;

	if (!a)
		a = acc_new(e, rec->task.tid);
	if (!a)
		return -ENOMEM;
	a->exit_rec = malloc(sizeof(*a->exit_rec));
	if (!a->exit_rec) {
		/* Stays live: the task's next record (none) or the sweep ends it. */
		return -ENOMEM;
	}
	e->bytes += sizeof(*a->exit_rec);
	*a->exit_rec = *rec;
	a->start_ns = rec->task.start_ns;
	/* Ended by its successor already: that end stands if it is the earlier. */
	if (!a->exit_ns || end < a->exit_ns)
		a->exit_ns = end;
	a->cgroup_id = rec->counts.cgroup_id;
	return 0;
}

struct wait_acc *wait_engine__acc_of(const struct wait_engine *e, __u32 tid)
{
	struct wait_acc *a, *any = NULL;

	for (a = e->buckets[slot_of(e, tid)]; a; a = a->next) {
		if (a->tid != tid)
			continue;
		if (!a->exit_ns)
			return a;
		any = a;
	}
	return any;
}

__u64 wait_engine__cgroup_of(const struct wait_engine *e, __u32 tid)
{
	const struct wait_acc *a = wait_engine__acc_of(e, tid);

	return a ? a->cgroup_id : 0;
}

const struct sdr_task_id *wait_engine__exit_id(const struct wait_engine *e, __u32 tid, __u64 ts)
{
	const struct wait_acc *a;

	for (a = e->buckets[slot_of(e, tid)]; a; a = a->next)
		if (a->tid == tid && a->exit_rec && a->exit_rec->task.start_ns <= ts &&
		    ts <= a->exit_ns)
			return &a->exit_rec->task;
	return NULL;
}

bool wait_engine__exit_pending(const struct wait_engine *e, __u32 tid, __u64 start_ns)
{
	const struct wait_acc *a;

	for (a = e->buckets[slot_of(e, tid)]; a; a = a->next)
		if (a->tid == tid && a->exit_ns && a->start_ns == start_ns)
			return true;
	return false;
}

/*
 * Hands each ended accumulator to cb, then frees it: those with their exit
 * that ended at or before until_ns (pending: false), or those whose exit
 * is still pending (pending: true).
 */
static void publish_ended(struct wait_engine *e, __u64 until_ns, bool pending,
			  void (*cb)(void *ctx, struct wait_acc *a), void *ctx)
{
	struct wait_acc **pp, *a;
	size_t i;

	for (i = 0; i < e->nr_buckets; i++) {
		pp = &e->buckets[i];
		while ((a = *pp)) {
			if (!a->exit_ns || a->exit_ns > until_ns || !a->exit_rec != pending) {
				pp = &a->next;
				continue;
			}
			cb(ctx, a);
			*pp = a->next;
			acc_free(e, a);
		}
	}
}

void wait_engine__publish_exits(struct wait_engine *e, __u64 until_ns,
				void (*cb)(void *ctx, struct wait_acc *a), void *ctx)
{
	publish_ended(e, until_ns, false, cb, ctx);
}

void wait_engine__publish_pending(struct wait_engine *e,
				  void (*cb)(void *ctx, struct wait_acc *a), void *ctx)
{
	publish_ended(e, ~0ull, true, cb, ctx);
}

void wait_acc__end_interval(struct wait_acc *a)
{
	__u32 k;

	if (a->iv.waits)
		for (k = 0; k < a->hist.n; k++)
			a->hist.m->v[k].n_iv = 0;
	memset(&a->iv, 0, sizeof(a->iv));
}

void wait_engine__end_interval(struct wait_engine *e, __u64 generation,
			       void (*cb)(void *ctx, const struct wait_acc *a), void *ctx,
			       __u64 *dropped)
{
	struct wait_acc **pp, *a;
	size_t i;

	for (i = 0; i < e->nr_buckets; i++) {
		pp = &e->buckets[i];
		while ((a = *pp)) {
			/* An exit's interval ends when it is published. */
			if (a->exit_rec) {
				pp = &a->next;
				continue;
			}
			/* Named by this tick: its interval to cb (a pending exit's waits wait for it). */
			if (!a->exit_ns && a->seen_gen == generation) {
				if (a->iv.waits && cb)
					cb(ctx, a);
				wait_acc__end_interval(a);
			}
			/*
			 * A live task is named by every tick's snapshot; one that
			 * was not for two generations is gone, its exit record
			 * lost (counted there); so is the exit that a successor's
			 * accumulator has waited for that long. A new task's first
			 * waits can come before any record names it: it gets a
			 * generation.
			 */
			if (!a->seen_gen)
				a->seen_gen = generation;
			if (a->seen_gen + 2 <= generation) {
				*dropped += a->cum.waits;
				*pp = a->next;
				acc_free(e, a);
				continue;
			}
			pp = &a->next;
		}
	}
}

void wait_acc__fill_totals(const struct wait_acc *a, struct task_counts *c)
{
	c->waits = a->cum.waits;
	c->wait_sum_ns = a->cum.wait_sum_ns;
	c->wait_max_ns = a->cum.wait_max_ns;
	c->delivery_sum_ns = a->cum.delivery_sum_ns;
	c->delivery_max_ns = a->cum.delivery_max_ns;
	c->queue_max_ns = a->cum.queue_max_ns;
	memcpy(c->landings, a->land.n, sizeof(c->landings));
	memcpy(c->landing_sum_ns, a->land.sum_ns, sizeof(c->landing_sum_ns));
	memcpy(c->landing_max_ns, a->land.max_ns, sizeof(c->landing_max_ns));
}

void wait_acc__fill_counts(const struct wait_acc *a, struct sdr_task_counts *c)
{
	const struct wait_hist_entry *ent;
	struct task_counts totals;
	__u32 b, k;

	/* The same layout up to the histogram (tasktable.h). */
	task_counts__from(&totals, c);
	wait_acc__fill_totals(a, &totals);
	memcpy(c, &totals, sizeof(totals));
	memset(c->wait_hist, 0, sizeof(c->wait_hist));
	HIST_EACH(&a->hist, b, ent, {
		k = (b >> SDR_TASK_HIST_SHIFT) & (SDR_TASK_HIST_NR - 1);
		c->wait_hist[k] += ent->n;
	});
}

void wait_hist__add_to(const struct wait_hist *h, bool interval, __u64 *dense, __u64 *dense2)
{
	const struct wait_hist_entry *ent;
	__u32 b, n;

	HIST_EACH(h, b, ent, {
		n = interval ? ent->n_iv : ent->n;
		if (!n)
			continue;
		dense[b] += n;
		if (dense2)
			dense2[b] += n;
	});
}

/*
 * The q-quantiles (q ascending) by nearest rank, as hist__percentile()
 * gives them for the same counts (the midpoint of the bucket holding the
 * rank, clamped to the exact min and max, which the first and last ranks
 * are), from the sparse entries alone, all in one walk: a tick reads every
 * task's twice, and a walk per percentile was 7 % of the daemon at 50 000
 * tasks (a dense walk of 1024 buckets each, most of a tick at 10 000).
 */
static void sparse_pcts(const struct wait_hist *s, bool interval, const struct wait_sums *w,
			const double *q, __u64 *out, int nq)
{
	__u64 rank[4], cum = 0, v;
	const struct wait_hist_entry *ent;
	__u32 b;
	int k = 0, i;

	for (i = 0; i < nq; i++) {
		rank[i] = hist__rank(w->waits, q[i]);
		out[i] = rank[i] >= w->waits ? w->wait_max_ns : w->wait_min_ns;
	}
	/* The ranks at the ends are the exact min and max, set above. */
	while (k < nq && rank[k] <= 1)
		k++;
	if (k == nq || rank[k] >= w->waits)
		return;
	HIST_EACH(s, b, ent, {
		cum += interval ? ent->n_iv : ent->n;
		v = sdr_hist_bucket_lo(b) + sdr_hist_bucket_width(b) / 2;
		if (v < w->wait_min_ns)
			v = w->wait_min_ns;
		if (v > w->wait_max_ns)
			v = w->wait_max_ns;
		for (; k < nq && cum >= rank[k] && rank[k] < w->waits; k++)
			out[k] = v;
		if (k == nq || rank[k] >= w->waits)
			return;
	});
	/* Fewer entries than waits (an entry that found no memory): the last bucket's. */
	if (cum)
		for (; k < nq && rank[k] < w->waits; k++)
			out[k] = v;
}

struct lat wait_acc__lat(const struct wait_acc *a, bool interval)
{
	const struct wait_hist *s = &a->hist;
	const struct wait_sums *w = interval ? &a->iv : &a->cum;
	static const double q[4] = { 0.50, 0.90, 0.99, 0.999 };
	struct lat l = {};
	__u64 v[4];

	if (!w->waits)
		return l;
	l.count = w->waits;
	sparse_pcts(s, interval, w, q, v, 4);
	l.p50 = v[0];
	l.p90 = v[1];
	l.p99 = v[2];
	l.p999 = v[3];
	l.max = w->wait_max_ns;
	l.rel_error = hist__rel_error();
	l.mean = w->wait_sum_ns / w->waits;
	return l;
}
