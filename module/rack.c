// SPDX-License-Identifier: GPL-2.0
/*
 * RACK (RFC 8985): loss detection by time, as TCP's tcp_recovery.c. A
 * segment is lost once a segment sent after it was delivered (acknowledged
 * or SACKed, etp_rack_advance()) and it has waited that segment's RTT and
 * a reordering window more without being delivered itself. Unlike
 * DupThresh it counts time, not segments: a retransmission lost again is
 * found as an original is, without a timeout, and one lost segment at the
 * tail is found as soon as anything sent after it arrives.
 *
 * The reordering window is a quarter of the least RTT (RFC 8985 6.2 step
 * 4); none while no reordering was seen and DupThresh's worth is SACKed,
 * or in recovery, where being quick costs little. D-SACKs widen it, a
 * quarter RTT each round they come, up to the smoothed RTT, for sixteen
 * recoveries (tcp_rack_update_reo_wnd()). A segment still inside it is
 * looked at again when it would expire: the retransmission timer, set as
 * the reordering timer (timer.c calls recovery.c, which calls here).
 *
 * The walk is by sequence number, the retransmission queue's order, not by
 * send time as TCP's tsorted list since Linux 4.15: it stops at the first
 * segment sent once after RACK's, since every later one sent once went
 * later still, as TCP's RACK did before (4.10-4.14). A retransmission
 * above that point that went before RACK's segment waits for a later
 * walk. Everything here runs with the socket locked, for recovery.c.
 */
#include <net/sock.h>

#include "etp.h"

/* Recoveries a widened reordering window lasts (TCP_RACK_RECOVERY_THRESH). */
#define ETP_RACK_PERSIST	16

/* RFC 8985 6.2 step 4, as tcp_rack_reo_wnd(): microseconds. */
static u32 etp_rack_reo_wnd(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);
	int recovery = READ_ONCE(etp_sk_pernet(sk)->sysctl.recovery);

	if (!ep->reord_seen) {
		if (ep->ca_state >= ETP_CA_RECOVERY)
			return 0;
		if (ep->sacked_out >= ep->reordering * ep->mss &&
		    !(recovery & ETP_RACK_NO_DUPTHRESH))
			return 0;
	}
	if (ep->min_rtt_us == U32_MAX)
		return 0;
	return min((ep->min_rtt_us >> 2) * ep->rack.reo_steps,
		   ep->srtt_us >> 3);
}

/*
 * @skb, sent before RACK's segment, waited long enough: lost, as
 * tcp_mark_skb_lost(). A retransmission lost too (TCP's LostRetransmit)
 * leaves the retransmitted count first, so that it goes again.
 */
static void etp_rack_lost(struct sock *sk, struct sk_buff *skb)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct etp_sock *ep = etp_sk(sk);

	if (cb->sacked & ETP_SACKED_RETRANS) {
		cb->sacked &= ~ETP_SACKED_RETRANS;
		ep->retrans_out -= cb->end_seq - cb->seq;
		ETP_INC_STATS(sock_net(sk), LostRetransmit);
	}
	etp_skb_mark_lost(sk, skb);
}

/*
 * RFC 8985 6.2 step 5 (tcp_rack_detect_loss()): mark what RACK takes for
 * lost; *@wait is the longest any other sent before RACK's segment has
 * still to wait (us), 0 if none.
 */
static void etp_rack_detect(struct sock *sk, u32 *wait)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 reo_wnd = etp_rack_reo_wnd(sk), now = etp_now_us();
	struct sk_buff *skb;

	*wait = 0;
	skb_rbtree_walk(skb, &ep->rtx_root) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);
		s32 left;

		if (cb->sacked & ETP_SACKED_ACKED)
			continue;
		/* Marked lost and not yet sent again: nothing to learn. */
		if ((cb->sacked & (ETP_SACKED_LOST | ETP_SACKED_RETRANS)) ==
		    ETP_SACKED_LOST)
			continue;
		if (!etp_sent_after(ep->rack.xmit_us, cb->sent_us,
				    ep->rack.end_seq, cb->end_seq)) {
			if (!(cb->sacked & ETP_EVER_RETRANS))
				break;		/* all above went later */
			continue;
		}
		left = ep->rack.rtt_us + reo_wnd - (now - cb->sent_us);
		if (left <= 0)
			etp_rack_lost(sk, skb);
		else
			*wait = max_t(u32, *wait, left);
	}
}

/**
 * etp_rack_mark_lost() - take for lost what RACK says is
 * @sk: the socket, locked, SACK on
 *
 * After a delivery (etp_rack_advance()), marks the segments sent before
 * the most recent one delivered that waited its RTT and the reordering
 * window, and sets the reordering timer for the others.
 *
 * Return: true if a segment was marked lost, or a retransmission taken
 * for lost again.
 */
bool etp_rack_mark_lost(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 lost = ep->lost_out, retrans = ep->retrans_out, wait;

	sock_owned_by_me(sk);
	if (!ep->rack.advanced)
		return false;
	ep->rack.advanced = 0;
	etp_rack_detect(sk, &wait);
	if (wait)
		etp_reo_timer_arm(sk, wait);
	return ep->lost_out != lost || ep->retrans_out != retrans;
}

/**
 * etp_rack_timeout_mark_lost() - what a retransmission timeout takes for lost
 * @sk: the socket, locked, SACK on
 *
 * RFC 8985 6.3, as tcp_timeout_mark_lost(): the oldest segment went an RTO
 * ago and is lost; any other only once RACK's RTT has passed since it went
 * (no reordering window). One sent since may still be on its way: RACK
 * marks it later if its time comes, a timeout does not resend it blindly.
 * A retransmission taken for lost leaves the retransmitted count, to go
 * again.
 */
void etp_rack_timeout_mark_lost(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *head = etp_rtx_head(sk), *skb;
	u32 now = etp_now_us();

	sock_owned_by_me(sk);
	skb = head;
	skb_rbtree_walk_from(skb) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);

		if (cb->sacked & ETP_SACKED_ACKED)
			continue;
		if (skb != head && (s32)(ep->rack.rtt_us - (now - cb->sent_us)) > 0)
			continue;	/* sent within the last RTT */
		etp_rack_lost(sk, skb);
	}
}

/**
 * etp_rack_dsack() - a D-SACK arrived: RACK's window may have been short
 * @sk: the socket, locked
 *
 * As tcp_rack_update_reo_wnd(): once a round at most, the reordering
 * window grows by a quarter of the least RTT, and stays so for
 * ETP_RACK_PERSIST recoveries.
 */
void etp_rack_dsack(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	if (READ_ONCE(etp_sk_pernet(sk)->sysctl.recovery) & ETP_RACK_STATIC_REO_WND)
		return;
	if (ep->rack.dsack && etp_before(ep->snd_una, ep->rack.dsack_round))
		return;		/* widened this round already */
	ep->rack.reo_steps = min_t(u32, ep->rack.reo_steps + 1, U8_MAX);
	ep->rack.dsack = 1;
	ep->rack.dsack_round = ep->snd_max;
	ep->rack.reo_persist = ETP_RACK_PERSIST;
}

/**
 * etp_rack_recovered() - a recovery ended
 * @sk: the socket, locked
 * @undone: it proved needless (undo)
 *
 * A widened window lasts ETP_RACK_PERSIST recoveries that were not undone,
 * then returns to a quarter of the least RTT.
 */
void etp_rack_recovered(struct sock *sk, bool undone)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	if (undone || !ep->rack.reo_persist)
		return;
	if (!--ep->rack.reo_persist)
		ep->rack.reo_steps = 1;
}

#include "tests/rack_test.c"
