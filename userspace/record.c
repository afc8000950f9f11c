// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The recorder: attach, then drain the ring buffer into the trace writer
 * until the duration ends or a signal arrives; then detach, drain what is
 * left, read each CPU's last batch of waits (BPF ships them 32 at a time),
 * and write the trailer with the kernel's totals and every loss counter.
 * The writer flushes a chunk each second, so even a SIGKILL loses at most
 * the last second; SIGINT and SIGTERM end the capture cleanly.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "host/cpu_reserve.h"
#include "host/sched_group.h"
#include "record.h"
#include "lib/stats.h"
#include "trace/trace.h"
#include "host/cgroup_paths.h"
#include "host/k8s.h"
#include "lib/tidset.h"
#include "trace/switch_batch.h"
#include "engine/wait_engine.h"
#include "engine/outliers.h"
#include "host/proc_task.h"
#include "lib/util.h"

#define FLUSH_INTERVAL_NS 1000000000ull
#define POLL_MS 100

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

struct recorder {
	struct trace_writer *w;
	__u64 nr_records; /* records written to the file */
	__u64 user[USER_STAT_NR];
	int write_err;
	int no_samples; /* switches feed the engine only; the file holds no samples */
	struct switch_batch batch;
	/*
	 * Every switch's wait, per task, as the daemon accounts it: the task
	 * records' wait totals. Exits wait in it until every wait that ended
	 * before them has come (published at each flush and at the end).
	 */
	struct wait_engine eng;
	__u64 *cgroup_ids; /* seen in task records, to name in the file */
	const char *host_root; /* for the pod names of those cgroups; NULL = "/" */
	size_t nr_cgroup_ids, cap_cgroup_ids;
	struct tidset tids; /* every tid in the file; TID_TOTALS once its totals are */
	struct loader *loader;
	struct outlier_keep outliers; /* the longest RECORD_MAX_OUTLIERS */
	int filtered; /* -p or --comm: tasks outside have no records */
};

#define TID_SEEN 1
#define TID_TOTALS 2

static int append(struct recorder *rc, const void *rec, size_t size)
{
	int err = trace_writer__append(rc->w, rec, size);

	if (err) {
		rc->write_err = err;
		return err;
	}
	rc->nr_records++;
	return 0;
}

static int flush_batch(struct recorder *rc)
{
	const struct sdr_rec_hdr *h = switch_batch__record(&rc->batch);
	int err;

	if (!h)
		return 0;
	err = append(rc, h, h->size);
	switch_batch__init(&rc->batch);
	return err;
}

static void note_cgroup(struct recorder *rc, __u64 id)
{
	if (!id)
		return;
	if (rc->nr_cgroup_ids && rc->cgroup_ids[rc->nr_cgroup_ids - 1] == id)
		return;
	if (ARRAY_GROW(rc->cgroup_ids, rc->nr_cgroup_ids, rc->cap_cgroup_ids, 64))
		return; /* the path is then reported as unknown */
	rc->cgroup_ids[rc->nr_cgroup_ids++] = id;
}

/* Which tasks the file names, so the end of capture can give each its totals. */
static void note_tid(struct recorder *rc, const struct sdr_rec_hdr *h)
{
	switch (h->type) {
	case SDR_REC_MIGRATE:
		if (h->size >= sizeof(struct sdr_rec_migrate))
			tidset__add(&rc->tids, ((const struct sdr_rec_migrate *)h)->task.tid, TID_SEEN);
		break;
	case SDR_REC_TASK_EXIT:
		if (h->size >= sizeof(struct sdr_rec_task))
			tidset__add(&rc->tids, ((const struct sdr_rec_task *)h)->task.tid, TID_TOTALS);
		break;
	}
}

/*
 * On a busy machine half the waits can pass --min-lat, and every one of
 * them is in the wait samples already; the outlier record only adds who
 * had the CPU. The engine makes them from the switches (engine/outliers.h);
 * the worst RECORD_MAX_OUTLIERS are kept and written at the end, and the
 * engine's `outliers` counter says how many there were. Each of its tasks
 * is named by its exit or end-of-capture record. With -p/--comm the kernel
 * sends no record of a task outside the filter, often prev: a kept one is
 * then named from /proc at once, while the task still runs (provisionally:
 * a record, if one comes, names it exactly).
 */
