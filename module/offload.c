// SPDX-License-Identifier: GPL-2.0
/*
 * Segmentation offload (GSO), as TCP's tcp_gso_segment().
 *
 * A connection whose route allows it queues segments of many MSS and sends
 * each as one skb with gso_size = MSS, so that the stack and the devices
 * handle one packet where there would be dozens. Software devices (veth,
 * loopback) pass such skbs through whole; for any other, and for a qdisc
 * that must see the real segments (netem corrupting), the stack calls
 * etp_gso_segment() below, through the offload registered for ETP's
 * protocol number, to cut them into the segments the wire carries.
 *
 * The kernel has no GSO type for a protocol it does not know, and a device
 * offers segmentation only for the types it lists. ETP's skbs say
 * SKB_GSO_SCTP (ETP_GSO_TYPE), which only software devices list, with GSO
 * by software for every other one; SCTP's own segmentation is never called
 * for ETP's protocol number. One thing reads the type as SCTP's: the
 * estimate of a segment's size that IP's MTU checks make (forwarding, and
 * output before GSO), skb_gso_transport_seglen(), which counts gso_size and
 * a 12-byte SCTP header. ETP's header has 20 bytes and its options, so
 * gso_size carries the payload plus the header less 12 bytes
 * (ETP_GSO_BIAS: 8, or 20 with timestamps) and the estimate is exact: a
 * router whose next hop is narrower refuses the skb and says so (RFC 1191)
 * instead of passing segments 8 bytes too large. etp_gso_segment() takes
 * the bias off.
 */
#include <linux/sctp.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/protocol.h>

#include "etp.h"

static_assert(ETP_GSO_BIAS(ETP_HDR_LEN) + sizeof(struct sctphdr) == ETP_HDR_LEN);

static struct sk_buff *etp_gso_segment(struct sk_buff *skb,
				       netdev_features_t features)
{
	struct sk_buff *segs = ERR_PTR(-EINVAL), *seg;
	unsigned int thlen, mss;
	struct tcphdr *th;
	u8 flags;
	u32 seq;

	if (!(skb_shinfo(skb)->gso_type & ETP_GSO_TYPE) ||
	    !pskb_may_pull(skb, sizeof(*th)))
		goto out;
	th = tcp_hdr(skb);
	thlen = th->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, thlen))
		goto out;
	th = tcp_hdr(skb);
	seq = ntohl(th->seq);
	flags = etp_flag_byte(th);
	mss = skb_shinfo(skb)->gso_size;
	if (unlikely(mss <= ETP_GSO_BIAS(thlen)))
		goto out;
	mss -= ETP_GSO_BIAS(thlen);
	__skb_pull(skb, thlen);
	if (unlikely(skb->len <= mss))
		goto out;

	if (skb_gso_ok(skb, features | NETIF_F_GSO_ROBUST)) {
		/* The device cuts it; count the segments ourselves. */
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(skb->len, mss);
		segs = NULL;
		goto out;
	}

	/* skb_segment() cuts at gso_size: the payload's, for the moment. */
	skb_shinfo(skb)->gso_size = mss;
	segs = skb_segment(skb, features);
	if (IS_ERR(segs))
		goto out;

	for (seg = segs; seg; seg = seg->next) {
		const struct iphdr *iph = ip_hdr(seg);
		unsigned int len = skb_tail_pointer(seg) - skb_transport_header(seg) +
				   seg->data_len;

		th = tcp_hdr(seg);
		th->seq = htonl(seq);
		seq += len - thlen;
		/* FIN and PSH go with the last segment only, CWR with the first. */
		etp_flag_byte(th) = seg->next ? flags & ~(ETPHDR_FIN | ETPHDR_PSH) : flags;
		if (seg != segs)
			etp_flag_byte(th) &= ~ETPHDR_CWR;
		th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, len,
					       iph->protocol, 0);
		if (seg->ip_summed == CHECKSUM_PARTIAL)
			gso_reset_checksum(seg, csum_unfold(~th->check));
		else
			th->check = gso_make_checksum(seg, csum_unfold(~th->check));
	}
out:
	return segs;
}

/**
 * etp_gso_set() - make a queued skb's clone a GSO skb, or a plain one
 * @skb: the clone about to be sent, its header pushed
 * @mss: the payload of each segment
 * @segs: how many segments it makes (1: not GSO)
 */
void etp_gso_set(struct sk_buff *skb, unsigned int mss, unsigned int segs)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (segs > 1) {
		shinfo->gso_size = mss + ETP_GSO_BIAS(tcp_hdrlen(skb));
		shinfo->gso_segs = segs;
		shinfo->gso_type = ETP_GSO_TYPE;
	} else {
		shinfo->gso_size = 0;
		shinfo->gso_segs = 0;
		shinfo->gso_type = 0;
	}
}

/**
 * etp_gso_mss() - the payload of each segment of a received GSO skb
 * @skb: the skb (its transport header set), or a plain one
 *
 * Return: the MSS the sender cut it at, or 0 for a plain skb.
 */
unsigned int etp_gso_mss(const struct sk_buff *skb)
{
	unsigned int size = skb_shinfo(skb)->gso_size;
	unsigned int bias = ETP_GSO_BIAS(tcp_hdrlen(skb));

	return size > bias ? size - bias : 0;
}

static const struct net_offload etp_offload = {
	.callbacks = {
		.gso_segment = etp_gso_segment,
	},
};

/**
 * etp_offload_init() - register segmentation for ETP's protocol number
 *
 * Return: 0, or a negative errno if another offload has the number.
 */
int etp_offload_init(void)
{
	return inet_add_offload(&etp_offload, etp_proto);
}

/**
 * etp_offload_exit() - unregister it; returns once no one is in it
 */
void etp_offload_exit(void)
{
	inet_del_offload(&etp_offload, etp_proto);
}

#include "tests/offload_test.c"
