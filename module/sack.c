// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's scoreboard (RFC 2018, RFC 6675): the SACK blocks an ACK
 * carries mark the skbs of the retransmission queue they cover as received
 * (ETP_SACKED_ACKED), which takes them out of the pipe (etp_in_flight())
 * and out of what a loss sends again; a first block below the cumulative
 * ACK, or inside the second block, reports a duplicate (RFC 2883's
 * D-SACK), which recovery.c weighs. As TCP's tcp_sacktag_write_queue(),
 * counting bytes where TCP counts segments.
 *
 * Blocks are checked as TCP's tcp_is_sackblock_valid(): nothing past
 * SND.MAX, nothing reversed, nothing at or below SND.UNA (a D-SACK's
 * block is reported, not marked); the others are counted in SACKDiscard.
 * An skb of many segments is cut where a block ends inside it, at a
 * segment's edge only (tcp_match_skb_to_sack()): a receiver cannot make
 * the sender keep skbs smaller than an MSS.
 *
 * Everything here runs with the socket locked, from input.c's ACK step.
 */
#include <linux/tcp.h>
#include <net/sock.h>

#include "etp.h"

/* The blocks of @skb's SACK option, in host order; returns how many. */
static int etp_sack_read(const struct sk_buff *skb, struct etp_sack_block *sp)
{
	const u8 *p = (const u8 *)etp_hdr(skb) + ETP_SKB_CB(skb)->sack_off;
	int n = (p[1] - 2) / 8, i;

	for (i = 0; i < n; i++) {
		sp[i].start = get_unaligned_be32(p + 2 + 8 * i);
		sp[i].end = get_unaligned_be32(p + 6 + 8 * i);
	}
	return n;
}

/*
 * RFC 2883 4.1, TCP's tcp_check_dsack(): the first block reports a
 * duplicate if it lies below the cumulative ACK, or inside the second.
 */
static bool etp_sack_is_dsack(const struct etp_sack_block *sp, int n, u32 ack)
{
	if (etp_before(sp[0].start, ack))
		return true;
	return n > 1 && !etp_after(sp[0].end, sp[1].end) &&
	       !etp_before(sp[0].start, sp[1].start);
}

/*
 * A D-SACK block undo may read, as tcp_is_sackblock_valid() with its
 * dup_sack: within what was sent, and above SND.UNA, or below it and at or
 * above the episode's undo_marker (one across the marker counts if no
 * larger than a window).
 */
static bool etp_dsack_valid(const struct etp_sock *ep,
			    const struct etp_sack_block *b)
{
	if (!etp_before(b->start, b->end) || etp_after(b->end, ep->snd_max))
		return false;
	if (etp_after(b->start, ep->snd_una))
		return true;
	if (!ep->undo_on || etp_after(b->end, ep->snd_una))
		return false;
	if (!etp_before(b->start, ep->undo_marker))
		return true;
	if (!etp_after(b->end, ep->undo_marker))
		return false;
	return !etp_before(b->start, b->end - ep->max_window);
}

/* A block that may mark something: above SND.UNA, within what was sent. */
static bool etp_sack_valid(const struct etp_sock *ep,
			   const struct etp_sack_block *b)
{
	return etp_before(b->start, b->end) && !etp_after(b->end, ep->snd_max) &&
	       etp_after(b->start, ep->snd_una);
}

/* The first skb of the retransmission queue that ends after @seq. */
static struct sk_buff *etp_rtx_find(struct sock *sk, u32 seq)
{
	struct rb_node *p = etp_sk(sk)->rtx_root.rb_node;
	struct sk_buff *found = NULL;

	while (p) {
		struct sk_buff *skb = rb_to_skb(p);

		if (etp_after(ETP_SKB_CB(skb)->end_seq, seq)) {
			found = skb;
			p = p->rb_left;
		} else {
			p = p->rb_right;
		}
	}
	return found;
}

/**
 * etp_sack_reordering() - data sent once arrived below data SACKed before it
 * @sk: the socket, locked, SACK negotiated
 * @low: the lowest sequence number of such data
 * @fack: the highest SACKed sequence number before it came
 *
 * As tcp_check_sack_reordering(): the network reordered by fack - low; a
 * hole takes that many segments SACKed above it before it counts as lost
 * (ep->reordering, up to max_reordering). Counted in SACKReorder.
 */
void etp_sack_reordering(struct sock *sk, u32 low, u32 fack)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 metric;

	if (!etp_before(low, fack))
		return;
	metric = fack - low;
	if (metric > ep->reordering * ep->mss)
		ep->reordering = min_t(u32, DIV_ROUND_UP(metric, ep->mss),
				       READ_ONCE(etp_sk_pernet(sk)->sysctl.max_reordering));
	ep->reord_seen++;
	ETP_INC_STATS(sock_net(sk), SACKReorder);
}