static void take_outlier(void *ctx, const struct sdr_rec_outlier *o)
{
	struct recorder *rc = ctx;
	struct sdr_rec_outlier *k = outlier_keep__add(&rc->outliers, o);
	struct sdr_task_id id;

	/* The waiter passed the filter: its own record will name it. */
	if (!k || !rc->filtered)
		return;
	if (k->prev.tid && !proc_task__id(k->prev.tid, k->hdr.ts_ns, &id))
		k->prev = id;
}

/* Those still unnamed at the end: a live task the snapshot missed (pidfd), else /proc. */
static int name_outlier_side(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id)
{
	struct recorder *rc = ctx;

	int err = rc->loader && !rc->loader->raw_tp ? loader__task_id(rc->loader, tid, ts, id)
						     : -ENOENT;

	/* Named, or the tid is another task's by now: /proc would name that one. */
	if (!err || err == -ESTALE)
		return err;
	return proc_task__id(tid, ts, id);
}

static int write_outliers(struct recorder *rc)
{
	size_t i;
	int err = 0;

	outlier_keep__name_rest(&rc->outliers, name_outlier_side, rc);
	outlier_keep__sort(&rc->outliers);
	for (i = 0; i < rc->outliers.n && !err; i++)
		err = append(rc, &rc->outliers.v[i], sizeof(rc->outliers.v[i]));
	return err;
}

/*
 * A CPU's batch of switches, from the ring buffer or (its last, partial
 * one) from the switch_buf map: into the engine, and (unless --no-samples)
 * each switch into the file's delta-encoded batches. Returns 0, or the
 * write error that stops the capture.
 */
static int write_batch(void *ctx, const struct sdr_rec_hdr *rec)
{
	return append(ctx, rec, rec->size);
}

static int take_switch(void *ctx, const struct switch_sample *s)
{
	struct recorder *rc = ctx;

	if (s->next_tid && s->wait_ns)
		tidset__add(&rc->tids, s->next_tid, TID_SEEN);
	/* A switch the decoder would refuse never gets here (switch_batch__from_bpf). */
	return switch_batch__put(&rc->batch, s, write_batch, rc) ? rc->write_err : 0;
}

/*
 * Batches of a CPU the ring refused (the engine saw their numbers
 * missing): the file says where, so that the report takes what held that
 * CPU then as unknown, not as whoever ran before. The pending switches
 * came before the hole, so they are written first.
 */
static void note_gap(void *ctx, __u32 cpu, __u64 ts_ns, __u32 batches)
{
	struct recorder *rc = ctx;
	struct sdr_rec_switch_gap g;

	if (rc->no_samples || rc->write_err || flush_batch(rc))
		return;
	switch_gap__fill(&g, cpu, ts_ns, batches);
	append(rc, &g, sizeof(g));
}

static int take_switches(struct recorder *rc, const struct sdr_rec_switches *b, size_t size)
{
	wait_engine__batch(&rc->eng, b, size);
	if (rc->no_samples)
		return 0;
	/* BPF never makes a malformed batch or sample; one is counted, not written. */
	if (switch_batch__from_bpf(b, size, &rc->user[USER_STAT_decode], take_switch, rc) ==
	    -EINVAL)
		rc->user[USER_STAT_decode]++;
	return rc->write_err;
}

/* A task record as written: its waits and landings from the engine. */
static void fill_waits(struct recorder *rc, struct sdr_rec_task *t, struct wait_acc *a)
{
	if (!a)
		a = wait_engine__live(&rc->eng, t->task.tid, t->task.start_ns);
	if (a)
		wait_acc__fill_counts(a, &t->counts);
}

/*
 * An exit whose waits have all come: --no-samples writes it now, with
 * its totals (the file has no samples to make them from); with samples
 * it was written when it came (the report makes them from the samples).
 */
static void publish_exit(void *ctx, struct wait_acc *a)
{
	struct recorder *rc = ctx;
	struct sdr_rec_task *t = a->exit_rec;

	/* Every wait before its exit has come: the outliers it is in are all kept or refused. */
	outlier_keep__name(&rc->outliers, &t->task, a->exit_ns);
	if (!rc->no_samples || rc->write_err)
		return;
	fill_waits(rc, t, a);
	note_cgroup(rc, t->counts.cgroup_id);
	tidset__add(&rc->tids, t->task.tid, TID_TOTALS);
	append(rc, t, sizeof(*t));
}

