// SPDX-License-Identifier: GPL-2.0
/*
 * Creating ETP sockets and binding them: the protocol number, the socket's
 * flags, the bind table's conflict rules, ephemeral ports, getsockname,
 * close. (Named for bind, not socket, so as not to be module/socket.c.)
 */
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "etp_test.h"
#include "kselftest_harness.h"

TEST(socket_opens)
{
	int fd = etp_socket();
	int val;
	socklen_t len = sizeof(val);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val, &len));
	EXPECT_EQ(etp_proto(), val);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len));
	EXPECT_EQ(SOCK_STREAM, val);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(AF_INET, val);
	EXPECT_EQ(0, close(fd));
}

TEST(socket_flags)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			etp_proto());

	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* Another protocol number on SOCK_STREAM is not ETP's. */
TEST(other_protocol_refused)
{
	int other = etp_proto() == 253 ? 254 : 253;

	EXPECT_EQ(-1, socket(AF_INET, SOCK_STREAM, other));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	/* ETP is SOCK_STREAM only. */
	EXPECT_EQ(-1, socket(AF_INET, SOCK_DGRAM, etp_proto()));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(many_sockets)
{
	int fds[256], i;

	for (i = 0; i < 256; i++) {
		fds[i] = etp_socket();
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, close(fds[i]));
}

TEST(bind_and_getsockname)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, etp_bind(fd, "127.0.0.1", 40001));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(AF_INET, a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(40001, ntohs(a.sin_port));
	/* A bound socket is not connected. */
	len = sizeof(a);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(bind_twice_einval)
{
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, etp_bind(fd, "0.0.0.0", 40002));
	EXPECT_EQ(-1, etp_bind(fd, "0.0.0.0", 40003));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bind_conflict_eaddrinuse)
{
	int a = etp_socket(), b = etp_socket(), c = etp_socket();

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, etp_bind(a, "127.0.0.1", 40010));
	/* Same address and port. */
	EXPECT_EQ(-1, etp_bind(b, "127.0.0.1", 40010));
	EXPECT_EQ(EADDRINUSE, errno);
	/* The wildcard overlaps every address. */
	EXPECT_EQ(-1, etp_bind(b, "0.0.0.0", 40010));
	EXPECT_EQ(EADDRINUSE, errno);
	/* Another local address on the same port does not overlap. */
	EXPECT_EQ(0, etp_bind(c, "127.0.0.2", 40010));
	close(a);
	close(b);
	close(c);
}

TEST(bind_wildcard_blocks_specific)
{
	int a = etp_socket(), b = etp_socket();

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, etp_bind(a, "0.0.0.0", 40011));
	EXPECT_EQ(-1, etp_bind(b, "127.0.0.1", 40011));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
}

TEST(bind_reuseaddr_both)
{
	int a = etp_socket(), b = etp_socket(), c = etp_socket();
	int one = 1;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, etp_bind(a, "127.0.0.1", 40012));
	/* Both set SO_REUSEADDR and neither listens: allowed, as in TCP. */
	EXPECT_EQ(0, etp_bind(b, "127.0.0.1", 40012));
	/* Only one of them set it: refused. */
	EXPECT_EQ(-1, etp_bind(c, "127.0.0.1", 40012));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
	close(c);
}

/*
 * Two SO_REUSEADDR sockets on one port may both be bound, but only one may
 * listen, even when both call listen() at the same instant: the second
 * listener's check must see the first one's LISTEN state, and whether the
 * first one's check passed (else both fail: seen on the debug kernel in
 * half the rounds). TCP, in the same run, is the control.
 */
struct listen_racer {
	int fd;
	int ret;
	atomic_int *gate;
};

static void *listen_racer_run(void *arg)
{
	struct listen_racer *r = arg;

	atomic_fetch_add(r->gate, 1);
	while (atomic_load(r->gate) < 2)
		;
	r->ret = listen(r->fd, 8);
	return NULL;
}

/*
 * Rounds for up to @secs seconds; returns how many had two listeners. With
 * @relisten each socket first listens once on its own and is disconnected
 * (connect(AF_UNSPEC)), keeping its port, so that both race as sockets
 * that listened before.
 */