/* What one ACK's blocks found, as TCP's tcp_sacktag_state. */
struct etp_sack_state {
	u32 fack;	/* the highest SACKed sequence number before the ACK */
	u32 reord;	/* the lowest seq sent once that came late */
	int flag;	/* ETP_ACK_ORIG */
};

/*
 * The peer has @skb: out of the lost and retransmitted counts, into
 * sacked. One never sent again below what was SACKed before came late
 * (@st->reord keeps the lowest such seq); one sent before the recovery
 * point, never again, tells F-RTO the timeout was spurious (ETP_ACK_ORIG,
 * TCP's FLAG_ORIG_SACK_ACKED).
 */
static u32 etp_sack_mark(struct etp_sock *ep, struct sk_buff *skb,
			 struct etp_sack_state *st)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u32 len = cb->end_seq - cb->seq;

	etp_rack_advance(ep, cb);
	if (!(cb->sacked & ETP_EVER_RETRANS)) {
		if (etp_before(cb->seq, st->fack) && etp_before(cb->seq, st->reord))
			st->reord = cb->seq;
		if (!etp_after(cb->end_seq, ep->recover))
			st->flag |= ETP_ACK_ORIG;
	}
	if (!ep->sacked_out || etp_after(cb->seq, ep->sack_high))
		ep->sack_high = cb->seq;

	if (cb->sacked & ETP_SACKED_RETRANS)
		ep->retrans_out -= len;
	if (cb->sacked & ETP_SACKED_LOST)
		ep->lost_out -= len;
	cb->sacked &= ~(ETP_SACKED_RETRANS | ETP_SACKED_LOST);
	cb->sacked |= ETP_SACKED_ACKED;
	ep->sacked_out += len;
	return len;
}

/*
 * Mark what the block [@start, @end) covers. An skb it covers in part is
 * cut at a segment's edge, so that the part marked lies in the block
 * (TCP's tcp_match_skb_to_sack()); without memory for the cut it stays
 * whole and unmarked. Return: the bytes newly marked.
 */
static u32 etp_sack_tag_block(struct sock *sk, u32 start, u32 end,
			      struct etp_sack_state *st)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = etp_rtx_find(sk, start);
	u32 marked = 0;

	while (skb) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);
		u32 mss = ep->mss, cut;

		if (!etp_before(cb->seq, end))
			break;
		if (cb->sacked & ETP_SACKED_ACKED) {
			skb = skb_rb_next(skb);
			continue;
		}
		if (etp_before(cb->seq, start)) {
			/* The head lies before the block: cut it off, rounded up. */
			cut = roundup(start - cb->seq, mss);
			if (cut < skb->len && etp_fragment(sk, skb, cut))
				break;
			/* The tail, if cut off, is next; else the skb after it. */
			skb = skb_rb_next(skb);
			continue;
		}
		if (etp_after(cb->end_seq, end)) {
			/* The tail runs past it: keep what it covers, rounded down. */
			cut = rounddown(end - cb->seq, mss);
			if (!cut || etp_fragment(sk, skb, cut))
				break;
		}
		marked += etp_sack_mark(ep, skb, st);
		skb = skb_rb_next(skb);
	}
	return marked;
}

/*
 * RFC 2883's D-SACK, for recovery.c's undo (tcp_check_dsack() and
 * tcp_sacktag_one()): data sent again that the peer reports received
 * twice was sent needlessly; undo_retrans counts down to 0 once all of
 * the episode's retransmissions were. Below SND.UNA the skbs are gone and
 * the block's bytes above undo_marker count ("dumb counting", as TCP);
 * above it, what the block covers of skbs sent more than once. A block
 * across SND.UNA, or larger than any window, is ignored.
 */
static void etp_sack_dsack(struct sock *sk, u32 start, u32 end)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;
	u32 dup = 0;

	if (!ep->undo_on || ep->undo_retrans <= 0 || !etp_before(start, end) ||
	    end - start > ep->max_window)
		return;
	if (!etp_after(end, ep->snd_una)) {
		if (!etp_after(end, ep->undo_marker))
			return;		/* before the episode */
		dup = end - (etp_before(start, ep->undo_marker) ?
			     ep->undo_marker : start);
	} else if (!etp_before(start, ep->snd_una)) {
		for (skb = etp_rtx_find(sk, start);
		     skb && etp_before(ETP_SKB_CB(skb)->seq, end);
		     skb = skb_rb_next(skb)) {
			const struct etp_skb_cb *cb = ETP_SKB_CB(skb);

			if (!(cb->sacked & ETP_EVER_RETRANS))
				continue;
			dup += (etp_before(cb->end_seq, end) ? cb->end_seq : end) -
			       (etp_after(cb->seq, start) ? cb->seq : start);
		}
	}
	ep->undo_retrans = dup >= (u32)ep->undo_retrans ? 0 : ep->undo_retrans - dup;
}

