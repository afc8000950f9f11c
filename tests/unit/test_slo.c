// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* SLO rules (userspace/daemon/slo.c): the config syntax, and evaluation against an interval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "daemon/slo.h"

static void test_parse_ok(void)
{
	struct slo_rule r;
	char err[400];

	CHECK(slo__parse("web", "runq_p999 < 2ms for cgroup /kubepods.slice", &r, err,
			 sizeof(err)) == 0, "%s", err);
	CHECK_STR(r.name, "web");
	CHECK(r.metric == SLO_P999 && r.objective_ns == 2000000 && r.scope == SLO_CGROUP);
	CHECK_STR(r.target, "/kubepods.slice");

	CHECK(slo__parse(NULL, "  runq_p99   <  500us  ", &r, err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(r.name, "runq_p99 < 500us");
	CHECK(r.scope == SLO_SYSTEM && r.objective_ns == 500000);

	CHECK(slo__parse("", "runq_max < 1.5s for comm nginx", &r, err, sizeof(err)) == 0);
	CHECK_STR(r.name, "runq_max < 1.5s for comm nginx");
	CHECK(r.scope == SLO_COMM && r.objective_ns == 1500000000ull);

	CHECK(slo__parse("t", "runq_p50 < 750ns for task 4242", &r, err, sizeof(err)) == 0);
	CHECK(r.scope == SLO_TASK && r.tid == 4242 && r.objective_ns == 750);
	CHECK(slo__parse("", "runq_p90 < 1ms for task 7", &r, err, sizeof(err)) == 0);
	CHECK_STR(r.name, "runq_p90 < 1ms for task 7");
	CHECK(slo__parse("s", "runq_p90 < 1ms for system", &r, err, sizeof(err)) == 0);
	CHECK(r.scope == SLO_SYSTEM);
}

static void test_parse_bad(void)
{
	static const struct {
		const char *name, *expr, *needle;
	} cases[] = {
		{ "a", "", "want METRIC" },
		{ "a", "runq_p99 < ", "want METRIC" },
		{ "a", "runq_p95 < 2ms", "unknown metric 'runq_p95'" },
		{ "a", "runq_p99 > 2ms", "'>' where '<'" },
		{ "a", "runq_p99 <= 2ms", "'<=' where '<'" },
		{ "a", "runq_p99 < 2", "bad duration '2'" },
		{ "a", "runq_p99 < 2min", "bad duration" },
		{ "a", "runq_p99 < -1ms", "bad duration" },
		{ "a", "runq_p99 < 0ms", "bad duration" },
		{ "a", "runq_p99 < 2h", "bad duration" },
		{ "a", "runq_p99 < 3601s", "bad duration" },
		{ "a", "runq_p99 < nanms", "bad duration" },
		{ "a", "runq_p99 < 0.1ns", "bad duration" },
		{ "a", "runq_p99 < 2ms when x", "'when' where 'for'" },
		{ "a", "runq_p99 < 2ms for", "needs a scope" },
		{ "a", "runq_p99 < 2ms for pod x", "unknown scope 'pod'" },
		{ "a", "runq_p99 < 2ms for cgroup", "needs a path" },
		{ "a", "runq_p99 < 2ms for cgroup kubepods", "starting with /" },
		{ "a", "runq_p99 < 2ms for comm", "needs a name" },
		{ "a", "runq_p99 < 2ms for comm a-very-long-command", "longer than" },
		{ "a", "runq_p99 < 2ms for task x", "thread id" },
		{ "a", "runq_p99 < 2ms for task 0", "thread id" },
		{ "a", "runq_p99 < 2ms for system now", "takes nothing" },
		{ "a", "runq_p99 < 2ms for comm a b", "after the scope" },
		{ "bad name", "runq_p99 < 2ms", "bad rule name" },
		{ "a\"b", "runq_p99 < 2ms", "bad rule name" },
		{ "0123456789012345678901234567890123456789012345678901234567890123", "runq_p99 < 2ms",
		  "bad rule name" },
	};
	struct slo_rule r;
	char err[400];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(err, 0, sizeof(err));
		CHECK(slo__parse(cases[i].name, cases[i].expr, &r, err, sizeof(err)) == -EINVAL,
		      "'%s' accepted", cases[i].expr);
		CHECK(strstr(err, cases[i].needle), "'%s': '%s' lacks '%s'", cases[i].expr, err,
		      cases[i].needle);
	}
}

static struct lat lat_of(__u64 count, __u64 p99, __u64 max)
{
	struct lat l = { .count = count, .p50 = p99 / 4, .p90 = p99 / 2, .p99 = p99,
			 .p999 = max, .max = max };

	return l;
}

static void test_evaluate(void)
{
	struct report_cgroup cg[3] = {
		{ .id = 1, .path = "/kubepods.slice/pod-a/c1", .runq = lat_of(10, 3000000, 9000000) },
		{ .id = 2, .path = "/kubepods.slice/pod-a/c2", .runq = lat_of(10, 1000000, 1000000) },
		/* a sibling whose name starts the same is not below the target */
		{ .id = 3, .path = "/kubepods.slice/pod-ab", .runq = lat_of(10, 50000000, 50000000) },
	};
	struct report_task tasks[3];
	struct report iv;
	struct slo_rule r[6];
	char err[400];
	int fresh[6], n;

	memset(&iv, 0, sizeof(iv));
	memset(tasks, 0, sizeof(tasks));
	iv.sys_runq = lat_of(1000, 800000, 20000000);
	iv.cgroups = cg;
	iv.nr_cgroups = 3;
	tasks[0].id.tid = 10;
	strcpy(tasks[0].id.comm, "nginx");
	tasks[0].runq = lat_of(5, 100000, 200000);
	tasks[1].id.tid = 11;
	strcpy(tasks[1].id.comm, "nginx");
	tasks[1].runq = lat_of(5, 700000, 900000);
	tasks[2].id.tid = 12;
	strcpy(tasks[2].id.comm, "nginx");
	tasks[2].runq = lat_of(0, 0, 0); /* no waits: not in the worst-of */
	iv.tasks = tasks;
	iv.nr_tasks = 3;

	CHECK(!slo__parse("sys", "runq_p99 < 1ms", &r[0], err, sizeof(err)));
	CHECK(!slo__parse("pod", "runq_p99 < 2ms for cgroup /kubepods.slice/pod-a", &r[1], err,
			  sizeof(err)));
	CHECK(!slo__parse("comm", "runq_p99 < 700us for comm nginx", &r[2], err, sizeof(err)));
	CHECK(!slo__parse("task", "runq_max < 1ms for task 11", &r[3], err, sizeof(err)));
	CHECK(!slo__parse("none", "runq_p99 < 1ms for comm nobody", &r[4], err, sizeof(err)));
	CHECK(!slo__parse("root", "runq_max < 60ms for cgroup /", &r[5], err, sizeof(err)));

	n = slo__evaluate(r, 6, &iv, fresh);
	CHECK(r[0].has_data && !r[0].breached && r[0].observed_ns == 800000);
	/* worst of c1 and c2, not pod-ab */
	CHECK(r[1].has_data && r[1].breached && r[1].observed_ns == 3000000);
	/* at the objective is a breach: "<" is the promise */
	CHECK(r[2].has_data && r[2].breached && r[2].observed_ns == 700000);
	CHECK(r[3].has_data && !r[3].breached && r[3].observed_ns == 900000);
	CHECK(!r[4].has_data && !r[4].breached);
	CHECK(r[5].has_data && !r[5].breached && r[5].observed_ns == 50000000);
	CHECK(n == 2 && fresh[1] && fresh[2] && !fresh[0] && !fresh[3] && !fresh[4]);
	CHECK(r[1].breaches == 1 && r[1].breach_intervals == 1);

	/* Still breached: no new breach, one more interval. */
	n = slo__evaluate(r, 6, &iv, fresh);
	CHECK(n == 0 && !fresh[1] && r[1].breaches == 1 && r[1].breach_intervals == 2);
	/* Met again, then breached again: a second breach. */
	cg[0].runq = lat_of(10, 1000000, 1000000);
	n = slo__evaluate(r, 6, &iv, fresh);
	CHECK(n == 0 && !r[1].breached);
	cg[0].runq = lat_of(10, 5000000, 5000000);
	n = slo__evaluate(r, 6, &iv, fresh);
	CHECK(n == 1 && fresh[1] && r[1].breaches == 2 && r[1].breach_intervals == 3);

	/* Same definition: same rule; the state does not matter. */
	{
		struct slo_rule a, b;

		CHECK(!slo__parse("x", "runq_p99 < 2ms", &a, err, sizeof(err)));
		CHECK(!slo__parse("x", "runq_p99 < 2ms", &b, err, sizeof(err)));
		b.breaches = 7;
		CHECK(slo__same(&a, &b));
		CHECK(!slo__parse("x", "runq_p99 < 3ms", &b, err, sizeof(err)));
		CHECK(!slo__same(&a, &b));
	}
}

int main(void)
{
	test_parse_ok();
	test_parse_bad();
	test_evaluate();
	return check_summary();
}
