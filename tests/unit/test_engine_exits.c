// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exits in the switch stream (issue 23): the kernel puts a task's exit in
 * the batch that holds its final switch, and marks a new task's first
 * switch-in. The wait engine (userspace/engine/wait_engine.c), fed such
 * batches as the kernel makes them:
 * - takes each exit once, with its final switch, brief or whole, whether
 *   it came in a peek at the CPU's partial batch, in the batch from the
 *   ring, or both, also when a batch comes from the ring after a later
 *   one was peeked; an exit whose switch is not in the batch yet waits for
 *   it; a malformed or missing exit is refused and counted;
 * - a new task of a tid that takes a CPU after the old task's final
 *   switch in the same batch is not the old one (the exit is taken in the
 *   stream's order);
 * - a snapshot that names a new task before its first switch-in is taken
 *   ends the old task's accumulator (its exit still finds it), and the
 *   first switch-in then ends nothing (the item carries the start time);
 * - a new task's first switch-in ends the accumulator of the task that had
 *   its tid before, even when that task's exit comes later (another CPU's
 *   batch): the new task's waits are its own, the old task's late waits
 *   and its exit find the old accumulator, and it is published with its
 *   waits only;
 * - a new task's later waits that come before its first switch-in (another
 *   CPU's batch first) stay its own: the first switch-in ends nothing;
 * - an exit older than the live accumulator's new task does not take it;
 * - an accumulator ended by a successor whose exit never comes is dropped
 *   after two generations, its waits counted.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "engine/wait_engine.h"
#include "host/loader.h"

struct exits_seen {
	struct wait_engine *e;
	int calls;
	__u32 last_tid, last_cpu;
	size_t last_size;
};

/* The consumers' on_exit: the kernel's record made whole, to the engine. */
static void on_exit_rec(void *ctx, const struct sdr_rec_exit *x, size_t size)
{
	struct exits_seen *s = ctx;
	struct sdr_rec_task t;

	s->calls++;
	s->last_tid = x->task.tid;
	s->last_cpu = x->hdr.cpu;
	s->last_size = size;
	CHECK(!loader__exit_rec(x, size, &t), "exit of %u refused by the loader", x->task.tid);
	CHECK(!wait_engine__exit(s->e, &t));
}

struct published {
	int n;
	struct sdr_rec_task rec[4];
	__u64 waits[4], wait_sum[4];
};

static void on_publish(void *ctx, struct wait_acc *a)
{
	struct published *p = ctx;

	if (p->n < 4) {
		p->rec[p->n] = *a->exit_rec;
		p->waits[p->n] = a->cum.waits;
		p->wait_sum[p->n] = a->cum.wait_sum_ns;
	}
	p->n++;
}

static void batch_init(struct sdr_rec_switches *b, __u32 cpu, __u32 seq)
{
	memset(b, 0, sizeof(*b));
	b->hdr.type = SDR_REC_SWITCHES;
	b->hdr.cpu = cpu;
	b->seq = seq;
}

/* A switch at ts from prev (in state pst) to next, ending next's wait of `wait` (0: none). */
static void add_item(struct sdr_rec_switches *b, __u64 ts, __u32 prev, __u8 pst, __u32 next,
		     __u64 wait, __u8 flags)
{
	struct sdr_switch_item *w = &b->s[b->nr++];

	w->ts_ns = ts;
	w->wait_ns = wait;
	w->prev_tid = prev;
	w->prev_state = prev ? pst : SDR_PREV_IDLE;
	w->next_tid = next;
	w->flags = flags;
}

/* tid's exit at its final switch ts: brief, or whole with `moves` cross-LLC migrations. */
static void add_exit(struct sdr_rec_switches *b, __u64 ts, __u32 tid, __u64 start, __u64 moves)
{
	struct sdr_rec_exit *x = &b->exits[b->nr_exits++];

	memset(x, 0, sizeof(*x));
	x->hdr.type = SDR_REC_EXIT;
	x->hdr.size = moves ? sizeof(*x) : SDR_REC_LIVE_BRIEF_SIZE;
	x->hdr.cpu = 99; /* BPF's is not used: the batch's is */
	x->hdr.ts_ns = ts;
	x->task.tid = tid;
	x->task.tgid = tid;
	x->task.start_ns = start;
	x->runtime_ns = 1000;
	x->migrations[SDR_LOC_CROSS_LLC] = moves;
}

/* tid's first switch-in at ts (a new task of start time start), ending its first wait. */
static void add_new(struct sdr_rec_switches *b, __u64 ts, __u32 tid, __u64 wait, __u64 start)
{
	add_item(b, ts, 0, 0, tid, wait, SDR_ITEM_NEXT_NEW);
	b->s[b->nr - 1].next_start = (__u32)start;
}