/**
 * etp_sack_tag() - take an ACK's SACK blocks into the scoreboard
 * @sk: the socket, locked, SACK negotiated
 * @skb: the ACK, its header at skb->data, with ETP_RXO_SACK
 * @sacked: the bytes newly marked as received are added here
 *
 * Return: ETP_SACK_DSACK if its first block reports a duplicate,
 * ETP_SACK_NEW if a block marked something new, ETP_ACK_ORIG if that was
 * data sent once before the recovery point.
 */
int etp_sack_tag(struct sock *sk, const struct sk_buff *skb, u32 *sacked)
{
	struct etp_sack_block sp[ETP_NUM_SACKS];
	struct etp_sock *ep = etp_sk(sk);
	int n = etp_sack_read(skb, sp), i, ret = 0;
	u32 ack = ETP_SKB_CB(skb)->ack_seq;
	struct etp_sack_state st = {
		.fack = etp_sack_fack(ep), .reord = ep->snd_max,
	};
	u32 marked;

	sock_owned_by_me(sk);
	if (etp_sack_is_dsack(sp, n, ack)) {
		ret |= ETP_SACK_DSACK;
		/*
		 * As tcp_check_dsack(): below the ACK, or inside the second
		 * block (a duplicate beyond a hole); one undo cannot read is
		 * counted as tcp_sacktag_write_queue() does.
		 */
		etp_mib_add(sock_net(sk), etp_before(sp[0].start, ack) ?
			    ETP_MIB_DSACKRecv : ETP_MIB_DSACKOfoRecv, 1);
		if (!etp_dsack_valid(ep, &sp[0]))
			etp_mib_add(sock_net(sk), ep->undo_on ? ETP_MIB_DSACKIgnoredOld :
				    ETP_MIB_DSACKIgnoredNoUndo, 1);
		etp_sack_dsack(sk, sp[0].start, sp[0].end);
	}
	for (i = 0; i < n; i++) {
		if (!etp_sack_valid(ep, &sp[i])) {
			/*
			 * As tcp_sacktag_write_queue(): a D-SACK reports, an
			 * old ACK's block below SND.UNA is just late; any
			 * other is a receiver's error (SACKDiscard).
			 */
			if (!(i == 0 && ret & ETP_SACK_DSACK) &&
			    !(ack != ep->snd_una && !etp_after(sp[i].end, ep->snd_una)))
				ETP_INC_STATS(sock_net(sk), SACKDiscard);
			continue;
		}
		marked = etp_sack_tag_block(sk, sp[i].start, sp[i].end, &st);
		if (marked) {
			*sacked += marked;
			ret |= ETP_SACK_NEW;
		}
	}
	/*
	 * After a timeout everything was taken for lost at once: what the
	 * peer had then is no sign of reordering, unless the timeout may
	 * still prove needless (as TCP).
	 */
	if (ep->ca_state != ETP_CA_LOSS || ep->undo_on)
		etp_sack_reordering(sk, st.reord, st.fack);
	return ret | st.flag;
}

/**
 * etp_sack_reneged() - has the peer dropped data it SACKed?
 * @sk: the socket, locked
 *
 * A cumulative ACK that ends where a SACKed skb begins says so: a receiver
 * that still held it would have acknowledged it too. RFC 2018 section 8
 * lets a receiver discard what it SACKed (TCP prunes its out-of-order
 * queue when short of memory), so the sender must not count on it; as
 * TCP's FLAG_SACK_RENEGING.
 *
 * Return: true if the oldest unacknowledged skb is marked SACKed.
 */
bool etp_sack_reneged(struct sock *sk)
{
	struct sk_buff *skb = etp_rtx_head(sk);

	return skb && ETP_SKB_CB(skb)->sacked & ETP_SACKED_ACKED;
}

/**
 * etp_sack_forget() - clear the scoreboard
 * @sk: the socket, locked
 *
 * After a peer reneged, every SACK mark is doubtful: RFC 2018 section 8's
 * sender "SHOULD turn off all of the SACKed bits" after a timeout, as
 * tcp_timeout_mark_lost() does when the head is SACKed. What the peer
 * SACKs afterwards marks again.
 */
void etp_sack_forget(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	skb_rbtree_walk(skb, &ep->rtx_root)
		ETP_SKB_CB(skb)->sacked &= ~ETP_SACKED_ACKED;
	ep->sacked_out = 0;
}

#include "tests/sack_test.c"
