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

/*
 * Arm the probe timeout; 1 if it was set to @want jiffies from the call
 * (read between the jiffies before and after it: a stalled guest does not
 * make it fail), 0 if set otherwise, -1 if not set. With @atmost, 1 if it
 * was set within @want of the call.
 */
static int __init etp_tt_pto(struct sock *sk, bool advancing, unsigned long want,
			     bool atmost)
{
	struct etp_sock *ep = etp_sk(sk);
	unsigned long j0 = jiffies, j1, e;

	if (!etp_loss_probe_arm(sk, advancing))
		return -1;
	j1 = jiffies;
	e = ep->rtx_timer.expires;
	if (!ep->tlp_timer) {
		etp_stop_rtx_timer(sk);
		return 0;
	}
	etp_stop_rtx_timer(sk);
	if (atmost)
		return time_after(e, j0) && !time_after(e, j1 + want);
	return !time_after(e - want, j1) && !time_before(e - want, j0);
}

int __init etp_tlp_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_sysctl *s = &etp_sk_pernet(sk)->sysctl;
	u32 mss = ep->mss, srtt = ep->srtt_us, rto = ep->rto;
	int er = s->early_retrans, state = sk->sk_state;
	bool sack_ok = ep->sack_ok;
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
	ETP_CHECK(etp_tt_pto(sk, false, usecs_to_jiffies(200000) + 2, false) == 1);
	/*
	 * The RTO runs from the oldest's send: with an SRTT of 5 s (PTO 10
	 * s) and an RTO of 20 s sent 15 s ago, 5 s are left, which cap it.
	 */
	ep->srtt_us = 5000000 << 3;
	ep->rto = 20 * HZ;
	ETP_SKB_CB(etp_rtx_head(sk))->sent_us = etp_now_us() - 15000000;
	ETP_CHECK(etp_tt_pto(sk, false, 5 * HZ + 1, true) == 1);
	ep->srtt_us = 100000 << 3;
	ep->rto = HZ;
	/* ...unless an ACK just started it afresh. */
	ETP_CHECK(etp_tt_pto(sk, true, usecs_to_jiffies(200000) + 2, false) == 1);
	/* One segment in flight: WCDelAckT (200 ms) more. */
	ep->snd_una = ETP_TT_MSS;
	ETP_CHECK(etp_tt_pto(sk, true, usecs_to_jiffies(200000) + HZ / 5, false) == 1);
	/* No sample yet: a second, capped by the RTO. */
	ep->srtt_us = 0;
	ep->rto = 3 * HZ;
	ETP_CHECK(etp_tt_pto(sk, true, HZ, false) == 1);
	ep->srtt_us = 100000 << 3;
	ep->rto = HZ;

	/* Not in recovery, nor without SACK, nor with early_retrans 0..2. */
	ep->ca_state = ETP_CA_RECOVERY;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
	ep->ca_state = ETP_CA_OPEN;
	ep->sack_ok = 0;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
	ep->sack_ok = 1;
	s->early_retrans = 2;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
	s->early_retrans = 4;
	ETP_CHECK(etp_tt_pto(sk, true, 0, true) >= 0);
	s->early_retrans = 3;
	/* ...nor with SACKs in (TCP's Disorder), nor with a probe out. */
	ep->sacked_out = ETP_TT_MSS;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
	ep->sacked_out = 0;
	ep->tlp_out = 1;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
	ep->tlp_out = 0;
	/* ...nor in the handshake. */
	sk->sk_state = TCP_SYN_SENT;
	ETP_CHECK(etp_tt_pto(sk, true, 0, false) == -1);
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
