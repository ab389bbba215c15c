// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the retransmission queue (output.c) on a socket: skbs put
 * in out of order come out by sequence number; a timeout's marks take
 * everything in flight for lost, and sending one again counts it once in
 * retrans_out, so that etp_in_flight() is RFC 6675's pipe; a split keeps
 * the marks on both halves and the counts whole; an acknowledged skb takes
 * its bytes out of them; a second timeout starts the retransmitted count
 * over; a retransmission's TSval, not the clock's after it, is what undo
 * compares echoes with. Included by output.c.
 */
#include "selftest.h"

/* A sent skb of @len bytes at @seq, charged as the write queue's are. */
static struct sk_buff *__init etp_rtx_seg(struct sock *sk, u32 seq, u32 len)
{
	struct sk_buff *skb = alloc_skb_fclone(ETP_MAX_HEADER + len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reserve(skb, ETP_MAX_HEADER);
	skb_put_zero(skb, len);
	memset(skb->cb, 0, sizeof(skb->cb));
	ETP_SKB_CB(skb)->seq = seq;
	ETP_SKB_CB(skb)->end_seq = seq + len;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return skb;
}

/* The queue's skbs in order: their starts must be @want. */
static bool __init etp_rtx_is(struct sock *sk, const u32 *want, int n)
{
	struct sk_buff *skb;
	int i = 0;

	skb_rbtree_walk(skb, &etp_sk(sk)->rtx_root)
		if (i >= n || ETP_SKB_CB(skb)->seq != want[i++])
			return false;
	return i == n;
}

int __init etp_rtx_selftest(struct sock *sk)
{
	static const u32 order[] = { 1200, 1000, 1300, 1100 };
	static const u32 sorted[] = { 1000, 1100, 1200, 1300 };
	static const u32 split[] = { 1000, 1040, 1100, 1200, 1300 };
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;
	int checks = 0, i;
	u16 mss;

	ep->snd_una = 1000;
	ep->snd_nxt = 1400;
	ep->snd_max = 1400;
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		skb = etp_rtx_seg(sk, order[i], 100);
		ETP_CHECK(skb);
		etp_rtx_insert(sk, skb);
	}
	ETP_CHECK(etp_rtx_is(sk, sorted, 4));
	ETP_CHECK(ETP_SKB_CB(etp_rtx_head(sk))->seq == 1000);
	ETP_CHECK(etp_in_flight(ep) == 400 && !etp_lost_unsent(ep));

	/* A timeout: nothing is in the network any more, all of it to send. */
	etp_mark_all_lost(sk);
	ETP_CHECK(ep->lost_out == 400 && !ep->retrans_out);
	ETP_CHECK(!etp_in_flight(ep) && etp_lost_unsent(ep) == 400);
	skb = etp_rtx_head(sk);
	etp_rtx_mark_sent(ep, ETP_SKB_CB(skb));
	ETP_CHECK(ep->retrans_out == 100 && etp_in_flight(ep) == 100 &&
		  etp_lost_unsent(ep) == 300);
	ETP_CHECK(ETP_SKB_CB(skb)->sacked ==
		  (ETP_SACKED_LOST | ETP_SACKED_RETRANS | ETP_EVER_RETRANS));
	/* Sent a third time (the probe timer's): counted once. */
	etp_rtx_mark_sent(ep, ETP_SKB_CB(skb));
	ETP_CHECK(ep->retrans_out == 100);

	/* Split: both halves marked, the byte counts unchanged. */
	ETP_CHECK(!etp_fragment(sk, skb, 40));
	ETP_CHECK(etp_rtx_is(sk, split, 5));
	ETP_CHECK(ETP_SKB_CB(skb_rb_next(skb))->sacked == ETP_SKB_CB(skb)->sacked);
	ETP_CHECK(ep->lost_out == 400 && ep->retrans_out == 100);

	/* 1000..1040 acknowledged: its bytes leave both counts. */
	etp_rtx_unlink_free(sk, skb);
	ep->snd_una = 1040;
	ETP_CHECK(ep->lost_out == 360 && ep->retrans_out == 60 &&
		  etp_in_flight(ep) == 60);
	ETP_CHECK(etp_rtx_is(sk, split + 1, 4));

	/* A second timeout: what went again is lost again, to send again. */
	etp_mark_all_lost(sk);
	ETP_CHECK(ep->lost_out == 360 && !ep->retrans_out);
	skb_rbtree_walk(skb, &ep->rtx_root)
		ETP_CHECK(ETP_SKB_CB(skb)->sacked & ETP_SACKED_LOST &&
			  !(ETP_SKB_CB(skb)->sacked & ETP_SACKED_RETRANS));

	/*
	 * Sent again: the episode's undo_tsval is the TSval the segment
	 * carried (etp_transmit_skb() keeps it in the cb), not the clock's
	 * when the send returned: an echo of that TSval answers the
	 * retransmission, and must not look older (a needless undo).
	 */
	skb = etp_rtx_head(sk);
	ETP_SKB_CB(skb)->tsval = etp_tsval(sk);
	ep->ts_off += 5;		/* the clock moved on during the send */
	ep->undo_ts = 0;
	mss = ep->mss;
	ep->mss = 100;
	etp_sent(sk, skb);
	ep->mss = mss;
	ep->ts_off -= 5;
	ETP_CHECK(ep->undo_ts && ep->undo_tsval == ETP_SKB_CB(skb)->tsval &&
		  ep->retrans_out == 60);

	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	ETP_CHECK(!ep->lost_out && !ep->retrans_out && RB_EMPTY_ROOT(&ep->rtx_root));
	sk_mem_reclaim(sk);
	ETP_CHECK(!sk->sk_wmem_queued);
	ep->snd_una = 0;
	ep->snd_nxt = 0;
	ep->snd_max = 0;
	ep->undo_ts = 0;
	ep->undo_retrans = -1;
	return checks;
}
