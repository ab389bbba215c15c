/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for ETP's connection selftests (connect.c, data.c): a network
 * namespace per test case, sysctls and counters of that namespace, connected
 * pairs, /proc/net/etp states, patterned data.
 *
 * ETP_TEST_TCP=1 in the environment runs the same tests on the kernel's own
 * TCP (IPPROTO_TCP, /proc/net/tcp, the Tcp: and TcpExt: counters): a check of
 * the tests themselves, since ETP's socket semantics are TCP's. ETP's own
 * sysctls and counters that TCP lacks are then left alone and not checked.
 */
#ifndef _ETP_CONN_H
#define _ETP_CONN_H

#include <fcntl.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>

#include "etp_test.h"
#include "../module/states.h"

/* TCP state codes, as in /proc/net/tcp and /proc/net/etp: ST_ESTABLISHED... */
enum {
#define ST_ENUM(name, ...) ST_##name,
	ST_NONE, ETP_STATE_LIST(ST_ENUM, ST_ENUM)
#undef ST_ENUM
};

static inline int t_tcp_mode(void)
{
	const char *e = getenv("ETP_TEST_TCP");

	return e && *e && strcmp(e, "0");
}

static inline int t_proto(void)
{
	return t_tcp_mode() ? IPPROTO_TCP : etp_proto();
}

/* The level of the TCP-like socket options besides IPPROTO_TCP. */
static inline int t_sol(void)
{
	return t_proto();
}

static inline int t_socket(int flags)
{
	return socket(AF_INET, SOCK_STREAM | flags, t_proto());
}

static inline long t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void t_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * A network namespace of the calling process's own, with lo up: its sysctls
 * are its own and its counters start at zero. The harness runs every test case
 * in a process of its own, so the namespace goes away with the test case.
 */
static inline int t_netns(void)
{
	struct ifreq ifr;
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/*
 * t_sysctl(NAME, VALUE): set /proc/sys/net/etp/NAME in this namespace. Under
 * ETP_TEST_TCP the few with a TCP counterpart set that one; the others are
 * ignored (returns 1 then). Returns 0 when set, -1 on error.
 */
static inline int t_sysctl(const char *name, long value)
{
	char path[128];
	FILE *f;

	if (t_tcp_mode()) {
		if (!strcmp(name, "syn_retries")) {
			/* Newer kernels retransmit the first SYNs without backoff. */
			f = fopen("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "w");
			if (f) {
				fputs("0\n", f);
				fclose(f);
			}
			name = "tcp_syn_retries";
		} else if (!strcmp(name, "synack_retries"))
			name = "tcp_synack_retries";
		else if (!strcmp(name, "max_tw_entries"))
			name = "tcp_max_tw_buckets";
		else
			return 1;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	} else {
		snprintf(path, sizeof(path), "/proc/sys/net/etp/%s", name);
	}
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", value);
	return fclose(f) ? -1 : 0;
}

/* The value of NAME in the two-line counter file PATH whose lines start PREFIX. */
static inline long t_stat_file(const char *path, const char *prefix, const char *name)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f)) {
		if (!fgets(values, sizeof(values), f))
			break;
		if (strncmp(names, prefix, strlen(prefix)))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				val = strtol(v, NULL, 10);
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return val;
}

/*
 * Counter NAME of /proc/net/etp_stat in this namespace; -1 when there is no
 * such counter (under ETP_TEST_TCP: when TCP has none of that name).
 */
static inline long t_stat(const char *name)
{
	long v;

	if (!t_tcp_mode())
		return t_stat_file("/proc/net/etp_stat", "Etp:", name);
	v = t_stat_file("/proc/net/snmp", "Tcp:", name);
	if (v < 0)
		v = t_stat_file("/proc/net/netstat", "TcpExt:", name);
	return v;
}

/* Whether counter NAME is to be checked (it is always, on ETP). */
static inline int t_stat_known(const char *name)
{
	return !t_tcp_mode() || t_stat(name) >= 0;
}

