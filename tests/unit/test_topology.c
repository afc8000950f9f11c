// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Topology readers against fixture sysfs trees and --topology files, the
 * checks, and the penalty / locality math. Fixtures live next to this file
 * (tests/unit/fixtures); give another directory as argv[1] when the binary
 * is not run from the repository root.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "host/topology.h"

/* half of PATH_MAX, so fixture paths built from it always fit */
static char fixtures[PATH_MAX / 2];
static struct topology topo; /* 24 KiB: keep it off the stack */

static const char *fixture(const char *rel)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", fixtures, rel);
	return buf;
}

/* Expected layout: per-CPU (node, llc), TOPO_ABSENT for a missing CPU. */
struct want_cpu {
	int node;
	int llc;
};

/* Expected non-zero distances; every other entry must be 0. */
struct want_dist {
	int from;
	int to;
	int d;
};

static void check_layout(const char *name, const struct topology *t, int nr_cpus, int nr_nodes,
			 const struct want_cpu *cpus, const struct want_dist *dist, int nr_dist)
{
	int want[SDR_MAX_NODES][SDR_MAX_NODES] = { { 0 } };
	int c, i, n, m;

	CHECK(t->nr_cpus == nr_cpus, "%s: nr_cpus = %d, expected %d", name, t->nr_cpus, nr_cpus);
	CHECK(t->nr_nodes == nr_nodes, "%s: nr_nodes = %d, expected %d", name, t->nr_nodes,
	      nr_nodes);
	for (c = 0; c < SDR_MAX_CPUS; c++) {
		int node = c < nr_cpus ? cpus[c].node : TOPO_ABSENT;
		int llc = c < nr_cpus ? cpus[c].llc : TOPO_ABSENT;

		CHECK(t->cpu_node[c] == node, "%s: cpu_node[%d] = %d, expected %d", name, c,
		      t->cpu_node[c], node);
		CHECK(t->cpu_llc[c] == llc, "%s: cpu_llc[%d] = %d, expected %d", name, c,
		      t->cpu_llc[c], llc);
	}
	for (i = 0; i < nr_dist; i++)
		want[dist[i].from][dist[i].to] = dist[i].d;
	for (n = 0; n < SDR_MAX_NODES; n++)
		for (m = 0; m < SDR_MAX_NODES; m++)
			CHECK(t->distance[n][m] == want[n][m],
			      "%s: distance[%d][%d] = %d, expected %d", name, n, m,
			      t->distance[n][m], want[n][m]);
}

static void check_describe(const struct topology *t, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL, "open_memstream: %s", strerror(errno));
	if (!f)
		return;
	topology__describe(t, f);
	fclose(f);
	CHECK_STR(buf, want);
	free(buf);
}

static int load_sysfs(const char *name)
{
	char err[512] = "";
	int ret;

	ret = topology__from_sysfs(&topo, fixture(name), err, sizeof(err));
	CHECK(ret == 0, "%s: from_sysfs = %d: %s", name, ret, err);
	return ret;
}

