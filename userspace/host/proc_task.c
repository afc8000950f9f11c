// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A live task's comm and tgid from /proc (proc_task.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/proc_task.h"

int proc_task__id(__u32 tid, struct sdr_task_id *id)
{
	char path[64], line[128];
	unsigned long tgid = 0;
	size_t len;
	FILE *f;
	int found = 0;

	if (!tid)
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	/* /proc/TID is there for any thread, listed or not. */
	snprintf(path, sizeof(path), "/proc/%u/comm", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(id->comm, sizeof(id->comm), f)) {
		fclose(f);
		return -ENOENT;
	}
	fclose(f);
	len = strlen(id->comm);
	if (len && id->comm[len - 1] == '\n')
		id->comm[len - 1] = 0;
	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Tgid: %lu", &tgid) == 1;
	fclose(f);
	if (!found)
		return -ENOENT;
	id->tid = tid;
	id->tgid = tgid;
	return 0;
}
