// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the out-of-order queue (ofo.c) on a socket: segments in
 * descending, ascending and shuffled order come out in sequence order,
 * each once; one covered by what is kept is dropped, one that covers later
 * ones replaces them, a partial overlap stays; ooo_last is the highest;
 * across the sequence space's wrap; the memory is given back. Included by
 * ofo.c. And the SACK blocks they make: newest first, at most four, merged
 * as holes fill, gone once rcv_nxt passes them.
 */
#include "selftest.h"

/* A segment of @len bytes at @seq (no FIN), uncharged. */
static struct sk_buff *__init etp_ofo_seg(u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_put_zero(skb, len);
	memset(skb->cb, 0, sizeof(skb->cb));
	ETP_SKB_CB(skb)->seq = seq;
	ETP_SKB_CB(skb)->end_seq = seq + len;
	return skb;
}

/* The queue's segments in order: their (seq, end) must be @want. */
static bool __init etp_ofo_is(struct sock *sk, const u32 (*want)[2], int n)
{
	struct rb_node *p = rb_first(&etp_sk(sk)->ooo_root);
	int i = 0;

	for (; p; p = rb_next(p), i++) {
		struct sk_buff *skb = rb_to_skb(p);

		if (i >= n || ETP_SKB_CB(skb)->seq != want[i][0] ||
		    ETP_SKB_CB(skb)->end_seq != want[i][1])
			return false;
	}
	return i == n && (!n || ETP_SKB_CB(etp_sk(sk)->ooo_last)->seq == want[n - 1][0]);
}

int __init etp_ofo_selftest(struct sock *sk)
{
	static const u32 base = 0xfffffff0;	/* the queue straddles the wrap */
	static const u32 overlaps[][2] = {
		{ base + 10, base + 30 }, { base + 25, base + 40 }, { base + 60, base + 70 },
	};
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;
	int checks = 0, i, n;
	u32 want[64][2];

	ep->rcv_nxt = base;
	/* Descending, one byte each: each insert a search, not a walk. */
	for (i = 63; i >= 0; i--) {
		skb = etp_ofo_seg(base + 1 + 2 * i, 1);
		ETP_CHECK(skb && etp_ofo_insert(sk, skb));
		want[i][0] = base + 1 + 2 * i;
		want[i][1] = base + 2 + 2 * i;
	}
	ETP_CHECK(etp_ofo_is(sk, want, 64));
	/* The same again: covered, dropped. */
	skb = etp_ofo_seg(base + 5, 1);
	ETP_CHECK(skb && !etp_ofo_insert(sk, skb));
	/* Out in order as rcv_nxt reaches them. */
	ETP_CHECK(!etp_ofo_next(sk));
	for (i = 0, n = 0; i < 64; i++) {
		ep->rcv_nxt = base + 1 + 2 * i;
		skb = etp_ofo_next(sk);
		ETP_CHECK(skb && ETP_SKB_CB(skb)->seq == ep->rcv_nxt);
		kfree_skb(skb);
		n++;
	}
	ETP_CHECK(n == 64 && etp_ofo_empty(sk) && !ep->ooo_last);

	/* Overlaps: covered goes, covering replaces, partial stays. */
	ep->rcv_nxt = base;
	ETP_CHECK((skb = etp_ofo_seg(base + 10, 10)) && etp_ofo_insert(sk, skb));
	ETP_CHECK((skb = etp_ofo_seg(base + 25, 15)) && etp_ofo_insert(sk, skb));
	ETP_CHECK((skb = etp_ofo_seg(base + 60, 10)) && etp_ofo_insert(sk, skb));
	ETP_CHECK((skb = etp_ofo_seg(base + 12, 5)) && !etp_ofo_insert(sk, skb));
	/* base+10..30 covers base+10..20 and overlaps base+25..40. */
	ETP_CHECK((skb = etp_ofo_seg(base + 10, 20)) && etp_ofo_insert(sk, skb));
	ETP_CHECK(etp_ofo_is(sk, overlaps, 3));
	/* One that covers the last two: ooo_last follows. */
	ETP_CHECK((skb = etp_ofo_seg(base + 25, 50)) && etp_ofo_insert(sk, skb));
	ETP_CHECK(ETP_SKB_CB(ep->ooo_last)->seq == base + 25 &&
		  ETP_SKB_CB(ep->ooo_last)->end_seq == base + 75);
	/* rcv_nxt past the first: it is freed on the way, the next returned. */
	ep->rcv_nxt = base + 31;
	skb = etp_ofo_next(sk);
	ETP_CHECK(skb && ETP_SKB_CB(skb)->seq == base + 25);
	kfree_skb(skb);
	ETP_CHECK(etp_ofo_empty(sk));

	/* Appended after the last: coalesced where the memory allows. */
	ep->rcv_nxt = base;
	ETP_CHECK((skb = etp_ofo_seg(base + 100, 100)) && etp_ofo_insert(sk, skb));
	ETP_CHECK((skb = etp_ofo_seg(base + 200, 100)) && etp_ofo_insert(sk, skb));
	ETP_CHECK(ETP_SKB_CB(ep->ooo_last)->end_seq == base + 300);
	etp_ofo_purge(sk);
	ETP_CHECK(etp_ofo_empty(sk) && !ep->ooo_last);

	/* SACK blocks: newest first, a fifth forgotten, merged, removed. */
	ep->sack_ok = 1;
	ep->rcv_nxt = base;
	for (i = 1; i <= 5; i++)
		ETP_CHECK((skb = etp_ofo_seg(base + 100 * i, 10)) && etp_ofo_insert(sk, skb));
	ETP_CHECK(ep->num_sacks == ETP_NUM_SACKS && ep->sack[0].start == base + 500 &&
		  ep->sack[3].start == base + 200);
	/* One joining the blocks at 200 and 300 moves them, merged, to the front. */
	ETP_CHECK((skb = etp_ofo_seg(base + 210, 90)) && etp_ofo_insert(sk, skb));
	ETP_CHECK(ep->num_sacks == 3 && ep->sack[0].start == base + 200 &&
		  ep->sack[0].end == base + 310 && ep->sack[1].start == base + 500);
	/* rcv_nxt reaches 310: the merged block goes, the others stay. */
	while ((skb = rb_first(&ep->ooo_root) ? rb_to_skb(rb_first(&ep->ooo_root)) : NULL) &&
	       ETP_SKB_CB(skb)->seq != base + 400) {
		rb_erase(&skb->rbnode, &ep->ooo_root);
		kfree_skb(skb);
	}
	ep->rcv_nxt = base + 310;
	etp_sack_remove(sk);
	ETP_CHECK(ep->num_sacks == 2 && ep->sack[0].start == base + 500 &&
		  ep->sack[1].start == base + 400);
	etp_ofo_purge(sk);
	ETP_CHECK(!ep->num_sacks);
	ep->sack_ok = 0;
	sk_mem_reclaim(sk);
	ETP_CHECK(!atomic_read(&sk->sk_rmem_alloc));
	return checks;
}
