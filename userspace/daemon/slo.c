// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/slo.h"
#include "lib/util.h"

const char *const slo_metric_names[SLO_METRIC_NR] = {
	"runq_p50", "runq_p90", "runq_p99", "runq_p999", "runq_max",
};

static const char *const scope_names[] = { "system", "cgroup", "comm", "task" };

/* Next whitespace-separated word of *s (NUL-terminating it in place); NULL at the end. */
static char *word(char **s)
{
	char *p = *s, *w;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	w = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return w;
}

static int valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= SLO_NAME_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.:/", s[i]))
			return 0;
	return 1;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		free(copy);                         \
		return -EINVAL;                     \
	} while (0)

int slo__parse(const char *name, const char *expr, struct slo_rule *out, char *err, size_t errlen)
{
	char *copy = strdup(expr), *s = copy, *metric, *op, *dur, *w, *target;
	struct slo_rule r;
	int m;
	__u64 v;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(&r, 0, sizeof(r));
	metric = word(&s);
	op = word(&s);
	dur = word(&s);
	if (!metric || !op || !dur)
		FAIL("slo: want METRIC < DURATION [for SCOPE], e.g. runq_p99 < 2ms for cgroup /x");
	for (m = 0; m < SLO_METRIC_NR; m++)
		if (!strcmp(metric, slo_metric_names[m]))
			break;
	if (m == SLO_METRIC_NR)
		FAIL("slo: unknown metric '%s' (runq_p50, runq_p90, runq_p99, runq_p999, runq_max)",
		     metric);
	r.metric = m;
	if (strcmp(op, "<"))
		FAIL("slo: '%s' where '<' belongs: an objective is an upper bound", op);
	if (parse_duration_ns(dur, &r.objective_ns))
		FAIL("slo: bad duration '%s': a number with ns, us, ms or s, up to 1 hour", dur);
	w = word(&s);
	if (w) {
		char *kind;

		if (strcmp(w, "for"))
			FAIL("slo: '%s' where 'for' or the end belongs", w);
		kind = word(&s);
		if (!kind)
			FAIL("slo: 'for' needs a scope: system, cgroup PATH, comm NAME, task TID");
		target = word(&s);
		if (!strcmp(kind, "system")) {
			r.scope = SLO_SYSTEM;
			if (target)
				FAIL("slo: 'for system' takes nothing after it");
		} else if (!strcmp(kind, "cgroup") || !strcmp(kind, "comm")) {
			r.scope = kind[1] == 'g' ? SLO_CGROUP : SLO_COMM;
			if (!target)
				FAIL("slo: 'for %s' needs a %s", kind, kind[1] == 'g' ? "path" : "name");
			if (r.scope == SLO_CGROUP && target[0] != '/')
				FAIL("slo: cgroup '%s': a path from the cgroup2 root, starting with /",
				     target);
			if (r.scope == SLO_COMM && strlen(target) >= SDR_COMM_LEN)
				FAIL("slo: comm '%s' is longer than the kernel's %d bytes", target,
				     SDR_COMM_LEN - 1);
			if (strlen(target) >= sizeof(r.target))
				FAIL("slo: %s too long", kind);
			snprintf(r.target, sizeof(r.target), "%s", target);
		} else if (!strcmp(kind, "task")) {
			r.scope = SLO_TASK;
			if (!target || parse_u64(target, 1, 0x7fffffff, &v))
				FAIL("slo: 'for task' needs a thread id");
			r.tid = v;
		} else {
			FAIL("slo: unknown scope '%s' (system, cgroup, comm, task)", kind);
		}
		if (target && (w = word(&s)))
			FAIL("slo: '%s' after the scope (paths and names cannot hold spaces)", w);
	}
	if (name && *name) {
		if (!valid_name(name) || strlen(name) > 63)
			FAIL("slo: bad rule name '%s': 1-63 of A-Z a-z 0-9 _ - . : /", name);
		snprintf(r.name, sizeof(r.name), "%s", name);
	} else if (r.scope == SLO_SYSTEM) {
		snprintf(r.name, sizeof(r.name), "%s < %s", metric, dur);
	} else if (r.scope == SLO_TASK) {
		snprintf(r.name, sizeof(r.name), "%s < %s for task %u", metric, dur, r.tid);
	} else if (snprintf(r.name, sizeof(r.name), "%s < %s for %s %s", metric, dur,
			    scope_names[r.scope], r.target) >= (int)sizeof(r.name)) {
		FAIL("slo: name the rule (slo NAME = ...): its text is too long for a label");
	}
	free(copy);
	*out = r;
	return 0;
}

int slo__same(const struct slo_rule *a, const struct slo_rule *b)
{
	return !strcmp(a->name, b->name) && a->metric == b->metric &&
	       a->objective_ns == b->objective_ns && a->scope == b->scope &&
	       !strcmp(a->target, b->target) && a->tid == b->tid;
}

static __u64 figure(const struct lat *l, enum slo_metric m)
{
	switch (m) {
	case SLO_P50: return l->p50;
	case SLO_P90: return l->p90;
	case SLO_P99: return l->p99;
	case SLO_P999: return l->p999;
	default: return l->max;
	}
}

/* Is path the cgroup target or below it? */
static int under(const char *path, const char *target)
{
	size_t n = strlen(target);

	if (!path)
		return 0;
	if (n > 1 && target[n - 1] == '/')
		n--;
	return !strncmp(path, target, n) && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* Worst figure over what the scope names; 0 when no wait was in scope. */
static int observe(const struct slo_rule *r, const struct report *iv, __u64 *out)
{
	int found = 0;
	size_t i;

	*out = 0;
	switch (r->scope) {
	case SLO_SYSTEM:
		if (!iv->sys_runq.count)
			return 0;
		*out = figure(&iv->sys_runq, r->metric);
		return 1;
	case SLO_CGROUP:
		for (i = 0; i < iv->nr_cgroups; i++) {
			const struct report_cgroup *g = &iv->cgroups[i];

			if (!g->runq.count || !under(g->path, r->target))
				continue;
			found = 1;
			if (figure(&g->runq, r->metric) > *out)
				*out = figure(&g->runq, r->metric);
		}
		return found;
	case SLO_COMM:
	case SLO_TASK:
		for (i = 0; i < iv->nr_tasks; i++) {
			const struct report_task *t = &iv->tasks[i];

			if (!t->runq.count)
				continue;
			if (r->scope == SLO_TASK ? t->id.tid != r->tid :
			    strncmp(t->id.comm, r->target, SDR_COMM_LEN))
				continue;
			found = 1;
			if (figure(&t->runq, r->metric) > *out)
				*out = figure(&t->runq, r->metric);
		}
		return found;
	}
	return 0;
}

int slo__evaluate(struct slo_rule *rules, int n, const struct report *iv, int *fresh)
{
	int i, nfresh = 0;

	for (i = 0; i < n; i++) {
		struct slo_rule *r = &rules[i];
		int was = r->breached;

		r->has_data = observe(r, iv, &r->observed_ns);
		/* "< objective" is the promise: a figure at the objective breaks it. */
		r->breached = r->has_data && r->observed_ns >= r->objective_ns;
		if (r->breached)
			r->breach_intervals++;
		if (fresh)
			fresh[i] = r->breached && !was;
		if (r->breached && !was) {
			r->breaches++;
			nfresh++;
		}
	}
	return nfresh;
}
