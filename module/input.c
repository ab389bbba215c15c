// SPDX-License-Identifier: GPL-2.0
/*
 * The receive handler, called by the IP layer in softirq for every packet of
 * ETP's protocol number.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>

#include "etp.h"

/**
 * etp_v4_rcv() - receive one segment (net_protocol->handler, softirq)
 * @skb: the segment, its transport header set by the IP layer
 *
 * The header is checked (length, data offset, checksum over the IPv4
 * pseudo-header with ETP's protocol number); bad segments are counted in
 * InErrs or InCsumErrors and dropped. No connection exists yet, so every
 * segment is dropped after it is counted.
 *
 * Return: 0, the segment is consumed.
 */
int etp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;

	if (skb->pkt_type != PACKET_HOST)
		goto drop;
	ETP_INC_STATS(net, InSegs);

	if (!pskb_may_pull(skb, sizeof(*th)))
		goto bad;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(*th) / 4 || !pskb_may_pull(skb, th->doff * 4))
		goto bad;
	if (skb_checksum_init(skb, etp_proto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb))
		goto csum_error;
drop:
	kfree_skb(skb);
	return 0;

csum_error:
	ETP_INC_STATS(net, InCsumErrors);
bad:
	ETP_INC_STATS(net, InErrs);
	kfree_skb(skb);
	return 0;
}

/**
 * etp_v4_err() - an ICMP error about a segment ETP sent (softirq)
 * @skb: the ICMP message
 * @info: its extra information (the MTU for "fragmentation needed")
 *
 * Return: 0.
 */
int etp_v4_err(struct sk_buff *skb, u32 info)
{
	return 0;
}
