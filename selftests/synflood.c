// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: send spoofed SYNs of IP protocol PROTO to DST:PORT from random
 * sources in SRC_NET/16, at most COUNT of them and for at most SECONDS, as
 * fast as a raw socket allows (or RATE per second), or until SIGTERM.
 * Bounded on purpose.
 *
 *   synflood PROTO DST PORT SRC_NET COUNT SECONDS [RATE]
 *
 * Prints "sent N in S s" and exits 0, at its bounds or on SIGTERM. Used by
 * the SYN cookie tests and the benchmark.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct etphdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff, flags;
	uint16_t window, check, urg;
	uint8_t opts[8];
} __attribute__((packed));

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct {
		struct iphdr ip;
		struct etphdr th;
	} __attribute__((packed)) pkt;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	long count, sent = 0;
	double seconds, rate = 0, start, t;
	struct in_addr net;
	int proto, fd, one = 1;
	uint32_t x;

	if (argc < 7) {
		fprintf(stderr, "usage: synflood PROTO DST PORT SRC_NET COUNT SECONDS [RATE]\n");
		return 2;
	}
	proto = atoi(argv[1]);
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[4], &net) != 1) {
		fprintf(stderr, "synflood: bad address\n");
		return 2;
	}
	count = atol(argv[5]);
	seconds = atof(argv[6]);
	if (argc > 7)
		rate = atof(argv[7]);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("synflood: raw socket");
		return 1;
	}
	signal(SIGTERM, on_term);
	x = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	start = now();
	for (t = start; !stop && sent < count && t - start < seconds; ) {
		uint8_t pseudo[12];
		uint32_t sum = 0;
		size_t i;

		/* xorshift: cheap, and every SYN is a new 4-tuple */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		memset(&pkt, 0, sizeof(pkt));
		pkt.ip.version = 4;
		pkt.ip.ihl = 5;
		pkt.ip.ttl = 64;
		pkt.ip.protocol = proto;
		pkt.ip.tot_len = htons(sizeof(pkt));
		pkt.ip.saddr = net.s_addr | htonl((x & 0xfffe) + 1);
		pkt.ip.daddr = dst.sin_addr.s_addr;
		pkt.th.sport = htons(1024 + (x >> 16) % 60000);
		pkt.th.dport = htons(atoi(argv[3]));
		pkt.th.seq = htonl(x * 2654435761u);
		pkt.th.doff = (sizeof(pkt.th) / 4) << 4;
		pkt.th.flags = 0x02;
		pkt.th.window = htons(65535);
		/* MSS 1460, NOP, window scale 7 */
		memcpy(pkt.th.opts, "\x02\x04\x05\xb4\x01\x03\x03\x07", 8);
		memcpy(pseudo, &pkt.ip.saddr, 4);
		memcpy(pseudo + 4, &pkt.ip.daddr, 4);
		pseudo[8] = 0;
		pseudo[9] = proto;
		pseudo[10] = 0;
		pseudo[11] = sizeof(pkt.th);
		for (i = 0; i < sizeof(pseudo); i += 2)
			sum += pseudo[i] << 8 | pseudo[i + 1];
		pkt.th.check = htons(csum(&pkt.th, sizeof(pkt.th), sum));
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0 && errno != ENOBUFS && errno != EAGAIN &&
		    errno != EINTR) {
			perror("synflood: sendto");
			return 1;
		}
		sent++;
		if (!(sent & 63) || rate > 0)
			t = now();
		if (rate > 0 && sent > (t - start) * rate) {
			double wait = sent / rate - (t - start);

			if (wait > 0)
				usleep(wait * 1e6);
		}
	}
	printf("sent %ld in %.2f s\n", sent, now() - start);
	return 0;
}
