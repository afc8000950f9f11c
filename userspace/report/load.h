/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The report model (report.h) from a trace file: every record folded, then derived. */
#ifndef SCHEDRIFT_REPORT_LOAD_H
#define SCHEDRIFT_REPORT_LOAD_H

#include "report/report.h"

/*
 * Read the whole file into r. Returns 0; or EXIT_USAGE after filling
 * e->msg/offset when the file is unreadable, foreign, corrupt or truncated.
 * With salvage, a damaged file still yields what was read before the damage
 * (r->error says what stopped it) and returns 0 unless the header is bad.
 */
int report__load(struct report *r, const char *path, int salvage, struct trace_error *e);

#endif /* SCHEDRIFT_REPORT_LOAD_H */
