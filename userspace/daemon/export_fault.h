/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the log says while the metric files cannot be written (a full disk,
 * a read-only remount, the directory gone or not writable): one line when
 * a problem starts or turns into another (a different errno), a reminder
 * at most every remind_ns while it lasts, one line when the files are
 * written again. The daemon retries every interval, so logging each failure
 * would repeat one line 8 640 times a day at the default interval and bury
 * the line that says when it began (docs/daemon.md, "When the metrics
 * directory fails").
 */
#ifndef SCHEDRIFT_EXPORT_FAULT_H
#define SCHEDRIFT_EXPORT_FAULT_H

#include <linux/types.h>

#define EXPORT_FAULT_DEFAULT_REMIND_S 600.0
/* Environment variable that overrides the reminder period (seconds). */
#define EXPORT_FAULT_REMIND_ENV "SCHEDRIFT_ERROR_REMINDER"

struct export_fault {
	__u64 remind_ns;
	int err;		/* the problem now: 0 (files written) or -errno */
	__u64 since_ns;		/* when this problem started (monotonic) */
	__u64 logged_ns;	/* the last line about it */
	__u64 outage_ns;	/* when the files were last written, or the first failure */
	__u64 failed;		/* failed writes since then */
	__u64 failed_total;	/* failed writes since the start, for the counter */
};

/* What export_fault__update() did. */
enum {
	EXPORT_FAULT_OK,	/* written, and the last one was too: nothing logged */
	EXPORT_FAULT_QUIET,	/* the same problem again, within the reminder period */
	EXPORT_FAULT_STARTED,	/* logged: the files cannot be written */
	EXPORT_FAULT_CHANGED,	/* logged: another problem than the last one */
	EXPORT_FAULT_REMINDED,	/* logged: still the same problem */
	EXPORT_FAULT_CLEARED,	/* logged: written again */
};

void export_fault__init(struct export_fault *f, __u64 remind_ns);
/*
 * The reminder period from EXPORT_FAULT_REMIND_ENV, or the default; a bad
 * value is logged and the default used.
 */
__u64 export_fault__remind_from_env(void);
/* After each attempt to write the files of dir: err is 0 or -errno. Returns EXPORT_FAULT_*. */
int export_fault__update(struct export_fault *f, const char *dir, int err, __u64 now_ns);
/* dir stops being the metrics directory (SIGHUP): a problem there ends, saying so. */
void export_fault__forget(struct export_fault *f, const char *dir, __u64 now_ns);

#endif /* SCHEDRIFT_EXPORT_FAULT_H */
