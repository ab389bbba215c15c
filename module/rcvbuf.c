// SPDX-License-Identifier: GPL-2.0
/*
 * Receive memory and the receive window: what a segment may take of the
 * buffer (out-of-order data gives way to in-order data), the window the
 * buffer holds and the window advertised (RFC 9293 3.8.6.2.2: its right edge
 * never moves left, and it grows by an MSS at least), the window scale
 * (RFC 7323), and autotuning, as TCP's: the receiver's RTT, the bytes the
 * reader takes in one, the payload share of the skbs' truesize, and the
 * buffer grown to follow them.
 *
 * Everything here works on one socket, locked (owned, or bh-locked in
 * softirq), and sends nothing: output.c, input.c and stream.c do.
 */
#include <net/sock.h>

#include "etp.h"

/**
 * etp_rcv_wscale() - the window scale a socket offers
 * @sk: the socket
 *
 * Enough to advertise all of the receive buffer (RFC 7323 2.2), as far as
 * autotuning may grow it, and no more than TCP_WINDOW_CLAMP allows (as
 * tcp_select_initial_window()).
 *
 * Return: the shift count, 0 to 14.
 */
u8 etp_rcv_wscale(const struct sock *sk)
{
	u32 space = READ_ONCE(sk->sk_rcvbuf);
	u32 clamp = READ_ONCE(etp_sk(sk)->window_clamp);
	u8 wscale = 0;

	/* Unless SO_RCVBUF fixed it, the buffer may grow to rmem[2]. */
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		space = max_t(u32, space, READ_ONCE(etp_sk_pernet(sk)->sysctl.rmem[2]));
	if (clamp)
		space = min(space, clamp);
	space = max_t(u32, space, 65535);

	while (space > 65535 && wscale < ETP_MAX_WSCALE) {
		space >>= 1;
		wscale++;
	}
	return wscale;
}

/**
 * etp_window_clamp() - TCP_WINDOW_CLAMP's value, as getsockopt() reads it
 * @sk: the socket
 *
 * What was set; on a connection, no more than its window scale allows
 * (TCP's also follows its receive buffer).
 *
 * Return: bytes, 0 if none was set before a connection.
 */
u32 etp_window_clamp(const struct sock *sk)
{
	u32 clamp = READ_ONCE(etp_sk(sk)->window_clamp);

	if (!etp_state_is(sk, ETP_S_CONN))
		return clamp;
	return min(clamp ? : U32_MAX, 65535U << etp_sk(sk)->rcv_wscale);
}

/**
 * etp_win_from_space() - the payload that @space bytes of buffer hold
 * @sk: the socket
 * @space: bytes of receive buffer (truesize)
 *
 * As TCP's tcp_win_from_space(): scaled by the share of payload in the
 * truesize of the skbs received (half until one is measured), so that
 * the window offered fits the buffer whatever the skbs look like.
 *
 * Return: bytes of payload, 0 for no room.
 */
u32 etp_win_from_space(const struct sock *sk, int space)
{
	if (space <= 0)
		return 0;
	return ((u64)space * etp_sk(sk)->scaling_ratio) >> ETP_RMEM_TO_WIN_SCALE;
}

/**
 * etp_select_window() - the window to advertise now, and remember it
 * @sk: the socket, locked
 *
 * The payload the free receive buffer holds (etp_win_from_space()), never
 * less than what was already offered (RFC 9293 3.8.6.2.2: the right edge
 * does not move left), and grown only by at least an MSS or half the
 * buffer, to avoid the silly window syndrome (RFC 9293 3.8.6.2.2); never
 * more than TCP_WINDOW_CLAMP.
 *
 * Return: the header's window field, scaled down.
 */
