// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: what the sender does with its window when data is
 * acknowledged, when duplicate ACKs tell of a loss and when the
 * retransmission timer fires, behind struct etp_cong_ops so that another
 * algorithm fills the same four hooks. ETP has one today, NewReno: slow
 * start and congestion avoidance in bytes (RFC 5681, RFC 3465), fast
 * retransmit and fast recovery with partial ACKs (RFC 6582), the loss
 * window after a timeout (RFC 5681 3.1). The send buffer follows the
 * window (etp_sndbuf_expand()), as TCP's.
 *
 * The hooks run with the socket locked, from input.c (ACKs), timer.c
 * (timeouts) and conn.c (the initial window); they change cwnd, ssthresh,
 * recover, dupacks and ca_state only, and send nothing themselves.
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
 * RFC 5681 and RFC 6582 on a new cumulative ACK of @acked bytes. Returns
 * true on a partial ACK in recovery: the next hole is to be resent.
 */
static bool etp_newreno_acked(struct sock *sk, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->ca_state == ETP_CA_RECOVERY) {
		if (!etp_before(ep->snd_una, ep->recover)) {
			ep->cwnd = ep->ssthresh;		/* full ACK */
			ep->ca_state = ETP_CA_OPEN;
			return false;
		}
		/* Partial ACK: deflate, and the next hole is resent. */
		ep->cwnd = max_t(u32, ep->cwnd - min(acked, ep->cwnd) + ep->mss,
				 ep->mss);
		return true;
	}
	if (ep->ca_state == ETP_CA_LOSS && !etp_before(ep->snd_una, ep->recover))
		ep->ca_state = ETP_CA_OPEN;
	/*
	 * Counted in bytes acknowledged, not ACKs (RFC 3465, as Linux counts
	 * segments): one ACK may cover a whole GSO skb of many segments.
	 */
	if (ep->cwnd < ep->ssthresh)
		ep->cwnd = min(ep->cwnd + acked, max(ep->ssthresh, ep->cwnd + ep->mss));
	else
		ep->cwnd += max_t(u32, div_u64((u64)ep->mss * acked, ep->cwnd), 1);
	return false;
}

/*
 * A duplicate ACK; the third starts fast retransmit and fast recovery
 * (RFC 5681 3.2, RFC 6582), later ones inflate the window. Returns true
 * when the first unacknowledged segment is to be resent now.
 */
static bool etp_newreno_dupack(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (++ep->dupacks < 3)
		return false;
	if (ep->dupacks == 3 && ep->ca_state == ETP_CA_OPEN) {
		ep->ssthresh = max_t(u32, (ep->snd_max - ep->snd_una) / 2,
				     2U * ep->mss);
		ep->cwnd = ep->ssthresh + 3 * ep->mss;
		ep->recover = ep->snd_max;
		ep->ca_state = ETP_CA_RECOVERY;
		return true;
	}
	if (ep->ca_state == ETP_CA_RECOVERY)
		ep->cwnd += ep->mss;			/* inflate */
	return false;
}

/*
 * The retransmission timer fired with data in flight (RFC 5681 3.1): half
 * the flight as ssthresh, once per loss episode, and a window of one
 * segment; everything sent by then counts as sent before the loss.
 */
static void etp_newreno_timeout(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->ca_state != ETP_CA_LOSS) {
		ep->ssthresh = max_t(u32, (ep->snd_max - ep->snd_una) / 2,
				     2U * ep->mss);
		ep->ca_state = ETP_CA_LOSS;
	}
	ep->cwnd = ep->mss;
	ep->recover = ep->snd_max;
	ep->dupacks = 0;
}

const struct etp_cong_ops etp_newreno = {
	.name		= "newreno",
	.init		= etp_newreno_init,
	.acked		= etp_newreno_acked,
	.dupack		= etp_newreno_dupack,
	.timeout	= etp_newreno_timeout,
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
