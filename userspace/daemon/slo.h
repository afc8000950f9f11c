/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency SLO rules for the daemon (docs/slo.md): "this quantile of the
 * run-queue waits of this scope, over one interval, stays below this
 * objective". Each interval the daemon evaluates every rule against the
 * interval's figures; a rule that starts to breach can trigger a flight
 * recorder capture (flight.h).
 *
 * Config syntax, one rule per line of the daemon's config file:
 *   slo NAME = METRIC < DURATION [for SCOPE]
 *   slo = METRIC < DURATION [for SCOPE]        (NAME made from the rule)
 * METRIC: runq_p50 runq_p90 runq_p99 runq_p999 runq_max
 * DURATION: a number with ns, us, ms or s
 * SCOPE: system (the default) | cgroup PATH | comm NAME | task TID
 */
#ifndef SCHEDRIFT_SLO_H
#define SCHEDRIFT_SLO_H

#include <stddef.h>
#include <linux/types.h>
#include "report/report.h"

#define SLO_MAX_RULES 32
#define SLO_NAME_LEN 320 /* a made-up name holds a whole cgroup path */

enum slo_metric { SLO_P50, SLO_P90, SLO_P99, SLO_P999, SLO_MAX, SLO_METRIC_NR };
enum slo_scope { SLO_SYSTEM, SLO_CGROUP, SLO_COMM, SLO_TASK };

struct slo_rule {
	/* The definition. */
	char name[SLO_NAME_LEN];
	enum slo_metric metric;
	__u64 objective_ns;
	enum slo_scope scope;
	char target[256]; /* cgroup path or comm */
	__u32 tid;
	/* The state, kept across a reload when the definition is unchanged. */
	int has_data;          /* the last interval had waits in scope */
	int breached;          /* ... and their figure was at or over the objective */
	__u64 observed_ns;     /* that figure */
	__u64 breach_intervals; /* intervals in breach, cumulative */
	__u64 breaches;        /* times the rule went from met to breached */
	__u64 captures;        /* flight recorder captures written for it */
	__u64 captures_skipped; /* breaches not captured: rate limit, or no recorder */
	__u64 last_capture_ns; /* CLOCK_MONOTONIC; 0 = never */
};

/*
 * Parses one rule. name may be NULL or "" (the name is then the rule's
 * own words, normalised: "runq_p999 < 2ms for cgroup /x"). 0, or -EINVAL
 * with a message naming what is wrong in err.
 */
int slo__parse(const char *name, const char *expr, struct slo_rule *out, char *err, size_t errlen);

/* Do two rules say the same thing (name and definition)? */
int slo__same(const struct slo_rule *a, const struct slo_rule *b);

/*
 * Evaluates every rule against one interval's report (the daemon's
 * interval report: sys_runq, cgroups and tasks hold the interval's
 * figures). Rules over several cgroups or tasks take the worst of them:
 * the objective holds when every one meets it. Returns how many rules went
 * from met (or no data) to breached; those have fresh_breach set in
 * fresh[i] (fresh may be NULL).
 */
int slo__evaluate(struct slo_rule *rules, int n, const struct report *iv, int *fresh);

extern const char *const slo_metric_names[SLO_METRIC_NR];

#endif /* SCHEDRIFT_SLO_H */
