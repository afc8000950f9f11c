// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The class of a culprit seen from its victim (delay_class.h). */
#include <string.h>
#include "engine/delay_class.h"
#include "engine/delays.h"

int delay_class__of(__u64 victim, __u64 culprit_group, __u64 culprit, int culprit_system)
{
	if (culprit == DELAYS_IDLE)
		return DELAY_IDLE;
	if (culprit == DELAYS_UNKNOWN || culprit == DELAYS_OTHER || culprit_group == DELAYS_UNKNOWN)
		return DELAY_UNKNOWN;
	if (culprit_group == victim)
		return DELAY_SAME;
	if (culprit_system)
		return DELAY_SYSTEM;
	return DELAY_ANOTHER;
}

static int prefix(const char *s, const char *p)
{
	size_t n = strlen(p);

	return !strncmp(s, p, n) && (s[n] == '\0' || s[n] == '/');
}

int delay_class__system_path(const char *path)
{
	if (!path)
		return 0;
	return !strcmp(path, "/") || prefix(path, "/system.slice") || prefix(path, "/init.scope");
}

const char *delay_class__name(int c)
{
	static const char *const names[DELAY_CLASS_NR] = {
		[DELAY_SAME] = "same cgroup",
		[DELAY_ANOTHER] = "another cgroup",
		[DELAY_SYSTEM] = "kernel threads / system",
		[DELAY_IDLE] = "idle",
		[DELAY_UNKNOWN] = "unknown",
	};

	return c >= 0 && c < DELAY_CLASS_NR ? names[c] : "?";
}

const char *delay_class__key(int c)
{
	static const char *const keys[DELAY_CLASS_NR] = {
		[DELAY_SAME] = "same_cgroup",
		[DELAY_ANOTHER] = "another_cgroup",
		[DELAY_SYSTEM] = "system",
		[DELAY_IDLE] = "idle",
		[DELAY_UNKNOWN] = "unknown",
	};

	return c >= 0 && c < DELAY_CLASS_NR ? keys[c] : "?";
}