/*
 * A task a successor ended whose exit never came (its batch refused, or
 * its final switch not traced): with --no-samples its waits are written
 * as an exit of that tid, unnamed, so that every wait taken is in the
 * file (with samples the file holds them already).
 */
static void publish_pending(void *ctx, struct wait_acc *a)
{
	struct recorder *rc = ctx;
	struct sdr_rec_task t;

	if (!rc->no_samples || rc->write_err || !a->cum.waits)
		return;
	memset(&t, 0, sizeof(t));
	t.hdr.type = SDR_REC_TASK_EXIT;
	t.hdr.size = sizeof(t);
	t.hdr.ts_ns = a->exit_ns;
	t.task.tid = a->tid;
	t.task.start_ns = a->start_ns;
	wait_acc__fill_counts(a, &t.counts);
	t.counts.cgroup_id = a->cgroup_id;
	append(rc, &t, sizeof(t));
}

/*
 * A task's final switch, from the batch that holds it (the engine's
 * on_exit): the kernel's small record made the full one. A write error
 * stops the capture from the main loop (rc->write_err).
 */
static void take_exit(void *ctx, const struct sdr_rec_exit *x, size_t size)
{
	struct recorder *rc = ctx;
	struct sdr_rec_task t;

	if (loader__exit_rec(x, size, &t)) {
		rc->user[USER_STAT_decode]++;
		return;
	}
	if (wait_engine__exit(&rc->eng, &t)) {
		/* No memory to hold it: written now, with the waits seen so far. */
		fill_waits(rc, &t, NULL);
		outlier_keep__name(&rc->outliers, &t.task, t.hdr.ts_ns);
	} else if (rc->no_samples) {
		return;
	}
	/*
	 * A task's exit record closes the batch so that it follows the
	 * switches already read (the report starts a new row for a reused tid
	 * from a record naming a new task). Its own batch's switches, and
	 * those still in other CPUs' batches, come after it; the report keeps
	 * a task's row current after its exit for them. Other records may
	 * overtake pending switches: their order does not matter, and batches
	 * stay long.
	 */
	if (rc->write_err || flush_batch(rc))
		return;
	note_cgroup(rc, t.counts.cgroup_id);
	tidset__add(&rc->tids, t.task.tid, TID_TOTALS);
	append(rc, &t, sizeof(t));
}

/* One record, from the ring buffer or from the end-of-capture reads. */
static int take_record(struct recorder *rc, void *data, size_t size)
{
	const struct sdr_rec_hdr *h = data;

	note_tid(rc, h);
	if (h->type == SDR_REC_SWITCHES)
		return take_switches(rc, data, size);
	/* Exits come inside the batches (take_exit), never on their own. */
	if (h->type == SDR_REC_EXIT) {
		rc->user[USER_STAT_decode]++;
		return 0;
	}
	return append(rc, data, size);
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct sdr_rec_hdr *h = data;
	struct recorder *rc = ctx;

	if (size < sizeof(*h) || h->size != size) {
		rc->user[USER_STAT_decode]++;
		return 0;
	}
	rc->user[USER_STAT_consumed]++;
	return take_record(rc, data, size);
}

/*
 * A CPU's partial batch from the switch_buf map. It never went through the
 * ring buffer, so it is not `consumed` (that counts against the kernel's
 * `records`).
 */
static int on_switch_buf(void *ctx, const struct sdr_rec_switches *b)
{
	return take_switches(ctx, b, b->hdr.size);
}

static int on_snapshot(void *ctx, const struct sdr_rec_task *t)
{
	struct recorder *rc = ctx;
	struct sdr_rec_task full = *t;

	/* A task whose exit is still held is not live: its exit record says it all. */
	if (wait_engine__exit_pending(&rc->eng, t->task.tid, t->task.start_ns))
		return 0;
	outlier_keep__name(&rc->outliers, &t->task, ~0ull);
	fill_waits(rc, &full, NULL);
	note_cgroup(rc, full.counts.cgroup_id);
	tidset__add(&rc->tids, full.task.tid, TID_TOTALS);
	return append(rc, &full, sizeof(full));
}

/*
 * The task iterator does not visit every task on every kernel (on 6.18 it
 * skips PID 1's threads), so any task the file names without totals is
 * looked up directly by pidfd.
 */
