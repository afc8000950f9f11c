/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the daemon holds after attach: as few capabilities as work, and one lock. */
#ifndef SCHEDRIFT_DAEMON_PRIVILEGES_H
#define SCHEDRIFT_DAEMON_PRIVILEGES_H

#include "live/collector.h"

#define DAEMON_LOCK_DIR "/run/schedrift"
#define DAEMON_DEFAULT_LOCK DAEMON_LOCK_DIR "/daemon.lock"

/*
 * Drop every capability (bounding set too, and no_new_privs) in every
 * thread, keeping CAP_BPF (or CAP_SYS_ADMIN) only where the kernel refuses
 * map reads without it. Logs what it could not do.
 */
void daemon__drop_capabilities(struct collector *c);
/*
 * Take the single-instance lock at path (a second daemon would double the
 * overhead and fight over the files) and write our pid into it: the fd,
 * held open until exit, or -1 after printing one line.
 */
int daemon__take_lock(const char *path);

#endif /* SCHEDRIFT_DAEMON_PRIVILEGES_H */
