// SPDX-License-Identifier: GPL-2.0
/*
 * NewReno, ETP's default congestion control (TCP's "reno", tcp_reno_*() in
 * tcp_cong.c): slow start and congestion avoidance in bytes (RFC 5681,
 * RFC 3465), and half the flight after a loss. The fast recovery of RFC
 * 6582 that gives NewReno its name is recovery.c's, as in TCP; this is the
 * window's growth and its fall. The smallest algorithm there is: a model
 * for another (Documentation/congestion.rst).
 */
#include <net/sock.h>

#include "etp.h"

/*
 * RFC 5681 3.1 and 3.2: on a loss, half the data in flight (FlightSize),
 * at least two segments; and no more than half the window: with SACK the
 * unacknowledged data can hold far more than the network carries (all
 * that was SACKed above a hole while a retransmission was lost), and half
 * of that would raise the window a loss should cut.
 */
static u32 etp_newreno_ssthresh(struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	return max_t(u32, min(ep->snd_max - ep->snd_una, ep->cwnd) / 2,
		     2U * ep->mss);
}

/*
 * RFC 5681 3.1 on a new cumulative ACK that delivered @acked bytes (with
 * SACK, those no block had reported, and those blocks newly reported),
 * outside recovery: slow start below ssthresh, congestion avoidance above
 * (RFC 5681's equation 3, one MSS per window), counted in bytes
 * acknowledged, not ACKs (RFC 3465, as Linux counts segments): one ACK may
 * cover a whole GSO skb of many segments.
 */
static void etp_newreno_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->cwnd < ep->ssthresh)
		etp_slow_start(sk, acked);
	else
		ep->cwnd += max_t(u32, div_u64((u64)ep->mss * acked, ep->cwnd), 1);
}

/* TCP's tcp_reno_undo_cwnd(): the window before the reduction, if larger. */
static u32 etp_newreno_undo_cwnd(struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	return max(ep->cwnd, ep->prior_cwnd);
}

struct etp_ca_ops etp_newreno = {
	.name		= "newreno",
	.ssthresh	= etp_newreno_ssthresh,
	.cong_avoid	= etp_newreno_cong_avoid,
	.undo_cwnd	= etp_newreno_undo_cwnd,
};
