// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The task table on liburcu: a cds_lfht (RCU lock-free resizable hash)
 * keyed by (tid, start_ns), urcu-memb flavour. Why this library and this
 * flavour: docs/performance.md, "Task table".
 *
 * The hash holds versions: each node is an immutable struct task_rec with
 * the lfht node in front of it, so a lookup goes bucket -> version and
 * reads the record on the same cache lines it matched the key on. The
 * writer publishes a new version with cds_lfht_replace(), which readers and
 * walks see as the old version or the new one, exactly once, never neither
 * or both. Replaced versions, and versions removed with their task, are
 * batched and handed to call_rcu(), whose thread frees them after a grace
 * period: once every read section that might have seen them has ended. The
 * writer never waits for a grace period (only tasktable__free() does).
 *
 * urcu-memb readers only bump a per-thread counter (the grace-period side
 * pays with sys_membarrier), but every thread that reads must be registered
 * with liburcu and unregistered before it exits. Readers do that through
 * their tasktable_reader handle; the writer thread is registered on its
 * first call and unregistered by a thread-exit destructor.
 *
 * Writer-only state: the exit order (a ring of keys, oldest first), the
 * retire batch and the counts the stats are published from.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

#include "tasktable.h"

/*
 * ThreadSanitizer cannot see liburcu's ordering: the read-side counter,
 * sys_membarrier and the call_rcu queue are not C11 atomics, and the library
 * is not instrumented. Without help it reports every free after a grace
 * period as racing with the reads that grace period waited for. The
 * annotations state exactly what RCU guarantees: everything a reader did
 * before leaving its read section, and everything the writer did before
 * handing a batch to call_rcu, happens before that batch is freed; and
 * every callback has finished when urcu_memb_barrier() returns.
 */
#if defined(__SANITIZE_THREAD__)
#define TT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TT_TSAN 1
#endif
#endif
#ifdef TT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define tsan_acquire(addr) __tsan_acquire(addr)
#define tsan_release(addr) __tsan_release(addr)
#else
#define tsan_acquire(addr) ((void)(addr))
#define tsan_release(addr) ((void)(addr))
#endif

/* Versions retired together share one call_rcu(). */
#define RETIRE_BATCH 256

struct tt_version {
	struct cds_lfht_node node;       /* in the hash while this is the task's version */
	struct tt_version *next_retired; /* writer, once retired */
	struct task_rec rec;             /* key: rec.id.tid, rec.id.start_ns */
};

struct tt_batch {
	struct rcu_head rcu;
	struct tasktable *t;
	struct tt_version *versions;
	unsigned int nr;
};

/* An exited task waiting out its grace. */
struct tt_exited {
	__u32 tid;
	__u64 start_ns, exit_generation;
};

struct tasktable {
	struct cds_lfht *ht;
	size_t max_tasks;
	__u64 grace;
	/* Writer only. */
	struct tt_exited *exits; /* ring, oldest at exit_head */
	size_t exit_head, exit_cap;
	struct tt_batch *batch;
	__u64 nr_tasks, nr_exited;
	/* Read by tasktable__stats() from any thread. */
	struct {
		_Atomic __u64 nr_tasks, nr_exited, inserted, updates, reclaimed, evictions, refused,
			retired, freed;
	} st;
	atomic_int nr_readers;
	/* Only their addresses matter: sync objects for the TSan annotations. */
	char tsan_grace, tsan_barrier;
};

struct tasktable_reader {
	struct tasktable *t;
	pthread_t owner;
	unsigned int depth;
};

#define STAT_ADD(t, field, n) atomic_fetch_add_explicit(&(t)->st.field, (n), memory_order_relaxed)
#define STAT_SET(t, field, v) atomic_store_explicit(&(t)->st.field, (v), memory_order_relaxed)

/* ---- liburcu thread registration ---- */

/* A thread may be a reader several times over and the writer too: register once. */
static __thread unsigned int tt_thread_refs;
static __thread bool tt_writer_online;
static pthread_key_t tt_writer_key;
static pthread_once_t tt_writer_once = PTHREAD_ONCE_INIT;

static void thread_get(void)
{
	if (tt_thread_refs++ == 0)
		urcu_memb_register_thread();
}

static void thread_put(void)
{
	if (--tt_thread_refs == 0)
		urcu_memb_unregister_thread();
}

/* A registered thread that exits leaves liburcu a dangling reader: unregister on the way out. */
static void writer_exit(void *unused)
{
	thread_put();
}

static void writer_key_make(void)
{
	pthread_key_create(&tt_writer_key, writer_exit);
}

