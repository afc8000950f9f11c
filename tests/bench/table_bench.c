// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench-table: the task table's candidates under one writer and 1..N
 * readers (design decision 6, docs/performance.md "Task table").
 *
 * Candidates, each used the way production would use it:
 *   rwlock  a global pthread_rwlock over a chained hash; records updated in
 *           place under the write lock (the baseline to beat), glibc's
 *           default kind (readers first)
 *   rwlock-wp  the same with PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
 *   ck_ht   Concurrency Kit ck_ht (SPMC), byte-string keys (start_ns, tid)
 *           held in the record, the record as value; replaced records
 *           freed through ck_epoch (readers: begin/end per lookup, writer:
 *           ck_epoch_poll, never ck_epoch_synchronize)
 *   lfht    liburcu cds_lfht keyed by (tid, start_ns), the record being the
 *           node, updates by cds_lfht_replace(), urcu-memb flavour, records
 *           freed through call_rcu
 *   tasktable  userspace/live/tasktable.c itself, through its public API
 * In ck_ht and lfht records are immutable: an update is malloc + copy +
 * one publish + a deferred free of the old record.
 * --flavours compares liburcu's flavours (memb, mb, qsbr, bp) on lfht.
 *
 * Workload: `size` tasks; readers look up random live tasks. The writer's
 * operations are updates with probability 1 % (read-mostly, 99:1) or 50 %
 * (write-heavy, 50:50), lookups otherwise; one update in CHURN_EVERY is a
 * task exit plus a new task (remove + insert, a new tid) so deletions are
 * exercised. Runs are interleaved (every candidate once per round, the
 * order rotated each round) and each lasts a fixed time; the tables print
 * the median over rounds. "min reader" is the slowest reader's own rate,
 * the starvation check.
 */
#define _LGPL_SOURCE /* inline liburcu read-side fast paths */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ck_epoch.h>
#include <ck_ht.h>
#include <urcu/urcu-bp.h>
#include <urcu/urcu-mb.h>
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "live/tasktable.h"

#define CHURN_EVERY 32 /* one update in this many is an exit + a new task */
#define MAX_READERS 8

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u64 now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Time all CPUs spent busy (user, nice, system, irq, softirq, steal) since boot. */
static __u64 machine_busy_ns(void)
{
	unsigned long long v[8] = {};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1000000000ull / sysconf(_SC_CLK_TCK));
}

static inline __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline __u64 key_hash(__u32 tid, __u64 start_ns)
{
	return mix64(start_ns ^ ((__u64)tid << 40) ^ tid);
}

static inline __u64 rng_next(__u64 *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix64(*s);
}

/*
 * Every candidate behind one interface. lookup() is a whole read section
 * (enter, find, read two fields, leave) and returns 1 on a hit.
 */
struct cand {
	const char *name;
	void *(*create)(size_t n);
	void (*destroy)(void *tbl);
	void *(*reader_enter)(void *tbl);
	void (*reader_exit)(void *tbl, void *rd);
	void (*writer_enter)(void *tbl);
	void (*writer_exit)(void *tbl);
	int (*lookup)(void *tbl, void *rd, __u32 tid, __u64 start_ns, __u64 *sink);
	int (*wlookup)(void *tbl, __u32 tid, __u64 start_ns, __u64 *sink);
	int (*update)(void *tbl, const struct task_rec *rec);
	int (*remove)(void *tbl, __u32 tid, __u64 start_ns);
	void (*tick)(void *tbl, void *rd); /* writer, every TICK_EVERY ops; readers too (qsbr) */
};

#define TICK_EVERY 256

/* ---- rwlock: the baseline ---- */

struct rw_entry {
	struct rw_entry *next;
	struct task_rec rec;
};

struct rw_table {
	pthread_rwlock_t lock;
	struct rw_entry **buckets;
	size_t mask;
};

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void *rw_create_kind(size_t n, int kind)
{
	struct rw_table *t = calloc(1, sizeof(*t));
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, kind);
	pthread_rwlock_init(&t->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	t->mask = pow2_at_least(n * 2) - 1;
	t->buckets = calloc(t->mask + 1, sizeof(*t->buckets));
	return t;
}

/* glibc's default: readers first, so readers that keep overlapping starve the writer. */
static void *rw_create(size_t n)
{
	return rw_create_kind(n, PTHREAD_RWLOCK_PREFER_READER_NP);
}

