// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Outliers made in userspace from the switch stream (engine/outliers.h):
 * - the wait engine counts every wait of at least min_lat_ns (and none
 *   shorter) and offers each with both tids, its delivery and how long
 *   prev had held the CPU: from the switch that gave it the CPU, on that
 *   CPU, across batches; 0 for idle, and after a hole in the CPU's
 *   batches (who held it then is unknown);
 * - a keeper holds the longest `cap` (a wait equal to the shortest kept
 *   does not push it out), counts those pushed out, sorts longest first;
 * - naming: an identity names only the outliers of its tid inside its
 *   life (a reused tid's two tasks each get theirs), an exact name
 *   replaces a provisional one (from /proc), idle is "swapper/CPU", and
 *   the fallback is asked only for sides nothing named;
 * - a task that exited before its wait's batch came (a short-lived one)
 *   is found by the engine by tid and time until its exit is published.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "engine/wait_engine.h"
#include "engine/outliers.h"

static struct sdr_rec_outlier got[16];
static int nr_got;

static void take(void *ctx, const struct sdr_rec_outlier *o)
{
	if (nr_got < 16)
		got[nr_got++] = *o;
}

static struct sdr_rec_switches batch(__u32 cpu, __u32 seq, const struct sdr_switch_item *w,
				     __u32 n)
{
	struct sdr_rec_switches b = {
		.hdr = { .type = SDR_REC_SWITCHES, .size = sizeof(b), .cpu = cpu },
		.nr = n,
		.seq = seq,
	};

	memcpy(b.s, w, n * sizeof(*w));
	return b;
}

static struct sdr_switch_item sw(__u64 ts, __u32 prev, __u32 next, __u64 wait, __u64 dlv)
{
	return (struct sdr_switch_item){ .ts_ns = ts, .wait_ns = wait,
					 .delivery_ns = sdr_dur32_encode(dlv), .prev_tid = prev,
					 .next_tid = next,
					 .prev_state = prev ? SDR_PREV_SLEEP : SDR_PREV_IDLE };
}

static void test_engine_makes_them(void)
{
	struct sdr_switch_item w[6];
	struct sdr_rec_switches b;
	struct wait_engine e;

	CHECK(!wait_engine__init(&e, 2));
	e.min_lat_ns = 1000;
	e.on_outlier = take;
	nr_got = 0;
	w[0] = sw(10000, 0, 10, 0, 0);       /* idle -> 10: no wait */
	w[1] = sw(10500, 10, 20, 2000, 300); /* 10 ran 500; 20 waited 2000: an outlier */
	w[2] = sw(10600, 20, 10, 999, 0);    /* under min-lat: none */
	b = batch(1, 0, w, 3);
	wait_engine__batch(&e, &b, sizeof(b));
	/* The next batch: 10 has held CPU 1 since 10600, across the batches. */
	w[0] = sw(12600, 10, 0, 0, 0);       /* 10 -> idle */
	w[1] = sw(13000, 0, 30, 1000, 0);    /* from idle, exactly min-lat: an outlier, ran 0 */
	w[2] = sw(13100, 30, 40, 0, 0);
	b = batch(1, 1, w, 3);
	wait_engine__batch(&e, &b, sizeof(b));
	/* Batch 3 never came: who held CPU 1 before batch 4's first switch is unknown. */
	w[0] = sw(20000, 40, 50, 7000, 0);
	b = batch(1, 3, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.outliers, 3);
	CHECK_EQ_U64(nr_got, 3);
	CHECK_EQ_U64(got[0].hdr.type, SDR_REC_OUTLIER);
	CHECK_EQ_U64(got[0].hdr.size, sizeof(struct sdr_rec_outlier));
	CHECK_EQ_U64(got[0].hdr.cpu, 1);
	CHECK_EQ_U64(got[0].hdr.ts_ns, 10500);
	CHECK_EQ_U64(got[0].task.tid, 20);
	CHECK_EQ_U64(got[0].prev.tid, 10);
	CHECK_EQ_U64(got[0].wait_ns, 2000);
	CHECK_EQ_U64(got[0].delivery_ns, 300);
	CHECK_EQ_U64(got[0].prev_ran_ns, 500);
	CHECK(!got[0].task.comm[0] && !got[0].prev.start_ns, "named by tid only");
	CHECK_EQ_U64(got[1].task.tid, 30);
	CHECK_EQ_U64(got[1].prev.tid, 0);
	CHECK_EQ_U64(got[1].prev_ran_ns, 0);
	CHECK_EQ_U64(got[2].task.tid, 50);
	CHECK_EQ_U64(got[2].prev.tid, 40);
	CHECK_EQ_U64(got[2].prev_ran_ns, 0); /* across the hole: unknown, not 6900 */
	/* Without min-lat nothing is an outlier. */
	e.min_lat_ns = 0;
	w[0] = sw(30000, 50, 60, 90000, 0);
	b = batch(1, 4, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.outliers, 3);
	wait_engine__free(&e);
}

static struct sdr_rec_outlier outl(__u64 ts, __u32 tid, __u32 prev, __u64 wait)
{
	struct sdr_rec_outlier o;

	memset(&o, 0, sizeof(o));
	o.hdr.type = SDR_REC_OUTLIER;
	o.hdr.size = sizeof(o);
	o.hdr.cpu = 1;
	o.hdr.ts_ns = ts;
	o.task.tid = tid;
	o.prev.tid = prev;
	o.wait_ns = wait;
	return o;
}

static void test_keeps_the_longest(void)
{
	static const __u64 waits[] = { 5, 1, 4, 2, 3, 3, 9 };
	struct sdr_rec_outlier o;
	struct outlier_keep k;
	size_t i;

	CHECK(!outlier_keep__init(&k, 3));
	for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		o = outl(100 + i, 7, 8, waits[i]);
		outlier_keep__add(&k, &o);
	}
	CHECK(!outlier_keep__wants(&k, 4) && outlier_keep__wants(&k, 5));
	outlier_keep__sort(&k);
	CHECK_EQ_U64(k.n, 3);
	CHECK_EQ_U64(k.v[0].wait_ns, 9);
	CHECK_EQ_U64(k.v[1].wait_ns, 5);
	CHECK_EQ_U64(k.v[2].wait_ns, 4);
	CHECK_EQ_U64(k.pushed_out, 4); /* 1 and 2 pushed out; the two 3s pushed out or refused */
	outlier_keep__clear(&k);
	CHECK_EQ_U64(k.n, 0);
	CHECK_EQ_U64(k.pushed_out, 0);
	/* The next interval's outliers are named again (the set of tids restarts). */
	o = outl(500, 7, 8, 2);
	outlier_keep__add(&k, &o);
	{
		struct sdr_task_id id = { .tid = 7, .tgid = 7, .start_ns = 1, .comm = "again" };

		outlier_keep__name(&k, &id, ~0ull);
	}
	outlier_keep__resolve(&k);
	CHECK_EQ_U64(k.n, 1);
	CHECK_STR(k.v[0].task.comm, "again");
	outlier_keep__free(&k);
}

