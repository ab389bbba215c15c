// SPDX-License-Identifier: GPL-2.0
/*
 * Where a received segment goes (softirq; from the IP layer).
 *
 * etp_v4_rcv() checks the header, fills ETP_SKB_CB and finds who the segment
 * is for: a connected socket (input.c), a TIME_WAIT entry (timewait.c), a
 * listener (request.c), or no one (a RST). A socket gets it with its bh lock
 * held, or on its backlog when a process owns it; etp_do_rcv() takes it from
 * there (proto->backlog_rcv) to the listener's or the connection's code.
 */
#include <linux/skbuff.h>
#include <linux/filter.h>
#include <linux/tcp.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/sock.h>
#include <net/xfrm.h>

#include "etp.h"

/**
 * etp_do_rcv() - process a segment for a socket (proto->backlog_rcv too)
 * @sk: the socket, bh-locked in softirq or owned from the backlog
 * @skb: the segment, its header at skb->data, ETP_SKB_CB filled
 *
 * Return: 0, the segment is consumed.
 */
int etp_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_state == TCP_LISTEN)
		return etp_listen_rcv(sk, skb);
	etp_rcv_state_process(sk, skb);
	return 0;
}

/* A segment's last sequence number + 1: SYN and FIN take one each. */
static u32 etp_end_seq(const struct sk_buff *skb, const struct tcphdr *th,
		       u32 seq, u8 flags)
{
	return seq + !!(flags & ETPHDR_SYN) + !!(flags & ETPHDR_FIN) +
	       skb->len - th->doff * 4;
}

/**
 * etp_v4_rcv() - receive one segment (net_protocol->handler, softirq)
 * @skb: the segment, its transport header set by the IP layer
 *
 * The header is checked (length, data offset, flags, checksum over the
 * IPv4 pseudo-header with ETP's protocol number); bad segments are counted
 * in InErrs or InCsumErrors and dropped. Segments for no connection and no
 * listener are answered with RST.
 *
 * Return: 0, the segment is consumed.
 */
int etp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	const struct iphdr *iph;
	struct etp_skb_cb *cb;
	struct etp_tw *tw;
	struct sock *sk;
	bool again = false;
	int dif, sdif;
	u8 flags;

	if (skb->pkt_type != PACKET_HOST)
		goto drop;
	/* A GSO skb (through veth or loopback) counts its segments, as TCP's. */
	ETP_ADD_STATS(net, InSegs,
		      skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1);

	if (!pskb_may_pull(skb, sizeof(*th)))
		goto bad;
	th = etp_hdr(skb);
	if (th->doff < sizeof(*th) / 4 || !pskb_may_pull(skb, th->doff * 4))
		goto bad;
	if (skb_checksum_init(skb, etp_proto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb))
		goto csum_error;

	th = etp_hdr(skb);
	iph = ip_hdr(skb);
	flags = etp_flag_byte(th);
	/* Combinations no sender makes: drop them (RFC 9293 3.10.7). */
	if ((flags & ETPHDR_SYN) && (flags & (ETPHDR_FIN | ETPHDR_RST)))
		goto bad;
	if (!th->source || !th->dest)
		goto bad;

	/* From IPCB, which ETP_SKB_CB overwrites (TCP: tcp_v4_fill_cb()). */
	dif = inet_iif(skb);
	sdif = inet_sdif(skb);
	cb = ETP_SKB_CB(skb);
	cb->seq = ntohl(th->seq);
	cb->end_seq = etp_end_seq(skb, th, cb->seq, flags);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	cb->flags = flags;
	cb->retrans = 0;
	cb->tw_isn = 0;
	cb->rx_opts = 0;
	cb->ip_dsfield = ipv4_get_dsfield(iph);
	if (th->doff > ETP_HDR_LEN / 4) {
		struct etp_rx_opts o;

		etp_parse_options(skb, &o);
		cb->rx_opts = o.flags;
		cb->sack_off = o.sack_off;
		cb->tsval = o.tsval;
		cb->tsecr = o.tsecr;
		if (unlikely(o.flags & ETP_RXO_BAD))
			ETP_INC_STATS(net, BadOptions);
	}

lookup:
	sk = etp_lookup_established(net, iph->daddr, th->dest, iph->saddr,
				    th->source);
	if (!sk) {
		/* .no_policy: IPsec's inbound policy is ours to check, as TCP's. */
		if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb))
			goto drop;
		tw = etp_tw_lookup(net, iph->daddr, th->dest, iph->saddr,
				   th->source);
		if (tw && etp_tw_rcv(net, tw, skb) == ETP_TW_DONE)
			goto consumed;
		sk = etp_req_listener(net, iph->daddr, th->dest, iph->saddr,
				      th->source);
		if (!sk)
			sk = etp_lookup_listener(net, skb, th->doff * 4, iph->daddr,
						 th->dest, iph->saddr, th->source,
						 dif, sdif);
		if (!sk) {
			/* No one takes the SYN: TIME_WAIT stays and answers. */
			if (tw && etp_tw_ack(net, tw, skb))
				goto consumed;
			goto no_socket;
		}
		if (tw)
			etp_tw_recycle(net, tw);
	}

	/*
	 * What tcp_v4_rcv() does for every segment a socket takes: the IPsec
	 * policy (the socket's own, if it has one), no conntrack entry pinned
	 * while the skb waits in a queue, the socket's filter (which may trim
	 * the payload).
	 */
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb))
		goto drop_sk;
	nf_reset_ct(skb);
	if (sk_filter_trim_cap(sk, skb, th->doff * 4))
		goto drop_sk;
	th = etp_hdr(skb);
	cb->end_seq = etp_end_seq(skb, th, cb->seq, flags);

	bh_lock_sock_nested(sk);
	/* Closed while we looked: a TIME_WAIT entry may have taken its place. */
	if (sk->sk_state == TCP_CLOSE && !again) {
		bh_unlock_sock(sk);
		sock_put(sk);
		again = true;
		goto lookup;
	}
	if (!sock_owned_by_user(sk)) {
		etp_do_rcv(sk, skb);
	} else if (!etp_add_backlog(sk, skb)) {
		bh_unlock_sock(sk);
		sock_put(sk);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_BACKLOG);
		return 0;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;

drop_sk:
	sock_put(sk);
	goto drop;
no_socket:
	etp_send_reset(net, skb, NULL, ETP_RST_NO_CONNECTION);
drop:
	kfree_skb(skb);
	return 0;
consumed:
	consume_skb(skb);
	return 0;

csum_error:
	ETP_INC_STATS(net, InCsumErrors);
bad:
	ETP_INC_STATS(net, InErrs);
	kfree_skb(skb);
	return 0;
}
