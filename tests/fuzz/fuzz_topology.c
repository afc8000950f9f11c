// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: a --topology FILE (docs/topology.md), read with
 * topology__from_file(), which ends in topology__validate(). A topology it
 * accepts must validate again, stay inside the limits the BPF side and the
 * trace writer rely on, and answer locality and penalty queries for its
 * CPUs and nodes; one it refuses must say why in one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_file.h"
#include "host/topology.h"

/* Pairs checked per accepted file: enough for every CPU of a small machine. */
#define MAX_QUERY 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology t;
	const char *path = fuzz_file__set(data, size);
	char err[512];
	int rc, a, b, nc, nn;

	err[0] = 0;
	rc = topology__from_file(&t, path, err, sizeof(err));
	if (rc) {
		if (rc > 0 || !err[0] || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (topology__validate(&t, err, sizeof(err)))
		abort();
	if (t.nr_cpus < 1 || t.nr_cpus > SDR_MAX_CPUS || t.nr_nodes < 1 ||
	    t.nr_nodes > SDR_MAX_NODES)
		abort();
	for (a = 0; a < t.nr_cpus; a++)
		if (t.cpu_node[a] != TOPO_ABSENT &&
		    (t.cpu_node[a] < 0 || t.cpu_node[a] >= t.nr_nodes || t.cpu_llc[a] < 0 ||
		     t.cpu_llc[a] >= TOPO_NR_LLC_IDS))
			abort();
	nc = t.nr_cpus < MAX_QUERY ? t.nr_cpus : MAX_QUERY;
	nn = t.nr_nodes;
	for (a = 0; a < nc; a++)
		for (b = 0; b < nc; b++)
			topology__locality(&t, a, b);
	for (a = 0; a < nn; a++)
		for (b = 0; b < nn; b++)
			topology__penalty_milli(&t, a, b);
	return 0;
}
