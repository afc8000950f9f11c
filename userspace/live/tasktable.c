// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The task table on Concurrency Kit: a ck_ht (single writer, lock-free
 * readers) finds a task's current version by key, and ck_epoch frees
 * replaced versions once no reader can hold them. Why these and not
 * liburcu's cds_lfht: docs/performance.md, "Task table".
 *
 * A version is an immutable struct task_rec with its key bytes (start_ns,
 * tid) in front; ck_ht stores a pointer to those bytes and the version as
 * the value, so a lookup is: probe the slot array (the full hash is kept in
 * the slot, so only the match is dereferenced), compare the key on the
 * version's first cache line, done. Replacing a version is one
 * ck_ht_set_spmc() in the same slot.
 *
 * ck_ht's own iterator is not safe against a concurrent writer (it reads
 * slots that the writer moves and reuses), so walks use a second index:
 * every task owns one entry of a dense array of version pointers for as
 * long as it is in the table. A replace stores the new version in the same
 * entry, so a walk sees each task that stays in the table exactly once, in
 * its old or its new version.
 *
 * Reclamation: readers bracket their reads with ck_epoch_begin/end on their
 * own epoch record; the writer hands replaced versions to ck_epoch_call()
 * and dispatches them with ck_epoch_poll(), which never waits: a version is
 * freed by the writer itself on a later poll, once every section that
 * could have seen it has ended. No helper threads, no thread registration.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ck_epoch.h>
#include <ck_ht.h>

#include "live/tasktable.h"

/*
 * ThreadSanitizer cannot see Concurrency Kit's ordering: ck_pr is inline
 * assembly and libck is not instrumented. Without help it reports every
 * free after an epoch as racing with the reads that epoch waited for, and
 * every lookup as racing with the writer's copy into the version. The
 * annotations state what the libraries guarantee: the writer's writes to a
 * version happen before any reader finds it, and everything a reader did
 * before leaving its read section happens before what is freed afterwards.
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

/* Poll the epoch after this many retirements, so that frees keep pace with a busy writer. */
#define POLL_EVERY 256

/* The key as ck_ht compares it: 16 bytes, no padding left undefined. */
struct tt_key {
	__u64 start_ns;
	__u32 tid;
	__u32 zero;
};

struct tt_version {
	ck_epoch_entry_t epoch; /* for ck_epoch_call() once retired */
	struct tasktable *t;	/* for the free callback's stats */
	__u32 slot;		/* the task's entry in t->slots */
	__u32 pad;
	struct tt_key key;
	struct task_rec rec;
};

/* An exited task waiting out its grace. */
struct tt_exited {
	__u32 tid;
	__u64 start_ns, exit_generation;
};

struct tasktable {
	ck_ht_t ht;
	ck_epoch_t epoch;
	ck_epoch_record_t wrec; /* the writer's: defers frees, never enters a section */
	struct ck_malloc alloc;
	size_t max_tasks;
	size_t rec_bytes; /* of each version's struct task_rec: up to its last node kept */
	__u64 grace;
	/* Walks: one entry per task, a dense prefix [0, hwm) of max_tasks. */
	_Atomic(struct tt_version *) *slots;
	_Atomic __u32 hwm;
	/* Writer only. */
	__u32 *free_slots, nr_free_slots;
	struct tt_exited *exits; /* ring of max_tasks, oldest at exit_head */
	size_t exit_head;
	__u64 nr_tasks, nr_exited, removals, since_poll;
	/* Read by tasktable__stats() from any thread. */
	struct {
		_Atomic __u64 nr_tasks, nr_exited, inserted, updates, reclaimed, evictions, refused,
		    retired, freed;
	} st;
	/* Reader handles ever made: their epoch records live as long as the table. */
	pthread_mutex_t readers_lock;
	struct tasktable_reader *readers;
	atomic_int nr_readers;
	/* Only its address matters: the sync object of the TSan annotations. */
	char tsan_grace;
};

struct tasktable_reader {
	ck_epoch_record_t rec; /* first: ck_epoch_recycle() hands back the record */
	struct tasktable *t;
	struct tasktable_reader *next;
	unsigned int depth;
};

