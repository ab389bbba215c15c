// SPDX-License-Identifier: GPL-2.0
/*
 * etpbench: the hot loops of ETP's benchmark (tools/bench/run drives it).
 * Every mode takes the IP protocol number with -p, so the same code measures
 * ETP (253, or /sys/module/etp/parameters/proto) and TCP (6).
 *
 *   server -p P -P PORT -m crr|echo|sink [-w WORKERS] [-b BACKLOG]
 *	listens on 0.0.0.0:PORT; crr: read 1 byte, write 1, close (the server
 *	closes first, so TIME_WAIT is on the server); echo: echo until EOF;
 *	sink: read until EOF. Prints "ready" once listening; runs until killed.
 *   crr -p P -d DST -c CLIENTS -t SECS
 *	connect, 1-byte request, 1-byte reply, close, as fast as possible, by
 *	CLIENTS processes; client i connects to DST + i (several local addresses
 *	give each client its own ports). Connect time and time to first byte
 *	are recorded.
 *   rr -p P -d DST -t SECS       1-byte ping-pong on one connection
 *   stream -p P -d DST -c STREAMS -t SECS   bulk send, 64 KB writes
 *   estab|tw -p P -n N -C CACHE [-a ADDRS]
 *	in one process: N connections to 127.0.0.2..(ADDRS+1), round robin (a
 *	listener on 0.0.0.0), counted in /proc/slabinfo cache CACHE. estab
 *	keeps them open; tw closes them actively so that N TIME_WAIT entries
 *	stay (on the client side), then times min(N/10, 5000) more
 *	connect/close cycles with the table full.
 *   synrecv -p P -d DST -n N -C CACHE   N spoofed SYNs (raw socket) to a
 *	listener on DST that never accepts; counts half-open entries in CACHE.
 *   flood -p P -d DST -r RATE -t SECS -k LEGIT
 *	spoofed SYNs to DST at RATE per second for SECS while up to LEGIT
 *	clients connect one after the other (1.5 s limit each); prints the
 *	share that succeeded.
 * Spoofed sources are in 198.19.0.0/16: the caller routes them where they
 * are dropped, so that the SYN-ACKs go nowhere.
 * Output: one line of key=value pairs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int proto = IPPROTO_TCP;
static int port = 5001;
static int clients = 1;
static double secs = 2;
static long nconn = 1000;
static int workers = 4;
static int backlog = 4096;
static int naddrs = 16;
static long rate = 1000;
static long legit = 200;
static const char *mode_srv = "crr";
static const char *cache = "";
static struct in_addr dst;

#define die(...) do { fprintf(stderr, "etpbench: " __VA_ARGS__); \
	fprintf(stderr, " (%s)\n", strerror(errno)); exit(1); } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
	if (n <= 0)
		return 0;
	return v[(long)((n - 1) * p)];
}

static void raise_nofile(long n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE, %ld): raise fs.nr_open", n);
}

static int new_sock(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		die("socket(AF_INET, SOCK_STREAM, %d)", proto);
	return fd;
}

static struct sockaddr_in sin_of(struct in_addr a, int p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p),
				  .sin_addr = a };
	return sa;
}

static struct in_addr addr_plus(struct in_addr a, long i)
{
	a.s_addr = htonl(ntohl(a.s_addr) + i);
	return a;
}

static int listener(int p, int bl)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p) };
	int fd = new_sock(), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind port %d", p);
	if (listen(fd, bl))
		die("listen");
	return fd;
}

/* A lost segment must not stall a run: bound every wait to a few seconds. */
static void timeouts(int fd)
{
	struct timeval tv = { 5, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int xconnect(struct in_addr a, int p)
{
	struct sockaddr_in sa = sin_of(a, p);
	int fd = new_sock();

	timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- server ---- */

static void serve_one(int fd)
{
	static char buf[65536];
	ssize_t n;

	if (!strcmp(mode_srv, "crr")) {
		if (read(fd, buf, 1) == 1)
			(void)!write(fd, buf, 1);
	} else if (!strcmp(mode_srv, "echo")) {
		nodelay(fd);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
	} else {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
}

static int do_server(void)
{
	int lfd = listener(port, backlog), i;

	for (i = 0; i < workers; i++) {
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			signal(SIGPIPE, SIG_IGN);
			for (;;) {
				int fd = accept(lfd, NULL, NULL);

				if (fd >= 0) {
					timeouts(fd);
					serve_one(fd);
				}
			}
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}

/* ---- clients ---- */

struct shared {
	long count[64];
	long fails[64];
	double bytes[64];
	long nlat;
	double conn_lat[200000];
	double ttfb_lat[200000];
};

static struct shared *shm(void)
{
	struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		die("mmap");
	return s;
}

static void crr_client(struct shared *s, int id)
{
	struct in_addr a = addr_plus(dst, id);
	double end = now() + secs, t0, t1, t2;
	long n = 0, fails = 0;
	char c = 'x';

	while ((t0 = now()) < end) {
		int fd = xconnect(a, port);

		if (fd < 0) {
			if (++fails > 1000)
				die("connect keeps failing");
			continue;
		}
		t1 = now();
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
			close(fd);
			fails++;
			continue;
		}
		t2 = now();
		while (read(fd, &c, 1) > 0)
			;
		close(fd);
		if (id == 0 && s->nlat < 200000) {
			s->conn_lat[s->nlat] = (t1 - t0) * 1e6;
			s->ttfb_lat[s->nlat] = (t2 - t0) * 1e6;
			s->nlat++;
		}
		n++;
	}
	s->count[id] = n;
	s->fails[id] = fails;
}

/* Run FN in CLIENTS children; the number of them that failed (died). */
static long run_children(struct shared *s, void (*fn)(struct shared *, int))
{
	long failed = 0;
	int i, status;

	for (i = 0; i < clients; i++)
		if (fork() == 0) {
			fn(s, i);
			_exit(0);
		}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed;
}

static int do_crr(void)
{
	struct shared *s = shm();
	double t0 = now(), el;
	long total = 0, fails;
	int i;

	fails = run_children(s, crr_client);
	el = now() - t0;
	for (i = 0; i < clients; i++) {
		total += s->count[i];
		fails += s->fails[i];
	}
	qsort(s->conn_lat, s->nlat, sizeof(double), cmp_dbl);
	qsort(s->ttfb_lat, s->nlat, sizeof(double), cmp_dbl);
	printf("fails=%ld conns=%ld secs=%.3f rate=%.1f connect_p50_us=%.1f connect_p99_us=%.1f ttfb_p50_us=%.1f ttfb_p99_us=%.1f\n",
	       fails, total, el, total / el, pct(s->conn_lat, s->nlat, 0.5),
	       pct(s->conn_lat, s->nlat, 0.99), pct(s->ttfb_lat, s->nlat, 0.5),
	       pct(s->ttfb_lat, s->nlat, 0.99));
	/* A failed attempt is not a connection, but its time is in the rate. */
	return fails ? 1 : 0;
}

static int do_rr(void)
{
	struct shared *s = shm();
	int fd = xconnect(dst, port);
	double end, t0, t1;
	char c = 'x';
	long n = 0;

	if (fd < 0)
		die("connect");
	nodelay(fd);
	end = now() + secs;
	while ((t0 = now()) < end && n < 200000) {
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			die("ping-pong");
		t1 = now();
		s->conn_lat[n++] = (t1 - t0) * 1e6;
	}
	close(fd);
	qsort(s->conn_lat, n, sizeof(double), cmp_dbl);
	printf("iters=%ld rr_p50_us=%.1f rr_p99_us=%.1f\n", n,
	       pct(s->conn_lat, n, 0.5), pct(s->conn_lat, n, 0.99));
	return 0;
}

static void stream_client(struct shared *s, int id)
{
	static char buf[65536];
	int fd = xconnect(dst, port);
	double end = now() + secs;
	double sent = 0;
	ssize_t n;

	if (fd < 0)
		die("connect");
	while (now() < end) {
		n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			die("write");
		sent += n;
	}
	/* The server closes once it has read everything: count until then. */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	s->bytes[id] = sent;
}

static int do_stream(void)
{
	struct shared *s = shm();
	double t0 = now(), el, total = 0;
	long fails;
	int i;

	fails = run_children(s, stream_client);
	el = now() - t0;
	for (i = 0; i < clients; i++)
		total += s->bytes[i];
	printf("fails=%ld bytes=%.0f secs=%.3f mbit_s=%.1f\n", fails, total, el,
	       total * 8 / el / 1e6);
	return fails ? 1 : 0;
}

/* ---- memory and TIME_WAIT ---- */

struct slab { long active, objs, objsize, pages, slabs; };

static struct slab slab_read(void)
{
	struct slab sl = { 0 };
	char line[512], name[128];
	FILE *f = fopen("/proc/slabinfo", "r");
	long objperslab, pps;

	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %ld %ld %ld %ld %ld : tunables %*d %*d %*d : slabdata %*d %ld",
			   name, &sl.active, &sl.objs, &sl.objsize, &objperslab, &pps,
			   &sl.slabs) == 7 && !strcmp(name, cache)) {
			sl.pages = sl.slabs * pps;
			fclose(f);
			return sl;
		}
	}
	fclose(f);
	errno = ENOENT;
	die("no cache %s in /proc/slabinfo", cache);
}

/* Wait until the cache's count stops moving (RCU frees, softirq work). */
static struct slab slab_settle(void)
{
	struct slab a = slab_read(), b;
	int i;

	for (i = 0; i < 50; i++) {
		usleep(200000);
		b = slab_read();
		if (b.active == a.active)
			return b;
		a = b;
	}
	return a;
}

static void slab_report(const char *what, struct slab a, struct slab b, long n)
{
	long d = b.active - a.active, pg = b.pages - a.pages;

	/* Entries that expired or were dropped meanwhile are not counted: divide by
	 * the objects that the cache really gained. */
	printf("%s_n=%ld %s_objs=%ld objsize=%ld %s_page_bytes=%.1f ", what, n, what,
	       d, b.objsize, what, d > 0 ? pg * 4096.0 / d : 0);
}

/*
 * Connect to 127.0.0.2 + i % ADDRS, round robin: each destination has its own
 * ports, and with few of them in use per destination the ephemeral port search
 * stays short, so that the table, not the port search, is what grows.
 */
static int conn_pair(int lfd, long i, int *cfd, int *sfd)
{
	struct in_addr a = { htonl(INADDR_LOOPBACK) };

	*cfd = xconnect(addr_plus(a, 1 + i % naddrs), port);
	if (*cfd < 0)
		return -1;
	*sfd = accept(lfd, NULL, NULL);
	if (*sfd < 0)
		die("accept");
	return 0;
}

static int do_estab(void)
{
	int lfd, *fds;
	struct slab a, b;
	long i;

	raise_nofile(2 * nconn + 100);
	fds = calloc(2 * nconn, sizeof(int));
	lfd = listener(port, backlog);
	a = slab_settle();
	for (i = 0; i < nconn; i++)
		if (conn_pair(lfd, i, &fds[2 * i], &fds[2 * i + 1]))
			die("connect %ld", i);
	b = slab_settle();
	/* Both ends are sockets of the cache: report per socket. */
	slab_report("sock", a, b, 2 * nconn);
	printf("\n");
	for (i = 0; i < 2 * nconn; i++)
		close(fds[i]);
	close(lfd);
	return 0;
}

static double cpu_busy(void)
{
	long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %ld %ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("/proc/stat");
	fclose(f);
	/* user nice system irq softirq: jiffies at USER_HZ */
	return (v[0] + v[1] + v[2] + v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
}

static int do_tw(void)
{
	long i, k = nconn / 10 < 5000 ? nconn / 10 : 5000, fails = 0;
	double t0, t1, c0, c1;
	struct slab a, b;
	int lfd, cfd, sfd;
	char ch;

	raise_nofile(1000);
	lfd = listener(port, backlog);
	a = slab_settle();
	t0 = now();
	c0 = cpu_busy();
	for (i = 0; i < nconn; i++) {
		if (conn_pair(lfd, i, &cfd, &sfd)) {
			if (++fails > 100)
				die("connect %ld", i);
			i--;
			continue;
		}
		close(cfd);		/* the active close: TIME_WAIT is here */
		(void)!read(sfd, &ch, 1);
		close(sfd);
	}
	t1 = now();
	c1 = cpu_busy();
	b = slab_settle();
	slab_report("tw", a, b, nconn);
	printf("create_us=%.2f create_cpu_us=%.2f ", (t1 - t0) / nconn * 1e6,
	       (c1 - c0) / nconn * 1e6);
	/* Lookups: connections whose every segment searches the full table. */
	t0 = now();
	for (i = 0; i < k; i++) {
		if (conn_pair(lfd, nconn + i, &cfd, &sfd))
			die("connect with a full table");
		close(sfd);		/* the server closes: its TIME_WAIT */
		(void)!read(cfd, &ch, 1);
		close(cfd);
	}
	t1 = now();
	printf("lookup_n=%ld lookup_us=%.2f fails=%ld\n", k, (t1 - t0) / k * 1e6, fails);
	/* A retried connect's time is in create_us. */
	return fails ? 1 : 0;
}

/* ---- spoofed SYNs ---- */

static uint16_t csum(const void *p, size_t len, uint32_t sum)
{
	const uint16_t *w = p;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

struct synpkt {
	struct iphdr ip;
	struct tcphdr th;
	uint8_t opt[4];
} __attribute__((packed));

static int raw_fd(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), bufsz = 4 << 20;

	if (fd < 0)
		die("raw socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	return fd;
}

/* A SYN from 198.19.x.y (blackholed, so the SYN-ACKs go nowhere). */
static void send_syn(int fd, struct in_addr to, int dport, uint32_t seq)
{
	struct sockaddr_in sa = sin_of(to, dport);
	struct synpkt p = { 0 };
	struct {
		uint32_t s, d;
		uint8_t z, pr;
		uint16_t len;
	} __attribute__((packed)) ph;
	uint16_t w[6];
	uint32_t sum = 0;
	size_t i;

	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = proto;
	p.ip.tot_len = htons(sizeof(p));
	p.ip.saddr = htonl(0xc6130000 | (1 + seq % 65000));	/* 198.19.0.0/16 */
	p.ip.daddr = to.s_addr;
	p.th.source = htons(1024 + (seq / 65000) % 60000);
	p.th.dest = htons(dport);
	p.th.seq = htonl(seq * 2654435761u);
	p.th.doff = 6;
	p.th.syn = 1;
	p.th.window = htons(65535);
	p.opt[0] = 2;	/* MSS 1460 */
	p.opt[1] = 4;
	p.opt[2] = 1460 >> 8;
	p.opt[3] = 1460 & 0xff;
	ph.s = p.ip.saddr;
	ph.d = p.ip.daddr;
	ph.z = 0;
	ph.pr = proto;
	ph.len = htons(sizeof(p.th) + sizeof(p.opt));
	memcpy(w, &ph, sizeof(w));
	for (i = 0; i < 6; i++)
		sum += w[i];
	p.th.check = csum(&p.th, sizeof(p.th) + sizeof(p.opt), sum);
	while (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto");
		usleep(1000);
	}
}

static int do_synrecv(void)
{
	int lfd = listener(port, nconn + 1000), fd = raw_fd();
	struct slab a, b;
	long i;

	a = slab_settle();
	for (i = 0; i < nconn; i++) {
		send_syn(fd, dst, port, i);
		/* The loopback backlog holds netdev_max_backlog packets. */
		if (i % 100 == 99)
			usleep(5000);
	}
	b = slab_settle();
	slab_report("req", a, b, nconn);
	printf("\n");
	close(lfd);
	return 0;
}

static void flood(void)
{
	int fd = raw_fd();
	long i, n = (long)(rate * secs);
	double t0 = now();

	for (i = 0; i < n; i++) {
		double due = t0 + (double)i / rate, d = due - now();

		if (d > 0)
			usleep(d * 1e6);
		send_syn(fd, dst, port, 7919 * i + 12345);
	}
	_exit(0);
}

static int legit_once(struct in_addr a)
{
	struct sockaddr_in sa = sin_of(a, port);
	int fd = new_sock(), ok = 0, err = 0;
	struct pollfd pfd = { fd, POLLOUT, 0 };
	socklen_t len = sizeof(err);
	char c = 'x';

	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    errno == EINPROGRESS) {
		if (poll(&pfd, 1, 1500) == 1 &&
		    !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) && !err) {
			fcntl(fd, F_SETFL, 0);
			struct timeval tv = { 2, 0 };

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			ok = write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1;
		}
	}
	close(fd);
	return ok;
}

static int do_flood(void)
{
	double t0, interval = secs / legit;
	long i, ok = 0, tried = 0;
	int status, fails;
	pid_t fl;

	fl = fork();
	if (fl == 0)
		flood();
	usleep(200000);		/* let the flood fill the queue first */
	t0 = now();
	for (i = 0; i < legit && now() < t0 + secs; i++) {
		double d = t0 + i * interval - now();

		if (d > 0)
			usleep(d * 1e6);
		ok += legit_once(dst);
		tried++;
	}
	kill(fl, SIGKILL);
	waitpid(fl, &status, 0);
	/* Legitimate clients that fail are what this measures; a flooder that
	 * failed (rather than finished or was killed) is a failed run. */
	fails = WIFEXITED(status) && WEXITSTATUS(status);
	printf("legit=%ld ok=%ld success_pct=%.1f fails=%d\n", tried, ok,
	       100.0 * ok / tried, fails);
	return fails;
}

int main(int argc, char **argv)
{
	const char *mode;
	int opt;

	if (argc < 2) {
		fprintf(stderr, "usage: etpbench MODE [options] (see the source)\n");
		return 2;
	}
	mode = argv[1];
	inet_aton("127.0.0.1", &dst);
	optind = 2;
	while ((opt = getopt(argc, argv, "p:P:m:w:b:d:c:t:n:C:a:r:k:")) != -1) {
		switch (opt) {
		case 'p': proto = atoi(optarg); break;
		case 'P': port = atoi(optarg); break;
		case 'm': mode_srv = optarg; break;
		case 'w': workers = atoi(optarg); break;
		case 'b': backlog = atoi(optarg); break;
		case 'd': if (!inet_aton(optarg, &dst)) die("bad address %s", optarg); break;
		case 'c': clients = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': nconn = atol(optarg); break;
		case 'C': cache = optarg; break;
		case 'a': naddrs = atoi(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'k': legit = atol(optarg); break;
		default: return 2;
		}
	}
	if (clients < 1 || clients > 64)
		clients = 1;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "server"))
		return do_server();
	if (!strcmp(mode, "crr"))
		return do_crr();
	if (!strcmp(mode, "rr"))
		return do_rr();
	if (!strcmp(mode, "stream"))
		return do_stream();
	if (!strcmp(mode, "estab"))
		return do_estab();
	if (!strcmp(mode, "tw"))
		return do_tw();
	if (!strcmp(mode, "synrecv"))
		return do_synrecv();
	if (!strcmp(mode, "flood"))
		return do_flood();
	fprintf(stderr, "etpbench: unknown mode %s\n", mode);
	return 2;
}
