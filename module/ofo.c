// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's out-of-order queue: segments that arrived beyond a hole,
 * kept in an rbtree by sequence number (as TCP's out_of_order_queue,
 * tcp_data_queue_ofo()), so that each insert costs O(log n) wherever it
 * lands: a peer sending small segments in descending order cannot make
 * softirq work quadratic, as a list's walk from the end would.
 *
 * The common case, the next segment after the last one kept, is found from
 * ooo_last without a search, and joins it where its memory allows
 * (skb_try_coalesce()). A segment entirely covered by one already kept is
 * dropped; one that covers later ones replaces them. Partial overlaps stay
 * as they are: the data may be in page fragments, which cannot be pulled,
 * and the reader skips what it has read (it reads from copied_seq).
 *
 * input.c takes segments out again in order (etp_ofo_next()) once rcv_nxt
 * reaches them, and queues them itself, so that a FIN among them still goes
 * to the state table above. Callers hold the socket's lock; the skbs' dst
 * is dropped before they come here (its reference and memory are not kept
 * for data that may wait long; skb->rbnode overlays next, prev and dev).
 *
 * With SACK (RFC 2018) the queue's contents are also reported: up to four
 * blocks (three beside timestamps) that output.c writes on every pure ACK,
 * the newest first, kept as TCP's tcp_sack_new_ofo_skb() and
 * tcp_sack_remove() keep theirs. Pruning forgets them (reneging). Data
 * received twice goes in a D-SACK block (RFC 2883) ahead of them, once.
 */
#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "etp.h"

/* Grow @b to cover seq..end_seq if they touch or overlap (tcp_sack_extend()). */
static bool etp_sack_extend(struct etp_sack_block *b, u32 seq, u32 end_seq)
{
	if (etp_after(seq, b->end) || etp_after(b->start, end_seq))
		return false;
	if (etp_before(seq, b->start))
		b->start = seq;
	if (etp_after(end_seq, b->end))
		b->end = end_seq;
	return true;
}

/*
 * The first block grew: merge those it now reaches into it
 * (tcp_sack_maybe_coalesce()).
 */
static void etp_sack_coalesce(struct etp_sock *ep)
{
	struct etp_sack_block *b = ep->sack;
	int i = 1, j;

	while (i < ep->num_sacks) {
		if (!etp_sack_extend(&b[0], b[i].start, b[i].end)) {
			i++;
			continue;
		}
		ep->num_sacks--;
		for (j = i; j < ep->num_sacks; j++)
			b[j] = b[j + 1];
	}
}

/*
 * RFC 2018 4: the block of the segment just kept goes first, the others
 * follow most recent first; a fifth is forgotten (tcp_sack_new_ofo_skb()).
 */
static void etp_sack_new_ofo(struct etp_sock *ep, u32 seq, u32 end_seq)
{
	struct etp_sack_block *b = ep->sack, tmp;
	int i, n = ep->num_sacks;

	for (i = 0; i < n; i++) {
		if (!etp_sack_extend(&b[i], seq, end_seq))
			continue;
		tmp = b[i];
		for (; i > 0; i--)
			b[i] = b[i - 1];
		b[0] = tmp;
		etp_sack_coalesce(ep);
		return;
	}
	if (n == ETP_NUM_SACKS)
		n--;
	for (i = n; i > 0; i--)
		b[i] = b[i - 1];
	b[0].start = seq;
	b[0].end = end_seq;
	ep->num_sacks = n + 1;
}

/**
 * etp_sack_remove() - forget the SACK blocks that rcv_nxt has reached
 * @sk: the socket, locked
 *
 * As tcp_sack_remove(); all of them once nothing waits beyond a hole.
 */
void etp_sack_remove(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int i = 0, j;

	if (etp_ofo_empty(sk)) {
		ep->num_sacks = 0;
		return;
	}
	while (i < ep->num_sacks) {
		struct etp_sack_block *b = &ep->sack[i];

		if (etp_before(ep->rcv_nxt, b->start)) {
			i++;
			continue;
		}
		/* Partly read: what is left still waits beyond the hole. */
		if (etp_before(ep->rcv_nxt, b->end)) {
			b->start = ep->rcv_nxt;
			i++;
			continue;
		}
		ep->num_sacks--;
		for (j = i; j < ep->num_sacks; j++)
			ep->sack[j] = ep->sack[j + 1];
	}
}