static int snapshot_missing(void *ctx, __u32 tid, __u8 flags)
{
	struct recorder *rc = ctx;
	struct sdr_task_state st;
	struct sdr_rec_task rec;

	if (flags & TID_TOTALS)
		return 0;
	if (loader__lookup_task(rc->loader, tid, &st) || !(st.flags & SDR_TS_NAMED) ||
	    st.id.tid != tid)
		return 0;
	loader__snapshot_rec(&st, &rec);
	return on_snapshot(rc, &rec);
}

/*
 * A pod cgroup's Kubernetes names, from the container runtime's state on
 * this node (docs/kubernetes.md); nothing when the path is not a pod's or
 * the runtime left no state.
 */
static int write_k8s_names(struct recorder *rc, __u64 id, const char *path)
{
	struct sdr_rec_k8s rec;
	struct k8s_ident k;

	if (!k8s__parse_cgroup(path, &k) || k8s__resolve(&k, rc->host_root))
		return 0;
	/* Longer than Kubernetes allows: not names we can vouch for. */
	if (strlen(k.namespace_) >= sizeof(rec.namespace_) || strlen(k.pod) >= sizeof(rec.pod) ||
	    strlen(k.container) >= sizeof(rec.container) || strlen(k.runtime) >= sizeof(rec.runtime))
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.hdr.type = SDR_REC_K8S;
	rec.hdr.size = sizeof(rec);
	rec.hdr.ts_ns = now_mono_ns();
	rec.id = id;
	memcpy(rec.namespace_, k.namespace_, strlen(k.namespace_));
	memcpy(rec.pod, k.pod, strlen(k.pod));
	memcpy(rec.container, k.container, strlen(k.container));
	memcpy(rec.runtime, k.runtime, strlen(k.runtime));
	return append(rc, &rec, sizeof(rec));
}

static int append_cgroup(void *ctx, __u64 id, const char *path)
{
	struct recorder *rc = ctx;
	char buf[TRACE_CGROUP_REC_MAX];
	int err = append(rc, buf, trace__cgroup_record(buf, id, path, now_mono_ns()));

	return err ? err : write_k8s_names(rc, id, path);
}

/* Name every cgroup the tasks in the file ran in, while the names exist. */
static int write_cgroup_names(struct recorder *rc)
{
	struct cgroup_paths cp;
	char root[4096];

	if (!rc->nr_cgroup_ids || cgroup_paths__root(root, sizeof(root)))
		return 0;
	if (cgroup_paths__load(&cp, root))
		return 0;
	cgroup_paths__each_named(&cp, rc->cgroup_ids, rc->nr_cgroup_ids, append_cgroup, rc);
	cgroup_paths__free(&cp);
	return rc->write_err;
}

static void fill_meta(struct trace_meta *m, const struct record_opts *o, const struct topology *t)
{
	struct utsname u;

	memset(m, 0, sizeof(*m));
	if (uname(&u) == 0) {
		snprintf(m->kernel_release, sizeof(m->kernel_release), "%s", u.release);
		snprintf(m->hostname, sizeof(m->hostname), "%s", u.nodename);
	}
	m->nr_cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->command, sizeof(m->command), "%s", o->command);
	m->topo = *t;
}

static void default_output(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, len, "schedrift-%Y%m%d-%H%M%S.sdt", &tm);
}

static int fill_trailer(struct trace_trailer *tr, struct loader *l, struct recorder *rc,
			const struct topology *t)
{
	struct sdr_stats s;
	int i, err;

	memset(tr, 0, sizeof(*tr));
	err = loader__read_stats(l, &s);
	if (err)
		return err;
	tr->end_mono_ns = now_mono_ns();
	tr->nr_records = rc->nr_records;
	rc->user[USER_STAT_prog_skipped] = loader__prog_skipped(l);
	rc->user[USER_STAT_batches_missing] = rc->eng.batches_missing;
	rc->user[USER_STAT_peeks_lost] = rc->eng.peeks_lost;
	for (i = 0; i < STAT_ALL_NR; i++) {
		snprintf(tr->counters[i].name, sizeof(tr->counters[i].name), "%s", stat_descs[i].name);
		tr->counters[i].value = i < SDR_STAT_NR ? s.counters[i] : rc->user[i - SDR_STAT_NR];
	}
	/* Counted where the outliers are made now: the engine, from the switches. */
	tr->counters[SDR_STAT_outliers].value = rc->eng.outliers;
	/*
	 * Dropped by the engine: exits a batch did not hold whole, and with
	 * --no-samples the waits it refused (with samples the file has those,
	 * or the decoder counted them above).
	 */
	tr->counters[SDR_STAT_NR + USER_STAT_decode].value +=
		rc->eng.exits_refused + (rc->no_samples ? rc->eng.refused : 0);
	tr->nr_counters = STAT_ALL_NR;
	memcpy(tr->migrations, s.migrations, sizeof(tr->migrations));
	tr->penalty_milli = s.penalty_milli;
	tr->nr_nodes = t->nr_nodes;
	tr->node_matrix = calloc((size_t)t->nr_nodes * t->nr_nodes, sizeof(*tr->node_matrix));
	if (!tr->node_matrix)
		return -ENOMEM;
	return loader__read_node_matrix(l, tr->node_matrix);
}

