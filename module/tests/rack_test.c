// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of RACK (rack.c) on a socket: a segment sent before the most
 * recent one delivered is lost once it waited that one's RTT and the
 * reordering window, not before; one sent after it is not; a retransmission
 * lost again leaves the retransmitted count; the walk stops at the first
 * segment sent once after RACK's; a timeout marks the head and what went
 * an RTT ago or more; the window is a quarter of the least RTT,
 * none in recovery while no reordering was seen, and D-SACKs widen it once
 * a round. Included by rack.c.
 */
#include "selftest.h"

#define ETP_RK_MSS	100

/* A sent skb at @seq of one segment, sent @ago us ago, marked @sacked. */
static bool __init etp_rk_seg(struct sock *sk, u32 seq, u32 ago, u8 sacked)
{
	return etp_st_seg(sk, seq, ETP_RK_MSS, sacked, ago);
}

/* The skb at @seq. */
static struct etp_skb_cb *__init etp_rk_cb(struct sock *sk, u32 seq)
{
	struct sk_buff *skb;

	skb_rbtree_walk(skb, &etp_sk(sk)->rtx_root)
		if (ETP_SKB_CB(skb)->seq == seq)
			return ETP_SKB_CB(skb);
	return NULL;
}

static void __init etp_rk_drain(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	sk_mem_reclaim(sk);
	ep->sacked_out = 0;
	memset(&ep->rack, 0, sizeof(ep->rack));
	ep->rack.reo_steps = 1;
}

