// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full (or
 * always, as the syncookies setting says), the SYN-ACK's initial sequence
 * number carries what the handshake needs, and the listener keeps nothing.
 * A valid final ACK then creates the connection from the cookie alone.
 *
 * The cookie is Linux TCP's construction (net/ipv4/syncookies.c) with
 * SipHash and ETP's own fields:
 *
 *   ISN = H1(4-tuple) + IRS + (T << 24) + ((H2(4-tuple, T) + data) mod 2^24)
 *
 * T is a coarse clock (one tick every 64 seconds), so a cookie is good for
 * two to three ticks; data (2 bits) is an index into a table of MSS values,
 * in the top bits of the 24, the low 22 being zero. The final ACK gives
 * back IRS (its sequence number minus one) and ISN (its acknowledgment
 * minus one): T is read from the top byte (3 values of 256 are young
 * enough), and subtracting H2 must then leave the low 22 bits zero. A
 * guessed ACK passes with a chance of 3/256 * 2^-22, about 2^-28.4, as
 * TCP's cookie: at a million guesses a second, one forged connection every
 * six minutes or so. An ACK that is off by a little never passes.
 *
 * Every bit of data is one less of authentication, so the ISN keeps
 * nothing else (it held the peer's window scale too, at 2^-23.4). Where the
 * SYN has timestamps (RFC 7323), the SYN-ACK's TSval carries the rest in its
 * low 6 bits, as TCP's cookie_init_timestamp(): the peer's window scale
 * (4 bits, 0xf for none), SACK permitted (bit 4) and ECN agreed (bit 5);
 * the final ACK echoes them. The clock read loses those bits (up to 63 ms, back in time, so the
 * TSval never runs ahead). Without timestamps the SYN-ACK offers no window
 * scale and no ECN, and the connection runs unscaled, as TCP's cookies do. The peer's
 * SYN window is not kept either; the final ACK's own window replaces it.
 */
#include <linux/siphash.h>
#include <linux/ktime.h>
#include <net/ip.h>

#include "etp.h"

#define COOKIE_BITS	24
#define COOKIE_MASK	((1U << COOKIE_BITS) - 1)
#define COOKIE_TICK_S	64
#define COOKIE_MAX_AGE	2		/* ticks */
#define COOKIE_DATA_BITS 2		/* the MSS index */
#define COOKIE_DATA_SHIFT (COOKIE_BITS - COOKIE_DATA_BITS)
/* The options a cookie's TSval carries (TCP's TS_OPT_*). */
#define COOKIE_TS_BITS	6
#define COOKIE_TS_WSCALE 0xf		/* the peer's shift; 0xf: none */
#define COOKIE_TS_SACK	BIT(4)
#define COOKIE_TS_ECN	BIT(5)		/* the SYN-ACK agreed to ECN */

/* MSS values a cookie can carry: common paths, and jumbo frames. */
static const u16 etp_cookie_mss[] = { 536, 1300, 1460, 8960 };
static_assert(ARRAY_SIZE(etp_cookie_mss) == 1 << COOKIE_DATA_BITS);

static siphash_aligned_key_t etp_cookie_key[2];

static u32 etp_cookie_time(void)
{
	return (u32)(ktime_get_seconds() / COOKIE_TICK_S);
}

static u32 etp_cookie_hash(__be32 saddr, __be32 daddr, __be16 sport,
			   __be16 dport, u32 count, int c)
{
	net_get_random_once(etp_cookie_key, sizeof(etp_cookie_key));
	return siphash_4u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport, count,
			    &etp_cookie_key[c]);
}

/* The tuple is the listener's view: local address and port first. */
static u32 etp_cookie_make(__be32 laddr, __be16 lport, __be32 raddr,
			   __be16 rport, u32 irs, u32 data)
{
	u32 t = etp_cookie_time();

	return etp_cookie_hash(laddr, raddr, lport, rport, 0, 0) + irs +
	       (t << COOKIE_BITS) +
	       ((etp_cookie_hash(laddr, raddr, lport, rport, t, 1) +
		 (data << COOKIE_DATA_SHIFT)) & COOKIE_MASK);
}

