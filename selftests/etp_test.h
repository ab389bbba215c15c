/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by ETP's C selftests (kselftest harness). */
#ifndef _ETP_TEST_H
#define _ETP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The protocol number etp.ko was loaded with. */
static inline int etp_proto(void)
{
	FILE *f = fopen("/sys/module/etp/parameters/proto", "r");
	int proto = 253;

	if (f) {
		if (fscanf(f, "%d", &proto) != 1)
			proto = 253;
		fclose(f);
	}
	return proto;
}

static inline int etp_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, etp_proto());
}

static inline struct sockaddr_in etp_addr(const char *ip, unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static inline int etp_bind(int fd, const char *ip, unsigned short port)
{
	struct sockaddr_in a = etp_addr(ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline unsigned short etp_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

/*
 * The number of lines of a /proc/net/tcp-style table (PATH) with local port
 * LPORT, remote port RPORT (0: any) and state STATE (0: any); -1 when the
 * file cannot be read.
 */
static inline int etp_proc_count_in(const char *path, unsigned short lport,
				    unsigned short rport, int state)
{
	FILE *f = fopen(path, "r");
	unsigned int lp, rp, st;
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %*8X:%4X %*8X:%4X %2X", &lp, &rp, &st) == 3 &&
		    lp == lport && (!rport || rp == rport) && (!state || (int)st == state))
			n++;
	fclose(f);
	return n;
}

/* Whether /proc/net/etp has a line with this local port and state code. */
static inline int etp_proc_has(unsigned short port, int state)
{
	int n = etp_proc_count_in("/proc/net/etp", port, 0, state);

	return n < 0 ? n : n > 0;
}

#endif /* _ETP_TEST_H */
