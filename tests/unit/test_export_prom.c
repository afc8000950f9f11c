// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus exposition (userspace/daemon/export_prom.c), read back by a strict
 * parser of the text format written here:
 * - every line is a HELP, a TYPE or `name{labels} value`; every family has
 *   HELP then TYPE before its series, its series are contiguous and belong
 *   to it, every name starts with schedrift_ and families come in the
 *   documented order;
 * - every label value unescapes to valid UTF-8, and hostile comms and
 *   cgroup paths (quote, backslash, newline, 0xff, truncated and surrogate
 *   sequences, 16 bytes with no NUL) come back as they went in, with each
 *   bad byte turned into U+FFFD; 20 000 random strings round-trip too;
 * - no two series share a name and label set (a reused tid and two
 *   cgroups with one path included);
 * - every loss stage and every event kind is there, zeros too;
 * - histogram buckets use the documented `le` strings, are cumulative, end
 *   with +Inf equal to _count, and match exact counts of the samples;
 * - top_n bounds the task series (at most 2 * top_n tasks, exactly the
 *   expected ones, none for top_n 0);
 * - two renders, and a render of the same data in another order, are
 *   byte-identical; a failing stream is reported.
 *
 * With SCHEDRIFT_PROM_OUT=DIR it also leaves full.prom, all-tasks.prom and
 * empty.prom in DIR for tests/cli/test_promtool.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "daemon/export_prom.h"

/* ---- a reference for label values: Unicode Table 3-7, well-formed UTF-8 ---- */

