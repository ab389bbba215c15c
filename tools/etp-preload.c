// SPDX-License-Identifier: GPL-2.0
/*
 * etp-preload.so: run an unmodified TCP program over ETP.
 *
 *   LD_PRELOAD=/abs/path/tools/etp-preload.so PROGRAM ARGS...
 *   tools/etp-run PROGRAM ARGS...          (the same, with checks)
 *
 * The library interposes socket(): socket(AF_INET, SOCK_STREAM, 0 or
 * IPPROTO_TCP), with or without SOCK_NONBLOCK and SOCK_CLOEXEC, becomes
 * socket(AF_INET, SOCK_STREAM, ETP's protocol number). Everything else (AF_INET6,
 * AF_UNIX, UDP, raw sockets, an explicit other protocol) is passed through
 * unchanged. ETP's number is $ETP_PROTO if set, else
 * /sys/module/etp/parameters/proto, else 253; it is read once, when the
 * library is loaded.
 *
 * Accepted sockets need nothing: accept() on an ETP listener gives ETP
 * sockets. ETP takes the options programs set at level IPPROTO_TCP
 * (TCP_NODELAY, TCP_KEEP*, TCP_MAXSEG, TCP_INFO, TCP_CONGESTION, ...), so
 * setsockopt() and getsockopt() are not interposed.
 *
 * Limits:
 * - only programs that call socket() through the dynamic linker: statically
 *   linked programs (busybox-static, Go binaries) and code that makes the
 *   system call itself keep TCP;
 * - IPv4 only: ETP has no IPv6, so AF_INET6 sockets stay TCP. Programs
 *   that try IPv6 first and fall back to IPv4 when the system has no IPv6
 *   (busybox's nc -l listens on :: that way) can be moved by
 *   ETP_PRELOAD_NO_INET6=1 (`etp-run -4`): then socket(AF_INET6,
 *   SOCK_STREAM, 0 or IPPROTO_TCP) fails with EAFNOSUPPORT, as on a kernel
 *   without IPv6, and their fallback is ETP;
 * - the sockets are not disguised: getsockopt(SO_PROTOCOL) says ETP's number
 *   (253), and so do /proc/net/etp and ss. Programs rarely ask, and a truthful
 *   answer keeps them honest to inspect;
 * - if ETP is not loaded, socket() fails with EPROTONOSUPPORT (the kernel's
 *   answer): the program does not silently fall back to TCP.
 *
 * ETP_PRELOAD_DEBUG=1 logs each socket it turns into ETP on standard error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETP_PROTO_DEFAULT 253

static int etp_proto = ETP_PROTO_DEFAULT;
static int etp_debug;
static int etp_no_inet6;
static int (*real_socket)(int, int, int);

/* A protocol number from a string, or -1. */
static int parse_proto(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (*end && *end != '\n') || v < 1 || v > 255)
		return -1;
	return v;
}

__attribute__((constructor))
static void etp_preload_init(void)
{
	const char *env = getenv("ETP_PROTO");
	const char *dbg = getenv("ETP_PRELOAD_DEBUG");
	const char *no6 = getenv("ETP_PRELOAD_NO_INET6");
	char buf[16];
	FILE *f;
	int p;

	etp_debug = dbg && *dbg && strcmp(dbg, "0");
	etp_no_inet6 = no6 && *no6 && strcmp(no6, "0");
	real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");

	if (env && *env) {
		p = parse_proto(env);
		if (p > 0)
			etp_proto = p;
		else
			fprintf(stderr, "etp-preload: bad ETP_PROTO '%s', using %d\n",
				env, etp_proto);
		return;
	}
	f = fopen("/sys/module/etp/parameters/proto", "re");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		p = parse_proto(buf);
		if (p > 0)
			etp_proto = p;
	}
	fclose(f);
}

int socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fd;

	if (!real_socket) {
		/* Called before the constructor, from another constructor. */
		real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
		if (!real_socket) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (base != SOCK_STREAM || (protocol != 0 && protocol != IPPROTO_TCP))
		return real_socket(domain, type, protocol);
	if (domain == AF_INET6 && etp_no_inet6) {
		if (etp_debug)
			fprintf(stderr, "etp-preload: pid %d: TCP over IPv6 refused (EAFNOSUPPORT)\n",
				(int)getpid());
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (domain != AF_INET)
		return real_socket(domain, type, protocol);

	fd = real_socket(domain, type, etp_proto);
	if (etp_debug) {
		int saved = errno;

		if (fd >= 0)
			fprintf(stderr, "etp-preload: pid %d: TCP socket fd %d is ETP (protocol %d)\n",
				(int)getpid(), fd, etp_proto);
		else
			fprintf(stderr, "etp-preload: pid %d: socket(AF_INET, SOCK_STREAM, %d): %s\n",
				(int)getpid(), etp_proto, strerror(saved));
		errno = saved;
	}
	return fd;
}
