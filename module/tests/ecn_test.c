// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of ECN (ecn.c) on a socket: a SYN asks only when the sysctl
 * or the algorithm wants it, a retransmitted SYN never; the SYN-ACK's ECE
 * alone agrees; new data is ECT(0) and carries CWR once after a reduction,
 * ACKs and retransmissions Not-ECT (all ECT for an algorithm that needs
 * ECN); RFC 3168's echo holds ECE from a CE mark until CWR, and asks for
 * quick ACKs; the exact echo (RFC 8257) follows each segment's CE state,
 * tells the algorithm, and flushes an owed ACK when the state changes.
 * Included by ecn.c.
 */
#include "selftest.h"

static int etp_et_events[2] __initdata;

static void __init etp_et_cwnd_event(struct sock *sk, enum etp_ca_event ev)
{
	if (ev == ETP_CA_EVENT_ECN_IS_CE)
		etp_et_events[0]++;
	else if (ev == ETP_CA_EVENT_ECN_NO_CE)
		etp_et_events[1]++;
}

/* An algorithm that needs ECN, for the exact echo. */
static struct etp_ca_ops etp_et_exact __initdata = {
	.cwnd_event	= etp_et_cwnd_event,
	.flags		= ETP_CONG_NEEDS_ECN,
	.name		= "etp_ecn_test",
};

/* A data segment marked @ecn (INET_ECN_*) with @flags arrives. */
static void __init etp_et_rcv(struct sock *sk, struct sk_buff *skb, u8 ecn, u8 flags)
{
	ETP_SKB_CB(skb)->ip_dsfield = ecn;
	ETP_SKB_CB(skb)->flags = ETPHDR_ACK | flags;
	etp_ecn_rcv(sk, skb);
}

