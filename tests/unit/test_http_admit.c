// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who keeps an HTTP slot (userspace/daemon/http_admit.c), with socket pairs for
 * the connections: the client end reads what a turned-away client reads.
 * - free slots are taken first, nobody is turned away;
 * - full: the connection that has waited longest for its request is told
 *   408 and shut down, never one being answered nor one whose whole
 *   request header sits unread in its socket (half a header does not
 *   count), and the newcomer takes its slot;
 * - a connection whose answer ended waits again from then (keep-alive);
 * - every slot busy: the newcomer is told 503 and shut down (-EBUSY);
 * - a closed connection frees its slot; an evicted one's close is a no-op;
 * - the counts of both.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "daemon/http_admit.h"

#define CAP 4
#define N 8

static int srv[N], cli[N];
static const char full_req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

/* What the client end of connection i has been sent, "" if nothing; "EOF" appended on shutdown. */
static const char *got(int i)
{
	static char buf[256];
	ssize_t n = recv(cli[i], buf, sizeof(buf) - 4, MSG_DONTWAIT);

	if (n < 0)
		return "";
	buf[n] = 0;
	if (n > 0 && recv(cli[i], buf + n, 1, MSG_DONTWAIT) == 0)
		strcat(buf, "EOF");
	return buf;
}

static int status(int i)
{
	const char *s = got(i);

	return strncmp(s, "HTTP/1.1 ", 9) ? 0 : atoi(s + 9);
}

int main(void)
{
	struct http_admit a;
	int i, sv[2];

	for (i = 0; i < N; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 77;
		srv[i] = sv[0];
		cli[i] = sv[1];
	}
	http_admit__init(&a, CAP);
	for (i = 0; i < CAP; i++)
		CHECK(http_admit__open(&a, &srv[i], srv[i], 100 + i) == 0, "slot %d", i);
	for (i = 0; i < CAP; i++)
		CHECK_STR(got(i), "");
	/* 0 and 1 are being answered; 2 finished an answer at 200 (waits since then). */
	http_admit__set_busy(&a, &srv[0], true, 150);
	http_admit__set_busy(&a, &srv[1], true, 150);
	http_admit__set_busy(&a, &srv[2], true, 150);
	http_admit__set_busy(&a, &srv[2], false, 200);
	/* 3 (waiting since 103) has half a request in its socket: that does not save it. */
	CHECK(write(cli[3], "GET /metrics HTTP/1.1\r\n", 23) == 23);
	/* Full: 3 goes, not 2 (since 200), never 0 or 1. */
	CHECK(http_admit__open(&a, &srv[4], srv[4], 300) == 0);
	CHECK_EQ_U64(status(3), 408);
	CHECK_STR(got(3), ""); /* nothing more after the 408 and the shutdown */
	CHECK_EQ_U64(a.evicted, 1);
	/* Next would be 2 (since 200), but its whole request is waiting to be read: 4 goes. */
	CHECK(write(cli[2], full_req, sizeof(full_req) - 1) == sizeof(full_req) - 1);
	CHECK(http_admit__open(&a, &srv[5], srv[5], 400) == 0);
	CHECK_EQ_U64(status(4), 408);
	CHECK_STR(got(2), "");
	/* 2 is answered and waits for its next request from 450, so 5 (since 400) goes first. */
	http_admit__set_busy(&a, &srv[2], true, 420);
	http_admit__set_busy(&a, &srv[2], false, 450);
	{
		char drain[64];

		/* the library read it */
		CHECK(read(srv[2], drain, sizeof(drain)) == sizeof(full_req) - 1);
	}
	CHECK(http_admit__open(&a, &srv[4], srv[4], 460) == 0);
	CHECK_EQ_U64(status(5), 408);
	/* 2 and 4 now busy: all four slots are being answered, the newcomer is refused. */
	http_admit__set_busy(&a, &srv[2], true, 470);
	http_admit__set_busy(&a, &srv[4], true, 470);
	CHECK(http_admit__open(&a, &srv[6], srv[6], 500) == -EBUSY);
	CHECK_EQ_U64(status(6), 503);
	CHECK_EQ_U64(a.refused, 1);
	for (i = 0; i < 2; i++)
		CHECK_STR(got(i), "");
	/* Closing an evicted connection changes nothing; closing a held one frees its slot. */
	http_admit__close(&a, &srv[3]);
	CHECK(http_admit__open(&a, &srv[7], srv[7], 600) == -EBUSY);
	CHECK_EQ_U64(status(7), 503);
	http_admit__close(&a, &srv[0]);
	CHECK(http_admit__open(&a, &srv[3], srv[3], 700) == 0, "a freed slot is taken");
	CHECK_EQ_U64(a.evicted, 3);
	CHECK_EQ_U64(a.refused, 2);
	http_admit__destroy(&a);
	return check_summary();
}
