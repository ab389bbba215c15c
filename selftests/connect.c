// SPDX-License-Identifier: GPL-2.0
/*
 * Opening connections: the three-way handshake on loopback, listen and
 * accept/accept4, non-blocking connect and accept, refused and timed-out
 * connects, simultaneous open, the errors of connecting twice, and the
 * counters that count all this. Every case runs in a network namespace of its
 * own (fresh counters, sysctls of its own).
 */
#include "etp_fixture.h"

/* Whether two addresses are the same IPv4 address and port. */
static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == AF_INET && b->sin_family == AF_INET &&
	       a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/*
 * Put netem WHAT ("loss 100%", "delay 100ms") on lo, this namespace's only
 * device; returns system()'s status.
 */
static int lo_netem(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tc qdisc add dev lo root netem %s 2>&1", what);
	return system(cmd);
}

TEST_F(ns, handshake_loopback)
{
	struct sockaddr_in cl_local, cl_peer, sv_local, sv_peer, from;
	socklen_t len;
	int l, c, s;
	char b = 0;

	l = t_listener("127.0.0.1", 5001, 4, 0);
	ASSERT_LE(0, l) TH_LOG("listen on 127.0.0.1:5001: %s", strerror(errno));
	EXPECT_EQ(1, t_proc_count(5001, 0, ST_LISTEN))
		TH_LOG("expected the listener in /proc/net/etp with st 0A (LISTEN)");
	c = t_socket(0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5001))
		TH_LOG("blocking connect to a listener: %s", strerror(errno));

	len = sizeof(from);
	memset(&from, 0, sizeof(from));
	s = accept(l, (struct sockaddr *)&from, &len);
	ASSERT_LE(0, s) TH_LOG("accept after a completed connect: %s", strerror(errno));
	EXPECT_EQ(sizeof(from), len);

	len = sizeof(cl_local);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&cl_local, &len));
	len = sizeof(cl_peer);
	ASSERT_EQ(0, getpeername(c, (struct sockaddr *)&cl_peer, &len))
		TH_LOG("getpeername on the connected client: %s", strerror(errno));
	len = sizeof(sv_local);
	ASSERT_EQ(0, getsockname(s, (struct sockaddr *)&sv_local, &len));
	len = sizeof(sv_peer);
	ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&sv_peer, &len))
		TH_LOG("getpeername on the accepted socket: %s", strerror(errno));

	/* The client was bound to an ephemeral port of 127.0.0.1. */
	EXPECT_EQ(htonl(INADDR_LOOPBACK), cl_local.sin_addr.s_addr);
	EXPECT_NE(0, ntohs(cl_local.sin_port)) TH_LOG("the client has no local port");
	EXPECT_NE(5001, ntohs(cl_local.sin_port));
	/* Each side's peer is the other's local address. */
	EXPECT_EQ(htonl(INADDR_LOOPBACK), cl_peer.sin_addr.s_addr);
	EXPECT_EQ(5001, ntohs(cl_peer.sin_port));
	EXPECT_TRUE(same_addr(&cl_peer, &sv_local))
		TH_LOG("client's peer is not the server's local address");
	EXPECT_TRUE(same_addr(&sv_peer, &cl_local))
		TH_LOG("server's peer %08x:%d is not the client's local address %08x:%d",
		       ntohl(sv_peer.sin_addr.s_addr), ntohs(sv_peer.sin_port),
		       ntohl(cl_local.sin_addr.s_addr), ntohs(cl_local.sin_port));
	EXPECT_TRUE(same_addr(&from, &cl_local))
		TH_LOG("accept's address is not the client's local address");

	/* Both ends ESTABLISHED in /proc/net/etp, the listener still LISTEN. */
	EXPECT_EQ(1, t_proc_count(ntohs(cl_local.sin_port), 5001, ST_ESTABLISHED))
		TH_LOG("expected the client ESTABLISHED (01) in /proc/net/etp");
	EXPECT_EQ(1, t_proc_count(5001, ntohs(cl_local.sin_port), ST_ESTABLISHED))
		TH_LOG("expected the accepted socket ESTABLISHED (01) in /proc/net/etp");
	EXPECT_EQ(1, t_proc_count(5001, 0, ST_LISTEN));

	/* One byte each way shows the connection is a real one. */
	ASSERT_EQ(1, send(c, "c", 1, 0));
	ASSERT_EQ(1, send(s, "s", 1, 0));
	EXPECT_EQ(1, recv(s, &b, 1, 0));
	EXPECT_EQ('c', b);
	EXPECT_EQ(1, recv(c, &b, 1, 0));
	EXPECT_EQ('s', b);
	close(c);
	close(s);
	close(l);
}

