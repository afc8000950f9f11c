// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The task table: its semantics one step at a time (exact counts), then a
 * stress run of 1 writer + 3 readers with updates, exits, PID reuse, grace
 * expiry and evictions. test_tasktable_tsan.c builds this same file with
 * -fsanitize=thread, which turns any data race or use after free into a
 * failure.
 *
 * What the readers assert:
 * - no torn record: every record they see has a valid checksum, the key
 *   they asked for, and a generation that belongs to its counts;
 * - a task stays findable: a task that was in its slot (alive) both before
 *   and after a lookup must be found, in a version no older than the one
 *   the writer had published before the lookup began (the slot's watermark);
 * - a walk (for_each) sees no task twice and sees every task that was in
 *   its slot for the whole walk.
 * Reader threads never call CHECK (its counters are not thread-safe): they
 * count failures, and the main thread checks the counts after joining.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "live/tasktable.h"

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static __u64 rng_next(__u64 *s)
{
	__u64 x = (*s += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * A version `ver` of task (tid, start_ns), produced in generation `gen`:
 * ver and gen are spread over the whole record, so a record mixing two
 * versions fails the checksum or the generation check.
 */
static void fill(struct task_rec *r, __u32 tid, __u64 start_ns, __u64 gen, __u64 ver)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id.tid = tid;
	r->id.tgid = tid;
	r->id.start_ns = start_ns;
	snprintf(r->id.comm, sizeof(r->id.comm), "t%u.%llu", tid, (unsigned long long)ver);
	r->counts.runtime_ns = ver;
	r->counts.waits = gen;
	r->counts.preferred_nid = -1;
	for (i = 0; i < SDR_MAX_NODES; i++)
		r->counts.node_runtime_ns[i] = ver * 31 + i;
	r->interval.queue_max_ns = ver; /* the far end of the record */
	r->wait_pct.p999 = ver;
	r->generation = gen;
	r->exit_generation = 12345; /* the table must ignore it */
	r->checksum = task_rec__checksum(r);
}

/* 0 if *r is a whole version of task (tid, start_ns); else why not. */
static const char *rec_bad(const struct task_rec *r, __u32 tid, __u64 start_ns)
{
	if (r->checksum != task_rec__checksum(r))
		return "checksum";
	if (r->id.tid != tid || r->id.start_ns != start_ns)
		return "key";
	if (r->counts.node_runtime_ns[SDR_MAX_NODES - 1] !=
		    r->counts.runtime_ns * 31 + SDR_MAX_NODES - 1 ||
	    r->interval.queue_max_ns != r->counts.runtime_ns ||
	    r->wait_pct.p999 != r->counts.runtime_ns)
		return "counts";
	/* An exit version carries the exit's generation; any other, its producer's. */
	if (r->exit_generation ? r->generation != r->exit_generation
			       : r->generation != r->counts.waits)
		return "generation";
	return NULL;
}

/* ---- semantics, single-threaded ---- */

static int count_cb(void *ctx, const struct task_rec *rec)
{
	(*(int *)ctx)++;
	return 0;
}

static int stop_cb(void *ctx, const struct task_rec *rec)
{
	return ++(*(int *)ctx) == 2 ? 7 : 0;
}

static void test_basics(void)
{
	struct tasktable *t = tasktable__new(8, 1);
	struct tasktable_reader *r = tasktable__reader_new(t);
	const struct task_rec *got;
	struct tasktable_stats st;
	struct task_rec rec;
	int n = 0;

	CHECK(t && r);
	fill(&rec, 0, 1, 1, 1);
	CHECK(tasktable__update(t, &rec) == -EINVAL, "tid 0 is the idle task");
	fill(&rec, 10, 1000, 1, 1);
	CHECK(tasktable__update(t, &rec) == 0);
	fill(&rec, 11, 1100, 1, 1);
	CHECK(tasktable__update(t, &rec) == 0);
	fill(&rec, 10, 1000, 2, 2);
	CHECK(tasktable__update(t, &rec) == 0);

	got = tasktable__get(t, 10, 1000);
	CHECK(got && !rec_bad(got, 10, 1000) && got->counts.runtime_ns == 2);
	CHECK(got && got->exit_generation == 0, "update() must not set exit_generation");
	CHECK(!tasktable__get(t, 10, 999));

	tasktable__read_lock(r);
	got = tasktable__lookup(r, 11, 1100);
	CHECK(got && !rec_bad(got, 11, 1100) && got->counts.runtime_ns == 1);
	tasktable__read_lock(r); /* nests */
	CHECK(tasktable__lookup(r, 10, 1000) != NULL);
	tasktable__read_unlock(r);
	CHECK(!tasktable__lookup(r, 12, 1100));
	tasktable__read_unlock(r);

	CHECK(tasktable__for_each(r, count_cb, &n) == 0);
	CHECK_EQ_U64(n, 2);
	n = 0;
	CHECK(tasktable__for_each(r, stop_cb, &n) == 7,
	      "for_each returns the callback's stop value");
	CHECK_EQ_U64(n, 2);

	CHECK(tasktable__mark_exited(t, 12, 1, 2) == -ENOENT);
	CHECK(tasktable__mark_exited(t, 10, 1000, 0) == -EINVAL);
	CHECK(tasktable__mark_exited(t, 10, 1000, 3) == 0);
	CHECK(tasktable__mark_exited(t, 10, 1000, 4) == -EALREADY);
	got = tasktable__get(t, 10, 1000);
	CHECK(got && got->exit_generation == 3 && got->generation == 3 && !rec_bad(got, 10, 1000));
	/* A late update of an exited task keeps it exited. */
	fill(&rec, 10, 1000, 3, 3);
	CHECK(tasktable__update(t, &rec) == 0);
	got = tasktable__get(t, 10, 1000);
	CHECK(got && got->exit_generation == 3 && got->counts.runtime_ns == 3);

	tasktable__stats(t, &st);
	CHECK_EQ_U64(st.nr_tasks, 2);
	CHECK_EQ_U64(st.nr_exited, 1);
	CHECK_EQ_U64(st.inserted, 2);
	CHECK_EQ_U64(st.updates, 5); /* 2 inserts, 2 updates, 1 exit */
	CHECK_EQ_U64(st.refused, 0);
	tasktable__reader_free(r);
	tasktable__free(t);
}

/* Exited at generation g with grace G: visible through g + G, gone at end_generation(g + G + 1). */
/*
 * A table that keeps one node's run time (tasktable__new_nodes): the rest
 * of the record whole, through updates and the exit mark; a copy out has
 * the other nodes zero.
 */
static void test_nodes_kept(void)
{
	struct tasktable *t = tasktable__new_nodes(4, 1, 1);
	const struct task_rec *got;
	struct task_rec rec, copy;

	CHECK(t && !tasktable__new_nodes(4, 1, 0) && !tasktable__new_nodes(4, 1, SDR_MAX_NODES + 1));
	if (!t)
		return;
	fill(&rec, 20, 2000, 1, 5);
	CHECK(tasktable__update(t, &rec) == 0);
	CHECK(tasktable__mark_exited(t, 20, 2000, 2) == 0);
	got = tasktable__get(t, 20, 2000);
	CHECK(got && got->exit_generation == 2 && got->counts.node_runtime_ns[0] == 5 * 31);
	if (got) {
		tasktable__rec_copy(t, &copy, got);
		CHECK(copy.checksum == task_rec__checksum(&copy) && copy.counts.runtime_ns == 5 &&
		      copy.interval.queue_max_ns == 5 && copy.wait_pct.p999 == 5 &&
		      !strcmp(copy.id.comm, "t20.5"));
		CHECK(copy.counts.node_runtime_ns[0] == 5 * 31 &&
		      copy.counts.node_runtime_ns[1] == 0 &&
		      copy.counts.node_runtime_ns[SDR_MAX_NODES - 1] == 0);
	}
	tasktable__free(t);
}

static void test_grace(void)
{
	struct tasktable *t = tasktable__new(16, 2);
	struct tasktable_stats st;
	struct task_rec rec;

	fill(&rec, 20, 2000, 5, 1);
	tasktable__update(t, &rec);
	tasktable__end_generation(t, 5);
	CHECK(tasktable__mark_exited(t, 20, 2000, 6) == 0);
	/* PID reuse: the same tid, a new start time, is another task. */
	fill(&rec, 20, 2600, 6, 1);
	CHECK(tasktable__update(t, &rec) == 0);
	for (__u64 g = 6; g <= 8; g++) {
		tasktable__end_generation(t, g);
		CHECK(tasktable__get(t, 20, 2000) != NULL, "gone too early at generation %llu",
		      (unsigned long long)g);
	}
	tasktable__end_generation(t, 9);
	CHECK(!tasktable__get(t, 20, 2000), "grace over: removed");
	CHECK(tasktable__get(t, 20, 2600) != NULL, "the reused tid's new task stays");
	tasktable__stats(t, &st);
	CHECK_EQ_U64(st.nr_tasks, 1);
	CHECK_EQ_U64(st.nr_exited, 0);
	CHECK_EQ_U64(st.reclaimed, 1);
	CHECK_EQ_U64(st.evictions, 0);
	tasktable__free(t);

	/* Grace 0: removed by the end of the generation after the exit. */
	t = tasktable__new(16, 0);
	fill(&rec, 21, 2100, 1, 1);
	tasktable__update(t, &rec);
	tasktable__mark_exited(t, 21, 2100, 4);
	tasktable__end_generation(t, 4);
	CHECK(tasktable__get(t, 21, 2100) != NULL, "the exporter of generation 4 still sees it");
	tasktable__end_generation(t, 5);
	CHECK(!tasktable__get(t, 21, 2100));

	/*
	 * A new grace (SIGHUP) applies from the next end_generation on, to
	 * tasks that exited before the change too: 22 exited at 6 under grace
	 * 0, the grace becomes 3, so 22 stays through 9 and leaves at 10.
	 */
	fill(&rec, 22, 2200, 6, 1);
	tasktable__update(t, &rec);
	tasktable__mark_exited(t, 22, 2200, 6);
	tasktable__end_generation(t, 6);
	tasktable__set_grace(t, 3);
	for (__u64 g = 7; g <= 9; g++) {
		tasktable__end_generation(t, g);
		CHECK(tasktable__get(t, 22, 2200) != NULL, "new grace: gone too early at %llu",
		      (unsigned long long)g);
	}
	tasktable__end_generation(t, 10);
	CHECK(!tasktable__get(t, 22, 2200), "new grace over: removed");
	tasktable__free(t);
}

static void test_cap(void)
{
	struct tasktable *t = tasktable__new(3, 100);
	struct tasktable_stats st;
	struct task_rec rec;

	for (__u32 tid = 1; tid <= 3; tid++) {
		fill(&rec, tid, tid * 100, 1, 1);
		CHECK(tasktable__update(t, &rec) == 0);
	}
	fill(&rec, 4, 400, 1, 1);
	CHECK(tasktable__update(t, &rec) == -ENOSPC, "full and nothing exited: refused");
	CHECK(!tasktable__get(t, 4, 400));
	/* Updating a task already in a full table is no insert. */
	fill(&rec, 2, 200, 1, 2);
	CHECK(tasktable__update(t, &rec) == 0);

	tasktable__mark_exited(t, 3, 300, 2); /* exits first: the oldest exited */
	tasktable__mark_exited(t, 1, 100, 2);
	CHECK(tasktable__update(t, &rec) == 0);
	fill(&rec, 4, 400, 2, 1);
	CHECK(tasktable__update(t, &rec) == 0, "evicts the oldest exited task");
	CHECK(!tasktable__get(t, 3, 300), "task 3 exited first, so it goes first");
	CHECK(tasktable__get(t, 1, 100) != NULL);
	fill(&rec, 5, 500, 2, 1);
	CHECK(tasktable__update(t, &rec) == 0);
	CHECK(!tasktable__get(t, 1, 100));
	fill(&rec, 6, 600, 2, 1);
	CHECK(tasktable__update(t, &rec) == -ENOSPC);

	tasktable__stats(t, &st);
	CHECK_EQ_U64(st.nr_tasks, 3);
	CHECK_EQ_U64(st.nr_exited, 0);
	CHECK_EQ_U64(st.inserted, 5);
	CHECK_EQ_U64(st.evictions, 2);
	CHECK_EQ_U64(st.reclaimed, 0);
	CHECK_EQ_U64(st.refused, 2);
	tasktable__free(t);
}

/* Retired versions are freed only once no reader can hold them, and then all of them. */
struct holder {
	struct tasktable *t;
	atomic_int state; /* 1: holding a record, 2: may let go, 3: done */
	int bad;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct tasktable_reader *r = tasktable__reader_new(h->t);
	const struct task_rec *rec;
	struct task_rec copy;

	tasktable__read_lock(r);
	rec = tasktable__lookup(r, 30, 3000);
	if (!rec)
		h->bad++;
	else
		copy = *rec;
	atomic_store(&h->state, 1);
	while (atomic_load(&h->state) != 2)
		usleep(1000);
	/* The writer replaced and retired this version many times over meanwhile. */
	if (rec && (memcmp(&copy, rec, sizeof(copy)) || rec_bad(rec, 30, 3000) ||
		    rec->counts.runtime_ns != 1))
		h->bad++;
	tasktable__read_unlock(r);
	tasktable__reader_free(r);
	atomic_store(&h->state, 3);
	return NULL;
}

static bool wait_all_freed(struct tasktable *t, __u64 *gen)
{
	struct tasktable_stats st;

	for (int i = 0; i < 2000; i++) {
		tasktable__end_generation(t, ++*gen);
		tasktable__stats(t, &st);
		if (st.freed == st.retired)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_reclaim(void)
{
	struct tasktable *t = tasktable__new(64, 0);
	struct holder h = {.t = t};
	struct tasktable_stats st;
	struct task_rec rec;
	pthread_t th;
	__u64 gen = 1;

	fill(&rec, 30, 3000, 1, 1);
	tasktable__update(t, &rec);
	pthread_create(&th, NULL, holder_main, &h);
	while (atomic_load(&h.state) != 1)
		usleep(1000);
	for (__u64 v = 2; v <= 200; v++) {
		fill(&rec, 30, 3000, gen, v);
		tasktable__update(t, &rec);
		if (v % 20 == 0)
			tasktable__end_generation(t, ++gen);
	}
	tasktable__stats(t, &st);
	CHECK_EQ_U64(st.retired, 199);
	CHECK(st.freed < st.retired, "a version held by a reader was freed (%llu of %llu)",
	      (unsigned long long)st.freed, (unsigned long long)st.retired);
	atomic_store(&h.state, 2);
	pthread_join(th, NULL);
	CHECK_EQ_U64(h.bad, 0);
	CHECK(wait_all_freed(t, &gen), "retired versions never all freed");
	tasktable__free(t);
}

/* ---- stress: 1 writer, 3 readers ---- */

#define NSLOTS	    256
#define NREADERS    3
#define CAP	    (NSLOTS + 16) /* room for about one generation of exits: more evict */
#define GRACE	    1
#define OPS_PER_GEN 64

/* A slot's task: tid in the top 24 bits, start_ns below (one word, read atomically). */
#define KEY(tid, start) (((__u64)(tid) << 40) | (start))
#define KEY_TID(k)	((__u32)((k) >> 40))
#define KEY_START(k)	((k) & ((1ull << 40) - 1))

struct slot {
	_Atomic __u64 key;
	_Atomic __u64 ver; /* watermark: the writer has published at least this version */
};

struct exited {
	__u64 key, gen;
};

struct stress {
	struct tasktable *t;
	struct slot slots[NSLOTS];
	atomic_bool stop;
	/* writer-only model of what the table must hold */
	__u64 vers[NSLOTS];
	struct exited fifo[CAP + NSLOTS];
	size_t fifo_head, fifo_len;
	__u64 inserted, updates, evictions, reclaimed, gen;
	int writer_bad;
};

struct reader_res {
	struct stress *s;
	int idx;
	__u64 lookups, found, walks;
	int torn, missing, stale, walk_dup, walk_missing, exited_seen;
	const char *last_bad;
};

static struct exited *fifo_at(struct stress *s, size_t i)
{
	return &s->fifo[(s->fifo_head + i) % (CAP + NSLOTS)];
}

static void fifo_pop(struct stress *s)
{
	s->fifo_head = (s->fifo_head + 1) % (CAP + NSLOTS);
	s->fifo_len--;
}

/* A new task in slot i; mirrors the table's cap rule in the model. */
static void writer_insert(struct stress *s, size_t i, __u32 tid, __u64 start)
{
	struct task_rec rec;

	if (NSLOTS + s->fifo_len > CAP) {
		/* The exit just pushed made room necessary: the oldest exited goes. */
		fifo_pop(s);
		s->evictions++;
	}
	fill(&rec, tid, start, s->gen, 1);
	if (tasktable__update(s->t, &rec))
		s->writer_bad++;
	s->inserted++;
	s->updates++;
	s->vers[i] = 1;
	atomic_store_explicit(&s->slots[i].ver, 1, memory_order_relaxed);
	/* After ver: a reader that sees the new key sees a watermark of this task. */
	atomic_store_explicit(&s->slots[i].key, KEY(tid, start), memory_order_release);
}

static void *writer_main(void *arg)
{
	struct stress *s = arg;
	__u64 seed = 42, next_start = 1000000, ops = 0;
	__u32 next_tid = NSLOTS + 1;
	const char *ms = getenv("TASKTABLE_STRESS_MS");
	__u64 until = now_ms() + (ms ? strtoull(ms, NULL, 10) : 1500);
	struct task_rec rec;

	while (now_ms() < until) {
		__u64 r = rng_next(&seed);
		size_t i = r % NSLOTS;
		__u64 key = atomic_load_explicit(&s->slots[i].key, memory_order_relaxed);
		__u32 tid = KEY_TID(key);
		__u64 start = KEY_START(key);

		if ((r >> 32) % 100 < 85) {
			fill(&rec, tid, start, s->gen, ++s->vers[i]);
			if (tasktable__update(s->t, &rec))
				s->writer_bad++;
			s->updates++;
			atomic_store_explicit(&s->slots[i].ver, s->vers[i], memory_order_release);
		} else {
			const struct task_rec *cur = tasktable__get(s->t, tid, start);

			if (!cur || cur->counts.runtime_ns != s->vers[i] ||
			    rec_bad(cur, tid, start))
				s->writer_bad++;
			if (tasktable__mark_exited(s->t, tid, start, s->gen))
				s->writer_bad++;
			s->updates++;
			*fifo_at(s, s->fifo_len++) = (struct exited){key, s->gen};
			/* Half the new tasks reuse the tid, as the kernel does after pid_max. */
			if ((r >> 40) & 1)
				tid = next_tid++;
			writer_insert(s, i, tid, next_start++);
		}
		if (++ops % OPS_PER_GEN == 0) {
			tasktable__end_generation(s->t, ++s->gen);
			while (s->fifo_len && fifo_at(s, 0)->gen + GRACE < s->gen) {
				fifo_pop(s);
				s->reclaimed++;
			}
		}
	}
	atomic_store(&s->stop, true);
	return NULL;
}

/* Tiny open-addressing set of keys for one walk. */
struct keyset {
	__u64 keys[4 * CAP];
};

static bool keyset_add(struct keyset *ks, __u64 key)
{
	size_t i = ((key * 0x9e3779b97f4a7c15ull) >> 32) % (4 * CAP);

	for (;; i = (i + 1) % (4 * CAP)) {
		if (ks->keys[i] == key)
			return false;
		if (!ks->keys[i]) {
			ks->keys[i] = key;
			return true;
		}
	}
}

static bool keyset_has(const struct keyset *ks, __u64 key)
{
	size_t i = ((key * 0x9e3779b97f4a7c15ull) >> 32) % (4 * CAP);

	for (;; i = (i + 1) % (4 * CAP)) {
		if (ks->keys[i] == key)
			return true;
		if (!ks->keys[i])
			return false;
	}
}

struct walk {
	struct reader_res *res;
	struct keyset *seen;
};

static int walk_cb(void *ctx, const struct task_rec *rec)
{
	struct walk *w = ctx;
	const char *bad = rec_bad(rec, rec->id.tid, rec->id.start_ns);

	if (bad) {
		w->res->torn++;
		w->res->last_bad = bad;
	}
	if (!keyset_add(w->seen, KEY(rec->id.tid, rec->id.start_ns)))
		w->res->walk_dup++;
	return 0;
}

static void reader_walk(struct reader_res *res, struct tasktable_reader *r)
{
	static __thread struct keyset seen;
	struct stress *s = res->s;
	__u64 before[NSLOTS];
	struct walk w = {res, &seen};
	size_t i;

	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < NSLOTS; i++)
		before[i] = atomic_load_explicit(&s->slots[i].key, memory_order_acquire);
	tasktable__for_each(r, walk_cb, &w);
	atomic_thread_fence(memory_order_acquire);
	for (i = 0; i < NSLOTS; i++) {
		/* In its slot for the whole walk, so alive in the table throughout. */
		if (atomic_load_explicit(&s->slots[i].key, memory_order_relaxed) == before[i] &&
		    !keyset_has(&seen, before[i]))
			res->walk_missing++;
	}
	res->walks++;
}

static void *reader_main(void *arg)
{
	struct reader_res *res = arg;
	struct stress *s = res->s;
	struct tasktable_reader *r = tasktable__reader_new(s->t);
	__u64 seed = 1000 + res->idx;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		size_t i = rng_next(&seed) % NSLOTS;
		__u64 k1 = atomic_load_explicit(&s->slots[i].key, memory_order_acquire);
		__u64 ver = atomic_load_explicit(&s->slots[i].ver, memory_order_acquire);
		const struct task_rec *rec;
		const char *bad;

		tasktable__read_lock(r);
		rec = tasktable__lookup(r, KEY_TID(k1), KEY_START(k1));
		if (rec) {
			res->found++;
			bad = rec_bad(rec, KEY_TID(k1), KEY_START(k1));
			if (bad) {
				res->torn++;
				res->last_bad = bad;
			} else if (rec->counts.runtime_ns < ver) {
				res->stale++;
			}
			res->exited_seen += rec->exit_generation != 0;
		}
		tasktable__read_unlock(r);
		/* Order the lookup before the second look at the slot (a seqlock's read side). */
		atomic_thread_fence(memory_order_acquire);
		if (!rec && atomic_load_explicit(&s->slots[i].key, memory_order_relaxed) == k1)
			res->missing++;
		res->lookups++;
		if (res->idx == 0 && res->lookups % 512 == 0)
			reader_walk(res, r);
	}
	tasktable__reader_free(r);
	return NULL;
}

static void test_stress(void)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct reader_res res[NREADERS] = {};
	pthread_t wr, rd[NREADERS];
	struct tasktable_stats st;
	struct task_rec rec;
	size_t i;

	s->t = tasktable__new(CAP, GRACE);
	s->gen = 1;
	for (i = 0; i < NSLOTS; i++) {
		fill(&rec, i + 1, 1000 + i, s->gen, 1);
		CHECK(tasktable__update(s->t, &rec) == 0);
		s->vers[i] = 1;
		atomic_store(&s->slots[i].key, KEY(i + 1, 1000 + i));
		atomic_store(&s->slots[i].ver, 1);
		s->inserted++;
		s->updates++;
	}
	for (i = 0; i < NREADERS; i++) {
		res[i].s = s;
		res[i].idx = i;
		pthread_create(&rd[i], NULL, reader_main, &res[i]);
	}
	pthread_create(&wr, NULL, writer_main, s);
	pthread_join(wr, NULL);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rd[i], NULL);

	CHECK_EQ_U64(s->writer_bad, 0);
	for (i = 0; i < NREADERS; i++) {
		struct reader_res *x = &res[i];

		printf("reader %zu: %llu lookups, %llu found, %d of them exited, %llu walks\n", i,
		       (unsigned long long)x->lookups, (unsigned long long)x->found, x->exited_seen,
		       (unsigned long long)x->walks);
		CHECK(x->torn == 0, "reader %zu: %d torn records (last: %s)", i, x->torn,
		      x->last_bad);
		CHECK(x->missing == 0, "reader %zu: %d published tasks not found", i, x->missing);
		CHECK(x->stale == 0, "reader %zu: %d versions older than the watermark", i,
		      x->stale);
		CHECK(x->walk_dup == 0, "reader %zu: %d tasks seen twice in one walk", i,
		      x->walk_dup);
		CHECK(x->walk_missing == 0, "reader %zu: %d live tasks missed by a walk", i,
		      x->walk_missing);
		/* No starvation: every reader got through plenty of lookups. */
		CHECK(x->lookups >= 1000, "reader %zu starved: %llu lookups", i,
		      (unsigned long long)x->lookups);
	}
	CHECK(res[0].walks > 0);

	/* The writer is done: the model says exactly what the table holds. */
	tasktable__stats(s->t, &st);
	printf("writer: %llu updates, %llu inserted, %llu evicted, %llu reclaimed, %llu gens\n",
	       (unsigned long long)s->updates, (unsigned long long)s->inserted,
	       (unsigned long long)s->evictions, (unsigned long long)s->reclaimed,
	       (unsigned long long)s->gen);
	CHECK_EQ_U64(st.nr_tasks, NSLOTS + s->fifo_len);
	CHECK_EQ_U64(st.nr_exited, s->fifo_len);
	CHECK_EQ_U64(st.inserted, s->inserted);
	CHECK_EQ_U64(st.updates, s->updates);
	CHECK_EQ_U64(st.evictions, s->evictions);
	CHECK_EQ_U64(st.reclaimed, s->reclaimed);
	CHECK_EQ_U64(st.refused, 0);
	CHECK(s->evictions > 0 && s->reclaimed > 0, "the run should exercise both ways out");
	for (i = 0; i < NSLOTS; i++) {
		__u64 k = atomic_load(&s->slots[i].key);
		const struct task_rec *cur = tasktable__get(s->t, KEY_TID(k), KEY_START(k));

		CHECK(cur && cur->counts.runtime_ns == s->vers[i] && !cur->exit_generation,
		      "slot %zu", i);
	}
	for (i = 0; i < s->fifo_len; i++) {
		struct exited *x = fifo_at(s, i);
		const struct task_rec *cur =
		    tasktable__get(s->t, KEY_TID(x->key), KEY_START(x->key));

		CHECK(cur && cur->exit_generation == x->gen, "exited task %zu", i);
	}
	CHECK(wait_all_freed(s->t, &s->gen), "retired versions never all freed");
	tasktable__free(s->t);
	free(s);
}

int main(void)
{
	test_nodes_kept();
	test_basics();
	test_grace();
	test_cap();
	test_reclaim();
	test_stress();
	return check_summary();
}
