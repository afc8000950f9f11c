// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "daemon/daemon_slo.h"
#include "report/slo_breach.h"
#include "lib/util.h"

int daemon_slo__config_key(struct daemon_settings *s, const char *key, const char *val, int *rc,
			   char *err, size_t errlen)
{
	char e[400];
	__u64 v;

	*rc = 0;
	if (!strcmp(key, "slo") || !strncmp(key, "slo ", 4) || !strncmp(key, "slo\t", 4)) {
		const char *name = key + 3;
		int i;

		while (*name == ' ' || *name == '\t')
			name++;
		if (s->nr_slo == SLO_MAX_RULES) {
			snprintf(err, errlen, "slo: at most %d rules", SLO_MAX_RULES);
			*rc = -EINVAL;
			return 1;
		}
		if (slo__parse(name, val, &s->slo[s->nr_slo], e, sizeof(e))) {
			snprintf(err, errlen, "%s", e);
			*rc = -EINVAL;
			return 1;
		}
		for (i = 0; i < s->nr_slo; i++)
			if (!strcmp(s->slo[i].name, s->slo[s->nr_slo].name)) {
				snprintf(err, errlen, "slo: a second rule named '%s'",
					 s->slo[i].name);
				*rc = -EINVAL;
				return 1;
			}
		s->nr_slo++;
		return 1;
	}
	if (!strcmp(key, "flight_seconds")) {
		if (parse_seconds(val, 600, &s->flight_s) || s->flight_s < 1) {
			snprintf(err, errlen, "flight_seconds: seconds, 1 to 600");
			*rc = -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "capture_interval")) {
		if (parse_seconds(val, 86400, &s->capture_gap_s)) {
			snprintf(err, errlen, "capture_interval: seconds, 0 to 86400");
			*rc = -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "captures_max_mb")) {
		if (parse_u64(val, 1, 1 << 20, &v)) {
			snprintf(err, errlen, "captures_max_mb: MiB, 1 to 1048576");
			*rc = -EINVAL;
		} else {
			s->captures_max_bytes = v << 20;
		}
		return 1;
	}
	return 0;
}

void daemon_slo__carry(struct daemon_settings *next, const struct daemon_settings *old)
{
	int i, k;

	for (i = 0; i < next->nr_slo; i++)
		for (k = 0; k < old->nr_slo; k++)
			if (slo__same(&next->slo[i], &old->slo[k])) {
				next->slo[i] = old->slo[k];
				break;
			}
}

__u64 daemon_slo__flight_ns(const struct daemon_settings *s)
{
	if (!s->nr_slo)
		return 0;
	return (__u64)((s->flight_s > 0 ? s->flight_s : DAEMON_DEFAULT_FLIGHT_S) * 1e9);
}

/* A rule name as a file name: letters, digits, '-', '_' and '.'; the rest '_'. */
static void file_safe(char *dst, size_t cap, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < cap && i < 80; i++) {
		char ch = name[i];

		dst[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ?
			 ch : '_';
	}
	dst[i] = '\0';
}

struct capture_file {
	char name[256];
	time_t mtime;
	off_t size;
};

static int cmp_oldest(const void *a, const void *b)
{
	const struct capture_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Removes the oldest captures until the directory holds at most max bytes of them. */
static void cap_directory(const char *dir, __u64 max)
{
	struct capture_file *v = NULL;
	size_t n = 0, cap = 0, i;
	__u64 total = 0;
	struct dirent *de;
	char path[2048];
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sdt") || len >= sizeof(v->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (ARRAY_GROW(v, n, cap, 32))
			break;
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].mtime = st.st_mtime;
		v[n].size = st.st_size;
		total += st.st_size;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_oldest);
	/* The newest capture stays, even alone over the cap: it is why we are here. */
	for (i = 0; i + 1 < n && total > max; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, v[i].name);
		if (!unlink(path)) {
			total -= v[i].size;
			log_msg(LOG_LVL_INFO, "removed capture %s: %s over captures_max_mb", path, dir);
		}
	}
	free(v);
}

/* The rule in the capture's command line, for its report (NULL when it does not fit). */
static const char *breach_line(const struct slo_rule *r, char *buf, size_t len)
{
	static const int scopes[] = {
		[SLO_SYSTEM] = SLO_BREACH_SYSTEM,
		[SLO_CGROUP] = SLO_BREACH_CGROUP,
		[SLO_COMM] = SLO_BREACH_COMM,
		[SLO_TASK] = SLO_BREACH_TASK,
	};
	struct slo_breach b = {};

	snprintf(b.rule, sizeof(b.rule), "%s", r->name);
	snprintf(b.metric, sizeof(b.metric), "%s", slo_metric_names[r->metric]);
	b.objective_ns = r->objective_ns;
	b.observed_ns = r->observed_ns;
	b.scope = scopes[r->scope];
	if (r->scope == SLO_TASK)
		snprintf(b.target, sizeof(b.target), "%u", r->tid);
	else if (r->scope != SLO_SYSTEM)
		snprintf(b.target, sizeof(b.target), "%s", r->target);
	return slo_breach__format(buf, len, &b) ? NULL : buf;
}

void daemon_slo__capture(struct collector *c, struct daemon_settings *set, const int *fresh)
{
	char line[sizeof(((struct trace_meta *)0)->command)];
	double gap_s = set->capture_gap_s > 0 ? set->capture_gap_s : DAEMON_DEFAULT_CAPTURE_GAP_S;
	__u64 max = set->captures_max_bytes ? set->captures_max_bytes :
					      DAEMON_DEFAULT_CAPTURES_MAX_BYTES;
	char dir[1100], path[1400], safe[96], stamp[32], obs[16], obj[16];
	__u64 now = now_mono_ns();
	time_t t = time(NULL);
	struct tm tm;
	int i, err;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (i = 0; i < set->nr_slo; i++) {
		struct slo_rule *r = &set->slo[i];

		if (!fresh[i])
			continue;
		log_msg(LOG_LVL_WARN, "slo %s breached: %s %s, objective < %s", r->name,
			slo_metric_names[r->metric], fmt_duration(obs, sizeof(obs), r->observed_ns),
			fmt_duration(obj, sizeof(obj), r->objective_ns));
		if (!c->flight || !set->metrics_dir[0]) {
			r->captures_skipped++;
			continue;
		}
		if (r->last_capture_ns && now - r->last_capture_ns < (__u64)(gap_s * 1e9)) {
			r->captures_skipped++;
			log_msg(LOG_LVL_INFO, "slo %s: no capture, the last was under %g s ago "
				"(capture_interval)", r->name, gap_s);
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/captures", set->metrics_dir);
		if (mkdir(dir, 0700) && errno != EEXIST) {
			log_msg(LOG_LVL_ERR, "slo %s: cannot make %s: %s", r->name, dir,
				strerror(errno));
			r->captures_skipped++;
			continue;
		}
		file_safe(safe, sizeof(safe), r->name);
		snprintf(path, sizeof(path), "%s/slo-%s-%s.sdt", dir, stamp, safe);
		err = collector__capture(c, path, breach_line(r, line, sizeof(line)));
		if (err) {
			log_msg(LOG_LVL_ERR, "slo %s: failed to write the capture %s: %s", r->name,
				path, strerror(-err));
			r->captures_skipped++;
			continue;
		}
		r->captures++;
		r->last_capture_ns = now;
		log_msg(LOG_LVL_WARN, "slo %s: wrote capture %s (schedrift report %s)", r->name, path,
			path);
		cap_directory(dir, max);
	}
}