static void test_sysfs_fixtures(void)
{
	static const struct want_cpu kvm[] = { { 0, 0 }, { 0, 0 } };
	static const struct want_dist d10[] = { { 0, 0, 10 } };
	static const struct want_cpu two[] = { { 0, 0 }, { 0, 0 }, { 0, 2 }, { 0, 2 },
					       { 1, 4 }, { 1, 4 }, { 1, 6 }, { 1, 6 } };
	static const struct want_dist slit21[] = { { 0, 0, 10 }, { 0, 1, 21 },
						   { 1, 0, 21 }, { 1, 1, 10 } };
	static const struct want_cpu sparse[] = { { 0, 0 }, { 2, 1 }, { 0, 0 }, { 2, 1 } };
	static const struct want_dist sparse_d[] = { { 0, 0, 10 }, { 0, 2, 20 },
						     { 2, 0, 20 }, { 2, 2, 10 } };
	static const struct want_cpu no_online[] = { { 0, 0 }, { 0, 0 }, { 2, 2 }, { 2, 2 } };
	static const struct want_dist no_online_d[] = {
		{ 0, 0, 10 },  { 0, 2, 16 },  { 0, 10, 32 },  { 2, 0, 16 },  { 2, 2, 10 },
		{ 2, 10, 32 }, { 10, 0, 32 }, { 10, 2, 32 }, { 10, 10, 10 },
	};
	static const struct want_cpu no_numa[] = { { 0, 0 }, { 0, 1 } };
	static const struct want_cpu offline[] = { { 0, 0 }, { 0, 0 },
						   { TOPO_ABSENT, TOPO_ABSENT }, { 0, 0 } };
	static const struct want_cpu no_cache[] = { { 0, TOPO_LLC_OF_NODE(0) },
						    { 0, TOPO_LLC_OF_NODE(0) },
						    { 1, TOPO_LLC_OF_NODE(1) },
						    { 1, TOPO_LLC_OF_NODE(1) } };

	if (!load_sysfs("sysfs/kvm-1node")) {
		check_layout("kvm-1node", &topo, 2, 1, kvm, d10, 1);
		CHECK_EQ_U64(topology__nr_present_cpus(&topo), 2);
		check_describe(&topo, "2 CPUs, 1 node, 1 LLC\n");
	}
	if (!load_sysfs("sysfs/2node-2llc")) {
		check_layout("2node-2llc", &topo, 8, 2, two, slit21, 4);
		check_describe(&topo, "8 CPUs, 2 nodes, 4 LLCs\n");
	}
	if (!load_sysfs("sysfs/sparse-nodes")) {
		check_layout("sparse-nodes", &topo, 4, 3, sparse, sparse_d, 4);
		check_describe(&topo, "4 CPUs, 2 nodes, 2 LLCs\n");
	}
	if (!load_sysfs("sysfs/sparse-no-online")) {
		check_layout("sparse-no-online", &topo, 4, 11, no_online, no_online_d, 9);
		check_describe(&topo, "4 CPUs, 2 nodes, 2 LLCs\n");
	}
	if (!load_sysfs("sysfs/no-numa")) {
		check_layout("no-numa", &topo, 2, 1, no_numa, d10, 1);
		check_describe(&topo, "2 CPUs, 1 node, 2 LLCs\n");
	}
	if (!load_sysfs("sysfs/offline-cpu")) {
		check_layout("offline-cpu", &topo, 4, 1, offline, d10, 1);
		CHECK_EQ_U64(topology__nr_present_cpus(&topo), 3);
		check_describe(&topo, "3 CPUs, 1 node, 1 LLC\n");
	}
	if (!load_sysfs("sysfs/no-cache")) {
		check_layout("no-cache", &topo, 4, 2, no_cache, slit21, 4);
		CHECK_EQ_U64(topo.cpu_llc[0], 1024);
		CHECK_EQ_U64(topo.cpu_llc[3], 1025);
		check_describe(&topo, "4 CPUs, 2 nodes, 2 LLCs\n");
	}

	/* a trailing slash on the root changes nothing */
	{
		char root[PATH_MAX], err[512] = "";

		snprintf(root, sizeof(root), "%s/sysfs/kvm-1node//", fixtures);
		CHECK(topology__from_sysfs(&topo, root, err, sizeof(err)) == 0, "%s", err);
	}
}

static void test_sysfs_errors(void)
{
	char err[512], want[PATH_MAX + 200], root[PATH_MAX];
	int ret;

	snprintf(root, sizeof(root), "%s", fixture("sysfs/does-not-exist"));
	ret = topology__from_sysfs(&topo, root, err, sizeof(err));
	CHECK(ret == -ENOENT, "ret = %d", ret);
	snprintf(want, sizeof(want),
		 "cannot read %s/devices/system/cpu/online: No such file or directory", root);
	CHECK_STR(err, want);
	CHECK(topo.nr_cpus == 0 && topo.cpu_node[0] == TOPO_ABSENT, "left half filled");

	snprintf(root, sizeof(root), "%s", fixture("sysfs/bad-distance"));
	ret = topology__from_sysfs(&topo, root, err, sizeof(err));
	CHECK(ret == -EINVAL, "ret = %d", ret);
	snprintf(want, sizeof(want), "%s/devices/system/node/node1/distance %s", root,
		 "has 1 entry, expected one per online node (2)");
	CHECK_STR(err, want);
	CHECK(topo.nr_cpus == 0 && topo.cpu_node[0] == TOPO_ABSENT, "left half filled");

	snprintf(root, sizeof(root), "%s", fixture("sysfs/orphan-cpu"));
	ret = topology__from_sysfs(&topo, root, err, sizeof(err));
	CHECK(ret == -EINVAL, "ret = %d", ret);
	snprintf(want, sizeof(want),
		 "cpu 2 is online but no %s/devices/system/node/node*/cpulist lists it", root);
	CHECK_STR(err, want);

	/* no room for a message must not matter */
	ret = topology__from_sysfs(&topo, fixture("sysfs/does-not-exist"), NULL, 0);
	CHECK(ret == -ENOENT, "ret = %d", ret);
	ret = topology__from_sysfs(&topo, fixture("sysfs/does-not-exist"), err, 8);
	CHECK(ret == -ENOENT && strlen(err) == 7, "ret = %d, err = \"%s\"", ret, err);
}

