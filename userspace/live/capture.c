// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SLO captures (docs/slo.md): the flight recorder's last window written as
 * a trace file, followed by a snapshot of the live tasks and the paths of
 * their cgroups, so `schedrift report` reads it like a capture.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "live/collector.h"
#include "lib/tidset.h"
#include "lib/util.h"

struct capture_ctx {
	struct collector *c;
	struct trace_writer *w;
	struct tidset tids; /* named by the window's records; FLIGHT_TID_TOTALS: has totals */
	__u64 *cg_ids;
	size_t nr_cg, cap_cg;
	int err;
};

static int capture_task(void *ctx, const struct sdr_rec_task *t)
{
	struct capture_ctx *x = ctx;
	__u64 id = t->counts.cgroup_id;

	x->err = trace_writer__append(x->w, t, t->hdr.size);
	if (x->err)
		return x->err;
	tidset__add(&x->tids, t->task.tid, FLIGHT_TID_TOTALS);
	if (id && x->nr_cg < 4096) { /* the cgroups to name; duplicates removed below */
		if (ARRAY_GROW(x->cg_ids, x->nr_cg, x->cap_cg, 64))
			return x->err = -ENOMEM;
		x->cg_ids[x->nr_cg++] = id;
	}
	return 0;
}

static int capture_cgroup(void *ctx, __u64 id, const char *path)
{
	struct capture_ctx *x = ctx;
	char buf[TRACE_CGROUP_REC_MAX];

	return trace_writer__append(x->w, buf, trace__cgroup_record(buf, id, path, now_mono_ns()));
}

/*
 * A task the window's records name that neither its exit record nor the
 * snapshot gave totals (the task iterator does not visit every live task
 * on every kernel, as record found): looked up by pidfd, as record does.
 * Gone by now: only its samples name it, and the report says so.
 */
static int capture_missing(void *ctx, __u32 tid, __u8 flags)
{
	struct capture_ctx *x = ctx;
	struct sdr_task_state st;
	struct sdr_rec_task rec;

	if ((flags & FLIGHT_TID_TOTALS) || loader__lookup_task(&x->c->l, tid, &st) ||
	    !(st.flags & SDR_TS_NAMED) || (st.flags & SDR_TS_EXITED) || st.id.tid != tid)
		return 0;
	loader__snapshot_rec(&st, &rec);
	return capture_task(x, &rec);
}

/* The live tasks (names, cgroups, totals) and their cgroups' paths, after the records. */
static int capture_more(void *ctx, struct trace_writer *w)
{
	struct capture_ctx *x = ctx;
	int err;

	x->w = w;
	err = loader__snapshot_tasks(&x->c->l, capture_task, x);
	if (!err && !x->err)
		err = tidset__each(&x->tids, capture_missing, x);
	if (err || x->err)
		return err ? err : x->err;
	return cgroup_paths__each_named(&x->c->cg_paths, x->cg_ids, x->nr_cg, capture_cgroup, x);
}

int collector__capture(struct collector *c, const char *path, const char *command)
{
	struct capture_ctx x = { .c = c };
	struct flight_counters now = {};
	struct trace_meta meta = c->meta;
	int err;

	if (!c->flight)
		return -ENOTSUP;
	/* Records the ring buffer holds now belong in the capture too. */
	collector__take(c);
	memcpy(now.counters, c->prev_counters, sizeof(now.counters));
	memcpy(now.migrations, c->prev_migrations, sizeof(now.migrations));
	now.penalty_milli = c->prev_penalty_milli;
	now.node_matrix = c->prev_matrix;
	now.nr_nodes = c->topo.nr_nodes;
	if (command)
		snprintf(meta.command, sizeof(meta.command), "%s", command);
	err = flight__write(c->flight, path, &meta, c->last_tick_ns, &now, &x.tids,
			    capture_more, &x);
	free(x.cg_ids);
	tidset__free(&x.tids);
	return err;
}