/* tid's final switch at ts, its exit beside it (brief, or whole with moves migrations). */
static void add_death(struct sdr_rec_switches *b, __u64 ts, __u32 tid, __u64 start, __u64 moves)
{
	add_item(b, ts, tid, SDR_PREV_DEAD, 0, 0, SDR_ITEM_PREV_EXIT);
	add_exit(b, ts, tid, start, moves);
}

/* An engine whose exits go to seen, as the consumers' do. */
static void engine_init(struct wait_engine *e, struct exits_seen *seen)
{
	CHECK(!wait_engine__init(e, 2));
	memset(seen, 0, sizeof(*seen));
	seen->e = e;
	e->on_exit = on_exit_rec;
	e->on_exit_ctx = seen;
}

/* Publishes every complete exit: exactly one, with waits waits summing to sum. */
static void check_one_exit(struct wait_engine *e, __u64 waits, __u64 sum)
{
	struct published pub = { 0 };

	wait_engine__publish_exits(e, ~0ull, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 1);
	CHECK_EQ_U64(pub.waits[0], waits);
	CHECK_EQ_U64(pub.wait_sum[0], sum);
}

static void ship(struct wait_engine *e, struct sdr_rec_switches *b)
{
	b->hdr.size = SDR_SWITCHES_SIZE(b->nr_exits);
	b->hdr.ts_ns = b->s[b->nr - 1].ts_ns;
	wait_engine__batch(e, b, b->hdr.size);
}

static void peek(struct wait_engine *e, struct sdr_rec_switches *b)
{
	b->hdr.size = SDR_SWITCHES_SIZE(b->nr_exits);
	wait_engine__copy_partial(e, b);
	wait_engine__apply_peeks(e);
}

static void test_exits_once(void)
{
	struct sdr_rec_switches *b = malloc(sizeof(*b)), *p = malloc(sizeof(*p));
	struct exits_seen seen = { 0 };
	struct published pub = { 0 };
	struct wait_engine e;

	engine_init(&e, &seen);
	/* CPU 1: 7 waits and runs, dies (brief exit), 9 runs and dies (whole exit). */
	batch_init(b, 1, 0);
	add_item(b, 1000, 0, 0, 7, 50, 0);
	add_item(b, 1100, 7, SDR_PREV_DEAD, 9, 20, SDR_ITEM_PREV_EXIT);
	add_exit(b, 1100, 7, 100, 0);
	/* Peeked with 7's exit, then again with 9's exit but not its switch yet. */
	*p = *b;
	peek(&e, p);
	CHECK_EQ_U64(seen.calls, 1);
	CHECK_EQ_U64(seen.last_tid, 7);
	CHECK_EQ_U64(seen.last_cpu, 1);
	CHECK_EQ_U64(seen.last_size, SDR_REC_LIVE_BRIEF_SIZE);
	add_exit(b, 1300, 9, 200, 3);
	*p = *b;
	peek(&e, p);
	CHECK_EQ_U64(seen.calls, 1);
	CHECK_EQ_U64(e.exits_refused, 0);
	/* The batch from the ring: 9's exit now, 7's not again. */
	add_item(b, 1300, 9, SDR_PREV_DEAD, 0, 0, SDR_ITEM_PREV_EXIT);
	ship(&e, b);
	CHECK_EQ_U64(seen.calls, 2);
	CHECK_EQ_U64(seen.last_tid, 9);
	CHECK_EQ_U64(seen.last_size, sizeof(struct sdr_rec_exit));
	/* And read once more in a late peek of the same items: nothing new. */
	b->nr_exits = 2;
	peek(&e, b);
	CHECK_EQ_U64(seen.calls, 2);
	wait_engine__publish_exits(&e, ~0ull, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 2);
	if (pub.n == 2) {
		CHECK_EQ_U64(pub.rec[0].task.tid + pub.rec[1].task.tid, 16);
		for (int i = 0; i < 2; i++) {
			int nine = pub.rec[i].task.tid == 9;

			CHECK_EQ_U64(pub.rec[i].hdr.type, SDR_REC_TASK_EXIT);
			CHECK_EQ_U64(pub.rec[i].hdr.cpu, 1);
			CHECK_EQ_U64(pub.rec[i].counts.migrations[SDR_LOC_CROSS_LLC], nine ? 3 : 0);
			CHECK_EQ_U64(pub.rec[i].counts.runtime_ns, 1000);
			CHECK_EQ_U64(pub.waits[i], 1);
			CHECK_EQ_U64(pub.wait_sum[i], nine ? 20 : 50);
		}
	}
	/* A malformed exit, and an exit said to be there that is not: refused, counted. */
	batch_init(b, 0, 0);
	add_death(b, 2000, 11, 300, 0);
	b->exits[0].hdr.size = 100;
	add_item(b, 2100, 12, SDR_PREV_DEAD, 0, 0, SDR_ITEM_PREV_EXIT);
	/* A final switch whose exit the kernel did not send (-p filter): none expected. */
	add_item(b, 2200, 13, SDR_PREV_DEAD, 0, 0, 0);
	ship(&e, b);
	CHECK_EQ_U64(seen.calls, 2);
	CHECK_EQ_U64(e.exits_refused, 2);
	CHECK_EQ_U64(e.refused, 0);

	/* CPU 0's next batch peeked (14 dies) while the one before it (15 dies) is still in the ring. */
	batch_init(b, 0, 2);
	add_death(b, 2600, 14, 400, 0);
	*p = *b;
	peek(&e, p);
	CHECK_EQ_U64(seen.calls, 3);
	CHECK_EQ_U64(seen.last_tid, 14);
	batch_init(b, 0, 1);
	add_death(b, 2400, 15, 500, 0);
	ship(&e, b);
	CHECK_EQ_U64(seen.calls, 4);
	CHECK_EQ_U64(seen.last_tid, 15);
	wait_engine__free(&e);
	free(b);
	free(p);
}

