// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Topology from sysfs or from a --topology FILE (docs/topology.md).
 *
 * Both readers build the same struct and end in topology__validate(), so the
 * BPF side and the reports can trust it: every described CPU has a node and
 * an LLC, and every node with CPUs has a usable distance row. On any error
 * the struct is left empty, never half filled.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/topology.h"
#include "lib/util.h"

/* Big enough for a cpulist naming every one of SDR_MAX_CPUS CPUs singly. */
#define SYSFS_BUF_LEN 8192

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/*
 * Strict integer: optional '-', then decimal digits and nothing else. strtol
 * alone would take "+3", " 3" and "0x3"; a topology typo should not parse.
 */
static int parse_long(const char *s, long *out)
{
	const char *p = s;
	char *end;
	long v;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

void topology__init(struct topology *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < SDR_MAX_CPUS; i++) {
		t->cpu_node[i] = TOPO_ABSENT;
		t->cpu_llc[i] = TOPO_ABSENT;
	}
}

/* --- sysfs ------------------------------------------------------------- */

struct sysfs {
	const char *root;
	int rootlen; /* root without trailing slashes, so messages show clean paths */
	char *err;
	size_t errlen;
};

static int sysfs__path(struct sysfs *s, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int sysfs__path(struct sysfs *s, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%.*s/", s->rootlen, s->root);
	if (n < 0 || (size_t)n >= len)
		goto too_long;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		goto too_long;
	return 0;
too_long:
	return fail(s->err, s->errlen, -ENAMETOOLONG, "path under %s is too long", s->root);
}

/* Whole small file into buf, trailing whitespace cut. */
static int read_small(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (got == len - 1) {
			/* sysfs files never get this long; refuse rather than truncate */
			ret = -EFBIG;
			break;
		}
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (ret)
		return ret;
	while (got && isspace((unsigned char)buf[got - 1]))
		got--;
	buf[got] = '\0';
	return 0;
}

static int sysfs__read(struct sysfs *s, const char *path, char *buf, size_t len)
{
	int ret = read_small(path, buf, len);

	if (ret)
		return fail(s->err, s->errlen, ret, "cannot read %s: %s", path, strerror(-ret));
	return 0;
}

/*
 * Kernel list format ("0-3,8,10-11"; empty for a node without CPUs) into a
 * membership array of `limit` entries. -ERANGE with *over set when a member
 * is >= limit, -EINVAL when the text is not a list.
 */
static int list__parse(const char *text, unsigned char *set, int limit, long *over)
{
	const char *p = text;
	long lo, hi, i;
	char *end;

	memset(set, 0, limit);
	if (!*p)
		return 0;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		lo = strtol(p, &end, 10);
		if (errno)
			return -EINVAL;
		p = end;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			hi = strtol(p, &end, 10);
			if (errno || hi < lo)
				return -EINVAL;
			p = end;
		}
		if (hi >= limit) {
			*over = hi;
			return -ERANGE;
		}
		for (i = lo; i <= hi; i++)
			set[i] = 1;
		if (!*p)
			return 0;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

static int sysfs__read_list(struct sysfs *s, const char *path, unsigned char *set, int limit,
			    const char *what)
{
	char buf[SYSFS_BUF_LEN];
	long over = 0;
	int ret;

	ret = sysfs__read(s, path, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = list__parse(buf, set, limit, &over);
	if (ret == -ERANGE)
		return fail(s->err, s->errlen, -ERANGE,
			    "%s lists %s %ld, but schedrift supports ids 0..%d only", path, what,
			    over, limit - 1);
	if (ret)
		return fail(s->err, s->errlen, ret, "cannot parse %s: \"%s\" is not a %s list",
			    path, buf, what);
	return 0;
}

/* "nodeN" -> N, or -1 for the other entries of devices/system/node. */
static int node_dir_id(const char *name)
{
	long v;

	if (strncmp(name, "node", 4) || parse_long(name + 4, &v) || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Node ids that have a directory, ascending. *nr = -1 when devices/system/node
 * does not exist at all (kernel built without NUMA).
 */
static int sysfs__node_dirs(struct sysfs *s, int *ids, int *nr)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret, id;

	*nr = 0;
	ret = sysfs__path(s, path, sizeof(path), "devices/system/node");
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT) {
			*nr = -1;
			return 0;
		}
		ret = -errno;
		return fail(s->err, s->errlen, ret, "cannot read %s: %s", path, strerror(-ret));
	}
	while ((de = readdir(dir))) {
		id = node_dir_id(de->d_name);
		if (id < 0)
			continue;
		if (id >= SDR_MAX_NODES) {
			closedir(dir);
			return fail(s->err, s->errlen, -ERANGE,
				    "%s/%s: schedrift supports node ids 0..%d only", path,
				    de->d_name, SDR_MAX_NODES - 1);
		}
		ids[(*nr)++] = id;
	}
	closedir(dir);
	qsort(ids, *nr, sizeof(*ids), cmp_int);
	return 0;
}

static int sysfs__read_nodes(struct sysfs *s, struct topology *t, const unsigned char *online)
{
	unsigned char listed[SDR_MAX_CPUS], in_order[SDR_MAX_NODES];
	int dirs[SDR_MAX_NODES], order[SDR_MAX_NODES];
	int nr_dirs, nr_order = 0, i, k, c, n, ret;
	char path[PATH_MAX], buf[SYSFS_BUF_LEN];
	char *tok, *save;
	long v;

	ret = sysfs__node_dirs(s, dirs, &nr_dirs);
	if (ret)
		return ret;
	if (nr_dirs < 0) {
		/* CONFIG_NUMA=n: the kernel itself treats the machine as node 0 */
		for (c = 0; c < SDR_MAX_CPUS; c++)
			if (online[c])
				t->cpu_node[c] = 0;
		t->nr_nodes = 1;
		t->distance[0][0] = 10;
		return 0;
	}

	for (i = 0; i < nr_dirs; i++) {
		n = dirs[i];
		ret = sysfs__path(s, path, sizeof(path), "devices/system/node/node%d/cpulist", n);
		if (ret)
			return ret;
		ret = sysfs__read_list(s, path, listed, SDR_MAX_CPUS, "cpu");
		if (ret)
			return ret;
		for (c = 0; c < SDR_MAX_CPUS; c++) {
			/* some architectures keep offline CPUs in the node mask */
			if (!listed[c] || !online[c])
				continue;
			if (t->cpu_node[c] != TOPO_ABSENT)
				return fail(s->err, s->errlen, -EINVAL,
					    "cpu %d is listed by both node%d and node%d", c,
					    t->cpu_node[c], n);
			t->cpu_node[c] = n;
		}
		if (n + 1 > t->nr_nodes)
			t->nr_nodes = n + 1;
	}
	for (c = 0; c < SDR_MAX_CPUS; c++) {
		if (online[c] && t->cpu_node[c] == TOPO_ABSENT) {
			ret = sysfs__path(s, path, sizeof(path), "devices/system/node");
			if (ret)
				return ret;
			return fail(s->err, s->errlen, -EINVAL,
				    "cpu %d is online but no %s/node*/cpulist lists it", c, path);
		}
	}

	/*
	 * Each distance file has one entry per online node, in node order, with
	 * no ids: sparse ids (node0, node2) need the online list to place them.
	 */
	ret = sysfs__path(s, path, sizeof(path), "devices/system/node/online");
	if (ret)
		return ret;
	if (access(path, F_OK) == 0) {
		ret = sysfs__read_list(s, path, in_order, SDR_MAX_NODES, "node");
		if (ret)
			return ret;
		for (n = 0; n < SDR_MAX_NODES; n++)
			if (in_order[n])
				order[nr_order++] = n;
	} else if (errno == ENOENT) {
		/* trimmed-down sysfs (some containers): the directories are the online nodes */
		memcpy(order, dirs, nr_dirs * sizeof(*dirs));
		nr_order = nr_dirs;
	} else {
		ret = -errno;
		return fail(s->err, s->errlen, ret, "cannot read %s: %s", path, strerror(-ret));
	}

	for (i = 0; i < nr_order; i++) {
		n = order[i];
		if (n + 1 > t->nr_nodes)
			t->nr_nodes = n + 1;
		ret = sysfs__path(s, path, sizeof(path), "devices/system/node/node%d/distance", n);
		if (ret)
			return ret;
		ret = sysfs__read(s, path, buf, sizeof(buf));
		if (ret)
			return ret;
		k = 0;
		for (tok = strtok_r(buf, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (parse_long(tok, &v) || v < 0 || v > TOPO_MAX_DISTANCE)
				return fail(s->err, s->errlen, -EINVAL,
					    "%s: \"%s\" is not a distance (0..%d)", path, tok,
					    TOPO_MAX_DISTANCE);
			if (k < nr_order)
				t->distance[n][order[k]] = (int)v;
			k++;
		}
		if (k != nr_order)
			return fail(s->err, s->errlen, -EINVAL,
				    "%s has %d entr%s, expected one per online node (%d)", path, k,
				    k == 1 ? "y" : "ies", nr_order);
	}
	return 0;
}

/*
 * The LLC of one CPU: its data-holding cache (Data or Unified) of the highest
 * level, named by the lowest CPU sharing it. The `id` file would be shorter
 * but is only unique within a package and is missing on some VMs.
 */
static int sysfs__read_llc(struct sysfs *s, struct topology *t, int cpu)
{
	int best_level = 0, best_index = -1, index, ret, c;
	char path[PATH_MAX], buf[64];
	unsigned char shared[SDR_MAX_CPUS];
	struct dirent *de;
	long level, v;
	DIR *dir;

	ret = sysfs__path(s, path, sizeof(path), "devices/system/cpu/cpu%d/cache", cpu);
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir && errno != ENOENT) {
		ret = -errno;
		return fail(s->err, s->errlen, ret, "cannot read %s: %s", path, strerror(-ret));
	}
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "index", 5) || parse_long(de->d_name + 5, &v) || v < 0 ||
		    v > INT_MAX)
			continue;
		index = (int)v;

		/* the kernel hides `type` and `level` when it does not know them */
		ret = sysfs__path(s, path, sizeof(path),
				  "devices/system/cpu/cpu%d/cache/index%d/type", cpu, index);
		if (ret)
			goto out;
		ret = read_small(path, buf, sizeof(buf));
		if (ret == -ENOENT)
			continue;
		if (ret)
			goto read_failed;
		if (strcmp(buf, "Unified") && strcmp(buf, "Data"))
			continue;

		ret = sysfs__path(s, path, sizeof(path),
				  "devices/system/cpu/cpu%d/cache/index%d/level", cpu, index);
		if (ret)
			goto out;
		ret = read_small(path, buf, sizeof(buf));
		if (ret == -ENOENT)
			continue;
		if (ret)
			goto read_failed;
		if (parse_long(buf, &level) || level < 1 || level > 255) {
			ret = fail(s->err, s->errlen, -EINVAL, "%s: \"%s\" is not a cache level",
				   path, buf);
			goto out;
		}
		/* readdir order is arbitrary: break level ties by index for a stable answer */
		if (level > best_level || (level == best_level && index < best_index)) {
			best_level = (int)level;
			best_index = index;
		}
	}
	if (dir)
		closedir(dir);
	dir = NULL;

	if (best_index < 0) {
		/* no cache description (some VMs): the node stands in for the LLC */
		t->cpu_llc[cpu] = TOPO_LLC_OF_NODE(t->cpu_node[cpu]);
		return 0;
	}
	ret = sysfs__path(s, path, sizeof(path),
			  "devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu,
			  best_index);
	if (ret)
		return ret;
	ret = sysfs__read_list(s, path, shared, SDR_MAX_CPUS, "cpu");
	if (ret)
		return ret;
	for (c = 0; c < SDR_MAX_CPUS && !shared[c]; c++)
		;
	if (c == SDR_MAX_CPUS)
		return fail(s->err, s->errlen, -EINVAL, "%s is empty", path);
	t->cpu_llc[cpu] = c;
	return 0;