/* Several clients complete their handshakes before any accept(). */
TEST_F(ns, listen_backlog_then_accept)
{
	unsigned short ports[3], got;
	int l, c[3], s[3], i, j, seen = 0;
	char b;

	l = t_listener("127.0.0.1", 5002, 4, 0);
	ASSERT_LE(0, l);
	for (i = 0; i < 3; i++) {
		c[i] = t_socket(0);
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, t_connect(c[i], "127.0.0.1", 5002))
			TH_LOG("connect %d of 3 to a listener with backlog 4: %s", i, strerror(errno));
		ports[i] = etp_local_port(c[i]);
		b = 'A' + i;
		ASSERT_EQ(1, send(c[i], &b, 1, 0));
	}
	for (i = 0; i < 3; i++) {
		s[i] = accept(l, NULL, NULL);
		ASSERT_LE(0, s[i]) TH_LOG("accept %d of 3: %s", i, strerror(errno));
		got = t_peer_port(s[i]);
		for (j = 0; j < 3; j++)
			if (ports[j] == got)
				break;
		ASSERT_GT(3, j) TH_LOG("accepted a peer port %d no client has", got);
		seen |= 1 << j;
		/* The accepted socket carries that client's byte. */
		ASSERT_EQ(1, recv(s[i], &b, 1, 0));
		EXPECT_EQ('A' + j, b) TH_LOG("child for client %d read '%c'", j, b);
	}
	EXPECT_EQ(7, seen) TH_LOG("every client is accepted once");
	for (i = 0; i < 3; i++) {
		close(c[i]);
		close(s[i]);
	}
	close(l);
}

TEST_F(ns, accept4_nonblock)
{
	int l, c, s;
	char b;

	l = t_listener("127.0.0.1", 5003, 4, 0);
	ASSERT_LE(0, l);
	c = t_socket(0);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5003));
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s) TH_LOG("accept4: %s", strerror(errno));
	EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK)
		TH_LOG("accept4(SOCK_NONBLOCK) gave a blocking socket");
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	/* It really does not block: nothing to read is EAGAIN. */
	EXPECT_EQ(-1, recv(s, &b, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	/* Without the flag the accepted socket blocks, listener notwithstanding. */
	close(c);
	close(s);
	c = t_socket(0);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5003));
	s = accept4(l, NULL, NULL, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(c);
	close(s);
	close(l);
}

TEST_F(ns, accept_nonblocking_eagain)
{
	long start;
	int l, c, s;

	l = t_listener("127.0.0.1", 5004, 4, SOCK_NONBLOCK);
	ASSERT_LE(0, l);
	start = t_now_ms();
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno) TH_LOG("accept with nothing pending: %s", strerror(errno));
	EXPECT_GT(1000, t_now_ms() - start) TH_LOG("a non-blocking accept blocked");
	/* Once a client is there, it is accepted. */
	c = t_socket(0);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5004));
	ASSERT_NE(0, t_poll(l, POLLIN, 2000) & POLLIN);
	s = accept(l, NULL, NULL);
	EXPECT_LE(0, s) TH_LOG("accept after POLLIN: %s", strerror(errno));
	/* And then the queue is empty again. */
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(c);
	close(s);
	close(l);
}