u16 etp_select_window(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	int free = rcvbuf - atomic_read(&sk->sk_rmem_alloc);
	s32 cur = (s32)(ep->rcv_wup + ep->rcv_wnd - ep->rcv_nxt);
	u32 wnd = etp_win_from_space(sk, free);
	u32 max = 65535U << ep->rcv_wscale;
	u32 clamp = READ_ONCE(ep->window_clamp);
	u32 lim = clamp ? min(max, clamp) : max;

	sock_owned_by_me(sk);
	if (cur < 0)
		cur = 0;
	wnd = min(wnd, lim);
	/* A clamp below an MSS still opens: all of it is worth offering. */
	if (wnd < cur + min3((u32)ep->mss, (u32)rcvbuf / 4, lim) &&
	    wnd < min((u32)rcvbuf / 2, lim))
		wnd = cur;
	wnd = max_t(u32, wnd, cur);
	/* Round up, so that scaling never cuts what was offered. */
	wnd = min(ALIGN(wnd, 1U << ep->rcv_wscale), max);
	ep->rcv_wnd = wnd;
	ep->rcv_wup = ep->rcv_nxt;
	return wnd >> ep->rcv_wscale;
}

/**
 * etp_syn_window() - the window a SYN or SYN-ACK offers
 * @sk: the socket (a listener for a SYN-ACK of its half-open entry)
 *
 * Half the receive buffer, never scaled (RFC 7323 2.2), within
 * TCP_WINDOW_CLAMP; a new connection's rcv_wnd starts there.
 *
 * Return: the window.
 */
u16 etp_syn_window(const struct sock *sk)
{
	u32 clamp = READ_ONCE(etp_sk(sk)->window_clamp) ? : 65535;

	return min3((u32)READ_ONCE(sk->sk_rcvbuf) / 2, clamp, 65535U);
}

/* Room for @skb in @limit bytes of buffer? Charge it to the socket if so. */
static bool etp_rmem_charge_limit(struct sock *sk, struct sk_buff *skb,
				  unsigned int limit)
{
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize > limit)
		return false;
	if (!sk_rmem_schedule(sk, skb, skb->truesize))
		return false;
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	return true;
}

/**
 * etp_rmem_charge() - charge a segment to the receive buffer if it fits
 * @sk: the socket, locked
 * @skb: the segment
 *
 * Return: whether it fit (and is now charged).
 */
bool etp_rmem_charge(struct sock *sk, struct sk_buff *skb)
{
	return etp_rmem_charge_limit(sk, skb, READ_ONCE(sk->sk_rcvbuf));
}

/**
 * etp_rmem_charge_window() - charge in-order data the window offered
 * @sk: the socket, locked
 * @skb: an in-order segment
 *
 * Return: whether it fits (and is now charged); if not, ofo.c makes room.
 */
bool etp_rmem_charge_window(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);

	/*
	 * Data in the window we offered is taken even past sk_rcvbuf, up to
	 * twice it: the window comes from the payload share of the skbs seen
	 * so far (etp_win_from_space()), which smaller skbs can beat, and
	 * dropping what we offered to take would shrink the window (RFC 9293
	 * 3.8.6.2.2): the peer would stall until a retransmission, never
	 * seeing a zero window to probe.
	 */
	return !etp_after(cb->end_seq - !!(cb->flags & ETPHDR_FIN),
			  ep->rcv_wup + ep->rcv_wnd) &&
	       etp_rmem_charge_limit(sk, skb, 2U * READ_ONCE(sk->sk_rcvbuf));
}

/**
 * etp_rmem_coalesce() - append a segment to the one it continues
 * @sk: the socket, locked
 * @to: a segment queued and charged, ending where @skb starts
 * @skb: the segment, not charged
 *
 * So that small segments do not cost a buffer each, as tcp_try_coalesce().
 *
 * Return: true if @skb was consumed (its memory now @to's, charged).
 */