static void test_real_sysfs(void)
{
	char err[512] = "";
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	ret = topology__from_sysfs(&topo, "/sys", err, sizeof(err));
	CHECK(ret == 0, "/sys: %d: %s", ret, err);
	if (ret)
		return;
	CHECK(topology__validate(&topo, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ_U64(topology__nr_present_cpus(&topo), online);
	printf("this machine: ");
	topology__describe(&topo, stdout);
}

static int load_file(const char *name)
{
	char err[512] = "";
	int ret;

	ret = topology__from_file(&topo, fixture(name), err, sizeof(err));
	CHECK(ret == 0, "%s: from_file = %d: %s", name, ret, err);
	return ret;
}

static void test_good_files(void)
{
	static const struct want_cpu two[] = { { 0, 0 }, { 1, 1 } };
	static const struct want_dist slit21[] = { { 0, 0, 10 }, { 0, 1, 21 },
						   { 1, 0, 21 }, { 1, 1, 10 } };
	static const struct want_cpu ring[] = { { 0, 0 }, { 0, 0 }, { 1, 2 }, { 1, 2 },
						{ 2, 4 }, { 2, 4 }, { 3, 6 }, { 3, 6 } };
	struct want_dist ring_d[16];
	static const struct want_cpu one[] = { { 0, 0 }, { 0, 0 }, { 0, 2 }, { 0, 2 } };
	static const struct want_dist d10[] = { { 0, 0, 10 } };
	struct want_cpu sparse[6];
	static const struct want_dist sparse_d[] = { { 0, 0, 10 }, { 0, 2, 21 },
						     { 2, 0, 21 }, { 2, 2, 10 } };
	int n, m, i = 0;

	for (n = 0; n < 4; n++) {
		for (m = 0; m < 4; m++) {
			int hops = (m - n + 4) % 4;
			int d = hops == 0 ? 10 : hops == 2 ? 30 : 20;

			ring_d[i++] = (struct want_dist){ n, m, d };
		}
	}
	for (i = 0; i < 6; i++)
		sparse[i] = (struct want_cpu){ TOPO_ABSENT, TOPO_ABSENT };
	sparse[0] = (struct want_cpu){ 0, 0 };
	sparse[5] = (struct want_cpu){ 2, 5 };

	if (!load_file("topology/two-nodes.topo")) {
		check_layout("two-nodes.topo", &topo, 2, 2, two, slit21, 4);
		check_describe(&topo, "2 CPUs, 2 nodes, 2 LLCs\n");
	}
	if (!load_file("topology/ring4.topo")) {
		check_layout("ring4.topo", &topo, 8, 4, ring, ring_d, 16);
		check_describe(&topo, "8 CPUs, 4 nodes, 4 LLCs\n");
		CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 1000);
		CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 2), 2000);
		CHECK_EQ_U64(topology__penalty_milli(&topo, 3, 0), 1000);
		CHECK_EQ_U64(topology__locality(&topo, 0, 1), SDR_LOC_SAME_LLC);
		CHECK_EQ_U64(topology__locality(&topo, 1, 2), SDR_LOC_CROSS_NODE);
		CHECK_EQ_U64(topology__locality(&topo, 7, 0), SDR_LOC_CROSS_NODE);
	}
	if (!load_file("topology/one-node-2llc.topo")) {
		check_layout("one-node-2llc.topo", &topo, 4, 1, one, d10, 1);
		CHECK_EQ_U64(topology__locality(&topo, 0, 1), SDR_LOC_SAME_LLC);
		CHECK_EQ_U64(topology__locality(&topo, 1, 2), SDR_LOC_CROSS_LLC);
		CHECK_EQ_U64(topology__locality(&topo, 3, 0), SDR_LOC_CROSS_LLC);
		CHECK_EQ_U64(topology__locality(&topo, 3, 3), SDR_LOC_SAME_LLC);
	}
	if (!load_file("topology/sparse.topo")) {
		check_layout("sparse.topo", &topo, 6, 3, sparse, sparse_d, 4);
		CHECK_EQ_U64(topology__nr_present_cpus(&topo), 2);
		/* a move to or from a CPU nobody described counts as the worst case */
		CHECK_EQ_U64(topology__locality(&topo, 0, 3), SDR_LOC_CROSS_NODE);
		CHECK_EQ_U64(topology__locality(&topo, 3, 0), SDR_LOC_CROSS_NODE);
		CHECK_EQ_U64(topology__locality(&topo, -1, 0), SDR_LOC_CROSS_NODE);
		CHECK_EQ_U64(topology__locality(&topo, 0, SDR_MAX_CPUS), SDR_LOC_CROSS_NODE);
		CHECK_EQ_U64(topology__locality(&topo, 0, 5), SDR_LOC_CROSS_NODE);
	}
}

