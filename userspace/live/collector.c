// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live engine's core (collector.h): the ring buffer's records (wait
 * batches into the wait engine, exits, outliers) and the kernel's
 * live-task snapshot into the task table, and the tick that ends an
 * interval. The tick's reads of the kernel's maps are
 * in kernel_maps.c, its task rows in rows.c, SLO captures in capture.c.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "live/collector.h"
#include "live/task_interval.h"
#include "host/proc_task.h"
#include "lib/util.h"

/* ---- ring buffer: waits and exits; outliers from the waits ---- */

/*
 * An outlier the engine made from the switches (engine/outliers.h): into
 * the interval's 10 longest and, with SLO captures on, into the interval's
 * outliers for the flight recorder. Named at the tick, by the records the
 * daemon has then (it has no filter: every task has its exit or snapshot).
 */
static void take_outlier(void *ctx, const struct sdr_rec_outlier *o)
{
	struct collector *c = ctx;

	outlier_keep__add(&c->worst, o);
	if (c->flight)
		outlier_keep__add(&c->flight_outliers, o);
}

/* A record's identity names the kept outliers of its task, in both keepers. */
static void name_outliers(struct collector *c, const struct sdr_task_id *id, __u64 end_ns)
{
	outlier_keep__name(&c->worst, id, end_ns);
	if (c->flight)
		outlier_keep__name(&c->flight_outliers, id, end_ns);
}

/*
 * What no record named by the tick: an exit the engine holds (it came
 * after the snapshot read the task), a live task the snapshot missed
 * (pidfd), else /proc.
 */
static int name_outlier_side(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id)
{
	struct collector *c = ctx;
	const struct sdr_task_id *e = wait_engine__exit_id(&c->waits, tid, ts);
	int err;

	if (e) {
		*id = *e;
		return 0;
	}
	err = loader__task_id(&c->l, tid, ts, id);
	/* Named, or the tid is another task's by now: /proc would name that one. */
	if (!err || err == -ESTALE)
		return err;
	return proc_task__id(tid, ts, id);
}

/*
 * The interval's outliers, named: the 10 longest into the report, all of
 * them (up to the cap) into the flight recorder, stamped with their own
 * time, so a capture's window holds those that ended in it.
 */
static int publish_outliers(struct collector *c, struct report *r)
{
	__u64 now;
	size_t i;

	outlier_keep__name_rest(&c->worst, name_outlier_side, c);
	outlier_keep__sort(&c->worst);
	if (c->worst.n) {
		r->outliers = malloc(c->worst.n * sizeof(*r->outliers));
		if (!r->outliers) {
			/* Sorted longest first, it would refuse nearly every later one. */
			outlier_keep__clear(&c->worst);
			return -ENOMEM;
		}
		memcpy(r->outliers, c->worst.v, c->worst.n * sizeof(*r->outliers));
		r->nr_outliers = r->cap_outliers = c->worst.n;
	}
	outlier_keep__clear(&c->worst);
	if (!c->flight)
		return 0;
	outlier_keep__name_rest(&c->flight_outliers, name_outlier_side, c);
	outlier_keep__sort(&c->flight_outliers);
	now = now_mono_ns();
	for (i = c->flight_outliers.n; i-- > 0;)
		flight__add(c->flight, &c->flight_outliers.v[i], sizeof(c->flight_outliers.v[i]),
			    c->flight_outliers.v[i].hdr.ts_ns, now);
	c->flight_outliers_lost += c->flight_outliers.pushed_out;
	outlier_keep__clear(&c->flight_outliers);
	return 0;
}

static void task_rec_from(struct task_rec *t, const struct sdr_task_id *id,
			  const struct sdr_task_counts *counts, __u64 generation)
{
	memset(t, 0, sizeof(*t));
	t->id = *id;
	task_counts__from(&t->counts, counts);
	t->generation = generation;
}

/*
 * The accumulator of cgroup id, made if new; NULL when the cap
 * (--max-cgroup-series) is reached. Kept sorted by id: every task's
 * interval looks its cgroup up, so the search must not grow with the
 * cgroup count.
 */
static struct collector_cg *cg_get(struct collector *c, __u64 id)
{
	size_t lo = 0, hi = c->nr_cgs, mid;
	__u64 *h;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->cgs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_cgs && c->cgs[lo].id == id)
		return &c->cgs[lo];
	if (c->nr_cgs >= c->max_cgs)
		return NULL;
	h = calloc(2 * SDR_HIST_NR_BUCKETS, sizeof(*h));
	if (!h || ARRAY_GROW(c->cgs, c->nr_cgs, c->cap_cgs, 16)) {
		free(h);
		return NULL;
	}
	memmove(&c->cgs[lo + 1], &c->cgs[lo], (c->nr_cgs - lo) * sizeof(c->cgs[0]));
	memset(&c->cgs[lo], 0, sizeof(c->cgs[0]));
	c->cgs[lo].id = id;
	c->cgs[lo].cum = h;
	c->cgs[lo].interval = h + SDR_HIST_NR_BUCKETS;
	c->nr_cgs++;
	return &c->cgs[lo];
}

