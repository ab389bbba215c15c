// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438) for ETP, a module of its own (etp_cubic.ko) that
 * registers with etp.ko as tcp_cubic.ko does with TCP: a port of Linux's
 * net/ipv4/tcp_cubic.c, so that ETP-CUBIC and TCP-CUBIC can be compared on
 * one path, and a model of an algorithm written out of etp.ko
 * (Documentation/congestion.rst). The window follows a cubic function of
 * the time since the last reduction, W(t) = C (t - K)^3 + Wmax, with a
 * Reno-friendly floor; a loss cuts it to beta = 0.7 of what it was.
 *
 * The curve is computed in segments, as TCP's (etp_snd_cwnd()), and
 * applied in bytes (etp_cong_avoid_ai() with cnt segments' worth).
 * Slow start ends by HyStart++ (RFC 9406, hystart=2, the default): a
 * round's least RTT rising by an eighth over the last round's takes it to
 * conservative slow start, a quarter of the growth, for five rounds before
 * congestion avoidance, unless the RTT falls back. hystart=1 is Linux's
 * HyStart instead (ACK trains and delay, what TCP-CUBIC does), for a
 * comparison of the same algorithm; 0, none. Its hooks run with the socket
 * locked, as every algorithm's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/module.h>
#include <net/sock.h>

#include "etp.h"

#define BICTCP_BETA_SCALE	1024	/* beta's scale */
#define BICTCP_HZ		10	/* the curve's time unit: 2^-10 s */

/* Linux's HyStart (hystart=1). */
#define HYSTART_ACK_TRAIN	0x1
#define HYSTART_DELAY		0x2
#define HYSTART_MIN_SAMPLES	8
#define HYSTART_DELAY_MIN	4000U	/* us */
#define HYSTART_DELAY_MAX	16000U
#define HYSTART_DELAY_THRESH(x)	clamp(x, HYSTART_DELAY_MIN, HYSTART_DELAY_MAX)

/* RFC 9406 4.3's constants (hystart=2). */
#define HSPP_N_RTT_SAMPLE	8
#define HSPP_CSS_GROWTH_DIVISOR	4
#define HSPP_CSS_ROUNDS		5
#define HSPP_L			8	/* segments per ACK at most: not paced */

static int fast_convergence = 1;
static int beta = 717;		/* 717/1024: RFC 9438's 0.7 */
static int initial_ssthresh;
static int bic_scale = 41;	/* C = 41 * 10 / 1024: RFC 9438's 0.4 */
static int tcp_friendliness = 1;
static int hystart = 2;
static int hystart_detect = HYSTART_ACK_TRAIN | HYSTART_DELAY;
static int hystart_low_window = 16;
static int hystart_ack_delta_us = 2000;

static u32 cube_rtt_scale;
static u32 beta_scale;
static u64 cube_factor;

module_param(fast_convergence, int, 0644);
MODULE_PARM_DESC(fast_convergence, "turn on/off fast convergence");
/* Read-only once loaded: the Reno-friendly slope is computed from it then. */
module_param(beta, int, 0444);
MODULE_PARM_DESC(beta, "beta for multiplicative decrease, /1024 (1 to 1023)");
module_param(initial_ssthresh, int, 0644);
MODULE_PARM_DESC(initial_ssthresh, "initial slow start threshold, segments (0: none)");
module_param(bic_scale, int, 0444);
MODULE_PARM_DESC(bic_scale, "C, scaled by 1024/10");
module_param(tcp_friendliness, int, 0644);
MODULE_PARM_DESC(tcp_friendliness, "turn on/off the Reno-friendly region");
module_param(hystart, int, 0644);
MODULE_PARM_DESC(hystart, "slow start's end: 0 none, 1 Linux's HyStart, 2 HyStart++ (RFC 9406)");
module_param(hystart_detect, int, 0644);
MODULE_PARM_DESC(hystart_detect, "HyStart's detection: 1 packet train, 2 delay, 3 both");
module_param(hystart_low_window, int, 0644);
MODULE_PARM_DESC(hystart_low_window, "segments below which HyStart does not act");
module_param(hystart_ack_delta_us, int, 0644);
MODULE_PARM_DESC(hystart_ack_delta_us, "spacing of ACKs that make a train (us)");

/* The state in etp_ca_priv(), as TCP's struct bictcp; windows in segments. */
struct bictcp {
	u32 cnt;		/* segments ACKed for the window to grow by one */
	u32 last_max_cwnd;	/* Wmax */
	u32 last_cwnd;		/* the window at the last update */
	u32 last_time;		/* jiffies then */
	u32 bic_origin_point;	/* the curve's plateau */
	u32 bic_K;		/* time from the epoch's start to the plateau */
	u32 delay_min;		/* least RTT (us) */
	u32 epoch_start;	/* jiffies when the epoch began, 0 if none */
	u32 ack_cnt;		/* bytes ACKed toward the Reno estimate */
	u32 tcp_cwnd;		/* the window Reno would have */
	u8 sample_cnt;		/* RTT samples this round */
	u8 found;		/* slow start's end was found */
	u8 css;			/* HyStart++: in conservative slow start */
	u8 css_rounds;		/* ...for this many rounds */
	u32 round_start;	/* us when the round began */
	u32 end_seq;		/* SND.MAX then: the round ends when it is ACKed */
	u32 last_ack;		/* us of the last ACK close to the one before */
	u32 curr_rtt;		/* the round's least RTT */
	u32 last_round_rtt;	/* HyStart++: the round before's */
	u32 css_baseline;	/* HyStart++: the least RTT that began CSS */
};

static void bictcp_reset(struct bictcp *ca)
{
	memset(ca, 0, offsetof(struct bictcp, sample_cnt));
	ca->found = 0;
	ca->css = 0;
	ca->css_rounds = 0;
}

static void bictcp_hystart_reset(struct sock *sk)
{
	struct bictcp *ca = etp_ca_priv(sk);

	ca->round_start = etp_now_us();
	ca->last_ack = ca->round_start;
	ca->end_seq = etp_sk(sk)->snd_max;
	ca->last_round_rtt = ca->curr_rtt;
	ca->curr_rtt = ~0U;
	ca->sample_cnt = 0;
}

static void cubic_init(struct sock *sk)
{
	struct bictcp *ca = etp_ca_priv(sk);

	bictcp_reset(ca);
	ca->curr_rtt = ~0U;
	/* Also with hystart 0: it may be switched on while the socket lives. */
	bictcp_hystart_reset(sk);
	if (!hystart && initial_ssthresh)
		etp_sk(sk)->ssthresh = initial_ssthresh * etp_sk(sk)->mss;
}

static void cubic_cwnd_event(struct sock *sk, enum etp_ca_event event)
{
	struct bictcp *ca = etp_ca_priv(sk);
	u32 now = jiffies;
	s32 delta;

	if (event != ETP_CA_EVENT_TX_START)
		return;
	/* Idle for a while: the epoch moves on, the curve does not jump. */
	delta = now - etp_sk(sk)->lsndtime;
	if (ca->epoch_start && delta > 0) {
		ca->epoch_start += delta;
		if (time_after32(ca->epoch_start, now))
			ca->epoch_start = now;
	}
}

/* The cube root of @a: a table's guess and one Newton-Raphson step. */
static u32 cubic_root(u64 a)
{
	u32 x, b, shift;
	static const u8 v[] = {
		/* 0x00 */    0,   54,   54,   54,  118,  118,  118,  118,
		/* 0x08 */  123,  129,  134,  138,  143,  147,  151,  156,
		/* 0x10 */  157,  161,  164,  168,  170,  173,  176,  179,
		/* 0x18 */  181,  185,  187,  190,  192,  194,  197,  199,
		/* 0x20 */  200,  202,  204,  206,  209,  211,  213,  215,
		/* 0x28 */  217,  219,  221,  222,  224,  225,  227,  229,
		/* 0x30 */  231,  232,  234,  236,  237,  239,  240,  242,
		/* 0x38 */  244,  245,  246,  248,  250,  251,  252,  254,
	};

	b = fls64(a);
	if (b < 7)
		return ((u32)v[(u32)a] + 35) >> 6;
	b = ((b * 84) >> 8) - 1;
	shift = (a >> (b * 3));
	x = ((u32)(((u32)v[shift] + 10) << b)) >> 6;
	x = (2 * x + (u32)div64_u64(a, (u64)x * (u64)(x - 1)));
	return (x * 341) >> 10;
}

/*
 * The segments to ACK for the window (@cwnd segments) to grow by one,
 * from the curve (RFC 9438 4.2) or the Reno-friendly estimate (4.3),
 * whichever is faster; @acked bytes were just ACKed.
 */
static void bictcp_update(struct bictcp *ca, u32 cwnd, u32 acked, u32 mss)
{
	u32 delta, bic_target, max_cnt;
	u64 offs, t, reno;

	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd && (s32)(jiffies - ca->last_time) <= HZ / 32)
		return;
	/* The curve moves once a jiffy at most; a reduction zeroes the epoch. */
	if (ca->epoch_start && jiffies == ca->last_time)
		goto tcp_friendliness;
	ca->last_cwnd = cwnd;
	ca->last_time = jiffies;
	if (!ca->epoch_start) {
		ca->epoch_start = jiffies;
		ca->ack_cnt = acked;
		ca->tcp_cwnd = cwnd;
		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			/* K = cbrt((Wmax - cwnd) / C), in 2^-10 s */
			ca->bic_K = cubic_root(cube_factor * (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}
	/* t, one least RTT ahead, in 2^-10 s; C (t - K)^3 without overflow. */
	t = (s32)(jiffies - ca->epoch_start);
	t += usecs_to_jiffies(ca->delay_min);
	t <<= BICTCP_HZ;
	do_div(t, HZ);
	offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
	/* 256 s from K at most: past it the cube overflows 64 bits. */
	offs = min_t(u64, offs, 1ULL << 18);
	delta = (cube_rtt_scale * offs * offs * offs) >> (10 + 3 * BICTCP_HZ);
	bic_target = t < ca->bic_K ? ca->bic_origin_point - delta :
				     ca->bic_origin_point + delta;
	ca->cnt = bic_target > cwnd ? cwnd / (bic_target - cwnd) : 100 * cwnd;
	/* While Wmax is unknown, 5 % a round trip at least. */
	if (!ca->last_max_cwnd && ca->cnt > 20)
		ca->cnt = 20;

tcp_friendliness:
	if (tcp_friendliness) {
		/* Reno's window grows by one per 8 cwnd / (3 (1 - b) / (1 + b)) ACKed. */
		reno = (((u64)cwnd * beta_scale) >> 3) * mss;
		while (reno && ca->ack_cnt > reno) {
			ca->ack_cnt -= reno;
			ca->tcp_cwnd++;
		}
		if (ca->tcp_cwnd > cwnd) {
			max_cnt = cwnd / (ca->tcp_cwnd - cwnd);
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	} else {
		ca->ack_cnt = 0;	/* in bytes it would wrap within seconds */
	}
	/* At most one segment per two ACKed: 1.5 times a round trip. */
	ca->cnt = max(ca->cnt, 2U);
}

/*
 * RFC 9406 4.2: slow start's growth, limited to L segments an ACK, a
 * quarter of it in conservative slow start, which lasts CSS_ROUNDS rounds
 * before congestion avoidance. Return: what of @acked was not used.
 */
static u32 hystartpp_slow_start(struct sock *sk, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);
	u32 grow = min(acked, HSPP_L * (u32)ep->mss);
	u32 left;

	if (ca->css) {
		ep->cwnd += grow / HSPP_CSS_GROWTH_DIVISOR;
		return 0;
	}
	/*
	 * Only what reaches ssthresh goes on to congestion avoidance: the
	 * rest of a stretch ACK beyond L is not growth (it would start
	 * CUBIC's epoch in slow start, and its first second would hide the
	 * delay samples HyStart++ watches).
	 */
	left = etp_slow_start(sk, grow);
	return left ? left + acked - grow : 0;
}

static void cubic_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);

	if (!etp_is_cwnd_limited(sk))
		return;
	if (ep->cwnd < ep->ssthresh) {
		acked = hystart == 2 ? hystartpp_slow_start(sk, acked) :
				       etp_slow_start(sk, acked);
		if (!acked)
			return;
	}
	bictcp_update(ca, etp_snd_cwnd(sk), acked, ep->mss);
	etp_cong_avoid_ai(sk, min_t(u64, (u64)ca->cnt * ep->mss, U32_MAX), acked);
}

