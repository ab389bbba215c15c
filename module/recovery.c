// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery: what ACKs and timeouts say was lost, and what the sender
 * does about it, as TCP's tcp_fastretrans_alert() and its family
 * (tcp_input.c). The states are TCP's (enum etp_ca_state): Open; Recovery,
 * entered on the third duplicate ACK (RFC 5681 3.2) or, with SACK, once
 * the scoreboard takes the oldest segment for lost (RFC 6675); Loss, after
 * a retransmission timeout (RFC 5681 3.1, RFC 6298 5.4). Recovery and Loss
 * end when the cumulative ACK passes what was in flight when they began
 * (recover, TCP's high_seq). CWR is a reduction without a loss: an ACK
 * echoed congestion (ECN, RFC 3168 6.1.2; ecn.c), and the window comes
 * down to ssthresh over a round as in Recovery, nothing resent, until the
 * ACKs pass what was in flight.
 *
 * Without SACK, recovery is NewReno's (RFC 6582): the oldest segment goes
 * again at once, each further duplicate ACK inflates the window by a
 * segment, a partial ACK deflates it and resends the next hole. With SACK
 * it is RFC 6675's: a segment with more than DupThresh - 1 segments' worth
 * of SACKed bytes above it is lost (IsLost(); DupThresh is ep->reordering,
 * which reordering seen raises, as TCP's), and the pipe
 * (etp_in_flight()) against the window decides what output.c's
 * etp_xmit_retransmit_queue() sends, the holes before new data; the window
 * comes down to ssthresh over the round, as RFC 6937's proportional rate
 * reduction (PRR) paces it, as TCP's.
 *
 * A reduction that proves needless is undone, as TCP's: when D-SACKs
 * report every retransmission of the episode received twice (RFC 2883;
 * sack.c counts them), or an ACK echoes a TSval older than its first
 * retransmission (RFC 3522's Eifel detection), cwnd and ssthresh return
 * to what they were.
 *
 * What is lost is marked ETP_SACKED_LOST here; output.c sends. The
 * algorithm's hooks (cong.c) give ssthresh and the growth outside
 * recovery. Everything here runs with the socket locked, from input.c's
 * ACK step and timer.c's retransmission timeout.
 */
#include <net/sock.h>

#include "etp.h"
#include "trace.h"

/*
 * RFC 5681's DupThresh, for NewReno; with SACK the connection's
 * ep->reordering (the reordering sysctl, 3 as TCP's, raised by sack.c).
 */
#define ETP_DUPTHRESH	3

/* With SACK, RACK (rack.c) decides what is lost, as TCP's tcp_is_rack(). */
static bool etp_rack_on(const struct sock *sk)
{
	return etp_sk(sk)->sack_ok &&
	       READ_ONCE(etp_sk_pernet(sk)->sysctl.recovery) & ETP_RACK_LOSS_DETECTION;
}

/*
 * Recovery or Loss begins: a loss probe's episode is over, as TCP's
 * (tlp_high_seq 0), and its timer becomes the RTO.
 */
static void etp_tlp_end(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->tlp_out = 0;
	if (ep->tlp_timer)
		etp_reset_rtx_timer(sk);
}

/* The algorithm hears of state @new first, as tcp_set_ca_state()'s. */
static void etp_ca_state_hook(struct sock *sk, u8 new)
{
	if (etp_cong(sk)->set_state && new != etp_sk(sk)->ca_state) {
		etp_cong(sk)->set_state(sk, new);
		etp_ca_clamp(sk);
	}
}

/* The algorithm's ssthresh for a reduction, two segments at least. */
static u32 etp_ca_ssthresh(struct sock *sk)
{
	return max(etp_cong(sk)->ssthresh(sk), 2U * etp_sk(sk)->mss);
}

/* The algorithm grows the window by @acked bytes delivered; one segment at least. */
static void etp_ca_cong_avoid(struct sock *sk, u32 acked)
{
	etp_cong(sk)->cong_avoid(sk, etp_sk(sk)->snd_una, acked);
	etp_ca_clamp(sk);
}

/* Into state @new, for @cause, the hook run; the tracepoint shows the window set for it. */
static void etp_ca_state_commit(struct sock *sk, u8 new, int cause)
{
	struct etp_sock *ep = etp_sk(sk);
	u8 old = ep->ca_state;

	ep->ca_state = new;
	trace_etp_ca_state(sock_net(sk), sk, old, cause);
	/* A reduction completed: fast recovery's, CWR's, or a loss probe's at once. */
	if (((old == ETP_CA_RECOVERY || old == ETP_CA_CWR) && new == ETP_CA_OPEN &&
	     cause == ETP_CA_RECOVERED) || cause == ETP_CA_TLP)
		etp_ca_event(sk, ETP_CA_EVENT_COMPLETE_CWR);
}

static void etp_set_ca_state(struct sock *sk, u8 new, int cause)
{
	etp_ca_state_hook(sk, new);
	etp_ca_state_commit(sk, new, cause);
}

/*
 * A loss episode begins (tcp_init_undo()): what its reduction may be
 * undone against. Retransmissions still in flight may be D-SACKed later;
 * -1, not 0, when there are none, since 0 means all were duplicates.
 * The window and ssthresh before it (tcp_current_ssthresh()) come back
 * with an undo.
 */
static void etp_init_undo(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->prior_cwnd = ep->cwnd;
	ep->prior_ssthresh = ep->ca_state == ETP_CA_RECOVERY ||
			     ep->ca_state == ETP_CA_CWR ? ep->ssthresh :
			     max(ep->ssthresh, ep->cwnd / 2 + ep->cwnd / 4);
	ep->undo_on = 1;
	ep->undo_marker = ep->snd_una;
	ep->undo_retrans = ep->retrans_out ? : -1;
	ep->undo_ts = 0;
}

/*
 * RFC 3522's Eifel detection, TCP's tcp_packet_delayed(): the ACK echoes
 * a TSval older than the episode's first retransmission, so the original
 * arrived. @tsecr is 0 when the ACK has no timestamp, as TCP takes it.
 */
static bool etp_packet_delayed(const struct etp_sock *ep, u32 tsecr)
{
	return ep->undo_ts && tsecr && etp_before(tsecr, ep->undo_tsval);
}

/* TCP's tcp_may_undo(): every retransmission D-SACKed, or none needed. */
static bool etp_may_undo(const struct etp_sock *ep, u32 tsecr)
{
	return ep->undo_on && (!ep->undo_retrans || etp_packet_delayed(ep, tsecr));
}

/*
 * TCP's tcp_undo_cwnd_reduction(): the window and ssthresh as they were
 * (the algorithm's undo_cwnd), counted in @mib. With @unmark, what was
 * taken for lost and not sent again is in flight after all and does not
 * go; what went again stays marked (in flight once). The state the caller
 * sets, or the same one, is traced with cause UNDO.
 */
static void etp_undo(struct sock *sk, bool unmark, enum etp_mib mib, u8 state)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	if (unmark) {
		skb_rbtree_walk(skb, &ep->rtx_root) {
			struct etp_skb_cb *cb = ETP_SKB_CB(skb);

			if ((cb->sacked & (ETP_SACKED_LOST | ETP_SACKED_RETRANS)) ==
			    ETP_SACKED_LOST) {
				cb->sacked &= ~ETP_SACKED_LOST;
				ep->lost_out -= cb->end_seq - cb->seq;
			}
		}
	}
	ep->cwnd = max(etp_cong(sk)->undo_cwnd(sk), (u32)ep->mss);
	ep->ssthresh = max(ep->ssthresh, ep->prior_ssthresh);
	ep->undo_on = 0;
	etp_mib_add(sock_net(sk), mib, 1);
	etp_set_ca_state(sk, state, ETP_CA_UNDO);
}

/*
 * TCP's tcp_try_undo_dsack(): D-SACKs reported every retransmission of
 * the episode as a duplicate. Recovery ends; in Open, the reduction of
 * the episode that ended is taken back.
 */
static bool etp_try_undo_dsack(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!ep->undo_on || ep->undo_retrans)
		return false;
	etp_undo(sk, false, ETP_MIB_DSACKUndo, ETP_CA_OPEN);
	return true;
}

/*
 * The ACK past the recovery point of a fast recovery
 * (tcp_try_undo_recovery()): the window as before if the episode was
 * needless (FullUndo), else ssthresh's (RFC 6675 5 step 3, RFC 6582).
 */
static void etp_end_recovery(struct sock *sk, u32 tsecr)
{
	struct etp_sock *ep = etp_sk(sk);

	if (etp_may_undo(ep, tsecr)) {
		etp_undo(sk, false, ETP_MIB_FullUndo, ETP_CA_OPEN);
		return;
	}
	etp_rack_recovered(sk, false);
	ep->cwnd = ep->ssthresh;
	etp_set_ca_state(sk, ETP_CA_OPEN, ETP_CA_RECOVERED);
}

/*
 * A partial ACK in Recovery (tcp_try_undo_partial()): if its TSecr shows
 * the hole was filled by the original, late, not by the retransmission,
 * the episode was reordering. With retransmissions still out, nothing
 * more is marked lost (true); with none, the reduction is undone.
 */
static bool etp_try_undo_partial(struct sock *sk, u32 tsecr)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!ep->undo_on || !etp_packet_delayed(ep, tsecr))
		return false;
	if (ep->retrans_out)
		return true;
	etp_undo(sk, true, ETP_MIB_PartialUndo, ETP_CA_OPEN);
	return true;
}