/* A task's waits of the interval into its cgroup's histograms (counted as lost if none). */
static void cg_add_interval(void *ctx, const struct wait_acc *a)
{
	struct collector *c = ctx;
	struct collector_cg *g;

	if (c->kernel_cgroups || !a->cgroup_id)
		return;
	g = cg_get(c, a->cgroup_id);
	if (!g) {
		c->user[USER_STAT_cgroup_series_full] += a->iv.waits;
		return;
	}
	wait_hist__add_to(&a->hist, true, g->cum, g->interval);
	if (a->iv.wait_max_ns > g->max)
		g->max = a->iv.wait_max_ns;
	if (a->iv.wait_max_ns > g->imax)
		g->imax = a->iv.wait_max_ns;
	g->sum += a->iv.wait_sum_ns;
	g->isum += a->iv.wait_sum_ns;
}

/*
 * A task's cgroup for the noisy neighbours, read when its task gets a CPU.
 * Records name a task's cgroup at each tick, so a task younger than an
 * interval has none yet; the attribution then keeps its time by tid,
 * slice by slice (behind 400 new tasks of `perf bench sched messaging`, a
 * wait covered hundreds). A task that has waited COLLECTOR_ASK_WAITS
 * times is worth one read of /proc/TID/cgroup (a few us); one that runs
 * once and exits (a fork flood) is never read. At most COLLECTOR_ASK_PER_S
 * reads a second (a storm of new tasks that each wait a few times costs
 * at most about 1 % of a core): the others are asked again later.
 */
#define COLLECTOR_ASK_WAITS 8
#define COLLECTOR_ASK_PER_S 1000

/* Whether one more read of a task's cgroup fits this second's budget. */
static bool ask_budget(struct collector *c)
{
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (__u64)ts.tv_sec;
	if (now != c->ask_second) {
		c->ask_second = now;
		c->asked_this_second = 0;
	}
	return c->asked_this_second++ < COLLECTOR_ASK_PER_S;
}

static __u64 cgroup_of_tid(void *ctx, __u32 tid)
{
	struct collector *c = ctx;
	struct wait_acc *a = c->waits.switch_acc;
	char path[4096];

	if (!a || a->tid != tid)
		a = wait_engine__acc_of(&c->waits, tid);
	if (!a || a->cgroup_id || a->cgroup_asked || a->exit_ns ||
	    a->cum.waits < COLLECTOR_ASK_WAITS || !ask_budget(c))
		return a ? a->cgroup_id : 0;
	a->cgroup_asked = true;
	if (!c->cg_root_found)
		c->cg_root_found = cgroup_paths__root(c->cg_root, sizeof(c->cg_root)) ? -1 : 1;
	if (c->cg_root_found < 0)
		return 0;
	c->cgroup_lookups++;
	/* Gone already, or removed since: named by tid, resolved at the tick. */
	if (cgroup_paths__task_path(tid, path, sizeof(path)))
		return 0;
	if (!c->cg_last_id || strcmp(path, c->cg_last_path)) {
		if (cgroup_paths__id_of(c->cg_root, path, &c->cg_last_id)) {
			c->cg_last_id = 0;
			return 0;
		}
		snprintf(c->cg_last_path, sizeof(c->cg_last_path), "%s", path);
	}
	a->cgroup_id = c->cg_last_id;
	return a->cgroup_id;
}

const char *collector__cgroup_path(void *ctx, __u64 id)
{
	struct collector *c = ctx;

	return cgroup_paths__find(&c->cg_paths, id);
}

/* Whether two cgroups are containers (or the cgroup) of one Kubernetes pod. */
static int same_pod(void *ctx, __u64 a, __u64 b)
{
	struct collector *c = ctx;
	const char *pa = collector__cgroup_path(c, a), *pb = collector__cgroup_path(c, b);
	double now_s = now_mono_ns() / 1e9;
	const struct k8s_ident *k;
	char uid[sizeof(k->pod_uid)];

	if (a == b || !pa || !pb)
		return a == b;
	k = k8s_cache__get(c->k8s, pa, now_s);
	if (!k || !k->pod_uid[0])
		return 0;
	memcpy(uid, k->pod_uid, sizeof(uid));
	k = k8s_cache__get(c->k8s, pb, now_s);
	return k && !strncmp(uid, k->pod_uid, sizeof(uid));
}

