// SPDX-License-Identifier: GPL-2.0
/*
 * When to acknowledge: delayed ACKs (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2)
 * with TCP's two refinements. Quick-ACK mode: the first segments of a
 * connection, and the first after a silence longer than an RTO, are
 * acknowledged at once, so that the sender's slow start is not held back by
 * the delayed-ACK timer (tcp_incr_quickack()). Ping-pong mode: a connection
 * that answers what it receives within the delayed-ACK time is interactive,
 * its ACKs ride on its answers, and it leaves quick-ACK mode; a delayed ACK
 * that had to go alone ends it (tcp_event_data_sent(), tcp_delack_timer()).
 * TCP_QUICKACK sets and reads the mode, as TCP's.
 *
 * input.c asks here whether to acknowledge now; output.c says when an ACK
 * or data went out; the delayed-ACK timer says when it fired. All under the
 * socket's lock.
 */
#include <net/sock.h>

#include "etp.h"

/* TCP's TCP_MAX_QUICKACKS: at most this many quick ACKs in a row. */
#define ETP_MAX_QUICKACKS	16

/* As tcp_incr_quickack(): half the window's worth of segments, 2 to 16. */
static void etp_incr_quickack(struct etp_sock *ep)
{
	u32 quick = ep->rcv_wnd / (2 * ep->rcv_mss);

	quick = clamp_t(u32, quick, 2, ETP_MAX_QUICKACKS);
	ep->quick = max_t(u32, ep->quick, quick);
}

/**
 * etp_ack_data_rcvd() - in-order data arrived
 * @sk: the socket, locked
 * @skb: the segment
 * @len: its payload's length
 *
 * Learns the peer's segment size (a GSO skb's gso_size, as
 * tcp_measure_rcv_mss()), enters quick-ACK mode for the first data and
 * after a silence longer than the RTO ("the sender failed to restart the
 * window", in TCP's words), and notes that an ACK is owed.
 */
void etp_ack_data_rcvd(struct sock *sk, const struct sk_buff *skb, u32 len)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 now = jiffies;

	sock_owned_by_me(sk);
	if (!ep->rcv_mss)		/* TCP's start: no more than 536 */
		ep->rcv_mss = clamp_t(u32, ep->rcv_wnd / 2, ETP_MIN_MSS, 536);
	if (skb_shinfo(skb)->gso_size)
		len = etp_gso_mss(skb);
	if (len > ep->rcv_mss)
		ep->rcv_mss = min_t(u32, len, U16_MAX);
	if (!ep->data_rcvd || (s32)(now - ep->lrcvtime) > (s32)ep->rto)
		etp_incr_quickack(ep);
	ep->data_rcvd = 1;
	ep->lrcvtime = now;
	/* An ACK is owed, now or delayed (TCP's inet_csk_schedule_ack()). */
	ep->ack_pending = 1;
}

/**
 * etp_ack_quick() - whether to acknowledge data at once
 * @sk: the socket, locked
 *
 * Return: true in quick-ACK mode, unless the connection is interactive.
 */
bool etp_ack_quick(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	return ep->quick && !ep->pingpong;
}

/**
 * etp_ack_sent() - a segment carrying an ACK of everything received went out
 * @sk: the socket, locked
 *
 * Nothing is owed any more: the delayed-ACK timer stops, and an ACK that
 * was owed for data counts against the quick ACKs left
 * (tcp_dec_quickack_mode()).
 */
void etp_ack_sent(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->ack_pending && ep->quick)
		ep->quick--;
	ep->ack_pending = 0;
	ep->segs_unacked = 0;
	sk_stop_timer(sk, &ep->dack_timer);
}

/**
 * etp_ack_data_sent() - a segment with data went out
 * @sk: the socket, locked
 *
 * Data sent within the delayed-ACK time of the last data received is an
 * answer: the connection is interactive (ping-pong), as TCP's
 * inet_csk_inc_pingpong_cnt() with the default tcp_pingpong_thresh of 1.
 */
void etp_ack_data_sent(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->data_rcvd &&
	    (s32)(jiffies - ep->lrcvtime) < (s32)msecs_to_jiffies(ETP_DELACK_MS))
		ep->pingpong = 1;
}

/**
 * etp_ack_delayed() - the delayed-ACK timer fired with an ACK owed
 * @sk: the socket, locked
 *
 * No answer came to carry it: the connection is not interactive after all.
 */
void etp_ack_delayed(struct sock *sk)
{
	etp_sk(sk)->pingpong = 0;
}

/**
 * etp_ack_set_quickack() - TCP_QUICKACK
 * @sk: the socket, locked
 * @on: nonzero: leave ping-pong mode, so that data is acknowledged at once
 *	while quick ACKs are left; 0: enter it, delaying ACKs
 *
 * Return: true if an ACK is owed and should go now, as TCP's (which sends
 * it from tcp_cleanup_rbuf()).
 */
bool etp_ack_set_quickack(struct sock *sk, int on)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->pingpong = !on;
	return on && ep->ack_pending;
}

/**
 * etp_ack_get_quickack() - TCP_QUICKACK's value: 1 unless in ping-pong mode
 * @sk: the socket
 *
 * Return: 0 or 1.
 */
int etp_ack_get_quickack(const struct sock *sk)
{
	return !etp_sk(sk)->pingpong;
}

#include "tests/delack_test.c"
