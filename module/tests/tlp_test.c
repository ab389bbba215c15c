// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of tail loss probes (tlp.c, and rto.c's probe timeout) on a
 * socket: the PTO is two RTTs, WCDelAckT more for one segment in flight,
 * never past the RTO, and only in Open with SACK and early_retrans 3 or 4;
 * a probe's ACK ends the episode as RFC 8985 7.4 says: a probe of new data
 * acknowledged, a duplicate reported, a bare duplicate ACK (no loss); an
 * ACK beyond a retransmitted probe (a loss, the window reduced); nothing
 * before the ACK reaches the probe. Included by tlp.c.
 */
#include "selftest.h"

#define ETP_TT_MSS	100

/* The probe timeout set, in jiffies from @j0 (before the call). */
static long __init etp_tt_pto(struct sock *sk, unsigned long j0, bool advancing)
{
	struct etp_sock *ep = etp_sk(sk);
	long t;

	if (!etp_loss_probe_arm(sk, advancing))
		return -1;
	t = ep->rtx_timer.expires - j0;
	if (!ep->tlp_timer)
		t = -2;
	etp_stop_rtx_timer(sk);
	return t;
}

/* @t within two jiffies (the clock moved meanwhile) after @want. */
static bool __init etp_tt_near(long t, unsigned long want)
{
	return t >= (long)want && t <= (long)want + 2;
}

int __init etp_tlp_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_sysctl *s = &etp_sk_pernet(sk)->sysctl;
	u32 mss = ep->mss, srtt = ep->srtt_us, rto = ep->rto;
	int er = s->early_retrans, state = sk->sk_state;
	bool sack_ok = ep->sack_ok;
	unsigned long j0;
	int checks = 0;

	ep->mss = ETP_TT_MSS;
	ep->srtt_us = 100000 << 3;		/* 100 ms: PTO 200 ms */
	ep->rto = HZ;
	ep->sack_ok = 1;
	ep->ca_state = ETP_CA_OPEN;
	sk->sk_state = TCP_ESTABLISHED;
	s->early_retrans = 3;
	ep->snd_una = 0;
	ep->snd_max = 2 * ETP_TT_MSS;
	ETP_CHECK(etp_st_seg(sk, 0, ETP_TT_MSS, 0, 0) &&
		  etp_st_seg(sk, ETP_TT_MSS, ETP_TT_MSS, 0, 0));

	/* Two segments in flight: 2 * SRTT, and two jiffies. */
	j0 = jiffies;
	ETP_CHECK(etp_tt_near(etp_tt_pto(sk, j0, false),
			      usecs_to_jiffies(200000) + 2));
	/* The RTO (1 s) runs from the oldest's send: 900 ms ago, 100 left. */
	ETP_SKB_CB(etp_rtx_head(sk))->sent_us = etp_now_us() - 900000;
	j0 = jiffies;
	ETP_CHECK(etp_tt_near(etp_tt_pto(sk, j0, false), usecs_to_jiffies(100000)));
	/* ...unless an ACK just started it afresh. */
	j0 = jiffies;
	ETP_CHECK(etp_tt_near(etp_tt_pto(sk, j0, true),
			      usecs_to_jiffies(200000) + 2));
	/* One segment in flight: WCDelAckT (200 ms) more. */
	ep->snd_una = ETP_TT_MSS;
	j0 = jiffies;
	ETP_CHECK(etp_tt_near(etp_tt_pto(sk, j0, true),
			      usecs_to_jiffies(200000) + HZ / 5));
	/* No sample yet: a second, capped by the RTO. */
	ep->srtt_us = 0;
	ep->rto = 3 * HZ;
	j0 = jiffies;
	ETP_CHECK(etp_tt_near(etp_tt_pto(sk, j0, true), HZ));
	ep->srtt_us = 100000 << 3;
	ep->rto = HZ;

	/* Not in recovery, nor without SACK, nor with early_retrans 0..2. */
	ep->ca_state = ETP_CA_RECOVERY;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	ep->ca_state = ETP_CA_OPEN;
	ep->sack_ok = 0;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	ep->sack_ok = 1;
	s->early_retrans = 2;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	s->early_retrans = 4;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) > 0);
	s->early_retrans = 3;
	/* ...nor with SACKs in (TCP's Disorder), nor with a probe out. */
	ep->sacked_out = ETP_TT_MSS;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	ep->sacked_out = 0;
	ep->tlp_out = 1;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	ep->tlp_out = 0;
	/* ...nor in the handshake. */
	sk->sk_state = TCP_SYN_SENT;
	ETP_CHECK(etp_tt_pto(sk, jiffies, true) == -1);
	sk->sk_state = TCP_ESTABLISHED;

	/* What the ACKs say of a probe that went at 1000. */
	ep->tlp_out = 0;
	ep->snd_una = 1000;
	ETP_CHECK(!etp_tlp_ack(sk, 100, 0));
	ep->tlp_out = 1;
	ep->tlp_high_seq = 1000;
	ep->tlp_retrans = 0;			/* new data, acknowledged */
	ETP_CHECK(!etp_tlp_ack(sk, 100, 0) && !ep->tlp_out);
	ep->tlp_out = 1;
	ep->tlp_retrans = 1;
	ep->snd_una = 900;			/* short of the probe: wait */
	ETP_CHECK(!etp_tlp_ack(sk, 100, 0) && ep->tlp_out);
	ep->snd_una = 1000;			/* up to it, no report: wait */
	ETP_CHECK(!etp_tlp_ack(sk, 100, 0) && ep->tlp_out);
	/* A bare duplicate ACK: both copies arrived. */
	ETP_CHECK(!etp_tlp_ack(sk, 0, ETP_ACK_DUP | ETP_SACK_NEW) && ep->tlp_out);
	ETP_CHECK(!etp_tlp_ack(sk, 0, ETP_ACK_DUP) && !ep->tlp_out);
	ep->tlp_out = 1;			/* a D-SACK of the probe */
	ETP_CHECK(!etp_tlp_ack(sk, 0, ETP_SACK_DSACK) && !ep->tlp_out);
	ep->tlp_out = 1;			/* beyond it, unreported: a loss */
	ep->snd_una = 1100;
	ETP_CHECK(etp_tlp_ack(sk, 100, 0) && !ep->tlp_out);
	ETP_CHECK(!etp_tlp_ack(sk, 100, 0));

	while (etp_rtx_head(sk))
		etp_rtx_unlink_free(sk, etp_rtx_head(sk));
	sk_mem_reclaim(sk);
	ep->snd_una = 0;
	ep->snd_max = 0;
	ep->tlp_retrans = 0;
	ep->mss = mss;
	ep->srtt_us = srtt;
	ep->rto = rto;
	ep->sack_ok = sack_ok;
	sk->sk_state = state;
	s->early_retrans = er;
	return checks;
}