/* RFC 9438 4.6 and 4.7: beta of the window, and Wmax with fast convergence. */
static u32 cubic_ssthresh(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);
	u32 cwnd = etp_snd_cwnd(sk);

	ca->epoch_start = 0;
	/* RFC 9406 4.2: a loss in (conservative) slow start ends HyStart++. */
	if (hystart == 2) {
		ca->found = 1;
		ca->css = 0;
	}
	if (cwnd < ca->last_max_cwnd && fast_convergence)
		ca->last_max_cwnd = (cwnd * (BICTCP_BETA_SCALE + beta)) /
				    (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = cwnd;
	/* In bytes: a window after an RTO or CSS need not be whole segments. */
	return max_t(u32, div_u64((u64)ep->cwnd * beta, BICTCP_BETA_SCALE), 2 * ep->mss);
}

static void cubic_set_state(struct sock *sk, u8 new)
{
	struct bictcp *ca = etp_ca_priv(sk);

	if (new == ETP_CA_LOSS) {
		bictcp_reset(ca);
		bictcp_hystart_reset(sk);
		/* RFC 9406 4.3: HyStart++ is for the first slow start only. */
		if (hystart == 2)
			ca->found = 1;
	}
}

/* Linux's HyStart: an ACK train as long as half the least RTT, or a delay. */
static void hystart_update(struct sock *sk, u32 delay)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);

	if (etp_after(ep->snd_una, ca->end_seq))
		bictcp_hystart_reset(sk);
	if (etp_snd_cwnd(sk) < hystart_low_window)
		return;
	if (hystart_detect & HYSTART_ACK_TRAIN) {
		u32 now = etp_now_us();

		if ((s32)(now - ca->last_ack) <= hystart_ack_delta_us) {
			ca->last_ack = now;
			if ((s32)(now - ca->round_start) > ca->delay_min >> 1) {
				ca->found = 1;
				ep->ssthresh = ep->cwnd;
			}
		}
	}
	if (hystart_detect & HYSTART_DELAY) {
		if (ca->curr_rtt > delay)
			ca->curr_rtt = delay;
		if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
			ca->sample_cnt++;
		} else if (ca->curr_rtt > ca->delay_min +
			   HYSTART_DELAY_THRESH(ca->delay_min >> 3)) {
			ca->found = 1;
			ep->ssthresh = ep->cwnd;
		}
	}
}