static void test_bad_files(void)
{
	static const struct {
		const char *name;
		int line; /* 0: no line, the message is "PATH: ..." */
		const char *msg;
	} cases[] = {
		{ "bad-keyword.topo", 2,
		  "unknown keyword \"core\" (expected \"cpu\" or \"distance\")" },
		{ "bad-missing-field.topo", 2,
		  "incomplete cpu line, expected \"cpu CPU node NODE llc LLC\"" },
		{ "bad-order.topo", 1, "expected \"node\" after \"cpu 0\", found \"llc\"" },
		{ "bad-not-number.topo", 3, "cpu \"x\" is not a number" },
		{ "bad-hex.topo", 1, "cpu \"0x1\" is not a number" },
		{ "bad-cpu-range.topo", 2, "cpu 1024 is out of range (0..1023)" },
		{ "bad-node-range.topo", 1, "node 64 is out of range (0..31)" },
		{ "bad-llc-range.topo", 1, "llc 1088 is out of range (0..1055)" },
		{ "bad-negative.topo", 2, "node -1 is out of range (0..31)" },
		{ "bad-cpu-twice.topo", 4, "cpu 1 is described twice (first on line 2)" },
		{ "bad-extra-token.topo", 1, "unexpected \"smt\" after \"llc 0\"" },
		{ "bad-distance-extra.topo", 1,
		  "distance row for node 0 has 3 entries, expected 2 (nodes 0..1)" },
		{ "bad-distance-short.topo", 4,
		  "distance row for node 1 has 1 entry, expected 2 (nodes 0..1)" },
		{ "bad-distance-empty.topo", 2,
		  "incomplete distance line, expected \"distance FROM D0 D1 ...\"" },
		{ "bad-distance-value.topo", 3, "distance \"2l\" is not a number" },
		{ "bad-distance-twice.topo", 3,
		  "distance row for node 0 given twice (first on line 2)" },
		{ "bad-distance-local.topo", 4,
		  "node 1: distance 21 to node 0 is below the local distance 30" },
		{ "bad-distance-zero.topo", 3, "node 0: local distance is 0, must be above 0" },
		{ "bad-distance-unknown.topo", 4,
		  "node 1: distance to node 0 is 0, but both have CPUs" },
		{ "bad-no-row.topo", 3, "cpu 1 is on node 1, which has no distance row" },
		{ "bad-empty.topo", 0, "no CPUs described" },
	};
	char err[512], want[PATH_MAX + 300], rel[128];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path;

		snprintf(rel, sizeof(rel), "topology/%s", cases[i].name);
		path = fixture(rel);
		err[0] = '\0';
		ret = topology__from_file(&topo, path, err, sizeof(err));
		CHECK(ret == -EINVAL, "%s: ret = %d", cases[i].name, ret);
		if (cases[i].line)
			snprintf(want, sizeof(want), "%s:%d: %s", path, cases[i].line,
				 cases[i].msg);
		else
			snprintf(want, sizeof(want), "%s: %s", path, cases[i].msg);
		CHECK_STR(err, want);
		CHECK(topo.nr_cpus == 0 && topo.nr_nodes == 0 && topo.cpu_node[0] == TOPO_ABSENT,
		      "%s: topology left half filled", cases[i].name);
	}

	ret = topology__from_file(&topo, fixture("topology/missing.topo"), err, sizeof(err));
	CHECK(ret == -ENOENT, "ret = %d", ret);
	snprintf(want, sizeof(want), "cannot open %s: No such file or directory",
		 fixture("topology/missing.topo"));
	CHECK_STR(err, want);
}

