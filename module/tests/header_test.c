// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the header (header.c): the SYN option parser on well-formed
 * lists, the caps of RFC 7323 2.3 and ETP_MIN_MSS, and malformed lists,
 * which end the parsing without reading past the header; every layout the
 * builder writes, read back; options of the wrong length. Included by
 * header.c.
 */
#include "selftest.h"

/*
 * Parse the options @opt (@len bytes, a multiple of 4 at most 40) of a
 * SYN; the skb holds 16 more bytes after them, which the parser must not
 * read as options.
 */
static int __init etp_parse_test(const u8 *opt, unsigned int len, u16 *mss,
				 u8 *wscale, bool *ok)
{
	struct sk_buff *skb = alloc_skb(sizeof(struct tcphdr) + 40 + 16, GFP_KERNEL);
	struct tcphdr *th;

	if (!skb)
		return -ENOMEM;
	th = skb_put_zero(skb, sizeof(*th));
	th->doff = (sizeof(*th) + len) / 4;
	th->syn = 1;
	skb_put_data(skb, opt, len);
	/* What follows the header: an MSS option that must not be seen. */
	memset(skb_put(skb, 16), 0, 16);
	skb->data[sizeof(*th) + len] = 2;
	skb->data[sizeof(*th) + len + 1] = 4;
	skb->data[sizeof(*th) + len + 2] = 0x12;
	etp_parse_syn_options(skb, mss, wscale, ok);
	kfree_skb(skb);
	return 0;
}

/* All of a segment's options (@syn: of a SYN) into @o. */
static int __init etp_parse_all_test(const u8 *opt, unsigned int len, bool syn,
				     struct etp_rx_opts *o)
{
	struct sk_buff *skb = alloc_skb(sizeof(struct tcphdr) + 40, GFP_KERNEL);
	struct tcphdr *th;

	if (!skb)
		return -ENOMEM;
	th = skb_put_zero(skb, sizeof(*th));
	th->doff = (sizeof(*th) + len) / 4;
	th->syn = syn;
	skb_put_data(skb, opt, len);
	etp_parse_options(skb, o);
	kfree_skb(skb);
	return 0;
}

/*
 * Every layout etp_push_header() writes (TCP's, tcp_options_write()), its
 * length as etp_opt_len() says, read back by etp_parse_options().
 */
static int __init etp_header_layout_test(void)
{
	static const struct {
		u8 flags, opt;
		bool ws;
		unsigned int len;
		u8 first[4];		/* the first option word after the MSS */
	} t[] = {
		{ ETPHDR_SYN, ETP_HOPT_TS | ETP_HOPT_SACK_PERM, true, 20, { 4, 2, 8, 10 } },
		{ ETPHDR_SYN, ETP_HOPT_TS, true, 20, { 1, 1, 8, 10 } },
		{ ETPHDR_SYN, ETP_HOPT_TS, false, 16, { 1, 1, 8, 10 } },
		{ ETPHDR_SYN, ETP_HOPT_SACK_PERM, true, 12, { 1, 1, 4, 2 } },
		{ ETPHDR_SYN | ETPHDR_ACK, 0, true, 8, { 1, 3, 3, 6 } },
		{ ETPHDR_ACK, ETP_HOPT_TS, false, 12, { 1, 1, 8, 10 } },
		{ ETPHDR_ACK | ETPHDR_FIN, 0, false, 0, { } },
		{ ETPHDR_ACK, ETP_HOPT_TS, false, 12 + 4 + 24, { 1, 1, 8, 10 } },
	};
	static const struct etp_sack_block blocks[3] = {
		{ 0xfffffff0, 0x10 }, { 100, 200 }, { 300, 400 },
	};
	struct etp_hdr_args h = {
		.sport = htons(1), .dport = htons(2), .mss = 1448, .wscale = 6,
		.tsval = 0xfffffff0, .tsecr = 0x10,
	};
	struct sk_buff *skb = alloc_skb(ETP_MAX_HEADER, GFP_KERNEL);
	struct etp_rx_opts o;
	int checks = 0, i;
	const u8 *p;

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, ETP_MAX_HEADER);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		h.flags = t[i].flags;
		h.opt = t[i].opt;
		h.ws = t[i].ws;
		/* The last: timestamps and three SACK blocks, a 60-byte header. */
		h.nsacks = i == ARRAY_SIZE(t) - 1 ? 3 : 0;
		h.sacks = blocks;
		ETP_CHECK(etp_opt_len(&h) == t[i].len);
		etp_push_header(skb, &h);
		ETP_CHECK(skb->len == ETP_HDR_LEN + t[i].len &&
			  etp_hdr(skb)->doff * 4 == skb->len);
		p = skb->data + ETP_HDR_LEN + (h.flags & ETPHDR_SYN ? 4 : 0);
		if (t[i].len)
			ETP_CHECK(!memcmp(p, t[i].first, 4));
		etp_parse_options(skb, &o);
		ETP_CHECK(!(o.flags & ETP_RXO_BAD));
		if (h.nsacks)
			ETP_CHECK(!memcmp(p + 12, (u8 []){ 1, 1, 5, 26 }, 4) &&
				  get_unaligned_be32(p + 16) == 0xfffffff0 &&
				  get_unaligned_be32(p + 36) == 400);
		ETP_CHECK(!!(o.flags & ETP_RXO_TS) == !!(h.opt & ETP_HOPT_TS));
		if (h.opt & ETP_HOPT_TS)
			ETP_CHECK(o.tsval == h.tsval && o.tsecr == h.tsecr);
		if (h.flags & ETPHDR_SYN) {
			ETP_CHECK(o.mss == 1448 && (o.flags & ETP_RXO_MSS));
			ETP_CHECK(!!(o.flags & ETP_RXO_SACK_PERM) ==
				  !!(h.opt & ETP_HOPT_SACK_PERM));
			ETP_CHECK(!!(o.flags & ETP_RXO_WSCALE) == h.ws);
		}
		skb_pull(skb, skb->len);
	}
	kfree_skb(skb);
	return checks;
}

