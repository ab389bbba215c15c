// SPDX-License-Identifier: GPL-2.0
/*
 * Explicit Congestion Notification (RFC 3168), as TCP's tcp_ecn_* helpers:
 * what the SYNs say, what each segment carries, what arriving segments
 * tell. A router that would drop a packet marks it CE instead, if the
 * packet says its transport understands (ECT); the receiver echoes the
 * mark with ECE on its ACKs until the sender answers with CWR on new data,
 * and the sender reduces its window as for a loss, once per window of data
 * (recovery.c's CWR state), without losing anything.
 *
 * Negotiation (RFC 3168 6.1.1): the SYN carries ECE and CWR, a SYN-ACK
 * that agrees ECE alone. The ecn sysctl chooses as tcp_ecn: 1 asks on
 * connect() and agrees to a peer that asks, 2 (the default) only agrees, 0
 * does neither. An algorithm with ETP_CONG_NEEDS_ECN (DCTCP) asks and
 * agrees whatever the sysctl says, sends every segment ECT, and has the
 * CE state echoed exactly (RFC 8257 3.2): ECE on ACKs while the data
 * arriving is CE-marked, an ACK at once at each change, instead of
 * RFC 3168's ECE held until CWR.
 *
 * Everything here reads and sets the socket's ecn_flags; the callers send.
 * Each function runs with the socket locked (owned, or bh-locked).
 */
#include <net/inet_ecn.h>
#include <net/sock.h>

#include "etp.h"

static bool etp_ca_needs_ecn(const struct sock *sk)
{
	return etp_cong(sk)->flags & ETP_CONG_NEEDS_ECN;
}

/**
 * etp_ecn_ok() - whether the connection negotiated ECN
 * @sk: the socket
 *
 * Return: true once both SYNs agreed.
 */
bool etp_ecn_ok(const struct sock *sk)
{
	return etp_sk(sk)->ecn_flags & ETP_ECN_OK;
}
EXPORT_SYMBOL_GPL(etp_ecn_ok);	/* for congestion control modules */

/**
 * etp_ecn_syn_flags() - the flags an active open's SYN adds
 * @sk: the socket, in SYN_SENT
 * @retrans: the SYN goes again
 *
 * ECE and CWR if the ecn sysctl is 1 or the algorithm needs ECN; not on a
 * retransmitted SYN, as tcp_ecn_clear_syn() with tcp_ecn_fallback: a path
 * that drops ECN-setup SYNs (RFC 3168 6.1.1.1) still connects.
 *
 * Return: ETPHDR_ECE | ETPHDR_CWR, or 0.
 */
u8 etp_ecn_syn_flags(struct sock *sk, bool retrans)
{
	struct etp_sock *ep = etp_sk(sk);

	if (retrans) {
		ep->ecn_flags &= ~ETP_ECN_ASKED;
		return 0;
	}
	if (READ_ONCE(etp_sk_pernet(sk)->sysctl.ecn) != 1 && !etp_ca_needs_ecn(sk))
		return 0;
	ep->ecn_flags |= ETP_ECN_ASKED;
	return ETPHDR_ECE | ETPHDR_CWR;
}

/**
 * etp_ecn_rcv_synack() - what the SYN-ACK answered
 * @sk: the socket, in SYN_SENT
 * @flags: the SYN-ACK's flags
 *
 * ECN if our SYN asked and the SYN-ACK has ECE without CWR (RFC 3168
 * 6.1.1: a SYN-ACK with both is a peer that reflects the flags).
 */
void etp_ecn_rcv_synack(struct sock *sk, u8 flags)
{
	struct etp_sock *ep = etp_sk(sk);
	bool ok = ep->ecn_flags & ETP_ECN_ASKED &&
		  (flags & (ETPHDR_ECE | ETPHDR_CWR)) == ETPHDR_ECE;

	ep->ecn_flags = ok ? ETP_ECN_OK : 0;
	if (ok)
		ETP_INC_STATS(sock_net(sk), EcnNegotiated);
}

