// SPDX-License-Identifier: GPL-2.0
/*
 * DCTCP (RFC 8257) for ETP, a module of its own (etp_dctcp.ko), a port of
 * Linux's net/ipv4/tcp_dctcp.c. The path marks CE early (a queue above a
 * threshold), the receiver echoes each segment's CE state exactly (ecn.c,
 * for an algorithm with ETP_CONG_NEEDS_ECN), and the sender cuts its
 * window in proportion to how much was marked: once a window of data,
 * alpha = (1 - g) alpha + g F, where F is the fraction of the bytes
 * delivered that came back with ECE, and an echo cuts the window by
 * alpha / 2 (all marked: half, as Reno; few marked: little). The window
 * grows as Reno's. A loss halves it, whatever alpha is (Linux's
 * dctcp_react_to_loss()).
 *
 * Without ECN agreed by the peer, the connection runs as Reno, sending
 * Not-ECT ("dctcp-reno", as Linux's). alpha and the fraction are 10-bit
 * fixed point (DCTCP_MAX_ALPHA is 1.0); windows are in bytes. Meant for
 * paths whose every hop marks (a data centre, a lab's veth with a marking
 * qdisc): on the Internet, RFC 8257 section 3 warns, it is unfair to
 * Reno and CUBIC.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/sock.h>

#include "etp.h"

#define DCTCP_MAX_ALPHA	1024U

static unsigned int dctcp_shift_g __read_mostly = 4;	/* g = 1/2^4 */
static unsigned int dctcp_alpha_on_init __read_mostly = DCTCP_MAX_ALPHA;

static int dctcp_shift_g_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 10);
}

static const struct kernel_param_ops dctcp_shift_g_ops = {
	.set = dctcp_shift_g_set,
	.get = param_get_uint,
};

module_param_cb(dctcp_shift_g, &dctcp_shift_g_ops, &dctcp_shift_g, 0644);
MODULE_PARM_DESC(dctcp_shift_g, "parameter g for updating dctcp_alpha (g = 1/2^shift)");
module_param(dctcp_alpha_on_init, uint, 0644);
MODULE_PARM_DESC(dctcp_alpha_on_init, "parameter for initial alpha value (0 to 1024)");

/* The state in etp_ca_priv(), as TCP's struct dctcp. */
struct dctcp {
	u32 old_delivered;	/* ep->delivered when the window began */
	u32 old_delivered_ce;
	u32 next_seq;		/* the window ends when SND.UNA passes it */
	u32 alpha;
	u32 loss_cwnd;		/* the window before the last reduction */
};

static struct etp_ca_ops dctcp_reno;

static void dctcp_reset(const struct etp_sock *ep, struct dctcp *ca)
{
	ca->next_seq = ep->snd_nxt;
	ca->old_delivered = ep->delivered;
	ca->old_delivered_ce = ep->delivered_ce;
}

static void dctcp_init(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct dctcp *ca = etp_ca_priv(sk);

	if (etp_ecn_ok(sk)) {
		ca->alpha = min(dctcp_alpha_on_init, DCTCP_MAX_ALPHA);
		ca->loss_cwnd = 0;
		dctcp_reset(ep, ca);
		return;
	}
	/*
	 * The peer did not agree to ECN: Reno, from the same module, whose
	 * reference the socket keeps (tcp_dctcp.c's dctcp_reno).
	 */
	ep->ca_ops = &dctcp_reno;
}

/* An echo of congestion: the window less alpha / 2 of it, two segments at least. */
static u32 dctcp_ssthresh(struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);
	struct dctcp *ca = etp_ca_priv(sk);

	ca->loss_cwnd = ep->cwnd;
	return max_t(u32, ep->cwnd - (u32)(((u64)ep->cwnd * ca->alpha) >> 11),
		     2U * ep->mss);
}

/*
 * Every ACK: once a window of data has been acknowledged, alpha moves a
 * g-th of the way towards the fraction of it that came back with ECE.
 */