static void print_summary(const char *path, const struct trace_trailer *tr, __u64 bytes,
			  double secs)
{
	__u32 i;
	int lost = 0;

	fprintf(stderr, "schedrift: wrote %llu records (%llu bytes) to %s in %.1f s; lost:",
		(unsigned long long)tr->nr_records, (unsigned long long)bytes, path, secs);
	for (i = 0; i < tr->nr_counters; i++) {
		const struct stat_desc *d = stat__find(tr->counters[i].name);

		if (d && d->kind == STAT_LOSS) {
			fprintf(stderr, " %s %llu", d->name, (unsigned long long)tr->counters[i].value);
			lost |= tr->counters[i].value != 0;
		}
	}
	fputc('\n', stderr);
	if (lost)
		msg_err("warning: events were lost; see the report's loss table");
}

/* Live tasks' totals (the exits are in the file already), then cgroup names. */
static int finish_tasks(struct loader *l, struct recorder *rc)
{
	int err = loader__snapshot_tasks(l, on_snapshot, rc);

	if (err && !rc->write_err) {
		msg_err("warning: failed to read the live tasks' totals: %s", strerror(-err));
		err = 0;
	}
	rc->loader = l;
	if (!err && !l->raw_tp)
		err = tidset__each(&rc->tids, snapshot_missing, rc);
	if (!err)
		err = write_outliers(rc);
	return err ? err : write_cgroup_names(rc);
}

/*
 * Exits whose waits have all come: each CPU's partial batch is read (the
 * engine skips what it has taken when the full batch arrives), the ring
 * drained again, and every exit before the read is complete.
 */
static int publish_exits(struct loader *l, struct recorder *rc)
{
	__u64 peek_ns = now_mono_ns();
	int err = 0;

	if (!l->raw_tp)
		err = loader__read_switch_buf(l, wait_engine__copy_partial, &rc->eng);
	if (!err)
		err = loader__poll(l, 0);
	wait_engine__apply_peeks(&rc->eng);
	if (!err)
		wait_engine__publish_exits(&rc->eng, peek_ns, publish_exit, rc);
	return err ? err : rc->write_err;
}

static int capture_loop(struct loader *l, struct recorder *rc, const struct record_opts *o,
			__u64 start)
{
	__u64 end = o->duration_s > 0 ? start + (__u64)(o->duration_s * 1e9) : 0;
	__u64 next_flush = start + FLUSH_INTERVAL_NS, now;
	int err;

	while (!stop_requested) {
		now = now_mono_ns();
		if (end && now >= end)
			break;
		err = loader__poll(l, POLL_MS);
		if (rc->write_err)
			return rc->write_err;
		if (err) {
			msg_err("failed to read the ring buffer: %s", strerror(-err));
			return err;
		}
		if (now_mono_ns() >= next_flush) {
			err = publish_exits(l, rc);
			if (!err)
				err = flush_batch(rc);
			if (!err)
				err = trace_writer__flush(rc->w);
			if (err)
				return err;
			next_flush += FLUSH_INTERVAL_NS;
		}
	}
	return 0;
}

/*
 * -p names processes that must exist now: a filter on a pid that does not
 * exist (or on a thread's id, which no task has as its tgid) records
 * nothing, with no word said. 0, or EXIT_USAGE after one line.
 */