/* Length of the well-formed sequence at s, or 0. */
static size_t wellformed(const unsigned char *s, size_t left)
{
	static const struct {
		unsigned char lo0, hi0, lo1, hi1;
		size_t n;
	} t[] = {
		{ 0x00, 0x7f, 0, 0, 1 },       { 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 }, { 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 }, { 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (s[0] < t[i].lo0 || s[0] > t[i].hi0)
			continue;
		if (t[i].n > left)
			return 0;
		if (t[i].n > 1 && (s[1] < t[i].lo1 || s[1] > t[i].hi1))
			return 0;
		for (k = 2; k < t[i].n; k++)
			if (s[k] < 0x80 || s[k] > 0xbf)
				return 0;
		return t[i].n;
	}
	return 0;
}

static bool valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str), i = 0, n;

	while (i < len) {
		n = wellformed(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* What a label value should read back as: each ill-formed byte a U+FFFD. */
static char *sanitize(const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strnlen(str, maxlen), i = 0, o = 0, n;
	char *out = malloc(len * 3 + 1);

	while (i < len) {
		n = wellformed(s + i, len - i);
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- the parser ---- */

#define MAX_LABELS 8

struct sample {
	char *name;
	int nlabels;
	char *key[MAX_LABELS];
	char *val[MAX_LABELS]; /* unescaped */
	char *value;           /* as written */
	double v;
	int line;
	int fam; /* index into parsed.fam */
};

struct family {
	char *name;
	char *type;
};

struct parsed {
	struct sample *s;
	size_t n, cap;
	struct family fam[64];
	size_t nfam;
	int errors;
};

/* Set while the parser is fed bad input on purpose: count errors, report none. */
static bool quiet;

#define PERR(p, line, fmt, ...)                                                                    \
	do {                                                                                       \
		(p)->errors++;                                                                     \
		if (!quiet)                                                                        \
			CHECK(0, "line %d: " fmt, line, ##__VA_ARGS__);                            \
	} while (0)

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Reads a quoted label value at *pp (just past the opening quote) up to its
 * closing quote, undoing \\, \" and \n. NULL on any other escape or a
 * missing close.
 */
static char *unescape(const char **pp, const char *end)
{
	const char *p = *pp;
	char *out = malloc(end - p + 1);
	size_t o = 0;

	while (p < end && *p != '"') {
		if (*p == '\\') {
			if (p + 1 >= end)
				goto bad;
			if (p[1] == '\\')
				out[o++] = '\\';
			else if (p[1] == '"')
				out[o++] = '"';
			else if (p[1] == 'n')
				out[o++] = '\n';
			else
				goto bad;
			p += 2;
		} else {
			out[o++] = *p++;
		}
	}
	if (p >= end)
		goto bad;
	out[o] = '\0';
	*pp = p + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static bool parse_value(const char *s, double *v)
{
	char *end;

	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return true;
	}
	if (!strcmp(s, "+Inf") || !strcmp(s, "-Inf")) {
		*v = s[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return !errno && *end == '\0';
}

static const char *label_of(const struct sample *s, const char *key)
{
	int i;

	for (i = 0; i < s->nlabels; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return NULL;
}

static bool has_suffix(const char *name, const char *fam, const char *suffix)
{
	size_t n = strlen(fam);

	return !strncmp(name, fam, n) && !strcmp(name + n, suffix);
}

/* Does a sample of this name and labels belong to the family? */
static bool belongs(const struct family *f, const struct sample *s)
{
	if (!strcmp(f->type, "histogram"))
		return (has_suffix(s->name, f->name, "_bucket") && label_of(s, "le")) ||
		       has_suffix(s->name, f->name, "_sum") ||
		       has_suffix(s->name, f->name, "_count");
	if (!strcmp(f->type, "summary"))
		return (!strcmp(s->name, f->name) && label_of(s, "quantile")) ||
		       has_suffix(s->name, f->name, "_sum") ||
		       has_suffix(s->name, f->name, "_count");
	return !strcmp(s->name, f->name) && !label_of(s, "le") && !label_of(s, "quantile");
}

static void parse_sample(struct parsed *p, const char *line, const char *end, int lineno)
{
	const char *q = line;
	struct sample s = { .line = lineno, .fam = (int)p->nfam - 1 };
	char *k = NULL;
	int i;

	while (q < end && name_char(*q, q == line))
		q++;
	if (q == line) {
		PERR(p, lineno, "no metric name");
		return;
	}
	s.name = strndup(line, q - line);
	if (q < end && *q == '{') {
		q++;
		while (q < end && *q != '}') {
			const char *k0 = q;

			while (q < end && name_char(*q, q == k0) && *q != ':')
				q++;
			if (q == k0 || q + 1 >= end || q[0] != '=' || q[1] != '"') {
				PERR(p, lineno, "bad label in %.*s", (int)(end - line), line);
				goto drop;
			}
			k = strndup(k0, q - k0);
			q += 2;
			if (s.nlabels == MAX_LABELS) {
				PERR(p, lineno, "too many labels");
				goto drop;
			}
			s.val[s.nlabels] = unescape(&q, end);
			if (!s.val[s.nlabels]) {
				PERR(p, lineno, "bad label value for %s", k);
				goto drop;
			}
			s.key[s.nlabels] = k;
			if (!valid_utf8(s.val[s.nlabels]))
				PERR(p, lineno, "label %s is not valid UTF-8", k);
			s.nlabels++;
			k = NULL;
			if (q < end && *q == ',')
				q++;
			else if (q >= end || *q != '}') {
				PERR(p, lineno, "expected , or } after label %s",
				     s.key[s.nlabels - 1]);
				goto drop;
			}
		}
		if (q >= end) {
			PERR(p, lineno, "unterminated labels");
			goto drop;
		}
		q++;
		if (!s.nlabels)
			PERR(p, lineno, "empty braces");
	}
	if (q >= end || *q != ' ') {
		PERR(p, lineno, "expected one space before the value");
		goto drop;
	}
	q++;
	s.value = strndup(q, end - q);
	if (!parse_value(s.value, &s.v))
		PERR(p, lineno, "bad value \"%s\" (or a timestamp)", s.value);
	if (s.fam < 0 || !belongs(&p->fam[s.fam], &s))
		PERR(p, lineno, "%s is not in the family announced before it (%s)", s.name,
		     s.fam < 0 ? "none" : p->fam[s.fam].name);
	if (strncmp(s.name, "schedrift_", 10))
		PERR(p, lineno, "%s lacks the schedrift_ prefix", s.name);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->s = realloc(p->s, p->cap * sizeof(*p->s));
	}
	p->s[p->n++] = s;
	return;
drop:
	free(k);
	for (i = 0; i < s.nlabels; i++) {
		free(s.key[i]);
		free(s.val[i]);
	}
	free(s.name);
}

static void parse_comment(struct parsed *p, const char *line, const char *end, int lineno,
			  bool *want_type)
{
	const char *name = line + 7, *sp;
	size_t i, len;

	if (end - line < 8 || (strncmp(line, "# HELP ", 7) && strncmp(line, "# TYPE ", 7))) {
		PERR(p, lineno, "a comment that is neither HELP nor TYPE");
		return;
	}
	sp = memchr(name, ' ', end - name);
	if (!sp || sp == name || sp + 1 >= end) {
		PERR(p, lineno, "HELP or TYPE without name and text");
		return;
	}
	if (line[2] == 'H') {
		if (*want_type)
			PERR(p, lineno, "HELP where a TYPE was due");
		for (i = 0; i < p->nfam; i++)
			if (!strncmp(p->fam[i].name, name, sp - name) &&
			    !p->fam[i].name[sp - name])
				PERR(p, lineno, "family %.*s announced twice", (int)(sp - name),
				     name);
		if (p->nfam == sizeof(p->fam) / sizeof(p->fam[0])) {
			PERR(p, lineno, "too many families");
			return;
		}
		p->fam[p->nfam].name = strndup(name, sp - name);
		p->fam[p->nfam].type = NULL;
		p->nfam++;
		*want_type = true;
		return;
	}
	if (!*want_type || strncmp(p->fam[p->nfam - 1].name, name, sp - name)) {
		PERR(p, lineno, "TYPE without its HELP just before");
		return;
	}
	p->fam[p->nfam - 1].type = strndup(sp + 1, end - sp - 1);
	if (strcmp(p->fam[p->nfam - 1].type, "counter") &&
	    strcmp(p->fam[p->nfam - 1].type, "gauge") &&
	    strcmp(p->fam[p->nfam - 1].type, "histogram") &&
	    strcmp(p->fam[p->nfam - 1].type, "summary"))
		PERR(p, lineno, "unknown type %s", p->fam[p->nfam - 1].type);
	len = strlen(p->fam[p->nfam - 1].name);
	if (!strcmp(p->fam[p->nfam - 1].type, "counter") &&
	    (len < 6 || strcmp(p->fam[p->nfam - 1].name + len - 6, "_total")))
		PERR(p, lineno, "counter %s does not end in _total", p->fam[p->nfam - 1].name);
	*want_type = false;
}

static void parse(struct parsed *p, const char *text, size_t len)
{
	const char *line = text, *end = text + len, *nl;
	bool want_type = false;
	int lineno = 1;

	memset(p, 0, sizeof(*p));
	if (len == 0 || text[len - 1] != '\n')
		PERR(p, 0, "output does not end with a newline");
	if (memchr(text, '\0', len))
		PERR(p, 0, "output holds a NUL byte");
	for (; line < end; line = nl + 1, lineno++) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end;
		if (nl == line)
			PERR(p, lineno, "empty line");
		else if (line[0] == '#')
			parse_comment(p, line, nl, lineno, &want_type);
		else if (want_type)
			PERR(p, lineno, "sample before its family's TYPE");
		else
			parse_sample(p, line, nl, lineno);
	}
	if (want_type)
		PERR(p, lineno, "HELP at the end without TYPE");
}

static void parsed_free(struct parsed *p)
{
	size_t i;
	int k;

	for (i = 0; i < p->n; i++) {
		for (k = 0; k < p->s[i].nlabels; k++) {
			free(p->s[i].key[k]);
			free(p->s[i].val[k]);
		}
		free(p->s[i].name);
		free(p->s[i].value);
	}
	for (i = 0; i < p->nfam; i++) {
		free(p->fam[i].name);
		free(p->fam[i].type);
	}
	free(p->s);
}

/*
 * The sample called name whose labels are exactly the NULL-terminated
 * key, value pairs given (in any order), or NULL.
 */
static const struct sample *find(const struct parsed *p, const char *name, ...)
{
	const char *k[MAX_LABELS], *v[MAX_LABELS];
	int n = 0, i, j;
	size_t s;
	va_list ap;

	va_start(ap, name);
	while (n < MAX_LABELS && (k[n] = va_arg(ap, const char *))) {
		v[n] = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	for (s = 0; s < p->n; s++) {
		const struct sample *x = &p->s[s];

		if (strcmp(x->name, name) || x->nlabels != n)
			continue;
		for (i = 0; i < n; i++) {
			for (j = 0; j < x->nlabels; j++)
				if (!strcmp(x->key[j], k[i]) && !strcmp(x->val[j], v[i]))
					break;
			if (j == x->nlabels)
				break;
		}
		if (i == n)
			return x;
	}
	return NULL;
}

static size_t count_named(const struct parsed *p, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += !strcmp(p->s[i].name, name);
	return n;
}

/* name, then the labels sorted by key: two equal keys are one series. */
static char *series_key(const struct sample *s)
{
	int order[MAX_LABELS], i, j, t;
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	for (i = 0; i < s->nlabels; i++)
		order[i] = i;
	for (i = 1; i < s->nlabels; i++)
		for (j = i; j > 0 && strcmp(s->key[order[j - 1]], s->key[order[j]]) > 0; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fputs(s->name, m);
	for (i = 0; i < s->nlabels; i++) {
		/* A value cannot hold NUL, so NUL separators cannot be forged. */
		fputc('\0', m);
		fputs(s->key[order[i]], m);
		fputc('\0', m);
		fputs(s->val[order[i]], m);
	}
	fclose(m);
	/* The key holds NULs, so it carries its length in front. */
	out = malloc(len + sizeof(size_t));
	memcpy(out, &len, sizeof(size_t));
	memcpy(out + sizeof(size_t), buf, len);
	free(buf);
	return out;
}

static int cmp_key(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx, ly;
	int d;

	memcpy(&lx, x, sizeof(size_t));
	memcpy(&ly, y, sizeof(size_t));
	d = memcmp(x + sizeof(size_t), y + sizeof(size_t), lx < ly ? lx : ly);
	if (d)
		return d;
	return lx < ly ? -1 : lx > ly;
}

static size_t count_duplicates(const struct parsed *p)
{
	char **keys = malloc(p->n * sizeof(*keys));
	size_t i, dups = 0;

	for (i = 0; i < p->n; i++)
		keys[i] = series_key(&p->s[i]);
	qsort(keys, p->n, sizeof(*keys), cmp_key);
	for (i = 0; i + 1 < p->n; i++)
		if (!cmp_key(&keys[i], &keys[i + 1])) {
			dups++;
			if (!quiet)
				CHECK(0, "duplicate series: %s", keys[i] + sizeof(size_t));
		}
	for (i = 0; i < p->n; i++)
		free(keys[i]);
	free(keys);
	return dups;
}

/* ---- the fixture ---- */

#define NR_TASKS 13
#define NR_CGROUPS 6
#define NR_CPUS 4
#define NR_SYS 5000

struct fixture {
	struct report r;
	struct report_task tasks[NR_TASKS];
	struct report_cgroup cgroups[NR_CGROUPS];
	struct lat cpu_lat[NR_CPUS + 1];
	struct sdr_node_cell cells[4];
	struct hist sys, landing[SDR_LOC_NR], cg[NR_CGROUPS], cpu[NR_CPUS];
	/* The delivery and queueing parts of the same waits. */
	struct hist dlv, que, landing_dlv[SDR_LOC_NR], landing_que[SDR_LOC_NR];
	__u64 sys_samples[NR_SYS], dlv_samples[NR_SYS], que_samples[NR_SYS];
	/* Noisy neighbours: victims cgroup 5, 9 and 10 (both /dup), culprits as below. */
	struct report_delayed groups[3];
	struct delays_cell nb_cells[3][3];
	struct neighbours_counts nbc;
	struct prom_input in;
};

/* A culprit cgroup the report does not hold: 1234 has a path, 4321 none. */
static const char *nb_path(void *ctx, __u64 id)
{
	(void)ctx;
	return id == 1234 ? "/else/where" : NULL;
}

static const char *const cg_paths[NR_CGROUPS] = {
	"/system.slice/a\"b\\c.service", "/odd\nname", "/bad\xff\xfe\xc3(", NULL, "/dup", "/dup",
};

static __u64 lcg(__u64 *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 33;
}

static void add_task(struct fixture *x, int i, __u32 tid, __u64 start, const char *comm,
		     size_t comm_len, __u64 penalty_milli, __u64 p99)
{
	struct report_task *t = &x->tasks[i];
	int l;

	t->id.tid = tid;
	t->id.tgid = 1000 + tid / 10;
	t->id.start_ns = start;
	memcpy(t->id.comm, comm, comm_len);
	t->id_known = 1;
	t->have_totals = 1;
	t->penalty_milli = penalty_milli;
	for (l = 0; l < SDR_LOC_NR; l++)
		t->migrations[l] = tid * 10 + l;
	t->runtime_ns = 1000000000ull * tid + 5;
	t->remote_runtime_ns = 1000ull * tid;
	t->home_node = tid % 3 == 0 ? -1 : (int)(tid % 2);
	t->runq.count = p99 ? 100 : 0;
	t->runq.p99 = p99;
	t->runq.max = p99 * 2;
	t->runq.rel_error = 0.0625;
	t->premig_known = 1;
	t->premig_waits = tid % 4;
	t->premig_sum_ns = t->premig_waits * (1000003ull + tid);
	t->premig_max_ns = t->premig_waits ? 1000003ull + 2 * tid : 0;
}

static void build(struct fixture *x)
{
	struct report *r = &x->r;
	__u64 st = 42;
	int i, l, c;

	memset(x, 0, sizeof(*x));
	topology__init(&r->meta.topo);
	r->meta.topo.nr_cpus = NR_CPUS;
	r->meta.topo.nr_nodes = 2;
	/* CPU 2 is not present. */
	for (c = 0; c < NR_CPUS; c++) {
		r->meta.topo.cpu_node[c] = c == 2 ? TOPO_ABSENT : c / 2;
		r->meta.topo.cpu_llc[c] = c == 2 ? TOPO_ABSENT : c / 2;
	}
	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++)
			r->migrations[l][c] = 100 * l + c + 1;
	r->migrations[SDR_LOC_SAME_LLC][SDR_CAUSE_OTHER] = 0;
	r->penalty_milli = 12345;
	r->nr_nodes = 2;
	for (i = 0; i < 4; i++)
		for (c = 0; c < SDR_CAUSE_NR; c++)
			x->cells[i].by_cause[c] = i * 10 + c;
	r->node_matrix = x->cells;
	for (i = 0; i < STAT_ALL_NR; i++)
		r->counters[i] = 1000 + i;
	r->counters[SDR_STAT_cpu_range] = 0;
	r->unconsumed = 7;

	r->sys_runq = (struct lat){ 100, 1500, 20000, 1000000, 2000001, 3000000000ull, 0.015625 };
	r->has_split = 1;
	r->sys_delivery = (struct lat){ 100, 500, 7000, 400000, 900001, 1000000000ull, 0.015625 };
	r->sys_queue = (struct lat){ 100, 1000, 13000, 600000, 1100000, 2000000000ull, 0.015625 };
	r->cpu_runq = x->cpu_lat;
	for (c = 0; c < NR_CPUS; c++)
		x->cpu_lat[c] = (struct lat){ c, 1000 * c, 2000 * c, 3000 * c, 4000 * c, 5000 * c,
					      0.015625 };

	/* Waits from 0 to minutes over many magnitudes, and some on the bounds. */
	for (i = 0; i < NR_SYS; i++) {
		__u64 v = lcg(&st);

		if (i < 2 * (int)hist_prom_nr_bounds)
			v = hist_prom_bounds_ns[i / 2] + i % 2;
		else
			v = (v % 1000) << (v % 28);
		x->sys_samples[i] = v;
		hist__add(&x->sys, v);
		/* Some preemptions (no delivery), some all delivery, the rest split unevenly. */
		x->dlv_samples[i] = i % 5 == 0 ? 0 : i % 7 == 0 ? v : v / (2 + i % 9);
		x->que_samples[i] = v - x->dlv_samples[i];
		hist__add(&x->dlv, x->dlv_samples[i]);
		hist__add(&x->que, x->que_samples[i]);
	}
	hist__add(&x->landing[SDR_LOC_SAME_LLC], 3000);
	hist__add(&x->landing_dlv[SDR_LOC_SAME_LLC], 1000);
	hist__add(&x->landing_que[SDR_LOC_SAME_LLC], 2000);
	hist__add(&x->landing[SDR_LOC_SAME_LLC], 700000);
	hist__add(&x->landing_dlv[SDR_LOC_SAME_LLC], 0);
	hist__add(&x->landing_que[SDR_LOC_SAME_LLC], 700000);
	hist__add(&x->landing[SDR_LOC_CROSS_LLC], 50000000);
	hist__add(&x->landing_dlv[SDR_LOC_CROSS_LLC], 30000000);
	hist__add(&x->landing_que[SDR_LOC_CROSS_LLC], 20000000);
	/* cross_node landing stays empty. */
	for (c = 0; c < NR_CPUS; c++)
		for (i = 0; i <= c; i++)
			hist__add(&x->cpu[c], 1000 * (i + 1));

	r->cgroups = x->cgroups;
	r->nr_cgroups = NR_CGROUPS;
	for (i = 0; i < NR_CGROUPS; i++) {
		x->cgroups[i].id = i == 3 ? 77 : 5 + i;
		x->cgroups[i].path = cg_paths[i];
		x->cgroups[i].nr_tasks = i + 1;
		for (c = 0; c <= i; c++)
			hist__add(&x->cg[i], 10000 * (c + 1) * (i + 1));
	}

	/* Hostile and ordinary comms; see the selection checks for the ranks. */
	add_task(x, 0, 10, 1, "a\"b\\c", 5, 5000, 100);
	add_task(x, 1, 11, 1, "nl\nx", 4, 4000, 0);
	add_task(x, 2, 12, 1, "\xff\xfe\x80ok", 5, 3000, 0);
	add_task(x, 3, 13, 1, "0123456789abcdef", 16, 10, 9000000);
	add_task(x, 4, 14, 1, "quiet", 5, 0, 0);
	add_task(x, 5, 25, 100, "reuse", 5, 2500, 0);
	add_task(x, 6, 25, 200, "reuse", 5, 2400, 0);
	add_task(x, 7, 16, 1, "tab\there", 8, 0, 8000000);
	add_task(x, 8, 17, 1, "\xc3\xa9\xe2\x82\xac", 5, 0, 7000000);
	add_task(x, 9, 18, 1, "ed\xed\xa0\x80", 5, 0, 6000000);
	add_task(x, 10, 19, 1, "cut\xe2\x82", 5, 100, 100);
	add_task(x, 11, 20, 1, "tie", 3, 100, 100);
	add_task(x, 12, 21, 1, "tie", 3, 100, 100);
	r->tasks = x->tasks;
	r->nr_tasks = NR_TASKS;

	/* Cgroup 5 held up by 6 (in r), 1234 (path from the collector), 4321 (none), idle. */
	x->nb_cells[0][0] = (struct delays_cell){ 6, 3000000000ull, 10 };
	x->nb_cells[0][1] = (struct delays_cell){ 1234, 1500000001ull, 4 };
	x->nb_cells[0][2] = (struct delays_cell){ DELAYS_IDLE, 7, 1 };
	x->groups[0] = (struct report_delayed){ .key = 5, .wait_ns = 4600000000ull,
		.culprits = x->nb_cells[0], .nr_culprits = 3, .omitted = 2,
		.other = { DELAYS_OTHER, 99000000, 3 } };
	x->groups[0].class_ns[DELAY_ANOTHER] = 4500000001ull;
	x->groups[0].class_ns[DELAY_IDLE] = 7;
	x->groups[0].class_ns[DELAY_UNKNOWN] = 99000000;
	/* 9 and 10 share the path /dup: one set of series, the first id's. */
	x->nb_cells[1][0] = (struct delays_cell){ 4321, 250, 1 };
	x->groups[1] = (struct report_delayed){ .key = 9, .wait_ns = 250,
		.culprits = x->nb_cells[1], .nr_culprits = 1 };
	x->groups[1].class_ns[DELAY_ANOTHER] = 250;
	x->nb_cells[2][0] = (struct delays_cell){ 9, 5, 1 };
	x->groups[2] = (struct report_delayed){ .key = 10, .wait_ns = 5,
		.culprits = x->nb_cells[2], .nr_culprits = 1 };
	r->delays.groups = x->groups;
	r->delays.nr_groups = 3;
	x->nbc = (struct neighbours_counts){ .culprits_in_other = 2, .victims_without_series = 4,
		.pairs_full = 11, .victims_full = 12, .no_memory = 13, .stream_gaps = 14,
		.bytes = 4096 };

	x->in = (struct prom_input){
		.neighbours = &x->nbc,
		.cgroup_path = nb_path,
		.r = r,
		.sys_hist = &x->sys,
		.landing_hist = x->landing,
		.sys_delivery_hist = &x->dlv,
		.sys_queue_hist = &x->que,
		.landing_delivery_hist = x->landing_dlv,
		.landing_queue_hist = x->landing_que,
		.cgroup_hists = x->cg,
		.top_n = 4,
		.cpu_seconds = 12.25,
		.rss_bytes = 12345678,
		.evictions = 3,
		.file_failures = 7,
		.export_gap_s = 1.5,
		.export_gap_max_s = 32.25,
		.late_exports = 4,
		.tasks_tracked = 4242,
		.version = "v0.1-test",
		.kernel = "6.18.0-\"quoted\"",
		.cpu_hists = x->cpu,
	};
}

static char *render(const struct prom_input *in, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	int err = prom__write(m, in);

	CHECK(err == 0, "prom__write: %d", err);
	fclose(m);
	return buf;
}

static void save(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL, "open %s: %s", path, strerror(errno));
	if (!f)
		return;
	fwrite(buf, 1, len, f);
	CHECK(fclose(f) == 0, "write %s", path);
}

/* ---- checks ---- */

static void check_label_roundtrip(void)
{
	static const char pool[] = "ab\\\"\n\t\x7f\x80\xbf\xc0\xc1\xc2\xdf\xe0\xed\xef\xf0"
				   "\xf4\xf5\xff\xa0\x9f\x8f\x90";
	__u64 st = 7;
	int i, j, bad = 0;

	for (i = 0; i < 20000; i++) {
		char in[24], *esc = NULL, *exp, *got;
		size_t len = 0, n = lcg(&st) % sizeof(in), maxlen = lcg(&st) % 30;
		const char *q;
		FILE *m;

		for (j = 0; j < (int)n; j++)
			in[j] = pool[lcg(&st) % (sizeof(pool) - 1)];
		/* Sometimes a NUL inside: the value ends there. */
		if (n && lcg(&st) % 8 == 0)
			in[lcg(&st) % n] = '\0';
		if (n < sizeof(in))
			in[n] = '\0';
		m = open_memstream(&esc, &len);
		prom__write_label_value(m, in, maxlen);
		fputc('"', m);
		fclose(m);
		q = esc;
		got = unescape(&q, esc + len);
		exp = sanitize(in, maxlen < n ? maxlen : n);
		if (!got || *q || memchr(esc, '\n', len) || strcmp(got, exp) || !valid_utf8(got)) {
			if (bad++ < 5)
				CHECK(0, "label value case %d does not round-trip: \"%s\"", i, esc);
		}
		free(esc);
		free(exp);
		free(got);
	}
	CHECK(bad == 0, "%d of 20000 random label values failed", bad);

	/* A few by name. */
	{
		static const struct {
			const char *in, *out;
		} cases[] = {
			{ "a\"b\\c", "a\\\"b\\\\c" },
			{ "x\ny", "x\\ny" },
			{ "\xff", "\xef\xbf\xbd" },
			{ "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd" },       /* overlong NUL */
			{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
			{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
			{ "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!" },
			{ "tab\tok", "tab\tok" },
		};
		size_t k;

		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			char *esc = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&esc, &len);

			prom__write_label_value(m, cases[k].in, SIZE_MAX);
			fclose(m);
			CHECK_STR(esc, cases[k].out);
			free(esc);
		}
		prom__write_label_value(stdout, NULL, 5); /* NULL writes nothing */
	}
}

/* The parser is only worth its passes if it fails what it should. */
static void check_parser_rejects(void)
{
	static const char hdr[] = "# HELP schedrift_x x\n# TYPE schedrift_x gauge\n";
	static const char *const bad[] = {
		"schedrift_x{a=\"b\\q\"} 1\n",      /* unknown escape */
		"schedrift_x{a=\"\xff\"} 1\n",       /* not UTF-8 */
		"schedrift_x{a=\"b} 1\n",            /* unterminated value */
		"schedrift_x 1 1700000000\n",        /* timestamp */
		"schedrift_x  1\n",                  /* two spaces */
		"schedrift_x{} 1\n",                 /* empty braces */
		"schedrift_x one\n",                 /* not a number */
		"schedrift_y 1\n",                   /* not of the family */
		"schedrift_x{le=\"1\"} 1\n",         /* le on a gauge */
		"schedrift_x 1\n\nschedrift_x{a=\"1\"} 1\n", /* empty line */
		"# comment\nschedrift_x 1\n",        /* a stray comment */
		"schedrift_x 1",                     /* no final newline */
	};
	static const char *const bad_whole[] = {
		"schedrift_x 1\n", /* no HELP/TYPE */
		"# HELP schedrift_c c\n# TYPE schedrift_c counter\nschedrift_c 1\n",
		"# HELP other_x x\n# TYPE other_x gauge\nother_x 1\n",
		"# HELP schedrift_h h\n# TYPE schedrift_h histogram\nschedrift_h 1\n",
	};
	struct parsed p;
	char buf[512];
	size_t i;

	quiet = true;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", hdr, bad[i]);
		parse(&p, buf, strlen(buf));
		CHECK(p.errors > 0, "the parser took bad line %zu", i);
		parsed_free(&p);
	}
	for (i = 0; i < sizeof(bad_whole) / sizeof(bad_whole[0]); i++) {
		parse(&p, bad_whole[i], strlen(bad_whole[i]));
		CHECK(p.errors > 0, "the parser took bad input %zu", i);
		parsed_free(&p);
	}
	snprintf(buf, sizeof(buf), "%s%s", hdr,
		 "schedrift_x{a=\"1\",b=\"2\"} 1\nschedrift_x{b=\"2\",a=\"1\"} 2\n");
	parse(&p, buf, strlen(buf));
	CHECK(p.errors == 0 && count_duplicates(&p) == 1, "a duplicate in another label order");
	parsed_free(&p);
	quiet = false;
}

static void check_histogram(const struct parsed *p, const char *fam, const char *lkey,
			    const char *lval, const struct hist *h, const __u64 *samples,
			    size_t nsamples)
{
	char name[128], le[32];
	const struct sample *s, *cnt, *sum;
	double prev = -1;
	size_t i, k;

	snprintf(name, sizeof(name), "%s_bucket", fam);
	for (i = 0; i < hist_prom_nr_bounds; i++) {
		__u64 b = hist_prom_bounds_ns[i], exact = 0;

		snprintf(le, sizeof(le), "%llu.%09llu", (unsigned long long)(b / 1000000000),
			 (unsigned long long)(b % 1000000000));
		s = lkey ? find(p, name, lkey, lval, "le", le, NULL)
			 : find(p, name, "le", le, NULL);
		CHECK(s != NULL, "%s{%s} has no le=\"%s\" bucket", fam, lval ? lval : "", le);
		if (!s)
			return;
		CHECK(s->v >= prev, "%s le=%s is below the bucket before it", fam, le);
		CHECK(!strchr(s->value, '.') && !strchr(s->value, 'e'), "bucket count %s",
		      s->value);
		prev = s->v;
		if (samples) {
			for (k = 0; k < nsamples; k++)
				exact += samples[k] <= b;
			CHECK(s->v == (double)exact, "%s le=%s: %s, exact %llu", fam, le, s->value,
			      (unsigned long long)exact);
		}
	}
	s = lkey ? find(p, name, lkey, lval, "le", "+Inf", NULL)
		 : find(p, name, "le", "+Inf", NULL);
	snprintf(name, sizeof(name), "%s_count", fam);
	cnt = lkey ? find(p, name, lkey, lval, NULL) : find(p, name, NULL);
	snprintf(name, sizeof(name), "%s_sum", fam);
	sum = lkey ? find(p, name, lkey, lval, NULL) : find(p, name, NULL);
	CHECK(s && cnt && sum, "%s{%s}: +Inf, _count or _sum missing", fam, lval ? lval : "");
	if (!s || !cnt || !sum)
		return;
	CHECK(s->v >= prev);
	CHECK(s->v == cnt->v, "%s: +Inf %s != _count %s", fam, s->value, cnt->value);
	CHECK(cnt->v == (double)h->count, "%s: _count %s, hist %llu", fam, cnt->value,
	      (unsigned long long)h->count);
	CHECK(fabs(sum->v - h->sum / 1e9) <= 1e-9 * (1 + h->sum / 1e9), "%s: _sum %s", fam,
	      sum->value);
	/* Buckets come in le order, +Inf last, then _sum and _count. */
	CHECK(s + 1 == sum && sum + 1 == cnt, "%s: +Inf, _sum, _count not in order", fam);
}

/* Every _bucket series, whatever its labels, is cumulative and ends in +Inf == _count. */
static void check_all_buckets(const struct parsed *p)
{
	size_t i = 0;

	while (i < p->n) {
		const struct sample *s = &p->s[i];
		size_t nlen = strlen(s->name);
		double prev_le = -1, prev = 0;

		if (nlen < 7 || strcmp(s->name + nlen - 7, "_bucket")) {
			i++;
			continue;
		}
		for (; i < p->n && !strcmp(p->s[i].name, s->name); i++) {
			const char *le = label_of(&p->s[i], "le");
			double lev;

			CHECK(le && parse_value(le, &lev), "line %d: bad le", p->s[i].line);
			CHECK(lev > prev_le, "line %d: le not ascending", p->s[i].line);
			CHECK(p->s[i].v >= prev, "line %d: bucket not cumulative", p->s[i].line);
			prev_le = lev;
			prev = p->s[i].v;
			if (le && !strcmp(le, "+Inf"))
				break;
		}
		CHECK(i < p->n && label_of(&p->s[i], "le") &&
			      !strcmp(label_of(&p->s[i], "le"), "+Inf"),
		      "%s: buckets do not end in +Inf", s->name);
		CHECK(i + 2 < p->n && p->s[i + 2].v == p->s[i].v,
		      "%s: +Inf differs from _count", s->name);
		i += 3;
	}
}

static const char *const family_order[] = {
	"schedrift_build_info",
	"schedrift_migrations_total",
	"schedrift_migration_penalty_total",
	"schedrift_node_migrations_total",
	"schedrift_runqueue_latency_seconds",
	"schedrift_runqueue_latency_quantile_seconds",
	"schedrift_runqueue_latency_rel_error",
	"schedrift_runqueue_delivery_seconds",
	"schedrift_runqueue_delivery_quantile_seconds",
	"schedrift_runqueue_queue_seconds",
	"schedrift_runqueue_queue_quantile_seconds",
	"schedrift_cpu_runqueue_latency_quantile_seconds",
	"schedrift_landing_latency_seconds",
	"schedrift_landing_delivery_seconds",
	"schedrift_landing_queue_seconds",
	"schedrift_cgroup_runqueue_latency_seconds",
	"schedrift_cgroup_delay_seconds_total",
	"schedrift_cgroup_delay_class_seconds_total",
	"schedrift_cgroup_delay_omitted",
	"schedrift_cgroup_delay_refused_total",
	"schedrift_cgroup_delay_stream_gaps_total",
	"schedrift_cgroup_delay_memory_bytes",
	"schedrift_task_migrations_total",
	"schedrift_task_penalty",
	"schedrift_task_runqueue_latency_p99_seconds",
	"schedrift_task_runqueue_latency_max_seconds",
	"schedrift_task_premig_waits_total",
	"schedrift_task_premig_seconds_total",
	"schedrift_task_premig_max_seconds",
	"schedrift_task_runtime_seconds_total",
	"schedrift_task_remote_runtime_seconds_total",
	"schedrift_task_home_node",
	"schedrift_events_lost_total",
	"schedrift_ringbuf_unread_records",
	"schedrift_events_total",
	"schedrift_tasks_tracked",
	"schedrift_tasktable_evictions_total",
	"schedrift_daemon_file_write_failures_total",
	"schedrift_daemon_export_gap_seconds",
	"schedrift_daemon_export_gap_max_seconds",
	"schedrift_daemon_late_exports_total",
	"schedrift_daemon_cpu_seconds_total",
	"schedrift_daemon_resident_memory_bytes",
};
#define NR_FAMILIES (sizeof(family_order) / sizeof(family_order[0]))

static void check_common(const struct parsed *p, const struct report *r)
{
	const struct sample *s;
	size_t i, nloss = 0, ncount = 0;

	CHECK(p->errors == 0, "%d parse errors", p->errors);
	CHECK(count_duplicates(p) == 0);
	check_all_buckets(p);

	/* Families appear in the documented order (some may be absent). */
	for (i = 0; i < p->nfam; i++) {
		size_t k;

		for (k = 0; k < NR_FAMILIES && strcmp(family_order[k], p->fam[i].name); k++)
			;
		CHECK(k < NR_FAMILIES, "undocumented family %s", p->fam[i].name);
		if (i > 0) {
			size_t prev;

			for (prev = 0; prev < NR_FAMILIES &&
				       strcmp(family_order[prev], p->fam[i - 1].name);
			     prev++)
				;
			CHECK(prev < k, "family %s out of order", p->fam[i].name);
		}
	}

	/* Every loss stage and every event kind, with its value, zeros too. */
	for (i = 0; i < STAT_ALL_NR; i++) {
		const char *fam = stat_descs[i].kind == STAT_LOSS ? "schedrift_events_lost_total"
								  : "schedrift_events_total";

		s = find(p, fam, stat_descs[i].kind == STAT_LOSS ? "stage" : "kind",
			 stat_descs[i].name, NULL);
		CHECK(s != NULL, "%s for %s missing", fam, stat_descs[i].name);
		if (s)
			CHECK(s->v == (double)r->counters[i], "%s: %s", stat_descs[i].name,
			      s->value);
		if (stat_descs[i].kind == STAT_LOSS)
			nloss++;
		else
			ncount++;
	}
	/* The ring's backlog is a gauge of its own, not a loss stage. */
	CHECK(find(p, "schedrift_events_lost_total", "stage", "unconsumed", NULL) == NULL,
	      "unconsumed is a backlog, not a loss counter");
	s = find(p, "schedrift_ringbuf_unread_records", NULL);
	CHECK(s && s->v == (double)r->unconsumed, "schedrift_ringbuf_unread_records missing or wrong");
	CHECK_EQ_U64(count_named(p, "schedrift_events_lost_total"), nloss);
	CHECK_EQ_U64(count_named(p, "schedrift_events_total"), ncount);

	/* All 3 x 7 migration series, zeros too, as integers. */
	CHECK_EQ_U64(count_named(p, "schedrift_migrations_total"), SDR_LOC_NR * SDR_CAUSE_NR);
	for (i = 0; i < SDR_LOC_NR * SDR_CAUSE_NR; i++) {
		s = find(p, "schedrift_migrations_total", "locality",
			 locality_names[i / SDR_CAUSE_NR], "cause", cause_names[i % SDR_CAUSE_NR],
			 NULL);
		CHECK(s != NULL);
		if (s)
			CHECK(s->v == (double)r->migrations[i / SDR_CAUSE_NR][i % SDR_CAUSE_NR] &&
				      strspn(s->value, "0123456789") == strlen(s->value),
			      "migrations %s", s->value);
	}
	CHECK(find(p, "schedrift_build_info", "version", "v0.1-test", "kernel",
		   "6.18.0-\"quoted\"", NULL) ||
	      find(p, "schedrift_build_info", "version", "unknown", "kernel", "unknown", NULL));
	CHECK(count_named(p, "schedrift_tasks_tracked") == 1);
	CHECK(count_named(p, "schedrift_daemon_cpu_seconds_total") == 1);
}

/* An independent pick of the task series: rank by brute force, then one per label set. */
struct want_task {
	__u32 tid, tgid;
	char *comm;
	const struct report_task *t;
};

static bool better(const struct report_task *a, const struct report_task *b, bool by_p99)
{
	__u64 ka = by_p99 ? a->runq.p99 : a->penalty_milli;
	__u64 kb = by_p99 ? b->runq.p99 : b->penalty_milli;

	if (ka != kb)
		return ka > kb;
	if (a->id.tid != b->id.tid)
		return a->id.tid < b->id.tid;
	return a->id.start_ns < b->id.start_ns;
}

static size_t expected_tasks(const struct report *r, int top_n, struct want_task *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->nr_tasks; i++) {
		const struct report_task *t = &r->tasks[i];
		size_t rank_pen = 0, rank_p99 = 0;
		char *comm;

		for (j = 0; j < r->nr_tasks; j++) {
			rank_pen += better(&r->tasks[j], t, false);
			rank_p99 += better(&r->tasks[j], t, true);
		}
		if (!((t->penalty_milli && rank_pen < (size_t)top_n) ||
		      (t->runq.p99 && rank_p99 < (size_t)top_n)))
			continue;
		comm = sanitize(t->id.comm, sizeof(t->id.comm));
		for (j = 0; j < n; j++)
			if (out[j].tid == t->id.tid && out[j].tgid == t->id.tgid &&
			    !strcmp(out[j].comm, comm))
				break;
		if (j < n) {
			/* Same labels: the newest incarnation wins. */
			if (t->id.start_ns > out[j].t->id.start_ns)
				out[j].t = t;
			free(comm);
			continue;
		}
		out[n++] = (struct want_task){ t->id.tid, t->id.tgid, comm, t };
	}
	return n;
}

static void check_tasks(const struct parsed *p, const struct report *r, int top_n)
{
	struct want_task want[NR_TASKS];
	size_t n = expected_tasks(r, top_n, want), i;
	char tid[16], tgid[16];

	CHECK(n <= 2 * (size_t)(top_n > 0 ? top_n : 0));
	CHECK_EQ_U64(count_named(p, "schedrift_task_penalty"), n);
	CHECK_EQ_U64(count_named(p, "schedrift_task_runtime_seconds_total"), n);
	CHECK_EQ_U64(count_named(p, "schedrift_task_premig_waits_total"), n);
	CHECK_EQ_U64(count_named(p, "schedrift_task_premig_seconds_total"), n);
	CHECK_EQ_U64(count_named(p, "schedrift_task_premig_max_seconds"), n);
	CHECK_EQ_U64(count_named(p, "schedrift_task_migrations_total"), n * SDR_LOC_NR);
	for (i = 0; i < n; i++) {
		const struct report_task *t = want[i].t;
		const struct sample *s;

		snprintf(tid, sizeof(tid), "%u", want[i].tid);
		snprintf(tgid, sizeof(tgid), "%u", want[i].tgid);
		s = find(p, "schedrift_task_penalty", "tid", tid, "tgid", tgid, "comm",
			 want[i].comm, NULL);
		CHECK(s != NULL, "top_n %d: no penalty series for tid %s", top_n, tid);
		if (s)
			CHECK(fabs(s->v - t->penalty_milli / 1000.0) < 1e-9, "tid %s penalty %s",
			      tid, s->value);
		s = find(p, "schedrift_task_runqueue_latency_p99_seconds", "tid", tid, "tgid",
			 tgid, "comm", want[i].comm, NULL);
		CHECK(s && fabs(s->v - t->runq.p99 / 1e9) < 1e-12, "tid %s p99", tid);
		s = find(p, "schedrift_task_runtime_seconds_total", "tid", tid, "tgid", tgid,
			 "comm", want[i].comm, NULL);
		CHECK(s && fabs(s->v - t->runtime_ns / 1e9) < 1e-6, "tid %s runtime", tid);
		s = find(p, "schedrift_task_migrations_total", "tid", tid, "tgid", tgid, "comm",
			 want[i].comm, "locality", "cross_node", NULL);
		CHECK(s && s->v == (double)t->migrations[SDR_LOC_CROSS_NODE], "tid %s mig", tid);
		s = find(p, "schedrift_task_premig_waits_total", "tid", tid, "tgid", tgid,
			 "comm", want[i].comm, NULL);
		CHECK(s && s->v == (double)t->premig_waits, "tid %s premig waits", tid);
		/* Exact decimal seconds from integer nanoseconds (metrics.md, Conventions). */
		s = find(p, "schedrift_task_premig_seconds_total", "tid", tid, "tgid", tgid,
			 "comm", want[i].comm, NULL);
		CHECK(s && llround(s->v * 1e9) == (long long)t->premig_sum_ns, "tid %s premig sum",
		      tid);
		s = find(p, "schedrift_task_premig_max_seconds", "tid", tid, "tgid", tgid, "comm",
			 want[i].comm, NULL);
		CHECK(s && llround(s->v * 1e9) == (long long)t->premig_max_ns, "tid %s premig max",
		      tid);
		s = find(p, "schedrift_task_home_node", "tid", tid, "tgid", tgid, "comm",
			 want[i].comm, NULL);
		CHECK(t->home_node < 0 ? !s : s && s->v == t->home_node, "tid %s home node", tid);
		free(want[i].comm);
	}
}

static void check_full(const struct parsed *p, const struct fixture *x)
{
	const struct sample *s;
	char want[64];
	int i, l;

	check_common(p, &x->r);
	CHECK_EQ_U64(p->nfam, NR_FAMILIES);

	s = find(p, "schedrift_migration_penalty_total", NULL);
	CHECK(s && !strcmp(s->value, "12.345"), "penalty %s", s ? s->value : "missing");
	CHECK_EQ_U64(count_named(p, "schedrift_node_migrations_total"), 4);
	s = find(p, "schedrift_node_migrations_total", "from_node", "1", "to_node", "0", NULL);
	/* cell 2: sum over causes of 20 + c */
	CHECK(s && s->v == 20 * SDR_CAUSE_NR + SDR_CAUSE_NR * (SDR_CAUSE_NR - 1) / 2);

	check_histogram(p, "schedrift_runqueue_latency_seconds", NULL, NULL, &x->sys,
			x->sys_samples, NR_SYS);
	for (l = 0; l < SDR_LOC_NR; l++) {
		check_histogram(p, "schedrift_landing_latency_seconds", "locality",
				locality_names[l], &x->landing[l], NULL, 0);
		check_histogram(p, "schedrift_landing_delivery_seconds", "locality",
				locality_names[l], &x->landing_dlv[l], NULL, 0);
		check_histogram(p, "schedrift_landing_queue_seconds", "locality",
				locality_names[l], &x->landing_que[l], NULL, 0);
	}

	/* The parts of the waits: exact folds of what was added, and one count for all three. */
	check_histogram(p, "schedrift_runqueue_delivery_seconds", NULL, NULL, &x->dlv,
			x->dlv_samples, NR_SYS);
	check_histogram(p, "schedrift_runqueue_queue_seconds", NULL, NULL, &x->que,
			x->que_samples, NR_SYS);
	{
		const struct sample *whole, *dlv, *que, *dsum, *qsum, *wsum;

		whole = find(p, "schedrift_runqueue_latency_seconds_count", NULL);
		dlv = find(p, "schedrift_runqueue_delivery_seconds_count", NULL);
		que = find(p, "schedrift_runqueue_queue_seconds_count", NULL);
		CHECK(whole && dlv && que && whole->v == NR_SYS && dlv->v == whole->v &&
		      que->v == whole->v, "the parts' counts differ from the waits'");
		/* The parts add up to the whole: delivery + queueing sums = the wait sum. */
		wsum = find(p, "schedrift_runqueue_latency_seconds_sum", NULL);
		dsum = find(p, "schedrift_runqueue_delivery_seconds_sum", NULL);
		qsum = find(p, "schedrift_runqueue_queue_seconds_sum", NULL);
		CHECK(wsum && dsum && qsum && x->dlv.sum + x->que.sum == x->sys.sum &&
		      fabs(dsum->v + qsum->v - wsum->v) <= 1e-9 * wsum->v, "part sums");
		dlv = find(p, "schedrift_runqueue_delivery_quantile_seconds_count", NULL);
		que = find(p, "schedrift_runqueue_queue_quantile_seconds_count", NULL);
		CHECK(dlv && que && dlv->v == NR_SYS && que->v == NR_SYS, "part summary counts");
	}
	s = find(p, "schedrift_runqueue_delivery_quantile_seconds", "quantile", "0.99", NULL);
	CHECK(s && !strcmp(s->value, "0.0004"), "delivery p99 %s", s ? s->value : "missing");
	s = find(p, "schedrift_runqueue_queue_quantile_seconds", "quantile", "1", NULL);
	CHECK(s && !strcmp(s->value, "2"), "queue max %s", s ? s->value : "missing");
	CHECK_EQ_U64(count_named(p, "schedrift_runqueue_queue_quantile_seconds"), 5);

	/* System summary: exact decimal seconds; _count from the cumulative histogram. */
	s = find(p, "schedrift_runqueue_latency_quantile_seconds", "quantile", "0.5", NULL);
	CHECK(s && !strcmp(s->value, "0.0000015"), "p50 %s", s ? s->value : "missing");
	s = find(p, "schedrift_runqueue_latency_quantile_seconds", "quantile", "1", NULL);
	CHECK(s && !strcmp(s->value, "3"), "max %s", s ? s->value : "missing");
	s = find(p, "schedrift_runqueue_latency_quantile_seconds", "quantile", "0.999", NULL);
	CHECK(s && !strcmp(s->value, "0.002000001"), "p99.9 %s", s ? s->value : "missing");
	s = find(p, "schedrift_runqueue_latency_quantile_seconds_count", NULL);
	CHECK(s && s->v == NR_SYS);
	s = find(p, "schedrift_runqueue_latency_rel_error", NULL);
	CHECK(s && !strcmp(s->value, "0.015625"));

	/* Per CPU: present CPUs only; an idle interval is NaN. */
	CHECK_EQ_U64(count_named(p, "schedrift_cpu_runqueue_latency_quantile_seconds"), 3 * 5);
	CHECK(!find(p, "schedrift_cpu_runqueue_latency_quantile_seconds", "cpu", "2", "quantile",
		    "1", NULL));
	s = find(p, "schedrift_cpu_runqueue_latency_quantile_seconds", "cpu", "0", "quantile",
		 "0.99", NULL);
	CHECK(s && isnan(s->v), "idle CPU 0 p99 %s", s ? s->value : "missing");
	s = find(p, "schedrift_cpu_runqueue_latency_quantile_seconds", "cpu", "3", "quantile",
		 "0.9", NULL);
	CHECK(s && !strcmp(s->value, "0.000006"), "cpu 3 p90 %s", s ? s->value : "missing");
	s = find(p, "schedrift_cpu_runqueue_latency_quantile_seconds_count", "cpu", "3", NULL);
	CHECK(s && s->v == 4);

	/* Cgroups: hostile paths come back whole; id:N without a path; /dup merged. */
	CHECK_EQ_U64(count_named(p, "schedrift_cgroup_runqueue_latency_seconds_count"),
		     NR_CGROUPS - 1);
	for (i = 0; i < NR_CGROUPS; i++) {
		char *label = cg_paths[i] ? sanitize(cg_paths[i], SIZE_MAX) : NULL;
		struct hist merged;

		if (!label) {
			snprintf(want, sizeof(want), "id:%llu",
				 (unsigned long long)x->cgroups[i].id);
			label = strdup(want);
		}
		if (i == 4) {
			hist__init(&merged);
			hist__merge(&merged, &x->cg[4]);
			hist__merge(&merged, &x->cg[5]);
			check_histogram(p, "schedrift_cgroup_runqueue_latency_seconds", "cgroup",
					label, &merged, NULL, 0);
		} else if (i != 5) {
			check_histogram(p, "schedrift_cgroup_runqueue_latency_seconds", "cgroup",
					label, &x->cg[i], NULL, 0);
		}
		free(label);
	}

	/* Noisy neighbours: the named culprits, other, idle; paths as the cgroups'. */
	{
		char *v5 = sanitize(cg_paths[0], SIZE_MAX), *c6 = sanitize(cg_paths[1], SIZE_MAX);
		static const char *const cls[] = { "same_cgroup", "another_cgroup", "system",
						   "idle", "unknown" };

		s = find(p, "schedrift_cgroup_delay_seconds_total", "cgroup", v5, "culprit", c6,
			 NULL);
		CHECK(s && !strcmp(s->value, "3"), "5 <- 6 %s", s ? s->value : "missing");
		s = find(p, "schedrift_cgroup_delay_seconds_total", "cgroup", v5, "culprit",
			 "/else/where", NULL);
		CHECK(s && !strcmp(s->value, "1.500000001"), "5 <- 1234 %s",
		      s ? s->value : "missing");
		s = find(p, "schedrift_cgroup_delay_seconds_total", "cgroup", v5, "culprit",
			 "idle", NULL);
		CHECK(s && !strcmp(s->value, "0.000000007"), "5 <- idle %s",
		      s ? s->value : "missing");
		s = find(p, "schedrift_cgroup_delay_seconds_total", "cgroup", v5, "culprit",
			 "other", NULL);
		CHECK(s && !strcmp(s->value, "0.099"), "5 <- other %s", s ? s->value : "missing");
		s = find(p, "schedrift_cgroup_delay_seconds_total", "cgroup", "/dup", "culprit",
			 "id:4321", NULL);
		CHECK(s && s->v == 250e-9, "/dup <- id:4321 %s", s ? s->value : "missing");
		/* 5: three culprits and other; /dup once: one culprit and other. */
		CHECK_EQ_U64(count_named(p, "schedrift_cgroup_delay_seconds_total"), 4 + 2);
		CHECK_EQ_U64(count_named(p, "schedrift_cgroup_delay_class_seconds_total"), 2 * 5);
		for (i = 0; i < 5; i++) {
			s = find(p, "schedrift_cgroup_delay_class_seconds_total", "cgroup", v5,
				 "class", cls[i], NULL);
			CHECK(s && s->v == x->groups[0].class_ns[i] / 1e9, "class %s", cls[i]);
		}
		s = find(p, "schedrift_cgroup_delay_omitted", "reason", "culprits_in_other", NULL);
		CHECK(s && s->v == 2);
		s = find(p, "schedrift_cgroup_delay_omitted", "reason", "victims_without_series",
			 NULL);
		CHECK(s && s->v == 4);
		s = find(p, "schedrift_cgroup_delay_refused_total", "reason", "no_memory", NULL);
		CHECK(s && s->v == 13);
		s = find(p, "schedrift_cgroup_delay_stream_gaps_total", NULL);
		CHECK(s && s->v == 14);
		s = find(p, "schedrift_cgroup_delay_memory_bytes", NULL);
		CHECK(s && s->v == 4096);
		free(v5);
		free(c6);
	}

	/* The daemon's own figures. */
	s = find(p, "schedrift_daemon_cpu_seconds_total", NULL);
	CHECK(s && !strcmp(s->value, "12.25"));
	s = find(p, "schedrift_daemon_resident_memory_bytes", NULL);
	CHECK(s && !strcmp(s->value, "12345678"));
	s = find(p, "schedrift_tasktable_evictions_total", NULL);
	CHECK(s && s->v == 3);
	s = find(p, "schedrift_daemon_file_write_failures_total", NULL);
	CHECK(s && s->v == 7);
	s = find(p, "schedrift_daemon_export_gap_seconds", NULL);
	CHECK(s && !strcmp(s->value, "1.5"));
	s = find(p, "schedrift_daemon_export_gap_max_seconds", NULL);
	CHECK(s && !strcmp(s->value, "32.25"));
	s = find(p, "schedrift_daemon_late_exports_total", NULL);
	CHECK(s && s->v == 4);
}

/* Hostile comms read back as the sanitized bytes, whatever they held. */
static void check_comms(const struct parsed *p, const struct fixture *x)
{
	size_t i, seen = 0;

	for (i = 0; i < NR_TASKS; i++) {
		const struct report_task *t = &x->tasks[i];
		char *comm, tid[16];

		if (i == 5)
			continue; /* the older "reuse": its labels are the newer one's */
		comm = sanitize(t->id.comm, sizeof(t->id.comm));

		snprintf(tid, sizeof(tid), "%u", t->id.tid);
		if (find(p, "schedrift_task_runqueue_latency_max_seconds", "tid", tid, "tgid",
			 tid[0] == '1' ? "1001" : "1002", "comm", comm, NULL))
			seen++;
		free(comm);
	}
	/* Every task but "quiet" (no penalty, no waits) and the older "reuse". */
	CHECK_EQ_U64(seen, NR_TASKS - 2);
	CHECK(find(p, "schedrift_task_penalty", "tid", "13", "tgid", "1001", "comm",
		   "0123456789abcdef", NULL),
	      "a 16-byte comm without NUL");
	CHECK(find(p, "schedrift_task_penalty", "tid", "10", "tgid", "1001", "comm", "a\"b\\c",
		   NULL));
	CHECK(find(p, "schedrift_task_penalty", "tid", "11", "tgid", "1001", "comm", "nl\nx",
		   NULL));
	CHECK(find(p, "schedrift_task_penalty", "tid", "12", "tgid", "1001", "comm",
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok", NULL));
	/* The reused tid: one series, the newer task's. */
	CHECK_EQ_U64(count_named(p, "schedrift_task_penalty"), NR_TASKS - 2);
	{
		const struct sample *s = find(p, "schedrift_task_penalty", "tid", "25", "tgid",
					      "1002", "comm", "reuse", NULL);

		CHECK(s && !strcmp(s->value, "2.4"), "reused tid: %s", s ? s->value : "missing");
	}
}

/* The same data handed over in another order renders the same bytes. */
static char *render_permuted(struct fixture *x, size_t *len)
{
	struct report_task tasks[NR_TASKS];
	struct report_cgroup cgs[NR_CGROUPS];
	struct hist *cg = malloc(sizeof(struct hist) * NR_CGROUPS);
	struct report r = x->r;
	struct prom_input in = x->in;
	char *out;
	int i;

	for (i = 0; i < NR_TASKS; i++)
		tasks[i] = x->tasks[(i * 5 + 3) % NR_TASKS];
	for (i = 0; i < NR_CGROUPS; i++) {
		cgs[i] = x->cgroups[NR_CGROUPS - 1 - i];
		cg[i] = x->cg[NR_CGROUPS - 1 - i];
	}
	r.tasks = tasks;
	r.cgroups = cgs;
	in.r = &r;
	in.cgroup_hists = cg;
	out = render(&in, len);
	free(cg);
	return out;
}

static void check_empty(const char *dir)
{
	struct report r;
	struct prom_input in = { .r = &r, .top_n = 20 };
	struct parsed p;
	char *buf;
	size_t len;

	/* Nothing but the loss counters: no topology, histograms, cgroups or tasks. */
	memset(&r, 0, sizeof(r));
	buf = render(&in, &len);
	save(dir, "empty.prom", buf, len);
	parse(&p, buf, len);
	check_common(&p, &r);
	CHECK(count_named(&p, "schedrift_runqueue_latency_seconds_count") == 0);
	/* No split, no histograms of it: none of the part families. */
	CHECK(count_named(&p, "schedrift_runqueue_delivery_quantile_seconds") == 0);
	CHECK(count_named(&p, "schedrift_runqueue_queue_seconds_count") == 0);
	CHECK(count_named(&p, "schedrift_landing_delivery_seconds_count") == 0);
	CHECK(count_named(&p, "schedrift_node_migrations_total") == 0);
	CHECK(count_named(&p, "schedrift_task_penalty") == 0);
	{
		const struct sample *s =
			find(&p, "schedrift_runqueue_latency_quantile_seconds", "quantile", "0.5",
			     NULL);

		CHECK(s && isnan(s->v), "empty interval p50 is not NaN");
	}
	CHECK(find(&p, "schedrift_build_info", "version", "unknown", "kernel", "unknown", NULL));
	parsed_free(&p);
	free(buf);
}

/*
 * Pod cgroups carry their Kubernetes labels (docs/kubernetes.md): names
 * when the runtime's state gave them, the ids always, escaped like any
 * label value; a cgroup that is not a pod's gets none.
 */
static void check_pods(const char *dir)
{
	static const char *const paths[3] = {
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3c1a2b_0d4e_4f6a_"
		"9b8c_1234567890ab.slice/cri-containerd-aaaa.scope",
		"/kubepods/pod2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a/bbbb",
		"/system.slice/cron.service",
	};
	struct report_cgroup cg[3];
	struct k8s_ident k[3];
	struct hist h[3];
	struct report r;
	struct prom_input in = { .r = &r, .cgroup_hists = h };
	struct parsed p;
	char *buf;
	size_t len, i;

	memset(&r, 0, sizeof(r));
	memset(cg, 0, sizeof(cg));
	for (i = 0; i < 3; i++) {
		cg[i].id = 100 + i;
		cg[i].path = paths[i];
		cg[i].k8s = k8s__parse_cgroup(paths[i], &k[i]) ? &k[i] : NULL;
		hist__init(&h[i]);
		hist__add(&h[i], 1000 * (i + 1));
	}
	CHECK(cg[0].k8s && cg[1].k8s && !cg[2].k8s);
	snprintf(k[0].namespace_, sizeof(k[0].namespace_), "prod");
	snprintf(k[0].pod, sizeof(k[0].pod), "shop-0");
	snprintf(k[0].container, sizeof(k[0].container), "we\"b"); /* escaped, not trusted */
	r.cgroups = cg;
	r.nr_cgroups = 3;
	buf = render(&in, &len);
	save(dir, "pods.prom", buf, len);
	parse(&p, buf, len);
	CHECK(p.errors == 0 && count_duplicates(&p) == 0);
	CHECK(find(&p, "schedrift_cgroup_runqueue_latency_seconds_count", "cgroup", paths[0],
		   "namespace", "prod", "pod", "shop-0", "container", "we\"b", "pod_uid",
		   "5f3c1a2b-0d4e-4f6a-9b8c-1234567890ab", "container_id", "aaaa", NULL),
	      "named pod series");
	CHECK(find(&p, "schedrift_cgroup_runqueue_latency_seconds_count", "cgroup", paths[1],
		   "pod_uid", "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a", "container_id", "bbbb", NULL),
	      "unnamed pod series");
	CHECK(!strstr(buf, "pod=\"\""), "an empty pod label was written");
	CHECK(find(&p, "schedrift_cgroup_runqueue_latency_seconds_count", "cgroup", paths[2], NULL),
	      "plain cgroup series");
	CHECK(!find(&p, "schedrift_cgroup_runqueue_latency_seconds_count", "cgroup", paths[2],
		    "pod_uid", "", NULL));
	parsed_free(&p);
	free(buf);
}

static void check_write_error(const struct fixture *x)
{
	FILE *f = fopen("/dev/full", "w");
	int err;

	if (!f) {
		printf("no /dev/full: write error check skipped\n");
		return;
	}
	err = prom__write(f, &x->in);
	CHECK(err == -ENOSPC, "prom__write to /dev/full returned %d", err);
	fclose(f);
}

int main(void)
{
	const char *dir = getenv("SCHEDRIFT_PROM_OUT");
	struct fixture *x = malloc(sizeof(*x));
	struct parsed p;
	char *a, *b, *c;
	size_t la, lb, lc;
	int top_n;

	check_parser_rejects();
	check_label_roundtrip();

	build(x);
	a = render(&x->in, &la);
	b = render(&x->in, &lb);
	c = render_permuted(x, &lc);
	CHECK(la == lb && !memcmp(a, b, la), "two renders differ");
	CHECK(la == lc && !memcmp(a, c, la), "the same data in another order renders differently");
	save(dir, "full.prom", a, la);
	parse(&p, a, la);
	check_full(&p, x);
	check_tasks(&p, &x->r, x->in.top_n);
	parsed_free(&p);
	free(a);
	free(b);
	free(c);

	/* top_n bounds the task series, for every n. */
	for (top_n = 0; top_n <= NR_TASKS + 1; top_n++) {
		x->in.top_n = top_n;
		a = render(&x->in, &la);
		parse(&p, a, la);
		CHECK(p.errors == 0 && count_duplicates(&p) == 0, "top_n %d", top_n);
		check_tasks(&p, &x->r, top_n);
		if (top_n == 0)
			CHECK(count_named(&p, "schedrift_task_migrations_total") == 0);
		if (top_n == NR_TASKS) {
			check_comms(&p, x);
			save(dir, "all-tasks.prom", a, la);
		}
		parsed_free(&p);
		free(a);
	}
	x->in.top_n = 4;

	check_empty(dir);
	check_pods(dir);
	check_write_error(x);
	free(x);
	return check_summary();
}
