// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "probe.h"
#include "schedrift.skel.h"
#include "util.h"

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
	if (err == -EPERM || err == -EACCES)
		msg_err("failed to %s: permission denied; run as root, or with CAP_BPF and CAP_PERFMON",
			what);
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

static int configure(struct loader *l, const struct loader_opts *o)
{
	struct schedrift_bpf *skel = l->skel;
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

	err = bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.node_matrix,
					       o->topo->nr_nodes * o->topo->nr_nodes);
	if (err)
		return err;

	l->raw_tp = o->force_raw_tp || !probe__tp_btf();
	bpf_program__set_autoload(skel->progs.sdr_migrate_btf, !l->raw_tp);
	bpf_program__set_autoload(skel->progs.sdr_exit_btf, !l->raw_tp);
	bpf_program__set_autoload(skel->progs.sdr_migrate_raw, l->raw_tp);
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
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), cb, ctx, NULL);
	if (!l->rb) {
		err = -errno;
		explain("create the ring buffer reader", err);
		goto fail;
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

void loader__detach(struct loader *l)
{
	if (l->skel)
		schedrift_bpf__detach(l->skel);
}

int loader__read_stats(struct loader *l, struct sdr_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), c, i, k;
	struct sdr_stats *per;
	__u32 zero = 0;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	err = bpf_map__lookup_elem(l->skel->maps.stats, &zero, sizeof(zero), per,
				   ncpu * sizeof(*per), 0);
	if (err)
		goto out;
	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++) {
		for (i = 0; i < SDR_STAT_NR; i++)
			out->counters[i] += per[c].counters[i];
		for (i = 0; i < SDR_LOC_NR; i++)
			for (k = 0; k < SDR_CAUSE_NR; k++)
				out->migrations[i][k] += per[c].migrations[i][k];
		out->penalty_milli += per[c].penalty_milli;
	}
out:
	free(per);
	return err;
}

int loader__read_node_matrix(struct loader *l, struct sdr_node_cell *cells)
{
	int ncpu = libbpf_num_possible_cpus(), c, k, err = 0;
	__u32 key, n = l->nr_nodes * l->nr_nodes;
	struct sdr_node_cell *per;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (key = 0; key < n; key++) {
		err = bpf_map__lookup_elem(l->skel->maps.node_matrix, &key, sizeof(key), per,
					   ncpu * sizeof(*per), 0);
		if (err)
			break;
		memset(&cells[key], 0, sizeof(cells[key]));
		for (c = 0; c < ncpu; c++)
			for (k = 0; k < SDR_CAUSE_NR; k++)
				cells[key].by_cause[k] += per[c].by_cause[k];
	}
	free(per);
	return err;
}

void loader__destroy(struct loader *l)
{
	ring_buffer__free(l->rb);
	l->rb = NULL;
	schedrift_bpf__destroy(l->skel);
	l->skel = NULL;
}