int __init etp_rack_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 mss = ep->mss, srtt = ep->srtt_us, min_rtt = ep->min_rtt_us;
	struct etp_skb_cb *cb;
	int checks = 0, i;

	ep->mss = ETP_RK_MSS;
	ep->srtt_us = 100000 << 3;		/* 100 ms */
	ep->min_rtt_us = 80000;			/* reo_wnd: 20 ms */
	ep->ca_state = ETP_CA_OPEN;
	ep->reord_seen = 0;
	etp_rk_drain(sk);

	/* The window: min RTT / 4; none in recovery with no reordering seen. */
	ETP_CHECK(etp_rack_reo_wnd(sk) == 20000);
	ep->ca_state = ETP_CA_RECOVERY;
	ETP_CHECK(etp_rack_reo_wnd(sk) == 0);
	ep->reord_seen = 1;
	ETP_CHECK(etp_rack_reo_wnd(sk) == 20000);
	ep->reord_seen = 0;
	ep->ca_state = ETP_CA_OPEN;

	/*
	 * 300 SACKed, sent 1 s ago, RACK's RTT 10 s. 0 went 20 s ago, 100
	 * went 5 s ago; 200 was sent again 0.5 s ago; 400 went after 300 and
	 * 500 claims an older time, but lies above it: the walk has stopped
	 * at 400. Seconds apart, not milliseconds: a debug guest beside
	 * other VMs may stall that long between here and the walk.
	 */
	ETP_CHECK(etp_rk_seg(sk, 0, 20000000, 0) && etp_rk_seg(sk, 100, 5000000, 0) &&
		  etp_rk_seg(sk, 200, 500000, ETP_EVER_RETRANS) &&
		  etp_rk_seg(sk, 300, 1000000, ETP_SACKED_ACKED) &&
		  etp_rk_seg(sk, 400, 900000, 0) && etp_rk_seg(sk, 500, 30000000, 0));
	cb = etp_rk_cb(sk, 300);
	ETP_CHECK(cb);
	ep->rack.set = 1;
	ep->rack.advanced = 1;
	ep->rack.xmit_us = cb->sent_us;
	ep->rack.end_seq = cb->end_seq;
	ep->rack.rtt_us = 10000000;
	/* 0 waited 20 s, more than 10 s + 20 ms: lost; 100 has 5 s left. */
	ETP_CHECK(etp_rack_mark_lost(sk) && ep->reo_timer);
	etp_stop_rtx_timer(sk);
	ETP_CHECK(etp_rk_cb(sk, 0)->sacked & ETP_SACKED_LOST &&
		  !(etp_rk_cb(sk, 100)->sacked & ETP_SACKED_LOST) &&
		  !(etp_rk_cb(sk, 200)->sacked & ETP_SACKED_LOST) &&
		  !(etp_rk_cb(sk, 500)->sacked & ETP_SACKED_LOST) &&
		  ep->lost_out == ETP_RK_MSS && !ep->reo_timer);
	/* Nothing delivered since: no walk. */
	ETP_CHECK(!etp_rack_mark_lost(sk));
	etp_rk_drain(sk);
	ep->lost_out = 0;

	/*
	 * A retransmission lost again: out of retrans_out, lost still; and
	 * one sent again unmarked (a probe, the head) is marked.
	 */
	ep->ca_state = ETP_CA_LOSS;
	for (i = 0; i < 2; i++) {
		ETP_CHECK(etp_rk_seg(sk, 0, 300000, (i ? 0 : ETP_SACKED_LOST) |
				     ETP_SACKED_RETRANS | ETP_EVER_RETRANS) &&
			  etp_rk_seg(sk, 100, 50000, ETP_SACKED_ACKED));
		cb = etp_rk_cb(sk, 100);
		ep->rack.set = 1;
		ep->rack.advanced = 1;
		ep->rack.xmit_us = cb->sent_us;
		ep->rack.end_seq = cb->end_seq;
		ep->rack.rtt_us = 50000;
		ETP_CHECK(etp_rack_mark_lost(sk) && !ep->retrans_out &&
			  ep->lost_out == ETP_RK_MSS &&
			  (etp_rk_cb(sk, 0)->sacked &
			   (ETP_SACKED_LOST | ETP_SACKED_RETRANS)) == ETP_SACKED_LOST);
		etp_rk_drain(sk);
		ep->lost_out = 0;
	}
	ep->ca_state = ETP_CA_OPEN;

	/*
	 * A timeout (RFC 8985 6.3), RACK's RTT 10 s: the head is lost though
	 * it went 1 s ago; 100, sent again 20 s ago, is lost again; 200 is
	 * SACKed; 300 went 0.5 s ago and may still arrive: not marked.
	 */
	ETP_CHECK(etp_rk_seg(sk, 0, 1000000, 0) &&
		  etp_rk_seg(sk, 100, 20000000, ETP_SACKED_LOST |
			     ETP_SACKED_RETRANS | ETP_EVER_RETRANS) &&
		  etp_rk_seg(sk, 200, 2000000, ETP_SACKED_ACKED) &&
		  etp_rk_seg(sk, 300, 500000, 0));
	ep->rack.rtt_us = 10000000;
	etp_rack_timeout_mark_lost(sk);
	ETP_CHECK(ep->lost_out == 2 * ETP_RK_MSS && !ep->retrans_out &&
		  etp_rk_cb(sk, 0)->sacked & ETP_SACKED_LOST &&
		  !(etp_rk_cb(sk, 200)->sacked & ETP_SACKED_LOST) &&
		  !(etp_rk_cb(sk, 300)->sacked & ETP_SACKED_LOST));
	etp_rk_drain(sk);
	ep->lost_out = 0;

	/* D-SACKs widen the window once a round, and 16 recoveries undo it. */
	ep->snd_una = 1000;
	ep->snd_max = 2000;
	etp_rack_dsack(sk);
	etp_rack_dsack(sk);
	ETP_CHECK(ep->rack.reo_steps == 2 && etp_rack_reo_wnd(sk) == 40000);
	ep->snd_una = 2000;
	etp_rack_dsack(sk);
	ETP_CHECK(ep->rack.reo_steps == 3);
	ep->rack.reo_steps = 10;		/* capped at the smoothed RTT */
	ETP_CHECK(etp_rack_reo_wnd(sk) == 100000);
	while (ep->rack.reo_persist > 1)
		etp_rack_recovered(sk, false);
	etp_rack_recovered(sk, true);
	ETP_CHECK(ep->rack.reo_steps == 10);
	etp_rack_recovered(sk, false);
	ETP_CHECK(ep->rack.reo_steps == 1 && !ep->rack.reo_persist);

	etp_rk_drain(sk);
	ep->snd_una = 0;
	ep->snd_max = 0;
	ep->mss = mss;
	ep->srtt_us = srtt;
	ep->min_rtt_us = min_rtt;
	return checks;
}
