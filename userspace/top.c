// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `schedrift top`: a live terminal table of the worst tasks, refreshed each
 * interval, from the same collector the daemon uses. The screen is redrawn
 * in place on a terminal; piped, each refresh is a block of its own.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "live/collector.h"
#include "top.h"
#include "lib/util.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}


/* Worst first: p99 wait, then penalty, then tid. */
static int cmp_worst(const void *a, const void *b)
{
	const struct report_task *x = a, *y = b;

	if (x->runq.p99 != y->runq.p99)
		return x->runq.p99 > y->runq.p99 ? -1 : 1;
	if (x->penalty_milli != y->penalty_milli)
		return x->penalty_milli > y->penalty_milli ? -1 : 1;
	return x->id.tid < y->id.tid ? -1 : x->id.tid > y->id.tid;
}

static void draw(struct report *r, int rows, int tty)
{
	char a[16], b[16], c[16], comm[SDR_COMM_LEN];
	__u64 mig = 0, cross = 0;
	size_t i, n;
	int l, k;

	for (l = 0; l < SDR_LOC_NR; l++)
		for (k = 0; k < SDR_CAUSE_NR; k++) {
			mig += r->migrations[l][k];
			if (l == SDR_LOC_CROSS_NODE)
				cross += r->migrations[l][k];
		}
	if (tty)
		fputs("\033[H\033[2J", stdout);
	else
		fputs("----\n", stdout);
	printf("schedrift top - %s, %d CPUs, %d nodes | waits last %.1fs: %llu, p50 %s, p99 %s, "
	       "max %s\n",
	       r->meta.hostname, r->meta.nr_cpus_online, r->nr_nodes, r->duration_ns / 1e9,
	       (unsigned long long)r->sys_runq.count, fmt_duration(a, sizeof(a), r->sys_runq.p50),
	       fmt_duration(b, sizeof(b), r->sys_runq.p99), fmt_duration(c, sizeof(c), r->sys_runq.max));
	/* Which part of the p99 is the wakeup's delivery, which the queue (docs/latency.md). */
	if (r->has_split)
		printf("wait parts, p99: delivery %s, queueing %s\n",
		       fmt_duration(a, sizeof(a), r->sys_delivery.p99),
		       fmt_duration(b, sizeof(b), r->sys_queue.p99));
	printf("migrations since start: %llu (%llu cross-node), penalty %.3f\n\n",
	       (unsigned long long)mig, (unsigned long long)cross,
	       r->penalty_milli / (double)SDR_PENALTY_SCALE);
	printf("%8s %-15s %8s %9s %9s %7s %6s %9s %7s\n", "TID", "COMM", "WAITS", "P99", "MAX",
	       "MIGR", "XNODE", "PENALTY", "REMOTE");
	qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), cmp_worst);
	n = rows > 0 && (size_t)rows < r->nr_tasks ? (size_t)rows : r->nr_tasks;
	for (i = 0; i < n; i++) {
		const struct report_task *t = &r->tasks[i];

		for (k = 0; k < SDR_COMM_LEN - 1 && t->id.comm[k]; k++)
			comm[k] = t->id.comm[k] >= 0x20 && t->id.comm[k] < 0x7f ? t->id.comm[k] : '?';
		comm[k] = 0;
		printf("%8u %-15s %8llu %9s %9s %7llu %6llu %9.3f %6.1f%%\n", t->id.tid, comm,
		       (unsigned long long)t->runq.count, fmt_duration(a, sizeof(a), t->runq.p99),
		       fmt_duration(b, sizeof(b), t->runq.max),
		       (unsigned long long)report__task_total(t),
		       (unsigned long long)t->migrations[SDR_LOC_CROSS_NODE],
		       t->penalty_milli / (double)SDR_PENALTY_SCALE,
		       t->runtime_ns ? 100.0 * t->remote_runtime_ns / t->runtime_ns : 0.0);
	}
	fflush(stdout);
}

static const char top_usage[] =
	"usage: schedrift top [--interval SECONDS] [--rows N] [--iterations N] [--topology FILE]\n"
	"\n"
	"A live table of the tasks with the worst run-queue waits (p99 since top started;\n"
	"per-task bound 1/64), their migrations and modelled penalty, under the system's\n"
	"p99 of the delivery and queueing parts of its waits. Ctrl-C quits.\n"
	"\n"
	"  -i, --interval SECONDS  refresh period (default 1)\n"
	"  -n, --rows N            tasks shown (default 20)\n"
	"      --iterations N      stop after N refreshes (default: run until Ctrl-C)\n"
	"      --topology FILE     use this CPU/LLC/node layout instead of sysfs\n"
	"  -v, --verbose           libbpf's log\n"
	"  -h, --help              this help\n";

/* The parser's tables; `schedrift __complete` reads them too (lib/completion.c). */
const struct option top__longopts[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "rows", required_argument, NULL, 'n' },
	{ "iterations", required_argument, NULL, 'N' },
	{ "topology", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};
const char top__shortopts[] = ":i:n:vh";

int top__parse(int argc, char **argv, struct top_opts *o)
{
	__u64 v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->interval_s = 1.0;
	o->rows = 20;
	/* 0, not 1: glibc then also forgets a cluster left half-read by an earlier parse. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, top__shortopts, top__longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_seconds(optarg, 3600, &o->interval_s) || o->interval_s < 0.1) {
				msg_err("top: bad --interval '%s': seconds, 0.1 to 3600", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_u64(optarg, 1, 10000, &v)) {
				msg_err("top: bad --rows '%s': 1 to 10000", optarg);
				return EXIT_USAGE;
			}
			o->rows = v;
			break;
		case 'N':
			if (parse_u64(optarg, 1, 1000000, &o->iterations)) {
				msg_err("top: bad --iterations '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't': o->topology_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(top_usage, stdout); return -1;
		default: return option_error("top", opt, argv);
		}
	}
	if (optind < argc) {
		msg_err("top: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct collector_opts co = { .max_cgroups = 0, .max_tasks = 65536, .grace = 1 };
	struct sigaction sa = { .sa_handler = on_stop };
	__u64 done = 0, next;
	struct collector c;
	struct top_opts o;
	struct interval_snapshot snap;
	int tty = isatty(STDOUT_FILENO), rc;

	rc = top__parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	co.topology_path = o.topology_path;
	snprintf(co.command, sizeof(co.command), "schedrift top");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = collector__start(&c, &co);
	if (rc)
		return rc;
	next = now_mono_ns() + (__u64)(o.interval_s * 1e9);
	while (!stop_requested && (!o.iterations || done < o.iterations)) {
		if (collector__drain(&c, 100))
			break;
		if (now_mono_ns() < next)
			continue;
		next += (__u64)(o.interval_s * 1e9);
		if (collector__tick(&c, &snap, false))
			break;
		draw(&snap.total, o.rows, tty);
		interval_snapshot__free(&snap);
		done++;
	}
	collector__stop(&c);
	return 0;
}