/* Writer first: a waiting writer holds back new readers. */
static void *rw_create_wp(size_t n)
{
	return rw_create_kind(n, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}

static void rw_destroy(void *tbl)
{
	struct rw_table *t = tbl;
	size_t i;

	for (i = 0; i <= t->mask; i++) {
		while (t->buckets[i]) {
			struct rw_entry *e = t->buckets[i];

			t->buckets[i] = e->next;
			free(e);
		}
	}
	free(t->buckets);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

static struct rw_entry **rw_find(struct rw_table *t, __u32 tid, __u64 start_ns)
{
	struct rw_entry **p = &t->buckets[key_hash(tid, start_ns) & t->mask];

	while (*p && !((*p)->rec.id.tid == tid && (*p)->rec.id.start_ns == start_ns))
		p = &(*p)->next;
	return p;
}

static int rw_lookup(void *tbl, void *rd, __u32 tid, __u64 start_ns, __u64 *sink)
{
	struct rw_table *t = tbl;
	struct rw_entry *e;

	pthread_rwlock_rdlock(&t->lock);
	e = *rw_find(t, tid, start_ns);
	if (e)
		*sink += e->rec.generation + e->rec.counts.runtime_ns;
	pthread_rwlock_unlock(&t->lock);
	return e != NULL;
}

/* The only writer reads without the lock: nobody else changes the table. */
static int rw_wlookup(void *tbl, __u32 tid, __u64 start_ns, __u64 *sink)
{
	struct rw_entry *e = *rw_find(tbl, tid, start_ns);

	if (e)
		*sink += e->rec.generation + e->rec.counts.runtime_ns;
	return e != NULL;
}

static int rw_update(void *tbl, const struct task_rec *rec)
{
	struct rw_table *t = tbl;
	struct rw_entry **p, *e = NULL;

	p = rw_find(t, rec->id.tid, rec->id.start_ns);
	if (!*p) {
		e = malloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->next = NULL;
		e->rec = *rec;
	}
	pthread_rwlock_wrlock(&t->lock);
	if (e)
		*p = e;
	else
		(*p)->rec = *rec;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

static int rw_remove(void *tbl, __u32 tid, __u64 start_ns)
{
	struct rw_table *t = tbl;
	struct rw_entry **p = rw_find(t, tid, start_ns), *e = *p;

	if (!e)
		return -ENOENT;
	pthread_rwlock_wrlock(&t->lock);
	*p = e->next;
	pthread_rwlock_unlock(&t->lock);
	free(e);
	return 0;
}

static void *rw_reader_enter(void *tbl)
{
	return tbl;
}

static void rw_nop_exit(void *tbl, void *rd)
{
}

static void rw_nop(void *tbl)
{
}

static void rw_tick(void *tbl, void *rd)
{
}

/* ---- ck_ht + ck_epoch ---- */

/*
 * ck_ht in byte-string mode: the key (start_ns, tid, 0) lives in the
 * version itself, the value is the version, so a lookup is slot -> version
 * like lfht's bucket -> version. Updates replace the value in place.
 */
struct ck_ver {
	ck_epoch_entry_t epoch;
	__u64 key_start;
	__u32 key_tid, key_zero;
	struct task_rec rec;
};

struct ck_key {
	__u64 start_ns;
	__u32 tid, zero;
};

struct ck_table {
	ck_ht_t ht;
	ck_epoch_t epoch;
	ck_epoch_record_t wrec; /* the writer's: only defers, never enters a section */
	struct ck_malloc alloc;
	unsigned long removals; /* since the last ck_ht_gc */
	ck_epoch_record_t rrecs[MAX_READERS];
	atomic_int nr_rrecs;
};

/* ck_ht hands back maps to free with defer=true: keep room for an epoch entry before them. */
struct ck_blob {
	ck_epoch_entry_t epoch;
	char data[] __attribute__((aligned(64)));
};

static void *ck_blob_malloc(size_t sz)
{
	struct ck_blob *b;

	if (posix_memalign((void **)&b, 64, sizeof(*b) + sz))
		return NULL;
	return b->data;
}

static void ck_blob_free_cb(ck_epoch_entry_t *e)
{
	free((char *)e - offsetof(struct ck_blob, epoch));
}

static struct ck_table *ck_of_alloc;

static void ck_blob_free(void *p, size_t sz, bool defer)
{
	struct ck_blob *b = (struct ck_blob *)((char *)p - offsetof(struct ck_blob, data));

	if (defer)
		ck_epoch_call(&ck_of_alloc->wrec, &b->epoch, ck_blob_free_cb);
	else
		free(b);
}

static void ck_ver_free_cb(ck_epoch_entry_t *e)
{
	free((char *)e - offsetof(struct ck_ver, epoch));
}

static void ck_hash_cb(ck_ht_hash_t *h, const void *key, size_t len, uint64_t seed)
{
	const struct ck_key *k = key;

	h->value = key_hash(k->tid, k->start_ns);
}

static void *ck_create(size_t n)
{
	struct ck_table *t = calloc(1, sizeof(*t));

	ck_of_alloc = t; /* ck_malloc callbacks get no context: one ck table at a time */
	t->alloc.malloc = ck_blob_malloc;
	t->alloc.free = ck_blob_free;
	ck_epoch_init(&t->epoch);
	ck_epoch_register(&t->epoch, &t->wrec, NULL);
	if (!ck_ht_init(&t->ht, CK_HT_MODE_BYTESTRING | CK_HT_WORKLOAD_DELETE, ck_hash_cb,
			&t->alloc, pow2_at_least(n * 2), 0)) {
		fprintf(stderr, "ck_ht_init failed\n");
		exit(1);
	}
	return t;
}

static void ck_destroy(void *tbl)
{
	struct ck_table *t = tbl;
	ck_ht_iterator_t it = CK_HT_ITERATOR_INITIALIZER;
	ck_ht_entry_t *e;

	while (ck_ht_next(&t->ht, &it, &e))
		free(ck_ht_entry_value(e));
	ck_epoch_barrier(&t->wrec);
	ck_ht_destroy(&t->ht);
	free(t);
}

static inline struct ck_ver *ck_find(struct ck_table *t, __u32 tid, __u64 start_ns)
{
	struct ck_key k = { start_ns, tid, 0 };
	ck_ht_entry_t e;
	ck_ht_hash_t h = { key_hash(tid, start_ns) };

	ck_ht_entry_key_set(&e, &k, sizeof(k));
	if (!ck_ht_get_spmc(&t->ht, h, &e))
		return NULL;
	return ck_ht_entry_value(&e);
}

static void *ck_reader_enter(void *tbl)
{
	struct ck_table *t = tbl;
	int i = atomic_fetch_add(&t->nr_rrecs, 1);

	ck_epoch_register(&t->epoch, &t->rrecs[i], NULL);
	return &t->rrecs[i];
}

static void ck_reader_exit(void *tbl, void *rd)
{
	ck_epoch_unregister(rd);
}

static int ck_lookup(void *tbl, void *rd, __u32 tid, __u64 start_ns, __u64 *sink)
{
	struct ck_ver *v;

	ck_epoch_begin(rd, NULL);
	v = ck_find(tbl, tid, start_ns);
	if (v)
		*sink += v->rec.generation + v->rec.counts.runtime_ns;
	ck_epoch_end(rd, NULL);
	return v != NULL;
}

/* The only writer needs no epoch section: only it frees, in ck_epoch_poll(). */
static int ck_wlookup(void *tbl, __u32 tid, __u64 start_ns, __u64 *sink)
{
	struct ck_ver *v = ck_find(tbl, tid, start_ns);

	if (v)
		*sink += v->rec.generation + v->rec.counts.runtime_ns;
	return v != NULL;
}

static int ck_update(void *tbl, const struct task_rec *rec)
{
	struct ck_table *t = tbl;
	ck_ht_hash_t h = { key_hash(rec->id.tid, rec->id.start_ns) };
	struct ck_ver *v, *old;
	ck_ht_entry_t e;

	if (posix_memalign((void **)&v, 64, sizeof(*v)))
		return -ENOMEM;
	v->key_start = rec->id.start_ns;
	v->key_tid = rec->id.tid;
	v->key_zero = 0;
	memcpy(&v->rec, rec, sizeof(*rec));
	ck_ht_entry_set(&e, h, &v->key_start, sizeof(struct ck_key), v);
	if (!ck_ht_set_spmc(&t->ht, h, &e)) {
		free(v);
		return -ENOMEM;
	}
	/* e now holds what was there: the replaced version, if any. */
	if (!ck_ht_entry_empty(&e)) {
		old = ck_ht_entry_value(&e);
		ck_epoch_call(&t->wrec, &old->epoch, ck_ver_free_cb);
	}
	return 0;
}

static int ck_remove(void *tbl, __u32 tid, __u64 start_ns)
{
	struct ck_table *t = tbl;
	struct ck_key k = { start_ns, tid, 0 };
	ck_ht_hash_t h = { key_hash(tid, start_ns) };
	struct ck_ver *old;
	ck_ht_entry_t e;

	ck_ht_entry_key_set(&e, &k, sizeof(k));
	if (!ck_ht_remove_spmc(&t->ht, h, &e))
		return -ENOENT;
	old = ck_ht_entry_value(&e);
	ck_epoch_call(&t->wrec, &old->epoch, ck_ver_free_cb);
	t->removals++;
	return 0;
}

static void ck_tick(void *tbl, void *rd)
{
	struct ck_table *t = tbl;

	if (rd)
		return;
	ck_epoch_poll(&t->wrec);
	/* Tombstones lengthen probes until a gc pass moves entries back. */
	if (t->removals >= 1024) {
		ck_ht_gc(&t->ht, 0, 0);
		t->removals = 0;
	}
}

static void ck_nop(void *tbl)
{
}

/* ---- cds_lfht, one adapter per liburcu flavour ---- */

/* As in tasktable.c: the hash holds the versions, updates are cds_lfht_replace(). */
struct lfht_ver {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	struct task_rec rec;
};

struct lfht_key {
	__u32 tid;
	__u64 start_ns;
};

static int lfht_match(struct cds_lfht_node *node, const void *key)
{
	struct lfht_ver *v = caa_container_of(node, struct lfht_ver, node);
	const struct lfht_key *k = key;

	return v->rec.id.tid == k->tid && v->rec.id.start_ns == k->start_ns;
}

static inline struct lfht_ver *lfht_find(struct cds_lfht *ht, __u32 tid, __u64 start_ns,
					 struct cds_lfht_iter *it)
{
	struct lfht_key k = { tid, start_ns };
	struct cds_lfht_node *n;

	cds_lfht_lookup(ht, key_hash(tid, start_ns), lfht_match, &k, it);
	n = cds_lfht_iter_get_node(it);
	return n ? caa_container_of(n, struct lfht_ver, node) : NULL;
}

static struct lfht_ver *lfht_ver_new(const struct task_rec *rec)
{
	struct lfht_ver *v;

	if (posix_memalign((void **)&v, 64, sizeof(*v)))
		abort();
	cds_lfht_node_init(&v->node);
	memcpy(&v->rec, rec, sizeof(*rec));
	return v;
}

static void lfht_ver_free_cb(struct rcu_head *h)
{
	free(caa_container_of(h, struct lfht_ver, rcu));
}

/*
 * urcu/call-rcu.h and urcu/flavor.h have include guards, so only the first
 * flavour included gets their declarations: declare the rest here.
 */
#define LFHT_DECLARE(fl)                                                                           \
	extern const struct rcu_flavor_struct urcu_##fl##_flavor;                                  \
	void urcu_##fl##_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));     \
	void urcu_##fl##_barrier(void);
LFHT_DECLARE(memb)
LFHT_DECLARE(mb)
LFHT_DECLARE(qsbr)

/*
 * QS: what a reader does every TICK_EVERY lookups; only qsbr needs it
 * (its read_lock/unlock are empty, readers announce quiescent states).
 */
#define LFHT_CAND(fl, QS)                                                                          \
	static void *lf_##fl##_create(size_t n)                                                    \
	{                                                                                          \
		return cds_lfht_new_flavor(pow2_at_least(n), pow2_at_least(n), 0,                  \
					   CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,             \
					   &urcu_##fl##_flavor, NULL);                             \
	}                                                                                          \
	static void lf_##fl##_destroy(void *tbl)                                                   \
	{                                                                                          \
		struct cds_lfht_iter it;                                                           \
		struct lfht_ver *v;                                                                \
		urcu_##fl##_register_thread();                                                     \
		urcu_##fl##_read_lock();                                                           \
		cds_lfht_for_each_entry(tbl, &it, v, node)                                         \
		{                                                                                  \
			cds_lfht_del(tbl, &v->node);                                               \
			urcu_##fl##_call_rcu(&v->rcu, lfht_ver_free_cb);                           \
		}                                                                                  \
		urcu_##fl##_read_unlock();                                                         \
		urcu_##fl##_barrier();                                                             \
		urcu_##fl##_unregister_thread();                                                   \
		cds_lfht_destroy(tbl, NULL);                                                       \
	}                                                                                          \
	static void *lf_##fl##_reader_enter(void *tbl)                                             \
	{                                                                                          \
		urcu_##fl##_register_thread();                                                     \
		return tbl;                                                                        \
	}                                                                                          \
	static void lf_##fl##_reader_exit(void *tbl, void *rd)                                     \
	{                                                                                          \
		urcu_##fl##_unregister_thread();                                                   \
	}                                                                                          \
	static void lf_##fl##_writer_enter(void *tbl)                                              \
	{                                                                                          \
		urcu_##fl##_register_thread();                                                     \
	}                                                                                          \
	static void lf_##fl##_writer_exit(void *tbl)                                               \
	{                                                                                          \
		urcu_##fl##_unregister_thread();                                                   \
	}                                                                                          \
	static int lf_##fl##_lookup(void *tbl, void *rd, __u32 tid, __u64 start_ns, __u64 *sink)   \
	{                                                                                          \
		struct cds_lfht_iter it;                                                           \
		struct lfht_ver *v;                                                                \
		urcu_##fl##_read_lock();                                                           \
		v = lfht_find(tbl, tid, start_ns, &it);                                            \
		if (v)                                                                             \
			*sink += v->rec.generation + v->rec.counts.runtime_ns;                     \
		urcu_##fl##_read_unlock();                                                         \
		return v != NULL;                                                                  \
	}                                                                                          \
	static int lf_##fl##_wlookup(void *tbl, __u32 tid, __u64 start_ns, __u64 *sink)            \
	{                                                                                          \
		return lf_##fl##_lookup(tbl, NULL, tid, start_ns, sink);                           \
	}                                                                                          \
	static int lf_##fl##_update(void *tbl, const struct task_rec *rec)                         \
	{                                                                                          \
		struct lfht_key k = { rec->id.tid, rec->id.start_ns };                             \
		struct lfht_ver *v = lfht_ver_new(rec), *old;                                      \
		struct cds_lfht_iter it;                                                           \
		urcu_##fl##_read_lock();                                                           \
		old = lfht_find(tbl, k.tid, k.start_ns, &it);                                      \
		if (old) {                                                                         \
			cds_lfht_replace(tbl, &it, key_hash(k.tid, k.start_ns), lfht_match, &k,    \
					 &v->node);                                                \
			urcu_##fl##_call_rcu(&old->rcu, lfht_ver_free_cb);                         \
		} else {                                                                           \
			cds_lfht_add(tbl, key_hash(k.tid, k.start_ns), &v->node);                  \
		}                                                                                  \
		urcu_##fl##_read_unlock();                                                         \
		return 0;                                                                          \
	}                                                                                          \
	static int lf_##fl##_remove(void *tbl, __u32 tid, __u64 start_ns)                          \
	{                                                                                          \
		struct cds_lfht_iter it;                                                           \
		struct lfht_ver *v;                                                                \
		int err = -ENOENT;                                                                 \
		urcu_##fl##_read_lock();                                                           \
		v = lfht_find(tbl, tid, start_ns, &it);                                            \
		if (v && !cds_lfht_del(tbl, &v->node)) {                                           \
			urcu_##fl##_call_rcu(&v->rcu, lfht_ver_free_cb);                           \
			err = 0;                                                                   \
		}                                                                                  \
		urcu_##fl##_read_unlock();                                                         \
		return err;                                                                        \
	}                                                                                          \
	static void lf_##fl##_tick(void *tbl, void *rd)                                            \
	{                                                                                          \
		QS;                                                                                \
	}                                                                                          \
	static const struct cand cand_lfht_##fl = {                                                \
		"lfht-" #fl,		 lf_##fl##_create,	 lf_##fl##_destroy,                       \
		lf_##fl##_reader_enter,	 lf_##fl##_reader_exit,	 lf_##fl##_writer_enter,                  \
		lf_##fl##_writer_exit,	 lf_##fl##_lookup,	 lf_##fl##_wlookup,                       \
		lf_##fl##_update,	 lf_##fl##_remove,	 lf_##fl##_tick,                          \
	};

LFHT_CAND(memb, (void)0)
LFHT_CAND(mb, (void)0)
LFHT_CAND(bp, (void)0)
LFHT_CAND(qsbr, urcu_qsbr_quiescent_state())

/* ---- the production table ---- */

static void *tt_create(size_t n)
{
	/*
	 * Room for the exited tasks still in their grace (the churn), and a
	 * bucket count like lfht-memb's, which is sized to n.
	 */
	struct tasktable *t = tasktable__new(n + n / 4, 1);

	if (!t) {
		perror("tasktable__new");
		exit(1);
	}
	return t;
}

static void tt_destroy(void *tbl)
{
	tasktable__free(tbl);
}

static void *tt_reader_enter(void *tbl)
{
	return tasktable__reader_new(tbl);
}

static void tt_reader_exit(void *tbl, void *rd)
{
	tasktable__reader_free(rd);
}

static int tt_lookup(void *tbl, void *rd, __u32 tid, __u64 start_ns, __u64 *sink)
{
	const struct task_rec *r;

	tasktable__read_lock(rd);
	r = tasktable__lookup(rd, tid, start_ns);
	if (r)
		*sink += r->generation + r->counts.runtime_ns;
	tasktable__read_unlock(rd);
	return r != NULL;
}

static int tt_wlookup(void *tbl, __u32 tid, __u64 start_ns, __u64 *sink)
{
	const struct task_rec *r = tasktable__get(tbl, tid, start_ns);

	if (r)
		*sink += r->generation + r->counts.runtime_ns;
	return r != NULL;
}

static int tt_update(void *tbl, const struct task_rec *rec)
{
	return tasktable__update(tbl, rec);
}

/* An exit whose grace ends at once: mark, then end the generations that let it go. */
static __u64 tt_gen = 1;

static int tt_remove(void *tbl, __u32 tid, __u64 start_ns)
{
	int err = tasktable__mark_exited(tbl, tid, start_ns, tt_gen);

	return err;
}

static void tt_tick(void *tbl, void *rd)
{
	if (rd)
		return;
	tasktable__end_generation(tbl, ++tt_gen);
}

static void tt_nop(void *tbl)
{
}

static const struct cand cand_rwlock = {
	"rwlock", rw_create, rw_destroy, rw_reader_enter, rw_nop_exit, rw_nop, rw_nop,
	rw_lookup, rw_wlookup, rw_update, rw_remove, rw_tick,
};

static const struct cand cand_rwlock_wp = {
	"rwlock-wp", rw_create_wp, rw_destroy, rw_reader_enter, rw_nop_exit, rw_nop, rw_nop,
	rw_lookup, rw_wlookup, rw_update, rw_remove, rw_tick,
};

static const struct cand cand_ck = {
	"ck_ht", ck_create, ck_destroy, ck_reader_enter, ck_reader_exit, ck_nop, ck_nop,
	ck_lookup, ck_wlookup, ck_update, ck_remove, ck_tick,
};

static const struct cand cand_tt = {
	"tasktable", tt_create, tt_destroy, tt_reader_enter, tt_reader_exit, tt_nop, tt_nop,
	tt_lookup, tt_wlookup, tt_update, tt_remove, tt_tick,
};

/* ---- the run ---- */

/*
 * Live tasks, shared with the readers: tid in the top 24 bits, start_ns in
 * the low 40, one atomic word so a reader never pairs a tid with another
 * task's start time.
 */
#define SLOT(tid, start) (((__u64)(tid) << 40) | (start))
#define SLOT_TID(s) ((__u32)((s) >> 40))
#define SLOT_START(s) ((s) & ((1ull << 40) - 1))

struct run {
	const struct cand *c;
	void *tbl;
	size_t n;
	int write_pct;
	int nr_readers;
	_Atomic __u64 *slots;
	atomic_int ready;
	atomic_bool go, stop;
	/* results */
	double lookups_s[MAX_READERS];
	double updates_s, wlookups_s;
	__u64 misses;
	double other; /* CPU time other processes used during the run, in CPUs */
};

struct worker {
	struct run *run;
	int idx; /* reader index; -1 = the writer */
};

static void fill_rec(struct task_rec *rec, __u32 tid, __u64 start_ns, __u64 gen)
{
	rec->id.tid = tid;
	rec->id.tgid = tid;
	rec->id.start_ns = start_ns;
	rec->generation = gen;
	rec->counts.runtime_ns = gen * 1000;
}

static void *reader_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	void *rd = run->c->reader_enter(run->tbl);
	__u64 seed = 0x1234 + w->idx, sink = 0, ops = 0, misses = 0, t0, t1;

	atomic_fetch_add(&run->ready, 1);
	while (!atomic_load(&run->go))
		;
	t0 = now_ns();
	while (!atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		for (int i = 0; i < TICK_EVERY; i++) {
			__u64 s = atomic_load_explicit(&run->slots[rng_next(&seed) % run->n],
						       memory_order_relaxed);

			misses += !run->c->lookup(run->tbl, rd, SLOT_TID(s), SLOT_START(s), &sink);
		}
		ops += TICK_EVERY;
		run->c->tick(run->tbl, rd);
	}
	t1 = now_ns();
	run->c->reader_exit(run->tbl, rd);
	run->lookups_s[w->idx] = ops * 1e9 / (t1 - t0);
	__atomic_fetch_add(&run->misses, misses, __ATOMIC_RELAXED);
	if (sink == 42) /* keep the reads */
		putchar(' ');
	return NULL;
}

static void *writer_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct task_rec rec;
	__u64 seed = 0x9876, sink = 0, updates = 0, lookups = 0, gen = 1, t0, t1;
	__u32 next_tid = run->n + 1;
	__u64 next_start = run->n + 1;

	memset(&rec, 0, sizeof(rec));
	run->c->writer_enter(run->tbl);
	atomic_fetch_add(&run->ready, 1);
	while (!atomic_load(&run->go))
		;
	t0 = now_ns();
	while (!atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		for (int i = 0; i < TICK_EVERY; i++) {
			__u64 r = rng_next(&seed);
			size_t k = r % run->n;
			__u64 s = atomic_load_explicit(&run->slots[k], memory_order_relaxed);

			if ((int)((r >> 32) % 100) >= run->write_pct) {
				lookups++;
				run->c->wlookup(run->tbl, SLOT_TID(s), SLOT_START(s), &sink);
				continue;
			}
			updates++;
			gen++;
			if ((r >> 48) % CHURN_EVERY) {
				fill_rec(&rec, SLOT_TID(s), SLOT_START(s), gen);
				run->c->update(run->tbl, &rec);
				continue;
			}
			/* An exit and a new task in its slot. */
			fill_rec(&rec, next_tid, next_start, gen);
			if (run->c->update(run->tbl, &rec) == 0) {
				atomic_store_explicit(&run->slots[k], SLOT(next_tid, next_start),
						      memory_order_relaxed);
				run->c->remove(run->tbl, SLOT_TID(s), SLOT_START(s));
			}
			next_tid = next_tid % ((1u << 24) - 2) + 1;
			next_start++;
		}
		run->c->tick(run->tbl, NULL);
	}
	t1 = now_ns();
	run->c->writer_exit(run->tbl);
	run->updates_s = updates * 1e9 / (t1 - t0);
	run->wlookups_s = lookups * 1e9 / (t1 - t0);
	if (sink == 42)
		putchar(' ');
	return NULL;
}

/*
 * Filling and destroying run on threads of their own, so that whatever a
 * candidate registers per thread (liburcu) comes and goes with them and
 * never leaks into the next candidate's run on the main thread.
 */
static void *fill_main(void *arg)
{
	struct run *run = arg;
	struct task_rec rec;
	__u64 i;

	memset(&rec, 0, sizeof(rec));
	run->c->writer_enter(run->tbl);
	for (i = 0; i < run->n; i++) {
		fill_rec(&rec, i + 1, i + 1, 1);
		if (run->c->update(run->tbl, &rec)) {
			fprintf(stderr, "%s: insert failed\n", run->c->name);
			exit(1);
		}
		run->slots[i] = SLOT(i + 1, i + 1);
	}
	run->c->writer_exit(run->tbl);
	return NULL;
}

static void *destroy_main(void *arg)
{
	struct run *run = arg;

	run->c->destroy(run->tbl);
	return NULL;
}

static void run_in_thread(void *(*fn)(void *), struct run *run)
{
	pthread_t th;

	pthread_create(&th, NULL, fn, run);
	pthread_join(th, NULL);
}

static int run_one(struct run *run, double secs)
{
	struct worker ws[MAX_READERS + 1];
	pthread_t th[MAX_READERS + 1];
	__u64 wall, cpu, busy;

	run->tbl = run->c->create(run->n);
	run->slots = calloc(run->n, sizeof(*run->slots));
	run_in_thread(fill_main, run);
	atomic_store(&run->ready, 0);
	atomic_store(&run->go, false);
	atomic_store(&run->stop, false);
	run->misses = 0;
	tt_gen = 1;
	for (int r = -1; r < run->nr_readers; r++) {
		ws[r + 1].run = run;
		ws[r + 1].idx = r;
		pthread_create(&th[r + 1], NULL, r < 0 ? writer_main : reader_main, &ws[r + 1]);
	}
	while (atomic_load(&run->ready) < run->nr_readers + 1)
		usleep(100);
	/* Busy time of the machine minus this process's: what others took meanwhile. */
	wall = now_ns();
	busy = machine_busy_ns();
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	atomic_store(&run->go, true);
	usleep(secs * 1e6);
	atomic_store(&run->stop, true);
	for (int r = 0; r <= run->nr_readers; r++)
		pthread_join(th[r], NULL);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	busy = machine_busy_ns() - busy;
	wall = now_ns() - wall;
	run->other = busy > cpu ? (double)(busy - cpu) / wall : 0;
	run_in_thread(destroy_main, run);
	free(run->slots);
	return 0;
}

/* ---- driver ---- */

#define MAX_OTHER 0.1 /* a run during which others used more CPU than this was disturbed */
#define MAX_ATTEMPTS 5

static int nr_runs, nr_disturbed;

/*
 * One measurement, repeated while something else on the machine took CPU
 * from it; if every attempt was disturbed, the least disturbed one counts.
 */
static int measure(const struct cand *c, size_t n, int write_pct, int readers, double secs,
		   double *lookups, double *min_reader, double *updates)
{
	double best = 1e9;

	for (int attempt = 0; attempt < MAX_ATTEMPTS && best > MAX_OTHER; attempt++) {
		struct run run = { .c = c, .n = n, .write_pct = write_pct, .nr_readers = readers };
		double sum = 0, min = 1e300;

		if (run_one(&run, secs))
			return -1;
		if (run.other >= best)
			continue;
		best = run.other;
		for (int j = 0; j < readers; j++) {
			sum += run.lookups_s[j];
			if (run.lookups_s[j] < min)
				min = run.lookups_s[j];
		}
		*lookups = sum;
		*min_reader = min;
		*updates = run.updates_s;
	}
	nr_runs++;
	nr_disturbed += best > MAX_OTHER;
	return 0;
}

static const struct cand *all_cands[] = {
	&cand_rwlock, &cand_rwlock_wp, &cand_ck,	&cand_lfht_memb,
	&cand_tt,     &cand_lfht_mb,   &cand_lfht_qsbr, &cand_lfht_bp,
};
#define DEFAULT_TABLES "rwlock,rwlock-wp,ck_ht,lfht-memb,tasktable"
#define FLAVOUR_TABLES "lfht-memb,lfht-mb,lfht-qsbr,lfht-bp"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double tmp[64];

	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The first and third quartiles of v (nearest rank). */
static void quartiles(const double *v, int n, double *q1, double *q3)
{
	double tmp[64];

	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	*q1 = tmp[(n - 1) / 4];
	*q3 = tmp[n - 1 - (n - 1) / 4];
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--rounds N] [--secs S] [--readers N] [--sizes a,b,c] [--tables a,b]\n"
		"  --rounds N    interleaved rounds, median reported (default 3)\n"
		"  --secs S      seconds per run (default 0.5)\n"
		"  --readers N   reader threads, 1..N (default 3, max %d)\n"
		"  --sizes LIST  task counts (default 1000,10000,100000)\n"
		"  --tables LIST candidates, the first is the one others are compared with\n"
		"                (default " DEFAULT_TABLES ")\n"
		"  --flavours    same as --tables " FLAVOUR_TABLES "\n"
		"  --write-heavy only the write-heavy (50:50) mix\n",
		prog, MAX_READERS);
}