/* Malformed or misplaced options: ignored, and said (ETP_RXO_BAD). */
static int __init etp_header_bad_opts_test(void)
{
	static const u8 ts_short[] = { 1, 1, 8, 8, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const u8 ts_long[] = { 1, 8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	static const u8 ts_ok[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const u8 sackperm_long[] = { 1, 4, 3, 0 };
	static const u8 sack_odd[] = { 1, 1, 5, 11, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const u8 sack_ok[] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const u8 len_one[] = { 1, 1, 8, 1 };
	struct etp_rx_opts o;
	int checks = 0;

	ETP_CHECK(!etp_parse_all_test(ts_short, sizeof(ts_short), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_BAD);
	ETP_CHECK(!etp_parse_all_test(ts_long, sizeof(ts_long), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_BAD);
	ETP_CHECK(!etp_parse_all_test(ts_ok, sizeof(ts_ok), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_TS && o.tsval == 1 && o.tsecr == 2);
	ETP_CHECK(!etp_parse_all_test(sackperm_long, sizeof(sackperm_long), true, &o));
	ETP_CHECK(o.flags == ETP_RXO_BAD);
	ETP_CHECK(!etp_parse_all_test(sack_odd, sizeof(sack_odd), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_BAD);
	ETP_CHECK(!etp_parse_all_test(sack_ok, sizeof(sack_ok), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_SACK && o.sack_off == ETP_HDR_LEN + 2);
	ETP_CHECK(!etp_parse_all_test(len_one, sizeof(len_one), false, &o));
	ETP_CHECK(o.flags == ETP_RXO_BAD);
	/* The SYN's options on another segment: not taken. */
	ETP_CHECK(!etp_parse_all_test((const u8 []){ 2, 4, 5, 0, 1, 1, 4, 2 }, 8, false, &o));
	ETP_CHECK(o.flags == 0 && o.mss == ETP_DEFAULT_MSS);
	return checks;
}

/* What etp_push_header() writes, etp_parse_syn_options() reads back. */
static int __init etp_header_build_test(void)
{
	struct etp_hdr_args h = {
		.sport = htons(5000), .dport = htons(40000), .seq = 0xfffffffe,
		.ack = 7, .flags = ETPHDR_SYN | ETPHDR_ACK, .window = 65535,
		.mss = 1460, .wscale = 9, .ws = true,
	};
	struct sk_buff *skb = alloc_skb(ETP_MAX_HEADER, GFP_KERNEL);
	const struct tcphdr *th;
	int checks = 0;
	u16 mss;
	u8 ws;
	bool ok;

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, ETP_MAX_HEADER);
	etp_push_header(skb, &h);
	th = etp_hdr(skb);
	ETP_CHECK(skb->len == ETP_HDR_LEN + 8 && th->doff * 4 == skb->len);
	ETP_CHECK(th->source == h.sport && th->dest == h.dport);
	ETP_CHECK(ntohl(th->seq) == h.seq && ntohl(th->ack_seq) == h.ack);
	ETP_CHECK(etp_flag_byte(th) == h.flags && ntohs(th->window) == h.window);
	etp_parse_syn_options(skb, &mss, &ws, &ok);
	ETP_CHECK(mss == 1460 && ws == 9 && ok);

	/* Without window scaling: no option, and no ACK number without ACK. */
	skb_pull(skb, skb->len);
	h.ws = false;
	h.flags = ETPHDR_SYN;
	etp_push_header(skb, &h);
	th = etp_hdr(skb);
	ETP_CHECK(th->ack_seq == 0 && etp_flag_byte(th) == ETPHDR_SYN);
	etp_parse_syn_options(skb, &mss, &ws, &ok);
	ETP_CHECK(mss == 1460 && !ok);

	/* Not a SYN: no options at all. */
	skb_pull(skb, skb->len);
	h.flags = ETPHDR_ACK;
	etp_push_header(skb, &h);
	ETP_CHECK(skb->len == ETP_HDR_LEN && etp_hdr(skb)->doff == 5);
	kfree_skb(skb);
	return checks;
}

int __init etp_header_selftest(void)
{
	static const u8 good[] = { 2, 4, 0x05, 0x78, 1, 3, 3, 7 };
	static const u8 big_ws[] = { 1, 3, 3, 15 };
	static const u8 tiny_mss[] = { 2, 4, 0, 20 };
	static const u8 unknown_first[] = { 30, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xb4 };
	static const u8 eol_first[] = { 0, 2, 4, 0x05, 0xb4, 0, 0, 0 };
	static const u8 len_zero[] = { 2, 0, 0x05, 0xb4 };
	static const u8 len_past_end[] = { 1, 1, 30, 8, 2, 4, 0x05, 0xb4 };
	static const u8 mss_bad_len[] = { 2, 3, 0x05, 1, 3, 3, 2, 0 };
	static const u8 lone_kind[] = { 1, 1, 1, 2 };
	static const u8 none[1];
	int checks = 0, n;
	u16 mss;
	u8 ws;
	bool ok;

	ETP_CHECK(!etp_parse_test(good, sizeof(good), &mss, &ws, &ok));
	ETP_CHECK(mss == 1400 && ws == 7 && ok);
	ETP_CHECK(!etp_parse_test(none, 0, &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS && ws == 0 && !ok);
	ETP_CHECK(!etp_parse_test(big_ws, sizeof(big_ws), &mss, &ws, &ok));
	ETP_CHECK(ws == ETP_MAX_WSCALE && ok && mss == ETP_DEFAULT_MSS);
	ETP_CHECK(!etp_parse_test(tiny_mss, sizeof(tiny_mss), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_MIN_MSS);
	ETP_CHECK(!etp_parse_test(unknown_first, sizeof(unknown_first), &mss, &ws, &ok));
	ETP_CHECK(mss == 1460 && !ok);
	/* End of options: what follows it is not read. */
	ETP_CHECK(!etp_parse_test(eol_first, sizeof(eol_first), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS);
	/* A length below 2 would loop or go back: the parsing ends. */
	ETP_CHECK(!etp_parse_test(len_zero, sizeof(len_zero), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS);
	/* An option longer than what is left ends it, before the MSS after. */
	ETP_CHECK(!etp_parse_test(len_past_end, sizeof(len_past_end), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS);
	/* An MSS of the wrong length is skipped; the next option still counts. */
	ETP_CHECK(!etp_parse_test(mss_bad_len, sizeof(mss_bad_len), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS && ws == 2 && ok);
	/* A kind with no room for its length byte. */
	ETP_CHECK(!etp_parse_test(lone_kind, sizeof(lone_kind), &mss, &ws, &ok));
	ETP_CHECK(mss == ETP_DEFAULT_MSS && !ok);
	n = etp_header_build_test();
	if (n < 0)
		return n;
	checks += n;
	n = etp_header_layout_test();
	if (n < 0)
		return n;
	checks += n;
	n = etp_header_bad_opts_test();
	if (n < 0)
		return n;
	return checks + n;
}