static int listen_race(int proto, unsigned short port, int secs, int *rounds,
		       int *one, int relisten)
{
	struct sockaddr_in none = { .sin_family = AF_UNSPEC };
	time_t end = time(NULL) + secs;
	int both = 0, i;

	*one = 0;
	for (i = 0; time(NULL) < end; i++) {
		struct listen_racer r[2];
		atomic_int gate = 0;
		pthread_t t;
		int j, on = 1;

		for (j = 0; j < 2; j++) {
			r[j].fd = socket(AF_INET, SOCK_STREAM, proto);
			r[j].gate = &gate;
			if (r[j].fd < 0 ||
			    setsockopt(r[j].fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
			    etp_bind(r[j].fd, "127.0.0.1", port))
				return -1;
		}
		for (j = 0; relisten && j < 2; j++)
			if (listen(r[j].fd, 8) ||
			    connect(r[j].fd, (struct sockaddr *)&none, sizeof(none)))
				return -1;
		if (pthread_create(&t, NULL, listen_racer_run, &r[0]))
			return -1;
		listen_racer_run(&r[1]);
		pthread_join(t, NULL);
		both += !r[0].ret && !r[1].ret;
		*one += !r[0].ret != !r[1].ret;
		close(r[0].fd);
		close(r[1].fd);
	}
	*rounds = i;
	return both;
}

/*
 * The second of two SO_REUSEADDR sockets may not listen, and its failed
 * listen() leaves it bound and usable: once the first closes, it listens.
 */
static void listen_second_refused(struct __test_metadata *_metadata, int proto,
				  unsigned short port)
{
	int a = socket(AF_INET, SOCK_STREAM, proto);
	int b = socket(AF_INET, SOCK_STREAM, proto);
	int on = 1;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	ASSERT_EQ(0, etp_bind(a, "127.0.0.1", port));
	ASSERT_EQ(0, etp_bind(b, "127.0.0.1", port));
	ASSERT_EQ(0, listen(a, 8));
	errno = 0;
	EXPECT_EQ(-1, listen(b, 8));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(port, etp_local_port(b));
	close(a);
	EXPECT_EQ(0, listen(b, 8));
	close(b);
}

TEST(listen_reuseaddr_second_refused)
{
	listen_second_refused(_metadata, IPPROTO_TCP, 40019);
	listen_second_refused(_metadata, etp_proto(), 40019);
}

/*
 * Most of TCP's rounds have a winner (both can fail, rarely: each sees the
 * other in LISTEN); ETP's checks decide in turn, so every round has one.
 */
static void listen_race_check(struct __test_metadata *_metadata,
			      unsigned short port, int relisten)
{
	int tcp_rounds, etp_rounds, tcp_one, etp_one;

	EXPECT_EQ(0, listen_race(IPPROTO_TCP, port, 5, &tcp_rounds, &tcp_one, relisten));
	EXPECT_EQ(0, listen_race(etp_proto(), port, 5, &etp_rounds, &etp_one, relisten));
	TH_LOG("one listener won in %d of %d rounds (TCP), %d of %d (ETP)",
	       tcp_one, tcp_rounds, etp_one, etp_rounds);
	EXPECT_LT(tcp_rounds / 2, tcp_one);
	EXPECT_EQ(etp_rounds, etp_one);
}

TEST(listen_race_one_wins)
{
	listen_race_check(_metadata, 40018, 0);
}

/* The same with sockets that listened before and were disconnected. */
TEST(listen_race_after_disconnect)
{
	listen_race_check(_metadata, 40025, 1);
}

/*
 * SO_REUSEPORT: PROTO listeners of one user that all set it share a port on
 * 127.0.0.1; a socket without it may not bind there; each listener accepts
 * a share of RP_CONNS connections (spread by a hash of their 4-tuples);
 * once one closes, the others take every new connection. SHARE: what each
 * accepted; *REFUSED: errno of the bind without it; *LATER: connections
 * the others accepted of RP_LATER made after the close. 0, or -1.
 */
#define RP_LISTENERS	4
#define RP_CONNS	64
#define RP_LATER	16

/*
 * Accept (and close) from listeners L[FROM..RP_LISTENERS-1] until WANT
 * connections came, or 10 s passed: a handshake's last ACK may still be on
 * its way when connect() returns. GOT[i] adds listener i's.
 */
static void collect(int *l, int from, int *got, int want)
{
	time_t end = time(NULL) + 10;
	int n = 0, i, s;

	for (i = from; i < RP_LISTENERS; i++)
		got[i] = 0;
	while (n < want && time(NULL) < end) {
		for (i = from; i < RP_LISTENERS; i++)
			while ((s = accept4(l[i], NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				close(s);
				got[i]++;
				n++;
			}
		if (n < want)
			usleep(10000);
	}
}

/* Close those of the N descriptors FD that are open (not -1). */
static void close_all(const int *fd, int n)
{
	while (n--)
		if (fd[n] >= 0)
			close(fd[n]);
}

static int reuseport_spread(int proto, unsigned short port,
			    int share[RP_LISTENERS], int *refused, int *later)
{
	struct sockaddr_in a = etp_addr("127.0.0.1", port);
	int l[RP_LISTENERS], c[RP_CONNS + RP_LATER], got[RP_LISTENERS];
	int lone, on = 1, i, rc = -1;

	for (i = 0; i < RP_LISTENERS; i++) {
		l[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, proto);
		if (l[i] < 0 ||
		    setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) ||
		    etp_bind(l[i], "127.0.0.1", port) || listen(l[i], RP_CONNS))
			return -1;
	}
	lone = socket(AF_INET, SOCK_STREAM, proto);
	*refused = etp_bind(lone, "127.0.0.1", port) ? errno : 0;
	close(lone);
	for (i = 0; i < RP_CONNS + RP_LATER; i++)
		c[i] = -1;
	for (i = 0; i < RP_CONNS; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, proto);
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&a, sizeof(a)))
			goto out;
	}
	collect(l, 0, share, RP_CONNS);
	close(l[0]);
	l[0] = -1;
	for (i = RP_CONNS; i < RP_CONNS + RP_LATER; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, proto);
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&a, sizeof(a)))
			goto out;
	}
	collect(l, 1, got, RP_LATER);
	*later = 0;
	for (i = 1; i < RP_LISTENERS; i++)
		*later += got[i];
	rc = 0;
