// SPDX-License-Identifier: GPL-2.0
/*
 * Timestamps (RFC 7323): the clock a connection's TSvals read, the TS.Recent
 * it echoes, and RTT samples from the echo.
 *
 * The clock counts milliseconds (TCP's tcp_clock_ms(), without its
 * microsecond option) plus a per-connection offset (isn.c's etp_ts_off(),
 * kept in ts_off from where the ISN is chosen). An echo (TSecr) tells how
 * long ago a segment left even when it was sent more than once, which
 * sequence numbers cannot (Karn's rule): input.c takes such a sample when
 * the ACK's sequence sample is forbidden, as tcp_ack_update_rtt() does.
 * Everything here reads or writes the socket that its caller has locked.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <net/sock.h>

#include "etp.h"

/*
 * PAWS's bounds, TCP's (include/net/tcp.h): a TS.Recent older than
 * TCP_PAWS_WRAP seconds may have wrapped against a microsecond clock and no
 * longer rejects; a RST is held to it for TCP_PAWS_MSL seconds only; a
 * duplicate ACK may be TCP_PAWS_WINDOW behind.
 */
#define ETP_PAWS_WRAP	(INT_MAX / USEC_PER_SEC)
#define ETP_PAWS_MSL	60
#define ETP_PAWS_WINDOW	1

/**
 * etp_ts_now() - the timestamp clock, before a connection's offset
 *
 * Return: milliseconds, wrapping every 49 days.
 */
u32 etp_ts_now(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/**
 * etp_tsval() - the TSval a segment of @sk carries now
 * @sk: the socket
 *
 * Return: the clock plus the connection's offset.
 */
u32 etp_tsval(const struct sock *sk)
{
	return etp_ts_now() + etp_sk(sk)->ts_off;
}

/**
 * etp_ts_rtt_us() - the RTT an echoed TSval tells, as tcp_rtt_tsopt_us()
 * @sk: the socket, timestamps negotiated
 * @tsecr: the echo
 *
 * Return: the time since that TSval in microseconds (at least one
 * millisecond's worth), or -1 for an echo of a time not yet reached or
 * too long ago to be one of ours.
 */
long etp_ts_rtt_us(const struct sock *sk, u32 tsecr)
{
	u32 delta = etp_tsval(sk) - tsecr;

	if ((s32)delta < 0 || delta >= INT_MAX / USEC_PER_MSEC)
		return -1;
	return max(delta, 1U) * USEC_PER_MSEC;
}

/* TCP's tcp_paws_check(): whether @tsval passes against TS.Recent. */
static bool etp_paws_check(u32 ts_recent, u32 stamp, u32 tsval, int win)
{
	if ((s32)(ts_recent - tsval) <= win)
		return true;
	if (!time_before32((u32)ktime_get_seconds(), stamp + ETP_PAWS_WRAP))
		return true;
	/* A peer that sent 0 in its SYN: no TS.Recent to hold it to. */
	return !ts_recent;
}

/**
 * etp_ts_take_recent() - keep a segment's TSval as TS.Recent
 * @sk: the socket, locked, timestamps negotiated
 * @skb: an acceptable segment (ETP_SKB_CB filled)
 *
 * RFC 7323 4.3: only from a segment that starts at or before the last ACK
 * sent (Last.ACK.sent, rcv_wup), so that the echo tells the RTT of the data
 * that ACK covered, and only one that PAWS lets through
 * (tcp_replace_ts_recent()): a newer TSval, or any once TS.Recent is 0 or
 * idle past ETP_PAWS_WRAP.
 */
void etp_ts_take_recent(struct sock *sk, const struct sk_buff *skb)
{
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct etp_sock *ep = etp_sk(sk);

	if (!(cb->rx_opts & ETP_RXO_TS) || etp_after(cb->seq, ep->rcv_wup))
		return;
	if (etp_paws_check(ep->ts_recent, ep->ts_recent_stamp, cb->tsval, 0)) {
		ep->ts_recent = cb->tsval;
		ep->ts_recent_stamp = (u32)ktime_get_seconds();
	}
}

/**
 * etp_paws_reject() - whether PAWS rejects a segment, as tcp_paws_reject()
 * @ts_recent: TS.Recent
 * @stamp: when it came, in seconds
 * @tsval: the segment's TSval
 * @rst: whether the segment is a RST: held to it for a minute only
 *
 * Return: true for an old duplicate (RFC 7323 5.3).
 */
bool etp_paws_reject(u32 ts_recent, u32 stamp, u32 tsval, bool rst)
{
	if (etp_paws_check(ts_recent, stamp, tsval, 0))
		return false;
	return !rst || time_before32((u32)ktime_get_seconds(), stamp + ETP_PAWS_MSL);
}

/**
 * etp_paws_discard() - PAWS in a synchronized state (tcp_paws_discard())
 * @sk: the socket, locked, timestamps negotiated
 * @skb: a segment with the option (ETP_SKB_CB filled)
 *
 * An older TSval than TS.Recent marks an old duplicate (RFC 7323 5.3),
 * except for a duplicate ACK that changes nothing and is only a little
 * behind (tcp_disordered_ack(): ACKs may be reordered with data).
 *
 * Return: true if the segment must be dropped.
 */
bool etp_paws_discard(const struct sock *sk, const struct sk_buff *skb)
{
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	const struct etp_sock *ep = etp_sk(sk);
	u32 wnd = (u32)cb->window << ep->snd_wscale;

	if (etp_paws_check(ep->ts_recent, ep->ts_recent_stamp, cb->tsval,
			   ETP_PAWS_WINDOW))
		return false;
	/*
	 * A pure duplicate ACK in order that moves no window, RTO-recent
	 * (tcp_tsval_replay(): an RTO at a 1,200 Hz peer clock, the fastest
	 * RFC 7323 5.4 allows).
	 */
	return !((cb->flags & ETPHDR_ACK) && cb->seq == cb->end_seq &&
		 cb->seq == ep->rcv_nxt && cb->ack_seq == ep->snd_una &&
		 !etp_after(cb->seq, ep->snd_wl1) &&
		 !(cb->seq == ep->snd_wl1 && (wnd > ep->snd_wnd || !wnd)) &&
		 (s32)(ep->ts_recent - cb->tsval) <=
		 (s32)(ep->rto * 1200 / HZ));
}

/**
 * etp_ts_init() - timestamps negotiated: the first TS.Recent
 * @sk: the socket, locked; its ts_off set when its ISN was
 * @ts_recent: the peer's first TSval (of its SYN or SYN-ACK)
 */
void etp_ts_init(struct sock *sk, u32 ts_recent)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->tstamp_ok = 1;
	ep->ts_recent = ts_recent;
	ep->ts_recent_stamp = (u32)ktime_get_seconds();
}

#include "tests/tstamp_test.c"
