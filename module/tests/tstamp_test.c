// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of timestamps (tstamp.c) on a socket: the RTT an echo tells,
 * across the clock's wrap and for echoes of the future; which TSvals
 * TS.Recent takes; PAWS's verdicts: older and newer TSvals across the
 * wrap, the idle TS.Recent that no longer rejects, a TS.Recent of 0, a RST
 * held for a minute only, the duplicate ACK a little behind. Included by
 * tstamp.c.
 */
#include "selftest.h"

int __init etp_tstamp_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	u32 now = (u32)ktime_get_seconds(), saved_off = ep->ts_off;
	struct etp_skb_cb *cb;
	int checks = 0;
	u32 tsval;
	long rtt;

	if (!skb)
		return -ENOMEM;
	cb = ETP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));

	/* The echo of a TSval 5 ms old, the clock's offset putting it at wrap. */
	ep->ts_off = 0u - etp_ts_now() + 2;
	rtt = etp_ts_rtt_us(sk, (u32)-3);
	ETP_CHECK(rtt >= 5000 && rtt < 1000000);
	/*
	 * Of this very millisecond: one, not zero (a guest that stalls
	 * between the reads may see more go by); of the future: none.
	 */
	tsval = etp_tsval(sk);
	rtt = etp_ts_rtt_us(sk, tsval);
	ETP_CHECK(rtt >= 1000 && rtt <= max(etp_tsval(sk) - tsval, 1U) * 1000);
	ETP_CHECK(etp_ts_rtt_us(sk, etp_tsval(sk) + 1000) == -1);
	ETP_CHECK(etp_ts_rtt_us(sk, etp_tsval(sk) - 0x7fffffff) == -1);
	ep->ts_off = saved_off;

	/* TS.Recent moves forward only, from segments at or before rcv_wup. */
	ep->rcv_wup = 1000;
	ep->ts_recent = 0xfffffff0;
	ep->ts_recent_stamp = now;
	cb->rx_opts = ETP_RXO_TS;
	cb->seq = 1000;
	cb->tsval = 0x10;		/* newer, across the wrap */
	etp_ts_take_recent(sk, skb);
	ETP_CHECK(ep->ts_recent == 0x10);
	cb->tsval = 0x8;		/* older */
	etp_ts_take_recent(sk, skb);
	ETP_CHECK(ep->ts_recent == 0x10);
	cb->seq = 1001;			/* past the last ACK sent */
	cb->tsval = 0x20;
	etp_ts_take_recent(sk, skb);
	ETP_CHECK(ep->ts_recent == 0x10);
	cb->seq = 1000;
	cb->rx_opts = 0;		/* no option */
	etp_ts_take_recent(sk, skb);
	ETP_CHECK(ep->ts_recent == 0x10);

	/* PAWS: older rejects, equal and newer pass, across the wrap. */
	ETP_CHECK(etp_paws_reject(0x10, now, 0xfffffff0, false));
	ETP_CHECK(!etp_paws_reject(0x10, now, 0x10, false));
	ETP_CHECK(!etp_paws_reject(0xfffffff0, now, 0x10, false));
	/* An idle TS.Recent no longer holds; nor does 0. */
	ETP_CHECK(!etp_paws_reject(0x10, now - ETP_PAWS_WRAP - 1, 0x8, false));
	ETP_CHECK(!etp_paws_reject(0, now, 0xfffffff0, false));
	/* A RST: held for ETP_PAWS_MSL seconds only. */
	ETP_CHECK(etp_paws_reject(0x10, now, 0x8, true));
	ETP_CHECK(!etp_paws_reject(0x10, now - ETP_PAWS_MSL - 1, 0x8, true));

	/* A duplicate ACK a little behind passes; data as far behind does not. */
	ep->ts_recent = 5000;
	ep->ts_recent_stamp = now;
	ep->rcv_nxt = 1000;
	ep->snd_una = 77;
	ep->snd_wl1 = 1000;
	ep->snd_wnd = 65535;
	ep->snd_wscale = 0;
	cb->rx_opts = ETP_RXO_TS;
	cb->flags = ETPHDR_ACK;
	cb->seq = cb->end_seq = 1000;
	cb->ack_seq = 77;
	cb->window = 65535;
	cb->tsval = 4990;
	ETP_CHECK(!etp_paws_discard(sk, skb));
	cb->tsval = 4999;		/* within TCP_PAWS_WINDOW */
	ETP_CHECK(!etp_paws_discard(sk, skb));
	cb->end_seq = 1004;		/* data */
	cb->tsval = 4990;
	ETP_CHECK(etp_paws_discard(sk, skb));
	cb->end_seq = 1000;		/* far behind: more than an RTO at 1200 Hz */
	cb->tsval = 5000 - ep->rto * 1200 / HZ - 10;
	ETP_CHECK(etp_paws_discard(sk, skb));

	ep->ts_recent = 0;
	ep->ts_recent_stamp = 0;
	kfree_skb(skb);
	return checks;
}