out:
	close_all(c, RP_CONNS + RP_LATER);
	close_all(l, RP_LISTENERS);
	return rc;
}

/* SO_REUSEPORT spreads connections over its listeners, as TCP's does. */
TEST(reuseport_spreads_connections)
{
	int tcp[RP_LISTENERS], etp[RP_LISTENERS], tcp_refused, etp_refused;
	int tcp_later = -1, etp_later = -1, sum = 0, i;

	ASSERT_EQ(0, reuseport_spread(IPPROTO_TCP, 40023, tcp, &tcp_refused, &tcp_later));
	ASSERT_EQ(0, reuseport_spread(etp_proto(), 40023, etp, &etp_refused, &etp_later))
		TH_LOG("ETP: %s", strerror(errno));
	TH_LOG("%d connections to %d listeners: TCP %d %d %d %d, ETP %d %d %d %d",
	       RP_CONNS, RP_LISTENERS, tcp[0], tcp[1], tcp[2], tcp[3],
	       etp[0], etp[1], etp[2], etp[3]);
	TH_LOG("after one closed, of %d: TCP's others took %d, ETP's %d",
	       RP_LATER, tcp_later, etp_later);
	EXPECT_EQ(EADDRINUSE, tcp_refused);
	EXPECT_EQ(tcp_refused, etp_refused) TH_LOG("a bind without SO_REUSEPORT");
	for (i = 0; i < RP_LISTENERS; i++) {
		sum += etp[i];
		/* All in one queue by chance: 4 * (3/4)^64, about 1e-7. */
		EXPECT_LT(0, etp[i]) TH_LOG("listener %d took no connection", i);
	}
	EXPECT_EQ(RP_CONNS, sum);
	EXPECT_EQ(RP_LATER, tcp_later);
	EXPECT_EQ(RP_LATER, etp_later);
}

/*
 * A handshake stays with the listener its SYN reached while the group
 * changes. With TCP_DEFER_ACCEPT, RP_HELD clients complete their
 * handshakes and their entries wait for data; a third listener joins the
 * group of two (so that many 4-tuples now hash to another member); then
 * each client sends a byte. Returns the connections accepted, or -1 (a
 * segment sent to another member than the entry's is answered with RST,
 * and its connection is never accepted).
 */
#define RP_HELD	16

