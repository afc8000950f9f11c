// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The wait engine (userspace/engine/wait_engine.c) of the daemon, top and
 * record, fed batches of switches as the kernel makes them:
 * - only switches that end a wait are waits; the others (a task that had
 *   slept woken through its own waking, idle) are counted as switches;
 * - a wait that lands after a migration counts per task by locality;
 * - the system's histograms (sys_hists.h) hold every valid wait by its CPU,
 *   whole and in parts, and each landing by its locality;
 * - every wait is counted once per task, whether it came in a full batch
 *   from the ring, from a peek at the CPU's partial batch, or both (the
 *   peeked part of a batch is skipped when the full batch arrives), also
 *   across several peeks of one batch and a batch the ring lost after a
 *   peek;
 * - a peek torn by a batch shipped meanwhile (waits out of time order) is
 *   not taken;
 * - a reused tid: waits that ended before the old task's exit go to it,
 *   even when they arrive after the exit; later ones to the new task;
 * - percentiles equal hist__percentile() over the same waits (so within
 *   1/64), with the exact min and max at the first and last ranks; sums
 *   and maxima of the parts are exact;
 * - the interval part restarts at the end of an interval, and a live
 *   accumulator no record names for two generations is dropped, counted;
 * - parts of waits over 2.1 s arrive in dur32's long form and are decoded;
 * - a CPU's batches missing by their numbers are said once (on_gap), before
 *   any switch that came after them, from the ring or from a peek.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/hist.h"
#include "engine/wait_engine.h"

static struct sdr_rec_switches batch(__u32 cpu, const struct sdr_switch_item *w, __u32 n)
{
	struct sdr_rec_switches b;

	memset(&b, 0, sizeof(b));
	b.hdr.type = SDR_REC_SWITCHES;
	b.hdr.size = sizeof(b);
	b.hdr.cpu = cpu;
	b.nr = n;
	memcpy(b.s, w, n * sizeof(*w));
	return b;
}

/* A switch from idle to tid at end, ending a wait of `wait` (0: none), as BPF makes it. */
static struct sdr_switch_item item(__u64 end, __u64 wait, __u64 dlv, __u32 tid)
{
	return (struct sdr_switch_item){ .ts_ns = end, .wait_ns = wait,
					 .delivery_ns = sdr_dur32_encode(dlv),
					 .next_tid = tid, .prev_state = SDR_PREV_IDLE };
}

static void test_peeks(void)
{
	struct sdr_switch_item w[SDR_SWITCHES_PER_REC * 3];
	struct wait_engine e;
	struct sdr_rec_switches b;
	struct wait_acc *a;
	__u32 i;

	CHECK(!wait_engine__init(&e, 2));
	CHECK(!wait_engine__keep_sys_hists(&e));
	for (i = 0; i < SDR_SWITCHES_PER_REC * 3; i++)
		w[i] = item(1000 + i * 10, 100 + i, i % 7, 42);
	/* Batch 1 straight from the ring. */
	b = batch(0, w, SDR_SWITCHES_PER_REC);
	wait_engine__batch(&e, &b, sizeof(b));
	/* Batch 2 peeked at 5, then at 12, then shipped whole. */
	b = batch(0, w + SDR_SWITCHES_PER_REC, 5);
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	b = batch(0, w + SDR_SWITCHES_PER_REC, 12);
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	b = batch(0, w + SDR_SWITCHES_PER_REC, SDR_SWITCHES_PER_REC);
	wait_engine__batch(&e, &b, sizeof(b));
	/* Batch 3 peeked at 3; the ring loses it; a torn peek is refused. */
	b = batch(0, w + 2 * SDR_SWITCHES_PER_REC, 3);
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	a = wait_engine__live(&e, 42, 7);
	CHECK_EQ_U64(a->cum.waits, 2 * SDR_SWITCHES_PER_REC + 3);
	b = batch(0, w + 2 * SDR_SWITCHES_PER_REC, 6);
	b.s[0] = item(5000000, 1, 0, 42); /* a later batch's first wait over the old ones */
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	CHECK_EQ_U64(a->cum.waits, 2 * SDR_SWITCHES_PER_REC + 3);
	/* The other CPU's waits are its own. */
	b = batch(1, w, 4);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(a->cum.waits, 2 * SDR_SWITCHES_PER_REC + 7);
	CHECK_EQ_U64(e.taken, 2 * SDR_SWITCHES_PER_REC + 7);
	/* The system's histograms took each wait once too, on its own CPU. */
	CHECK_EQ_U64(e.sys->cpu[0].wait.count, 2 * SDR_SWITCHES_PER_REC + 3);
	CHECK_EQ_U64(e.sys->cpu[0].queue.count, 2 * SDR_SWITCHES_PER_REC + 3);
	CHECK_EQ_U64(e.sys->cpu[1].wait.count, 4);
	/* A malformed batch changes nothing and is counted. */
	b = batch(0, w, 0);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.refused, 1);
	wait_engine__free(&e);
}

