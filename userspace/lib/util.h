/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers every subcommand needs: number parsing, clocks, messages. */
#ifndef SCHEDRIFT_UTIL_H
#define SCHEDRIFT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <linux/types.h>

/* Exit codes (interface.md). */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern int verbose;

/* Parse a whole decimal string into [min, max]. Returns 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out);
/* Parse a nice value, -20..19 (sign allowed). Returns 0 or -EINVAL/-ERANGE. */
int parse_nice(const char *s, int *out);
/* Parse seconds, e.g. "10", "0.5"; must be in (0, max]. */
int parse_seconds(const char *s, double max, double *out);

/* The longest duration parse_duration_ns() takes: waits over an hour are discarded anyway. */
#define DURATION_MAX_NS 3600e9
/*
 * The config file's durations, "2ms", "500us", "1.5s", "750ns", in
 * [1 ns, an hour] -> ns. Returns 0 or -EINVAL.
 */
int parse_duration_ns(const char *s, __u64 *out);
/*
 * --min-lat: the same durations, a bare number of milliseconds ("2",
 * "0.5") as before, and 0 (any unit) for off. Returns 0, -EINVAL or -ERANGE.
 */
int parse_min_lat(const char *s, __u64 *out);
/* What parse_min_lat() takes, for the usage error. */
#define MIN_LAT_SYNTAX "want a duration up to 1 hour (1ms, 500us, 2s), milliseconds, or 0"

/* "schedrift CMD: <fmt with arg> (see schedrift CMD --help)"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, const char *arg);
/*
 * The one-line usage error for getopt's '?' or ':' (optstrings start with
 * ':' and opterr is 0, so getopt itself prints nothing).
 */
int option_error(const char *cmd, int opt, char *const argv[]);

/* qsort() comparator of __u64 values, ascending. */
int cmp_u64(const void *a, const void *b);

__u64 now_mono_ns(void);
__u64 now_realtime_ns(void);

/* "schedrift: <message>\n" on stderr. */
void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like msg_err, but only with -v. */
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Length of the valid UTF-8 sequence at s (1 for ASCII, 2..4), or 0 when
 * it is invalid: overlong forms, surrogates, past U+10FFFF, or cut short
 * by `left`. Used wherever arbitrary bytes (comm, cgroup paths) must come
 * out as valid UTF-8.
 */
size_t utf8_len(const unsigned char *s, size_t left);

/*
 * Length of the run at s, at most len, of bytes in [lo, hi] that are not
 * in `special`: the part an escaper can copy out in one write.
 */
size_t plain_run(const unsigned char *s, size_t len, unsigned char lo, unsigned char hi,
		 const char *special);

/* A duration for people: 850ns, 12.3us, 4.56ms, 1.23s. Returns buf. */
const char *fmt_duration(char *buf, size_t len, __u64 ns);

/* syslog levels, for the daemon's log lines. */
#define LOG_LVL_ERR 3
#define LOG_LVL_WARN 4
#define LOG_LVL_INFO 6
#define LOG_LVL_DEBUG 7

/*
 * One log line on stderr: "<N>schedrift: msg" under systemd (the journal
 * reads the level from the prefix), "schedrift: level: msg" elsewhere.
 * Debug lines only with -v.
 */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s without its leading blanks and trailing blanks and line ends (cut in place). */
char *str_trim(char *s);

/*
 * Room for one more element after the first n of the array *v (elements of
 * size bytes, *cap of them allocated): when full, doubles *cap (to first
 * when 0) and reallocates. 0, or -ENOMEM with *v and *cap unchanged.
 * ARRAY_GROW takes the array and its capacity by name.
 */
int array__grow(void **v, size_t n, size_t *cap, size_t size, size_t first);
#define ARRAY_GROW(arr, n, cap, first) \
	array__grow((void **)&(arr), (n), &(cap), sizeof(*(arr)), (first))

#endif /* SCHEDRIFT_UTIL_H */
