// SPDX-License-Identifier: GPL-2.0
/*
 * ETP's header: building it in front of a segment, with its options and the
 * checksum left to the device, and reading a received segment's options.
 *
 * The header is TCP's (RFC 9293 3.1), so a struct tcphdr reads it, and so
 * are the options, in TCP's layouts: a SYN's MSS (RFC 9293 3.7.1), window
 * scale (RFC 7323 2.3), SACK permitted (RFC 2018) and timestamps (RFC 7323
 * 3); the timestamps on every segment once negotiated.
 * Callers have pulled the whole header (th->doff * 4 bytes) into the linear
 * area; nothing here takes a lock or keeps state.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>

#include "etp.h"

/*
 * The length each option must have (0: any, for options ETP does not know),
 * TCP's TCPOLEN_*; a known option of another length is malformed.
 */
static int etp_opt_want_len(u8 kind, u8 len)
{
	switch (kind) {
	case ETP_OPT_MSS:
		return 4;
	case ETP_OPT_WSCALE:
		return 3;
	case ETP_OPT_SACK_PERM:
		return 2;
	case ETP_OPT_TS:
		return 10;
	case ETP_OPT_SACK:	/* one to four blocks of 8 bytes */
		return len >= 10 && len <= 34 && (len - 2) % 8 == 0 ? len : 10;
	default:
		return len;
	}
}

/**
 * etp_parse_options() - read a segment's options, as tcp_parse_options()
 * @skb: the segment, its whole header at skb->data
 * @o: what they say
 *
 * Unknown options are skipped. An option of a known kind with a length
 * other than its own is ignored; one whose length runs past the header, or
 * is below two, ends the parsing; both set ETP_RXO_BAD. The SYN's options
 * (MSS, window scale, SACK permitted) are taken from a SYN only, as TCP.
 */
void etp_parse_options(const struct sk_buff *skb, struct etp_rx_opts *o)
{
	const struct tcphdr *th = etp_hdr(skb);
	const u8 *p = (const u8 *)(th + 1);
	int left = th->doff * 4 - sizeof(*th);

	memset(o, 0, sizeof(*o));
	o->mss = ETP_DEFAULT_MSS;
	while (left > 0) {
		u8 kind = *p, len;

		if (kind == ETP_OPT_EOL)
			break;
		if (kind == ETP_OPT_NOP) {
			p++;
			left--;
			continue;
		}
		if (left < 2 || p[1] < 2 || p[1] > left) {
			o->flags |= ETP_RXO_BAD;
			break;
		}
		len = p[1];
		if (len != etp_opt_want_len(kind, len)) {
			o->flags |= ETP_RXO_BAD;
		} else if (kind == ETP_OPT_TS) {
			o->flags |= ETP_RXO_TS;
			o->tsval = get_unaligned_be32(p + 2);
			o->tsecr = get_unaligned_be32(p + 6);
		} else if (kind == ETP_OPT_SACK) {
			if (!th->syn) {
				o->flags |= ETP_RXO_SACK;
				o->sack_off = p - (const u8 *)th;
			}
		} else if (th->syn) {
			if (kind == ETP_OPT_MSS) {
				o->mss = max_t(u16, get_unaligned_be16(p + 2), ETP_MIN_MSS);
				o->flags |= ETP_RXO_MSS;
			} else if (kind == ETP_OPT_WSCALE) {
				o->wscale = min_t(u8, p[2], ETP_MAX_WSCALE);
				o->flags |= ETP_RXO_WSCALE;
			} else if (kind == ETP_OPT_SACK_PERM) {
				o->flags |= ETP_RXO_SACK_PERM;
			}
		}
		p += len;
		left -= len;
	}
}

/**
 * etp_parse_syn_options() - read the MSS and window scale options of a SYN
 * @skb: the segment, its header at skb->data
 * @mss: the MSS option, or ETP_DEFAULT_MSS without one
 * @wscale: the window scale option's shift, capped at 14 (RFC 7323 2.3)
 * @wscale_ok: whether the option was there
 */
void etp_parse_syn_options(const struct sk_buff *skb, u16 *mss, u8 *wscale,
			   bool *wscale_ok)
{
	struct etp_rx_opts o;

	etp_parse_options(skb, &o);
	*mss = o.mss;
	*wscale = o.wscale;
	*wscale_ok = o.flags & ETP_RXO_WSCALE;
}