static void test_successor_first(void)
{
	struct sdr_rec_switches *b = malloc(sizeof(*b));
	struct exits_seen seen = { 0 };
	struct published pub = { 0 };
	struct wait_acc *old, *new;
	struct wait_engine e;
	__u64 dropped = 0;

	engine_init(&e, &seen);
	/* The old task 7 (start 100), named, waits on CPU 0 at 1000. */
	old = wait_engine__live(&e, 7, 100);
	batch_init(b, 0, 0);
	add_item(b, 1000, 0, 0, 7, 50, 0);
	ship(&e, b);
	/* CPU 1's batch first: a new task 7 runs at 3000 (new) and waits again at 3500. */
	batch_init(b, 1, 0);
	add_new(b, 3000, 7, 40, 2900);
	add_item(b, 3500, 0, 0, 7, 30, 0);
	ship(&e, b);
	new = wait_engine__acc_of(&e, 7);
	CHECK(new && new != old);
	CHECK_EQ_U64(old->cum.waits, 1);
	CHECK_EQ_U64(old->exit_ns, 2999);
	CHECK(!old->exit_rec);
	/* Not published without its exit. */
	wait_engine__publish_exits(&e, ~0ull, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 0);
	/* Then CPU 0's: a late wait of the old task at 1800, its final switch at 2000. */
	batch_init(b, 0, 1);
	add_item(b, 1800, 0, 0, 7, 20, 0);
	add_death(b, 2000, 7, 100, 2);
	ship(&e, b);
	CHECK_EQ_U64(seen.calls, 1);
	CHECK(old->exit_rec != NULL);
	CHECK_EQ_U64(old->exit_ns, 2000);
	CHECK_EQ_U64(old->cum.waits, 2);
	CHECK_EQ_U64(old->cum.wait_sum_ns, 70);
	CHECK(wait_engine__live(&e, 7, 2900) == new);
	CHECK_EQ_U64(new->cum.waits, 2);
	CHECK_EQ_U64(new->cum.wait_sum_ns, 70);
	CHECK_EQ_U64(new->fresh_ns, 3000);
	wait_engine__publish_exits(&e, 2500, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 1);
	CHECK_EQ_U64(pub.rec[0].task.start_ns, 100);
	CHECK_EQ_U64(pub.rec[0].counts.migrations[SDR_LOC_CROSS_LLC], 2);
	CHECK_EQ_U64(pub.waits[0], 2);

	/*
	 * An exit of a task older than the live one's new task (its waits were
	 * never seen) does not take the new task's accumulator: 8 is new at
	 * 5000; an exit of an 8 that ended at 4000 comes after.
	 */
	batch_init(b, 1, 1);
	add_new(b, 5000, 8, 10, 4500);
	ship(&e, b);
	new = wait_engine__acc_of(&e, 8);
	batch_init(b, 0, 2);
	add_death(b, 4000, 8, 50, 0);
	ship(&e, b);
	CHECK(new && !new->exit_ns && new->cum.waits == 1);
	pub.n = 0;
	wait_engine__publish_exits(&e, 4500, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 1);
	CHECK_EQ_U64(pub.rec[0].task.tid, 8);
	CHECK_EQ_U64(pub.waits[0], 0);

	/* A successor's predecessor whose exit never comes: dropped, counted. */
	batch_init(b, 1, 2);
	add_new(b, 6000, 8, 15, 5900);
	ship(&e, b);
	CHECK_EQ_U64(new->exit_ns, 5999);
	wait_engine__end_interval(&e, 1, NULL, NULL, &dropped);
	wait_engine__end_interval(&e, 2, NULL, NULL, &dropped);
	CHECK_EQ_U64(dropped, 0);
	wait_engine__end_interval(&e, 3, NULL, NULL, &dropped);
	/* The pending one (1 wait), and the live ones no record named (7's 2, 8's 1). */
	CHECK_EQ_U64(dropped, 4);
	CHECK(wait_engine__acc_of(&e, 8) == NULL);
	wait_engine__free(&e);
	free(b);
}