/*
 * RFC 9406 4.2: a round ends when its last segment is acknowledged, with an
 * RTT sample or without (Karn's rule, no timestamps); CSS lasts
 * CSS_ROUNDS of them. Return: true if slow start has just ended.
 */
static bool hystartpp_round(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);

	if (!etp_after(ep->snd_una, ca->end_seq))
		return false;
	bictcp_hystart_reset(sk);
	if (!ca->css || ++ca->css_rounds < HSPP_CSS_ROUNDS)
		return false;
	ca->found = 1;		/* to congestion avoidance */
	ca->css = 0;
	ep->ssthresh = ep->cwnd;
	return true;
}

/* RFC 9406 4.2: each round's least RTT against the last round's. */
static void hystartpp_update(struct sock *sk, u32 rtt)
{
	struct bictcp *ca = etp_ca_priv(sk);

	ca->curr_rtt = min(ca->curr_rtt, rtt);
	if (ca->sample_cnt < U8_MAX)
		ca->sample_cnt++;
	if (ca->sample_cnt < HSPP_N_RTT_SAMPLE || ca->curr_rtt == ~0U ||
	    ca->last_round_rtt == ~0U)
		return;
	if (!ca->css) {
		u32 thresh = clamp(ca->last_round_rtt / 8, HYSTART_DELAY_MIN,
				   HYSTART_DELAY_MAX);

		if (ca->curr_rtt >= ca->last_round_rtt + thresh) {
			ca->css = 1;
			ca->css_rounds = 0;
			ca->css_baseline = ca->curr_rtt;
		}
	} else if (ca->curr_rtt < ca->css_baseline) {
		ca->css = 0;		/* a false alarm: slow start again */
	}
}