/*
 * RFC 2883: report @seq..@end_seq, received again, in a D-SACK block first
 * on the next pure ACK; with @extend, one pending grows to take it in if
 * they touch, else stays as it is (tcp_dsack_set(), tcp_dsack_extend()).
 */
static void __etp_dsack_set(struct sock *sk, u32 seq, u32 end_seq, bool extend)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!ep->sack_ok || !READ_ONCE(etp_sk_pernet(sk)->sysctl.dsack))
		return;
	if (extend && ep->dsack) {
		etp_sack_extend(&ep->dsack_blk, seq, end_seq);
		return;
	}
	etp_mib_add(sock_net(sk), etp_before(seq, ep->rcv_nxt) ?
		    ETP_MIB_DSACKOldSent : ETP_MIB_DSACKOfoSent, 1);
	ep->dsack_blk.start = seq;
	ep->dsack_blk.end = end_seq;
	ep->dsack = 1;
}

/**
 * etp_dsack_set() - report data received twice (RFC 2883)
 * @sk: the socket, locked
 * @seq: the duplicate's first sequence number
 * @end_seq: and the one after its last
 *
 * Counted in DSACKOldSent (below RCV.NXT) or DSACKOfoSent (beyond a hole).
 */
void etp_dsack_set(struct sock *sk, u32 seq, u32 end_seq)
{
	__etp_dsack_set(sk, seq, end_seq, false);
}

/* Free @skb, kept in the queue and charged to the socket. */
static void etp_ofo_free(struct sock *sk, struct sk_buff *skb)
{
	rb_erase(&skb->rbnode, &etp_sk(sk)->ooo_root);
	kfree_skb(skb);		/* skb_set_owner_r()'s destructor uncharges it */
}

/**
 * etp_ofo_insert() - keep a segment that arrived beyond a hole
 * @sk: the socket, locked
 * @skb: the segment, its header pulled, its dst dropped; taken
 *
 * Return: false if it was dropped (covered by what is kept, or no room);
 * the caller ACKs either way.
 */
bool etp_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 seq = ETP_SKB_CB(skb)->seq, end_seq = ETP_SKB_CB(skb)->end_seq;
	struct rb_node **p = &ep->ooo_root.rb_node, *parent = NULL;
	u16 segs = max_t(u16, skb_shinfo(skb)->gso_segs, 1);
	struct sk_buff *skb1, *next;

	/* The common case: right after the last one kept. */
	if (ep->ooo_last && !etp_before(seq, ETP_SKB_CB(ep->ooo_last)->end_seq)) {
		if (etp_rmem_coalesce(sk, ep->ooo_last, skb))
			goto kept;
		if (!etp_rmem_charge(sk, skb))
			goto drop;
		parent = &ep->ooo_last->rbnode;
		p = &parent->rb_right;
		goto insert;
	}
	while (*p) {
		parent = *p;
		skb1 = rb_to_skb(parent);
		if (etp_before(seq, ETP_SKB_CB(skb1)->seq)) {
			p = &parent->rb_left;
			continue;
		}
		if (etp_before(seq, ETP_SKB_CB(skb1)->end_seq)) {
			/* Inside skb1: all of it already here. */
			if (!etp_after(end_seq, ETP_SKB_CB(skb1)->end_seq)) {
				ep->rcv_ooopack += segs;
				etp_dsack_set(sk, seq, end_seq);
				/* Its block goes first all the same (RFC 2883 4). */
				if (ep->sack_ok)
					etp_sack_new_ofo(ep, seq, end_seq);
				goto drop;
			}
			/* The same start, more data: skb takes skb1's place. */
			if (seq == ETP_SKB_CB(skb1)->seq) {
				if (!etp_rmem_charge(sk, skb))
					goto drop;
				rb_replace_node(&skb1->rbnode, &skb->rbnode,
						&ep->ooo_root);
				__etp_dsack_set(sk, seq, ETP_SKB_CB(skb1)->end_seq, true);
				kfree_skb(skb1);
				goto merge_right;
			}
			/* A partial overlap: that part came twice. */
			etp_dsack_set(sk, seq, ETP_SKB_CB(skb1)->end_seq);
		}
		p = &parent->rb_right;
	}
	if (!etp_rmem_charge(sk, skb))
		goto drop;