read_failed:
	ret = fail(s->err, s->errlen, ret, "cannot read %s: %s", path, strerror(-ret));
out:
	if (dir)
		closedir(dir);
	return ret;
}

int topology__from_sysfs(struct topology *t, const char *sysfs_root, char *err, size_t errlen)
{
	struct sysfs s = { .root = sysfs_root, .err = err, .errlen = errlen };
	unsigned char online[SDR_MAX_CPUS];
	char path[PATH_MAX];
	int c, ret;

	topology__init(t);
	s.rootlen = strlen(sysfs_root);
	while (s.rootlen > 0 && sysfs_root[s.rootlen - 1] == '/')
		s.rootlen--;

	/* not `possible` or `present`: an offline CPU has no caches and runs nothing */
	ret = sysfs__path(&s, path, sizeof(path), "devices/system/cpu/online");
	if (ret)
		goto out;
	ret = sysfs__read_list(&s, path, online, SDR_MAX_CPUS, "cpu");
	if (ret)
		goto out;
	for (c = 0; c < SDR_MAX_CPUS; c++)
		if (online[c])
			t->nr_cpus = c + 1;

	ret = sysfs__read_nodes(&s, t, online);
	if (ret)
		goto out;
	for (c = 0; c < t->nr_cpus; c++) {
		if (!online[c])
			continue;
		ret = sysfs__read_llc(&s, t, c);
		if (ret)
			goto out;
	}
	ret = topology__validate(t, err, errlen);
out:
	if (ret)
		topology__init(t);
	return ret;
}

