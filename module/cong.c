// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: how the window grows while data is acknowledged and
 * where it goes after a loss, behind struct etp_cong_ops (TCP's
 * tcp_congestion_ops: init, ssthresh, cong_avoid, undo_cwnd) so that another
 * algorithm fills the same hooks. ETP has one today, NewReno: slow start
 * and congestion avoidance in bytes (RFC 5681, RFC 3465), and half the
 * flight after a loss. What counts as a loss, and the window during fast
 * recovery and after a timeout, is recovery.c's. The send buffer follows
 * the window (etp_sndbuf_expand()), as TCP's.
 *
 * The hooks run with the socket locked, from recovery.c and conn.c (the
 * initial window); they change cwnd (or return ssthresh) and send nothing.
 */
#include <net/sock.h>

#include "etp.h"

/* RFC 6928: the initial window, once the MSS is known. */
static void etp_newreno_init(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!ep->cwnd)
		ep->cwnd = min(10U * ep->mss, max(2U * ep->mss, 14600U));
}

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
 * outside recovery:
 * slow start below ssthresh, congestion avoidance above, counted in bytes
 * acknowledged, not ACKs (RFC 3465, as Linux counts segments): one ACK may
 * cover a whole GSO skb of many segments.
 */
static void etp_newreno_cong_avoid(struct sock *sk, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->cwnd < ep->ssthresh)
		ep->cwnd = min(ep->cwnd + acked, max(ep->ssthresh, ep->cwnd + ep->mss));
	else
		ep->cwnd += max_t(u32, div_u64((u64)ep->mss * acked, ep->cwnd), 1);
}

/* TCP's tcp_reno_undo_cwnd(): the window before the reduction, if larger. */
static u32 etp_newreno_undo_cwnd(struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	return max(ep->cwnd, ep->prior_cwnd);
}

const struct etp_cong_ops etp_newreno = {
	.name		= "newreno",
	.init		= etp_newreno_init,
	.ssthresh	= etp_newreno_ssthresh,
	.cong_avoid	= etp_newreno_cong_avoid,
	.undo_cwnd	= etp_newreno_undo_cwnd,
};

/**
 * etp_sndbuf_expand() - let the send buffer follow the congestion window
 * @sk: the socket, locked
 *
 * As TCP's tcp_sndbuf_expand(): twice the congestion window, and at least
 * twice TCP's initial window of ten segments (which RFC 6928's byte limit
 * makes two on loopback's 64 KiB MSS), each counted as the power of two
 * its skb could take, up to wmem[2]; unless the user set SO_SNDBUF, which
 * then holds. So a program may write a megabyte before its peer reads, as
 * over TCP.
 */
void etp_sndbuf_expand(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 per_mss, segs;
	u64 want;

	sock_owned_by_me(sk);
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK || !ep->mss)
		return;
	per_mss = roundup_pow_of_two(ep->mss + ETP_MAX_HEADER +
				     SKB_DATA_ALIGN(sizeof(struct skb_shared_info))) +
		  SKB_DATA_ALIGN(sizeof(struct sk_buff));
	segs = max_t(u32, DIV_ROUND_UP(ep->cwnd, ep->mss), 10);
	want = 2ULL * segs * per_mss;
	want = min_t(u64, want, READ_ONCE(etp_sk_pernet(sk)->sysctl.wmem[2]));
	if (want > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, want);
}