static int asked;

static int fallback(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id)
{
	asked++;
	if (tid != 9)
		return -1;
	memset(id, 0, sizeof(*id));
	id->tid = tid;
	id->tgid = 9;
	strcpy(id->comm, "fallback");
	return 0;
}

static void test_naming(void)
{
	struct sdr_task_id old = { .tid = 7, .tgid = 7, .start_ns = 50, .comm = "old" };
	struct sdr_task_id reused = { .tid = 7, .tgid = 70, .start_ns = 250, .comm = "new" };
	struct sdr_task_id holder = { .tid = 8, .tgid = 8, .start_ns = 10, .comm = "holder" };
	struct sdr_rec_outlier o, *kept;
	struct outlier_keep k;
	size_t i;

	CHECK(!outlier_keep__init(&k, 8));
	o = outl(100, 7, 8, 30); /* the first task of tid 7, behind 8 */
	outlier_keep__add(&k, &o);
	o = outl(300, 7, 0, 20); /* the task that reused tid 7, behind idle */
	outlier_keep__add(&k, &o);
	o = outl(400, 8, 9, 10); /* 9: nothing names it but the fallback */
	kept = outlier_keep__add(&k, &o);
	/* A provisional name, from /proc at once: an exact one replaces it. */
	strcpy(kept->task.comm, "provisional");
	o = outl(500, 11, 12, 5); /* neither ever named: the fallback fails */
	outlier_keep__add(&k, &o);
	outlier_keep__name(&k, &old, 200);      /* exited at 200 */
	outlier_keep__name(&k, &reused, ~0ull); /* alive */
	outlier_keep__name(&k, &holder, ~0ull);
	/*
	 * After the live names: tid 8 may be another task by now, so the
	 * holder's name (alive when the outliers so far ended) is not its.
	 */
	o = outl(600, 13, 8, 4);
	outlier_keep__add(&k, &o);
	asked = 0;
	outlier_keep__name_rest(&k, fallback, NULL);
	CHECK_EQ_U64(asked, 5); /* 9, 11, 12, 13 and the late 8; not the provisional or the named */
	outlier_keep__sort(&k);
	for (i = 0; i < k.n; i++) {
		const struct sdr_rec_outlier *x = &k.v[i];

		if (x->hdr.ts_ns == 100) {
			CHECK_STR(x->task.comm, "old");
			CHECK_EQ_U64(x->task.start_ns, 50);
			CHECK_STR(x->prev.comm, "holder");
		} else if (x->hdr.ts_ns == 300) {
			CHECK_STR(x->task.comm, "new");
			CHECK_EQ_U64(x->task.tgid, 70);
			CHECK_EQ_U64(x->task.start_ns, 250);
			CHECK_STR(x->prev.comm, "swapper/1");
			CHECK_EQ_U64(x->prev.tid, 0);
		} else if (x->hdr.ts_ns == 400) {
			CHECK_STR(x->task.comm, "holder");
			CHECK_EQ_U64(x->task.start_ns, 10);
			CHECK_STR(x->prev.comm, "fallback");
			CHECK_EQ_U64(x->prev.start_ns, 0);
		} else if (x->hdr.ts_ns == 600) {
			CHECK(!x->task.comm[0] && !x->prev.comm[0] && x->prev.tid == 8,
			      "a live name does not reach an outlier after it");
		} else {
			CHECK(!x->task.comm[0] && !x->prev.comm[0] && x->task.tid == 11 &&
			      x->prev.tid == 12, "unnamed, by tid");
		}
	}
	outlier_keep__free(&k);
}

static void test_short_lived(void)
{
	struct sdr_rec_task exit_rec;
	const struct sdr_task_id *id;
	struct wait_engine e;

	CHECK(!wait_engine__init(&e, 1));
	memset(&exit_rec, 0, sizeof(exit_rec));
	exit_rec.hdr.type = SDR_REC_TASK_EXIT;
	exit_rec.hdr.ts_ns = 5000;
	exit_rec.task.tid = 33;
	exit_rec.task.start_ns = 4000;
	strcpy(exit_rec.task.comm, "brief");
	CHECK(!wait_engine__exit(&e, &exit_rec));
	id = wait_engine__exit_id(&e, 33, 4500);
	CHECK(id && !strcmp(id->comm, "brief") && id->start_ns == 4000);
	CHECK(!wait_engine__exit_id(&e, 33, 5001), "after its exit: another task");
	CHECK(!wait_engine__exit_id(&e, 33, 3999), "before its start: another task");
	CHECK(!wait_engine__exit_id(&e, 34, 4500));
	wait_engine__free(&e);
}

int main(void)
{
	test_engine_makes_them();
	test_keeps_the_longest();
	test_naming();
	test_short_lived();
	return check_summary();
}