static const char *mix_name(int pct)
{
	return pct == 1 ? "read-mostly 99:1" : pct == 50 ? "write-heavy 50:50" : "custom";
}

static double mrate(double v)
{
	return v / 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' }, { "secs", required_argument, NULL, 's' },
		{ "readers", required_argument, NULL, 'n' }, { "sizes", required_argument, NULL, 'z' },
		{ "flavours", no_argument, NULL, 'f' },      { "tables", required_argument, NULL, 't' },
		{ "write-heavy", no_argument, NULL, 'w' },  { "help", no_argument, NULL, 'h' },
		{},
	};
	size_t sizes[8] = { 1000, 10000, 100000 };
	int nr_sizes = 3, rounds = 3, max_readers = 3, opt;
	static const int all_mixes[] = { 1, 50 };
	const int *mixes = all_mixes;
	int nr_mix = 2;
	const struct cand *cands[8];
	char tables[256] = DEFAULT_TABLES;
	int nr_cands = 0;
	double secs = 0.5;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end, *tok;

		switch (opt) {
		case 'r':
			rounds = strtol(optarg, &end, 10);
			if (*end || rounds < 1 || rounds > 64)
				return usage(argv[0]), 2;
			break;
		case 's':
			secs = strtod(optarg, &end);
			if (*end || secs <= 0 || secs > 60)
				return usage(argv[0]), 2;
			break;
		case 'n':
			max_readers = strtol(optarg, &end, 10);
			if (*end || max_readers < 1 || max_readers > MAX_READERS)
				return usage(argv[0]), 2;
			break;
		case 'z':
			nr_sizes = 0;
			for (tok = strtok(optarg, ","); tok && nr_sizes < 8; tok = strtok(NULL, ",")) {
				sizes[nr_sizes] = strtoul(tok, &end, 10);
				if (*end || sizes[nr_sizes] < 16 || sizes[nr_sizes] > (1u << 22))
					return usage(argv[0]), 2;
				nr_sizes++;
			}
			break;
		case 'f':
			snprintf(tables, sizeof(tables), "%s", FLAVOUR_TABLES);
			break;
		case 't':
			snprintf(tables, sizeof(tables), "%s", optarg);
			break;
		case 'w':
			mixes = all_mixes + 1;
			nr_mix = 1;
			break;
		default:
			return usage(argv[0]), opt == 'h' ? 0 : 2;
		}
	}
	for (char *tok = strtok(tables, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < sizeof(all_cands) / sizeof(*all_cands); i++)
			if (!strcmp(tok, all_cands[i]->name))
				break;
		if (i == sizeof(all_cands) / sizeof(*all_cands) || nr_cands == 8) {
			fprintf(stderr, "unknown table '%s'\n", tok);
			return 2;
		}
		cands[nr_cands++] = all_cands[i];
	}

	/* results[size][mix][readers-1][cand][round] */
	int cells = nr_sizes * nr_mix * max_readers * nr_cands;
	double *lk = calloc(cells * rounds, sizeof(double));
	double *mn = calloc(cells * rounds, sizeof(double));
	double *up = calloc(cells * rounds, sizeof(double));