static void test_pid_reuse(void)
{
	struct sdr_switch_item w[4];
	struct sdr_rec_task exit_rec;
	struct wait_engine e;
	struct sdr_rec_switches b;
	struct wait_acc *old, *new;

	CHECK(!wait_engine__init(&e, 2));
	old = wait_engine__live(&e, 7, 100);
	w[0] = item(1000, 50, 10, 7);
	b = batch(0, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	memset(&exit_rec, 0, sizeof(exit_rec));
	exit_rec.hdr.ts_ns = 2000;
	exit_rec.task.tid = 7;
	exit_rec.task.start_ns = 100;
	CHECK(!wait_engine__exit(&e, &exit_rec));
	CHECK(wait_engine__exit_pending(&e, 7, 100));
	/* After the exit: the new task's wait (end 3000), then a late one of the old (end 1500). */
	w[0] = item(3000, 70, 0, 7);
	b = batch(1, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	w[0] = item(1500, 60, 20, 7);
	b = batch(0, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	new = wait_engine__live(&e, 7, 2500);
	CHECK(new != old);
	CHECK_EQ_U64(old->cum.waits, 2);
	CHECK_EQ_U64(old->cum.wait_sum_ns, 110);
	CHECK_EQ_U64(old->cum.delivery_sum_ns, 30);
	CHECK_EQ_U64(old->cum.queue_max_ns, 40);
	CHECK_EQ_U64(new->cum.waits, 1);
	CHECK_EQ_U64(new->cum.wait_max_ns, 70);
	wait_engine__free(&e);
}

/* Switches with no wait are no waits; landings count per task by locality. */
static void test_switches_and_landing(void)
{
	struct sdr_switch_item w[6];
	struct sdr_task_counts counts;
	struct wait_engine e;
	struct sdr_rec_switches b;
	struct wait_acc *a;

	CHECK(!wait_engine__init(&e, 1));
	a = wait_engine__live(&e, 5, 1);
	w[0] = item(100, 0, 0, 5);    /* woke from its own sleep, nothing measured */
	w[1] = item(200, 0, 0, 0);    /* to idle */
	w[2] = item(300, 40, 10, 5);  /* a wait, no migration */
	w[3] = item(400, 70, 0, 5);   /* landed after a cross-LLC move */
	w[3].landing = 1 + SDR_LOC_CROSS_LLC;
	w[3].premig_ns = 30;
	w[4] = item(500, 90, 5, 5);   /* ... and after another, queued 55 ns on the CPU it left */
	w[4].landing = 1 + SDR_LOC_CROSS_LLC;
	w[4].premig_ns = 55;
	w[5] = item(600, 20, 0, 5);   /* delivery over the wait: refused */
	w[5].delivery_ns = 21;
	w[5].premig_ns = 10;
	b = batch(0, w, 6);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.switches, 6);
	CHECK_EQ_U64(e.taken, 3);
	CHECK_EQ_U64(e.refused, 1);
	CHECK_EQ_U64(a->cum.waits, 3);
	CHECK_EQ_U64(a->cum.wait_sum_ns, 200);
	wait_acc__fill_counts(a, &counts);
	CHECK_EQ_U64(counts.landings[SDR_LOC_CROSS_LLC], 2);
	CHECK_EQ_U64(counts.landing_sum_ns[SDR_LOC_CROSS_LLC], 160);
	CHECK_EQ_U64(counts.landing_max_ns[SDR_LOC_CROSS_LLC], 90);
	CHECK_EQ_U64(counts.landings[SDR_LOC_SAME_LLC] + counts.landings[SDR_LOC_CROSS_NODE], 0);
	/* The waits before a migration, per task, since start and in the interval alike. */
	CHECK_EQ_U64(a->cum.premig_waits, 2);
	CHECK_EQ_U64(a->cum.premig_sum_ns, 85);
	CHECK_EQ_U64(a->cum.premig_max_ns, 55);
	CHECK(!memcmp(&a->cum, &a->iv, sizeof(a->cum)));
	/* ... and by locality for the engine: the same two parts. */
	CHECK_EQ_U64(e.premig[SDR_LOC_CROSS_LLC].count, 2);
	wait_engine__free(&e);
}

/*
 * The system's histograms (daemon, top): every valid wait by the CPU it
 * ended on, whole and in parts, and a landing by its locality too; a
 * refused wait in none; a wait whose task has no accumulator still in them.
 */
static void test_sys_hists(void)
{
	struct sdr_switch_item w[4];
	const struct wait_part_hists *c0, *c1, *l;
	struct wait_engine e;
	struct sdr_rec_switches b;

	CHECK(!wait_engine__init(&e, 2));
	CHECK(!wait_engine__keep_sys_hists(&e));
	w[0] = item(300, 40, 10, 5);
	w[1] = item(400, 70, 0, 6);
	w[1].landing = 1 + SDR_LOC_CROSS_NODE;
	w[2] = item(500, 20, 0, 5);
	w[2].delivery_ns = 21; /* refused */
	b = batch(1, w, 3);
	wait_engine__batch(&e, &b, sizeof(b));
	w[3] = item(600, 3000000, 1000000, 7);
	b = batch(0, &w[3], 1);
	wait_engine__batch(&e, &b, sizeof(b));
	c0 = &e.sys->cpu[0];
	c1 = &e.sys->cpu[1];
	CHECK_EQ_U64(c1->wait.count, 2);
	CHECK_EQ_U64(c1->wait.sum_ns, 110);
	CHECK_EQ_U64(c1->wait.max_ns, 70);
	CHECK_EQ_U64(c1->wait.counts[sdr_hist_bucket(40)], 1);
	CHECK_EQ_U64(c1->delivery.count, 2);
	CHECK_EQ_U64(c1->delivery.sum_ns, 10);
	CHECK_EQ_U64(c1->queue.sum_ns, 100);
	CHECK_EQ_U64(c1->queue.max_ns, 70);
	CHECK_EQ_U64(c0->wait.count, 1);
	CHECK_EQ_U64(c0->wait.counts[sdr_hist_bucket(3000000)], 1);
	CHECK_EQ_U64(c0->queue.max_ns, 2000000);
	l = &e.sys->land[SDR_LOC_CROSS_NODE];
	CHECK_EQ_U64(l->wait.count, 1);
	CHECK_EQ_U64(l->wait.max_ns, 70);
	CHECK_EQ_U64(l->queue.sum_ns, 70);
	CHECK_EQ_U64(e.sys->land[SDR_LOC_SAME_LLC].wait.count +
		     e.sys->land[SDR_LOC_CROSS_LLC].wait.count, 0);
	CHECK_EQ_U64(e.taken, 3);
	wait_engine__free(&e);
}

static int nr_published;

static void count_exit(void *ctx, struct wait_acc *a)
{
	nr_published++;
}

static void test_percentiles_and_intervals(void)
{
	struct sdr_switch_item w[SDR_SWITCHES_PER_REC];
	struct sdr_task_counts counts;
	struct sdr_rec_task exit_rec;
	struct wait_engine e;
	struct sdr_rec_switches b;
	struct wait_acc *a;
	struct hist h;
	struct lat l;
	__u64 v, end = 1, dropped = 0;
	__u32 i, k;

	CHECK(!wait_engine__init(&e, 1));
	hist__init(&h);
	srand(3);
	a = wait_engine__live(&e, 9, 1);
	for (k = 0; k < 200; k++) {
		for (i = 0; i < SDR_SWITCHES_PER_REC; i++) {
			/* Spread over many powers of two, with repeats. */
			v = (__u64)(rand() % 1000 + 1) << (rand() % 24);
			w[i] = item(end++, v, v / 3, 9);
			hist__add(&h, v);
		}
		b = batch(0, w, SDR_SWITCHES_PER_REC);
		wait_engine__batch(&e, &b, sizeof(b));
	}
	l = wait_acc__lat(a, false);
	CHECK_EQ_U64(l.count, h.count);
	CHECK_EQ_U64(l.p50, hist__percentile(&h, 0.50));
	CHECK_EQ_U64(l.p90, hist__percentile(&h, 0.90));
	CHECK_EQ_U64(l.p99, hist__percentile(&h, 0.99));
	CHECK_EQ_U64(l.p999, hist__percentile(&h, 0.999));
	CHECK_EQ_U64(l.max, h.max);
	CHECK(l.rel_error == hist__rel_error());
	CHECK(a->hist.n <= SDR_HIST_NR_BUCKETS && a->hist.n > 100, "%u buckets", a->hist.n);
	/* The interval's percentiles are the same counts' until the tick. */
	l = wait_acc__lat(a, true);
	CHECK_EQ_U64(l.count, h.count);
	CHECK_EQ_U64(l.p50, hist__percentile(&h, 0.50));
	CHECK_EQ_U64(l.p999, hist__percentile(&h, 0.999));
	wait_acc__fill_counts(a, &counts);
	CHECK_EQ_U64(counts.waits, h.count);
	CHECK_EQ_U64(counts.wait_sum_ns, h.sum);
	v = 0;
	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		v += counts.wait_hist[i];
	CHECK_EQ_U64(v, h.count);
	/* The interval restarts for a task a record named in this generation only. */
	a->seen_gen = 5;
	wait_engine__end_interval(&e, 5, NULL, NULL, &dropped);
	CHECK_EQ_U64(a->iv.waits, 0);
	for (i = 0, v = 0; i < a->hist.n; i++)
		v += a->hist.m->v[i].n_iv;
	CHECK_EQ_U64(v, 0);
	CHECK_EQ_U64(wait_acc__lat(a, true).count, 0);
	CHECK_EQ_U64(wait_acc__lat(a, false).p50, hist__percentile(&h, 0.50));
	{
		/* The next interval's counts alone, the cumulative ones still all. */
		struct hist h2;
		__u64 dense[SDR_HIST_NR_BUCKETS] = {}, sum = 0;

		hist__init(&h2);
		for (i = 0; i < SDR_SWITCHES_PER_REC; i++) {
			v = (__u64)(rand() % 1000 + 1) << (rand() % 12);
			w[i] = item(end++, v, 0, 9);
			hist__add(&h, v);
			hist__add(&h2, v);
		}
		b = batch(0, w, SDR_SWITCHES_PER_REC);
		wait_engine__batch(&e, &b, sizeof(b));
		l = wait_acc__lat(a, true);
		CHECK_EQ_U64(l.count, h2.count);
		CHECK_EQ_U64(l.p50, hist__percentile(&h2, 0.50));
		CHECK_EQ_U64(l.p90, hist__percentile(&h2, 0.90));
		CHECK_EQ_U64(l.p99, hist__percentile(&h2, 0.99));
		CHECK_EQ_U64(wait_acc__lat(a, false).p99, hist__percentile(&h, 0.99));
		wait_hist__add_to(&a->hist, true, dense, NULL);
		for (k = 0; k < SDR_HIST_NR_BUCKETS; k++)
			sum += dense[k];
		CHECK_EQ_U64(sum, h2.count);
		a->seen_gen = 6;
		wait_engine__end_interval(&e, 6, NULL, NULL, &dropped);
		CHECK_EQ_U64(wait_acc__lat(a, true).count, 0);
	}
	CHECK_EQ_U64(a->cum.waits, h.count);
	/* Named no more: dropped after two generations, its waits counted. */
	wait_engine__end_interval(&e, 7, NULL, NULL, &dropped);
	CHECK_EQ_U64(e.nr_accs, 1);
	wait_engine__end_interval(&e, 8, NULL, NULL, &dropped);
	CHECK_EQ_U64(e.nr_accs, 0);
	CHECK_EQ_U64(dropped, h.count);
	/* An exit is published once its end is reached, then freed. */
	memset(&exit_rec, 0, sizeof(exit_rec));
	exit_rec.hdr.ts_ns = 900;
	exit_rec.task.tid = 11;
	exit_rec.task.start_ns = 5;
	CHECK(!wait_engine__exit(&e, &exit_rec));
	wait_engine__publish_exits(&e, 800, count_exit, NULL);
	CHECK_EQ_U64(nr_published, 0);
	wait_engine__publish_exits(&e, 900, count_exit, NULL);
	CHECK_EQ_U64(nr_published, 1);
	CHECK_EQ_U64(e.nr_accs, 0);
	CHECK_EQ_U64(e.bytes, 0);
	wait_engine__free(&e);
}

/*
 * Waits of 2.1 s and more: the kernel sends their delivery and
 * pre-migration parts in the long form of bpf/dur32.h; the engine's sums
 * and maxima hold them decoded (to 4096 ns below), not saturated at 4.29 s.
 */
static void test_long_parts(void)
{
	__u64 wait = 7000000000ull, dlv = 5000000123ull, premig = 4400000000ull;
	struct sdr_switch_item w[2];
	struct sdr_rec_switches b;
	struct wait_engine e;
	struct wait_acc *a;
	__u64 n;

	CHECK(!wait_engine__init(&e, 1));
	w[0] = item(wait + 10, wait, dlv, 9);
	w[0].premig_ns = sdr_dur32_encode(premig);
	w[0].landing = 1 + SDR_LOC_CROSS_LLC;
	w[1] = item(wait + 20, 3000000000ull, 2147483647ull, 9);
	b = batch(0, w, 2);
	wait_engine__batch(&e, &b, sizeof(b));
	a = wait_engine__live(&e, 9, 1);
	CHECK_EQ_U64(e.refused, 0);
	CHECK_EQ_U64(a->cum.waits, 2);
	CHECK_EQ_U64(a->cum.delivery_max_ns, dlv & ~4095ull);
	CHECK_EQ_U64(a->cum.delivery_sum_ns, (dlv & ~4095ull) + 2147483647ull);
	CHECK_EQ_U64(a->cum.queue_max_ns, wait - (dlv & ~4095ull));
	n = e.premig[SDR_LOC_CROSS_LLC].count;
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(e.premig[SDR_LOC_CROSS_LLC].max, premig & ~4095ull);
	/* A part that decodes longer than its wait is refused, as record's decoder refuses it. */
	w[0] = item(wait + 30, 4000000000ull, 4000004096ull, 9);
	b = batch(0, w, 1);
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.refused, 1);
	CHECK_EQ_U64(a->cum.waits, 2);
	wait_engine__free(&e);
}

/* What the engine said, in order: 'g' a gap (cpu, batches), 's' a switch (cpu, its ts). */
struct said {
	char what[16];
	__u64 a[16], b[16];
	int n;
};

static void said_switch(void *ctx, __u32 cpu, const struct sdr_switch_item *w)
{
	struct said *s = ctx;

	if (s->n < 16) {
		s->what[s->n] = 's';
		s->a[s->n] = cpu;
		s->b[s->n++] = w->ts_ns;
	}
}

static void said_gap(void *ctx, __u32 cpu, __u64 ts_ns, __u32 batches)
{
	struct said *s = ctx;

	(void)ts_ns;
	if (s->n < 16) {
		s->what[s->n] = 'g';
		s->a[s->n] = cpu;
		s->b[s->n++] = batches;
	}
}

static void test_gaps(void)
{
	struct sdr_switch_item w[2];
	struct sdr_rec_switches b;
	struct wait_engine e;
	struct said s = {};

	CHECK(!wait_engine__init(&e, 2));
	e.on_switch = said_switch;
	e.on_switch_ctx = &s;
	e.on_gap = said_gap;
	e.on_gap_ctx = &s;
	/* CPU 1's batches 4, then 7: 5 and 6 lost, said before 7's switch. */
	w[0] = item(100, 0, 0, 5);
	b = batch(1, w, 1);
	b.seq = 4;
	wait_engine__batch(&e, &b, sizeof(b));
	w[0] = item(200, 0, 0, 5);
	b = batch(1, w, 1);
	b.seq = 7;
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(s.n, 3);
	CHECK(s.what[0] == 's' && s.what[1] == 'g' && s.a[1] == 1 && s.b[1] == 2 &&
	      s.what[2] == 's' && s.b[2] == 200, "%.*s", s.n, s.what);
	/* CPU 0 (its own numbers): a peek at 3 after batch 1: 2 lost, said before the peeked switch. */
	s.n = 0;
	w[0] = item(150, 0, 0, 6);
	b = batch(0, w, 1);
	b.seq = 1;
	wait_engine__batch(&e, &b, sizeof(b));
	w[0] = item(300, 0, 0, 6);
	w[1] = item(310, 0, 0, 6);
	b = batch(0, w, 2);
	b.seq = 3;
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	CHECK(s.n == 4 && s.what[0] == 's' && s.what[1] == 'g' && s.a[1] == 0 && s.b[1] == 1 &&
	      s.what[2] == 's' && s.b[2] == 300, "%.*s", s.n, s.what);
	/* Batch 3 then comes whole, and a stale peek of it: nothing more lost. */
	b = batch(0, w, 2);
	b.seq = 3;
	wait_engine__copy_partial(&e, &b);
	wait_engine__batch(&e, &b, sizeof(b));
	wait_engine__apply_peeks(&e);
	CHECK_EQ_U64(e.batches_missing, 3);
	CHECK_EQ_U64(s.n, 4);
	CHECK_EQ_U64(e.peeks_lost, 0);
	wait_engine__free(&e);
}

/*
 * A peeked batch the ring loses is counted in peeks_lost whether the next
 * thing seen of the CPU is a whole batch or another peek; no switch is
 * taken twice or skipped.
 */
static void test_peek_lost(void)
{
	struct sdr_switch_item w[SDR_SWITCHES_PER_REC * 4];
	struct wait_engine e;
	struct sdr_rec_switches b;
	__u32 i;

	CHECK(!wait_engine__init(&e, 1));
	for (i = 0; i < SDR_SWITCHES_PER_REC * 4; i++)
		w[i] = item(1000 + i * 10, 100 + i, 0, 42);
	/* Batch 1 whole; 2 peeked at 3 switches, then lost; 3 peeked at 2, then whole. */
	b = batch(0, w, SDR_SWITCHES_PER_REC);
	b.seq = 1;
	wait_engine__batch(&e, &b, sizeof(b));
	b = batch(0, w + SDR_SWITCHES_PER_REC, 3);
	b.seq = 2;
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	b = batch(0, w + 2 * SDR_SWITCHES_PER_REC, 2);
	b.seq = 3;
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	CHECK_EQ_U64(e.batches_missing, 1);
	CHECK_EQ_U64(e.peeks_lost, 1);
	b = batch(0, w + 2 * SDR_SWITCHES_PER_REC, SDR_SWITCHES_PER_REC);
	b.seq = 3;
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.taken, 2 * SDR_SWITCHES_PER_REC + 3);
	/* Batch 4 peeked at 4, lost; batch 5 whole: counted by the batch's side. */
	b = batch(0, w + 3 * SDR_SWITCHES_PER_REC, 4);
	b.seq = 4;
	wait_engine__copy_partial(&e, &b);
	wait_engine__apply_peeks(&e);
	w[0] = item(900000, 7, 0, 42);
	b = batch(0, w, 1);
	b.seq = 5;
	wait_engine__batch(&e, &b, sizeof(b));
	CHECK_EQ_U64(e.batches_missing, 2);
	CHECK_EQ_U64(e.peeks_lost, 2);
	CHECK_EQ_U64(e.taken, 2 * SDR_SWITCHES_PER_REC + 8);
	wait_engine__free(&e);
}

int main(void)
{
	test_peeks();
	test_gaps();
	test_peek_lost();
	test_long_parts();
	test_pid_reuse();
	test_switches_and_landing();
	test_sys_hists();
	test_percentiles_and_intervals();
	return check_summary();
}
