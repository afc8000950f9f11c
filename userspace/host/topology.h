/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPU -> LLC -> NUMA node layout and the node distance matrix (ACPI SLIT).
 * Read from sysfs, or from a --topology FILE that overrides sysfs so a
 * one-node machine can be modelled as many. Written into the BPF object
 * before load and stored in every trace file.
 */
#ifndef SCHEDRIFT_TOPOLOGY_H
#define SCHEDRIFT_TOPOLOGY_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "schedrift.h"

#define TOPO_ABSENT (-1)

/*
 * A CPU whose sysfs has no cache description gets its node as its LLC. Those
 * ids start above every CPU number, so they cannot collide with a real LLC
 * (whose id is the lowest CPU sharing it). Every LLC id is therefore below
 * TOPO_NR_LLC_IDS, which is also the limit for ids in a --topology file.
 */
#define TOPO_LLC_OF_NODE(node) (SDR_MAX_CPUS + (node))
/* LLC ids are below this: CPU numbers, or a node standing in for its LLC. */
#define TOPO_LLC_LIMIT (SDR_MAX_CPUS + SDR_MAX_NODES)
#define TOPO_NR_LLC_IDS (SDR_MAX_CPUS + SDR_MAX_NODES)

/*
 * Far above any real table (ACPI SLIT entries are one byte; powerpc doubles
 * per level and stays in the low thousands), and low enough that a penalty
 * (distance * 1000 / local) always fits the __u32 of a migration record.
 */
#define TOPO_MAX_DISTANCE 1000000

struct topology {
	int nr_cpus;  /* highest described CPU id + 1 */
	int nr_nodes; /* highest node id + 1 */
	int cpu_node[SDR_MAX_CPUS]; /* TOPO_ABSENT for CPUs not described */
	int cpu_llc[SDR_MAX_CPUS];  /* LLC id, unique machine-wide; TOPO_ABSENT likewise */
	/* distance[from][to], as in /sys/devices/system/node/nodeN/distance; 0 = unknown */
	int distance[SDR_MAX_NODES][SDR_MAX_NODES];
};

/* Empty topology: no CPUs, no nodes. */
void topology__init(struct topology *t);

/*
 * Read the topology under sysfs_root ("/sys" normally; a fixture directory in
 * tests). A kernel without NUMA (no devices/system/node) is one node at
 * distance 10. Returns 0 or a negative errno; err gets one line saying what
 * failed.
 */
int topology__from_sysfs(struct topology *t, const char *sysfs_root, char *err, size_t errlen);

/*
 * Parse a --topology FILE (format in docs/topology.md). Returns 0, or
 * -EINVAL with err = "FILE:LINE: what is wrong" for the first bad line, or
 * another negative errno when the file cannot be read.
 */
int topology__from_file(struct topology *t, const char *path, char *err, size_t errlen);

/*
 * Check the whole topology makes sense: at least one CPU, every node that has
 * CPUs has a full distance row, local distance is the smallest and non-zero.
 * Returns 0 or -EINVAL with err saying what is wrong.
 */
int topology__validate(const struct topology *t, char *err, size_t errlen);

/* distance(from,to) / distance(from,from) - 1, in SDR_PENALTY_SCALE units. */
__u32 topology__penalty_milli(const struct topology *t, int from_node, int to_node);

/* Locality of a move between two described CPUs. */
enum sdr_locality topology__locality(const struct topology *t, int from_cpu, int to_cpu);

/* Number of described CPUs (online ones, for a sysfs topology). */
int topology__nr_present_cpus(const struct topology *t);

/* One line for humans, e.g. "8 CPUs, 2 nodes, 4 LLCs". */
void topology__describe(const struct topology *t, FILE *f);

/*
 * Load the topology a capture or the live engine uses: the override file when given, else sysfs.
 * Returns 0, or an exit code (EXIT_USAGE for a bad file, EXIT_RUNTIME when
 * sysfs cannot be read) after printing one line.
 */
int topology_load(struct topology *t, const char *override_path);

#endif /* SCHEDRIFT_TOPOLOGY_H */