static void test_validate(void)
{
	char err[256];

	topology__init(&topo);
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "no CPUs described");

	/* one node, two CPUs: the smallest valid topology plus one */
	topo.nr_cpus = 2;
	topo.nr_nodes = 1;
	topo.cpu_node[0] = topo.cpu_node[1] = 0;
	topo.cpu_llc[0] = topo.cpu_llc[1] = 0;
	topo.distance[0][0] = 10;
	CHECK(topology__validate(&topo, err, sizeof(err)) == 0, "%s", err);

	topo.nr_cpus = 3;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "nr_cpus is 3, but the highest CPU is 1");
	topo.nr_cpus = 2;

	topo.cpu_llc[1] = TOPO_ABSENT;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "cpu 1 has a node but no LLC");
	topo.cpu_llc[1] = 0;

	topo.cpu_node[1] = 1;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "cpu 1 is on node 1, outside nr_nodes 1");

	/* node 1 gets CPUs but no row */
	topo.nr_nodes = 2;
	topo.distance[0][1] = 21;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "node 1: local distance is 0, must be above 0");

	/* local == remote is allowed (SLIT only promises local <= remote) */
	topo.distance[0][1] = 10;
	topo.distance[1][0] = 10;
	topo.distance[1][1] = 10;
	CHECK(topology__validate(&topo, err, sizeof(err)) == 0, "%s", err);

	topo.distance[1][1] = 11;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "node 1: distance 10 to node 0 is below the local distance 11");
	topo.distance[1][1] = 10;

	topo.distance[2][2] = 10;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "distance from node 2 to node 2 is set, outside nr_nodes 2");
	topo.distance[2][2] = 0;

	topo.distance[0][1] = -1;
	CHECK(topology__validate(&topo, err, sizeof(err)) == -EINVAL, "validate passed");
	CHECK_STR(err, "distance from node 0 to node 1 is -1, out of range (0..1000000)");
}

static void set_distance(int local, int remote)
{
	topology__init(&topo);
	topo.nr_cpus = 2;
	topo.nr_nodes = 2;
	topo.cpu_node[0] = 0;
	topo.cpu_node[1] = 1;
	topo.cpu_llc[0] = 0;
	topo.cpu_llc[1] = 1;
	topo.distance[0][0] = local;
	topo.distance[0][1] = remote;
	topo.distance[1][0] = remote;
	topo.distance[1][1] = local;
}

static void test_penalty(void)
{
	set_distance(10, 21);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 1100);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 1, 0), 1100);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 0), 0);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 1, 1), 0);
	set_distance(10, 10);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 0);
	set_distance(10, 31);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 2100);
	set_distance(10, 12);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 200);

	/* rounded to nearest, not truncated */
	set_distance(3, 17); /* 5666.67 */
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 4667);
	set_distance(11, 15); /* 1363.64 */
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 364);
	set_distance(1, TOPO_MAX_DISTANCE);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 999999000);

	/* unknown distances, bad ids and an invalid local > remote all give 0 */
	set_distance(10, 0);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 0);
	set_distance(0, 21);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 0);
	set_distance(21, 10);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 1), 0);
	set_distance(10, 21);
	CHECK_EQ_U64(topology__penalty_milli(&topo, -1, 1), 0);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, SDR_MAX_NODES), 0);
	CHECK_EQ_U64(topology__penalty_milli(&topo, 0, 5), 0);

	CHECK_EQ_U64(topology__locality(&topo, 0, 1), SDR_LOC_CROSS_NODE);
	CHECK_EQ_U64(topology__locality(&topo, 0, 0), SDR_LOC_SAME_LLC);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		snprintf(fixtures, sizeof(fixtures), "%s", argv[1]);
	} else {
		/* __FILE__ is relative to the directory make ran in: the repo root */
		const char *slash = strrchr(__FILE__, '/');
		int dir = slash ? (int)(slash - __FILE__) : 1;

		snprintf(fixtures, sizeof(fixtures), "%.*s/fixtures", dir, slash ? __FILE__ : ".");
	}
	if (access(fixtures, R_OK | X_OK)) {
		fprintf(stderr,
			"cannot read fixtures in %s: %s (run from the repo root or give the fixture directory as argv[1])\n",
			fixtures, strerror(errno));
		return 1;
	}

	test_sysfs_fixtures();
	test_sysfs_errors();
	test_real_sysfs();
	test_good_files();
	test_bad_files();
	test_validate();
	test_penalty();
	return check_summary();
}