TEST_F(ns, poll_listener_pollin)
{
	int l, c, s, ev;

	l = t_listener("127.0.0.1", 5005, 4, 0);
	ASSERT_LE(0, l);
	EXPECT_EQ(0, t_poll(l, POLLIN, 0))
		TH_LOG("a listener with nothing pending is not readable");
	c = t_socket(0);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5005));
	ev = t_poll(l, POLLIN, 2000);
	EXPECT_EQ(POLLIN, ev & (POLLIN | POLLERR | POLLHUP))
		TH_LOG("expected POLLIN on a listener with a pending connection, got %#x", ev);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, t_poll(l, POLLIN, 0)) TH_LOG("still readable after the accept");
	close(c);
	close(s);
	close(l);
}

TEST_F(ns, nonblocking_connect)
{
	int l, c, s, ev, r;

	l = t_listener("127.0.0.1", 5006, 4, 0);
	ASSERT_LE(0, l);
	c = t_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5006));
	EXPECT_EQ(EINPROGRESS, errno) TH_LOG("non-blocking connect: %s", strerror(errno));
	ev = t_poll(c, POLLOUT, 3000);
	EXPECT_EQ(POLLOUT, ev & (POLLOUT | POLLERR | POLLHUP))
		TH_LOG("expected POLLOUT alone once connected, got %#x", ev);
	EXPECT_EQ(0, t_so_error(c));
	EXPECT_EQ(5006, t_peer_port(c)) TH_LOG("getpeername after the connect completed");
	/*
	 * Connecting again reports the completed connect: TCP returns 0 the
	 * first time (EISCONN is allowed too), EISCONN from then on.
	 */
	r = t_connect(c, "127.0.0.1", 5006);
	EXPECT_TRUE(r == 0 || errno == EISCONN)
		TH_LOG("connect again after completion: %s", strerror(errno));
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5006));
	EXPECT_EQ(EISCONN, errno) TH_LOG("connect on a connected socket: %s", strerror(errno));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(etp_local_port(c), t_peer_port(s));
	close(c);
	close(s);
	close(l);
}

TEST_F(ns, refused_blocking)
{
	long fails = t_stat("AttemptFails"), rsts = t_stat("OutRsts");
	int c = t_socket(0), b;

	ASSERT_LE(0, c);
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5007));
	EXPECT_EQ(ECONNREFUSED, errno)
		TH_LOG("connect to a port with no listener: expected ECONNREFUSED, got %s",
		       strerror(errno));
	EXPECT_EQ(0, t_peer_port(c));
	/* The RST came from this namespace, the failed attempt is counted. */
	EXPECT_EQ(rsts + 1, t_stat("OutRsts")) TH_LOG("OutRsts counts the RST answering the SYN");
	EXPECT_EQ(fails + 1, t_stat("AttemptFails")) TH_LOG("AttemptFails counts the refused connect");
	if (t_stat_known("CurrSynSent"))
		EXPECT_EQ(0, t_stat("CurrSynSent"));
	close(c);

	/* A socket bound to the port but not listening refuses too. */
	b = t_socket(0);
	ASSERT_EQ(0, etp_bind(b, "127.0.0.1", 5008));
	c = t_socket(0);
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5008));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(c);
	close(b);
}

TEST_F(ns, refused_nonblocking)
{
	int c = t_socket(SOCK_NONBLOCK), ev, r;

	ASSERT_LE(0, c);
	r = t_connect(c, "127.0.0.1", 5009);
	/* The RST comes after connect() returned, as it does for TCP. */
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINPROGRESS, errno);
	ev = t_poll(c, POLLOUT, 3000);
	EXPECT_NE(0, ev & POLLERR) TH_LOG("expected POLLERR after the RST, got %#x", ev);
	EXPECT_NE(0, ev & POLLHUP) TH_LOG("expected POLLHUP after the RST, got %#x", ev);
	EXPECT_EQ(ECONNREFUSED, t_so_error(c)) TH_LOG("SO_ERROR after a refused connect");
	/* Reading SO_ERROR clears it. */
	EXPECT_EQ(0, t_so_error(c));
	close(c);
}