static void writer_online(void)
{
	if (tt_writer_online)
		return;
	pthread_once(&tt_writer_once, writer_key_make);
	thread_get();
	pthread_setspecific(tt_writer_key, (void *)1);
	tt_writer_online = true;
}

/* ---- hashing ---- */

static unsigned long key_hash(__u32 tid, __u64 start_ns)
{
	__u64 x = start_ns ^ ((__u64)tid << 40) ^ tid;

	/* splitmix64's finaliser: start times differ in low bits, buckets need high ones too. */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct tt_key {
	__u32 tid;
	__u64 start_ns;
};

static int version_match(struct cds_lfht_node *node, const void *key)
{
	struct tt_version *v = caa_container_of(node, struct tt_version, node);
	const struct tt_key *k = key;

	/* The writer filled v before publishing it (version_publish()). */
	tsan_acquire(v);
	return v->rec.id.tid == k->tid && v->rec.id.start_ns == k->start_ns;
}

/* Call inside a read section; it->node is left on the version found. */
static struct tt_version *version_find(struct tasktable *t, __u32 tid, __u64 start_ns,
				       struct cds_lfht_iter *it)
{
	struct tt_key k = { tid, start_ns };
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, key_hash(tid, start_ns), version_match, &k, it);
	node = cds_lfht_iter_get_node(it);
	return node ? caa_container_of(node, struct tt_version, node) : NULL;
}

/* ---- deferred reclamation ---- */

static void batch_drain(struct tt_batch *b)
{
	unsigned int n = 0;

	while (b->versions) {
		struct tt_version *v = b->versions;

		b->versions = v->next_retired;
		free(v);
		n++;
	}
	STAT_ADD(b->t, freed, n);
	b->nr = 0;
}

static void batch_free(struct rcu_head *head)
{
	struct tt_batch *b = caa_container_of(head, struct tt_batch, rcu);
	struct tasktable *t;

	tsan_acquire(b);
	t = b->t;
	tsan_acquire(&t->tsan_grace);
	batch_drain(b);
	free(b);
	tsan_release(&t->tsan_barrier);
}

/*
 * Hands the batch to call_rcu. If no new batch can be allocated, the
 * current one keeps growing and the next flush tries again: nothing is
 * lost and the writer does not wait.
 */
static void batch_flush(struct tasktable *t)
{
	struct tt_batch *b = t->batch, *next;

	if (!b->nr)
		return;
	next = calloc(1, sizeof(*next));
	if (!next)
		return;
	next->t = t;
	t->batch = next;
	tsan_release(b);
	urcu_memb_call_rcu(&b->rcu, batch_free);
}

static void version_retire(struct tasktable *t, struct tt_version *v)
{
	struct tt_batch *b = t->batch;

	v->next_retired = b->versions;
	b->versions = v;
	STAT_ADD(t, retired, 1);
	if (++b->nr >= RETIRE_BATCH)
		batch_flush(t);
}

/* The oldest exited task leaves: its grace is over (reclaimed) or room is needed (evicted). */
static void exit_pop(struct tasktable *t)
{
	struct tt_exited *x = &t->exits[t->exit_head];
	struct cds_lfht_iter it;
	struct tt_version *v;
	int err;

	urcu_memb_read_lock();
	v = version_find(t, x->tid, x->start_ns, &it);
	err = v ? cds_lfht_del(t->ht, &v->node) : -ENOENT;
	urcu_memb_read_unlock();
	/* Exited tasks leave only through here, so it must still be there. */
	assert(!err);
	if (!err) {
		version_retire(t, v);
		t->nr_tasks--;
		STAT_SET(t, nr_tasks, t->nr_tasks);
	}
	t->exit_head = (t->exit_head + 1) % t->exit_cap;
	t->nr_exited--;
	STAT_SET(t, nr_exited, t->nr_exited);
}

