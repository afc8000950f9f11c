// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The log of a metrics directory that cannot be written (export_fault.c),
 * on a clock the test moves, one failed write per 0.5 s "interval":
 * - a problem logs one line when it starts, a reminder only once at least
 *   the reminder period has passed since the last line about it (so 60 s of
 *   ENOSPC with a 10 s period gives exactly 6 reminders), and one line when
 *   the files are written again, with the count of failed writes and the
 *   outage's length;
 * - another errno is another problem: one "now ..." line naming the old
 *   one, and the reminder clock starts again;
 * - writes that succeed log nothing; a second outage starts a new count;
 * - a SIGHUP to another directory ends a problem with one line;
 * - the reminder period comes from SCHEDRIFT_ERROR_REMINDER, a bad value
 *   keeps the default.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "daemon/export_fault.h"

#define S 1000000000ull

static FILE *logf, *real_stderr;

/* The code under test logs to stderr: into logf, while CHECK's own messages stay visible. */
static int update(struct export_fault *f, const char *dir, int err, __u64 now)
{
	int r;

	stderr = logf;
	r = export_fault__update(f, dir, err, now);
	stderr = real_stderr;
	return r;
}

static void forget(struct export_fault *f, const char *dir, __u64 now)
{
	stderr = logf;
	export_fault__forget(f, dir, now);
	stderr = real_stderr;
}

static __u64 remind_from_env(void)
{
	__u64 r;

	stderr = logf;
	r = export_fault__remind_from_env();
	stderr = real_stderr;
	return r;
}

/* What the code under test logged since the last call. */
static char *take_log(void)
{
	static char buf[65536];
	size_t n;

	fflush(logf);
	fseek(logf, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, logf);
	buf[n] = 0;
	if (ftruncate(fileno(logf), 0))
		buf[0] = 0;
	fseek(logf, 0, SEEK_SET);
	return buf;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

int main(void)
{
	struct export_fault f;
	__u64 t = 100 * S;
	int i, r, reminders = 0, quiet = 0;
	char *log;

	logf = tmpfile();
	real_stderr = stderr;
	if (!logf)
		return 1;
	unsetenv("JOURNAL_STREAM");

	export_fault__init(&f, 10 * S);
	CHECK_EQ_U64(update(&f, "/m", 0, t), EXPORT_FAULT_OK);
	CHECK_STR(take_log(), "");

	/* 60 s of ENOSPC: 121 failed writes at 0.5 s. */
	CHECK_EQ_U64(update(&f, "/m", -ENOSPC, t), EXPORT_FAULT_STARTED);
	log = take_log();
	CHECK(strstr(log, "error: cannot write the metric files in /m: No space left on device; "
			  "the last complete files stay, retrying every interval\n") != NULL,
	      "%s", log);
	CHECK_EQ_U64(count(log, "\n"), 1);
	for (i = 1; i <= 120; i++) {
		r = update(&f, "/m", -ENOSPC, t + i * S / 2);
		reminders += r == EXPORT_FAULT_REMINDED;
		quiet += r == EXPORT_FAULT_QUIET;
	}
	CHECK_EQ_U64(reminders, 6);
	CHECK_EQ_U64(quiet, 114);
	log = take_log();
	CHECK_EQ_U64(count(log, "still cannot write the metric files in /m: No space left on "
				"device"), 6);
	CHECK(strstr(log, "not written for 60 s (121 failed writes)") != NULL, "%s", log);
	t += 60 * S;

	/* Read-only while full: another problem, one line, its own reminder clock. */
	t += S / 2;
	CHECK_EQ_U64(update(&f, "/m", -EROFS, t), EXPORT_FAULT_CHANGED);
	log = take_log();
	CHECK(strstr(log, "cannot write the metric files in /m: now Read-only file system, after "
			  "No space left on device for 60.5 s;") != NULL, "%s", log);
	CHECK_EQ_U64(update(&f, "/m", -EROFS, t + 9 * S), EXPORT_FAULT_QUIET);
	CHECK_EQ_U64(update(&f, "/m", -EROFS, t + 10 * S), EXPORT_FAULT_REMINDED);
	take_log();

	/* Written again: one line with the whole outage. */
	t += 11 * S;
	CHECK_EQ_U64(update(&f, "/m", 0, t), EXPORT_FAULT_CLEARED);
	log = take_log();
	CHECK(strstr(log, "info: metric files in /m written again, after 124 failed writes in "
			  "71.5 s (the last problem: Read-only file system)\n") != NULL, "%s", log);
	CHECK_EQ_U64(count(log, "\n"), 1);
	CHECK_EQ_U64(update(&f, "/m", 0, t + S), EXPORT_FAULT_OK);
	CHECK_STR(take_log(), "");

	/* A second outage counts from 1, with the hints an operator needs. */
	t += 100 * S;
	CHECK_EQ_U64(update(&f, "/m", -EACCES, t), EXPORT_FAULT_STARTED);
	log = take_log();
	CHECK(strstr(log, "Permission denied (the daemon has dropped CAP_DAC_OVERRIDE") != NULL,
	      "%s", log);
	CHECK_EQ_U64(update(&f, "/m", -ENOENT, t + S), EXPORT_FAULT_CHANGED);
	log = take_log();
	CHECK(strstr(log, "No such file or directory (the daemon does not create it") != NULL,
	      "%s", log);
	CHECK_EQ_U64(update(&f, "/m", 0, t + 2 * S), EXPORT_FAULT_CLEARED);
	log = take_log();
	CHECK(strstr(log, "after 2 failed writes in 2.0 s") != NULL, "%s", log);

	/* SIGHUP to another directory while failing: one line, then a clean slate. */
	CHECK_EQ_U64(update(&f, "/m", -ENOSPC, t + 3 * S), EXPORT_FAULT_STARTED);
	take_log();
	forget(&f, "/m", t + 5 * S);
	log = take_log();
	CHECK(strstr(log, "warning: no longer writing to /m (another metrics dir): its files were "
			  "not written for 2.0 s (1 failed write, the last problem: No space left "
			  "on device)\n") != NULL, "%s", log);
	CHECK_EQ_U64(update(&f, "/n", 0, t + 6 * S), EXPORT_FAULT_OK);
	CHECK_EQ_U64(f.failed_total, 127); /* for the counter: every failed write, never reset */
	forget(&f, "/n", t + 7 * S);
	CHECK_STR(take_log(), "");

	/* The reminder period from the environment. */
	unsetenv(EXPORT_FAULT_REMIND_ENV);
	CHECK_EQ_U64(remind_from_env(), 600 * S);
	setenv(EXPORT_FAULT_REMIND_ENV, "1.5", 1);
	CHECK_EQ_U64(remind_from_env(), 1500000000ull);
	setenv(EXPORT_FAULT_REMIND_ENV, "soon", 1);
	CHECK_EQ_U64(remind_from_env(), 600 * S);
	log = take_log();
	CHECK(strstr(log, "ignoring SCHEDRIFT_ERROR_REMINDER='soon'") != NULL, "%s", log);

	return check_summary();
}
