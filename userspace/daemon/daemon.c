// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon: one ingest thread (this one) takes the ring buffer's records
 * (copied out of the ring by the collector's reader thread, live/ring_ingest.h)
 * and, every interval, ticks the collector (kernel aggregates and live tasks into the
 * task table and a report), renders the Prometheus text once, writes it and
 * the JSON report atomically into the metrics directory and publishes the
 * same bytes to the HTTP threads. Signals only set flags; everything
 * happens in the loop:
 *   SIGTERM/SIGINT  final export, detach, exit 0
 *   SIGHUP          re-read --config; a bad file keeps the old settings
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/atomic_file.h"
#include "live/collector.h"
#include "host/cpu_reserve.h"
#include "host/sched_group.h"
#include "daemon/daemon.h"
#include "daemon/daemon_slo.h"
#include "report/render.h"
#include "report/top_tasks.h"
#include "daemon/export_fault.h"
#include "daemon/export_prom.h"
#include "daemon/http.h"
#include "daemon/privileges.h"
#include "daemon/sd_notify.h"
#include "lib/util.h"
#include "version.h"

static volatile sig_atomic_t stop_requested, reload_requested;
/* Whether the metric files are being written: logged when that changes, not every interval. */
static struct export_fault files_fault;
/* How the schedule was kept (the schedrift_daemon_export_gap_* series). */
static struct {
	__u64 last_ns; /* the previous export, or the start of the loop */
	bool rescheduled; /* a reload restarted the schedule since that export */
	double max_s;
	__u64 late;
} export_clock;

static void on_stop(int sig)
{
	stop_requested = 1;
}

static void on_hup(int sig)
{
	reload_requested = 1;
}

/* The metrics directory must exist and be writable now, not fail every export later. */
static int check_metrics_dir(const char *dir, const char *from, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%smetrics dir %s is not a directory", from, dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(err, errlen, "%smetrics dir %s is not writable: %s", from, dir,
			 strerror(errno));
		return -EACCES;
	}
	return 0;
}

/*
 * The settings in effect: defaults, then the config file, then what the
 * command line gave. The same at start and on SIGHUP, so a reload never
 * undoes a flag. A bad metrics_dir in the file refuses
 * the file even when --metrics-dir overrides it.
 */
static int settings_resolve(const struct daemon_opts *o, struct daemon_settings *out, char *err,
			    size_t errlen)
{
	struct daemon_settings s = { .interval_s = DAEMON_DEFAULT_INTERVAL_S,
				     .top_n = DAEMON_DEFAULT_TOP,
				     .grace = DAEMON_DEFAULT_GRACE };
	char from[1100];
	int rc;

	if (o->config_path) {
		rc = daemon__parse_config(o->config_path, &s, err, errlen);
		if (rc)
			return rc;
		/* A bad directory in the file is a bad file, even if a flag overrides it. */
		snprintf(from, sizeof(from), "%s:%d: ", o->config_path, s.metrics_dir_line);
		if (s.metrics_dir[0] && (rc = check_metrics_dir(s.metrics_dir, from, err, errlen)))
			return rc;
	}
	if (o->cli_set & DAEMON_SET_INTERVAL)
		s.interval_s = o->cli.interval_s;
	if (o->cli_set & DAEMON_SET_TOP)
		s.top_n = o->cli.top_n;
	if (o->cli_set & DAEMON_SET_GRACE)
		s.grace = o->cli.grace;
	if (o->cli_set & DAEMON_SET_JSON_TASKS)
		s.json_tasks_all = o->cli.json_tasks_all;
	if (o->cli_set & DAEMON_SET_DIR) {
		memcpy(s.metrics_dir, o->cli.metrics_dir, sizeof(s.metrics_dir));
		if ((rc = check_metrics_dir(s.metrics_dir, "", err, errlen)))
			return rc;
	}
	*out = s;
	return 0;
}

/* ---- one export ---- */

static void sweep_metrics_dir(const char *dir);

struct blob_ctx {
	const char *buf;
	size_t len;
};

static int fill_blob(FILE *f, void *ctx)
{
	struct blob_ctx *b = ctx;

	return fwrite(b->buf, 1, b->len, f) == b->len ? 0 : -EIO;
}

struct json_ctx {
	const struct report *r;
	const bool *pick; /* NULL: every task */
};

