// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/util.h"

int verbose;

int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end || end == s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_nice(const char *s, int *out)
{
	__u64 v;
	int err;

	if (s && *s == '-') {
		err = parse_u64(s + 1, 0, 20, &v);
		if (!err)
			*out = -(int)v;
		return err;
	}
	err = parse_u64(s, 0, 19, &v);
	if (!err)
		*out = v;
	return err;
}

int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return -EINVAL;
	if (v <= 0 || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * A number and a unit; bare numbers take `bare_unit_ns` (0: a unit is
 * required). Only digits, a point and an exponent: no sign, blanks, hex,
 * inf or nan, which strtod() alone would take.
 */
static int parse_duration(const char *s, double bare_unit_ns, double *ns)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') || strpbrk(s, "xX"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	if (!*end && bare_unit_ns > 0) {
		*ns = v * bare_unit_ns;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit)) {
			*ns = v * units[i].ns;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_duration_ns(const char *s, __u64 *out)
{
	double ns;

	if (parse_duration(s, 0, &ns) || !(ns >= 1) || ns > DURATION_MAX_NS)
		return -EINVAL;
	*out = (__u64)(ns + 0.5);
	return 0;
}

int parse_min_lat(const char *s, __u64 *out)
{
	double ns;

	if (parse_duration(s, 1e6, &ns))
		return -EINVAL;
	if (ns == 0) {
		*out = 0;
		return 0;
	}
	if (!(ns >= 1) || ns > DURATION_MAX_NS)
		return -ERANGE;
	*out = (__u64)(ns + 0.5);
	return 0;
}

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "schedrift %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see schedrift %s --help)\n", cmd);
	return EXIT_USAGE;
}

int option_error(const char *cmd, int opt, char *const argv[])
{
	char shortopt[3] = { '-', (char)optopt, 0 };
	const char *last = argv[optind - 1];
	/*
	 * A long option is named as typed; a short one by optopt, since it may
	 * sit inside a cluster like -vx.
	 */
	const char *name = !strncmp(last, "--", 2) || !optopt ? last : shortopt;

	if (opt == ':')
		return usage_error(cmd, "option '%s' needs a value", name);
	return usage_error(cmd, "unknown option '%s'", name);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

__u64 now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

__u64 now_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void msg_err(const char *fmt, ...)
{
	va_list ap;

	/* Under systemd, a <3> prefix files the line at priority "err" in the journal. */
	fputs(getenv("JOURNAL_STREAM") ? "<3>schedrift: " : "schedrift: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fputs("schedrift: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const names[8] = { "emerg", "alert", "crit",	 "error",
					      "warning", "notice", "info", "debug" };
	va_list ap;

	if (level >= LOG_LVL_DEBUG && !verbose)
		return;
	if (level < 0 || level > 7)
		level = LOG_LVL_INFO;
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>schedrift: ", level);
	else
		fprintf(stderr, "schedrift: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

size_t plain_run(const unsigned char *s, size_t len, unsigned char lo, unsigned char hi,
		 const char *special)
{
	size_t n = 0;

	while (n < len && s[n] >= lo && s[n] <= hi && !(s[n] && strchr(special, s[n])))
		n++;
	return n;
}

size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned int cp, min;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0; /* a continuation byte, C0/C1 (always overlong) or F5..FF */
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

const char *fmt_duration(char *buf, size_t len, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

char *str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

int array__grow(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : first;
	if (want <= n || want > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*v, want * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = want;
	return 0;
}