static void cubic_acked(struct sock *sk, const struct etp_ack_sample *sample)
{
	struct etp_sock *ep = etp_sk(sk);
	struct bictcp *ca = etp_ca_priv(sk);
	u32 delay;

	if (hystart == 2 && !ca->found && ep->cwnd < ep->ssthresh &&
	    hystartpp_round(sk))
		return;
	if (sample->rtt_us < 0)
		return;
	/* No delay samples in the second after a reduction. */
	if (ca->epoch_start && (s32)(jiffies - ca->epoch_start) < HZ)
		return;
	delay = max_t(u32, sample->rtt_us, 1);
	if (!ca->delay_min || ca->delay_min > delay)
		ca->delay_min = delay;
	if (ca->found || ep->cwnd >= ep->ssthresh)
		return;
	if (hystart == 1)
		hystart_update(sk, delay);
	else if (hystart == 2)
		hystartpp_update(sk, delay);
}

/* TCP's tcp_reno_undo_cwnd(). */
static u32 cubic_undo_cwnd(struct sock *sk)
{
	return max(etp_sk(sk)->cwnd, etp_sk(sk)->prior_cwnd);
}

static struct etp_ca_ops etp_cubic = {
	.init		= cubic_init,
	.ssthresh	= cubic_ssthresh,
	.cong_avoid	= cubic_cong_avoid,
	.set_state	= cubic_set_state,
	.undo_cwnd	= cubic_undo_cwnd,
	.cwnd_event	= cubic_cwnd_event,
	.pkts_acked	= cubic_acked,
	.owner		= THIS_MODULE,
	.name		= "cubic",
};