static void dctcp_update_alpha(struct sock *sk, u32 flags)
{
	const struct etp_sock *ep = etp_sk(sk);
	struct dctcp *ca = etp_ca_priv(sk);
	u32 delivered, delivered_ce, alpha;

	if (etp_before(ep->snd_una, ca->next_seq))
		return;
	delivered = ep->delivered - ca->old_delivered;
	delivered_ce = ep->delivered_ce - ca->old_delivered_ce;
	alpha = ca->alpha;
	alpha -= min_not_zero(alpha, alpha >> dctcp_shift_g);
	if (delivered_ce) {
		/* In bytes: a 64-bit product, where Linux counts segments. */
		u64 frac = div_u64((u64)delivered_ce << (10 - dctcp_shift_g),
				   max(1U, delivered));

		alpha = min_t(u64, alpha + frac, DCTCP_MAX_ALPHA);
	}
	WRITE_ONCE(ca->alpha, alpha);
	dctcp_reset(ep, ca);
}

/* A loss: half the window, whatever alpha says (dctcp_react_to_loss()). */
static void dctcp_react_to_loss(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct dctcp *ca = etp_ca_priv(sk);

	ca->loss_cwnd = ep->cwnd;
	ep->ssthresh = max(ep->cwnd / 2, 2U * ep->mss);
}

static void dctcp_set_state(struct sock *sk, u8 new)
{
	if (new == ETP_CA_RECOVERY)
		dctcp_react_to_loss(sk);
	/* A timeout: its cwnd_event, once per episode. */
}

static void dctcp_cwnd_event(struct sock *sk, enum etp_ca_event ev)
{
	if (ev == ETP_CA_EVENT_LOSS)
		dctcp_react_to_loss(sk);
	/* The CE state's echo is ecn.c's: ETP_CONG_NEEDS_ECN asks for it. */
}

static u32 dctcp_undo_cwnd(struct sock *sk)
{
	const struct dctcp *ca = etp_ca_priv(sk);

	return max(etp_sk(sk)->cwnd, ca->loss_cwnd);
}

/* Reno's growth (tcp_reno_cong_avoid()), while the window limits sending. */
static void dctcp_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!etp_is_cwnd_limited(sk))
		return;
	if (ep->cwnd < ep->ssthresh) {
		acked = etp_slow_start(sk, acked);
		if (!acked)
			return;
	}
	etp_cong_avoid_ai(sk, ep->cwnd, acked);
}

/* Half the flight on a loss, at least two segments (tcp_reno_ssthresh()). */
static u32 dctcp_reno_ssthresh(struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	return max(ep->cwnd / 2, 2U * ep->mss);
}

static u32 dctcp_reno_undo_cwnd(struct sock *sk)
{
	return max(etp_sk(sk)->cwnd, etp_sk(sk)->prior_cwnd);
}

static struct etp_ca_ops dctcp = {
	.init		= dctcp_init,
	.in_ack_event	= dctcp_update_alpha,
	.cwnd_event	= dctcp_cwnd_event,
	.ssthresh	= dctcp_ssthresh,
	.cong_avoid	= dctcp_cong_avoid,
	.undo_cwnd	= dctcp_undo_cwnd,
	.set_state	= dctcp_set_state,
	.flags		= ETP_CONG_NEEDS_ECN,
	.owner		= THIS_MODULE,
	.name		= "dctcp",
};

/* Not registered: what a DCTCP socket becomes without ECN. */
static struct etp_ca_ops dctcp_reno = {
	.ssthresh	= dctcp_reno_ssthresh,
	.cong_avoid	= dctcp_cong_avoid,
	.undo_cwnd	= dctcp_reno_undo_cwnd,
	.owner		= THIS_MODULE,
	.name		= "dctcp-reno",
};

#include "tests/dctcp_test.c"

static int __init dctcp_register(void)
{
	int n;

	BUILD_BUG_ON(sizeof(struct dctcp) > ETP_CA_PRIV_SIZE);
	n = etp_dctcp_selftest();
	if (n < 0) {
		pr_err("self-tests failed: not loaded\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("self-tests: %d checks passed\n", n);
	return etp_register_congestion_control(&dctcp);
}

static void __exit dctcp_unregister(void)
{
	etp_unregister_congestion_control(&dctcp);
}

module_init(dctcp_register);
module_exit(dctcp_unregister);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DCTCP congestion control for ETP (RFC 8257)");
MODULE_SOFTDEP("pre: etp");