/* The data of a cookie, or -1 if it is not one of ours or too old. */
static int etp_cookie_data(__be32 laddr, __be16 lport, __be32 raddr,
			   __be16 rport, u32 irs, u32 cookie)
{
	u32 t = etp_cookie_time(), age, data;

	cookie -= etp_cookie_hash(laddr, raddr, lport, rport, 0, 0) + irs;
	/* The top byte holds T's low 8 bits; tell its age from ours. */
	age = (t - (cookie >> COOKIE_BITS)) & 0xff;
	if (age > COOKIE_MAX_AGE)
		return -1;
	data = (cookie - etp_cookie_hash(laddr, raddr, lport, rport, t - age, 1)) &
	       COOKIE_MASK;
	if (data & ((1U << COOKIE_DATA_SHIFT) - 1))
		return -1;
	return data >> COOKIE_DATA_SHIFT;
}

/**
 * etp_cookie_want() - whether a SYN to a listener gets a cookie
 * @lsk: the listener, locked
 *
 * Return: true to answer with a cookie; false to make a half-open entry
 * (also when the queue is full and cookies are off: the caller then drops).
 */
bool etp_cookie_want(struct sock *lsk)
{
	int mode = READ_ONCE(etp_sk_pernet(lsk)->sysctl.syncookies);
	bool full = atomic_read(&etp_sk(lsk)->req_count) >
		    READ_ONCE(lsk->sk_max_ack_backlog);

	if (full)	/* 0 means never; an odd stamp is never 0 */
		WRITE_ONCE(etp_sk(lsk)->synq_overflow, (u32)jiffies | 1);
	return mode == 2 || (mode == 1 && full);
}

/**
 * etp_cookie_send_synack() - answer a SYN with a SYN cookie, keeping nothing
 * @lsk: the listener, locked
 * @skb: the SYN
 */
void etp_cookie_send_synack(struct sock *lsk, struct sk_buff *skb)
{
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	const struct iphdr *iph = ip_hdr(skb);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct etp_req req = {
		.listener = lsk,
		.laddr = iph->daddr,
		.raddr = iph->saddr,
		.lport = th->dest,
		.rport = th->source,
		.irs = cb->seq,
	};
	u32 data, ts = etp_ts_now();
	bool wscale_ok;

	etp_parse_syn_options(skb, &req.mss, &req.snd_wscale, &wscale_ok);
	for (data = ARRAY_SIZE(etp_cookie_mss) - 1; data > 0; data--)
		if (req.mss >= etp_cookie_mss[data])
			break;
	req.iss = etp_cookie_make(req.laddr, req.lport, req.raddr, req.rport,
				  req.irs, data);
	/* Without timestamps, no room for the window scale: none offered. */
	if (cb->rx_opts & ETP_RXO_TS &&
	    READ_ONCE(etp_sk_pernet(lsk)->sysctl.timestamps)) {
		req.tstamp_ok = 1;
		req.ts_recent = cb->tsval;
		req.wscale_ok = wscale_ok;
		req.rcv_wscale = wscale_ok ? etp_rcv_wscale(lsk) : 0;
		req.sack_ok = cb->rx_opts & ETP_RXO_SACK_PERM &&
			      READ_ONCE(etp_sk_pernet(lsk)->sysctl.sack);
		req.ecn_ok = etp_ecn_req_ok(lsk, skb);
		data = (wscale_ok ? req.snd_wscale : COOKIE_TS_WSCALE) |
		       (req.sack_ok ? COOKIE_TS_SACK : 0) |
		       (req.ecn_ok ? COOKIE_TS_ECN : 0);
		ts = (ts >> COOKIE_TS_BITS << COOKIE_TS_BITS) | data;
		if (etp_after(ts, etp_ts_now()))
			ts -= 1U << COOKIE_TS_BITS;
	}
	etp_send_req_synack_ts(&req, ts);
	ETP_INC_STATS(sock_net(lsk), SynCookiesSent);
}