/*
 * RFC 6675 IsLost() for the whole queue at once, as tcp_mark_head_lost():
 * an skb not SACKed with more than (DupThresh - 1) * MSS SACKed bytes
 * above it is lost. The SACKed bytes above only shrink going up, so the
 * walk from the oldest ends where too few are left.
 */
static void etp_sack_mark_lost(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 above = ep->sacked_out, thresh = (ep->reordering - 1) * ep->mss;
	struct sk_buff *skb;

	for (skb = etp_rtx_head(sk); skb && above > thresh;
	     skb = skb_rb_next(skb)) {
		const struct etp_skb_cb *cb = ETP_SKB_CB(skb);

		if (cb->sacked & ETP_SACKED_ACKED)
			above -= cb->end_seq - cb->seq;
		else
			etp_skb_mark_lost(sk, skb);
	}
}

/*
 * The oldest segment is lost: mark it and send it now, whatever the window
 * (RFC 5681 3.2 step 2, RFC 6675 5 step 4.3). One segment: the rest of a
 * large skb may have arrived (tcp_mark_head_lost() cuts it too). A send
 * that fails leaves it to output.c, which sends any lost skb.
 */
static void etp_retransmit_lost_head(struct sock *sk)
{
	struct sk_buff *skb = etp_rtx_head(sk);

	if (!skb || ETP_SKB_CB(skb)->sacked & ETP_SACKED_ACKED)
		return;
	/* Without memory for the cut, the whole skb goes again. */
	if (skb->len > etp_sk(sk)->mss &&
	    !(ETP_SKB_CB(skb)->sacked & ETP_SACKED_LOST))
		etp_fragment(sk, skb, etp_sk(sk)->mss);
	etp_skb_mark_lost(sk, skb);
	if (!(ETP_SKB_CB(skb)->sacked & ETP_SACKED_RETRANS))
		etp_retransmit_head(sk);
}

