// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: the daemon's config file (daemon__parse_config(), format in
 * docs/daemon.md). Accepted settings must be inside the ranges the file
 * format promises; a refused file must leave the settings untouched (a bad
 * SIGHUP reload keeps the running ones) and say why in one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_settings s = { .interval_s = DAEMON_DEFAULT_INTERVAL_S,
				     .top_n = DAEMON_DEFAULT_TOP,
				     .grace = DAEMON_DEFAULT_GRACE };
	struct daemon_settings before = s;
	const char *path = fuzz_file__set(data, size);
	char err[1400];
	int rc;

	err[0] = 0;
	rc = daemon__parse_config(path, &s, err, sizeof(err));
	if (rc) {
		if (rc > 0 || !err[0] || strchr(err, '\n') || memcmp(&s, &before, sizeof(s)))
			abort();
		return 0;
	}
	if (!(s.interval_s >= 0.05 && s.interval_s <= 86400) || s.top_n < 0 ||
	    s.top_n > 10000 || s.grace > 1000 ||
	    memchr(s.metrics_dir, 0, sizeof(s.metrics_dir)) == NULL ||
	    (s.metrics_dir[0] && s.metrics_dir[0] != '/'))
		abort();
	return 0;
}