static int __init etp_ecn_checks(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	int checks = 0;
	u8 flags;

	/* ecn=2, NewReno: the SYN does not ask; a SYN-ACK's ECE then means nothing. */
	ep->ecn_flags = 0;
	ETP_CHECK(!etp_ecn_syn_flags(sk, false) && !ep->ecn_flags);
	etp_ecn_rcv_synack(sk, ETPHDR_ECE);
	ETP_CHECK(!etp_ecn_ok(sk));
	/* An algorithm that needs it asks, but not in a retransmitted SYN. */
	ep->ca_ops = &etp_et_exact;
	ETP_CHECK(etp_ecn_syn_flags(sk, false) == (ETPHDR_ECE | ETPHDR_CWR));
	ETP_CHECK(!etp_ecn_syn_flags(sk, true) && !(ep->ecn_flags & ETP_ECN_ASKED));
	/* Asked: ECE alone agrees; ECE and CWR (a reflector) does not. */
	ep->ecn_flags = ETP_ECN_ASKED;
	etp_ecn_rcv_synack(sk, ETPHDR_ECE | ETPHDR_CWR);
	ETP_CHECK(!etp_ecn_ok(sk));
	ep->ecn_flags = ETP_ECN_ASKED;
	etp_ecn_rcv_synack(sk, ETPHDR_ECE);
	ETP_CHECK(etp_ecn_ok(sk) && ep->ecn_flags == ETP_ECN_OK);

	/* Sending, RFC 3168: ECT(0) on new data only; CWR once after a reduction. */
	ep->ca_ops = NULL;
	flags = ETPHDR_ACK;
	ETP_CHECK(etp_ecn_xmit(sk, &flags, true) == INET_ECN_ECT_0 && flags == ETPHDR_ACK);
	ETP_CHECK(etp_ecn_xmit(sk, &flags, false) == INET_ECN_NOT_ECT);
	etp_ecn_queue_cwr(sk);
	ETP_CHECK(etp_ecn_xmit(sk, &flags, false) == INET_ECN_NOT_ECT && flags == ETPHDR_ACK);
	ETP_CHECK(etp_ecn_xmit(sk, &flags, true) == INET_ECN_ECT_0 &&
		  flags == (ETPHDR_ACK | ETPHDR_CWR));
	flags = ETPHDR_ACK;
	etp_ecn_xmit(sk, &flags, true);
	ETP_CHECK(flags == ETPHDR_ACK);
	/* With the exact echo's algorithm every segment is ECT. */
	ep->ca_ops = &etp_et_exact;
	ETP_CHECK(etp_ecn_xmit(sk, &flags, false) == INET_ECN_ECT_0);
	ep->ca_ops = NULL;

	/* Receiving, RFC 3168: CE sets ECE on every ACK until CWR. */
	ep->quick = 0;
	ep->pingpong = 1;
	etp_et_rcv(sk, skb, INET_ECN_ECT_0, 0);
	ETP_CHECK(!(ep->ecn_flags & ETP_ECN_DEMAND_CWR) && ep->ecn_flags & ETP_ECN_SEEN &&
		  !ep->quick);
	etp_et_rcv(sk, skb, INET_ECN_CE, 0);
	ETP_CHECK(ep->ecn_flags & ETP_ECN_DEMAND_CWR && ep->quick == 2 && !ep->pingpong);
	etp_et_rcv(sk, skb, INET_ECN_ECT_0, 0);
	ETP_CHECK(ep->ecn_flags & ETP_ECN_DEMAND_CWR);
	flags = ETPHDR_ACK;
	etp_ecn_xmit(sk, &flags, false);
	ETP_CHECK(flags == (ETPHDR_ACK | ETPHDR_ECE));
	etp_et_rcv(sk, skb, INET_ECN_ECT_0, ETPHDR_CWR);
	ETP_CHECK(!(ep->ecn_flags & ETP_ECN_DEMAND_CWR));
	/* Not-ECT after ECT: a retransmission, ACKed at once. */
	ep->quick = 0;
	etp_et_rcv(sk, skb, INET_ECN_NOT_ECT, 0);
	ETP_CHECK(ep->quick == 2);
	ETP_CHECK(!etp_ecn_rcv_flush(sk, skb));

	/* The exact echo: ECE follows each segment; a change flushes an owed ACK. */
	ep->ca_ops = &etp_et_exact;
	ep->quick = 0;
	ep->ack_pending = 1;
	ETP_SKB_CB(skb)->ip_dsfield = INET_ECN_ECT_0;
	ETP_CHECK(!etp_ecn_rcv_flush(sk, skb));
	ETP_SKB_CB(skb)->ip_dsfield = INET_ECN_CE;
	ETP_CHECK(etp_ecn_rcv_flush(sk, skb));
	etp_et_rcv(sk, skb, INET_ECN_CE, 0);
	ETP_CHECK(ep->ecn_flags & ETP_ECN_DEMAND_CWR && ep->quick == 2 && etp_et_events[0] == 1);
	ETP_CHECK(!etp_ecn_rcv_flush(sk, skb));
	ep->quick = 0;
	etp_et_rcv(sk, skb, INET_ECN_CE, 0);
	ETP_CHECK(!ep->quick);		/* no change: ACKs as usual */
	ETP_SKB_CB(skb)->ip_dsfield = INET_ECN_ECT_0;
	ETP_CHECK(etp_ecn_rcv_flush(sk, skb));
	etp_et_rcv(sk, skb, INET_ECN_ECT_0, 0);
	ETP_CHECK(!(ep->ecn_flags & ETP_ECN_DEMAND_CWR) && ep->quick == 2 &&
		  etp_et_events[1] == 1 && etp_et_events[0] == 2);
	ep->ca_ops = NULL;
	return checks;
}

int __init etp_ecn_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_ca_ops *ca = ep->ca_ops;
	u8 ecn = ep->ecn_flags, quick = ep->quick, pingpong = ep->pingpong;
	u8 pending = ep->ack_pending;
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	int n;

	if (!skb)
		return -ENOMEM;
	memset(skb->cb, 0, sizeof(skb->cb));
	n = etp_ecn_checks(sk, skb);
	kfree_skb(skb);
	ep->ca_ops = ca;
	ep->ecn_flags = ecn;
	ep->quick = quick;
	ep->pingpong = pingpong;
	ep->ack_pending = pending;
	return n;
}