static void test_new_task_out_of_order(void)
{
	struct sdr_rec_switches *b = malloc(sizeof(*b));
	struct exits_seen seen = { 0 };
	struct wait_acc *a;
	struct wait_engine e;

	engine_init(&e, &seen);
	/* Task 5 first runs on CPU 1 at 1000, then waits on CPU 0 at 1500: CPU 0's batch first. */
	batch_init(b, 0, 0);
	add_item(b, 1500, 0, 0, 5, 30, 0);
	ship(&e, b);
	batch_init(b, 1, 0);
	add_new(b, 1000, 5, 20, 900);
	ship(&e, b);
	a = wait_engine__acc_of(&e, 5);
	CHECK(a && !a->exit_ns);
	CHECK(a && a->cum.waits == 2);
	/* Its exit takes that one accumulator, with both waits. */
	batch_init(b, 0, 1);
	add_death(b, 2000, 5, 900, 0);
	ship(&e, b);
	check_one_exit(&e, 2, 50);
	CHECK(wait_engine__acc_of(&e, 5) == NULL);
	wait_engine__free(&e);
	free(b);
}

/*
 * Old 7 dies on CPU 0 at 1100; new 7 first runs on CPU 1 at 1200, then
 * waits on CPU 0 at 1300, in the batch of the old one's death, which
 * comes first.
 */
static void test_same_batch_reuse(void)
{
	struct sdr_rec_switches *b = malloc(sizeof(*b));
	struct exits_seen seen = { 0 };
	struct wait_acc *a;
	struct wait_engine e;

	engine_init(&e, &seen);
	batch_init(b, 0, 0);
	add_item(b, 1000, 0, 0, 7, 50, 0);
	add_death(b, 1100, 7, 100, 0);
	add_item(b, 1300, 0, 0, 7, 30, 0);
	ship(&e, b);
	batch_init(b, 1, 0);
	add_new(b, 1200, 7, 10, 1150);
	ship(&e, b);
	check_one_exit(&e, 1, 50);
	a = wait_engine__acc_of(&e, 7);
	CHECK(a && !a->exit_ns && a->cum.waits == 2 && a->cum.wait_sum_ns == 40);
	wait_engine__free(&e);
	free(b);
}

/*
 * A snapshot names new 7 (start 1150) before its first switch-in is taken:
 * with old 7's exit still to come, and with no old accumulator at all.
 */
static void test_snapshot_first(void)
{
	struct sdr_rec_switches *b = malloc(sizeof(*b));
	struct exits_seen seen = { 0 };
	struct published pub = { 0 };
	struct wait_acc *old, *new;
	struct wait_engine e;

	engine_init(&e, &seen);
	old = wait_engine__live(&e, 7, 100);
	batch_init(b, 0, 0);
	add_item(b, 1000, 0, 0, 7, 50, 0);
	ship(&e, b);
	new = wait_engine__live(&e, 7, 1150);
	CHECK(new && new != old);
	CHECK_EQ_U64(old->exit_ns, 1149);
	batch_init(b, 1, 0);
	add_new(b, 1200, 7, 10, 1150);
	ship(&e, b);
	CHECK(!new->exit_ns);
	CHECK_EQ_U64(new->cum.waits, 1);
	batch_init(b, 0, 1);
	add_death(b, 1100, 7, 100, 0);
	ship(&e, b);
	wait_engine__publish_exits(&e, ~0ull, on_publish, &pub);
	CHECK_EQ_U64(pub.n, 1);
	CHECK_EQ_U64(pub.rec[0].task.start_ns, 100);
	CHECK_EQ_U64(pub.waits[0], 1);
	CHECK(!wait_engine__exit_pending(&e, 7, 1150));
	CHECK(wait_engine__live(&e, 7, 1150) == new);
	/* A later task holds the tid: an older one's name gets no accumulator. */
	CHECK(wait_engine__live(&e, 7, 900) == NULL);

	/* No old accumulator: the snapshot's for the new task 8 stays its own. */
	new = wait_engine__live(&e, 8, 2000);
	batch_init(b, 1, 1);
	add_new(b, 2100, 8, 10, 2000);
	ship(&e, b);
	CHECK(new && !new->exit_ns && new->cum.waits == 1);
	CHECK(!wait_engine__exit_pending(&e, 8, 2000));
	wait_engine__free(&e);
	free(b);
}

int main(void)
{
	test_same_batch_reuse();
	test_snapshot_first();
	test_exits_once();
	test_new_task_out_of_order();
	test_successor_first();
	return check_summary();
}