static int reuseport_regroup(int proto, unsigned short port)
{
	struct sockaddr_in a = etp_addr("127.0.0.1", port);
	int l[RP_LISTENERS], c[RP_HELD], got[RP_LISTENERS];
	int on = 1, defer = 5, i, n = 0, rc = -1;

	for (i = 0; i < RP_LISTENERS; i++)
		l[i] = -1;
	for (i = 0; i < RP_HELD; i++)
		c[i] = -1;
	for (i = 0; i < 3; i++) {
		l[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, proto);
		if (l[i] < 0 ||
		    setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) ||
		    setsockopt(l[i], IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer)) ||
		    etp_bind(l[i], "127.0.0.1", port))
			goto out;
		/* The third listens once the handshakes are done. */
		if (i == 2)
			break;
		if (listen(l[i], RP_HELD))
			goto out;
	}
	for (i = 0; i < RP_HELD; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, proto);
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&a, sizeof(a)))
			goto out;
	}
	if (listen(l[2], RP_HELD))
		goto out;
	for (i = 0; i < RP_HELD; i++)
		if (send(c[i], "x", 1, 0) != 1)
			goto out;
	collect(l, 0, got, RP_HELD);
	for (i = 0; i < RP_LISTENERS; i++)
		n += got[i];
	rc = n;
out:
	close_all(c, RP_HELD);
	close_all(l, RP_LISTENERS);
	return rc;
}

TEST(reuseport_handshake_survives_regroup)
{
	int tcp = reuseport_regroup(IPPROTO_TCP, 40024);
	int etp = reuseport_regroup(etp_proto(), 40024);

	TH_LOG("of %d handshakes held while the group grew from 2 to 3: TCP accepted %d, ETP %d",
	       RP_HELD, tcp, etp);
	ASSERT_EQ(RP_HELD, tcp);
	EXPECT_EQ(RP_HELD, etp);
}

TEST(close_releases_port)
{
	int a = etp_socket(), b;

	ASSERT_LE(0, a);
	ASSERT_EQ(0, etp_bind(a, "127.0.0.1", 40013));
	ASSERT_EQ(1, etp_proc_has(40013, 0x07));
	ASSERT_EQ(0, close(a));
	EXPECT_EQ(0, etp_proc_has(40013, 0x07));
	b = etp_socket();
	ASSERT_LE(0, b);
	EXPECT_EQ(0, etp_bind(b, "127.0.0.1", 40013));
	close(b);
}

/*
 * send() and sendto() on a socket that never connected fail with EPIPE, as
 * TCP's, and bind nothing on the way (.no_autobind: inet_sendmsg would
 * otherwise take an ephemeral port first).
 */
TEST(send_unconnected_binds_nothing)
{
	struct sockaddr_in to = etp_addr("127.0.0.1", 40014);
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, sendto(fd, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, etp_local_port(fd));
	close(fd);
}

/* Port 0 picks a free port from net.ipv4.ip_local_port_range. */
TEST(bind_ephemeral)
{
	int low, high, fds[64], i, j;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%d %d", &low, &high));
	fclose(f);
	for (i = 0; i < 64; i++) {
		unsigned short port;

		fds[i] = etp_socket();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, etp_bind(fds[i], "127.0.0.1", 0));
		port = etp_local_port(fds[i]);
		EXPECT_LE(low, port);
		EXPECT_GE(high, port);
		/* Each automatic bind gets a port of its own. */
		for (j = 0; j < i; j++)
			EXPECT_NE(port, etp_local_port(fds[j]));
	}
	for (i = 0; i < 64; i++)
		close(fds[i]);
}

/* A narrowed range runs out: EADDRINUSE, as TCP says. */
TEST(bind_ephemeral_exhausted)
{
	char saved[64] = "";
	int fds[4], i, fd;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r+");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
	ASSERT_NE(NULL, f);
	fputs("40100 40103", f);
	ASSERT_EQ(0, fclose(f));

	for (i = 0; i < 4; i++) {
		fds[i] = etp_socket();
		EXPECT_EQ(0, etp_bind(fds[i], "0.0.0.0", 0));
	}
	fd = etp_socket();
	EXPECT_EQ(-1, etp_bind(fd, "0.0.0.0", 0));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	for (i = 0; i < 4; i++)
		close(fds[i]);

	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
	ASSERT_NE(NULL, f);
	fputs(saved, f);
	fclose(f);
}

TEST(bind_nonlocal_address)
{
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	/* TEST-NET-1 is not an address of this machine. */
	EXPECT_EQ(-1, etp_bind(fd, "192.0.2.1", 40014));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(fd);
}

TEST(bind_bad_family)
{
	struct sockaddr_in a = etp_addr("127.0.0.1", 40015);
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	a.sin_family = AF_INET6;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, 4));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bound_socket_in_proc)
{
	int fd = etp_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, etp_proc_has(40016, 0x07));
	ASSERT_EQ(0, etp_bind(fd, "127.0.0.1", 40016));
	EXPECT_EQ(1, etp_proc_has(40016, 0x07));
	close(fd);
}

TEST_HARNESS_MAIN