/* The engine's figures for the task in t (its totals, the interval's, the percentiles). */
static void waits_from_engine(struct task_rec *t, const struct task_rec *old, struct wait_acc *a)
{
	struct task_interval *iv = &t->interval;
	struct lat l;

	l = wait_acc__lat(a, true);
	iv->waits = a->iv.waits;
	iv->wait_p50_ns = l.p50;
	iv->wait_p90_ns = l.p90;
	iv->wait_p99_ns = l.p99;
	iv->wait_p999_ns = l.p999;
	iv->wait_max_ns = a->iv.wait_max_ns;
	iv->wait_sum_ns = a->iv.wait_sum_ns;
	iv->delivery_sum_ns = a->iv.delivery_sum_ns;
	iv->delivery_max_ns = a->iv.delivery_max_ns;
	iv->queue_max_ns = a->iv.queue_max_ns;
	iv->premig_waits = a->iv.premig_waits;
	iv->premig_sum_ns = a->iv.premig_sum_ns;
	iv->premig_max_ns = a->iv.premig_max_ns;
	iv->wait_fine = 1;
	/*
	 * The task's second version in one generation (read live, then its
	 * exit): the first one's waits were shown and the interval restarted
	 * since, so add them back (percentiles: the larger part's).
	 */
	if (old && old->generation == t->generation && old->interval.wait_fine) {
		const struct task_interval *o = &old->interval;

		if (o->waits > iv->waits) {
			iv->wait_p50_ns = o->wait_p50_ns;
			iv->wait_p90_ns = o->wait_p90_ns;
			iv->wait_p99_ns = o->wait_p99_ns;
			iv->wait_p999_ns = o->wait_p999_ns;
		}
		iv->waits += o->waits;
		iv->wait_sum_ns += o->wait_sum_ns;
		iv->delivery_sum_ns += o->delivery_sum_ns;
		if (o->wait_max_ns > iv->wait_max_ns)
			iv->wait_max_ns = o->wait_max_ns;
		if (o->delivery_max_ns > iv->delivery_max_ns)
			iv->delivery_max_ns = o->delivery_max_ns;
		if (o->queue_max_ns > iv->queue_max_ns)
			iv->queue_max_ns = o->queue_max_ns;
		iv->premig_waits += o->premig_waits;
		iv->premig_sum_ns += o->premig_sum_ns;
		if (o->premig_max_ns > iv->premig_max_ns)
			iv->premig_max_ns = o->premig_max_ns;
	}
	/*
	 * No wait since the version this accumulator last filled: the
	 * cumulative histogram is the one that version's percentiles came
	 * from, so they stand. A host's tasks mostly sleep through an
	 * interval, and these four walks were 6 % of the daemon's CPU at
	 * 50 000 tasks (docs/performance.md, "The tick at 50 000 tasks,
	 * profiled again").
	 */
	if (!a->iv.waits && old && old->wait_pct.fine && a->seen_gen &&
	    a->seen_gen == old->generation) {
		t->wait_pct = old->wait_pct;
	} else {
		l = wait_acc__lat(a, false);
		t->wait_pct = (struct task_wait_pct){ .p50 = l.p50, .p90 = l.p90, .p99 = l.p99,
						      .p999 = l.p999, .fine = 1 };
	}
	t->premig = (struct task_premig){ .waits = a->cum.premig_waits,
					  .sum_ns = a->cum.premig_sum_ns,
					  .max_ns = a->cum.premig_max_ns };
	a->cgroup_id = t->counts.cgroup_id;
	a->seen_gen = t->generation;
}

/*
 * Publish a task version, with what it did since its last version of an
 * earlier generation, its waits from the engine's accumulator a (NULL: as
 * the version holds them). A full table refuses it: counted, as every loss
 * is.
 */
static void task_update(struct collector *c, struct task_rec *t, struct wait_acc *a)
{
	const struct task_rec *old = tasktable__get(c->table, t->id.tid, t->id.start_ns);

	if (a)
		wait_acc__fill_totals(a, &t->counts);
	task_interval__fill(t, old, c->topo.nr_nodes);
	if (a)
		waits_from_engine(t, old, a);
	else if (old) {
		t->wait_pct = old->wait_pct;
		t->premig = old->premig;
	}
	if (tasktable__update(c->table, t))
		c->user[USER_STAT_table_full]++;
}

/*
 * A task's final switch, from the batch that holds it (the engine's
 * on_exit): the kernel's small record made the full one everything else
 * holds.
 */
