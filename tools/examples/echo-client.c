// SPDX-License-Identifier: GPL-2.0
/*
 * echo-client [-w SECONDS] HOST PORT MESSAGE: the client of echo-server.
 *
 * Connects over ETP (socket(AF_INET, SOCK_STREAM, 253)), sends MESSAGE,
 * shuts down its sending side (a FIN: "no more from me"), reads the echo
 * until the server's FIN, prints it and checks it is what was sent. -w:
 * retry a refused connection for up to SECONDS (a server started just
 * before). HOST is an IPv4 address: ETP has no IPv6 yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "etp-proto.h"

static void usage(void)
{
	fprintf(stderr, "usage: echo-client [-w SECONDS] HOST PORT MESSAGE\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int proto = etp_proto(), s, port;
	double wait = 0, deadline;
	size_t len, got = 0;
	char *end, *back;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "-w")) {
		if (argc < 3)
			usage();
		wait = strtod(argv[2], &end);
		if (*end || end == argv[2] || wait < 0)
			usage();
		argv += 2;
		argc -= 2;
	}
	if (argc != 4)
		usage();
	port = strtol(argv[2], &end, 10);
	if (*end || end == argv[2] || port < 1 || port > 65535)
		usage();
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "echo-client: %s is not an IPv4 address (ETP has no IPv6 and "
			"this client looks up no names: try 127.0.0.1)\n", argv[1]);
		return 2;
	}
	addr.sin_port = htons(port);
	len = strlen(argv[3]);

	deadline = now() + wait;
	for (;;) {
		s = socket(AF_INET, SOCK_STREAM, proto);
		if (s < 0) {
			if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT)
				etp_not_loaded("echo-client", proto);
			perror("echo-client: socket");
			return 1;
		}
		if (!connect(s, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		if (errno == ECONNREFUSED && now() < deadline) {
			close(s);
			usleep(100000);
			continue;
		}
		if (errno == ECONNREFUSED)
			fprintf(stderr, "echo-client: nothing listens on %s:%d over ETP "
				"(connection refused): start echo-server first\n", argv[1], port);
		else
			fprintf(stderr, "echo-client: connect to %s:%d: %s\n",
				argv[1], port, strerror(errno));
		return 1;
	}

	if (send(s, argv[3], len, MSG_NOSIGNAL) != (ssize_t)len || shutdown(s, SHUT_WR) < 0) {
		perror("echo-client: send");
		return 1;
	}
	back = malloc(len + 1);
	if (!back)
		return 1;
	/* Read until the server's FIN (recv() returns 0), one byte beyond
	 * what was sent at most: more would be a wrong echo.
	 */
	while (got <= len && (n = recv(s, back + got, len + 1 - got, 0)) > 0)
		got += n;
	if (got <= len && n < 0) {
		perror("echo-client: recv");
		return 1;
	}
	printf("%.*s\n", (int)got, back);
	if (got != len || memcmp(back, argv[3], len)) {
		fprintf(stderr, "echo-client: the echo differs from what was sent\n");
		return 1;
	}
	close(s);
	free(back);
	return 0;
}
