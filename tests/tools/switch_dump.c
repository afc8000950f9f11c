// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * switch_dump: every context switch a trace file holds, one line each, in
 * file order, for tests that check the switch stream's data
 * (tests/bpf/test_switch_stream):
 *
 *   switch_dump FILE
 *   cpu ts_ns prev_tid prev_state next_tid wait_ns delivery_ns premig_ns landing
 *
 * and then the file's exit and snapshot records as
 *   task TYPE tid start_ns waits wait_sum_ns landings[3] wait_max_ns delivery_sum_ns
 *        delivery_max_ns queue_max_ns landing_max_ns[3] p50 p99
 * (the totals the recorder's wait engine wrote; p50 and p99 from the
 * record's coarse histogram, lib/lat.h's lat__task_hist_quantile, 1/16)
 * and its migration records (record mode writes one per migration) as
 *   migrate ts_ns tid from_cpu to_cpu
 *
 *   switch_dump --scopes FILE
 * prints instead the waits of the file's switches as the engine accounts
 * them above the task (engine/wait_scopes.h, fed by this tool straight from
 * the decoded stream, not by the report's loader): the system's, each
 * CPU's of the file's topology and each landing locality's, as
 *   scope sys 0|cpu N|landing L waits wait_sum_ns wait_max_ns delivery_sum_ns
 *         delivery_max_ns queue_max_ns premig_waits premig_sum_ns premig_max_ns
 * (tests/bpf/test_engine_totals compares them with the report's figures).
 * Exits 0, or 1 after one line on stderr when the file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/wait_scopes.h"
#include "lib/lat.h"
#include "trace/switch_batch.h"
#include "trace/trace.h"

static int print_switch(void *ctx, const struct switch_sample *s)
{
	(void)ctx;
	printf("%u %llu %u %u %u %llu %llu %llu %u\n", s->cpu, (unsigned long long)s->ts_ns,
	       s->prev_tid, s->prev_state, s->next_tid, (unsigned long long)s->wait_ns,
	       (unsigned long long)s->delivery_ns, (unsigned long long)s->premig_ns, s->landing);
	return 0;
}

/* A switch into the scopes, if it ends a wait (the report's and the engine's rule). */
static int scope_switch(void *ctx, const struct switch_sample *s)
{
	if (s->next_tid && s->wait_ns)
		wait_scopes__add(ctx, s->cpu, s->landing, s->wait_ns, s->delivery_ns, s->premig_ns);
	return 0;
}

static void print_scope(const char *kind, int n, const struct wait_sums *w)
{
	printf("scope %s %d %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", kind, n,
	       (unsigned long long)w->waits, (unsigned long long)w->wait_sum_ns,
	       (unsigned long long)w->wait_max_ns, (unsigned long long)w->delivery_sum_ns,
	       (unsigned long long)w->delivery_max_ns, (unsigned long long)w->queue_max_ns,
	       (unsigned long long)w->premig_waits, (unsigned long long)w->premig_sum_ns,
	       (unsigned long long)w->premig_max_ns);
}

static void print_scopes(const struct wait_scopes *sc)
{
	int i;

	print_scope("sys", 0, &sc->sys);
	for (i = 0; i < sc->nr_cpus; i++)
		print_scope("cpu", i, &sc->cpu[i]);
	for (i = 0; i < SDR_LOC_NR; i++)
		print_scope("landing", i, &sc->land[i]);
}

static void print_task(const struct sdr_rec_task *t)
{
	const struct sdr_task_counts *c = &t->counts;

	printf("task %s %u %llu %llu %llu %llu %llu %llu",
	       t->hdr.type == SDR_REC_TASK_EXIT ? "exit" : "snapshot", t->task.tid,
	       (unsigned long long)t->task.start_ns, (unsigned long long)c->waits,
	       (unsigned long long)c->wait_sum_ns, (unsigned long long)c->landings[0],
	       (unsigned long long)c->landings[1], (unsigned long long)c->landings[2]);
	printf(" %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
	       (unsigned long long)c->wait_max_ns, (unsigned long long)c->delivery_sum_ns,
	       (unsigned long long)c->delivery_max_ns, (unsigned long long)c->queue_max_ns,
	       (unsigned long long)c->landing_max_ns[0], (unsigned long long)c->landing_max_ns[1],
	       (unsigned long long)c->landing_max_ns[2],
	       (unsigned long long)lat__task_hist_quantile(c->wait_hist, c->wait_max_ns, 0.50),
	       (unsigned long long)lat__task_hist_quantile(c->wait_hist, c->wait_max_ns, 0.99));
}

static void print_migrate(const struct sdr_rec_migrate *m)
{
	printf("migrate %llu %u %u %u\n", (unsigned long long)m->hdr.ts_ns, m->task.tid,
	       m->from_cpu, m->to_cpu);
}

int main(int argc, char **argv)
{
	const struct sdr_rec_hdr *rec;
	struct wait_scopes sc = {};
	struct trace_reader *r;
	struct trace_error e = {};
	int rc, scopes = argc == 3 && !strcmp(argv[1], "--scopes");

	if (argc != 2 && !scopes) {
		fprintf(stderr, "usage: switch_dump [--scopes] FILE\n");
		return 2;
	}
	r = trace_reader__open(argv[argc - 1], &e);
	if (!r) {
		fprintf(stderr, "switch_dump: %s\n", e.msg);
		return 1;
	}
	if (scopes && wait_scopes__init(&sc, trace_reader__meta(r)->topo.nr_cpus)) {
		fprintf(stderr, "switch_dump: out of memory\n");
		return 1;
	}
	while ((rc = trace_reader__next(r, &rec, &e)) > 0) {
		if (rec->type == SDR_REC_SWITCH_BATCH) {
			if (switch_batch__decode(rec, scopes ? scope_switch : print_switch,
						 scopes ? (void *)&sc : NULL)) {
				fprintf(stderr, "switch_dump: a malformed switch batch\n");
				return 1;
			}
		} else if (scopes) {
			continue;
		} else if ((rec->type == SDR_REC_TASK_EXIT || rec->type == SDR_REC_TASK_SNAPSHOT) &&
			   rec->size >= sizeof(struct sdr_rec_task)) {
			print_task((const struct sdr_rec_task *)rec);
		} else if (rec->type == SDR_REC_MIGRATE && rec->size >= sizeof(struct sdr_rec_migrate)) {
			print_migrate((const struct sdr_rec_migrate *)rec);
		}
	}
	trace_reader__close(r);
	if (rc < 0) {
		fprintf(stderr, "switch_dump: %s\n", e.msg);
		return 1;
	}
	if (scopes)
		print_scopes(&sc);
	wait_scopes__free(&sc);
	return 0;
}
