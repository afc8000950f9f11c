// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/export_fault.h"
#include "lib/util.h"

void export_fault__init(struct export_fault *f, __u64 remind_ns)
{
	memset(f, 0, sizeof(*f));
	f->remind_ns = remind_ns;
}

__u64 export_fault__remind_from_env(void)
{
	const char *v = getenv(EXPORT_FAULT_REMIND_ENV);
	double s;

	if (!v || !*v)
		return EXPORT_FAULT_DEFAULT_REMIND_S * 1e9;
	if (parse_seconds(v, 86400 * 7, &s)) {
		log_msg(LOG_LVL_WARN, "ignoring %s='%s' (seconds, up to a week): reminders "
			"every %g s", EXPORT_FAULT_REMIND_ENV, v, EXPORT_FAULT_DEFAULT_REMIND_S);
		return EXPORT_FAULT_DEFAULT_REMIND_S * 1e9;
	}
	return s * 1e9;
}

/* What the operator can do about the problems they can cause. */
static const char *hint(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		/* Root that ignored a chmod would surprise; keeping the capability
		 * would widen what a bug can do. */
		return " (the daemon has dropped CAP_DAC_OVERRIDE: the directory's permissions "
		       "must let uid 0 write)";
	case -ENOENT:
	case -ENOTDIR:
		return " (the daemon does not create it; it writes again once it is back)";
	default:
		return "";
	}
}

static const char *plural(__u64 n)
{
	return n == 1 ? "" : "s";
}

int export_fault__update(struct export_fault *f, const char *dir, int err, __u64 now)
{
	int what;

	if (!err && !f->err)
		return EXPORT_FAULT_OK;
	if (!err) {
		log_msg(LOG_LVL_INFO, "metric files in %s written again, after %llu failed write%s "
			"in %.1f s (the last problem: %s)", dir, (unsigned long long)f->failed,
			plural(f->failed), (now - f->outage_ns) / 1e9, strerror(-f->err));
		f->err = 0;
		f->failed = 0;
		return EXPORT_FAULT_CLEARED;
	}
	if (!f->failed)
		f->outage_ns = now;
	f->failed++;
	f->failed_total++;
	if (err == f->err) {
		if (now - f->logged_ns < f->remind_ns)
			return EXPORT_FAULT_QUIET;
		f->logged_ns = now;
		log_msg(LOG_LVL_ERR, "still cannot write the metric files in %s: %s; not written "
			"for %.0f s (%llu failed write%s), the last complete files stay", dir,
			strerror(-err), (now - f->outage_ns) / 1e9, (unsigned long long)f->failed,
			plural(f->failed));
		return EXPORT_FAULT_REMINDED;
	}
	if (f->err) {
		log_msg(LOG_LVL_ERR, "cannot write the metric files in %s: now %s%s, after %s for "
			"%.1f s; the last complete files stay, retrying every interval", dir,
			strerror(-err), hint(err), strerror(-f->err), (now - f->since_ns) / 1e9);
		what = EXPORT_FAULT_CHANGED;
	} else {
		log_msg(LOG_LVL_ERR, "cannot write the metric files in %s: %s%s; the last complete "
			"files stay, retrying every interval", dir, strerror(-err), hint(err));
		what = EXPORT_FAULT_STARTED;
	}
	f->err = err;
	f->since_ns = now;
	f->logged_ns = now;
	return what;
}

void export_fault__forget(struct export_fault *f, const char *dir, __u64 now)
{
	if (f->err)
		log_msg(LOG_LVL_WARN, "no longer writing to %s (another metrics dir): its files "
			"were not written for %.1f s (%llu failed write%s, the last problem: %s)",
			dir, (now - f->outage_ns) / 1e9, (unsigned long long)f->failed,
			plural(f->failed), strerror(-f->err));
	f->err = 0;
	f->failed = 0;
}