static int fill_json(FILE *f, void *ctx)
{
	struct json_ctx *jc = ctx;

	report__print_json_picked(jc->r, f, jc->pick);
	return ferror(f) ? -EIO : 0;
}

/*
 * The JSON's tasks: the interval's top tasks by the .prom's rule, so the
 * file stays small at any task count (every task: --json-tasks all, or
 * GET /tasks). NULL with *all set: every task; NULL otherwise: no memory.
 */
static bool *json_pick(const struct report *iv, const struct daemon_settings *set)
{
	bool *pick;

	if (set->json_tasks_all)
		return NULL;
	pick = calloc(iv->nr_tasks + 1, sizeof(*pick));
	if (pick && report__pick_top(iv, set->top_n, pick) < 0) {
		free(pick);
		pick = NULL;
	}
	return pick;
}

/* Whether an SLO rule is judged on tasks (by tid or comm): it reads every task's row. */
static bool slo_wants_tasks(const struct daemon_settings *set)
{
	int i;

	for (i = 0; i < set->nr_slo; i++)
		if (set->slo[i].scope == SLO_TASK || set->slo[i].scope == SLO_COMM)
			return true;
	return false;
}

static void self_usage(double *cpu_s, __u64 *rss)
{
	struct rusage ru;
	long pages = 0;
	FILE *f;

	*cpu_s = 0;
	*rss = 0;
	if (!getrusage(RUSAGE_SELF, &ru))
		*cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%*s %ld", &pages) == 1)
			*rss = (__u64)pages * sysconf(_SC_PAGESIZE);
		fclose(f);
	}
}

static int export_once(struct collector *c, struct http *h, struct daemon_settings *set)
{
	struct prom_input in = {};
	struct tasktable_stats ts;
	int fresh[SLO_MAX_RULES];
	struct blob_ctx b;
	struct interval_snapshot snap;
	char *buf = NULL;
	size_t len = 0;
	__u64 now;
	FILE *f;
	struct json_ctx jc;
	int err, ferr = 0;

	/* Cumulative rows only for the tasks that can get per-task series. */
	c->cum_rows_top = set->top_n > 0 ? set->top_n : 0;
	/* The interval's, only for the JSON's top tasks unless it or an SLO rule wants all. */
	c->iv_rows_top = set->json_tasks_all || slo_wants_tasks(set) ? -1 : c->cum_rows_top;
	err = collector__tick(c, &snap, true);
	if (err) {
		log_msg(LOG_LVL_ERR, "failed to read the kernel's counters: %s", strerror(-err));
		return err;
	}
	tasktable__stats(c->table, &ts);
	if (h)
		http__publish_cgroups(h, &snap.total);
	slo__evaluate(set->slo, set->nr_slo, &snap.interval, fresh);
	/*
	 * Before the export: the breach's own interval then counts the capture
	 * it made (schedrift_slo_captures_total), not the next one.
	 */
	daemon_slo__capture(c, set, fresh);
	in.slo = set->slo;
	in.nr_slo = set->nr_slo;
	in.r = &snap.total;
	in.sys_hist = &c->sys_hist;
	in.landing_hist = c->landing_hist;
	in.sys_delivery_hist = &c->sys_delivery_hist;
	in.sys_queue_hist = &c->sys_queue_hist;
	in.landing_delivery_hist = c->landing_delivery_hist;
	in.landing_queue_hist = c->landing_queue_hist;
	in.landing_premig_hist = c->waits.premig;
	in.cgroup_hists = c->cgroup_hists;
	in.neighbours = &snap.neighbours;
	in.cgroup_path = collector__cgroup_path;
	in.cgroup_path_ctx = c;
	in.cpu_hists = c->cpu_hists;
	in.top_n = set->top_n;
	self_usage(&in.cpu_seconds, &in.rss_bytes);
	in.evictions = ts.evictions;
	in.file_failures = files_fault.failed_total;
	now = now_mono_ns();
	in.export_gap_s = (now - export_clock.last_ns) / 1e9;
	export_clock.last_ns = now;
	if (in.export_gap_s > export_clock.max_s)
		export_clock.max_s = in.export_gap_s;
	/* Late: over twice the interval. A reload restarts the schedule, so
	 * the gap across one (shown all the same) is not judged. */
	if (in.export_gap_s > 2 * set->interval_s && !export_clock.rescheduled)
		export_clock.late++;
	export_clock.rescheduled = false;
	in.export_gap_max_s = export_clock.max_s;
	in.late_exports = export_clock.late;
	in.tasks_tracked = ts.nr_tasks;
	in.version = SCHEDRIFT_VERSION;
	in.kernel = c->meta.kernel_release;
	f = open_memstream(&buf, &len);
	if (!f) {
		collector__recycle_rows(c, &snap);
		interval_snapshot__free(&snap);
		return -ENOMEM;
	}
	err = prom__write(f, &in);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err && set->metrics_dir[0]) {
		b.buf = buf;
		b.len = len;
		ferr = atomic_file__write(set->metrics_dir, "schedrift.prom", fill_blob, &b);
		jc.r = &snap.interval;
		jc.pick = json_pick(&snap.interval, set);
		if (!ferr && !jc.pick && !set->json_tasks_all)
			ferr = -ENOMEM;
		if (!ferr)
			ferr = atomic_file__write(set->metrics_dir, "schedrift.json", fill_json, &jc);
		free((void *)jc.pick);
		/* Written again: a temporary that a failed write could not remove
		 * (the directory turned read-only between its creation and its
		 * removal) goes now, not at the next start. */
		now = now_mono_ns();
		if (export_fault__update(&files_fault, set->metrics_dir, ferr, now) ==
		    EXPORT_FAULT_CLEARED)
			sweep_metrics_dir(set->metrics_dir);
	}
	/* A full disk must not also freeze /metrics: HTTP gets the text either way. */
	if (h && !err)
		http__publish_metrics(h, buf, len); /* takes buf */
	else
		free(buf);
	if (!err)
		err = ferr;
	collector__recycle_rows(c, &snap);
	interval_snapshot__free(&snap);
	return err;
}

