// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "host/loader.h"
#include "host/probe.h"
#include "schedrift.skel.h"
#include "lib/util.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void loader__setup_logging(void)
{
	libbpf_set_print(libbpf_print);
}

/* One line a user can act on, whatever libbpf said. */
static void explain(const char *what, int err)
{
	if (err == -EPERM)
		msg_err("failed to %s: permission denied; run as root, or with CAP_BPF and CAP_PERFMON",
			what);
	else if (err == -EACCES)
		msg_err("failed to %s: the kernel's verifier rejected a program; this kernel may be "
			"too old or unusual (run with -v for the verifier log)", what);
	else
		msg_err("failed to %s: %s (run with -v for libbpf's log)", what, strerror(-err));
}

static void configure_topology(struct schedrift_bpf *skel, const struct topology *t)
{
	int c, from, to;

	skel->rodata->nr_cpus = t->nr_cpus;
	skel->rodata->nr_nodes = t->nr_nodes;
	for (c = 0; c < t->nr_cpus; c++) {
		/* Absent CPUs cannot run tasks; map them to node 0 / their own LLC. */
		skel->rodata->cpu_node[c] = t->cpu_node[c] >= 0 ? t->cpu_node[c] : 0;
		skel->rodata->cpu_llc[c] = t->cpu_llc[c] >= 0 ? t->cpu_llc[c] : c;
	}
	for (from = 0; from < t->nr_nodes; from++)
		for (to = 0; to < t->nr_nodes; to++)
			skel->rodata->penalty_milli[from * SDR_MAX_NODES + to] =
				topology__penalty_milli(t, from, to);
}

/*
 * One wait slot per possible tid when pid_max allows (the default 32768,
 * 768 KiB); above SDR_WAIT_SLOTS_MAX, tids share slots by their low bits
 * and a clash costs a counted wait (wait_slot_lost), never a wrong one.
 */
static __u32 wait_slots_for_pid_max(void)
{
	unsigned long pid_max = SDR_WAIT_SLOTS_DEFAULT;
	__u32 n = SDR_WAIT_SLOTS_DEFAULT;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	if (f) {
		if (fscanf(f, "%lu", &pid_max) != 1)
			pid_max = SDR_WAIT_SLOTS_DEFAULT;
		fclose(f);
	}
	while (n < pid_max && n < SDR_WAIT_SLOTS_MAX)
		n <<= 1;
	return n;
}

static int configure(struct loader *l, const struct loader_opts *o)
{
	__u32 slots = wait_slots_for_pid_max();
	struct schedrift_bpf *skel = l->skel;
	struct bpf_program *prog;
	int err;

	configure_topology(skel, o->topo);
	l->nr_nodes = o->topo->nr_nodes;
	skel->rodata->filter_tgid = o->nr_tgids > 0;
	if (o->comm) {
		skel->rodata->filter_comm = 1;
		strncpy((char *)skel->rodata->targ_comm, o->comm, SDR_COMM_LEN - 1);
	}
	/* Wake the consumer only when a quarter of the buffer is in use. */
	skel->rodata->wakeup_bytes = o->ringbuf_bytes / 4;
	skel->rodata->emit_migrations = !o->no_migration_records;
	skel->rodata->track_cgroups = o->max_cgroups > 0;
	skel->rodata->wait_slots_mask = slots - 1;

	err = bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.wait_slots, slots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.node_matrix,
					       o->topo->nr_nodes * o->topo->nr_nodes);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.cgroups,
					       o->max_cgroups ? o->max_cgroups : 1);
	if (err)
		return err;

	l->raw_tp = o->force_raw_tp || !probe__tp_btf();
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !l->raw_tp);
	bpf_program__set_autoload(skel->progs.sdr_migrate_raw, l->raw_tp);
	/* NUMA balancing tracepoints exist only with CONFIG_NUMA_BALANCING. */
	if (l->raw_tp || libbpf_find_vmlinux_btf_id("sched_move_numa", BPF_TRACE_RAW_TP) <= 0) {
		bpf_program__set_autoload(skel->progs.sdr_move_numa, false);
		bpf_program__set_autoload(skel->progs.sdr_swap_numa, false);
		bpf_program__set_autoload(skel->progs.sdr_stick_numa, false);
		msg_debug("no NUMA balancing tracepoints: numa causes will not be seen");
	}
	/* Renames after start (prctl, pthread_setname_np); exec is still seen without it. */
	if (l->raw_tp || libbpf_find_vmlinux_btf_id("task_rename", BPF_TRACE_RAW_TP) <= 0)
		bpf_program__set_autoload(skel->progs.sdr_rename, false);
	if (l->raw_tp)
		msg_err("note: this kernel refuses tp_btf programs; using raw_tp, which measures "
			"migrations only (no run-queue latency)");
	msg_debug("using the %s program set", l->raw_tp ? "raw_tp" : "tp_btf");
	return 0;
}

