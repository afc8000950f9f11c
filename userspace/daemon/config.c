// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parser of the config file (config.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "daemon/config.h"
#include "daemon/daemon_slo.h"
#include "lib/util.h"

/* --json-tasks and json_tasks: "top" or "all". */
int daemon__parse_json_tasks(const char *val, bool *all)
{
	if (!strcmp(val, "top"))
		*all = false;
	else if (!strcmp(val, "all"))
		*all = true;
	else
		return -EINVAL;
	return 0;
}

int daemon__parse_config(const char *path, struct daemon_settings *out, char *err, size_t errlen)
{
	struct daemon_settings s = *out;
	char line[1200], *key, *val, *eq, *hash, slo_err[400];
	int lineno = 0, rc = 0;
	__u64 v;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
				 sizeof(line) - 2);
			rc = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		key = str_trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		/* "slo runq_p99 < 2ms ...": a rule needs no '=' (docs/slo.md). */
		if (!eq && !strncmp(key, "slo", 3) && (key[3] == ' ' || key[3] == '\t')) {
			eq = key + 3;
		} else if (!eq) {
			snprintf(err, errlen, "%s:%d: want KEY = VALUE", path, lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		key = str_trim(key);
		val = str_trim(eq + 1);
		if (!strcmp(key, "interval")) {
			if (parse_seconds(val, 86400, &s.interval_s) || s.interval_s < 0.05) {
				snprintf(err, errlen, "%s:%d: interval: seconds, 0.05 to 86400", path,
					 lineno);
				rc = -EINVAL;
				break;
			}
		} else if (!strcmp(key, "top")) {
			if (parse_u64(val, 0, 10000, &v)) {
				snprintf(err, errlen, "%s:%d: top: 0 to 10000", path, lineno);
				rc = -EINVAL;
				break;
			}
			s.top_n = v;
		} else if (!strcmp(key, "json_tasks")) {
			if (daemon__parse_json_tasks(val, &s.json_tasks_all)) {
				snprintf(err, errlen, "%s:%d: json_tasks: top or all", path, lineno);
				rc = -EINVAL;
				break;
			}
		} else if (!strcmp(key, "grace")) {
			if (parse_u64(val, 0, 1000, &v)) {
				snprintf(err, errlen, "%s:%d: grace: intervals, 0 to 1000", path, lineno);
				rc = -EINVAL;
				break;
			}
			s.grace = v;
		} else if (!strcmp(key, "metrics_dir")) {
			if (val[0] != '/' || strlen(val) >= sizeof(s.metrics_dir)) {
				snprintf(err, errlen, "%s:%d: metrics_dir: an absolute path", path, lineno);
				rc = -EINVAL;
				break;
			}
			snprintf(s.metrics_dir, sizeof(s.metrics_dir), "%s", val);
			s.metrics_dir_line = lineno;
		} else if (daemon_slo__config_key(&s, key, val, &rc, slo_err, sizeof(slo_err))) {
			if (rc) {
				snprintf(err, errlen, "%s:%d: %s", path, lineno, slo_err);
				break;
			}
		} else {
			snprintf(err, errlen, "%s:%d: unknown key '%s' (interval, top, json_tasks, grace, "
				 "metrics_dir, "
				 "slo, flight_seconds, capture_interval, captures_max_mb)", path, lineno, key);
			rc = -EINVAL;
			break;
		}
	}
	/* fgets() ends the same way at EOF and on EISDIR or EIO: only ferror() tells. */
	if (!rc && ferror(f)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	fclose(f);
	if (!rc)
		*out = s;
	return rc;
}
