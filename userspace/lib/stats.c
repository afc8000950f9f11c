// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "lib/stats.h"

#define STAT_DESC(name, kind, desc) { #name, STAT_##kind, desc },
const struct stat_desc stat_descs[STAT_ALL_NR] = {
	SDR_STAT_TABLE(STAT_DESC)
	USER_STAT_TABLE(STAT_DESC)
};
#undef STAT_DESC

const struct stat_desc *stat__find(const char *name)
{
	int i;

	for (i = 0; i < STAT_ALL_NR; i++)
		if (!strcmp(stat_descs[i].name, name))
			return &stat_descs[i];
	return NULL;
}