/*
 * A reduction begins (tcp_init_cwnd_reduction()): ssthresh from the
 * algorithm, PRR's count from zero, the receiver told (ECN's CWR).
 */
static void etp_init_cwnd_reduction(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->ssthresh = etp_ca_ssthresh(sk);
	ep->prr_delivered = 0;
	ep->prr_out = 0;
	ep->prr_recover_fs = max(ep->snd_max - ep->snd_una, 1U);
	etp_ecn_queue_cwr(sk);
}

/*
 * Fast retransmit: into Recovery, with half the flight as ssthresh and
 * ssthresh + @extra segments as the window. From CWR, its reduction
 * stands (one per window of data), as TCP's tcp_enter_recovery().
 */
static void etp_enter_recovery(struct sock *sk, u32 extra, int cause)
{
	struct etp_sock *ep = etp_sk(sk);

	etp_tlp_end(sk);
	etp_init_undo(sk);
	if (ep->ca_state != ETP_CA_CWR)
		etp_init_cwnd_reduction(sk);
	ep->recover = ep->snd_max;
	/* Before the window falls: DCTCP sets its ssthresh for a loss there. */
	etp_ca_state_hook(sk, ETP_CA_RECOVERY);
	ep->cwnd = ep->ssthresh + extra * ep->mss;
	etp_ca_state_commit(sk, ETP_CA_RECOVERY, cause);
	etp_mib_add(sock_net(sk), ep->sack_ok ? ETP_MIB_SackRecovery :
						ETP_MIB_RenoRecovery, 1);
}

