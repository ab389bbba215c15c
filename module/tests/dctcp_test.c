// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of DCTCP (dctcp.c), run when etp_dctcp.ko loads, on a socket
 * made for the test: an echo cuts the window by alpha / 2 (all of alpha:
 * half; none: nothing; two segments at least); alpha moves a sixteenth of
 * the way to the fraction of bytes marked, once a window, not before; a
 * loss halves the window whatever alpha is; without ECN the socket runs
 * as dctcp-reno. Included by dctcp.c.
 */
#include "selftest.h"

#define ETP_DC_MSS	1000

/* One window of @bytes delivered, @ce of them with ECE, then its end. */
static void __init etp_dc_window(struct sock *sk, u32 bytes, u32 ce)
{
	struct etp_sock *ep = etp_sk(sk);
	struct dctcp *ca = etp_ca_priv(sk);

	ep->delivered += bytes;
	ep->delivered_ce += ce;
	ep->snd_una = ca->next_seq;
	ep->snd_nxt = ep->snd_una + 10 * ETP_DC_MSS;
	dctcp_update_alpha(sk, ce ? ETP_CA_ACK_ECE : 0);
}

static int __init etp_dctcp_checks(struct etp_sock *ep)
{
	struct sock *sk = &ep->inet.sk;
	struct dctcp *ca = etp_ca_priv(sk);
	int checks = 0;

	ep->mss = ETP_DC_MSS;
	ep->cwnd = 100 * ETP_DC_MSS;
	ep->ca_ops = &dctcp;
	ep->ecn_flags = ETP_ECN_OK;
	dctcp_init(sk);
	ETP_CHECK(ep->ca_ops == &dctcp && ca->alpha == DCTCP_MAX_ALPHA);

	/* alpha 1: half; 1/2: three quarters; 0: all of it. */
	ETP_CHECK(dctcp_ssthresh(sk) == 50 * ETP_DC_MSS && ca->loss_cwnd == ep->cwnd);
	ca->alpha = DCTCP_MAX_ALPHA / 2;
	ETP_CHECK(dctcp_ssthresh(sk) == 75 * ETP_DC_MSS);
	ca->alpha = 0;
	ETP_CHECK(dctcp_ssthresh(sk) == 100 * ETP_DC_MSS);
	ep->cwnd = 3 * ETP_DC_MSS;
	ca->alpha = DCTCP_MAX_ALPHA;
	ETP_CHECK(dctcp_ssthresh(sk) == 2 * ETP_DC_MSS);

	/* alpha = (1 - 1/16) alpha + F / 16, per window. */
	ca->alpha = 0;
	dctcp_reset(ep, ca);
	etp_dc_window(sk, 10000, 10000);
	ETP_CHECK(ca->alpha == 64);
	etp_dc_window(sk, 10000, 10000);
	ETP_CHECK(ca->alpha == 64 - 4 + 64);
	etp_dc_window(sk, 10000, 0);
	ETP_CHECK(ca->alpha == 124 - 7);
	etp_dc_window(sk, 10000, 5000);
	ETP_CHECK(ca->alpha == 117 - 7 + 32);
	/* Within a window: no change, the counts go on. */
	ep->delivered += 10000;
	ep->delivered_ce += 10000;
	ep->snd_una = ca->next_seq - 1;
	dctcp_update_alpha(sk, ETP_CA_ACK_ECE);
	ETP_CHECK(ca->alpha == 142);
	/* Never above 1. */
	ca->alpha = DCTCP_MAX_ALPHA;
	etp_dc_window(sk, 10000, 10000);
	ETP_CHECK(ca->alpha == DCTCP_MAX_ALPHA);

	/* A loss: half, though alpha is small; undo takes the window back. */
	ca->alpha = 16;
	ep->cwnd = 40 * ETP_DC_MSS;
	dctcp_set_state(sk, ETP_CA_RECOVERY);
	ETP_CHECK(ep->ssthresh == 20 * ETP_DC_MSS);
	ep->cwnd = 20 * ETP_DC_MSS;
	ETP_CHECK(dctcp_undo_cwnd(sk) == 40 * ETP_DC_MSS);
	ep->cwnd = 50 * ETP_DC_MSS;
	dctcp_cwnd_event(sk, ETP_CA_EVENT_LOSS);
	ETP_CHECK(ep->ssthresh == 25 * ETP_DC_MSS);

	/* No ECN agreed: Reno, of the same module. */
	ep->ecn_flags = 0;
	dctcp_init(sk);
	ETP_CHECK(ep->ca_ops == &dctcp_reno && !(ep->ca_ops->flags & ETP_CONG_NEEDS_ECN));
	return checks;
}

static int __init etp_dctcp_selftest(void)
{
	unsigned int g = dctcp_shift_g, init = dctcp_alpha_on_init;
	struct etp_sock *ep;
	int n;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep)
		return -ENOMEM;
	dctcp_shift_g = 4;
	dctcp_alpha_on_init = DCTCP_MAX_ALPHA;
	n = etp_dctcp_checks(ep);
	dctcp_shift_g = g;
	dctcp_alpha_on_init = init;
	kfree(ep);
	return n;
}