#define IDX(z, m, r, c) ((((z) * nr_mix + (m)) * max_readers + (r)) * nr_cands + (c))

	printf("table_bench: %d rounds x %.2f s per run, sizes", rounds, secs);
	for (int z = 0; z < nr_sizes; z++)
		printf(" %zu", sizes[z]);
	printf(", 1..%d readers + 1 writer, %ld CPUs\n", max_readers, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	for (int round = 0; round < rounds; round++) {
		for (int z = 0; z < nr_sizes; z++) {
			for (int m = 0; m < nr_mix; m++) {
				for (int r = 0; r < max_readers; r++) {
					for (int k = 0; k < nr_cands; k++) {
						int c = (k + round + z + m + r) % nr_cands;
						int i = IDX(z, m, r, c) * rounds + round;

						if (measure(cands[c], sizes[z], mixes[m], r + 1, secs,
							    &lk[i], &mn[i], &up[i]))
							return 1;
					}
				}
			}
		}
		fprintf(stderr, "round %d/%d done\n", round + 1, rounds);
	}

	printf("\n%d of %d runs were disturbed by other load on the machine in all %d attempts "
	       "(others used > %.2f CPU)\n", nr_disturbed, nr_runs, MAX_ATTEMPTS, MAX_OTHER);

	/* Baselines: every rwlock candidate gets a "vs" column. */
	int bases[2], nr_bases = 0;

	for (int c = 0; c < nr_cands && nr_bases < 2; c++)
		if (!strncmp(cands[c]->name, "rwlock", 6))
			bases[nr_bases++] = c;
	for (int z = 0; z < nr_sizes; z++) {
		for (int m = 0; m < nr_mix; m++) {
			printf("\n%zu tasks, %s (millions/s, median of %d)\n\n", sizes[z],
			       mix_name(mixes[m]), rounds);
			printf("| readers | table | lookups/s | (range) | min reader | updates/s |");
			for (int b = 0; b < nr_bases; b++)
				printf(" vs %s |", cands[bases[b]]->name);
			printf("\n|---:|---|---:|---:|---:|---:|");
			for (int b = 0; b < nr_bases; b++)
				printf("---:|");
			printf("\n");
			for (int r = 0; r < max_readers; r++) {
				for (int c = 0; c < nr_cands; c++) {
					int i = IDX(z, m, r, c) * rounds;
					double l = median(lk + i, rounds);

					double lo = lk[i], hi = lk[i];

					for (int k = 1; k < rounds; k++) {
						lo = lk[i + k] < lo ? lk[i + k] : lo;
						hi = lk[i + k] > hi ? lk[i + k] : hi;
					}
					printf("| %d | %s | %.2f | %.1f-%.1f | %.2f | %.3f |", r + 1,
					       cands[c]->name, mrate(l), mrate(lo), mrate(hi),
					       mrate(median(mn + i, rounds)),
					       mrate(median(up + i, rounds)));
					for (int b = 0; b < nr_bases; b++)
						printf(" %.1fx |",
						       l / median(lk + IDX(z, m, r, bases[b]) * rounds,
								  rounds));
					printf("\n");
				}
			}
		}
	}

	/*
	 * The bar: with 2 readers and a busy (write-heavy) writer,
	 * lookups at least 3x the rwlock's, and no reader starved (here: the
	 * slowest reader below a quarter of the mean reader). A rwlock whose
	 * writer managed under a tenth of the candidate's updates did not have
	 * a busy writer: its readers won by starving the writer, so it is
	 * shown but not held against the candidate.
	 */
	if (max_readers >= 2 && nr_bases) {
		printf("\nCheck: 2 readers, write-heavy: lookups >= 3x the rwlock's (median of the "
		       "rounds' ratios), slowest reader >= 0.25 of the mean reader\n\n");
		for (int z = 0; z < nr_sizes; z++) {
			for (int c = 0; c < nr_cands; c++) {
				int i = IDX(z, nr_mix - 1, 1, c) * rounds;
				double l = median(lk + i, rounds), mr = median(mn + i, rounds);
				double u = median(up + i, rounds);
				bool ok = mr >= 0.25 * l / 2;

				if (!strncmp(cands[c]->name, "rwlock", 6))
					continue;
				printf("%-10s %7zu tasks:", cands[c]->name, sizes[z]);
				for (int b = 0; b < nr_bases; b++) {
					int j = IDX(z, nr_mix - 1, 1, bases[b]) * rounds;
					double ratio[64], x, q1, q3;

					if (median(up + j, rounds) < u / 10) {
						printf(" (%s: writer starved, %.3f M updates/s)",
						       cands[bases[b]]->name,
						       mrate(median(up + j, rounds)));
						continue;
					}
					/*
					 * Paired by round (a round runs every candidate
					 * back to back), so a slow stretch of the machine
					 * slows both sides of a ratio; the median of
					 * those ratios is the figure held to the bar.
					 */
					for (int k = 0; k < rounds; k++)
						ratio[k] = lk[i + k] / lk[j + k];
					x = median(ratio, rounds);
					quartiles(ratio, rounds, &q1, &q3);
					printf(" %.1fx %s (rounds' middle half %.1f-%.1fx)", x,
					       cands[bases[b]]->name, q1, q3);
					ok = ok && x >= 3;
				}
				printf("; slowest reader %.2f of mean: %s\n", mr / (l / 2),
				       ok ? "ok" : "MISSED");
			}
		}
	}
	free(lk);
	free(mn);
	free(up);
	return 0;
}