/* ---- the loop ---- */

/*
 * With --cpu-reserve the ingest thread (ticks, files, drains) gets a
 * SCHED_DEADLINE reservation: after the HTTP threads exist, which stay
 * SCHED_OTHER, and before the capabilities go. Off by default: a deadline
 * thread preempts even real-time work, the waits it measures among them
 * (docs/daemon.md, "CPU reservation"). The ring's reader thread, made
 * with the collector, keeps the ordinary class.
 */
static void reserve_cpu(const struct daemon_opts *o)
{
	int err;

	if (!o->cpu_reserve || o->once)
		return;
	err = cpu_reserve__apply(CPU_RESERVE_RUNTIME_NS, CPU_RESERVE_PERIOD_NS, 0);
	if (!err)
		log_msg(LOG_LVL_INFO, "the exporting thread has %llu ms of CPU every %llu ms reserved "
			"(SCHED_DEADLINE)", CPU_RESERVE_RUNTIME_NS / 1000000,
			CPU_RESERVE_PERIOD_NS / 1000000);
	else
		log_msg(LOG_LVL_WARN, "no CPU reservation for the exporting thread: %s; it runs at "
			"nice %d", cpu_reserve__why(err), o->nice);
}

/*
 * How long the drain may sleep: until the next tick or the next watchdog
 * ping (due wd/2 after the last), at most a second. `now` is read after
 * the tick's work, which can take a large part of a second at 10k tasks.
 */
static int drain_timeout_ms(__u64 now, __u64 next, __u64 wd_usec, __u64 last_wd)
{
	__u64 ms = next > now ? (next - now + 999999) / 1000000 : 1;

	if (ms > 1000)
		ms = 1000;
	if (wd_usec) {
		__u64 ping = last_wd + wd_usec * 1000 / 2;
		__u64 wd_ms = ping > now ? (ping - now + 999999) / 1000000 : 1;

		if (ms > wd_ms)
			ms = wd_ms;
	}
	return ms ? (int)ms : 1;
}

/* Temporaries a killed daemon or a failed write left behind: ours to remove, we hold the lock. */
static void sweep_metrics_dir(const char *dir)
{
	int n;

	if (!dir[0])
		return;
	n = atomic_file__sweep(dir, "schedrift.prom");
	if (n >= 0) {
		int m = atomic_file__sweep(dir, "schedrift.json");

		n = m < 0 ? m : n + m;
	}
	if (n > 0)
		log_msg(LOG_LVL_INFO, "removed %d stale temporary file%s in %s", n,
			n == 1 ? "" : "s", dir);
	else if (n < 0)
		log_msg(LOG_LVL_WARN, "could not look for stale temporary files in %s: %s", dir,
			strerror(-n));
}

