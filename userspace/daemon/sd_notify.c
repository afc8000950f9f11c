// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "daemon/sd_notify.h"

/*
 * A full receive queue (a manager that is not reading) blocks a datagram
 * send. READY and STOPPING wait for room a little; watchdog pings do not
 * wait at all: the ingest thread must not stall on them.
 */
static int notify(const char *state, int wait)
{
	struct timeval tv = { .tv_usec = 250000 };
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	socklen_t salen;
	int fd, err = 0;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = 0; /* abstract namespace */
	salen = offsetof(struct sockaddr_un, sun_path) + len;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (wait)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT),
		   (struct sockaddr *)&sa, salen) < 0)
		err = -errno;
	close(fd);
	return err;
}

int sd_notify__send(const char *state)
{
	return notify(state, 1);
}

int sd_notify__ping(void)
{
	return notify("WATCHDOG=1", 0);
}

__u64 sd_notify__watchdog_usec(void)
{
	const char *v = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (!v || (pid && atol(pid) != getpid()))
		return 0;
	return strtoull(v, NULL, 10);
}