/*
 * RFC 3168 6.1.2: an ACK echoed congestion, in Open. The window falls as
 * for a loss, once per window of data, paced down by PRR, nothing sent
 * again (TCP's tcp_enter_cwr()); no undo: the path said so itself.
 */
static void etp_enter_cwr(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->undo_on = 0;
	etp_init_cwnd_reduction(sk);
	ep->recover = ep->snd_max;
	etp_set_ca_state(sk, ETP_CA_CWR, ETP_CA_ECE);
}

/*
 * CWR ends once the ACKs pass the recovery point, so that the CWR that
 * followed reached the receiver (tcp_fastretrans_alert()); the window is
 * ssthresh (tcp_end_cwnd_reduction()).
 */
static void etp_cwr_ack(struct sock *sk, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!acked || !etp_after(ep->snd_una, ep->recover))
		return;
	ep->cwnd = ep->ssthresh;
	etp_set_ca_state(sk, ETP_CA_OPEN, ETP_CA_RECOVERED);
}

/*
 * RFC 6937's proportional rate reduction, as tcp_cwnd_reduction(): in
 * Recovery, the window follows what the peer got (@delivered bytes on
 * this ACK), sending ssthresh/RecoverFS of it while the pipe is above
 * ssthresh, so that the flight comes down to ssthresh by the end of the
 * round instead of all at once; below it, slow start back up to it, at
 * most what was delivered and one segment more (PRR-SSRB).
 */
static void etp_prr(struct sock *sk, u32 delivered)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 pipe = etp_in_flight(ep);
	s64 sndcnt;

	ep->prr_delivered += delivered;
	if (pipe > ep->ssthresh) {
		sndcnt = div_u64((u64)ep->ssthresh * ep->prr_delivered +
				 ep->prr_recover_fs - 1, ep->prr_recover_fs);
		sndcnt -= ep->prr_out;
	} else {
		sndcnt = min_t(s64, ep->ssthresh - pipe,
			       max_t(s64, (s64)ep->prr_delivered - ep->prr_out,
				     delivered) + ep->mss);
	}
	ep->cwnd = pipe + max_t(s64, sndcnt, 0);
}

/*
 * An ACK in Loss (tcp_process_loss()). The timeout was needless if the
 * episode may be undone (LossUndo; true: the window is back). F-RTO (RFC
 * 5682 3.1, SACK-enhanced where SACK is on, as TCP's) tells it too: the
 * first ACK that moves SND.UNA sends new data before anything taken for
 * lost (step 2.b, output.c); if the ACKs then cover data sent once
 * before the timeout, the originals arrived and the timeout was spurious
 * (step 3.b, SpuriousRTOs); a duplicate ACK or a SACK of new data says the
 * loss was real (step 3.a), and recovery goes on as without F-RTO. Loss
 * ends at the recovery point, in slow start.
 */
static bool etp_loss_ack(struct sock *sk, u32 acked, int flag, u32 tsecr)
{
	struct etp_sock *ep = etp_sk(sk);
	bool recovered = acked && !etp_before(ep->snd_una, ep->recover);

	if (acked && etp_may_undo(ep, tsecr)) {
		etp_undo(sk, true, ETP_MIB_LossUndo, ETP_CA_OPEN);
		return true;
	}
	if (ep->frto) {
		if (flag & ETP_ACK_ORIG) {
			ETP_INC_STATS(sock_net(sk), SpuriousRTOs);
			etp_undo(sk, true, ETP_MIB_LossUndo, ETP_CA_OPEN);
			return true;
		}
		if (etp_after(ep->snd_max, ep->recover)) {
			if (flag & (ETP_SACK_NEW | ETP_ACK_DUP))
				ep->frto = 0;
		} else if (acked && !recovered) {
			ep->recover = ep->snd_max;
			if (etp_send_head(sk) &&
			    etp_after(ep->snd_una + ep->snd_wnd, ep->snd_max)) {
				ep->frto_new = 1;
				return false;
			}
			ep->frto = 0;
		}
	}
	if (recovered) {
		etp_rack_recovered(sk, false);
		etp_set_ca_state(sk, ETP_CA_OPEN, ETP_CA_RECOVERED);
	}
	return false;
}

