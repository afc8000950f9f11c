// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/sched_group.h"

#define AUTOGROUP "/proc/self/autogroup"

/* "/autogroup-123 nice -10" -> -10. */
static int read_nice(int *nice)
{
	FILE *f = fopen(AUTOGROUP, "r");
	int n, ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "/autogroup-%*d nice %d", &n) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*nice = n;
	return 0;
}

static int write_nice(int nice)
{
	struct timespec pause = { 0, 110 * 1000 * 1000 };
	int tries, err = 0;

	/* The kernel takes one write per 100 ms from callers without CAP_SYS_ADMIN. */
	for (tries = 0; tries < 3; tries++) {
		FILE *f = fopen(AUTOGROUP, "w");

		if (!f)
			return -errno;
		fprintf(f, "%d", nice);
		err = fclose(f) ? -errno : 0;
		if (err != -EAGAIN)
			return err;
		nanosleep(&pause, NULL);
	}
	return err;
}

int sched_group__raise(struct sched_group *g, int nice)
{
	int err;

	memset(g, 0, sizeof(*g));
	err = read_nice(&g->found);
	if (err)
		return err;
	if (nice >= g->found)
		return 0;
	err = write_nice(nice);
	if (err)
		return err;
	g->set = nice;
	g->raised = 1;
	return 0;
}

void sched_group__restore(struct sched_group *g)
{
	int now;

	/* Another tool in the session may have changed it since: then it is theirs. */
	if (g->raised && !read_nice(&now) && now == g->set)
		write_nice(g->found);
	g->raised = 0;
}

/*
 * Autogroups apply only to tasks in the root of the cpu controller: on
 * cgroup v1 a cpu hierarchy path of "/", on v2 a cgroup with no cpu.weight
 * (the controller is not enabled down to it).
 */
int sched_group__autogroup_in_effect(void)
{
	char line[4096], path[4200];
	int enabled = 0, in_cgroup = 0;
	FILE *f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%d", &enabled) != 1)
		enabled = 0;
	fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	if (!enabled || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (strcmp(ctrl + 1, "")) {
			/* v1: "N:cpu,cpuacct:/path". */
			char *c, *save = NULL;

			for (c = strtok_r(ctrl + 1, ",", &save); c; c = strtok_r(NULL, ",", &save))
				if (!strcmp(c, "cpu") && strcmp(cg, "/"))
					in_cgroup = 1;
		} else if (strcmp(cg, "/")) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.weight", cg);
			if (!access(path, F_OK))
				in_cgroup = 1;
		}
	}
	fclose(f);
	return !in_cgroup;
}