/* connect() on a listening socket is refused: EISCONN, as TCP says. */
TEST_F(ns, connect_on_listener)
{
	int l = t_listener("127.0.0.1", 5010, 4, 0), l2 = t_listener("127.0.0.1", 5011, 4, 0);

	ASSERT_LE(0, l);
	ASSERT_LE(0, l2);
	EXPECT_EQ(-1, t_connect(l, "127.0.0.1", 5011));
	EXPECT_EQ(EISCONN, errno) TH_LOG("connect on a listener: %s", strerror(errno));
	/* It is still a listener, and nothing was queued on the other one. */
	EXPECT_EQ(1, t_proc_count(5010, 0, ST_LISTEN));
	EXPECT_EQ(0, t_poll(l2, POLLIN, 200));
	close(l);
	close(l2);
}

TEST_F(ns, connect_twice_eisconn)
{
	int c, s, l2;

	ASSERT_EQ(0, t_pair(&c, &s, NULL));
	l2 = t_listener("127.0.0.1", 5012, 4, 0);
	ASSERT_LE(0, l2);
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5012));
	EXPECT_EQ(EISCONN, errno) TH_LOG("connect on a connected socket: %s", strerror(errno));
	EXPECT_EQ(-1, t_connect(s, "127.0.0.1", 5012));
	EXPECT_EQ(EISCONN, errno) TH_LOG("connect on an accepted socket: %s", strerror(errno));
	/* The connection is still the one it was. */
	EXPECT_EQ(etp_local_port(s), t_peer_port(c));
	EXPECT_EQ(0, t_poll(l2, POLLIN, 200)) TH_LOG("a second connect reached the other listener");
	close(c);
	close(s);
	close(l2);
}