static int check_tgids(const struct record_opts *o)
{
	char path[64], line[128];
	unsigned long tgid;
	int i, found;
	FILE *f;

	for (i = 0; i < o->nr_tgids; i++) {
		snprintf(path, sizeof(path), "/proc/%u/status", o->tgids[i]);
		f = fopen(path, "r");
		if (!f) {
			msg_err("record: no process %u (-p takes the id of a running process)",
				o->tgids[i]);
			return EXIT_USAGE;
		}
		found = 0;
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "Tgid: %lu", &tgid) == 1;
		fclose(f);
		if (found && tgid != o->tgids[i]) {
			msg_err("record: %u is a thread of process %lu: -p takes a process id "
				"(TGID)", o->tgids[i], tgid);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int record__run(const struct record_opts *o)
{
	struct loader l = {};
	struct sched_group group = {};
	struct recorder rc = {};
	struct trace_trailer tr = {};
	struct loader_opts lo = {};
	struct trace_meta meta;
	struct topology topo;
	struct sigaction sa = { .sa_handler = on_signal };
	char path[512];
	int err, ret = EXIT_RUNTIME;
	__u64 start, end, bytes;
	struct stat st;

	ret = check_tgids(o);
	if (!ret)
		ret = topology_load(&topo, o->topology_path);
	if (ret)
		return ret;
	ret = EXIT_RUNTIME;
	if (o->output)
		snprintf(path, sizeof(path), "%s", o->output);
	else
		default_output(path, sizeof(path));

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	lo.topo = &topo;
	lo.tgids = o->tgids;
	lo.nr_tgids = o->nr_tgids;
	lo.comm = o->comm;
	lo.ringbuf_bytes = (o->ringbuf_mb ? o->ringbuf_mb : RECORD_DEFAULT_RINGBUF_MB) << 20;
	lo.force_raw_tp = o->force_raw_tp;
	lo.max_cgroups = o->max_cgroups;
	rc.no_samples = o->no_samples;
	switch_batch__init(&rc.batch);
	if (outlier_keep__init(&rc.outliers, RECORD_MAX_OUTLIERS) ||
	    wait_engine__init(&rc.eng, libbpf_num_possible_cpus())) {
		outlier_keep__free(&rc.outliers);
		msg_err("out of memory");
		return EXIT_RUNTIME;
	}
	rc.eng.on_gap = note_gap;
	rc.eng.on_gap_ctx = &rc;
	rc.eng.min_lat_ns = o->min_lat_ns;
	rc.filtered = o->nr_tgids > 0 || o->comm;
	rc.eng.on_outlier = take_outlier;
	rc.eng.on_outlier_ctx = &rc;
	rc.eng.on_exit = take_exit;
	rc.eng.on_exit_ctx = &rc;
	if (loader__start(&l, &lo, on_record, &rc))
		goto out;
	/*
	 * An ordinary class by default: a consumer at a raised class preempts
	 * the very waits it measures (docs/performance.md, "Perturbation").
	 * Not being allowed the nice value is fine: losses are counted either way.
	 */
	if (setpriority(PRIO_PROCESS, 0, o->nice))
		msg_debug("could not set the recorder's nice to %d: %s", o->nice, strerror(errno));
	/*
	 * The nice ranks us only inside our session's autogroup; a flood in
	 * another session would get its group's whole share (host/sched_group.h).
	 * The session's other tasks share the raised weight until we stop.
	 */
	err = sched_group__raise(&group, o->nice);
	msg_debug("session autogroup nice %d -> %d (autogroups %s)%s%s", group.found,
		  group.raised ? group.set : group.found,
		  sched_group__autogroup_in_effect() ? "in effect" : "not in effect",
		  err ? ": " : "", err ? strerror(-err) : "");
	/* Opt-in: a deadline reservation drains whatever the load, and preempts anything. */
	if (o->cpu_reserve) {
		err = cpu_reserve__apply(CPU_RESERVE_RECORD_RUNTIME_NS,
					 CPU_RESERVE_RECORD_PERIOD_NS, 1);
		if (err)
			msg_err("no CPU reservation for the recorder: %s; draining at nice %d",
				cpu_reserve__why(err), o->nice);
	}
	/*
	 * The file is created after attach, so its start stamps never postdate
	 * a record; records made meanwhile wait in the ring buffer.
	 */
	fill_meta(&meta, o, &topo);
	meta.start_mono_ns = start = now_mono_ns();
	meta.start_realtime_ns = now_realtime_ns();
	rc.host_root = o->host_root;
	rc.w = trace_writer__open(path, &meta, &err);
	if (!rc.w) {
		msg_err("failed to create %s: %s", path, strerror(-err));
		goto out;
	}
	if (o->duration_s > 0)
		fprintf(stderr, "schedrift: recording to %s for %g s (Ctrl-C to stop early)\n", path,
			o->duration_s);
	else
		fprintf(stderr, "schedrift: recording to %s until Ctrl-C\n", path);

	err = capture_loop(&l, &rc, o, start);
	/*
	 * Detach first, then drain: nothing can arrive after the last read.
	 * Detaching unhooks the programs but does not wait for one already
	 * running on another CPU, which could still ship a batch or change its
	 * CPU's partial one; an RCU grace period (membarrier's global command
	 * waits for one) outlasts every such run.
	 */
	loader__detach(&l);
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100 * 1000); /* no membarrier: a run is microseconds long */
	end = now_mono_ns();
	if (!err)
		err = loader__poll(&l, 0);
	/* Then each CPU's last, partial batch of switches, which BPF never shipped. */
	if (!err && !l.raw_tp) {
		err = loader__read_switch_buf(&l, on_switch_buf, &rc);
		if (err && !rc.write_err) {
			msg_err("warning: failed to read the last switches of each CPU: %s",
				strerror(-err));
			err = 0;
		}
	}
	/* Every wait has come: the exits still held are complete. */
	if (!err) {
		wait_engine__publish_exits(&rc.eng, ~0ull, publish_exit, &rc);
		wait_engine__publish_pending(&rc.eng, publish_pending, &rc);
	}
	if (!err)
		err = flush_batch(&rc);
	if (!err)
		err = finish_tasks(&l, &rc);
	if (!err && rc.write_err)
		err = rc.write_err;
	if (err) {
		msg_err("failed to write %s: %s; the file holds what was flushed before", path,
			strerror(-err));
		trace_writer__abort(rc.w);
		goto out;
	}
	err = fill_trailer(&tr, &l, &rc, &topo);
	tr.end_mono_ns = end;
	if (err) {
		msg_err("failed to read the BPF counters: %s", strerror(-err));
		trace_writer__abort(rc.w);
		goto out;
	}
	err = trace_writer__close(rc.w, &tr);
	if (err) {
		msg_err("failed to finish %s: %s", path, strerror(-err));
		goto out;
	}
	bytes = stat(path, &st) == 0 ? (__u64)st.st_size : 0;
	print_summary(path, &tr, bytes, (tr.end_mono_ns - start) / 1e9);
	ret = 0;
out:
	free(tr.node_matrix);
	free(rc.cgroup_ids);
	outlier_keep__free(&rc.outliers);
	wait_engine__free(&rc.eng);
	tidset__free(&rc.tids);
	loader__destroy(&l);
	sched_group__restore(&group);
	return ret;
}

static const char record_usage[] =
	"usage: schedrift record [-d SECONDS] [-o FILE] [-p TGID]... [--comm NAME]\n"
	"                        [--topology FILE] [--ringbuf-mb N] [-v]\n"
	"\n"
	"Capture task migrations to a compressed trace file; read it with `schedrift report FILE`.\n"
	"\n"
	"  -d, --duration SECONDS  stop after SECONDS (default: run until Ctrl-C or SIGTERM)\n"
	"  -o, --output FILE       trace file (default: schedrift-YYYYmmdd-HHMMSS.sdt)\n"
	"  -p, --pid TGID          follow only this process (repeat for more, up to 64)\n"
	"      --comm NAME         follow only tasks whose comm is NAME\n"
	"      --topology FILE     use this CPU/LLC/node layout instead of sysfs\n"
	"      --host-root DIR     the host's / as mounted in a container, for pod names from the\n"
	"                          container runtime's state (default /; docs/kubernetes.md)\n"
	"      --min-lat DUR       report waits of at least DUR with the task that had the CPU:\n"
	"                          1ms, 500us, 2s, a bare number of milliseconds, 0 = off\n"
	"                          (default 1ms: a capture is bounded, where the always-on\n"
	"                          daemon's default is 10ms); the file keeps the 1000\n"
	"                          longest, and the report says how many there were\n"
	"      --max-cgroups N     also keep per-cgroup histograms in BPF for up to N cgroups\n"
	"                          (default 0; reports compute cgroups exactly from samples)\n"
	"      --ringbuf-mb N      ring buffer size in MiB, a power of two (default 16)\n"
	"      --no-samples        write no per-switch samples: aggregates and each task's totals\n"
	"                          (smaller; tasks, cgroups and the system then come from the\n"
	"                          tasks' totals, within 1/16, and per-CPU figures are unknown)\n"
	"      --raw-tp            use the raw_tp programs even where tp_btf works\n"
	"      --nice N            nice value of the recorder, -20..19 (default -10), and of\n"
	"                          its session's autogroup while it runs, if that is higher\n"
	"                          (the session's other tasks share it: `setsid` avoids that)\n"
	"      --cpu-reserve       reserve CPU for draining with SCHED_DEADLINE (5 ms per 10 ms and\n"
	"                          what other deadline tasks leave); off by default: it preempts\n"
	"                          even real-time work (docs/performance.md, \"Perturbation\")\n"
	"      --no-cpu-reserve    the default; accepted for old command lines\n"
	"  -v, --verbose           show libbpf's log\n"
	"  -h, --help              this help\n";

/* The parser's tables; `schedrift __complete` reads them too (lib/completion.c). */
const struct option record__longopts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "topology", required_argument, NULL, 't' },
	{ "host-root", required_argument, NULL, 'H' },
	{ "ringbuf-mb", required_argument, NULL, 'r' },
	{ "raw-tp", no_argument, NULL, 'R' },
	{ "min-lat", required_argument, NULL, 'm' },
	{ "max-cgroups", required_argument, NULL, 'g' },
	{ "no-samples", no_argument, NULL, 'S' },
	{ "no-cpu-reserve", no_argument, NULL, 'X' },
	{ "cpu-reserve", no_argument, NULL, 'Y' },
	{ "nice", required_argument, NULL, 'N' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};