static void take_exit(void *ctx, const struct sdr_rec_exit *x, size_t size)
{
	struct collector *c = ctx;
	struct sdr_rec_task e;
	struct task_rec t;
	/*
	 * The generation not yet published. Inside a tick that is the one it
	 * opened: the snapshot may have read this task just before it exited,
	 * and an exit stamped a generation later would replace that
	 * unpublished version and count its interval from it, so what the
	 * task did up to the snapshot would never be shown.
	 */
	__u64 gen = c->tick_open ? c->generation : c->generation + 1;

	if (loader__exit_rec(x, size, &e)) {
		c->user[USER_STAT_decode]++;
		return;
	}
	if (c->flight) {
		__u64 now = now_mono_ns();

		flight__add(c->flight, &e, sizeof(e), now, now);
	}
	/*
	 * Published at the tick, when every wait that ended before the exit
	 * has come (publish_exit); at once only without memory.
	 */
	if (!wait_engine__exit(&c->waits, &e))
		return;
	/* Final totals, then the exit: it stays visible for the grace. */
	task_rec_from(&t, &e.task, &e.counts, gen);
	task_update(c, &t, NULL);
	/* Not in the table only if the update above was refused (counted there). */
	tasktable__mark_exited(c->table, e.task.tid, e.task.start_ns, gen);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct sdr_rec_hdr *h = data;
	struct collector *c = ctx;

	if (size < sizeof(*h) || h->size != size) {
		c->user[USER_STAT_decode]++;
		return 0;
	}
	c->user[USER_STAT_consumed]++;
	/* Exits come inside the batches (take_exit), never on their own. */
	if (h->type == SDR_REC_EXIT) {
		c->user[USER_STAT_decode]++;
		return 0;
	}
	if (c->flight) {
		__u64 now = now_mono_ns();

		flight__add(c->flight, data, size, now, now);
	}
	if (h->type == SDR_REC_SWITCHES)
		wait_engine__batch(&c->waits, data, size);
	return 0;
}

/*
 * The ring's callback, run by whichever thread consumes the ring (with the
 * ingest queue's lock held): the record is only copied into the queue,
 * and on_event takes it from there in the engine's thread. A record the
 * queue's cap refuses is lost like one the ring refused, and weighs the
 * same: every wait of a switch batch (ingest_full).
 */
static int stage_event(void *ctx, void *data, size_t size)
{
	const struct sdr_rec_switches *b = data;
	struct collector *c = ctx;
	__u64 waits = 0;
	__u32 i;

	if (!ring_ingest__stage(&c->ingest, data, size))
		return 0;
	if (size >= SDR_SWITCHES_SIZE(0) && b->hdr.type == SDR_REC_SWITCHES) {
		/* Its exits are lost with it, and weigh as waits do. */
		for (i = 0; i < SDR_SWITCHES_PER_REC; i++)
			waits += i < b->nr && b->s[i].wait_ns != 0;
		waits += b->nr_exits <= SDR_EXITS_PER_REC ? b->nr_exits : 0;
	} else {
		waits = 1;
	}
	ring_ingest__drop(&c->ingest, waits);
	return 0;
}

int collector__take(struct collector *c)
{
	return ring_ingest__take(&c->ingest, on_event, c);
}

int collector__drain(struct collector *c, int timeout_ms)
{
	return ring_ingest__wait(&c->ingest, timeout_ms, on_event, c);
}

/* ---- start / stop ---- */