TEST_F(ns, connect_bad_address)
{
	struct sockaddr_in a = etp_addr("127.0.0.1", 5013);
	int c = t_socket(0);

	ASSERT_LE(0, c);
	EXPECT_EQ(-1, connect(c, (struct sockaddr *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("short address: %s", strerror(errno));
	a.sin_family = AF_INET6;
	EXPECT_EQ(-1, connect(c, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno) TH_LOG("AF_INET6 address: %s", strerror(errno));
	close(c);
}

/*
 * A connect whose SYNs are all lost: ETIMEDOUT after syn_retries
 * retransmissions, each RTO twice the one before, from rto_initial_ms.
 * With syn_retries 3 and rto_initial_ms 100, the retransmissions go at 100,
 * 300 and 700 ms and the connect fails at 1500 ms (TCP waits one more RTO
 * after the last); without backoff it would be over by 400 ms.
 */
TEST_F(ns, connect_timeout)
{
	long start, took, fails, retrans;
	int c, r;

	ASSERT_EQ(0, lo_netem("loss 100%")) TH_LOG("tc qdisc ... netem on lo failed");
	ASSERT_LE(0, t_sysctl("syn_retries", 3));
	ASSERT_LE(0, t_sysctl("rto_initial_ms", 100));
	fails = t_stat("AttemptFails");
	retrans = t_stat("RetransSegs");
	c = t_socket(0);
	ASSERT_LE(0, c);
	start = t_now_ms();
	r = t_connect(c, "127.0.0.1", 5014);
	took = t_now_ms() - start;
	TH_LOG("connect gave up after %ld ms, %ld SYNs retransmitted", took,
	       t_stat("RetransSegs") - retrans);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("connect with every SYN lost: %s", strerror(errno));
	EXPECT_LE(650, took) TH_LOG("gave up after %ld ms: no exponential backoff?", took);
	EXPECT_GE(t_tcp_mode() ? 20000 : 6000, took) TH_LOG("gave up only after %ld ms", took);
	EXPECT_EQ(retrans + 3, t_stat("RetransSegs"))
		TH_LOG("expected exactly syn_retries=3 retransmitted SYNs");
	EXPECT_EQ(fails + 1, t_stat("AttemptFails"));
	if (t_stat_known("CurrSynSent"))
		EXPECT_EQ(0, t_stat("CurrSynSent"));
	EXPECT_EQ(0, t_proc_count(etp_local_port(c), 5014, ST_SYN_SENT));
	close(c);
}

/*
 * The same with rto_max_ms 200: the RTO doubles only up to 200 ms, and the
 * connect gives up when syn_retries retransmissions would have been over
 * (with syn_retries 4 at 3100 ms: 100 + 200 + 400 + 800 + 1600), having sent
 * more of them: at 100, 300, 500, ... 2900 ms, fifteen, fewer when the
 * guest's timers run late. Uncapped, there would be four: five or more
 * (a timer a whole RTO late each time) show the cap.
 */
TEST_F(ns, connect_timeout_rto_max)
{
	long start, took, retrans, n;
	int c, r;

	if (t_tcp_mode())
		SKIP(return, "tcp_rto_max_ms is newer than these kernels");
	ASSERT_EQ(0, lo_netem("loss 100%"));
	ASSERT_LE(0, t_sysctl("syn_retries", 4));
	ASSERT_LE(0, t_sysctl("rto_initial_ms", 100));
	ASSERT_LE(0, t_sysctl("rto_max_ms", 200));
	retrans = t_stat("RetransSegs");
	c = t_socket(0);
	ASSERT_LE(0, c);
	start = t_now_ms();
	r = t_connect(c, "127.0.0.1", 5098);
	took = t_now_ms() - start;
	n = t_stat("RetransSegs") - retrans;
	TH_LOG("connect gave up after %ld ms, %ld SYNs retransmitted", took, n);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("connect with every SYN lost: %s", strerror(errno));
	EXPECT_LE(3000, took) TH_LOG("gave up after %ld ms: sooner than 4 doublings", took);
	EXPECT_GE(30000, took);
	EXPECT_LE(5, n) TH_LOG("%ld SYNs retransmitted: the RTO was not capped at 200 ms?", n);
	EXPECT_GE(15, n) TH_LOG("%ld SYNs retransmitted: more than fit in 3100 ms", n);
	close(c);
}

/*
 * A non-blocking connect that times out: SYN_SENT while it tries (3 s: a SYN
 * at 0 and 1 s, given up at 3 s, so that a slow guest still sees it), not
 * writable before it ends, then POLLERR and ETIMEDOUT.
 */
TEST_F(ns, connect_timeout_nonblocking)
{
	long start;
	int c, ev;

	ASSERT_EQ(0, lo_netem("loss 100%"));
	ASSERT_LE(0, t_sysctl("syn_retries", 1));
	ASSERT_LE(0, t_sysctl("rto_initial_ms", 1000));
	c = t_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	start = t_now_ms();
	EXPECT_EQ(-1, t_connect(c, "127.0.0.1", 5015));
	EXPECT_EQ(EINPROGRESS, errno);
	/* SYN_SENT while it tries. */
	EXPECT_EQ(1, t_proc_count(etp_local_port(c), 5015, ST_SYN_SENT))
		TH_LOG("expected st 02 (SYN_SENT) in /proc/net/etp while connecting");
	if (t_stat_known("CurrSynSent"))
		EXPECT_EQ(1, t_stat("CurrSynSent"));
	EXPECT_EQ(0, t_poll(c, POLLOUT, 50)) TH_LOG("writable before the connect ended");
	ev = t_poll(c, POLLOUT, 20000);
	EXPECT_NE(0, ev & POLLERR) TH_LOG("expected POLLERR after the timeout, got %#x", ev);
	EXPECT_LE(2900, t_now_ms() - start);
	EXPECT_EQ(ETIMEDOUT, t_so_error(c));
	close(c);
}

/*
 * Simultaneous open: two sockets connect to each other at once; lo delays
 * every packet 300 ms so that the SYNs cross (a stalled vCPU between the two
 * connect() calls must not let the first SYN find b unconnected), and the
 * handshake is over (0.6 s) before the SYNs' first timeout (1 s). Both get
 * connected.
 */
TEST_F(ns, simultaneous_open)
{
	int a, b, ev;
	char x = 0;

	ASSERT_EQ(0, lo_netem("delay 300ms")) TH_LOG("tc qdisc ... netem on lo failed");
	a = t_socket(SOCK_NONBLOCK);
	b = t_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, etp_bind(a, "127.0.0.1", 6001));
	ASSERT_EQ(0, etp_bind(b, "127.0.0.1", 6002));
	EXPECT_EQ(-1, t_connect(a, "127.0.0.1", 6002));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, t_connect(b, "127.0.0.1", 6001));
	EXPECT_EQ(EINPROGRESS, errno);
	ev = t_poll(a, POLLOUT, 5000);
	EXPECT_EQ(POLLOUT, ev & (POLLOUT | POLLERR | POLLHUP)) TH_LOG("a: revents %#x", ev);
	ev = t_poll(b, POLLOUT, 5000);
	EXPECT_EQ(POLLOUT, ev & (POLLOUT | POLLERR | POLLHUP)) TH_LOG("b: revents %#x", ev);
	EXPECT_EQ(0, t_so_error(a)) TH_LOG("simultaneous open failed on a");
	EXPECT_EQ(0, t_so_error(b)) TH_LOG("simultaneous open failed on b");
	EXPECT_EQ(6002, t_peer_port(a));
	EXPECT_EQ(6001, t_peer_port(b));
	EXPECT_EQ(1, t_proc_count(6001, 6002, ST_ESTABLISHED));
	EXPECT_EQ(1, t_proc_count(6002, 6001, ST_ESTABLISHED));
	/* Data flows both ways. */
	ASSERT_EQ(1, send(a, "a", 1, 0));
	ASSERT_EQ(1, send(b, "b", 1, 0));
	ASSERT_NE(0, t_poll(b, POLLIN, 3000) & POLLIN);
	EXPECT_EQ(1, recv(b, &x, 1, 0));
	EXPECT_EQ('a', x);
	ASSERT_NE(0, t_poll(a, POLLIN, 3000) & POLLIN);
	EXPECT_EQ(1, recv(a, &x, 1, 0));
	EXPECT_EQ('b', x);
	close(a);
	close(b);
}

/* ActiveOpens, PassiveOpens, CurrEstab and the gauges, in a new namespace. */
TEST_F(ns, open_counters)
{
	int l, c[2], s[2], i;

	EXPECT_EQ(0, t_stat("ActiveOpens"));
	EXPECT_EQ(0, t_stat("PassiveOpens"));
	EXPECT_EQ(0, t_stat("CurrEstab"));
	l = t_listener("127.0.0.1", 5016, 4, 0);
	ASSERT_LE(0, l);
	if (t_stat_known("CurrListen"))
		EXPECT_EQ(1, t_stat("CurrListen"));
	for (i = 0; i < 2; i++) {
		c[i] = t_socket(0);
		ASSERT_EQ(0, t_connect(c[i], "127.0.0.1", 5016));
		s[i] = accept(l, NULL, NULL);
		ASSERT_LE(0, s[i]);
	}
	EXPECT_EQ(2, t_stat("ActiveOpens")) TH_LOG("ActiveOpens counts each connect");
	EXPECT_EQ(2, t_stat("PassiveOpens")) TH_LOG("PassiveOpens counts each accepted child");
	EXPECT_EQ(4, t_stat("CurrEstab")) TH_LOG("CurrEstab: both ends of two connections");
	if (t_stat_known("CurrSynSent")) {
		EXPECT_EQ(0, t_stat("CurrSynSent"));
		EXPECT_EQ(0, t_stat("CurrSynRecv"));
	}
	EXPECT_EQ(0, t_stat("AttemptFails"));
	/* The segments were counted both ways: at least 3 per handshake. */
	EXPECT_LE(6, t_stat("OutSegs"));
	EXPECT_LE(6, t_stat("InSegs"));

	/*
	 * The clients close first: the servers' ends go CLOSE_WAIT (which TCP
	 * still counts in CurrEstab: not checked here), then close too.
	 */
	close(c[0]);
	close(c[1]);
	if (t_stat_known("CurrCloseWait"))
		EXPECT_EQ(2, t_stat_wait("CurrCloseWait", 2, 2000))
			TH_LOG("expected both servers' ends in CLOSE_WAIT");
	close(s[0]);
	close(s[1]);
	EXPECT_EQ(0, t_stat_wait("CurrEstab", 0, 2000))
		TH_LOG("CurrEstab after both connections were closed on both ends");
	if (t_stat_known("CurrCloseWait")) {
		EXPECT_EQ(0, t_stat_wait("CurrCloseWait", 0, 2000));
		EXPECT_EQ(0, t_stat_wait("CurrLastAck", 0, 2000));
		EXPECT_EQ(0, t_stat_wait("CurrFinWait1", 0, 2000));
		EXPECT_EQ(0, t_stat_wait("CurrFinWait2", 0, 2000));
	}
	close(l);
	if (t_stat_known("CurrListen"))
		EXPECT_EQ(0, t_stat("CurrListen"));
	/* Nothing was reset. */
	EXPECT_EQ(0, t_stat("EstabResets"));
	EXPECT_EQ(0, t_stat("OutRsts"));
}

/*
 * A full accept queue: backlog 1 holds two connections (as in TCP); more
 * clients are held off (ListenOverflows) and get in by retrying once the
 * queue is drained.
 */
TEST_F(ns, listen_overflow_then_drain)
{
	int l, c[4], s[4], i, n = 0, ev;
	long end;

	ASSERT_LE(0, t_sysctl("rto_initial_ms", 100));
	l = t_listener("127.0.0.1", 5017, 1, SOCK_NONBLOCK);
	ASSERT_LE(0, l);
	for (i = 0; i < 4; i++) {
		c[i] = t_socket(SOCK_NONBLOCK);
		ASSERT_LE(0, c[i]);
		t_connect(c[i], "127.0.0.1", 5017);
		t_sleep_ms(50);
	}
	t_sleep_ms(300);
	EXPECT_LE(1, t_stat("ListenOverflows"))
		TH_LOG("four clients on a backlog of 1: expected ListenOverflows");
	EXPECT_LE(1, t_stat("ListenDrops"));
	/* Drain: every client gets in within a few SYN retransmissions. */
	end = t_now_ms() + (t_tcp_mode() ? 20000 : 8000);
	while (n < 4 && t_now_ms() < end) {
		if (!(t_poll(l, POLLIN, 100) & POLLIN))
			continue;
		s[n] = accept(l, NULL, NULL);
		if (s[n] >= 0)
			n++;
	}
	EXPECT_EQ(4, n) TH_LOG("accepted %d of 4 clients after draining the queue", n);
	for (i = 0; i < 4; i++) {
		ev = t_poll(c[i], POLLOUT, 3000);
		EXPECT_EQ(POLLOUT, ev & (POLLOUT | POLLERR)) TH_LOG("client %d: %#x", i, ev);
		EXPECT_EQ(0, t_so_error(c[i])) TH_LOG("client %d", i);
		close(c[i]);
	}
	for (i = 0; i < n; i++)
		close(s[i]);
	close(l);
}

/* listen(fd, 0) still takes a connection, as TCP's does. */
TEST_F(ns, listen_backlog_zero)
{
	int l = t_listener("127.0.0.1", 5020, 0, 0), c, s;

	ASSERT_LE(0, l);
	c = t_socket(0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, t_connect(c, "127.0.0.1", 5020)) TH_LOG("connect: %s", strerror(errno));
	s = accept(l, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(c);
	close(l);
}

TEST_HARNESS_MAIN