/**
 * etp_ecn_req_ok() - whether a listener agrees to a SYN's ECN
 * @lsk: the listener
 * @skb: the SYN, ETP_SKB_CB filled
 *
 * As tcp_ecn_create_request(): the SYN has ECE and CWR and is itself not
 * ECT (RFC 3168 6.1.1: an ECN-setup SYN is sent Not-ECT; one that arrives
 * ECT went through something that rewrites the field), and the sysctl is 1
 * or 2; or the listener's algorithm needs ECN.
 *
 * Return: true to answer with ECE.
 */
bool etp_ecn_req_ok(const struct sock *lsk, const struct sk_buff *skb)
{
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);

	if ((cb->flags & (ETPHDR_ECE | ETPHDR_CWR)) != (ETPHDR_ECE | ETPHDR_CWR))
		return false;
	if (etp_ca_needs_ecn(lsk))
		return true;
	return INET_ECN_is_not_ect(cb->ip_dsfield) &&
	       READ_ONCE(etp_sk_pernet(lsk)->sysctl.ecn);
}

/**
 * etp_ecn_child() - a passive open's child takes what its SYN-ACK agreed
 * @sk: the child
 * @ok: the entry's ecn_ok
 */
void etp_ecn_child(struct sock *sk, bool ok)
{
	etp_sk(sk)->ecn_flags = ok ? ETP_ECN_OK : 0;
	if (ok)
		ETP_INC_STATS(sock_net(sk), EcnNegotiated);
}

/**
 * etp_ecn_xmit() - the ECN of a segment the connection sends
 * @sk: the socket, in a synchronized state
 * @flags: the segment's flags, to which ECE and CWR are added
 * @new_data: it carries data never sent before
 *
 * As tcp_ecn_send(): new data is ECT(0) and carries CWR once after a
 * reduction; ACKs and retransmissions are Not-ECT (RFC 3168 6.1.5), but
 * for an algorithm that needs ECN, whose every segment is ECT. Every
 * segment carries ECE while the receiver side demands CWR.
 *
 * Return: the ECN bits for the IP header (INET_ECN_*).
 */
u8 etp_ecn_xmit(struct sock *sk, u8 *flags, bool new_data)
{
	struct etp_sock *ep = etp_sk(sk);
	u8 ect = INET_ECN_NOT_ECT;

	if (!(ep->ecn_flags & ETP_ECN_OK))
		return INET_ECN_NOT_ECT;
	if (new_data) {
		ect = INET_ECN_ECT_0;
		if (ep->ecn_flags & ETP_ECN_QUEUE_CWR) {
			ep->ecn_flags &= ~ETP_ECN_QUEUE_CWR;
			*flags |= ETPHDR_CWR;
		}
	} else if (etp_ca_needs_ecn(sk)) {
		ect = INET_ECN_ECT_0;
	}
	if (ep->ecn_flags & ETP_ECN_DEMAND_CWR)
		*flags |= ETPHDR_ECE;
	return ect;
}

/**
 * etp_ecn_queue_cwr() - the window was reduced: tell the receiver
 * @sk: the socket
 *
 * The next new data carries CWR (RFC 3168 6.1.2), whatever the reduction
 * was for (an echo, a loss, a timeout), as tcp_ecn_queue_cwr().
 */
void etp_ecn_queue_cwr(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->ecn_flags & ETP_ECN_OK)
		ep->ecn_flags |= ETP_ECN_QUEUE_CWR;
}

/**
 * etp_ecn_rcv_ece() - whether an ACK echoes congestion
 * @sk: the socket, in a synchronized state
 * @skb: the ACK, ETP_SKB_CB filled
 *
 * Return: true if ECN is on and the segment, not a SYN, has ECE.
 */