/**
 * etp_cookie_check() - read a handshake's final ACK as the answer to a cookie
 * @lsk: the listener, locked
 * @skb: an ACK (no SYN, no RST) that matches no half-open entry
 * @req: filled in as the half-open entry the cookie stood for
 *
 * Only while cookies may have been sent: always with syncookies 2, and for
 * two cookie ticks after the SYN queue last overflowed with 1.
 *
 * Return: 1 if @req now describes the connection, 0 if @skb is no answer to
 * a cookie (counted in SynCookiesFailed when it could have been one).
 */
int etp_cookie_check(struct sock *lsk, struct sk_buff *skb, struct etp_req *req)
{
	int mode = READ_ONCE(etp_sk_pernet(lsk)->sysctl.syncookies);
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	const struct iphdr *iph = ip_hdr(skb);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u32 stamp = READ_ONCE(etp_sk(lsk)->synq_overflow);
	int data;

	if (!mode)
		return 0;
	/* The stamp may be a tick ahead of jiffies (its low bit is forced). */
	if (mode == 1 && (!stamp ||
			  time_after32((u32)jiffies,
				       stamp + (COOKIE_MAX_AGE + 1) * COOKIE_TICK_S * HZ)))
		return 0;
	data = etp_cookie_data(iph->daddr, th->dest, iph->saddr, th->source,
			       cb->seq - 1, cb->ack_seq - 1);
	if (data < 0) {
		ETP_INC_STATS(sock_net(lsk), SynCookiesFailed);
		return 0;
	}
	memset(req, 0, sizeof(*req));
	req->listener = lsk;
	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->irs = cb->seq - 1;
	req->iss = cb->ack_seq - 1;
	req->iif = inet_iif(skb);
	req->mss = etp_cookie_mss[data];
	/* The SYN's window is gone; this ACK's stands in for it (unscaled). */
	req->snd_wnd = cb->window;
	/* No SYN-ACK time to take an RTT sample from (but the echo, if any). */
	req->retrans = 1;
	if (cb->rx_opts & ETP_RXO_TS) {
		/*
		 * The SYN-ACK's options, from its TSval's echo, as TCP's
		 * cookie_timestamp_decode(); timestamps switched off since
		 * mean the SYN-ACK's promises cannot be kept: refused.
		 */
		u32 opts = (cb->tsecr - etp_ts_off(sock_net(lsk), req->laddr,
						   req->raddr, req->lport,
						   req->rport)) &
			   ((1U << COOKIE_TS_BITS) - 1);

		/* What our settings do not offer, or a shift above 14. */
		if (!READ_ONCE(etp_sk_pernet(lsk)->sysctl.timestamps) ||
		    ((opts & COOKIE_TS_SACK) &&
		     !READ_ONCE(etp_sk_pernet(lsk)->sysctl.sack)) ||
		    ((opts & COOKIE_TS_WSCALE) > ETP_MAX_WSCALE &&
		     (opts & COOKIE_TS_WSCALE) != COOKIE_TS_WSCALE)) {
			ETP_INC_STATS(sock_net(lsk), SynCookiesFailed);
			return 0;
		}
		req->tstamp_ok = 1;
		req->ts_recent = cb->tsval;
		req->sack_ok = !!(opts & COOKIE_TS_SACK);
		req->ecn_ok = !!(opts & COOKIE_TS_ECN);
		if ((opts & COOKIE_TS_WSCALE) != COOKIE_TS_WSCALE) {
			req->wscale_ok = 1;
			req->snd_wscale = opts & COOKIE_TS_WSCALE;
			req->rcv_wscale = etp_rcv_wscale(lsk);
		}
	}
	ETP_INC_STATS(sock_net(lsk), SynCookiesRecv);
	return 1;
}

#include "tests/cookie_test.c"