#define STAT_ADD(t, field, n) atomic_fetch_add_explicit(&(t)->st.field, (n), memory_order_relaxed)
#define STAT_SET(t, field, v) atomic_store_explicit(&(t)->st.field, (v), memory_order_relaxed)

static __u64 key_hash(__u32 tid, __u64 start_ns)
{
	__u64 x = start_ns ^ ((__u64)tid << 40) ^ tid;

	/* splitmix64's finaliser: start times differ in low bits, slots need high ones too. */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ck_ht rehashes with this when it grows: the same function of the key bytes. */
static void ht_hash(ck_ht_hash_t *h, const void *key, size_t len, uint64_t seed)
{
	const struct tt_key *k = key;

	h->value = key_hash(k->tid, k->start_ns);
}

/*
 * ck_ht's allocator callbacks get no context, and only writer calls make
 * ck_ht allocate or free: the writer names its table here before each.
 */
static __thread struct tasktable *tt_writing;

struct tt_blob {
	ck_epoch_entry_t epoch;
	char data[] __attribute__((aligned(64)));
};

static void *ht_malloc(size_t size)
{
	struct tt_blob *b;

	if (posix_memalign((void **)&b, 64, sizeof(*b) + size))
		return NULL;
	return b->data;
}

static void blob_free(ck_epoch_entry_t *e)
{
	tsan_acquire(&tt_writing->tsan_grace);
	free((char *)e - offsetof(struct tt_blob, epoch));
}

/* A replaced map may still be probed by readers: defer=true means free after an epoch. */
static void ht_free(void *p, size_t size, bool defer)
{
	struct tt_blob *b = (void *)((char *)p - offsetof(struct tt_blob, data));

	if (defer)
		ck_epoch_call(&tt_writing->wrec, &b->epoch, blob_free);
	else
		free(b);
}

static struct tt_version *version_find(struct tasktable *t, __u32 tid, __u64 start_ns)
{
	struct tt_key k = {start_ns, tid, 0};
	ck_ht_hash_t h = {key_hash(tid, start_ns)};
	struct tt_version *v;
	ck_ht_entry_t e;

	ck_ht_entry_key_set(&e, &k, sizeof(k));
	if (!ck_ht_get_spmc(&t->ht, h, &e))
		return NULL;
	v = ck_ht_entry_value(&e);
	/* The writer filled v before ck_ht published it (version_publish()). */
	tsan_acquire(v);
	return v;
}

/* ---- deferred reclamation ---- */

static void version_free(ck_epoch_entry_t *e)
{
	struct tt_version *v = (void *)((char *)e - offsetof(struct tt_version, epoch));

	tsan_acquire(&v->t->tsan_grace);
	STAT_ADD(v->t, freed, 1);
	free(v);
}

static void version_retire(struct tasktable *t, struct tt_version *v)
{
	ck_epoch_call(&t->wrec, &v->epoch, version_free);
	STAT_ADD(t, retired, 1);
	if (++t->since_poll >= POLL_EVERY) {
		t->since_poll = 0;
		ck_epoch_poll(&t->wrec);
	}
}

/* ---- the table ---- */

struct tasktable *tasktable__new(size_t max_tasks, __u64 grace_generations)
{
	return tasktable__new_nodes(max_tasks, grace_generations, SDR_MAX_NODES);
}

struct tasktable *tasktable__new_nodes(size_t max_tasks, __u64 grace_generations, int nr_nodes)
{
	struct tasktable *t;
	__u64 cap = 64;

	if (!max_tasks || max_tasks > UINT32_MAX / 2 || nr_nodes < 1 || nr_nodes > SDR_MAX_NODES) {
		errno = EINVAL;
		return NULL;
	}
	if (posix_memalign((void **)&t, 64, sizeof(*t))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->max_tasks = max_tasks;
	t->rec_bytes = offsetof(struct task_rec, counts.node_runtime_ns) +
		       nr_nodes * sizeof(((struct task_rec *)0)->counts.node_runtime_ns[0]);
	t->grace = grace_generations;
	t->slots = calloc(max_tasks, sizeof(*t->slots));
	t->free_slots = malloc(max_tasks * sizeof(*t->free_slots));
	t->exits = malloc(max_tasks * sizeof(*t->exits));
	t->alloc.malloc = ht_malloc;
	t->alloc.free = ht_free;
	ck_epoch_init(&t->epoch);
	ck_epoch_register(&t->epoch, &t->wrec, NULL);
	pthread_mutex_init(&t->readers_lock, NULL);
	/*
	 * ck_ht keeps its load under 1/2 and grows by rehashing everything on
	 * the writer: size it for the cap up front (32 bytes a slot), up to
	 * 1M slots, past which it grows on demand.
	 */
	while (cap < 2 * max_tasks && cap < (1u << 20))
		cap <<= 1;
	tt_writing = t;
	if (!t->slots || !t->free_slots || !t->exits ||
	    !ck_ht_init(&t->ht, CK_HT_MODE_BYTESTRING | CK_HT_WORKLOAD_DELETE, ht_hash, &t->alloc,
			cap, 0)) {
		free(t->slots);
		free(t->free_slots);
		free(t->exits);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void tasktable__free(struct tasktable *t)
{
	struct tasktable_reader *r;
	__u32 i, hwm;

	if (!t)
		return;
	assert(atomic_load(&t->nr_readers) == 0);
	tt_writing = t;
	/* No reader is left: run every deferred free, then what is still current. */
	ck_epoch_barrier(&t->wrec);
	hwm = atomic_load_explicit(&t->hwm, memory_order_relaxed);
	for (i = 0; i < hwm; i++)
		free(atomic_load_explicit(&t->slots[i], memory_order_relaxed));
	ck_ht_destroy(&t->ht);
	while ((r = t->readers)) {
		t->readers = r->next;
		free(r);
	}
	pthread_mutex_destroy(&t->readers_lock);
	free(t->slots);
	free(t->free_slots);
	free(t->exits);
	free(t);
}

static struct tt_version *version_new(struct tasktable *t, const struct task_rec *rec)
{
	struct tt_version *v;

	/*
	 * Cache-line aligned: the key and the record's first fields share a
	 * line. Only the nodes the table keeps (rec_bytes).
	 */
	if (posix_memalign((void **)&v, 64, offsetof(struct tt_version, rec) + t->rec_bytes))
		return NULL;
	v->t = t;
	v->key = (struct tt_key){rec->id.start_ns, rec->id.tid, 0};
	memcpy(&v->rec, rec, t->rec_bytes);
	return v;
}

/* Makes v findable by key, in place of the current version if there is one. */
static int version_publish(struct tasktable *t, struct tt_version *v)
{
	ck_ht_hash_t h = {key_hash(v->key.tid, v->key.start_ns)};
	ck_ht_entry_t e;

	tsan_release(v);
	ck_ht_entry_set(&e, h, &v->key, sizeof(v->key), v);
	return ck_ht_set_spmc(&t->ht, h, &e) ? 0 : -ENOMEM;
}

/* Removes the task whose version is v; v is freed after an epoch. */
static void task_remove(struct tasktable *t, struct tt_version *v)
{
	ck_ht_hash_t h = {key_hash(v->key.tid, v->key.start_ns)};
	ck_ht_entry_t e;
	bool found;

	ck_ht_entry_key_set(&e, &v->key, sizeof(v->key));
	found = ck_ht_remove_spmc(&t->ht, h, &e);
	assert(found);
	(void)found;
	atomic_store_explicit(&t->slots[v->slot], NULL, memory_order_release);
	t->free_slots[t->nr_free_slots++] = v->slot;
	t->removals++;
	t->nr_tasks--;
	STAT_SET(t, nr_tasks, t->nr_tasks);
	version_retire(t, v);
}

/*
 * Publish v in old's place (same key, same slot) and retire old. Frees v
 * and returns the error when publishing fails.
 */
static int version_replace(struct tasktable *t, struct tt_version *old, struct tt_version *v)
{
	int err;

	v->slot = old->slot;
	err = version_publish(t, v);
	if (err) {
		free(v);
		return err;
	}
	atomic_store_explicit(&t->slots[v->slot], v, memory_order_release);
	version_retire(t, old);
	STAT_ADD(t, updates, 1);
	return 0;
}

/* The oldest exited task leaves: its grace is over (reclaimed) or room is needed (evicted). */
static void exit_pop(struct tasktable *t)
{
	struct tt_exited *x = &t->exits[t->exit_head];
	struct tt_version *v = version_find(t, x->tid, x->start_ns);

	/* Exited tasks leave only through here, so it must still be there. */
	assert(v);
	if (v)
		task_remove(t, v);
	t->exit_head = (t->exit_head + 1) % t->max_tasks;
	t->nr_exited--;
	STAT_SET(t, nr_exited, t->nr_exited);
}

int tasktable__update(struct tasktable *t, const struct task_rec *rec)
{
	struct tt_version *old, *v;
	__u32 slot;
	int err;

	if (!rec->id.tid)
		return -EINVAL;
	tt_writing = t;
	v = version_new(t, rec);
	if (!v)
		return -ENOMEM;
	old = version_find(t, rec->id.tid, rec->id.start_ns);
	if (old) {
		v->rec.exit_generation = old->rec.exit_generation;
		return version_replace(t, old, v);
	}

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
	if (t->nr_free_slots)
		slot = t->free_slots[--t->nr_free_slots];
	else
		slot = atomic_load_explicit(&t->hwm, memory_order_relaxed);
	v->slot = slot;
	err = version_publish(t, v);
	if (err) {
		if (slot != atomic_load_explicit(&t->hwm, memory_order_relaxed))
			t->free_slots[t->nr_free_slots++] = slot;
		free(v);
		return err;
	}
	atomic_store_explicit(&t->slots[slot], v, memory_order_release);
	if (slot == atomic_load_explicit(&t->hwm, memory_order_relaxed))
		atomic_store_explicit(&t->hwm, slot + 1, memory_order_release);
	t->nr_tasks++;
	STAT_SET(t, nr_tasks, t->nr_tasks);
	STAT_ADD(t, inserted, 1);
	STAT_ADD(t, updates, 1);
	return 0;
}

int tasktable__mark_exited(struct tasktable *t, __u32 tid, __u64 start_ns, __u64 generation)
{
	struct tt_version *old, *v;
	int err;

	if (!generation)
		return -EINVAL;
	tt_writing = t;
	old = version_find(t, tid, start_ns);
	if (!old)
		return -ENOENT;
	if (old->rec.exit_generation)
		return -EALREADY;
	v = version_new(t, &old->rec);
	if (!v)
		return -ENOMEM;
	v->rec.exit_generation = generation;
	v->rec.generation = generation;
	err = version_replace(t, old, v);
	if (err)
		return err;

	/* At most max_tasks tasks, so the ring of max_tasks never overflows. */
	t->exits[(t->exit_head + t->nr_exited) % t->max_tasks] =
	    (struct tt_exited){tid, start_ns, generation};
	t->nr_exited++;
	STAT_SET(t, nr_exited, t->nr_exited);
	return 0;
}

void tasktable__end_generation(struct tasktable *t, __u64 generation)
{
	tt_writing = t;
	/* Exit order is generation order, so the expired ones are at the head. */
	while (t->nr_exited && t->exits[t->exit_head].exit_generation + t->grace < generation) {
		exit_pop(t);
		STAT_ADD(t, reclaimed, 1);
	}
	/* Tombstones lengthen probes; a full pass is O(slots), so only after many removals. */
	if (t->removals > t->max_tasks / 8) {
		ck_ht_gc(&t->ht, 0, 0);
		t->removals = 0;
	}
	t->since_poll = 0;
	ck_epoch_poll(&t->wrec);
}

void tasktable__set_grace(struct tasktable *t, __u64 grace_generations)
{
	/* Only end_generation() reads it, on this same thread; exits stay in order. */
	t->grace = grace_generations;
}

void tasktable__rec_copy(const struct tasktable *t, struct task_rec *dst,
			 const struct task_rec *src)
{
	memcpy(dst, src, t->rec_bytes);
	memset((char *)dst + t->rec_bytes, 0, sizeof(*dst) - t->rec_bytes);
}

const struct task_rec *tasktable__get(struct tasktable *t, __u32 tid, __u64 start_ns)
{
	/* Only the writer retires versions, so the current one outlives this call. */
	struct tt_version *v = version_find(t, tid, start_ns);

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
	/* freed first: counted after retired, so a reader never sees freed > retired. */
	st->freed = atomic_load_explicit(&t->st.freed, memory_order_acquire);
	st->retired = atomic_load_explicit(&t->st.retired, memory_order_relaxed);
}

/* ---- readers ---- */

struct tasktable_reader *tasktable__reader_new(struct tasktable *t)
{
	ck_epoch_record_t *rec = ck_epoch_recycle(&t->epoch, NULL);
	struct tasktable_reader *r;

	if (rec) {
		r = (struct tasktable_reader *)rec;
		/* Pairs with tasktable__reader_free(): the last owner is done with it. */
		tsan_acquire(r);
	} else {
		if (posix_memalign((void **)&r, 64, sizeof(*r)))
			return NULL;
		memset(r, 0, sizeof(*r));
		r->t = t;
		ck_epoch_register(&t->epoch, &r->rec, NULL);
		pthread_mutex_lock(&t->readers_lock);
		r->next = t->readers;
		t->readers = r;
		pthread_mutex_unlock(&t->readers_lock);
	}
	r->depth = 0;
	atomic_fetch_add(&t->nr_readers, 1);
	return r;
}

void tasktable__reader_free(struct tasktable_reader *r)
{
	if (!r)
		return;
	assert(r->depth == 0);
	atomic_fetch_sub(&r->t->nr_readers, 1);
	/* The record stays on the epoch's list until the table goes: recycled by the next handle.
	 */
	tsan_release(r);
	ck_epoch_unregister(&r->rec);
}

void tasktable__read_lock(struct tasktable_reader *r)
{
	if (r->depth++ == 0)
		ck_epoch_begin(&r->rec, NULL);
}

void tasktable__read_unlock(struct tasktable_reader *r)
{
	assert(r->depth > 0);
	if (--r->depth == 0) {
		tsan_release(&r->t->tsan_grace);
		ck_epoch_end(&r->rec, NULL);
	}
}

const struct task_rec *tasktable__lookup(struct tasktable_reader *r, __u32 tid, __u64 start_ns)
{
	struct tt_version *v;

	assert(r->depth > 0 && "tasktable__lookup() outside tasktable__read_lock()");
	v = version_find(r->t, tid, start_ns);
	return v ? &v->rec : NULL;
}

int tasktable__for_each(struct tasktable_reader *r,
			int (*cb)(void *ctx, const struct task_rec *rec), void *ctx)
{
	struct tasktable *t = r->t;
	__u32 i, hwm;
	int err = 0;

	tasktable__read_lock(r);
	hwm = atomic_load_explicit(&t->hwm, memory_order_acquire);
	for (i = 0; i < hwm && !err; i++) {
		struct tt_version *v = atomic_load_explicit(&t->slots[i], memory_order_acquire);

		if (v)
			err = cb(ctx, &v->rec);
	}
	tasktable__read_unlock(r);
	return err;
}

/* FNV-1a, 8 bytes a step for speed. */
static __u64 fnv_bytes(__u64 h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;
	__u64 w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

__u64 task_rec__checksum(const struct task_rec *rec)
{
	/* The producer's payload: id through wait_pct, then counts through its first node. */
	__u64 h = fnv_bytes(0xcbf29ce484222325ull, &rec->id,
			    offsetof(struct task_rec, checksum) - offsetof(struct task_rec, id));

	return fnv_bytes(h, &rec->counts,
			 offsetof(struct task_counts, node_runtime_ns) +
				 sizeof(rec->counts.node_runtime_ns[0]));
}