insert:
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &ep->ooo_root);
merge_right:
	/* Those that skb covers whole go; a partial overlap stays. */
	while ((next = skb_rb_next(skb))) {
		if (!etp_after(end_seq, ETP_SKB_CB(next)->seq) ||
		    etp_before(end_seq, ETP_SKB_CB(next)->end_seq))
			break;
		__etp_dsack_set(sk, ETP_SKB_CB(next)->seq, ETP_SKB_CB(next)->end_seq,
				true);
		etp_ofo_free(sk, next);
	}
	if (!next)
		ep->ooo_last = skb;
	else if (etp_after(end_seq, ETP_SKB_CB(next)->seq))
		__etp_dsack_set(sk, ETP_SKB_CB(next)->seq, end_seq, true);
kept:
	ep->rcv_ooopack += segs;
	if (ep->sack_ok)
		etp_sack_new_ofo(ep, seq, end_seq);
	return true;
drop:
	kfree_skb(skb);
	return false;
}

/**
 * etp_ofo_next() - the next kept segment that rcv_nxt has reached
 * @sk: the socket, locked
 *
 * Segments rcv_nxt has passed altogether are freed on the way.
 *
 * Return: the segment, out of the queue (the caller queues it in order), or
 * NULL while the first one kept is still beyond a hole.
 */
struct sk_buff *etp_ofo_next(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct rb_node *first;
	struct sk_buff *skb;

	while ((first = rb_first(&ep->ooo_root))) {
		skb = rb_to_skb(first);
		if (etp_after(ETP_SKB_CB(skb)->seq, ep->rcv_nxt))
			return NULL;
		rb_erase(first, &ep->ooo_root);
		if (skb == ep->ooo_last)
			ep->ooo_last = NULL;
		if (etp_after(ETP_SKB_CB(skb)->end_seq, ep->rcv_nxt))
			return skb;
		kfree_skb(skb);
	}
	return NULL;
}

/* Give back the memory of the highest segment kept; false if none. */
static bool etp_ofo_drop_last(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct rb_node *last = rb_last(&ep->ooo_root);

	if (!last)
		return false;
	etp_ofo_free(sk, rb_to_skb(last));
	last = rb_last(&ep->ooo_root);
	ep->ooo_last = last ? rb_to_skb(last) : NULL;
	sk_mem_reclaim(sk);
	/* The blocks may name what is gone: reneging, which RFC 2018 allows. */
	ep->num_sacks = 0;
	return true;
}

/**
 * etp_ofo_make_room() - charge in-order data, making room if need be
 * @sk: the socket, locked
 * @skb: an in-order segment
 *
 * In-order data must not find the buffer full of out-of-order data that it
 * would make readable: drop out-of-order segments, the highest first,
 * until @skb fits (as TCP's tcp_prune_ofo_queue()).
 *
 * Return: whether it fits (and is now charged).
 */
bool etp_ofo_make_room(struct sock *sk, struct sk_buff *skb)
{
	if (etp_rmem_charge_window(sk, skb))
		return true;
	while (!etp_rmem_charge(sk, skb))
		if (!etp_ofo_drop_last(sk))
			return false;
	return true;
}

/**
 * etp_ofo_purge() - free every segment kept
 * @sk: the socket
 */
void etp_ofo_purge(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct rb_node *p = rb_first(&ep->ooo_root);

	/* skb_rbtree_purge() is not exported to modules. */
	while (p) {
		struct sk_buff *skb = rb_to_skb(p);

		p = rb_next(p);
		rb_erase(&skb->rbnode, &ep->ooo_root);
		kfree_skb(skb);
	}
	ep->ooo_last = NULL;
	ep->num_sacks = 0;
}

#include "tests/ofo_test.c"