int collector__start(struct collector *c, const struct collector_opts *o)
{
	struct loader_opts lo = {};
	struct utsname u;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = topology_load(&c->topo, o->topology_path);
	if (rc)
		return rc;
	c->cum_rows_top = -1;
	c->iv_rows_top = -1;
	/* Each task's run time on the nodes there are only (the topology's). */
	c->table = tasktable__new_nodes(o->max_tasks, o->grace,
					c->topo.nr_nodes < 1 ? 1 :
					c->topo.nr_nodes > SDR_MAX_NODES ? SDR_MAX_NODES :
					c->topo.nr_nodes);
	c->reader = c->table ? tasktable__reader_new(c->table) : NULL;
	c->ncpu = libbpf_num_possible_cpus();
	c->prev_cpu = calloc(c->ncpu > 0 ? c->ncpu : 1, sizeof(*c->prev_cpu));
	c->cpu_hists = calloc(c->topo.nr_cpus + 1, sizeof(*c->cpu_hists));
	c->prev_matrix = calloc((size_t)c->topo.nr_nodes * c->topo.nr_nodes + 1,
				sizeof(*c->prev_matrix));
	if (!c->table || !c->reader || c->ncpu <= 0 || !c->prev_cpu || !c->cpu_hists ||
	    !c->prev_matrix) {
		msg_err("out of memory");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	c->k8s = k8s_cache__new(o->host_root);
	if (!c->k8s || wait_engine__init(&c->waits, c->ncpu) ||
	    wait_engine__keep_sys_hists(&c->waits) ||
	    neighbours__init(&c->nb, c->ncpu,
			     o->neighbour_series ? o->neighbour_series : NEIGHBOURS_DEFAULT_TOP,
			     cgroup_of_tid, c)) {
		msg_err("out of memory");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	/*
	 * Opt-in (--neighbour-series K): the split walks every slice a wait
	 * covers, so behind deep run queues (perf bench sched messaging) it
	 * cost the daemon 1.9 us a switch, 30 times the rest of its work
	 * (docs/performance.md). Off, the families' counters stay at 0.
	 */
	if (o->neighbour_series) {
		c->waits.on_switch = neighbours__switch;
		c->waits.on_switch_ctx = &c->nb;
		c->waits.on_gap = neighbours__gap;
		c->waits.on_gap_ctx = &c->nb;
	}
	lo.topo = &c->topo;
	/*
	 * Every switch, in batches of SDR_SWITCHES_PER_REC (40 bytes each):
	 * 4 MiB hold about 100 000, 100 ms of 1 M switches/s; the ring is woken every
	 * wakeup_bytes. Its pages count in the daemon's RSS twice (the ring
	 * is mapped twice, for records that wrap), so not more.
	 */
	lo.ringbuf_bytes = 4 << 20;
	c->waits.min_lat_ns = o->min_lat_ns;
	c->waits.on_outlier = take_outlier;
	c->waits.on_outlier_ctx = c;
	c->waits.on_exit = take_exit;
	c->waits.on_exit_ctx = c;
	if (outlier_keep__init(&c->worst, COLLECTOR_OUTLIERS) ||
	    outlier_keep__init(&c->flight_outliers, o->flight_window_ns ?
			       COLLECTOR_FLIGHT_OUTLIERS : 1)) {
		msg_err("out of memory");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	lo.max_cgroups = o->max_cgroups;
	c->kernel_cgroups = o->max_cgroups > 0;
	c->max_cgs = o->max_cgroup_series ? o->max_cgroup_series : COLLECTOR_DEFAULT_CGROUP_SERIES;
	lo.no_migration_records = 1;
	if (o->flight_window_ns) {
		/* The record-mode events too, for SLO captures: waits in batches, migrations. */
		c->flight = flight__new(o->flight_window_ns, o->flight_max_bytes);
		if (!c->flight) {
			msg_err("out of memory");
			collector__stop(c);
			return EXIT_RUNTIME;
		}
		lo.no_migration_records = 0;
		lo.ringbuf_bytes = 16 << 20;
	}
	if (loader__start(&c->l, &lo, stage_event, c)) {
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	rc = ring_ingest__start(&c->ingest, c->l.rb, loader__ring_fd(&c->l),
				COLLECTOR_INGEST_CAP_BYTES, lo.ringbuf_bytes / 4);
	if (rc) {
		msg_err("cannot start the ring buffer's reader thread: %s", strerror(-rc));
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	if (c->l.raw_tp) {
		msg_err("the always-on modes need tp_btf programs (task storage); this kernel refuses "
			"them: use `schedrift record` instead");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	if (uname(&u) == 0) {
		snprintf(c->meta.kernel_release, sizeof(c->meta.kernel_release), "%s", u.release);
		snprintf(c->meta.hostname, sizeof(c->meta.hostname), "%s", u.nodename);
	}
	c->meta.nr_cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	c->meta.start_mono_ns = c->last_tick_ns = now_mono_ns();
	c->meta.start_realtime_ns = c->last_tick_realtime_ns = now_realtime_ns();
	snprintf(c->meta.command, sizeof(c->meta.command), "%s", o->command);
	c->meta.topo = c->topo;
	return 0;
}

void collector__stop(struct collector *c)
{
	ring_ingest__stop(&c->ingest); /* before the ring it reads goes */
	loader__destroy(&c->l);
	if (c->reader)
		tasktable__reader_free(c->reader);
	if (c->table)
		tasktable__free(c->table);
	free(c->prev_cpu);
	free(c->prev_matrix);
	free(c->prev_cg);
	free(c->cpu_hists);
	free(c->cgroup_hists);
	free(c->spare_rows[0]);
	free(c->spare_rows[1]);
	cgroup_paths__free(&c->cg_paths);
	k8s_cache__free(c->k8s);
	flight__free(c->flight);
	wait_engine__free(&c->waits);
	outlier_keep__free(&c->worst);
	outlier_keep__free(&c->flight_outliers);
	neighbours__free(&c->nb);
	for (size_t i = 0; i < c->nr_cgs; i++)
		free(c->cgs[i].cum);
	free(c->cgs);
	memset(c, 0, sizeof(*c));
}

/* ---- a tick ---- */

static int on_live_task(void *ctx, const struct sdr_rec_task *rec)
{
	struct collector *c = ctx;
	struct task_rec t;

	struct wait_acc *a = wait_engine__live(&c->waits, rec->task.tid, rec->task.start_ns);

	name_outliers(c, &rec->task, ~0ull);
	task_rec_from(&t, &rec->task, &rec->counts, c->generation);
	task_update(c, &t, a);
	/* Its interval's waits to its cgroup, and a new interval (wait_acc__end_interval). */
	if (a && a->iv.waits) {
		cg_add_interval(c, a);
		wait_acc__end_interval(a);
	}
	return 0;
}

/* The next window of a read's tasks, before on_live_task looks each one up in the engine. */
static void live_tasks_ahead(void *ctx, const __u32 *tids, size_t n)
{
	struct collector *c = ctx;

	wait_engine__prefetch(&c->waits, tids, n);
}

/* An exit, with every wait that ended before it: final totals, then exited. */
static void publish_exit(void *ctx, struct wait_acc *a)
{
	struct collector *c = ctx;
	const struct sdr_rec_task *e = a->exit_rec;
	struct task_rec t;

	c->exits_published++;
	name_outliers(c, &e->task, a->exit_ns);
	task_rec_from(&t, &e->task, &e->counts, c->generation);
	task_update(c, &t, a);
	cg_add_interval(c, a);
	/* Not in the table only if the update above was refused (counted there). */
	tasktable__mark_exited(c->table, e->task.tid, e->task.start_ns, c->generation);
}

/* Keys of tasks held as alive that this generation's snapshot did not report. */
struct vanished {
	__u64 generation;
	const struct wait_engine *waits; /* an exit it holds is not a vanishing */
	struct sdr_task_id *ids;
	size_t n, cap;
	int err;
};

static int find_vanished(void *ctx, const struct task_rec *t)
{
	struct vanished *v = ctx;

	if (t->exit_generation || t->generation == v->generation ||
	    wait_engine__exit_pending(v->waits, t->id.tid, t->id.start_ns))
		return 0;
	if (ARRAY_GROW(v->ids, v->n, v->cap, 64)) {
		v->err = -ENOMEM;
		return 1;
	}
	v->ids[v->n++] = t->id;
	return 0;
}

/*
 * The snapshot reports every live task the kernel has state for, so a task
 * held as alive that it missed has gone without an exit record (the ring
 * buffer was full: counted there). It exits in this generation with nothing
 * new in its interval, and leaves after its grace like any other; without
 * this it would be held, as alive, forever.
 */
static int sweep_vanished(struct collector *c)
{
	struct vanished v = { .generation = c->generation, .waits = &c->waits };
	const struct task_rec *old;
	struct task_rec t;
	size_t i;

	tasktable__for_each(c->reader, find_vanished, &v);
	for (i = 0; !v.err && i < v.n; i++) {
		old = tasktable__get(c->table, v.ids[i].tid, v.ids[i].start_ns);
		if (!old)
			continue;
		tasktable__rec_copy(c->table, &t, old);
		t.generation = c->generation;
		task_update(c, &t, NULL);
		tasktable__mark_exited(c->table, t.id.tid, t.id.start_ns, c->generation);
	}
	free(v.ids);
	return v.err;
}

/* Migrations in the counters, and in the node matrix plus those it had no cell for. */
static int matrix_agrees(const struct sdr_stats *s, const struct sdr_node_cell *m, int cells)
{
	__u64 counted = 0, placed = s->counters[SDR_STAT_node_matrix];
	int i, k;

	for (i = 0; i < SDR_LOC_NR; i++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			counted += s->migrations[i][k];
	for (i = 0; i < cells; i++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			placed += m[i].by_cause[k];
	return counted == placed;
}

/*
 * The counters and the node matrix are two maps, read one after the other:
 * a migration between the two reads is in one and not the other, and a
 * capture or an interval spanning two such reads was off by one at its edge
 * (test_consistency: "node matrix 63 migrations, system 62"). BPF adds to
 * both for every migration, so they agree when read between migrations:
 * read both again until they do. A few tries are plenty (moves come at most
 * thousands a second); past them the last reading stands.
 */
#define TOTALS_TRIES 16

static int fill_totals(struct collector *c, struct report *r)
{
	struct ring_ingest_drops drops;
	struct sdr_stats s;
	__u64 taken;
	int i, err, tries = 0, cells = c->topo.nr_nodes * c->topo.nr_nodes;

	r->nr_nodes = c->topo.nr_nodes;
	r->node_matrix = calloc((size_t)cells + 1, sizeof(*r->node_matrix));
	if (!r->node_matrix)
		return -ENOMEM;
	do {
		err = loader__read_stats(&c->l, &s);
		if (!err)
			err = loader__read_node_matrix(&c->l, r->node_matrix);
		if (err)
			return err;
	} while (!matrix_agrees(&s, r->node_matrix, cells) && ++tries < TOTALS_TRIES);
	for (i = 0; i < SDR_STAT_NR; i++)
		r->counters[i] = s.counters[i];
	/* Counted where the outliers are made now: the engine, from the switches. */
	r->counters[SDR_STAT_outliers] = c->waits.outliers;
	c->user[USER_STAT_prog_skipped] = loader__prog_skipped(&c->l);
	c->user[USER_STAT_flight_evicted] = flight__evicted(c->flight) + c->flight_outliers_lost;
	drops = ring_ingest__drops(&c->ingest, NULL);
	c->user[USER_STAT_ingest_full] = drops.weight;
	c->user[USER_STAT_batches_missing] = c->waits.batches_missing;
	c->user[USER_STAT_peeks_lost] = c->waits.peeks_lost;
	for (i = 0; i < USER_STAT_NR; i++)
		r->counters[SDR_STAT_NR + i] = c->user[i];
	/* Waits the engine refused (malformed, or no memory for their task) are dropped data too. */
	r->counters[SDR_STAT_NR + USER_STAT_decode] += c->waits.refused + c->waits.exits_refused;
	memcpy(r->migrations, s.migrations, sizeof(r->migrations));
	r->penalty_milli = s.penalty_milli;
	/*
	 * Records the kernel made that the ring buffer or the ingest queue has
	 * not given the engine yet (those the queue dropped are counted above).
	 */
	taken = c->user[USER_STAT_consumed] + c->user[USER_STAT_decode] + drops.records;
	if (s.counters[SDR_STAT_records] > taken)
		r->unconsumed = s.counters[SDR_STAT_records] - taken;
	return 0;
}

static int copy_out(void **dst, const void *src, size_t n, size_t size)
{
	*dst = calloc(n + 1, size);
	if (!*dst)
		return -ENOMEM;
	if (n)
		memcpy(*dst, src, n * size);
	return 0;
}

/*
 * The interval's report: counters and the node matrix as differences from
 * the last tick, latency (already the interval's in r) copied; the tasks
 * are added by collector__fill_tasks() (rows.c).
 */
static int interval_totals(struct collector *c, const struct report *r, struct report *iv)
{
	size_t cells = (size_t)r->nr_nodes * r->nr_nodes, i;
	int loc, k, err;

	iv->meta = r->meta;
	iv->meta.start_mono_ns = c->last_tick_ns - r->duration_ns;
	iv->meta.start_realtime_ns = c->last_tick_realtime_ns;
	iv->have_trailer = 1;
	iv->duration_ns = r->duration_ns;
	iv->generation = r->generation;
	iv->nr_waits = r->nr_waits;
	for (i = 0; i < STAT_ALL_NR; i++)
		iv->counters[i] = r->counters[i] - c->prev_counters[i];
	for (loc = 0; loc < SDR_LOC_NR; loc++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			iv->migrations[loc][k] = r->migrations[loc][k] - c->prev_migrations[loc][k];
	iv->penalty_milli = r->penalty_milli - c->prev_penalty_milli;
	iv->unconsumed = r->unconsumed; /* a backlog now, not a count */
	iv->nr_nodes = r->nr_nodes;
	iv->sys_runq = r->sys_runq;
	iv->has_split = r->has_split;
	iv->sys_delivery = r->sys_delivery;
	iv->sys_queue = r->sys_queue;
	memcpy(iv->landing, r->landing, sizeof(iv->landing));
	memcpy(iv->landing_delivery, r->landing_delivery, sizeof(iv->landing_delivery));
	memcpy(iv->landing_queue, r->landing_queue, sizeof(iv->landing_queue));
	err = copy_out((void **)&iv->node_matrix, r->node_matrix, cells, sizeof(*r->node_matrix));
	if (!err)
		err = copy_out((void **)&iv->cpu_runq, r->cpu_runq, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_runq));
	if (!err)
		err = copy_out((void **)&iv->cpu_delivery, r->cpu_delivery, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_delivery));
	if (!err)
		err = copy_out((void **)&iv->cpu_queue, r->cpu_queue, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_queue));
	if (!err)
		err = copy_out((void **)&iv->cgroups, r->cgroups, r->nr_cgroups, sizeof(*r->cgroups));
	if (!err)
		err = copy_out((void **)&iv->outliers, r->outliers, r->nr_outliers,
			       sizeof(*r->outliers));
	if (err)
		return err;
	iv->nr_cgroups = r->nr_cgroups;
	iv->nr_outliers = iv->cap_outliers = r->nr_outliers;
	for (i = 0; i < cells; i++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			iv->node_matrix[i].by_cause[k] -= c->prev_matrix[i].by_cause[k];
	return 0;
}

/* r's cumulative totals become the base of the next interval. */
static void keep_totals(struct collector *c, const struct report *r)
{
	memcpy(c->prev_counters, r->counters, sizeof(c->prev_counters));
	memcpy(c->prev_migrations, r->migrations, sizeof(c->prev_migrations));
	c->prev_penalty_milli = r->penalty_milli;
	memcpy(c->prev_matrix, r->node_matrix,
	       (size_t)r->nr_nodes * r->nr_nodes * sizeof(*c->prev_matrix));
	if (c->flight) {
		struct flight_counters fc;

		memcpy(fc.counters, r->counters, sizeof(fc.counters));
		memcpy(fc.migrations, r->migrations, sizeof(fc.migrations));
		fc.penalty_milli = r->penalty_milli;
		fc.node_matrix = r->node_matrix;
		fc.nr_nodes = r->nr_nodes;
		flight__mark(c->flight, c->last_tick_ns, &fc);
	}
}

int collector__tick(struct collector *c, struct interval_snapshot *s, bool want_interval)
{
	struct report *r = &s->total, *iv = want_interval ? &s->interval : NULL;
	__u64 now, peek_ns;
	int err;

	memset(s, 0, sizeof(*s));
	s->has_interval = want_interval;
	/*
	 * Exits first, so a task that exited is not re-read as live; they are
	 * stamped with the generation this tick ends.
	 */
	err = collector__take(c);
	/*
	 * Then each CPU's partial batch of waits, and the ring again (a batch
	 * shipped meanwhile holds older waits than the copy): the interval
	 * then holds every wait that ended before peek_ns.
	 */
	peek_ns = now_mono_ns();
	if (!err && !c->l.raw_tp)
		err = loader__read_switch_buf(&c->l, wait_engine__copy_partial, &c->waits);
	if (!err)
		err = collector__take(c);
	wait_engine__apply_peeks(&c->waits);
	c->generation++;
	c->tick_open = 1;
	if (!err)
		err = loader__snapshot_tasks_ahead(&c->l, on_live_task, live_tasks_ahead, c);
	/* The tasks just published: their interval's waits to their cgroups, and a new interval. */
	if (!err)
		wait_engine__end_interval(&c->waits, c->generation, cg_add_interval, c,
					  &c->waits_dropped);
	/* Before the exits are published: their tids still name their cgroups. */
	if (!err)
		err = neighbours__end_interval(&c->nb);
	c->cg_last_id = 0; /* a path removed and made again has a new id */
	/*
	 * A task that exited while the snapshot ran is skipped by it, its exit
	 * record already in the ring: read those first, so the sweep takes for
	 * vanished only tasks whose record was lost. They count in this
	 * generation (on_event): one the snapshot read just before its exit
	 * has two versions in it, added up. The raw_tp set has no iterator:
	 * no snapshot, nothing is judged gone.
	 */
	if (!err && !c->l.raw_tp) {
		err = collector__take(c);
		/* Exits after peek_ns may still have waits on their way: next tick. */
		c->exits_published = 0;
		if (!err)
			wait_engine__publish_exits(&c->waits, peek_ns, publish_exit, c);
		/*
		 * Each exit waited here with its 1.8 KB record: a burst of them
		 * (a late tick under load) leaves free heap pages between live
		 * blocks, which glibc keeps unless asked.
		 */
		if (c->exits_published >= 256)
			malloc_trim(0);
		if (!err)
			err = sweep_vanished(c);
	}
	c->tick_open = 0;
	if (err)
		return err;
	tasktable__end_generation(c->table, c->generation);
	/* The waits up to peek_ns are the interval's: so are their outliers. */
	err = publish_outliers(c, r);
	if (err)
		return err;

	now = now_mono_ns();
	r->meta = c->meta;
	r->have_trailer = 1;
	r->generation = c->generation;
	r->duration_ns = now - c->last_tick_ns;
	c->last_tick_ns = now;
	err = fill_totals(c, r);
	if (!err)
		err = collector__read_cpus(c, r);
	if (!err)
		err = collector__read_landing(c, r);
	if (!err)
		err = collector__read_cgroups(c, r);
	if (!err)
		collector__name_pods(c, r, now);
	if (!err)
		err = neighbours__fill(&c->nb, r, collector__cgroup_path, same_pod, c,
				       &s->neighbours);
	if (!err && iv)
		err = interval_totals(c, r, iv);
	/* Opt-in (--neighbour-series): only then does the JSON carry the interval's table. */
	if (!err && iv && c->waits.on_switch == neighbours__switch) {
		iv->neighbours_known = 1;
		iv->cgroup_path = collector__cgroup_path;
		iv->cgroup_path_ctx = c;
		err = neighbours__fill_interval(&c->nb, iv, collector__cgroup_path, same_pod, c);
	}
	if (!err)
		err = collector__fill_tasks(c, r, iv);
	if (!err)
		keep_totals(c, r);
	c->last_tick_realtime_ns = now_realtime_ns();
	if (err) {
		report__free(r);
		if (iv)
			report__free(iv);
	}
	return err;
}

void interval_snapshot__free(struct interval_snapshot *s)
{
	report__free(&s->total);
	report__free(&s->interval);
}