static void reload(const struct daemon_opts *o, struct daemon_settings *set, struct collector *c)
{
	struct daemon_settings next;
	char err[1400];

	if (!o->config_path) {
		log_msg(LOG_LVL_WARN, "SIGHUP without --config: nothing to re-read");
		return;
	}
	if (settings_resolve(o, &next, err, sizeof(err))) {
		log_msg(LOG_LVL_ERR, "keeping the old settings: %s", err);
		return;
	}
	if (strcmp(next.metrics_dir, set->metrics_dir)) {
		export_fault__forget(&files_fault, set->metrics_dir, now_mono_ns());
		sweep_metrics_dir(next.metrics_dir);
	}
	daemon_slo__carry(&next, set);
	if (next.nr_slo && !c->flight)
		log_msg(LOG_LVL_WARN, "slo rules without the flight recorder: it is set up at start "
			"only, so breaches are exported but not captured until a restart");
	*set = next;
	tasktable__set_grace(c->table, set->grace);
	log_msg(LOG_LVL_INFO, "re-read %s: interval %g s, top %d, grace %u, metrics dir %s",
		o->config_path, set->interval_s, set->top_n, set->grace,
		set->metrics_dir[0] ? set->metrics_dir : "(none)");
}

static int run(const struct daemon_opts *o)
{
	struct daemon_settings set = o->set;
	struct sched_group group = {};
	struct collector_opts co = {};
	struct sigaction sa = {};
	struct collector c;
	struct http *h = NULL;
	__u64 next, now, wd_usec, last_wd = 0;
	int lock_fd, rc, err, exported = 0;

	lock_fd = daemon__take_lock(o->lock_path);
	if (lock_fd < 0)
		return EXIT_RUNTIME;
	/*
	 * Before any thread starts, so all inherit it, and before capabilities
	 * are dropped. Not allowed (systemd's unit sets Nice= itself): go on.
	 */
	if (setpriority(PRIO_PROCESS, 0, o->nice))
		log_msg(LOG_LVL_DEBUG, "could not set the daemon's nice to %d: %s", o->nice,
			strerror(errno));
	/*
	 * And its session's autogroup: the nice above ranks our threads only
	 * inside it (host/sched_group.h). Under a cpu cgroup, the unit's
	 * CPUWeight= does this instead.
	 */
	err = sched_group__raise(&group, o->nice);
	log_msg(LOG_LVL_DEBUG, "session autogroup nice %d -> %d (autogroups %s)%s%s", group.found,
		group.raised ? group.set : group.found,
		sched_group__autogroup_in_effect() ? "in effect" : "not in effect",
		err ? ": " : "", err ? strerror(-err) : "");
	export_fault__init(&files_fault, export_fault__remind_from_env());
	sweep_metrics_dir(set.metrics_dir);
	/* SA_RESTART: a signal must not fail a map or iterator read mid-tick. */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * A fixed threshold: glibc's own rises to the size of the first large
	 * block freed, after which each tick's row arrays (8 MB at 10 000
	 * tasks) come from the heap between task versions and are never given
	 * back; RSS crept up by tens of MB over the intervals. Mapped, they are
	 * returned at every free.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	co.topology_path = o->topology_path;
	co.host_root = o->host_root;
	co.flight_window_ns = daemon_slo__flight_ns(&set);
	co.flight_max_bytes = DAEMON_FLIGHT_MAX_BYTES;
	co.min_lat_ns = o->min_lat_ns;
	co.max_cgroups = o->max_cgroups;
	co.max_cgroup_series = o->max_cgroup_series;
	co.neighbour_series = o->neighbour_series;
	co.max_tasks = o->max_tasks;
	co.grace = set.grace;
	snprintf(co.command, sizeof(co.command), "%s", o->command);
	rc = collector__start(&c, &co);
	if (rc) {
		sched_group__restore(&group);
		close(lock_fd);
		return rc;
	}
	if (o->listen) {
		h = http__start(o->listen, c.table, c.topo.nr_nodes, &err);
		if (!h) {
			if (err == -EINVAL)
				msg_err("bad --listen '%s': want ADDR:PORT, :PORT or [ADDR6]:PORT",
					o->listen);
			else
				msg_err("cannot listen on %s: %s", o->listen, strerror(-err));
			collector__stop(&c);
			sched_group__restore(&group);
			close(lock_fd);
			return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	/* Its thread inherits --nice now; made after a reservation it would
	 * get nice 0 (reset-on-fork). */
	atomic_file__init();
	reserve_cpu(o);
	daemon__drop_capabilities(&c);
	/* The threshold in ns, as the BPF side got it: what --min-lat's syntax came to. */
	log_msg(LOG_LVL_INFO, "running: interval %g s, metrics dir %s%s%s, outliers from %llu ns "
		"(--min-lat; 0 = none)", set.interval_s,
		set.metrics_dir[0] ? set.metrics_dir : "(none)", o->listen ? ", listening on " : "",
		o->listen ? o->listen : "", (unsigned long long)o->min_lat_ns);
	if (!set.metrics_dir[0] && !o->listen)
		log_msg(LOG_LVL_WARN, "no metrics dir (--metrics-dir, or metrics_dir in the config) "
			"and no --listen: nothing is exported");
	sd_notify__send("READY=1");
	wd_usec = sd_notify__watchdog_usec();

	rc = 0;
	export_clock.last_ns = now_mono_ns();
	next = export_clock.last_ns + (__u64)(set.interval_s * 1e9);
	while (!stop_requested) {
		now = now_mono_ns();
		if (now >= next) {
			err = export_once(&c, h, &set);
			exported = 1;
			if (err && o->once)
				rc = EXIT_RUNTIME;
			if (o->once)
				break;
			next += (__u64)(set.interval_s * 1e9);
			if (next <= now) /* a slow tick: skip, don't burst */
				next = now + (__u64)(set.interval_s * 1e9);
		}
		if (wd_usec && now - last_wd >= wd_usec * 1000 / 2) {
			sd_notify__ping();
			last_wd = now;
		}
		if (reload_requested) {
			reload_requested = 0;
			reload(o, &set, &c);
			next = now + (__u64)(set.interval_s * 1e9);
			export_clock.rescheduled = true;
		}
		/*
		 * Sleep until the next tick, or at most a second: the ring's
		 * reader thread (live/ring_ingest.c), which the kernel wakes
		 * once the ring is a quarter full, wakes us once its queue holds
		 * a quarter ring's worth, so nothing overflows meanwhile. Waking every 100 ms
		 * instead was 7 % of the daemon's CPU time at 10 000 tasks.
		 */
		err = collector__drain(&c, drain_timeout_ms(now_mono_ns(), next, wd_usec, last_wd));
		if (err) {
			log_msg(LOG_LVL_ERR, "failed to read the ring buffer: %s", strerror(-err));
			rc = EXIT_RUNTIME;
			break;
		}
	}
	sd_notify__send("STOPPING=1");
	if (stop_requested && !(o->once && exported)) {
		/* One last export, so the files end with everything seen; a
		 * --once cut short by a signal still writes its one interval. */
		err = export_once(&c, h, &set);
		if (err && o->once)
			rc = EXIT_RUNTIME;
		log_msg(LOG_LVL_INFO, "stopping");
	}
	http__stop(h);
	collector__stop(&c);
	sched_group__restore(&group);
	close(lock_fd);
	return rc;
}

/* ---- options ---- */

static const char daemon_usage[] =
	"usage: schedrift daemon [--metrics-dir DIR] [--interval SECONDS] [--listen ADDR:PORT]\n"
	"                        [--once] [--topology FILE] [--config FILE] [--top N] [-v]\n"
	"\n"
	"Always-on metrics: every interval, rewrite DIR/schedrift.prom (Prometheus text, for the\n"
	"node_exporter textfile collector) and DIR/schedrift.json atomically, and serve them on\n"
	"loopback HTTP (GET /metrics, GET /tasks?tid=N&top=N) when --listen is given.\n"
	"\n"
	"  -d, --metrics-dir DIR   where to write the metric files (default: none)\n"
	"  -i, --interval SECONDS  export interval (default 10)\n"
	"  -l, --listen ADDR:PORT  serve HTTP there; ':PORT' means 127.0.0.1 (default: off)\n"
	"      --once              collect one interval, write the files, exit\n"
	"      --topology FILE     use this CPU/LLC/node layout instead of sysfs\n"
	"  -c, --config FILE       settings file, re-read on SIGHUP (docs/daemon.md)\n"
	"      --top N             per-task series for at most N tasks by penalty and N by p99\n"
	"                          wait (default 20)\n"
	"      --max-tasks N       tasks tracked at most; the oldest exited are evicted first\n"
	"                          (default 65536)\n"
	"      --json-tasks WHICH  top: schedrift.json lists the interval's top tasks by --top's\n"
	"                          rule and says how many it left out (default); all: every task\n"
	"      --grace N           intervals an exited task stays exported (default 1)\n"
	"      --min-lat DUR       keep waits of at least DUR as outliers, with the task that had\n"
	"                          the CPU: 1ms, 500us, 2s, a bare number of milliseconds, 0 = off\n"
	"                          (default 10ms: always on, it keeps the long ones only, where a\n"
	"                          bounded record capture takes 1ms); the JSON lists each\n"
	"                          interval's 10 longest, nr_outliers counts all\n"
	"      --max-cgroups N     keep full-resolution per-cgroup histograms in BPF for up to N\n"
	"                          cgroups (default 0: summed from the tasks' in userspace, 1/64;\n"
	"                          the BPF map costs atomic adds on every switch)\n"
	"      --max-cgroup-series N  cgroups summed from the tasks' kept at most (default 256;\n"
	"                          removed cgroups leave after their last interval)\n"
	"      --neighbour-series N  noisy neighbours: culprit cgroups named per cgroup, the\n"
	"                          rest summed as other (1 to 64; default 0: off, as it costs\n"
	"                          the daemon about 0.25 us a switch under perf bench sched\n"
	"                          messaging, 3 times the rest of its work; docs/metrics.md)\n"
	"      --lock FILE         single-instance lock (default " DAEMON_DEFAULT_LOCK ")\n"
	"      --host-root DIR     the host's / as mounted in a container, for pod names from the\n"
	"                          container runtime's state (default /; docs/kubernetes.md)\n"
	"      --nice N            nice value of every thread, -20..19 (default -10), and of\n"
	"                          its session's autogroup while it runs, if that is higher\n"
	"      --cpu-reserve       reserve 2 ms of CPU per 10 ms for the exporting thread with\n"
	"                          SCHED_DEADLINE; off by default: it preempts even real-time\n"
	"                          work (docs/daemon.md, \"CPU reservation\")\n"
	"      --no-cpu-reserve    the default; accepted for old command lines\n"
	"  -v, --verbose           debug log lines and libbpf's log\n"
	"  -h, --help              this help\n";

/* The parser's tables; `schedrift __complete` reads them too (lib/completion.c). */
const struct option daemon__longopts[] = {
	{ "metrics-dir", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "listen", required_argument, NULL, 'l' },
	{ "once", no_argument, NULL, 'o' },
	{ "topology", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'c' },
	{ "top", required_argument, NULL, 'n' },
	{ "max-tasks", required_argument, NULL, 'T' },
	{ "json-tasks", required_argument, NULL, 'J' },
	{ "grace", required_argument, NULL, 'g' },
	{ "min-lat", required_argument, NULL, 'm' },
	{ "max-cgroups", required_argument, NULL, 'C' },
	{ "max-cgroup-series", required_argument, NULL, 'S' },
	{ "neighbour-series", required_argument, NULL, 'K' },
	{ "lock", required_argument, NULL, 'L' },
	{ "host-root", required_argument, NULL, 'H' },
	{ "no-cpu-reserve", no_argument, NULL, 'R' },
	{ "cpu-reserve", no_argument, NULL, 'Y' },
	{ "nice", required_argument, NULL, 'N' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};
const char daemon__shortopts[] = ":d:i:l:c:vh";

int daemon__parse(int argc, char **argv, struct daemon_opts *out)
{
	struct daemon_opts o = {};
	char err[1400];
	__u64 v;
	int opt, i, len;

	memset(out, 0, sizeof(*out));
	o.max_tasks = DAEMON_DEFAULT_MAX_TASKS;
	o.max_cgroups = 0;
	o.max_cgroup_series = COLLECTOR_DEFAULT_CGROUP_SERIES;
	o.min_lat_ns = DAEMON_DEFAULT_MIN_LAT_NS;
	o.lock_path = DAEMON_DEFAULT_LOCK;
	o.nice = DAEMON_NICE;
	len = snprintf(o.command, sizeof(o.command), "schedrift");
	for (i = 0; i < argc && len < (int)sizeof(o.command); i++)
		len += snprintf(o.command + len, sizeof(o.command) - len, " %s", argv[i]);

	/* 0, not 1: glibc then also forgets a cluster left half-read by an earlier parse. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, daemon__shortopts, daemon__longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (strlen(optarg) >= sizeof(o.set.metrics_dir))
				return usage_error("daemon", "--metrics-dir too long: '%s'", optarg);
			snprintf(o.cli.metrics_dir, sizeof(o.cli.metrics_dir), "%s", optarg);
			o.cli_set |= DAEMON_SET_DIR;
			break;
		case 'i':
			if (parse_seconds(optarg, 86400, &o.cli.interval_s) || o.cli.interval_s < 0.05)
				return usage_error("daemon", "bad --interval '%s': seconds, 0.05 to 86400", optarg);
			o.cli_set |= DAEMON_SET_INTERVAL;
			break;
		case 'l': o.listen = optarg; break;
		case 'o': o.once = 1; break;
		case 't': o.topology_path = optarg; break;
		case 'c': o.config_path = optarg; break;
		case 'n':
			if (parse_u64(optarg, 0, 10000, &v))
				return usage_error("daemon", "bad --top '%s': 0 to 10000", optarg);
			o.cli.top_n = v;
			o.cli_set |= DAEMON_SET_TOP;
			break;
		case 'T':
			if (parse_u64(optarg, 16, 10000000, &v))
				return usage_error("daemon", "bad --max-tasks '%s': 16 to 10000000", optarg);
			o.max_tasks = v;
			break;
		case 'J':
			if (daemon__parse_json_tasks(optarg, &o.cli.json_tasks_all))
				return usage_error("daemon", "bad --json-tasks '%s': top or all", optarg);
			o.cli_set |= DAEMON_SET_JSON_TASKS;
			break;
		case 'g':
			if (parse_u64(optarg, 0, 1000, &v))
				return usage_error("daemon", "bad --grace '%s': 0 to 1000 intervals", optarg);
			o.cli.grace = v;
			o.cli_set |= DAEMON_SET_GRACE;
			break;
		case 'm':
			if (parse_min_lat(optarg, &o.min_lat_ns))
				return usage_error("daemon", "bad --min-lat '%s': " MIN_LAT_SYNTAX, optarg);
			break;
		case 'C':
			if (parse_u64(optarg, 0, 65536, &v))
				return usage_error("daemon", "bad --max-cgroups '%s': 0 to 65536", optarg);
			o.max_cgroups = v;
			break;
		case 'S':
			if (parse_u64(optarg, 1, 65536, &v))
				return usage_error("daemon", "bad --max-cgroup-series '%s': 1 to 65536",
						   optarg);
			o.max_cgroup_series = v;
			break;
		case 'K':
			if (parse_u64(optarg, 0, 64, &v))
				return usage_error("daemon", "bad --neighbour-series '%s': 0 to 64",
						   optarg);
			o.neighbour_series = v;
			break;
		case 'L': o.lock_path = optarg; break;
		case 'R': o.cpu_reserve = 0; break;
		case 'Y': o.cpu_reserve = 1; break;
		case 'N':
			if (parse_nice(optarg, &o.nice))
				return usage_error("daemon", "bad --nice '%s': -20 to 19", optarg);
			break;
		case 'H':
			if (optarg[0] != '/')
				return usage_error("daemon", "bad --host-root '%s': an absolute path", optarg);
			o.host_root = optarg;
			break;
		case 'v': verbose = 1; break;
		case 'h': fputs(daemon_usage, stdout); return -1;
		default: return option_error("daemon", opt, argv);
		}
	}
	if (optind < argc)
		return usage_error("daemon", "unexpected argument '%s'", argv[optind]);
	if (settings_resolve(&o, &o.set, err, sizeof(err))) {
		msg_err("%s", err);
		return EXIT_USAGE;
	}
	if (o.listen) {
		struct sockaddr_storage ss;

		if (http__parse_listen(o.listen, &ss))
			return usage_error("daemon", "bad --listen '%s': want ADDR:PORT, :PORT or [ADDR6]:PORT",
					   o.listen);
	}
	*out = o;
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon_opts o;
	int rc = daemon__parse(argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	return run(&o);
}