bool etp_ecn_rcv_ece(struct sock *sk, const struct sk_buff *skb)
{
	u8 flags = ETP_SKB_CB(skb)->flags;

	if (!(etp_sk(sk)->ecn_flags & ETP_ECN_OK) || !(flags & ETPHDR_ECE) ||
	    flags & ETPHDR_SYN)
		return false;
	ETP_INC_STATS(sock_net(sk), EcnEceRecv);
	return true;
}

/* As tcp_enter_quickack_mode(sk, 2): the next two segments are ACKed at once. */
static void etp_ecn_quickack(struct etp_sock *ep)
{
	ep->quick = max_t(u8, ep->quick, 2);
	ep->pingpong = 0;
}

/**
 * etp_ecn_rcv_flush() - whether an ACK owed goes before @skb is taken
 * @sk: the socket, in a synchronized state
 * @skb: a segment with data, ETP_SKB_CB filled
 *
 * With the exact echo, an ACK owed for earlier data tells their CE state:
 * if @skb changes it, that ACK goes first (RFC 8257 3.2, as
 * dctcp_ece_ack_update()); then @skb's own is sent at once.
 *
 * Return: true if the caller should send the ACK owed now.
 */
bool etp_ecn_rcv_flush(const struct sock *sk, const struct sk_buff *skb)
{
	const struct etp_sock *ep = etp_sk(sk);
	bool ce = INET_ECN_is_ce(ETP_SKB_CB(skb)->ip_dsfield);

	return ep->ecn_flags & ETP_ECN_OK && etp_ca_needs_ecn(sk) && ep->ack_pending &&
	       ce != !!(ep->ecn_flags & ETP_ECN_CE);
}

/**
 * etp_ecn_rcv() - what a segment with data says of the path
 * @sk: the socket, in a synchronized state
 * @skb: the segment, in order or not, ETP_SKB_CB filled
 *
 * As tcp_ecn_accept_cwr() and __tcp_ecn_check_ce(). CWR ends the echo of
 * earlier marks. CE begins it (RFC 3168 6.1.3) and the ACK goes at once:
 * the sender's window may be small. With the exact echo, ECE follows each
 * segment's CE state and the algorithm hears of it (its cwnd_event). A
 * Not-ECT segment on a connection that has seen ECT is likely a
 * retransmission, worth an ACK at once too.
 */
void etp_ecn_rcv(struct sock *sk, const struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	bool exact = etp_ca_needs_ecn(sk);

	if (!(ep->ecn_flags & ETP_ECN_OK))
		return;
	if (cb->flags & ETPHDR_CWR) {
		ETP_INC_STATS(sock_net(sk), EcnCwrRecv);
		ep->ecn_flags &= ~ETP_ECN_DEMAND_CWR;
		etp_ecn_quickack(ep);
	}
	switch (cb->ip_dsfield & INET_ECN_MASK) {
	case INET_ECN_NOT_ECT:
		if (ep->ecn_flags & ETP_ECN_SEEN)
			etp_ecn_quickack(ep);
		return;
	case INET_ECN_CE:
		ETP_INC_STATS(sock_net(sk), EcnCeRecv);
		if (exact) {
			etp_ca_event(sk, ETP_CA_EVENT_ECN_IS_CE);
			if (!(ep->ecn_flags & ETP_ECN_CE))
				etp_ecn_quickack(ep);
			ep->ecn_flags |= ETP_ECN_CE | ETP_ECN_DEMAND_CWR;
		} else if (!(ep->ecn_flags & ETP_ECN_DEMAND_CWR)) {
			etp_ecn_quickack(ep);
			ep->ecn_flags |= ETP_ECN_DEMAND_CWR;
		}
		break;
	default:
		if (exact) {
			etp_ca_event(sk, ETP_CA_EVENT_ECN_NO_CE);
			if (ep->ecn_flags & ETP_ECN_CE)
				etp_ecn_quickack(ep);
			ep->ecn_flags &= ~(ETP_ECN_CE | ETP_ECN_DEMAND_CWR);
		}
		break;
	}
	ep->ecn_flags |= ETP_ECN_SEEN;
}

#include "tests/ecn_test.c"