/* NewReno (RFC 5681 3.2, RFC 6582), without SACK. */
static void etp_reno_ack(struct sock *sk, u32 acked, int flag, u32 tsecr)
{
	struct etp_sock *ep = etp_sk(sk);

	if (!acked) {
		if (ep->ca_state == ETP_CA_LOSS) {
			etp_loss_ack(sk, 0, flag, tsecr);	/* F-RTO's 3.a */
			return;
		}
		if (!(flag & ETP_ACK_DUP) || ++ep->dupacks < ETP_DUPTHRESH)
			return;
		if (ep->dupacks == ETP_DUPTHRESH && ep->ca_state <= ETP_CA_CWR) {
			etp_enter_recovery(sk, ETP_DUPTHRESH, ETP_CA_DUPACKS);
			etp_retransmit_lost_head(sk);
		} else if (ep->ca_state == ETP_CA_RECOVERY) {
			ep->cwnd += ep->mss;		/* inflate */
		}
		return;
	}
	ep->dupacks = 0;
	if (ep->ca_state == ETP_CA_RECOVERY) {
		if (!etp_before(ep->snd_una, ep->recover)) {
			etp_end_recovery(sk, tsecr);	/* full ACK */
			return;
		}
		/* Partial ACK: deflate, and the next hole goes again. */
		ep->cwnd = max_t(u32, ep->cwnd - min(acked, ep->cwnd) + ep->mss,
				 ep->mss);
		if (!etp_try_undo_partial(sk, tsecr))
			etp_retransmit_lost_head(sk);
		return;
	}
	if (ep->ca_state == ETP_CA_LOSS && etp_loss_ack(sk, acked, flag, tsecr))
		return;
	if (ep->ca_state == ETP_CA_CWR)
		etp_prr(sk, acked);
	else
		etp_ca_cong_avoid(sk, acked);
}

/* RFC 6675, with SACK, and RFC 6937 for the window in Recovery. */
static void etp_sack_ack(struct sock *sk, u32 acked, u32 delivered, int flag,
			 u32 tsecr)
{
	struct etp_sock *ep = etp_sk(sk);

	if (acked)
		ep->dupacks = 0;
	else if (flag & ETP_ACK_DUP && flag & ETP_SACK_NEW && ep->dupacks < U8_MAX)
		ep->dupacks++;		/* RFC 6675 2: DupAcks */

	/*
	 * The window grows by what was delivered (TCP's acked_sacked): a
	 * cumulative ACK over data SACKed before counts only what is new.
	 */
	switch (ep->ca_state) {
	case ETP_CA_OPEN:
	case ETP_CA_CWR:
		if (ep->ca_state == ETP_CA_OPEN) {
			/* D-SACKs of the episode that ended: it was needless. */
			etp_try_undo_dsack(sk);
			if (acked && delivered)
				etp_ca_cong_avoid(sk, delivered);
		}
		if (etp_rack_on(sk)) {
			/* RFC 8985 6.2: RACK found a segment lost. */
			if (!etp_rack_mark_lost(sk) || !ep->lost_out)
				goto no_loss;
			etp_enter_recovery(sk, 0, ETP_CA_RACK);
		} else {
			/* RFC 6675 5 step 4: DupThresh duplicates, or the head IsLost(). */
			if (ep->sacked_out > (ep->reordering - 1) * ep->mss)
				etp_enter_recovery(sk, 0, ETP_CA_SACKED);
			else if (ep->dupacks >= ep->reordering)
				etp_enter_recovery(sk, 0, ETP_CA_DUPACKS);
			else
				goto no_loss;
			etp_sack_mark_lost(sk);
		}
		etp_retransmit_lost_head(sk);
		etp_prr(sk, delivered);
		return;
no_loss:
		/* CWR: the window comes down as in Recovery (tcp_cwnd_reduction()). */
		if (ep->ca_state == ETP_CA_CWR)
			etp_prr(sk, delivered);
		return;
	case ETP_CA_RECOVERY:
		if (acked && !etp_before(ep->snd_una, ep->recover)) {
			etp_end_recovery(sk, tsecr);	/* RFC 6675 5 step 3 */
			return;
		}
		if (acked && etp_try_undo_partial(sk, tsecr)) {
			/* Reordering: mark no more lost; undone, or not yet. */
			if (ep->ca_state == ETP_CA_RECOVERY)
				etp_prr(sk, delivered);
			return;
		}
		if (etp_try_undo_dsack(sk))
			return;
		if (etp_rack_on(sk))
			etp_rack_mark_lost(sk);
		else if (flag & ETP_SACK_NEW)
			etp_sack_mark_lost(sk);
		etp_prr(sk, delivered);
		return;
	default:	/* Loss: every hole is marked already; slow start */
		if (etp_loss_ack(sk, acked, flag, tsecr))
			return;
		/* RACK finds retransmissions lost again, without a timeout. */
		if (etp_rack_on(sk))
			etp_rack_mark_lost(sk);
		if (acked && delivered)
			etp_ca_cong_avoid(sk, delivered);
	}
}

