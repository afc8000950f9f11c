// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/slo_breach.h"

#define PREFIX "schedrift daemon slo capture: "

const char *const slo_breach_scope_names[SLO_BREACH_SCOPE_NR] = {
	[SLO_BREACH_SYSTEM] = "system",
	[SLO_BREACH_CGROUP] = "cgroup",
	[SLO_BREACH_COMM] = "comm",
	[SLO_BREACH_TASK] = "task",
};

int slo_breach__format(char *buf, size_t len, const struct slo_breach *b)
{
	int n;

	if (b->scope < 0 || b->scope >= SLO_BREACH_SCOPE_NR)
		return -EINVAL;
	n = snprintf(buf, len, PREFIX "objective_ns=%llu observed_ns=%llu metric=%s scope=%s "
		     "target_len=%zu target=%s rule=%s", (unsigned long long)b->objective_ns,
		     (unsigned long long)b->observed_ns, b->metric,
		     slo_breach_scope_names[b->scope], strlen(b->target), b->target, b->rule);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* "key=" at *p: moves past it, or returns 0. */
static int take(const char **p, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(*p, key, n))
		return 0;
	*p += n;
	return 1;
}

static int take_u64(const char **p, const char *key, __u64 *v)
{
	char *end;

	if (!take(p, key) || **p < '0' || **p > '9')
		return 0;
	*v = strtoull(*p, &end, 10);
	if (*end != ' ')
		return 0;
	*p = end + 1;
	return 1;
}

/* A word up to the next space, into out (len bytes). */
static int take_word(const char **p, const char *key, char *out, size_t len)
{
	const char *sp;

	if (!take(p, key) || !(sp = strchr(*p, ' ')) || (size_t)(sp - *p) >= len)
		return 0;
	memcpy(out, *p, sp - *p);
	out[sp - *p] = 0;
	*p = sp + 1;
	return 1;
}

int slo_breach__parse(const char *command, struct slo_breach *b)
{
	const char *p = command;
	char scope[16];
	__u64 tlen;
	int s;

	memset(b, 0, sizeof(*b));
	if (!take(&p, PREFIX) || !take_u64(&p, "objective_ns=", &b->objective_ns) ||
	    !take_u64(&p, "observed_ns=", &b->observed_ns) ||
	    !take_word(&p, "metric=", b->metric, sizeof(b->metric)) ||
	    !take_word(&p, "scope=", scope, sizeof(scope)) ||
	    !take_u64(&p, "target_len=", &tlen) || !take(&p, "target=") ||
	    tlen >= sizeof(b->target) || strnlen(p, tlen) < tlen)
		return 0;
	memcpy(b->target, p, tlen);
	p += tlen;
	if (!take(&p, " rule=") || strlen(p) >= sizeof(b->rule))
		return 0;
	strcpy(b->rule, p);
	for (s = 0; s < SLO_BREACH_SCOPE_NR; s++)
		if (!strcmp(scope, slo_breach_scope_names[s]))
			break;
	if (s == SLO_BREACH_SCOPE_NR)
		return 0;
	b->scope = s;
	return 1;
}
