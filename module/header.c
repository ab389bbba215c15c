// SPDX-License-Identifier: GPL-2.0
/*
 * ETP's header: building it in front of a segment, with the SYN's options
 * and the checksum left to the device, and reading the options of a
 * received SYN.
 *
 * The header is TCP's (RFC 9293 3.1), so a struct tcphdr reads it; the SYN's
 * options are the MSS (RFC 9293 3.7.1) and the window scale (RFC 7323 2.3).
 * Callers have pulled the whole header (th->doff * 4 bytes) into the linear
 * area; nothing here takes a lock or keeps state.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>

#include "etp.h"

/**
 * etp_parse_syn_options() - read the MSS and window scale options of a SYN
 * @skb: the segment, its header at skb->data
 * @mss: the MSS option, or ETP_DEFAULT_MSS without one
 * @wscale: the window scale option's shift, capped at 14 (RFC 7323 2.3)
 * @wscale_ok: whether the option was there
 *
 * Unknown options are skipped; a malformed option list ends the parsing.
 */
void etp_parse_syn_options(const struct sk_buff *skb, u16 *mss, u8 *wscale,
			   bool *wscale_ok)
{
	const struct tcphdr *th = etp_hdr(skb);
	const u8 *p = (const u8 *)(th + 1);
	int left = th->doff * 4 - sizeof(*th);

	*mss = ETP_DEFAULT_MSS;
	*wscale = 0;
	*wscale_ok = false;
	while (left > 0) {
		u8 kind = *p, len;

		if (kind == ETP_OPT_EOL)
			break;
		if (kind == ETP_OPT_NOP) {
			p++;
			left--;
			continue;
		}
		if (left < 2)
			break;
		len = p[1];
		if (len < 2 || len > left)
			break;
		if (kind == ETP_OPT_MSS && len == 4)
			*mss = max_t(u16, get_unaligned_be16(p + 2), ETP_MIN_MSS);
		else if (kind == ETP_OPT_WSCALE && len == 3) {
			*wscale = min_t(u8, p[2], ETP_MAX_WSCALE);
			*wscale_ok = true;
		}
		p += len;
		left -= len;
	}
}


/**
 * etp_push_header() - push a segment's header in front of its payload
 * @skb: the segment, with headroom for the header (ETP_MAX_HEADER)
 * @h: what the header says; a SYN carries the MSS option and, with @h->ws,
 *     the window scale option (else its place is padding)
 *
 * The checksum is left at 0: etp_csum_partial() sets it up once the
 * addresses are known.
 */
void etp_push_header(struct sk_buff *skb, const struct etp_hdr_args *h)
{
	unsigned int hlen = ETP_HDR_LEN + (h->flags & ETPHDR_SYN ? ETP_SYN_OPT_LEN : 0);
	struct tcphdr *th;
	__be32 *opt;

	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	memset(th, 0, hlen);
	th->source = h->sport;
	th->dest = h->dport;
	th->seq = htonl(h->seq);
	th->ack_seq = htonl(h->flags & ETPHDR_ACK ? h->ack : 0);
	th->doff = hlen / 4;
	etp_flag_byte(th) = h->flags;
	th->window = htons(h->window);
	if (h->flags & ETPHDR_SYN) {
		opt = (__be32 *)(th + 1);
		*opt++ = htonl(ETP_OPT_MSS << 24 | 4 << 16 | h->mss);
		/* Without window scaling the option's place is padding. */
		*opt = h->ws ? htonl(ETP_OPT_NOP << 24 | ETP_OPT_WSCALE << 16 |
				     3 << 8 | h->wscale)
			     : htonl(0x01010101);
	}
}

/**
 * etp_csum_partial() - leave the checksum to the device (or the stack)
 * @skb: the segment, its header pushed
 * @saddr: the IPv4 source address
 * @daddr: the IPv4 destination address
 *
 * CHECKSUM_PARTIAL over the IPv4 pseudo-header with ETP's protocol number.
 */
void etp_csum_partial(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = ~csum_tcpudp_magic(saddr, daddr, skb->len, etp_proto, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
}

#include "tests/seq_test.c"

#include "tests/header_test.c"