/**
 * etp_recovery_ack() - weigh an ACK for loss, as tcp_fastretrans_alert()
 * @sk: the socket, locked, in a synchronized state
 * @acked: the bytes its cumulative ACK newly covered (snd_una has moved)
 * @delivered: the bytes it told arrived: @acked but what was SACKed
 *             before, and what it SACKed anew
 * @flag: ETP_ACK_DUP for a duplicate ACK (RFC 5681 2), and etp_sack_tag()'s
 *        ETP_SACK_* when it carried SACK blocks
 * @tsecr: its timestamp echo, 0 without one
 *
 * Grows the window, or enters, continues or ends recovery: marks what is
 * lost and sends the oldest lost segment at once when recovery begins or
 * a partial ACK calls for it; or takes back the reduction of an episode
 * that D-SACKs or @tsecr show was needless (undo). The caller then runs
 * etp_write_xmit(). Every ACK with data in flight comes here, a
 * duplicate or not, and one with a D-SACK when nothing is.
 */
void etp_recovery_ack(struct sock *sk, u32 acked, u32 delivered, int flag,
		      u32 tsecr)
{
	sock_owned_by_me(sk);
	if (flag & ETP_SACK_DSACK && etp_rack_on(sk))
		etp_rack_dsack(sk);
	/*
	 * An ACK up to data the peer SACKed: it dropped it (RFC 2018 8).
	 * No recovery step on this ACK; the timer, soon, resends it and
	 * forgets the marks (etp_enter_loss()), as tcp_check_sack_reneging().
	 */
	if (acked && etp_sack_reneged(sk)) {
		etp_rtx_timer_soon(sk);
		return;
	}
	/*
	 * RFC 8985 7.4: a loss probe repaired a loss. One reduction, as
	 * TCP's CWR, in and out at once (tcp_process_tlp_ack()).
	 */
	if (etp_tlp_ack(sk, acked, flag)) {
		struct etp_sock *ep = etp_sk(sk);

		ep->ssthresh = etp_ca_ssthresh(sk);
		ep->cwnd = ep->ssthresh;
		etp_ecn_queue_cwr(sk);
		etp_set_ca_state(sk, ep->ca_state, ETP_CA_TLP);
	}
	/* ECN: an echo of congestion in Open; or CWR's end. */
	if (flag & ETP_ACK_ECE && etp_sk(sk)->ca_state == ETP_CA_OPEN)
		etp_enter_cwr(sk);
	else if (etp_sk(sk)->ca_state == ETP_CA_CWR)
		etp_cwr_ack(sk, acked);
	if (etp_sk(sk)->sack_ok)
		etp_sack_ack(sk, acked, delivered, flag, tsecr);
	else
		etp_reno_ack(sk, acked, flag, tsecr);
}

/**
 * etp_recovery_reo_timeout() - RACK's reordering timer fired
 * @sk: the socket, locked, the timer's reo_timer cleared
 *
 * As tcp_rack_reo_timeout(): what waited out the reordering window is
 * lost; if RACK marked something, Recovery begins (from Open: the oldest
 * goes at once) and output.c sends what the window allows. The
 * retransmission timer is then set again, unless RACK set its own.
 */
void etp_recovery_reo_timeout(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	ep->rack.advanced = 1;		/* time passed: look again */
	if (etp_rack_mark_lost(sk)) {
		if (ep->ca_state == ETP_CA_OPEN) {
			etp_enter_recovery(sk, 0, ETP_CA_RACK);
			etp_retransmit_lost_head(sk);
			etp_prr(sk, 0);
		}
		etp_write_xmit(sk);
	}
	if (!timer_pending(&ep->rtx_timer) && ep->snd_una != ep->snd_max)
		etp_reset_rtx_timer(sk);
}

