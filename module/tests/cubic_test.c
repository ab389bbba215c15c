// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of CUBIC (cubic.c), run when etp_cubic.ko loads, on a socket
 * made for the test: the cube root; a loss leaves beta = 0.7 of the window
 * and Wmax, less with fast convergence; K = cbrt((Wmax - cwnd) / C); the
 * window grows toward Wmax and past it as the curve says, in bytes;
 * HyStart++ (RFC 9406) enters conservative slow start when a round's least
 * RTT rises by its threshold, leaves it if the RTT falls back, and ends
 * slow start after five rounds of it. Included by cubic.c.
 */
#include "selftest.h"

#define ETP_CU_MSS	1000

/* @n RTT samples of @rtt_us, one each ACK, in slow start. */
static void __init etp_cu_samples(struct sock *sk, int n, u32 rtt_us)
{
	struct etp_ack_sample s = { .acked = ETP_CU_MSS, .rtt_us = rtt_us };

	while (n--)
		cubic_acked(sk, &s);
}

/* The next round: the ACK passes the round's end. */
static void __init etp_cu_round(struct sock *sk, int n, u32 rtt_us)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);

	ep->snd_una = ca->end_seq + 1;
	ep->snd_max = ep->snd_una + 100 * ETP_CU_MSS;
	etp_cu_samples(sk, n, rtt_us);
}