/* Poll counter NAME until it is WANT or TIMEOUT_MS passed; returns its value. */
static inline long t_stat_wait(const char *name, long want, long timeout_ms)
{
	long end = t_now_ms() + timeout_ms, v;

	while ((v = t_stat(name)) != want && t_now_ms() < end)
		t_sleep_ms(10);
	return v;
}

/*
 * The number of lines of /proc/net/etp with local port LPORT, remote port
 * RPORT (0: any) and state STATE (0: any); -1 when the file cannot be read.
 */
static inline int t_proc_count(unsigned short lport, unsigned short rport, int state)
{
	return etp_proc_count_in(t_tcp_mode() ? "/proc/net/tcp" : "/proc/net/etp",
				 lport, rport, state);
}

/* Poll /proc/net/etp until t_proc_count() is WANT or TIMEOUT_MS passed. */
static inline int t_proc_wait(unsigned short lport, unsigned short rport, int state,
			      int want, long timeout_ms)
{
	long end = t_now_ms() + timeout_ms;
	int n;

	while ((n = t_proc_count(lport, rport, state)) != want && t_now_ms() < end)
		t_sleep_ms(10);
	return n;
}

static inline unsigned short t_peer_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getpeername(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

/* A listening socket on IP:PORT (PORT 0: any); -1 on error. */
static inline int t_listener(const char *ip, unsigned short port, int backlog, int flags)
{
	int fd = t_socket(flags), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (etp_bind(fd, ip, port) || listen(fd, backlog)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static inline int t_connect(int fd, const char *ip, unsigned short port)
{
	struct sockaddr_in a = etp_addr(ip, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/*
 * A connected pair on loopback: *CLI connected (blocking), *SRV its accepted
 * peer. The listener is closed unless LST is given, where it is left. 0 or -1.
 */
static inline int t_pair(int *cli, int *srv, int *lst)
{
	int l = t_listener("127.0.0.1", 0, 8, 0), c, s;

	if (l < 0)
		return -1;
	c = t_socket(0);
	if (c < 0 || t_connect(c, "127.0.0.1", etp_local_port(l))) {
		close(l);
		return -1;
	}
	s = accept(l, NULL, NULL);
	if (s < 0) {
		close(c);
		close(l);
		return -1;
	}
	if (lst)
		*lst = l;
	else
		close(l);
	*cli = c;
	*srv = s;
	return 0;
}

/* poll() one descriptor; returns its revents, 0 on timeout, -1 on error. */
static inline int t_poll(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -1 : n == 0 ? 0 : p.revents;
}

static inline int t_so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

/*
 * Patterned data: byte OFF of stream SEED. A pseudo-random table of a prime
 * length, so that a lost, repeated or shifted block of any power-of-two size
 * shows up as a mismatch.
 */
#define T_PAT_LEN 65521

static inline const unsigned char *t_pattern(uint32_t seed)
{
	static unsigned char tab[4][T_PAT_LEN + (1 << 20)];
	static uint32_t seeds[4];
	static int used;
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
	unsigned char *t;
	int i;

	for (i = 0; i < used; i++)
		if (seeds[i] == seed)
			return tab[i];
	if (used == 4)
		return NULL;
	t = tab[used];
	seeds[used++] = seed;
	/* Room for 1 MiB past the end: a chunk starting anywhere is contiguous. */
	for (i = 0; i < T_PAT_LEN + (1 << 20); i++) {
		if (i < T_PAT_LEN) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			t[i] = x >> 24;
		} else {
			t[i] = t[i - T_PAT_LEN];
		}
	}
	return t;
}

/* PAT + (OFF mod the period): LEN <= 1 MiB bytes of the stream from OFF. */
static inline const unsigned char *t_pat_at(const unsigned char *pat, uint64_t off)
{
	return pat + off % T_PAT_LEN;
}

#endif /* _ETP_CONN_H */