bool etp_rmem_coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *skb)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb), *tcb = ETP_SKB_CB(to);
	bool fragstolen;
	int delta;

	if (tcb->end_seq != cb->seq || (tcb->flags & ETPHDR_FIN))
		return false;
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    (unsigned int)READ_ONCE(sk->sk_rcvbuf) ||
	    !sk_rmem_schedule(sk, skb, skb->truesize))
		return false;
	if (!skb_try_coalesce(to, skb, &fragstolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	tcb->end_seq = cb->end_seq;
	tcb->flags |= cb->flags & ETPHDR_FIN;
	kfree_skb_partial(skb, fragstolen);
	return true;
}

/**
 * etp_measure_scaling_ratio() - learn the payload share of truesize
 * @sk: the socket, locked
 * @skb: a received segment
 *
 * The share of a full-sized segment's truesize that is payload, which
 * etp_win_from_space() sizes the window by (as tcp_measure_rcv_mss()).
 */
void etp_measure_scaling_ratio(struct sock *sk, const struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	u64 val;

	if (skb->len < ep->mss || !skb->truesize)
		return;
	val = div_u64((u64)skb->len << ETP_RMEM_TO_WIN_SCALE, skb->truesize);
	ep->scaling_ratio = clamp_t(u64, val, 1, U8_MAX);
}

/**
 * etp_rcv_rtt_measure() - the receiver's RTT, for autotuning
 * @sk: the socket, locked, as data arrives
 *
 * The time from offering a window to receiving its end, as TCP's
 * tcp_rcv_rtt_measure() without timestamps; the smallest sample wins,
 * since a sender short of data makes it long.
 */
void etp_rcv_rtt_measure(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 now = etp_now_us(), sample;

	if (ep->rcv_rtt_on) {
		if (etp_before(ep->rcv_nxt, ep->rcv_rtt_seq))
			return;
		sample = max(now - ep->rcv_rtt_time, 1U) << 3;
		if (!ep->rcv_rtt_us || sample < ep->rcv_rtt_us)
			ep->rcv_rtt_us = sample;
	}
	ep->rcv_rtt_on = 1;
	ep->rcv_rtt_seq = ep->rcv_nxt + ep->rcv_wnd;
	ep->rcv_rtt_time = now;
}

/**
 * etp_rcv_space_adjust() - grow the receive buffer to what the reader takes
 * @sk: the socket, locked, after a read
 *
 * As TCP's tcp_rcv_space_adjust() (net.ipv4.tcp_moderate_rcvbuf): once per
 * receiver RTT, if the reader took more than in the RTT before, sk_rcvbuf
 * grows to hold twice that (and more while it grows, as in slow start), up
 * to rmem[2], unless SO_RCVBUF set it. A buffer that holds only one
 * window's worth keeps the sender waiting on every window update.
 */
void etp_rcv_space_adjust(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 now = etp_now_us(), copied;
	u64 rcvwin, grow;
	int rcvbuf;

	sock_owned_by_me(sk);
	if (!ep->rcvq_on) {
		ep->rcvq_space = min_t(u32, ep->rcv_wnd, 10U * ep->mss);
		goto new_measure;
	}
	if (!ep->rcv_rtt_us || now - ep->rcvq_time < (ep->rcv_rtt_us >> 3))
		return;
	copied = ep->copied_seq - ep->rcvq_seq;
	if (copied <= ep->rcvq_space)
		goto new_measure;
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
		rcvwin = ((u64)copied << 1) + 16 * ep->mss;
		grow = div_u64(rcvwin * (copied - ep->rcvq_space),
			       max_t(u32, ep->rcvq_space, 1));
		rcvwin += grow << 1;
		rcvwin = div_u64(rcvwin << ETP_RMEM_TO_WIN_SCALE, ep->scaling_ratio);
		rcvbuf = min_t(u64, rcvwin, READ_ONCE(etp_sk_pernet(sk)->sysctl.rmem[2]));
		if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
			WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	}
	ep->rcvq_space = copied;
new_measure:
	ep->rcvq_on = 1;
	ep->rcvq_seq = ep->copied_seq;
	ep->rcvq_time = now;
}

#include "tests/window_test.c"