#include "tests/cubic_test.c"

static int __init cubic_register(void)
{
	int n;

	BUILD_BUG_ON(sizeof(struct bictcp) > ETP_CA_PRIV_SIZE);
	if (beta <= 0 || beta >= BICTCP_BETA_SCALE || bic_scale <= 0) {
		pr_err("beta must be 1 to %d and bic_scale positive\n", BICTCP_BETA_SCALE - 1);
		return -EINVAL;
	}
	/* The Reno-friendly slope: 3 (1 - beta) / (1 + beta), scaled. */
	beta_scale = 8 * (BICTCP_BETA_SCALE + beta) / 3 / (BICTCP_BETA_SCALE - beta);
	cube_rtt_scale = bic_scale * 10;	/* 1024 C / RTT, for an RTT of 100 ms */
	/* 2^40 / (C RTT), so that K = cbrt(cube_factor (Wmax - cwnd)). */
	cube_factor = 1ULL << (10 + 3 * BICTCP_HZ);
	do_div(cube_factor, bic_scale * 10);
	n = etp_cubic_selftest();
	if (n < 0) {
		pr_err("self-tests failed: not loaded\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("self-tests: %d checks passed\n", n);
	return etp_register_congestion_control(&etp_cubic);
}

static void __exit cubic_unregister(void)
{
	etp_unregister_congestion_control(&etp_cubic);
}

module_init(cubic_register);
module_exit(cubic_unregister);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CUBIC congestion control for ETP (RFC 9438, HyStart++)");
MODULE_SOFTDEP("pre: etp");
