// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the scoreboard (sack.c) on a socket: an ACK's blocks mark
 * the skbs they cover and take them out of the lost and retransmitted
 * counts; an skb of many segments is cut at a segment's edge where a block
 * ends inside it, and one a block covers only in part stays unmarked;
 * blocks at or below SND.UNA or past SND.MAX mark nothing; a first block
 * below the ACK, or inside the second, is a D-SACK; a timeout does not
 * take what was SACKed for lost; an ACK that ends at a SACKed skb shows
 * the peer reneged, and the scoreboard can be forgotten; SACKs below what
 * was SACKed raise the reordering threshold; D-SACKs of retransmitted
 * data count down what undo waits for. Included by sack.c.
 */
#include "selftest.h"

#define ETP_ST_MSS	100

/* A sent skb of @len bytes at @seq, charged as the write queue's are. */
static struct sk_buff *__init etp_sack_seg(struct sock *sk, u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb_fclone(ETP_MAX_HEADER, GFP_KERNEL);
	struct rb_node **p = &etp_sk(sk)->rtx_root.rb_node, *parent = NULL;
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

	if (!skb || !page) {
		kfree_skb(skb);
		if (page)
			__free_page(page);
		return NULL;
	}
	skb_reserve(skb, ETP_MAX_HEADER);
	/* In a page, as the write queue's data: etp_fragment() splits frags. */
	skb_fill_page_desc(skb, 0, page, 0, len);
	skb->len += len;
	skb->data_len += len;
	skb->truesize += PAGE_SIZE;
	memset(skb->cb, 0, sizeof(skb->cb));
	ETP_SKB_CB(skb)->seq = seq;
	ETP_SKB_CB(skb)->end_seq = seq + len;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	while (*p) {
		parent = *p;
		if (etp_before(seq, ETP_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &etp_sk(sk)->rtx_root);
	return skb;
}

/* An ACK of @ack with the SACK blocks @b (@n of them) + @base, header only. */
static struct sk_buff *__init etp_sack_ack(u32 base, u32 ack, const u32 (*b)[2],
					   int n)
{
	struct sk_buff *skb = alloc_skb(ETP_HDR_LEN + 40, GFP_KERNEL);
	u8 *opt;
	int i;

	if (!skb)
		return NULL;
	memset(skb->cb, 0, sizeof(skb->cb));
	skb_reset_transport_header(skb);
	memset(skb_put(skb, ETP_HDR_LEN), 0, ETP_HDR_LEN);
	opt = skb_put(skb, 2 + 8 * n);
	opt[0] = ETP_OPT_SACK;
	opt[1] = 2 + 8 * n;
	for (i = 0; i < n; i++) {
		put_unaligned_be32(base + b[i][0], opt + 2 + 8 * i);
		put_unaligned_be32(base + b[i][1], opt + 6 + 8 * i);
	}
	ETP_SKB_CB(skb)->ack_seq = base + ack;
	ETP_SKB_CB(skb)->rx_opts = ETP_RXO_SACK;
	ETP_SKB_CB(skb)->sack_off = ETP_HDR_LEN;
	return skb;
}

/* Tag an ACK's blocks; the bytes newly marked in *@sacked. */
static int __init etp_sack_try(struct sock *sk, u32 base, u32 ack,
			       const u32 (*b)[2], int n, u32 *sacked)
{
	struct sk_buff *skb = etp_sack_ack(base, ack, b, n);
	int ret;

	if (!skb)
		return -ENOMEM;
	*sacked = 0;
	ret = etp_sack_tag(sk, skb, sacked);
	kfree_skb(skb);
	return ret;
}

/* The queue as (seq, end, sacked) triples must be @want, + @base. */
static bool __init etp_sack_is(struct sock *sk, u32 base, const u32 (*want)[3],
			       int n)
{
	struct sk_buff *skb;
	int i = 0;

	skb_rbtree_walk(skb, &etp_sk(sk)->rtx_root) {
		const struct etp_skb_cb *cb = ETP_SKB_CB(skb);

		if (i >= n || cb->seq != base + want[i][0] ||
		    cb->end_seq != base + want[i][1] ||
		    !(cb->sacked & ETP_SACKED_ACKED) != !want[i][2])
			return false;
		i++;
	}
	return i == n;
}

/* Segments of 100 bytes from @from to @to sent, none acknowledged. */
static bool __init etp_sack_sent(struct sock *sk, u32 from, u32 to)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 seq;

	ep->snd_una = from;
	ep->snd_nxt = to;
	ep->snd_max = to;
	for (seq = from; seq != to; seq += 100)
		if (!etp_sack_seg(sk, seq, 100))
			return false;
	return true;
}

/* Empty the retransmission queue; true if nothing is left counted. */
static bool __init etp_sack_drain(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	sk_mem_reclaim(sk);
	return !ep->sacked_out && !ep->lost_out && !ep->retrans_out;
}

/* The checks, with every sequence number + @base. */
static int __init etp_sack_run(struct sock *sk, u32 base)
{
	/* 1000..1100, 1100..1200, then 1200..1700 as one skb of 5 segments */
	static const u32 gap[][2] = { { 1100, 1200 } };
	static const u32 inside[][2] = { { 1350, 1550 } };
	static const u32 part[][2] = { { 1560, 1650 } };
	static const u32 old[][2] = { { 1000, 1100 }, { 1100, 1200 } };
	static const u32 bad[][2] = { { 1650, 1800 }, { 1300, 1250 } };
	static const u32 dup2[][2] = { { 1400, 1500 }, { 1300, 1600 } };
	static const u32 after_gap[][3] = {
		{ 1000, 1100, 0 }, { 1100, 1200, 1 }, { 1200, 1700, 0 },
	};
	static const u32 after_inside[][3] = {
		{ 1000, 1100, 0 }, { 1100, 1200, 1 }, { 1200, 1400, 0 },
		{ 1400, 1500, 1 }, { 1500, 1700, 0 },
	};
	static const u32 after_part[][3] = {
		{ 1000, 1100, 0 }, { 1100, 1200, 1 }, { 1200, 1400, 0 },
		{ 1400, 1500, 1 }, { 1500, 1600, 0 }, { 1600, 1700, 0 },
	};
	/* After the D-SACK step cut 1200..1400, the head gone, unmarked. */
	static const u32 forgotten[][3] = {
		{ 1100, 1200, 0 }, { 1200, 1300, 0 }, { 1300, 1400, 0 },
		{ 1400, 1500, 0 }, { 1500, 1600, 0 }, { 1600, 1700, 0 },
	};
	struct etp_sock *ep = etp_sk(sk);
	u32 sacked;
	int checks = 0;

	ep->snd_una = base + 1000;
	ep->snd_nxt = base + 1700;
	ep->snd_max = base + 1700;
	ep->recover = base + 1200;	/* F-RTO's: what was sent before */
	ETP_CHECK(etp_sack_seg(sk, base + 1000, 100) &&
		  etp_sack_seg(sk, base + 1100, 100) &&
		  etp_sack_seg(sk, base + 1200, 500));
	etp_mark_all_lost(sk);
	ETP_CHECK(ep->lost_out == 700 && !etp_in_flight(ep));
	/* The head sent again (as etp_sent() marks it): in flight again. */
	ETP_SKB_CB(etp_rtx_head(sk))->sacked |= ETP_SACKED_RETRANS;
	ep->retrans_out += 100;
	ETP_CHECK(ep->retrans_out == 100 && etp_in_flight(ep) == 100);

	/*
	 * A whole skb SACKed: out of the lost bytes, into the sacked ones.
	 * Sent once, below recover: an original arrived (ETP_ACK_ORIG).
	 */
	ETP_CHECK(etp_sack_try(sk, base, 1000, gap, 1, &sacked) ==
		  (ETP_SACK_NEW | ETP_ACK_ORIG) && sacked == 100);
	ETP_CHECK(etp_sack_is(sk, base, after_gap, 3));
	ETP_CHECK(ep->sacked_out == 100 && ep->lost_out == 600 &&
		  etp_in_flight(ep) == 100);
	/* The same again: nothing new. */
	ETP_CHECK(etp_sack_try(sk, base, 1000, gap, 1, &sacked) == 0 && !sacked);

	/* 1350..1550 inside the large skb: only the segment 1400..1500 is whole in it. */
	ETP_CHECK(etp_sack_try(sk, base, 1000, inside, 1, &sacked) == ETP_SACK_NEW &&
		  sacked == 100);
	ETP_CHECK(etp_sack_is(sk, base, after_inside, 5));
	ETP_CHECK(ep->sacked_out == 200 && ep->lost_out == 500);
	/*
	 * No whole segment of 1500..1700: nothing marked; the skb is cut at
	 * the segment's edge after the block's start, as TCP cuts it.
	 */
	ETP_CHECK(etp_sack_try(sk, base, 1000, part, 1, &sacked) == 0 && !sacked);
	ETP_CHECK(etp_sack_is(sk, base, after_part, 6));

	/* Below the ACK: a D-SACK, which marks nothing. */
	ETP_CHECK(etp_sack_try(sk, base, 1100, old, 2, &sacked) == ETP_SACK_DSACK && !sacked);
	/* Past SND.MAX, or reversed: ignored. */
	ETP_CHECK(etp_sack_try(sk, base, 1000, bad, 2, &sacked) == 0 && !sacked);
	/* The first block inside the second: a D-SACK; the second marks. */
	ETP_CHECK(etp_sack_try(sk, base, 1000, dup2, 2, &sacked) ==
		  (ETP_SACK_DSACK | ETP_SACK_NEW) && sacked == 200);
	ETP_CHECK(ep->sacked_out == 400 && ep->lost_out == 300);

	/* A timeout takes for lost only what the peer has not SACKed. */
	etp_mark_all_lost(sk);
	ETP_CHECK(ep->lost_out == 300 && !ep->retrans_out && ep->sacked_out == 400);
	ETP_CHECK(!etp_sack_reneged(sk));

	/* An ACK of the head alone: the SACKed 1100..1200 is next, reneged. */
	etp_rtx_unlink_free(sk, etp_rtx_head(sk));
	ep->snd_una = base + 1100;
	ETP_CHECK(etp_sack_reneged(sk) && ep->lost_out == 200);
	/* Forgotten, every mark goes: the next timeout takes all for lost. */
	etp_sack_forget(sk);
	ETP_CHECK(!ep->sacked_out && etp_sack_is(sk, base, forgotten, 6));
	etp_mark_all_lost(sk);
	ETP_CHECK(ep->lost_out == 600 && !etp_in_flight(ep));

	ETP_CHECK(etp_sack_drain(sk));
	return checks;
}

/*
 * Reordering (tcp_check_sack_reordering()): data sent once and SACKed
 * below what was SACKed before came late; ep->reordering rises to the
 * distance, in segments, when that is more than it was.
 */
static int __init etp_sack_reorder_run(struct sock *sk)
{
	static const u32 top[][2] = { { 5600, 5700 } };
	static const u32 late[][2] = { { 5100, 5200 } };
	static const u32 later[][2] = { { 5200, 5300 } };
	struct etp_sock *ep = etp_sk(sk);
	u32 sacked;
	int checks = 0;

	ep->reord_seen = 0;
	ep->recover = 5000;
	ETP_CHECK(etp_sack_sent(sk, 5000, 5700));
	ETP_CHECK(etp_sack_try(sk, 0, 5000, top, 1, &sacked) == ETP_SACK_NEW &&
		  ep->reordering == 3 && !ep->reord_seen);
	/* 5100 five segments below 5600: reordering 5. */
	ETP_CHECK(etp_sack_try(sk, 0, 5000, late, 1, &sacked) == ETP_SACK_NEW &&
		  ep->reordering == 5 && ep->reord_seen == 1);
	/* 5200, four below: seen, but no more than 5. */
	ETP_CHECK(etp_sack_try(sk, 0, 5000, later, 1, &sacked) == ETP_SACK_NEW &&
		  ep->reordering == 5 && ep->reord_seen == 2);
	ETP_CHECK(etp_sack_drain(sk));
	return checks;
}

/*
 * D-SACKs for undo (tcp_check_dsack()): a block below SND.UNA counts its
 * bytes above undo_marker; one above counts what it covers of skbs sent
 * more than once; none counts once undo is off, and undo_retrans stops
 * at 0.
 */
static int __init etp_sack_undo_run(struct sock *sk)
{
	static const u32 below[][2] = { { 4900, 5000 } };
	static const u32 older[][2] = { { 4800, 4900 } };
	static const u32 above[][2] = { { 5100, 5300 }, { 5100, 5400 } };
	static const u32 plain[][2] = { { 5200, 5300 }, { 5200, 5400 } };
	struct etp_sock *ep = etp_sk(sk);
	u32 sacked;
	int checks = 0;

	ep->max_window = 65535;
	ep->recover = 5000;
	ETP_CHECK(etp_sack_sent(sk, 5000, 5400));
	/* 5100 went twice; the episode began at 4900. */
	ETP_SKB_CB(skb_rb_next(etp_rtx_head(sk)))->sacked |= ETP_EVER_RETRANS;
	ep->undo_on = 1;
	ep->undo_marker = 4900;
	ep->undo_retrans = 250;
	ETP_CHECK(etp_sack_try(sk, 0, 5000, older, 1, &sacked) == ETP_SACK_DSACK &&
		  ep->undo_retrans == 250);
	ETP_CHECK(etp_sack_try(sk, 0, 5000, below, 1, &sacked) == ETP_SACK_DSACK &&
		  ep->undo_retrans == 150);
	/* 5100..5300 over 5100 (twice) and 5200 (once): 100 more. */
	ETP_CHECK(etp_sack_try(sk, 0, 5000, above, 2, &sacked) ==
		  (ETP_SACK_DSACK | ETP_SACK_NEW) && ep->undo_retrans == 50);
	ETP_CHECK(etp_sack_try(sk, 0, 5000, plain, 2, &sacked) == ETP_SACK_DSACK &&
		  ep->undo_retrans == 50);
	ETP_CHECK(etp_sack_try(sk, 0, 5000, below, 1, &sacked) == ETP_SACK_DSACK &&
		  ep->undo_retrans == 0);
	ep->undo_on = 0;
	ep->undo_retrans = 100;
	ETP_CHECK(etp_sack_try(sk, 0, 5000, below, 1, &sacked) == ETP_SACK_DSACK &&
		  ep->undo_retrans == 100);
	ep->undo_retrans = -1;
	ep->max_window = 0;
	ETP_CHECK(etp_sack_drain(sk));
	return checks;
}

int __init etp_sack_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 mss = ep->mss, reordering = ep->reordering;
	int a, b;

	ep->mss = ETP_ST_MSS;
	ep->reordering = 3;
	a = etp_sack_run(sk, 0);
	/* Again across the wrap: 1300 is 2^32, the large skb spans it. */
	b = a < 0 ? a : etp_sack_run(sk, -1300U);
	if (b >= 0) {
		a += b;
		b = etp_sack_reorder_run(sk);
	}
	if (b >= 0) {
		a += b;
		b = etp_sack_undo_run(sk);
	}
	ep->reordering = reordering;
	ep->mss = mss;
	ep->snd_una = 0;
	ep->snd_nxt = 0;
	ep->snd_max = 0;
	ep->recover = 0;
	return b < 0 ? b : a + b;
}