/* --- --topology FILE ----------------------------------------------------- */

/* Most tokens a line may have: "distance", FROM and one entry per node. */
#define MAX_TOKENS (SDR_MAX_NODES + 2)

/* Where each fact came from, so late checks can still name a line. */
struct file_state {
	const char *path;
	char *err;
	size_t errlen;
	int cpu_line[SDR_MAX_CPUS];	 /* 0 = not described yet */
	int row_line[SDR_MAX_NODES];	 /* 0 = no distance row */
	int row_len[SDR_MAX_NODES];
	int node_line[SDR_MAX_NODES];	 /* first line putting a CPU on the node */
	int node_cpu[SDR_MAX_NODES];	 /* ...and that CPU */
	int max_node;			 /* highest node id referenced anywhere */
};

static int file__fail(struct file_state *fs, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int file__fail(struct file_state *fs, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(fs->err, fs->errlen, -EINVAL, "%s:%d: %s", fs->path, line, msg);
}

static int file__number(struct file_state *fs, int line, const char *tok, const char *what,
			long max, int *out)
{
	long v;
	int ret;

	ret = parse_long(tok, &v);
	if (ret == -EINVAL)
		return file__fail(fs, line, "%s \"%s\" is not a number", what, tok);
	if (ret || v < 0 || v > max)
		return file__fail(fs, line, "%s %s is out of range (0..%ld)", what, tok, max);
	*out = (int)v;
	return 0;
}

/* cpu C node N llc L */
static int file__cpu(struct file_state *fs, struct topology *t, int line, char **tok, int nr)
{
	int cpu, node, llc, ret;

	if (nr < 6 || strcmp(tok[2], "node") || strcmp(tok[4], "llc")) {
		if (nr >= 3 && strcmp(tok[2], "node"))
			return file__fail(fs, line,
					  "expected \"node\" after \"cpu %s\", found \"%s\"",
					  tok[1], tok[2]);
		if (nr >= 5 && strcmp(tok[4], "llc"))
			return file__fail(fs, line,
					  "expected \"llc\" after \"node %s\", found \"%s\"",
					  tok[3], tok[4]);
		return file__fail(fs, line,
				  "incomplete cpu line, expected \"cpu CPU node NODE llc LLC\"");
	}
	if (nr > 6)
		return file__fail(fs, line, "unexpected \"%s\" after \"llc %s\"", tok[6], tok[5]);

	ret = file__number(fs, line, tok[1], "cpu", SDR_MAX_CPUS - 1, &cpu);
	if (!ret)
		ret = file__number(fs, line, tok[3], "node", SDR_MAX_NODES - 1, &node);
	if (!ret)
		ret = file__number(fs, line, tok[5], "llc", TOPO_NR_LLC_IDS - 1, &llc);
	if (ret)
		return ret;
	if (fs->cpu_line[cpu])
		return file__fail(fs, line, "cpu %d is described twice (first on line %d)", cpu,
				  fs->cpu_line[cpu]);

	fs->cpu_line[cpu] = line;
	t->cpu_node[cpu] = node;
	t->cpu_llc[cpu] = llc;
	if (cpu + 1 > t->nr_cpus)
		t->nr_cpus = cpu + 1;
	if (node > fs->max_node)
		fs->max_node = node;
	if (!fs->node_line[node]) {
		fs->node_line[node] = line;
		fs->node_cpu[node] = cpu;
	}
	return 0;
}

/* distance FROM D0 D1 ... */
static int file__distance(struct file_state *fs, struct topology *t, int line, char **tok, int nr)
{
	int from, i, ret;

	if (nr < 3)
		return file__fail(fs, line,
				  "incomplete distance line, expected \"distance FROM D0 D1 ...\"");
	if (nr > MAX_TOKENS)
		return file__fail(fs, line, "distance row has more than %d entries", SDR_MAX_NODES);
	ret = file__number(fs, line, tok[1], "node", SDR_MAX_NODES - 1, &from);
	if (ret)
		return ret;
	if (fs->row_line[from])
		return file__fail(fs, line,
				  "distance row for node %d given twice (first on line %d)", from,
				  fs->row_line[from]);
	for (i = 2; i < nr; i++) {
		ret = file__number(fs, line, tok[i], "distance", TOPO_MAX_DISTANCE,
				   &t->distance[from][i - 2]);
		if (ret)
			return ret;
	}
	fs->row_line[from] = line;
	fs->row_len[from] = nr - 2;
	if (from > fs->max_node)
		fs->max_node = from;
	return 0;
}

static int file__parse_line(struct file_state *fs, struct topology *t, int line, char *text)
{
	char *tok[MAX_TOKENS + 1], *save, *p;
	int nr = 0;

	p = strchr(text, '#');
	if (p)
		*p = '\0';
	/* one token past the limit is enough to know the line is too long */
	for (p = strtok_r(text, " \t\r\n", &save); p && nr <= MAX_TOKENS;
	     p = strtok_r(NULL, " \t\r\n", &save))
		tok[nr++] = p;
	if (!nr)
		return 0;
	if (!strcmp(tok[0], "cpu"))
		return file__cpu(fs, t, line, tok, nr);
	if (!strcmp(tok[0], "distance"))
		return file__distance(fs, t, line, tok, nr);
	return file__fail(fs, line, "unknown keyword \"%s\" (expected \"cpu\" or \"distance\")",
			  tok[0]);
}

static int check_row(const struct topology *t, int n, const unsigned char *has_cpus, char *err,
		     size_t errlen);

/*
 * Checks that need the whole file (rows may come before the cpu lines that
 * decide how many nodes there are), reported at the line that is wrong.
 */
static int file__finish(struct file_state *fs, struct topology *t)
{
	unsigned char has_cpus[SDR_MAX_NODES] = { 0 };
	int n, bad = -1, line = INT_MAX;
	char msg[256];

	t->nr_nodes = fs->max_node + 1;
	for (n = 0; n < SDR_MAX_NODES; n++)
		has_cpus[n] = fs->node_line[n] != 0;

	/* each pass reports its earliest line, whatever the node order */
	for (n = 0; n < t->nr_nodes; n++) {
		if (fs->row_line[n] && fs->row_len[n] != t->nr_nodes && fs->row_line[n] < line) {
			bad = n;
			line = fs->row_line[n];
		}
	}
	if (bad >= 0)
		return file__fail(
			fs, line, "distance row for node %d has %d entr%s, expected %d (nodes 0..%d)",
			bad, fs->row_len[bad], fs->row_len[bad] == 1 ? "y" : "ies", t->nr_nodes,
			t->nr_nodes - 1);

	for (n = 0; n < t->nr_nodes; n++) {
		if (fs->row_line[n] && has_cpus[n] && fs->row_line[n] < line &&
		    check_row(t, n, has_cpus, NULL, 0)) {
			bad = n;
			line = fs->row_line[n];
		}
	}
	if (bad >= 0) {
		check_row(t, bad, has_cpus, msg, sizeof(msg));
		return file__fail(fs, line, "%s", msg);
	}

	for (n = 0; n < t->nr_nodes; n++) {
		if (has_cpus[n] && !fs->row_line[n] && fs->node_line[n] < line) {
			bad = n;
			line = fs->node_line[n];
		}
	}
	if (bad >= 0)
		return file__fail(fs, line, "cpu %d is on node %d, which has no distance row",
				  fs->node_cpu[bad], bad);
	return 0;
}

int topology__from_file(struct topology *t, const char *path, char *err, size_t errlen)
{
	struct file_state *fs;
	char *text = NULL, msg[256];
	size_t cap = 0;
	int line = 0, ret = 0;
	FILE *f;

	topology__init(t);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		return fail(err, errlen, ret, "cannot open %s: %s", path, strerror(-ret));
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		fclose(f);
		return fail(err, errlen, -ENOMEM, "cannot read %s: %s", path, strerror(ENOMEM));
	}
	fs->path = path;
	fs->err = err;
	fs->errlen = errlen;
	fs->max_node = -1;

	errno = 0;
	while (getline(&text, &cap, f) >= 0) {
		line++;
		ret = file__parse_line(fs, t, line, text);
		if (ret)
			goto out;
		errno = 0;
	}
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		fail(err, errlen, ret, "cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	ret = file__finish(fs, t);
	if (ret)
		goto out;
	ret = topology__validate(t, msg, sizeof(msg));
	if (ret)
		fail(err, errlen, ret, "%s: %s", path, msg);
out:
	if (ret)
		topology__init(t);
	free(text);
	free(fs);
	fclose(f);
	return ret;
}

/* --- checks and queries -------------------------------------------------- */

/*
 * Row n of a node with CPUs, against every other node with CPUs. SLIT gives
 * 10 locally and >= 10 elsewhere, so local == remote is allowed (some
 * firmware reports that for sub-NUMA clusters); local > remote is not.
 */
static int check_row(const struct topology *t, int n, const unsigned char *has_cpus, char *err,
		     size_t errlen)
{
	int local = t->distance[n][n], m;

	if (local <= 0)
		return fail(err, errlen, -EINVAL, "node %d: local distance is %d, must be above 0",
			    n, local);
	for (m = 0; m < t->nr_nodes; m++) {
		if (m == n || !has_cpus[m])
			continue;
		if (t->distance[n][m] <= 0)
			return fail(err, errlen, -EINVAL,
				    "node %d: distance to node %d is %d, but both have CPUs", n, m,
				    t->distance[n][m]);
		if (t->distance[n][m] < local)
			return fail(
				err, errlen, -EINVAL,
				"node %d: distance %d to node %d is below the local distance %d", n,
				t->distance[n][m], m, local);
	}
	return 0;
}

int topology__validate(const struct topology *t, char *err, size_t errlen)
{
	unsigned char has_cpus[SDR_MAX_NODES] = { 0 };
	int c, n, m, highest = -1;

	if (t->nr_cpus < 0 || t->nr_cpus > SDR_MAX_CPUS)
		return fail(err, errlen, -EINVAL, "nr_cpus %d is out of range (0..%d)", t->nr_cpus,
			    SDR_MAX_CPUS);
	if (t->nr_nodes < 0 || t->nr_nodes > SDR_MAX_NODES)
		return fail(err, errlen, -EINVAL, "nr_nodes %d is out of range (0..%d)",
			    t->nr_nodes, SDR_MAX_NODES);
	for (c = 0; c < SDR_MAX_CPUS; c++) {
		int node = t->cpu_node[c], llc = t->cpu_llc[c];

		if (node == TOPO_ABSENT && llc == TOPO_ABSENT)
			continue;
		if (node == TOPO_ABSENT || llc == TOPO_ABSENT)
			return fail(err, errlen, -EINVAL, "cpu %d has %s but no %s", c,
				    node == TOPO_ABSENT ? "an LLC" : "a node",
				    node == TOPO_ABSENT ? "node" : "LLC");
		if (node < 0 || node >= t->nr_nodes)
			return fail(err, errlen, -EINVAL,
				    "cpu %d is on node %d, outside nr_nodes %d", c, node,
				    t->nr_nodes);
		if (llc < 0 || llc >= TOPO_NR_LLC_IDS)
			return fail(err, errlen, -EINVAL, "cpu %d: llc %d is out of range (0..%d)",
				    c, llc, TOPO_NR_LLC_IDS - 1);
		has_cpus[node] = 1;
		highest = c;
	}
	if (highest < 0)
		return fail(err, errlen, -EINVAL, "no CPUs described");
	if (t->nr_cpus != highest + 1)
		return fail(err, errlen, -EINVAL, "nr_cpus is %d, but the highest CPU is %d",
			    t->nr_cpus, highest);

	for (n = 0; n < SDR_MAX_NODES; n++) {
		for (m = 0; m < SDR_MAX_NODES; m++) {
			if (t->distance[n][m] < 0 || t->distance[n][m] > TOPO_MAX_DISTANCE)
				return fail(
					err, errlen, -EINVAL,
					"distance from node %d to node %d is %d, out of range (0..%d)",
					n, m, t->distance[n][m], TOPO_MAX_DISTANCE);
			if (t->distance[n][m] && (n >= t->nr_nodes || m >= t->nr_nodes))
				return fail(
					err, errlen, -EINVAL,
					"distance from node %d to node %d is set, outside nr_nodes %d",
					n, m, t->nr_nodes);
		}
	}
	for (n = 0; n < t->nr_nodes; n++) {
		if (!has_cpus[n])
			continue;
		if (check_row(t, n, has_cpus, err, errlen))
			return -EINVAL;
	}
	return 0;
}

__u32 topology__penalty_milli(const struct topology *t, int from_node, int to_node)
{
	int64_t local, remote, milli;

	if (from_node == to_node || from_node < 0 || to_node < 0 || from_node >= SDR_MAX_NODES ||
	    to_node >= SDR_MAX_NODES)
		return 0;
	local = t->distance[from_node][from_node];
	remote = t->distance[from_node][to_node];
	if (local <= 0 || remote <= 0)
		return 0;
	/* round to nearest so that 21/10 is exactly 1100, whatever the local distance */
	milli = (remote * SDR_PENALTY_SCALE + local / 2) / local - SDR_PENALTY_SCALE;
	if (milli < 0)
		return 0;
	if (milli > UINT32_MAX)
		return UINT32_MAX;
	return (__u32)milli;
}

enum sdr_locality topology__locality(const struct topology *t, int from_cpu, int to_cpu)
{
	if (from_cpu == to_cpu)
		return SDR_LOC_SAME_LLC;
	/* an undescribed CPU is counted as the worst case, where it will be noticed */
	if (from_cpu < 0 || to_cpu < 0 || from_cpu >= SDR_MAX_CPUS || to_cpu >= SDR_MAX_CPUS ||
	    t->cpu_node[from_cpu] == TOPO_ABSENT || t->cpu_node[to_cpu] == TOPO_ABSENT)
		return SDR_LOC_CROSS_NODE;
	if (t->cpu_node[from_cpu] != t->cpu_node[to_cpu])
		return SDR_LOC_CROSS_NODE;
	if (t->cpu_llc[from_cpu] != t->cpu_llc[to_cpu])
		return SDR_LOC_CROSS_LLC;
	return SDR_LOC_SAME_LLC;
}

int topology__nr_present_cpus(const struct topology *t)
{
	int c, nr = 0;

	for (c = 0; c < SDR_MAX_CPUS; c++)
		if (t->cpu_node[c] != TOPO_ABSENT)
			nr++;
	return nr;
}

void topology__describe(const struct topology *t, FILE *f)
{
	unsigned char node_seen[SDR_MAX_NODES] = { 0 }, llc_seen[TOPO_NR_LLC_IDS] = { 0 };
	int c, cpus = 0, nodes = 0, llcs = 0;

	for (c = 0; c < SDR_MAX_CPUS; c++) {
		int node = t->cpu_node[c], llc = t->cpu_llc[c];

		if (node == TOPO_ABSENT)
			continue;
		cpus++;
		if (node >= 0 && node < SDR_MAX_NODES && !node_seen[node]) {
			node_seen[node] = 1;
			nodes++;
		}
		if (llc >= 0 && llc < TOPO_NR_LLC_IDS && !llc_seen[llc]) {
			llc_seen[llc] = 1;
			llcs++;
		}
	}
	fprintf(f, "%d CPU%s, %d node%s, %d LLC%s\n", cpus, cpus == 1 ? "" : "s", nodes,
		nodes == 1 ? "" : "s", llcs, llcs == 1 ? "" : "s");
}

int topology_load(struct topology *t, const char *override_path)
{
	char err[512];
	int rc;

	if (override_path) {
		rc = topology__from_file(t, override_path, err, sizeof(err));
		if (rc) {
			msg_err("bad topology file: %s", err);
			return EXIT_USAGE;
		}
		return 0;
	}
	rc = topology__from_sysfs(t, "/sys", err, sizeof(err));
	if (!rc)
		rc = topology__validate(t, err, sizeof(err));
	if (rc) {
		msg_err("cannot read the CPU topology: %s (give one with --topology FILE)", err);
		return EXIT_RUNTIME;
	}
	return 0;
}
