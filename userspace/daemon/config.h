/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The daemon's config file (docs/daemon.md): KEY = VALUE lines and SLO rules. */
#ifndef SCHEDRIFT_DAEMON_CONFIG_H
#define SCHEDRIFT_DAEMON_CONFIG_H

#include <stddef.h>
#include "daemon/settings.h"

/*
 * Parse a config file into s (starting from s's current values). Returns 0,
 * or -EINVAL with err = "FILE:LINE: what is wrong"; s is unchanged then.
 */
int daemon__parse_config(const char *path, struct daemon_settings *s, char *err, size_t errlen);

/* "top" (false) or "all" (true), for --json-tasks and json_tasks; -EINVAL otherwise. */
int daemon__parse_json_tasks(const char *val, bool *all);

#endif /* SCHEDRIFT_DAEMON_CONFIG_H */
