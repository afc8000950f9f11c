/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The systemd notify protocol, in the few lines it takes: one datagram to
 * the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is abstract). No-op
 * when the variable is unset, so it is safe to call anywhere.
 */
#ifndef SCHEDRIFT_SD_NOTIFY_H
#define SCHEDRIFT_SD_NOTIFY_H

#include <linux/types.h>

/*
 * e.g. "READY=1", "STOPPING=1", "STATUS=...": waits up to 250 ms for room
 * in the manager's queue. 0 or -errno.
 */
int sd_notify__send(const char *state);
/* "WATCHDOG=1", never waiting: -EAGAIN if the manager's queue is full. */
int sd_notify__ping(void);
/* The watchdog period systemd asked for ($WATCHDOG_USEC), or 0. */
__u64 sd_notify__watchdog_usec(void);

#endif /* SCHEDRIFT_SD_NOTIFY_H */
