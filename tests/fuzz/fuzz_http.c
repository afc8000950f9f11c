// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: raw bytes sent to the daemon's HTTP server (http.c on
 * libmicrohttpd). The real server starts once per fuzzer process on
 * 127.0.0.1 at a free port, over a task table with a few tasks and a
 * published /metrics body; each input is one loopback connection: the
 * bytes are sent, the write side shut, and the reply read to the end.
 * The server's threads run instrumented code, so a crash or sanitizer
 * report there ends the run like one in this thread. After each input the
 * reply must be empty (a connection dropped) or start like an HTTP reply.
 *
 * The server closes first, so each connection leaves a TIME_WAIT socket on
 * the server's side for a minute, holding its 4-tuple. From one source
 * address, thousands of inputs a second reuse every ephemeral port within
 * that minute, each new SYN lands on a TIME_WAIT socket, and a campaign
 * once failed in connect() after some 150 000 inputs (with 14 000 sockets
 * in TIME_WAIT). Each input therefore connects from a source address of
 * its own: the next of 16.5 million in 127.1-254.x.y, so a 4-tuple comes
 * back only after about 40 minutes at 7 000 inputs a second, long after its
 * TIME_WAIT, and a long campaign stops only on a finding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "daemon/http.h"
#include "live/tasktable.h"

static struct sockaddr_in server;

/*
 * A socket bound to the next source address, its port chosen at connect()
 * (IP_BIND_ADDRESS_NO_PORT, Linux 4.2) so that only the 4-tuple must be
 * free. Unbound where the address cannot be had (127.0.0.0/8 is local on
 * Linux, but a sandbox may say otherwise).
 */
static int client_socket(void)
{
	static unsigned int next;
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	unsigned int a, b, c;

	if (fd < 0)
		return fd;
	next = (next + 1) % (254 * 256 * 254);
	a = next / (256 * 254) + 1; /* 1..254: not 127.0.x.y, where the server is */
	b = next / 254 % 256;       /* 0..255 */
	c = next % 254 + 1;         /* 1..254 */
	src.sin_addr.s_addr = htonl(0x7f000000u | a << 16 | b << 8 | c);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		close(fd);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	return fd;
}

/* A port nobody holds right now: bind port 0 and ask which one we got. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void server__start(void)
{
	static const char metrics[] = "# TYPE schedrift_migrations_total counter\n"
				      "schedrift_migrations_total{cause=\"wakeup\"} 3\n";
	struct tasktable *table = tasktable__new(64, 1);
	struct task_rec rec;
	struct http *h = NULL;
	char listen[32], *body;
	int i, err, port;

	if (!table)
		abort();
	for (i = 0; i < 3; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.generation = 1;
		rec.id.tid = 100 + i;
		rec.id.tgid = 100;
		rec.id.start_ns = 1000 + i;
		snprintf(rec.id.comm, sizeof(rec.id.comm), "task%d", i);
		rec.counts.waits = 10 * i;
		rec.counts.preferred_nid = -1;
		if (tasktable__update(table, &rec))
			abort();
	}
	/* Another process may take the port between free_port() and the bind: try again. */
	for (i = 0; i < 20 && !h; i++) {
		port = free_port();
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
		h = http__start(listen, table, 1, &err);
	}
	if (!h) {
		fprintf(stderr, "fuzz_http: cannot start the server\n");
		abort();
	}
	body = strdup(metrics);
	http__publish_metrics(h, body, strlen(body));
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The server lives as long as the process: the fuzzer never returns. */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	struct timeval tv = { .tv_sec = 10 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char reply[4096], head[8] = "";
	size_t off = 0, got = 0;
	ssize_t n;
	int fd, attempt;

	if (!started) {
		server__start();
		started = 1;
	}
	/*
	 * A campaign once stopped in connect() after 130 000 clean inputs, and
	 * the input did not reproduce it in 2 000 replays: a SYN dropped while
	 * the server's accept queue was full, most likely. The server's own
	 * faults show as crashes, sanitizer reports or bad replies, so a
	 * connect that fails is tried again from a new source address, twice,
	 * before it counts as the server gone.
	 */
	for (attempt = 0;; attempt++) {
		fd = client_socket();
		if (fd < 0)
			abort();
		/* Beyond the server's own 5 s connection timeout: a hang is a finding. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/*
		 * Closing with a zero linger sends a reset and leaves no TIME_WAIT
		 * behind: thousands of connections a second would otherwise use up
		 * the ephemeral ports within a minute.
		 */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (!connect(fd, (struct sockaddr *)&server, sizeof(server)))
			break;
		perror("fuzz_http: connect");
		close(fd);
		if (attempt == 2) {
			fprintf(stderr, "fuzz_http: 3 connects failed: is the server still up?\n");
			abort();
		}
		sleep(1);
	}
	/* The server may answer and close before it read everything: stop sending then. */
	while (off < size) {
		n = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, reply, sizeof(reply), 0)) > 0) {
		size_t room = got < sizeof(head) - 1 ? sizeof(head) - 1 - got : 0;

		if (room)
			memcpy(head + got, reply, (size_t)n < room ? (size_t)n : room);
		got += n;
	}
	close(fd);
	/* A reset is the server closing on unread bytes; only silence is a hang. */
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		perror("fuzz_http: no reply and no close within 10 s");
		abort();
	}
	if (got >= 7 && memcmp(head, "HTTP/1.", 7))
		abort();
	return 0;
}