/* The default parameters' checks; the caller sets them and frees @ep. */
static int __init etp_cubic_checks(struct etp_sock *ep)
{
	struct sock *sk = &ep->inet.sk;
	struct bictcp *ca = etp_ca_priv(sk);
	int checks = 0, i;
	u32 k;

	ETP_CHECK(cubic_root(1000) == 10 && cubic_root(27) == 3 &&
		  abs((int)cubic_root(1000000000ULL) - 1000) <= 2);

	/* A loss at 100 segments: ssthresh 70, Wmax 100; K = cbrt(30 / 0.4). */
	ep->mss = ETP_CU_MSS;
	ep->cwnd = 100 * ETP_CU_MSS;
	ep->ssthresh = 0x7fffffff;
	cubic_init(sk);
	ETP_CHECK(cubic_ssthresh(sk) == 100 * ETP_CU_MSS * 717 / 1024 &&
		  ca->last_max_cwnd == 100);
	/* In bytes: a window of 100.5 segments leaves 70.37. */
	ep->cwnd = 100 * ETP_CU_MSS + ETP_CU_MSS / 2;
	ETP_CHECK(cubic_ssthresh(sk) == (100 * ETP_CU_MSS + ETP_CU_MSS / 2) * 717 / 1024);
	ep->cwnd = 70 * ETP_CU_MSS;
	ep->ssthresh = 70 * ETP_CU_MSS;
	ep->is_cwnd_limited = 1;
	ca->delay_min = 100000;		/* t is an RTT ahead: 100 ms */
	cubic_cong_avoid(sk, 0, ETP_CU_MSS);
	k = 4218 * 1024 / 1000;		/* 4.218 s in 2^-10 s */
	ETP_CHECK(ca->epoch_start && ca->bic_origin_point == 100 &&
		  abs((int)ca->bic_K - (int)k) <= k / 100);
	/* 100 ms in, the curve is at 73: 70 / 3 segments ACKed a segment. */
	ETP_CHECK(ca->cnt == 23);
	/* At K the curve is at Wmax: at 99, one segment per 99; at 2K, 132. */
	ep->cwnd = 99 * ETP_CU_MSS;
	ca->epoch_start -= ca->bic_K * HZ / 1024;
	ca->last_time -= HZ;
	cubic_cong_avoid(sk, 0, ETP_CU_MSS);
	ETP_CHECK(ca->cnt == 99);
	ca->epoch_start -= ca->bic_K * HZ / 1024;
	ca->last_time -= HZ;
	cubic_cong_avoid(sk, 0, ETP_CU_MSS);
	ETP_CHECK(ca->cnt == 3);
	/* Fast convergence: a loss below Wmax sets Wmax to (1 + beta) / 2 of it. */
	ep->cwnd = 80 * ETP_CU_MSS;
	ETP_CHECK(cubic_ssthresh(sk) == 80 * ETP_CU_MSS * 717 / 1024 &&
		  ca->last_max_cwnd == 68 && !ca->epoch_start);
	/*
	 * At Wmax, a new epoch: the curve is flat, Reno's estimate leads
	 * (one segment per 131 ACKed at 70, then cnt = 70): the window grows
	 * in bytes, one MSS at a time.
	 */
	ep->cwnd = 70 * ETP_CU_MSS;
	ep->snd_cwnd_cnt = 0;
	for (i = 0; i < 400; i++) {
		cubic_cong_avoid(sk, 0, ETP_CU_MSS);
		ca->last_time -= HZ;	/* recompute cnt at each ACK */
	}
	ETP_CHECK(ep->cwnd > 70 * ETP_CU_MSS && ep->cwnd < 75 * ETP_CU_MSS &&
		  ep->cwnd % ETP_CU_MSS == 0);
	/* Not limited by the window: no growth. */
	ep->is_cwnd_limited = 0;
	i = ep->cwnd;
	cubic_cong_avoid(sk, 0, 10 * ETP_CU_MSS);
	ETP_CHECK(ep->cwnd == i);

	/* HyStart++: 10 ms rounds, then 12 (under the 4 ms threshold): no CSS. */
	hystart = 2;
	memset(ca, 0, sizeof(*ca));
	ep->cwnd = 20 * ETP_CU_MSS;
	ep->ssthresh = 0x7fffffff;
	ep->snd_una = 1;
	ep->snd_max = 1 + 20 * ETP_CU_MSS;
	cubic_init(sk);
	etp_cu_samples(sk, 8, 10000);
	etp_cu_round(sk, 8, 12000);
	ETP_CHECK(!ca->css && !ca->found);
	/* 17 ms against 12: 5 ms over the 4 ms threshold: CSS, a quarter of the growth. */
	etp_cu_round(sk, 8, 17000);
	ETP_CHECK(ca->css && ca->css_baseline == 17000);
	ep->max_in_flight = ep->cwnd;	/* limited by the window */
	i = ep->cwnd;
	cubic_cong_avoid(sk, 0, 4 * ETP_CU_MSS);
	ETP_CHECK(ep->cwnd == i + ETP_CU_MSS);
	/* The RTT falls back below the baseline: slow start again. */
	etp_cu_round(sk, 8, 15000);
	ETP_CHECK(!ca->css);
	etp_cu_round(sk, 8, 25000);
	ETP_CHECK(ca->css);
	/* Five rounds of CSS: slow start ends, ssthresh = cwnd. */
	for (i = 0; i < 5; i++)
		etp_cu_round(sk, 8, 25000);
	ETP_CHECK(ca->found && ep->ssthresh == ep->cwnd);

	/*
	 * A stretch ACK of 20 segments in slow start: L = 8 of them grow the
	 * window; the rest is not congestion avoidance's (no epoch begins).
	 */
	memset(ca, 0, sizeof(*ca));
	ep->cwnd = 20 * ETP_CU_MSS;
	ep->ssthresh = 0x7fffffff;
	cubic_init(sk);
	ep->max_in_flight = ep->cwnd;
	cubic_cong_avoid(sk, 0, 20 * ETP_CU_MSS);
	ETP_CHECK(ep->cwnd == 28 * ETP_CU_MSS && !ca->epoch_start);
	return checks;
}

/*
 * Run the checks with the parameters they assume (others may have been
 * given at load: beta and bic_scale change the curve, and the checks are
 * left out then), and put everything back.
 */
static int __init etp_cubic_selftest(void)
{
	int fc = fast_convergence, tf = tcp_friendliness, hs = hystart, n;
	struct etp_sock *ep;

	if (beta != 717 || bic_scale != 41) {
		pr_info("self-tests left out: beta or bic_scale not the default\n");
		return 0;
	}
	ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep)
		return -ENOMEM;
	fast_convergence = 1;
	tcp_friendliness = 1;
	n = etp_cubic_checks(ep);
	fast_convergence = fc;
	tcp_friendliness = tf;
	hystart = hs;
	kfree(ep);
	return n;
}