/* The SACK blocks that fit in 40 bytes of options beside the timestamps. */
static u8 etp_opt_nsacks(const struct etp_hdr_args *h)
{
	return min_t(u8, h->nsacks, h->opt & ETP_HOPT_TS ? 3 : 4);
}

/**
 * etp_opt_len() - the length of the options etp_push_header() writes
 * @h: what the header says
 *
 * Return: bytes, a multiple of 4.
 */
unsigned int etp_opt_len(const struct etp_hdr_args *h)
{
	unsigned int len = h->opt & ETP_HOPT_TS ? ETP_TS_OPT_LEN : 0;

	if (!(h->flags & ETPHDR_SYN))
		return len + (h->nsacks ? 4 + 8 * etp_opt_nsacks(h) : 0);
	/* MSS; SACK permitted rides in the timestamps' NOPs, or has its own. */
	len += 4;
	if ((h->opt & (ETP_HOPT_TS | ETP_HOPT_SACK_PERM)) == ETP_HOPT_SACK_PERM)
		len += 4;
	/* The window scale, or (without timestamps, as ever) padding. */
	if (h->ws || !h->opt)
		len += 4;
	return len;
}

/**
 * etp_push_header() - push a segment's header in front of its payload
 * @skb: the segment, with headroom for the header (ETP_MAX_HEADER)
 * @h: what the header says: the options in TCP's layout and order
 *     (tcp_options_write()): a SYN's MSS, then SACK permitted and
 *     timestamps, then the window scale; other segments' timestamps, then
 *     SACK blocks
 *
 * The checksum is left at 0: etp_csum_partial() sets it up once the
 * addresses are known.
 */
void etp_push_header(struct sk_buff *skb, const struct etp_hdr_args *h)
{
	unsigned int hlen = ETP_HDR_LEN + etp_opt_len(h);
	struct tcphdr *th;
	__be32 *opt;

	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	memset(th, 0, ETP_HDR_LEN);
	th->source = h->sport;
	th->dest = h->dport;
	th->seq = htonl(h->seq);
	th->ack_seq = htonl(h->flags & ETPHDR_ACK ? h->ack : 0);
	th->doff = hlen / 4;
	etp_flag_byte(th) = h->flags;
	th->window = htons(h->window);
	opt = (__be32 *)(th + 1);
	if (h->flags & ETPHDR_SYN)
		*opt++ = htonl(ETP_OPT_MSS << 24 | 4 << 16 | h->mss);
	if (h->opt & ETP_HOPT_TS) {
		if (h->flags & ETPHDR_SYN && h->opt & ETP_HOPT_SACK_PERM)
			*opt++ = htonl(ETP_OPT_SACK_PERM << 24 | 2 << 16 |
				       ETP_OPT_TS << 8 | 10);
		else
			*opt++ = htonl(ETP_OPT_NOP << 24 | ETP_OPT_NOP << 16 |
				       ETP_OPT_TS << 8 | 10);
		*opt++ = htonl(h->tsval);
		*opt++ = htonl(h->tsecr);
	} else if (h->flags & ETPHDR_SYN && h->opt & ETP_HOPT_SACK_PERM) {
		*opt++ = htonl(ETP_OPT_NOP << 24 | ETP_OPT_NOP << 16 |
			       ETP_OPT_SACK_PERM << 8 | 2);
	}
	if (h->nsacks && !(h->flags & ETPHDR_SYN)) {
		const struct etp_sack_block *b = h->sacks;
		int i;

		*opt++ = htonl(ETP_OPT_NOP << 24 | ETP_OPT_NOP << 16 |
			       ETP_OPT_SACK << 8 | (2 + 8 * etp_opt_nsacks(h)));
		for (i = 0; i < etp_opt_nsacks(h); i++) {
			*opt++ = htonl(b[i].start);
			*opt++ = htonl(b[i].end);
		}
	}
	if (!(h->flags & ETPHDR_SYN))
		return;
	if (h->ws)
		*opt = htonl(ETP_OPT_NOP << 24 | ETP_OPT_WSCALE << 16 |
			     3 << 8 | h->wscale);
	else if (!h->opt)	/* the old layout's padding */
		*opt = htonl(0x01010101);
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
