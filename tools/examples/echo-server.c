// SPDX-License-Identifier: GPL-2.0
/*
 * echo-server [--once] [PORT]: an ETP echo server, the first ETP program in C.
 *
 * A TCP echo server in all but one number: the socket is made with
 * socket(AF_INET, SOCK_STREAM, 253), IP protocol 253 being ETP's (RFC 3692).
 * It sends back whatever a client sends until the client shuts down its
 * side, one connection at a time; --once stops after the first. Built by
 * `make tools`; run it where etp.ko is loaded, e.g. in the test VM:
 *
 *   scripts/vm -- bash -c 'tools/examples/echo-server --once &
 *                          tools/examples/echo-client -w 5 127.0.0.1 7000 hello'
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "etp-proto.h"

static void usage(void)
{
	fprintf(stderr, "usage: echo-server [--once] [PORT]   (PORT: default 7000)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int once = 0, port = 7000, proto = etp_proto(), one = 1;
	int srv, i;

	for (i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--once")) {
			once = 1;
			continue;
		}
		port = strtol(argv[i], &end, 10);
		if (*end || end == argv[i] || port < 1 || port > 65535)
			usage();
	}

	srv = socket(AF_INET, SOCK_STREAM, proto);
	if (srv < 0) {
		if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT)
			etp_not_loaded("echo-server", proto);
		perror("echo-server: socket");
		return 1;
	}
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_port = htons(port);
	if (bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(srv, 16) < 0) {
		if (errno == EADDRINUSE) {
			fprintf(stderr, "echo-server: port %d is in use by another ETP socket: "
				"give another port (echo-server PORT)\n", port);
			return 1;
		}
		perror("echo-server: bind");
		return 1;
	}
	printf("echo-server: listening on port %d (ETP, IP protocol %d)\n", port, proto);
	fflush(stdout);

	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		long total = 0;
		char buf[65536];
		ssize_t n;
		int c;

		c = accept(srv, (struct sockaddr *)&peer, &len);
		if (c < 0) {
			perror("echo-server: accept");
			return 1;
		}
		/* recv() returns 0 at the client's FIN: it sends no more. */
		while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
			ssize_t off = 0;

			while (off < n) {
				ssize_t w = send(c, buf + off, n - off, MSG_NOSIGNAL);

				if (w < 0)
					break;
				off += w;
			}
			if (off < n)
				break;
			total += n;
		}
		if (n < 0)
			perror("echo-server: recv");
		close(c);
		printf("echo-server: %s:%d sent %ld bytes, all sent back\n",
		       inet_ntoa(peer.sin_addr), ntohs(peer.sin_port), total);
		fflush(stdout);
		if (once)
			return 0;
	}
}