/**
 * etp_enter_loss() - the retransmission timer fired with data in flight
 * @sk: the socket, locked
 *
 * RFC 5681 3.1 and RFC 6298 5.4, as tcp_enter_loss(): half the flight as
 * ssthresh, once per loss episode (which may be undone); everything in
 * flight and not SACKed is taken for lost (with RACK, what went an RTT ago
 * or more, RFC 8985 6.3) and goes again, oldest first, in a window of one
 * segment beyond what is left in flight; everything sent by then counts as
 * sent before the loss. If the oldest skb is SACKed, the peer reneged: all
 * SACK marks go (SACKReneging) and everything in flight is lost.
 */
void etp_enter_loss(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	bool episode, reneged;
	u32 reordering;

	sock_owned_by_me(sk);
	ETP_INC_STATS(sock_net(sk), Timeouts);
	etp_tlp_end(sk);
	/*
	 * A new episode, as TCP's: from Open, past the recovery point, or
	 * the first timeout since an ACK in Loss. A timeout in Recovery
	 * keeps its ssthresh (one reduction per window of data).
	 */
	episode = ep->ca_state == ETP_CA_OPEN ||
		  !etp_after(ep->recover, ep->snd_una) ||
		  (ep->ca_state == ETP_CA_LOSS && ep->retransmits <= 1);
	/* A peer that reneged may have dropped any of it (RFC 2018 8). */
	reneged = etp_sack_reneged(sk);
	if (reneged) {
		ETP_INC_STATS(sock_net(sk), SACKReneging);
		etp_sack_forget(sk);
	}
	/*
	 * As tcp_enter_loss(): a timeout with more SACKed than the first
	 * threshold, outside recovery, says reordering was overestimated.
	 */
	reordering = READ_ONCE(etp_sk_pernet(sk)->sysctl.reordering);
	if (ep->ca_state == ETP_CA_OPEN && ep->sacked_out >= reordering * ep->mss)
		ep->reordering = min(ep->reordering, reordering);
	if (etp_rack_on(sk) && !reneged)
		etp_rack_timeout_mark_lost(sk);
	else
		etp_mark_all_lost(sk);
	/* After the marks: what was sent again before is to go again. */
	if (episode) {
		etp_init_undo(sk);
		ep->ssthresh = etp_ca_ssthresh(sk);
		/* After ssthresh, as tcp_enter_loss(): DCTCP halves it here. */
		etp_ca_event(sk, ETP_CA_EVENT_LOSS);
	}
	etp_ecn_queue_cwr(sk);
	/* One segment beyond what is still in flight (tcp_enter_loss()). */
	ep->cwnd = etp_in_flight(ep) + ep->mss;
	ep->recover = ep->snd_max;
	ep->dupacks = 0;
	/*
	 * RFC 5682 3.1 step 1 and 3.2, as TCP: F-RTO watches a timeout
	 * outside recovery, or one that follows a timeout of the same data.
	 */
	ep->frto = READ_ONCE(etp_sk_pernet(sk)->sysctl.frto) &&
		   (ep->ca_state == ETP_CA_OPEN || ep->retransmits > 1);
	ep->frto_new = 0;
	/* Traced once per episode: a timeout in Loss backs off, no more. */
	if (ep->ca_state != ETP_CA_LOSS)
		etp_set_ca_state(sk, ETP_CA_LOSS, ETP_CA_RTO);
}

/**
 * etp_recovery_syn_acked() - the peer acknowledged our SYN
 * @sk: the socket, locked
 *
 * Timeouts of the SYN put the socket in Loss; the ACK of the SYN ends that
 * episode, as TCP's ACK processing of the SYN-ACK does. The window of one
 * segment they left stays (RFC 5681 3.1: the loss window).
 */
void etp_recovery_syn_acked(struct sock *sk)
{
	etp_sk(sk)->undo_on = 0;	/* a SYN's timeouts are not undone */
	etp_sk(sk)->frto = 0;
	if (etp_sk(sk)->ca_state != ETP_CA_OPEN)
		etp_set_ca_state(sk, ETP_CA_OPEN, ETP_CA_RECOVERED);
}

#include "tests/recovery_test.c"
