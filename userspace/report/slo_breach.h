/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why an SLO capture was written (docs/slo.md): the rule that breached, in
 * the capture's command line, so that its report can open with the breach
 * and what held the CPU during the waits that broke it. The daemon
 * formats it; the report parses it back. The line stays readable:
 *   schedrift daemon slo capture: objective_ns=2000000 observed_ns=3500000
 *   metric=runq_p99 scope=cgroup target=/victim rule=victim
 * (target is as long as target_len says: a path or comm may hold spaces.)
 */
#ifndef SCHEDRIFT_SLO_BREACH_H
#define SCHEDRIFT_SLO_BREACH_H

#include <stddef.h>
#include <linux/types.h>

enum slo_breach_scope { SLO_BREACH_SYSTEM, SLO_BREACH_CGROUP, SLO_BREACH_COMM, SLO_BREACH_TASK,
			SLO_BREACH_SCOPE_NR };

struct slo_breach {
	char rule[128];
	char metric[16]; /* runq_p99 ... */
	__u64 objective_ns, observed_ns;
	int scope;       /* enum slo_breach_scope */
	char target[160]; /* cgroup path or comm; for a task, its tid in decimal */
};

extern const char *const slo_breach_scope_names[SLO_BREACH_SCOPE_NR];

/* The line into buf; 0, or -ENOSPC when it does not fit (the capture then says less). */
int slo_breach__format(char *buf, size_t len, const struct slo_breach *b);
/* 1 and *b filled when command is such a line, else 0. */
int slo_breach__parse(const char *command, struct slo_breach *b);

#endif /* SCHEDRIFT_SLO_BREACH_H */