/* Makes room in the exit ring for one more; the ring never holds more than max_tasks. */
static int exit_reserve(struct tasktable *t)
{
	size_t cap = t->exit_cap ? t->exit_cap * 2 : 64, i;
	struct tt_exited *x;

	if (t->nr_exited < t->exit_cap)
		return 0;
	x = malloc(cap * sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (i = 0; i < t->nr_exited; i++)
		x[i] = t->exits[(t->exit_head + i) % t->exit_cap];
	free(t->exits);
	t->exits = x;
	t->exit_cap = cap;
	t->exit_head = 0;
	return 0;
}

/* ---- the table ---- */

struct tasktable *tasktable__new(size_t max_tasks, __u64 grace_generations)
{
	struct tasktable *t;
	unsigned long init = 1;

	if (!max_tasks) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max_tasks = max_tasks;
	t->grace = grace_generations;
	t->batch = calloc(1, sizeof(*t->batch));
	/*
	 * A bucket per task up to the cap (16 bytes each): resizing happens in
	 * a worker thread and lags behind inserts, and every extra node on a
	 * chain is one more cache miss per lookup. Past 1M buckets, grow on
	 * demand.
	 */
	while (init < max_tasks && init < (1ul << 20))
		init <<= 1;
	t->ht = cds_lfht_new_flavor(init, init, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				    &urcu_memb_flavor, NULL);
	if (!t->batch || !t->ht) {
		if (t->ht)
			cds_lfht_destroy(t->ht, NULL);
		free(t->batch);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->batch->t = t;
	return t;
}

void tasktable__free(struct tasktable *t)
{
	struct cds_lfht_iter it;
	struct tt_version *v;

	if (!t)
		return;
	assert(atomic_load(&t->nr_readers) == 0);
	writer_online();
	urcu_memb_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, v, node)
	{
		cds_lfht_del(t->ht, &v->node);
		version_retire(t, v);
	}
	urcu_memb_read_unlock();
	batch_flush(t);
	/* Runs every pending batch_free(), which needs t. */
	urcu_memb_barrier();
	tsan_acquire(&t->tsan_barrier);
	/* Whatever a failed flush left behind: no reader is left to see it. */
	batch_drain(t->batch);
	cds_lfht_destroy(t->ht, NULL);
	free(t->batch);
	free(t->exits);
	free(t);
}

static struct tt_version *version_new(const struct task_rec *rec)
{
	struct tt_version *v;

	/* Cache-line aligned, so that the key and the record's first fields share a line. */
	if (posix_memalign((void **)&v, 64, sizeof(*v)))
		return NULL;
	cds_lfht_node_init(&v->node);
	memcpy(&v->rec, rec, sizeof(*rec));
	return v;
}

/*
 * Makes v the task's version in place of old (found through it in this
 * read section); readers see old or v, whole, and walks see exactly one.
 */
static void version_publish(struct tasktable *t, struct cds_lfht_iter *it, struct tt_version *old,
			    struct tt_version *v)
{
	struct tt_key k = { v->rec.id.tid, v->rec.id.start_ns };
	int err;

	tsan_release(v);
	err = cds_lfht_replace(t->ht, it, key_hash(k.tid, k.start_ns), version_match, &k, &v->node);
	/* Cannot fail: only this thread removes or replaces, and old is current. */
	assert(!err);
	(void)err;
	version_retire(t, old);
	STAT_ADD(t, updates, 1);
}

int tasktable__update(struct tasktable *t, const struct task_rec *rec)
{
	struct tt_version *old, *v;
	struct cds_lfht_iter it;

	if (!rec->id.tid)
		return -EINVAL;
	writer_online();
	v = version_new(rec);
	if (!v)
		return -ENOMEM;
	urcu_memb_read_lock();
	old = version_find(t, rec->id.tid, rec->id.start_ns, &it);
	if (old) {
		v->rec.exit_generation = old->rec.exit_generation;
		version_publish(t, &it, old, v);
		urcu_memb_read_unlock();
		return 0;
	}
	urcu_memb_read_unlock();

	/* Full: make room by evicting the task that exited longest ago, if any. */
	if (t->nr_tasks >= t->max_tasks) {
		if (!t->nr_exited) {
			free(v);
			STAT_ADD(t, refused, 1);
			return -ENOSPC;
		}
		exit_pop(t);
		STAT_ADD(t, evictions, 1);
	}
	v->rec.exit_generation = 0;
	tsan_release(v);
	urcu_memb_read_lock();
	cds_lfht_add(t->ht, key_hash(rec->id.tid, rec->id.start_ns), &v->node);
	urcu_memb_read_unlock();
	t->nr_tasks++;
	STAT_SET(t, nr_tasks, t->nr_tasks);
	STAT_ADD(t, inserted, 1);
	STAT_ADD(t, updates, 1);
	return 0;
}

int tasktable__mark_exited(struct tasktable *t, __u32 tid, __u64 start_ns, __u64 generation)
{
	struct tt_version *old, *v = NULL;
	struct cds_lfht_iter it;
	int err = 0;

	if (!generation)
		return -EINVAL;
	writer_online();
	if (exit_reserve(t))
		return -ENOMEM;
	urcu_memb_read_lock();
	old = version_find(t, tid, start_ns, &it);
	if (!old)
		err = -ENOENT;
	else if (old->rec.exit_generation)
		err = -EALREADY;
	else if (!(v = version_new(&old->rec)))
		err = -ENOMEM;
	if (!err) {
		v->rec.exit_generation = generation;
		v->rec.generation = generation;
		version_publish(t, &it, old, v);
	}
	urcu_memb_read_unlock();
	if (err)
		return err;

	t->exits[(t->exit_head + t->nr_exited) % t->exit_cap] =
		(struct tt_exited){ tid, start_ns, generation };
	t->nr_exited++;
	STAT_SET(t, nr_exited, t->nr_exited);
	return 0;
}

void tasktable__end_generation(struct tasktable *t, __u64 generation)
{
	writer_online();
	/* Exit order is generation order, so the expired ones are at the head. */
	while (t->nr_exited && t->exits[t->exit_head].exit_generation + t->grace < generation) {
		exit_pop(t);
		STAT_ADD(t, reclaimed, 1);
	}
	batch_flush(t);
}

const struct task_rec *tasktable__get(struct tasktable *t, __u32 tid, __u64 start_ns)
{
	struct cds_lfht_iter it;
	struct tt_version *v;

	writer_online();
	urcu_memb_read_lock();
	v = version_find(t, tid, start_ns, &it);
	urcu_memb_read_unlock();
	/* Only the writer retires versions, so this one outlives the read section. */
	return v ? &v->rec : NULL;
}

void tasktable__stats(struct tasktable *t, struct tasktable_stats *st)
{
	st->nr_tasks = atomic_load_explicit(&t->st.nr_tasks, memory_order_relaxed);
	st->nr_exited = atomic_load_explicit(&t->st.nr_exited, memory_order_relaxed);
	st->inserted = atomic_load_explicit(&t->st.inserted, memory_order_relaxed);
	st->updates = atomic_load_explicit(&t->st.updates, memory_order_relaxed);
	st->reclaimed = atomic_load_explicit(&t->st.reclaimed, memory_order_relaxed);
	st->evictions = atomic_load_explicit(&t->st.evictions, memory_order_relaxed);
	st->refused = atomic_load_explicit(&t->st.refused, memory_order_relaxed);
	/* freed first: a concurrent free between the two loads must not make freed > retired. */
	st->freed = atomic_load_explicit(&t->st.freed, memory_order_acquire);
	st->retired = atomic_load_explicit(&t->st.retired, memory_order_relaxed);
}

/* ---- readers ---- */

struct tasktable_reader *tasktable__reader_new(struct tasktable *t)
{
	struct tasktable_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->t = t;
	r->owner = pthread_self();
	thread_get();
	atomic_fetch_add(&t->nr_readers, 1);
	return r;
}

void tasktable__reader_free(struct tasktable_reader *r)
{
	if (!r)
		return;
	/* liburcu's registration is per thread: a handle cannot move between threads. */
	assert(pthread_equal(r->owner, pthread_self()) && r->depth == 0);
	thread_put();
	atomic_fetch_sub(&r->t->nr_readers, 1);
	free(r);
}

void tasktable__read_lock(struct tasktable_reader *r)
{
	assert(pthread_equal(r->owner, pthread_self()));
	if (r->depth++ == 0)
		urcu_memb_read_lock();
}

void tasktable__read_unlock(struct tasktable_reader *r)
{
	assert(r->depth > 0);
	if (--r->depth == 0) {
		tsan_release(&r->t->tsan_grace);
		urcu_memb_read_unlock();
	}
}

const struct task_rec *tasktable__lookup(struct tasktable_reader *r, __u32 tid, __u64 start_ns)
{
	struct cds_lfht_iter it;
	struct tt_version *v;

	assert(r->depth > 0 && "tasktable__lookup() outside tasktable__read_lock()");
	v = version_find(r->t, tid, start_ns, &it);
	return v ? &v->rec : NULL;
}

int tasktable__for_each(struct tasktable_reader *r,
			int (*cb)(void *ctx, const struct task_rec *rec), void *ctx)
{
	struct cds_lfht_iter it;
	struct tt_version *v;
	int err = 0;

	tasktable__read_lock(r);
	/* lfht nodes never move and a replace is seen once: each task present throughout, once. */
	cds_lfht_for_each_entry(r->t->ht, &it, v, node)
	{
		tsan_acquire(v);
		err = cb(ctx, &v->rec);
		if (err)
			break;
	}
	tasktable__read_unlock(r);
	return err;
}

__u64 task_rec__checksum(const struct task_rec *rec)
{
	/* FNV-1a over id and counts, the producer's payload; 8 bytes a step for speed. */
	const unsigned char *p = (const unsigned char *)rec;
	size_t n = offsetof(struct task_rec, generation), i;
	__u64 h = 0xcbf29ce484222325ull, w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}
