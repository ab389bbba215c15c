// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of when to acknowledge (delack.c): quick-ACK mode at the first
 * data and after a silence longer than the RTO, as many quick ACKs as half
 * the window holds segments (2 to 16), ping-pong mode and TCP_QUICKACK.
 * Included by delack.c.
 */
#include "selftest.h"

int __init etp_delack_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	int checks = 0;

	if (!skb)
		return -ENOMEM;
	ep->rto = HZ;
	ep->rcv_wnd = 65535;

	/* The first data: 65535 / (2 * 536) quick ACKs, at most 16. */
	etp_ack_data_rcvd(sk, skb, 100);
	ETP_CHECK(ep->rcv_mss == 536 && ep->quick == 16 && ep->ack_pending);
	ETP_CHECK(etp_ack_quick(sk));
	/* Each ACK of data uses one; an ACK with none owed does not. */
	etp_ack_sent(sk);
	ETP_CHECK(ep->quick == 15 && !ep->ack_pending);
	etp_ack_sent(sk);
	ETP_CHECK(ep->quick == 15);
	/* Larger segments: the peer's MSS, as seen, grows. */
	etp_ack_data_rcvd(sk, skb, 1448);
	ETP_CHECK(ep->rcv_mss == 1448);

	/* Data sent within the delayed-ACK time answers: ping-pong mode. */
	etp_ack_data_sent(sk);
	ETP_CHECK(ep->pingpong && !etp_ack_quick(sk));
	ETP_CHECK(etp_ack_get_quickack(sk) == 0);
	/* A delayed ACK that went alone ends it. */
	etp_ack_delayed(sk);
	ETP_CHECK(!ep->pingpong && etp_ack_quick(sk));

	/* Quick ACKs used up; data soon after does not bring them back... */
	ep->quick = 0;
	etp_ack_data_rcvd(sk, skb, 1448);
	ETP_CHECK(ep->quick == 0 && !etp_ack_quick(sk));
	/* ... after a silence longer than the RTO it does: 20000 / 2896. */
	ep->rcv_wnd = 20000;
	ep->lrcvtime = jiffies - 2 * HZ;
	etp_ack_data_rcvd(sk, skb, 1448);
	ETP_CHECK(ep->quick == 6);
	/* A small window gives 2 at least. */
	ep->quick = 0;
	ep->rcv_wnd = 1000;
	ep->lrcvtime = jiffies - 2 * HZ;
	etp_ack_data_rcvd(sk, skb, 1448);
	ETP_CHECK(ep->quick == 2);

	/* TCP_QUICKACK: 0 enters ping-pong mode, 1 leaves it and sends what is owed. */
	ETP_CHECK(!etp_ack_set_quickack(sk, 0) && ep->pingpong);
	ETP_CHECK(etp_ack_set_quickack(sk, 1) && !ep->pingpong);
	etp_ack_sent(sk);
	ETP_CHECK(!etp_ack_set_quickack(sk, 1));

	kfree_skb(skb);
	return checks;
}