static int fill_tgids(struct loader *l, const struct loader_opts *o)
{
	__u8 one = 1;
	int i, err;

	for (i = 0; i < o->nr_tgids; i++) {
		err = bpf_map__update_elem(l->skel->maps.tgids, &o->tgids[i], sizeof(__u32), &one,
					   sizeof(one), BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

static int open_task_pidfd(__u32 tid);

/*
 * The task's run time so far (se.sum_exec_runtime, the first field of
 * /proc/PID/task/TID/schedstat): the base its run time in this capture
 * counts from. 0 when unreadable (then its whole life counts).
 */
static __u64 task_runtime_now(long tgid, long tid)
{
	unsigned long long v = 0;
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * Create the per-task state of tasks that already exist, from process
 * context, before attaching. Created lazily inside a hook instead, the
 * first events after attach would all allocate at once from a cache that
 * may be empty in atomic context, and a failed allocation is a lost event.
 * Each state holds the task's run time now, which its run time in this
 * capture counts from; the iterator reports a task once it ran since (a
 * task born after the attach has no state until it migrates, and base 0).
 */
static void prime_tasks(struct loader *l, const struct loader_opts *o)
{
	struct sdr_task_state zero = {};
	char path[64];
	struct dirent *p, *t;
	DIR *procs, *threads;
	int fd, i, n = 0;
	long tgid;

	procs = opendir("/proc");
	if (!procs)
		return;
	while ((p = readdir(procs))) {
		tgid = strtol(p->d_name, NULL, 10);
		if (tgid <= 0)
			continue;
		for (i = 0; i < o->nr_tgids && o->tgids[i] != tgid; i++)
			;
		if (o->nr_tgids && i == o->nr_tgids)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task", tgid);
		threads = opendir(path);
		if (!threads)
			continue;
		while ((t = readdir(threads))) {
			long tid = strtol(t->d_name, NULL, 10);

			if (tid <= 0)
				continue;
			fd = open_task_pidfd(tid);
			if (fd < 0)
				continue;
			zero.runtime_base = zero.segment_base = task_runtime_now(tgid, tid);
			if (!bpf_map__update_elem(l->skel->maps.tasks, &fd, sizeof(fd), &zero,
						  sizeof(zero), BPF_NOEXIST))
				n++;
			close(fd);
		}
		closedir(threads);
	}
	closedir(procs);
	msg_debug("primed the state of %d tasks", n);
}

int loader__start(struct loader *l, const struct loader_opts *o, ring_buffer_sample_fn cb, void *ctx)
{
	char why[256];
	int err;

	memset(l, 0, sizeof(*l));
	if (probe__requirements(why, sizeof(why))) {
		msg_err("%s", why);
		return -ENOTSUP;
	}
	l->skel = schedrift_bpf__open();
	if (!l->skel) {
		err = -errno;
		explain("open the BPF object", err);
		return err;
	}
	err = configure(l, o);
	if (err) {
		explain("configure the BPF object", err);
		goto fail;
	}
	err = schedrift_bpf__load(l->skel);
	if (err) {
		explain("load the BPF programs", err);
		goto fail;
	}
	err = fill_tgids(l, o);
	if (err) {
		explain("set the process filter", err);
		goto fail;
	}
	if (!l->raw_tp)
		prime_tasks(l, o);
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), cb, ctx, NULL);
	if (!l->rb) {
		err = -errno;
		explain("create the ring buffer reader", err);
		goto fail;
	}
	/*
	 * The switch program first: a wakeup stamped while it was not yet
	 * attached would wait for a switch-in it never sees, and the next
	 * wakeup would count that as a lost wait (wait_end_unseen). The
	 * skeleton leaves a program whose link is set alone.
	 */
	if (!l->raw_tp) {
		l->skel->links.sdr_switch = bpf_program__attach(l->skel->progs.sdr_switch);
		if (!l->skel->links.sdr_switch) {
			err = -errno;
			explain("attach the BPF programs", err);
			goto fail;
		}
	}
	err = schedrift_bpf__attach(l->skel);
	if (err) {
		explain("attach the BPF programs", err);
		goto fail;
	}
	return 0;
fail:
	loader__destroy(l);
	return err;
}

int loader__poll(struct loader *l, int timeout_ms)
{
	int n;

	/* Producers rarely wake us, so poll just sleeps; consume does the work. */
	n = ring_buffer__poll(l->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	n = ring_buffer__consume(l->rb);
	return n < 0 && n != -EINTR ? n : 0;
}

int loader__ring_fd(struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

void loader__detach(struct loader *l)
{
	struct bpf_link **links, **iter;
	size_t i, n;

	if (!l->skel)
		return;
	/*
	 * Stop every hook but keep the task iterator: the end-of-capture
	 * snapshot runs after the last event, so it matches the records.
	 */
	links = (struct bpf_link **)&l->skel->links;
	iter = &l->skel->links.sdr_task_iter;
	n = sizeof(l->skel->links) / sizeof(*links);
	/* The switch program last, for the reason it is attached first. */
	for (i = 0; i < n; i++) {
		if (&links[i] == iter || &links[i] == &l->skel->links.sdr_switch)
			continue;
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	bpf_link__destroy(l->skel->links.sdr_switch);
	l->skel->links.sdr_switch = NULL;
}

/* Look up one key of a per-CPU map into a calloc'd array of ncpu values. */
static void *percpu_lookup(struct bpf_map *map, __u32 key, size_t value_size, int *ncpu_out)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	void *per;

	if (ncpu <= 0)
		return NULL;
	per = calloc(ncpu, value_size);
	if (!per)
		return NULL;
	err = bpf_map__lookup_elem(map, &key, sizeof(key), per, ncpu * value_size, 0);
	if (err) {
		free(per);
		errno = -err;
		return NULL;
	}
	*ncpu_out = ncpu;
	return per;
}

__u64 loader__prog_skipped(struct loader *l)
{
	struct bpf_prog_info info;
	struct bpf_program *prog;
	__u32 len;
	__u64 sum = 0;
	int fd;

	bpf_object__for_each_program(prog, l->skel->obj) {
		fd = bpf_program__fd(prog);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

int loader__read_stats(struct loader *l, struct sdr_stats *out)
{
	struct sdr_cpu_data *per;
	int ncpu, c, i, k;

	per = percpu_lookup(l->skel->maps.cpu_data, 0, sizeof(*per), &ncpu);
	if (!per)
		return -errno;
	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++) {
		const struct sdr_stats *s = &per[c].stats;

		for (i = 0; i < SDR_STAT_NR; i++)
			out->counters[i] += s->counters[i];
		for (i = 0; i < SDR_LOC_NR; i++)
			for (k = 0; k < SDR_CAUSE_NR; k++)
				out->migrations[i][k] += s->migrations[i][k];
		out->penalty_milli += s->penalty_milli;
	}
	free(per);
	return 0;
}

int loader__read_cgroups(struct loader *l, struct loader_cgroup **out, size_t *n)
{
	struct bpf_map *map = l->skel->maps.cgroups;
	struct loader_cgroup *v = NULL;
	__u64 key, next, *prev = NULL;
	size_t cap = 0, cnt = 0;
	int err;

	for (;;) {
		err = bpf_map__get_next_key(map, prev, &next, sizeof(next));
		if (err)
			break;
		if (ARRAY_GROW(v, cnt, cap, 16)) {
			free(v);
			return -ENOMEM;
		}
		if (!bpf_map__lookup_elem(map, &next, sizeof(next), &v[cnt].hist, sizeof(v[cnt].hist), 0)) {
			v[cnt].id = next;
			cnt++;
		}
		key = next;
		prev = &key;
	}
	if (err != -ENOENT) {
		free(v);
		return err;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int loader__read_switch_buf(struct loader *l,
			    int (*cb)(void *ctx, const struct sdr_rec_switches *b), void *ctx)
{
	struct sdr_rec_switches *per, *again, *b;
	int ncpu, c, err = 0;

	per = percpu_lookup(l->skel->maps.switch_buf, 0, sizeof(*per), &ncpu);
	if (!per)
		return -errno;
	again = percpu_lookup(l->skel->maps.switch_buf, 0, sizeof(*per), &ncpu);
	if (!again) {
		err = -errno;
		free(per);
		return err;
	}
	for (c = 0; c < ncpu && !err; c++) {
		b = &per[c];
		/* Shipped meanwhile: maybe torn, and in the ring now. */
		if (again[c].seq != b->seq)
			continue;
		/*
		 * A batch full of switches or of exits has been shipped (or
		 * counted lost) already: BPF resets nr right after, so one read
		 * between the two must not take its switches a second time.
		 */
		if (!b->nr || b->nr >= SDR_SWITCHES_PER_REC || b->nr_exits >= SDR_EXITS_PER_REC)
			continue;
		/*
		 * BPF fills the header only when it ships a batch; what is
		 * there now belongs to the last batch shipped.
		 */
		b->hdr.type = SDR_REC_SWITCHES;
		b->hdr.size = SDR_SWITCHES_SIZE(b->nr_exits);
		b->hdr.cpu = c;
		b->hdr.ts_ns = b->nr <= SDR_SWITCHES_PER_REC ? b->s[b->nr - 1].ts_ns : 0;
		err = cb(ctx, b);
	}
	free(again);
	free(per);
	return err;
}

/*
 * Read in large blocks: each read() of a BPF iterator restarts the task walk
 * where the last one stopped (a pid lookup), so one record per read() cost
 * more than the records themselves at 10 000 tasks.
 */
#define SNAPSHOT_READ_BYTES (64 << 10)

/*
 * The task iterator does not visit every task on every kernel: on the
 * 6.18 test VM it skips the threads of PID 1 (the sandbox's agent, whose
 * switches away are not traced either: docs/latency.md), though their
 * waits count in the system's figures. So PID 1's threads it did not
 * report are looked up by pidfd (a handful, once a snapshot). Their run
 * time is not known this way (0), only what their state holds.
 */
#define INIT_THREADS_MAX 256

struct init_threads {
	__u32 tid[INIT_THREADS_MAX]; /* reported by the iterator */
	size_t n;
};

static int snapshot_init_threads(struct loader *l, const struct init_threads *seen,
				 int (*cb)(void *ctx, const struct sdr_rec_task *t), void *ctx)
{
	bool filtered = l->skel->rodata->filter_tgid || l->skel->rodata->filter_comm;
	struct sdr_task_state st;
	struct sdr_rec_task rec;
	struct dirent *de;
	DIR *d = opendir("/proc/1/task");
	size_t i;
	__u64 tid;
	int err = 0;

	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		if (parse_u64(de->d_name, 1, 0x7fffffff, &tid))
			continue;
		for (i = 0; i < seen->n && seen->tid[i] != tid; i++)
			;
		if (i < seen->n || loader__lookup_task(l, tid, &st) || st.id.tid != tid ||
		    !(st.flags & SDR_TS_NAMED) || (st.flags & SDR_TS_EXITED) ||
		    (filtered && !(st.flags & SDR_TS_WANTED)))
			continue;
		loader__snapshot_rec(&st, &rec);
		err = cb(ctx, &rec);
	}
	closedir(d);
	return err;
}

/* The size the live record at buf says it has (its header must be there). */
static size_t live_rec_size(const char *buf)
{
	struct sdr_rec_hdr h;

	memcpy(&h, buf, sizeof(h));
	return h.size;
}

/* The tids of the whole records in buf, up to max of them, for a look-ahead. */
static size_t snapshot_tids(const char *buf, size_t have, __u32 *tids, size_t max)
{
	size_t off = 0, size, n = 0;

	/* A bad size ends the walk here; the reader refuses it. */
	while (n < max && have - off >= sizeof(struct sdr_rec_hdr) &&
	       sdr_kernel_rec_size_ok(size = live_rec_size(buf + off)) && size <= have - off) {
		memcpy(&tids[n++], buf + off + offsetof(struct sdr_rec_exit, task.tid), sizeof(*tids));
		off += size;
	}
	return n;
}

int loader__snapshot_tasks(struct loader *l, int (*cb)(void *ctx, const struct sdr_rec_task *t),
			   void *ctx)
{
	return loader__snapshot_tasks_ahead(l, cb, NULL, ctx);
}

#define SNAPSHOT_AHEAD_MAX (SNAPSHOT_READ_BYTES / SDR_REC_LIVE_BRIEF_SIZE + 1)

/* The window of the n tids that starts at from (at most LOADER_AHEAD of them) to ahead. */
static void ahead_window(void (*ahead)(void *ctx, const __u32 *tids, size_t n), void *ctx,
			 const __u32 *tids, size_t from, size_t n)
{
	if (ahead && from < n)
		ahead(ctx, tids + from, n - from < LOADER_AHEAD ? n - from : LOADER_AHEAD);
}

int loader__snapshot_tasks_ahead(struct loader *l,
				 int (*cb)(void *ctx, const struct sdr_rec_task *t),
				 void (*ahead)(void *ctx, const __u32 *tids, size_t n), void *ctx)
{
	struct init_threads seen = { .n = 0 };
	__u32 tids[SNAPSHOT_AHEAD_MAX];
	size_t have = 0, off, size, k, nr_ahead;
	struct sdr_rec_exit live;
	struct sdr_rec_task *rec;
	ssize_t n = 0;
	char *buf;
	int fd, err = 0;

	if (l->raw_tp || !l->skel->links.sdr_task_iter)
		return 0;
	buf = malloc(SNAPSHOT_READ_BYTES);
	/* Zeroed once: loader__live_rec() leaves the coarse histogram (1 KiB, always 0) alone. */
	rec = calloc(1, sizeof(*rec));
	if (!buf || !rec) {
		free(buf);
		free(rec);
		return -ENOMEM;
	}
	fd = bpf_iter_create(bpf_link__fd(l->skel->links.sdr_task_iter));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* The seq file hands out whole records, but read() may split them. */
	while (!err && (n = read(fd, buf + have, SNAPSHOT_READ_BYTES - have)) > 0) {
		/* The kernel leaves the stamp to us (its clock costs 80-245 ns a task): read now. */
		__u64 read_ns = now_mono_ns();

		have += n;
		/*
		 * One window ahead, not the whole read's (some 450 tasks): what
		 * cb does for a task would evict the last windows' lines from
		 * the cache before their turn came.
		 */
		nr_ahead = ahead ? snapshot_tids(buf, have, tids, SNAPSHOT_AHEAD_MAX) : 0;
		ahead_window(ahead, ctx, tids, 0, nr_ahead);
		for (off = 0, k = 0; !err && have - off >= sizeof(struct sdr_rec_hdr);
		     off += size, k++) {
			if (k % LOADER_AHEAD == 0)
				ahead_window(ahead, ctx, tids, k + LOADER_AHEAD, nr_ahead);
			size = live_rec_size(buf + off);
			if (!sdr_kernel_rec_size_ok(size)) {
				err = -EPROTO;
				break;
			}
			if (size > have - off)
				break;
			/* A copy: buf holds records at any offset, the parse wants one aligned. */
			memcpy(&live, buf + off, size);
			if (loader__live_rec(&live, size, rec)) {
				err = -EPROTO;
				break;
			}
			rec->hdr.ts_ns = read_ns;
			if (rec->task.tgid == 1 && seen.n < INIT_THREADS_MAX)
				seen.tid[seen.n++] = rec->task.tid;
			err = cb(ctx, rec);
		}
		have -= off;
		memmove(buf, buf + off, have);
	}
	if (n < 0 && !err)
		err = -errno;
	/* The kernel hands out whole records: bytes left at the end are a broken stream. */
	if (!err && have)
		err = -EPROTO;
	close(fd);
out:
	free(buf);
	free(rec);
	return err ? err : snapshot_init_threads(l, &seen, cb, ctx);
}

int loader__read_node_matrix(struct loader *l, struct sdr_node_cell *cells)
{
	__u32 key, n = l->nr_nodes * l->nr_nodes;
	struct sdr_node_cell *per;
	int ncpu, c, k;

	for (key = 0; key < n; key++) {
		per = percpu_lookup(l->skel->maps.node_matrix, key, sizeof(*per), &ncpu);
		if (!per)
			return -errno;
		memset(&cells[key], 0, sizeof(cells[key]));
		for (c = 0; c < ncpu; c++)
			for (k = 0; k < SDR_CAUSE_NR; k++)
				cells[key].by_cause[k] += per[c].by_cause[k];
		free(per);
	}
	return 0;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* include/uapi/linux/pidfd.h, 6.9 */
#endif

static int open_task_pidfd(__u32 tid)
{
	int fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_pidfd_open, tid, 0); /* older kernels: leaders only */
	return fd;
}

void loader__snapshot_rec(const struct sdr_task_state *st, struct sdr_rec_task *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = SDR_REC_TASK_SNAPSHOT;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.ts_ns = now_mono_ns();
	rec->task = st->id;
	rec->counts = st->counts;
}

int loader__lookup_task(struct loader *l, __u32 tid, struct sdr_task_state *out)
{
	int fd, err;

	fd = open_task_pidfd(tid);
	if (fd < 0)
		return -errno;
	err = bpf_map__lookup_elem(l->skel->maps.tasks, &fd, sizeof(fd), out, sizeof(*out), 0);
	close(fd);
	return err;
}

int loader__task_id(struct loader *l, __u32 tid, __u64 alive_at, struct sdr_task_id *id)
{
	struct sdr_task_state st;
	int err = loader__lookup_task(l, tid, &st);

	if (err)
		return err;
	if (!(st.flags & SDR_TS_NAMED) || st.id.tid != tid)
		return -ENOENT;
	if (st.id.start_ns > alive_at)
		return -ESTALE;
	*id = st.id;
	return 0;
}

void loader__destroy(struct loader *l)
{
	ring_buffer__free(l->rb);
	l->rb = NULL;
	schedrift_bpf__destroy(l->skel);
	l->skel = NULL;
}

/*
 * The kernel's part of a task's totals (struct sdr_rec_exit's layout,
 * size bytes: whole, or a live record's brief head) into rec as a record
 * of type, its waits 0. The coarse histogram is not touched: the callers
 * zero it (it is 1 KiB a task and always 0 here).
 */
static void totals_from_kernel(const struct sdr_rec_exit *e, size_t size, __u16 type,
			       struct sdr_rec_task *rec)
{
	struct sdr_task_counts *c = &rec->counts;

	rec->hdr = e->hdr;
	rec->hdr.type = type;
	rec->hdr.size = sizeof(*rec);
	rec->task = e->task;
	memset(c, 0, offsetof(struct sdr_task_counts, wait_hist));
	c->runtime_ns = e->runtime_ns;
	c->cgroup_id = e->cgroup_id;
	c->preferred_nid = e->preferred_nid;
	if (size < sizeof(*e)) {
		/* Brief or mid: it never changed node, so all of its run time was on this one. */
		c->node_runtime_ns[e->brief_node] = e->runtime_ns;
		if (size < SDR_REC_LIVE_MID_SIZE)
			return;
	}
	memcpy(c->migrations, e->migrations, sizeof(c->migrations));
	memcpy(c->by_cause, e->by_cause, sizeof(c->by_cause));
	c->penalty_milli = e->penalty_milli;
	memcpy(c->numa, e->numa, sizeof(c->numa));
	if (size == sizeof(*e))
		memcpy(c->node_runtime_ns, e->node_runtime_ns, sizeof(c->node_runtime_ns));
}

/* Whether e is a kernel record of this type, whole or brief, of size bytes. */
static bool kernel_rec_ok(const struct sdr_rec_exit *e, size_t size, __u16 type)
{
	return size >= SDR_REC_LIVE_BRIEF_SIZE && e->hdr.type == type && e->hdr.size == size &&
	       sdr_kernel_rec_ok(size, e->brief_node);
}

int loader__exit_rec(const void *data, size_t size, struct sdr_rec_task *rec)
{
	if (!kernel_rec_ok(data, size, SDR_REC_EXIT))
		return -EINVAL;
	memset(rec, 0, sizeof(*rec));
	totals_from_kernel(data, size, SDR_REC_TASK_EXIT, rec);
	return 0;
}

int loader__live_rec(const struct sdr_rec_exit *e, size_t size, struct sdr_rec_task *rec)
{
	if (!kernel_rec_ok(e, size, SDR_REC_TASK_LIVE))
		return -EINVAL;
	totals_from_kernel(e, size, SDR_REC_TASK_SNAPSHOT, rec);
	return 0;
}