const char record__shortopts[] = ":d:o:p:vh";

int record__parse(int argc, char **argv, struct record_opts *o)
{
	__u64 v;
	int opt, i, len;

	memset(o, 0, sizeof(*o));
	o->min_lat_ns = RECORD_DEFAULT_MIN_LAT_NS;
	o->max_cgroups = RECORD_DEFAULT_MAX_CGROUPS;
	o->nice = RECORD_NICE;
	len = snprintf(o->command, sizeof(o->command), "schedrift");
	for (i = 0; i < argc && len < (int)sizeof(o->command); i++)
		len += snprintf(o->command + len, sizeof(o->command) - len, " %s", argv[i]);

	/* 0, not 1: glibc then also forgets a cluster left half-read by an earlier parse. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, record__shortopts, record__longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_seconds(optarg, 86400.0 * 365, &o->duration_s))
				return usage_error("record", "bad duration '%s': want seconds > 0", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, 1, 0x7fffffff, &v))
				return usage_error("record", "bad TGID '%s'", optarg);
			if (o->nr_tgids == LOADER_MAX_TGIDS)
				return usage_error("record", "too many -p (at most 64): '%s'", optarg);
			o->tgids[o->nr_tgids++] = v;
			break;
		case 'c':
			if (strlen(optarg) == 0 || strlen(optarg) >= SDR_COMM_LEN)
				return usage_error("record", "bad --comm '%s': 1 to 15 characters", optarg);
			o->comm = optarg;
			break;
		case 'H':
			if (optarg[0] != '/')
				return usage_error("record", "bad --host-root '%s': an absolute path", optarg);
			o->host_root = optarg;
			break;
		case 't':
			o->topology_path = optarg;
			break;
		case 'r':
			if (parse_u64(optarg, 1, 1024, &v) || (v & (v - 1)))
				return usage_error("record", "bad --ringbuf-mb '%s': a power of two, 1..1024", optarg);
			o->ringbuf_mb = v;
			break;
		case 'R':
			o->force_raw_tp = 1;
			break;
		case 'm':
			if (parse_min_lat(optarg, &o->min_lat_ns))
				return usage_error("record", "bad --min-lat '%s': " MIN_LAT_SYNTAX, optarg);
			break;
		case 'S':
			o->no_samples = 1;
			break;
		case 'X':
			o->cpu_reserve = 0;
			break;
		case 'Y':
			o->cpu_reserve = 1;
			break;
		case 'N':
			if (parse_nice(optarg, &o->nice))
				return usage_error("record", "bad --nice '%s': -20 to 19", optarg);
			break;
		case 'g':
			if (parse_u64(optarg, 0, 65536, &v))
				return usage_error("record", "bad --max-cgroups '%s': 0..65536", optarg);
			o->max_cgroups = v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return -1;
		default:
			return option_error("record", opt, argv);
		}
	}
	if (optind < argc)
		return usage_error("record", "unexpected argument '%s'", argv[optind]);
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	int rc = record__parse(argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	return record__run(&o);
}
