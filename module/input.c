// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path, in softirq (or from a socket's backlog when a process
 * owned the socket as the segment arrived).
 *
 * demux.c finds the connection a segment is for and hands it over with the
 * socket's bh lock held (or through its backlog). etp_rcv_state_process()
 * then follows RFC 9293 3.10.7 ("SEGMENT ARRIVES"):
 * sequence number, RST, SYN, ACK, data, FIN; RST and SYN acceptance follows
 * RFC 5961. State changes are events for statetable.c.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/sock.h>

#include "etp.h"
#include "trace.h"

/* An acceptable RST arrived for @sk (before the state machine sees it). */
static void etp_trace_recv_reset(const struct sock *sk, u32 seq)
{
	const struct inet_sock *inet = inet_sk(sk);

	trace_etp_recv_reset(sock_net(sk), sk, inet->inet_saddr, inet->inet_daddr,
			     inet->inet_sport, inet->inet_dport, sk->sk_state,
			     seq);
}

/* RFC 5961 3.2, 4.2, 5.2: answer a suspect segment with an ACK, a limited
 * number of times per second per namespace.
 */
/*
 * An ACK to an unacceptable segment, at most one per invalid_ratelimit_ms
 * per socket, as TCP's __tcp_oow_rate_limited(): two ETP sockets that each
 * take the other's ACKs as unacceptable would otherwise answer each other
 * for ever, and a flood of forged segments would be answered at its rate.
 * Return true, counting it in @skipped, if this one must not be sent.
 */
static bool etp_oow_rate_limited(struct sock *sk, enum etp_mib skipped)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 limit = msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.invalid_ratelimit_ms));
	u32 now = jiffies;

	if (ep->last_oow_ack) {
		s32 elapsed = (s32)(now - ep->last_oow_ack);

		if (elapsed >= 0 && elapsed < limit) {
			etp_mib_add(sock_net(sk), skipped, 1);
			return true;
		}
	}
	ep->last_oow_ack = now;
	return false;
}

static void etp_challenge_ack(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);
	u32 limit = READ_ONCE(en->sysctl.challenge_ack_limit);
	unsigned long now = jiffies / HZ;
	u32 count;

	if (etp_oow_rate_limited(sk, ETP_MIB_AckSkippedChallenge))
		return;
	if (limit == INT_MAX)
		goto send;
	/*
	 * A namespace's budget, drawn at random each second between half and
	 * one and a half times the limit, as TCP's: a fixed one let an
	 * off-path sender count the ACKs it drew and learn whether a guessed
	 * 4-tuple exists (CVE-2016-5696).
	 */
	if (READ_ONCE(en->challenge_ack_stamp) != now) {
		u32 half = (limit + 1) >> 1;

		WRITE_ONCE(en->challenge_ack_stamp, now);
		WRITE_ONCE(en->challenge_ack_count,
			   half + (u32)(((u64)get_random_u32() * limit) >> 32));
	}
	count = READ_ONCE(en->challenge_ack_count);
	if (!count)
		return;
	WRITE_ONCE(en->challenge_ack_count, count - 1);
send:
	ETP_INC_STATS(sock_net(sk), ChallengeAcks);
	etp_send_ack(sk);
}

/*
 * Append in-order @skb to the receive queue's last segment if they can
 * share it (etp_rmem_coalesce()). On success @skb is consumed.
 */
static bool etp_try_coalesce(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);

	return tail && etp_rmem_coalesce(sk, tail, skb);
}

/* Queue an in-order segment for the reader and take in its FIN. */
static void etp_queue_in_order(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	bool fin = ETP_SKB_CB(skb)->flags & ETPHDR_FIN;

	ep->rcv_nxt = ETP_SKB_CB(skb)->end_seq;
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	if (fin) {
		ep->rcv_fin = 1;
		etp_sm_event(sk, ETP_EV_RCV_FIN);
	}
}

/* Move what the out-of-order queue now continues to the receive queue. */
static void etp_ooo_drain(struct sock *sk)
{
	struct sk_buff *skb;

	/*
	 * Overlap with what is already in stays: the skb's data may be in
	 * page fragments, which cannot be pulled; the reader skips it, since
	 * it reads from copied_seq.
	 */
	while (!etp_sk(sk)->rcv_fin && (skb = etp_ofo_next(sk)))
		etp_queue_in_order(sk, skb);
}

/*
 * RFC 9293 3.10.7.4, seventh and eighth: the segment text and the FIN.
 * Takes the skb.
 */
static void etp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	enum skb_drop_reason why = SKB_DROP_REASON_NOT_SPECIFIED;
	bool fin = cb->flags & ETPHDR_FIN;
	u32 len, end_seq;

	__skb_pull(skb, etp_hdr(skb)->doff * 4);
	len = skb->len;
	if (!len && !fin) {
		consume_skb(skb);	/* an ACK, done with */
		return;
	}

	if (!etp_after(cb->end_seq, ep->rcv_nxt)) {
		/*
		 * A duplicate: the peer missed our ACK. A FIN again goes to the
		 * state machine, which ACKs it where the state table says.
		 */
		if (fin && ep->rcv_fin && cb->end_seq == ep->rcv_nxt) {
			etp_sm_event(sk, ETP_EV_RCV_FIN);
		} else {
			if (len)
				etp_dsack_set(sk, cb->seq, cb->end_seq);
			etp_send_ack(sk);
		}
		why = SKB_DROP_REASON_TCP_OLD_DATA;
		goto drop;
	}

	/* Text and FIN mean something only before the peer's FIN. */
	if (!etp_state_is(sk, ETP_S_RCV_TEXT) || ep->rcv_fin)
		goto drop;

	/* New data after close(): no one will read it (as TCP, RFC 2525 2.17). */
	if (len && sock_flag(sk, SOCK_DEAD) &&
	    etp_after(cb->seq + len, ep->rcv_nxt)) {
		etp_sm_event(sk, ETP_EV_ABORT);
		why = SKB_DROP_REASON_TCP_CLOSE;
		goto drop;
	}

	/*
	 * What the path marked (ECN, ecn.c): an ACK owed for earlier data
	 * may have to go first, with their CE state.
	 */
	if (len && ep->ecn_flags) {
		if (etp_ecn_rcv_flush(sk, skb))
			etp_send_ack(sk);
		etp_ecn_rcv(sk, skb);
	}

	if (!etp_after(cb->seq, ep->rcv_nxt)) {
		/*
		 * In order, possibly overlapping what is already in: the overlap
		 * stays (paged data cannot be pulled) and the reader skips it.
		 */
		bool window_closed = !ep->rcv_wnd ||
				     !etp_after(ep->rcv_wup + ep->rcv_wnd, ep->rcv_nxt);
		/* A GSO skb (from veth or loopback) is many full segments. */
		u8 segs = skb_is_gso(skb) ? clamp_t(u16, skb_shinfo(skb)->gso_segs, 1, 2) : 1;

		/* Partly old: that part came twice (RFC 2883). */
		if (len && etp_before(cb->seq, ep->rcv_nxt))
			etp_dsack_set(sk, cb->seq, ep->rcv_nxt);
		if (len && window_closed) {
			/* No room: drop it, the peer will send it again. */
			etp_send_ack(sk);
			why = SKB_DROP_REASON_TCP_ZEROWINDOW;
			goto drop;
		}
		etp_measure_scaling_ratio(sk, skb);
		if (len)
			etp_ack_data_rcvd(sk, skb, len);
		end_seq = cb->end_seq;	/* cb goes with skb when it is coalesced */
		if (etp_try_coalesce(sk, skb)) {
			ep->rcv_nxt = end_seq;
			if (fin) {
				ep->rcv_fin = 1;
				etp_sm_event(sk, ETP_EV_RCV_FIN);
			}
		} else if (len && !etp_ofo_make_room(sk, skb)) {
			etp_send_ack(sk);
			why = SKB_DROP_REASON_SOCKET_RCVBUFF;
			goto drop;
		} else {
			if (!len)
				skb_dst_drop(skb);
			etp_queue_in_order(sk, skb);
		}
		ep->segs_unacked += segs;
		etp_rcv_rtt_measure(sk);
		if (!etp_ofo_empty(sk)) {
			etp_ooo_drain(sk);
			etp_sack_remove(sk);
			/* A hole was filled: tell the sender at once. */
			etp_send_ack(sk);
		} else if (ep->segs_unacked >= 2 || fin || (len && etp_ack_quick(sk))) {
			if (!fin)	/* the FIN's transition sent the ACK */
				etp_send_ack(sk);
		} else {
			etp_schedule_ack(sk);
		}
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_data_ready(sk);
		return;
	}

	/* Out of order: beyond the window it is dropped; ACK at once either way. */
	if (!etp_before(cb->seq, ep->rcv_wup + ep->rcv_wnd)) {
		etp_send_ack(sk);
		why = SKB_DROP_REASON_TCP_OVERWINDOW;
		goto drop;
	}
	skb_dst_drop(skb);
	etp_ofo_insert(sk, skb);
	etp_send_ack(sk);
	return;
drop:
	/* The reason shows in the skb:kfree_skb tracepoint (perf, dropwatch). */
	kfree_skb_reason(skb, why);
}

/*
 * Data sent once, not SACKed, up to the recovery point: for F-RTO, the
 * peer had what was there before the timeout (TCP's FLAG_ORIG_SACK_ACKED).
 */
static int etp_acked_orig(const struct etp_sock *ep, const struct etp_skb_cb *cb,
			  u32 end)
{
	return !(cb->sacked & (ETP_EVER_RETRANS | ETP_SACKED_ACKED)) &&
	       !etp_after(end, ep->recover) ? ETP_ACK_ORIG : 0;
}

/*
 * Free what the ACK covers; return the RTT sample (0 if none). Karn's
 * algorithm: an ACK that covers a retransmitted segment times nothing,
 * since it may answer the retransmission; otherwise the earliest segment
 * it covers is timed, as Linux TCP does. ETP_ACK_ORIG joins *@flag.
 */
static u32 etp_clean_rtx_queue(struct sock *sk, u32 ack, u32 prior_fack,
			       int *flag)
{
	bool retransmitted = false, sampled = false;
	u32 first_sent = 0, reord = etp_sk(sk)->snd_max;
	struct sk_buff *skb;

	while ((skb = etp_rtx_head(sk))) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);

		if (etp_after(cb->end_seq, ack))
			break;
		if (cb->retrans) {
			retransmitted = true;
		} else if (!sampled) {
			first_sent = cb->sent_us;
			sampled = true;
		}
		/* Sent once, not SACKed, below a SACK: it came late. */
		if (!(cb->sacked & (ETP_EVER_RETRANS | ETP_SACKED_ACKED)) &&
		    etp_before(cb->seq, reord))
			reord = cb->seq;
		*flag |= etp_acked_orig(etp_sk(sk), cb, cb->end_seq);
		/* SACKed ones told RACK already (sack.c). */
		if (etp_sk(sk)->sack_ok && !(cb->sacked & ETP_SACKED_ACKED))
			etp_rack_advance(etp_sk(sk), cb);
		etp_rtx_unlink_free(sk, skb);
	}
	if (etp_sk(sk)->sack_ok)
		etp_sack_reordering(sk, reord, prior_fack);
	/*
	 * A large skb partly acknowledged loses its acknowledged head, so that
	 * a retransmission starts at the first byte missing (tcp_trim_head()).
	 * Without memory for the split it stays whole, and is sent whole.
	 */
	skb = etp_rtx_head(sk);
	if (skb && etp_before(ETP_SKB_CB(skb)->seq, ack) &&
	    !(ETP_SKB_CB(skb)->flags & ETPHDR_SYN) &&
	    !etp_fragment(sk, skb, ack - ETP_SKB_CB(skb)->seq)) {
		*flag |= etp_acked_orig(etp_sk(sk), ETP_SKB_CB(skb), ack);
		etp_rtx_unlink_free(sk, skb);
	}
	sk_mem_reclaim(sk);
	if (retransmitted || !sampled)
		return 0;
	return max(etp_now_us() - first_sent, 1U);
}

/*
 * Take the RTT an ACK that acknowledged data tells: @rtt from sequence
 * numbers, or, when Karn's rule forbids one (the data went more than once),
 * from the timestamps' echo (as tcp_ack_update_rtt()); with neither, the RTO
 * that timeouts backed off stays until data sent once is acknowledged.
 * Return: the RTT taken (us), -1 if none.
 */
static s32 etp_ack_rtt(struct sock *sk, const struct sk_buff *skb, u32 rtt)
{
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct etp_sock *ep = etp_sk(sk);
	long ts_rtt;

	if (!rtt && ep->tstamp_ok && cb->rx_opts & ETP_RXO_TS && cb->tsecr) {
		ts_rtt = etp_ts_rtt_us(sk, cb->tsecr);
		if (ts_rtt > 0)
			rtt = ts_rtt;
	}
	if (rtt)
		etp_rtt_sample(sk, rtt);
	else if (ep->retransmits)
		etp_rto_restore(sk);
	ep->retransmits = 0;
	return rtt ? min_t(u32, rtt, S32_MAX) : -1;
}

/*
 * What an ACK told arrived, counted for the algorithm (TCP's
 * tcp_count_delivered(), in bytes), which then hears of the ACK.
 */
static void etp_ack_delivered(struct sock *sk, u32 delivered, int flag)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_ca_ops *ca = etp_cong(sk);

	ep->delivered += delivered;
	if (flag & ETP_ACK_ECE)
		ep->delivered_ce += delivered;
	if (ca->in_ack_event) {
		ca->in_ack_event(sk, flag & ETP_ACK_ECE ? ETP_CA_ACK_ECE : 0);
		etp_ca_clamp(sk);
	}
}

/*
 * RFC 9293 3.10.7.4, fifth: the ACK field. Return false if the segment
 * must be dropped.
 */
static bool etp_ack(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u32 ack = cb->ack_seq, acked, rtt, sacked = 0, prior_sacked = ep->sacked_out;
	u32 prior_fack = etp_sack_fack(ep), tsecr = 0, delivered;
	u32 wnd = (u32)cb->window << ep->snd_wscale;
	const struct etp_ca_ops *ca = etp_cong(sk);
	bool wnd_changed = false;
	int flag = 0;

	if (ep->tstamp_ok && cb->rx_opts & ETP_RXO_TS)
		tsecr = cb->tsecr;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!etp_after(ack, ep->snd_una) || etp_after(ack, ep->snd_max)) {
			trace_etp_send_reset(sock_net(sk), sk,
					     ip_hdr(skb)->daddr,
					     ip_hdr(skb)->saddr,
					     etp_hdr(skb)->dest,
					     etp_hdr(skb)->source, ack, 0,
					     ETP_RST_BAD_ACK);
			etp_send_ctl(sock_net(sk), ip_hdr(skb)->daddr,
				     ip_hdr(skb)->saddr, etp_hdr(skb)->dest,
				     etp_hdr(skb)->source, ack, 0, ETPHDR_RST,
				     0, inet_iif(skb), sk);
			return false;
		}
		ep->snd_wnd = wnd;
		ep->snd_wl1 = cb->seq;
		ep->snd_wl2 = ack;
		etp_recovery_syn_acked(sk);
		etp_sm_event(sk, ETP_EV_SYN_ACKED);
	}

	/*
	 * RFC 5961 5.2: ACKs of what was never sent, or far too old (under
	 * the lab's rfc5961=off an old ACK is ignored and the text taken, as
	 * RFC 793 did: a blind injector need not guess the ACK).
	 */
	if (etp_after(ack, ep->snd_max)) {
		etp_challenge_ack(sk);
		return false;
	}
	if (etp_before(ack, ep->snd_una - ep->max_window) &&
	    !etp_v(sk, ETP_V_NO5961)) {
		etp_challenge_ack(sk);
		return false;
	}
	/* The peer is alive: keepalive and window probes start over. */
	ep->probes_out = 0;
	/*
	 * The peer's SACK blocks, once SACK is negotiated (sack.c); an old
	 * ACK's too, as TCP's: ACKs overtake one another.
	 */
	if (ep->sack_ok && cb->rx_opts & ETP_RXO_SACK)
		flag = etp_sack_tag(sk, skb, &sacked);
	if (etp_before(ack, ep->snd_una))
		return true;		/* an old ACK: its data still counts */
	if (ep->ecn_flags && etp_ecn_rcv_ece(sk, skb))
		flag |= ETP_ACK_ECE;

	/* RFC 9293 3.10.7.4: update the send window from newer segments. */
	if (etp_before(ep->snd_wl1, cb->seq) ||
	    (ep->snd_wl1 == cb->seq && !etp_before(ack, ep->snd_wl2))) {
		wnd_changed = ep->snd_wnd != wnd;
		ep->snd_wnd = wnd;
		ep->snd_wl1 = cb->seq;
		ep->snd_wl2 = ack;
		ep->max_window = max(ep->max_window, wnd);
	}

	acked = ack - ep->snd_una;
	if (acked) {
		/* Only an algorithm that wants the sample pays for it. */
		struct etp_ack_sample sample = {
			.acked = acked,
			.in_flight = ca->pkts_acked ? etp_in_flight(ep) : 0,
		};

		rtt = etp_clean_rtx_queue(sk, ack, prior_fack, &flag);
		ep->snd_una = ack;
		if (etp_before(ep->snd_nxt, ack))
			ep->snd_nxt = ack;
		sample.rtt_us = etp_ack_rtt(sk, skb, rtt);
		if (ca->pkts_acked) {
			ca->pkts_acked(sk, &sample);
			etp_ca_clamp(sk);
		}
		/*
		 * RFC 6298 5.2, 5.3, or the loss probe's timeout (RFC 8985
		 * 7.2); recovery may bring the timer closer.
		 */
		if (ep->snd_una == ep->snd_max)
			etp_stop_rtx_timer(sk);
		else if (!etp_loss_probe_arm(sk, true))
			etp_reset_rtx_timer(sk);
		/*
		 * Delivered: what it acknowledged that no SACK had, and what
		 * it SACKed anew (RFC 6937's DeliveredData).
		 */
		delivered = acked + ep->sacked_out - prior_sacked;
		etp_ack_delivered(sk, delivered, flag);
		etp_recovery_ack(sk, acked, delivered, flag, tsecr);
		etp_sndbuf_expand(sk);
		if (ep->fin_queued && ep->snd_una == ep->write_seq &&
		    etp_sm_event(sk, ETP_EV_FIN_ACKED) == TCP_CLOSE)
			return false;
		/*
		 * Only a writer that ran out of room (poll and sendmsg set
		 * SOCK_NOSPACE) needs waking, as tcp_check_space(): waking on
		 * every ACK would also wake a reader sleeping on the same
		 * queue, before its data is there.
		 */
		if (sk->sk_socket && test_bit(SOCK_NOSPACE, &sk->sk_socket->flags) &&
		    sk_stream_is_writeable(sk))
			sk->sk_write_space(sk);
	} else if (ep->snd_max != ep->snd_una || flag & ETP_SACK_DSACK) {
		/*
		 * RFC 5681 2: a duplicate ACK carries no data, SYN, FIN or new
		 * window, with data in flight. With nothing in flight only a
		 * late D-SACK matters (undo): a receiver's ACKs skip this.
		 */
		if (ep->snd_max != ep->snd_una && !wnd_changed &&
		    skb->len == etp_hdr(skb)->doff * 4 &&
		    !(cb->flags & (ETPHDR_SYN | ETPHDR_FIN)))
			flag |= ETP_ACK_DUP;
		delivered = ep->sacked_out - prior_sacked;
		etp_ack_delivered(sk, delivered, flag);
		etp_recovery_ack(sk, 0, delivered, flag, tsecr);
	} else if (ca->in_ack_event) {
		ca->in_ack_event(sk, flag & ETP_ACK_ECE ? ETP_CA_ACK_ECE : 0);
		etp_ca_clamp(sk);
	}
	if (!etp_state_is(sk, ETP_S_CONN))		/* closed, or handed to TIME_WAIT */
		return false;
	if (ep->persist && ep->snd_wnd)
		etp_stop_rtx_timer(sk);
	trace_etp_probe(sock_net(sk), sk, skb->len - etp_hdr(skb)->doff * 4);
	etp_write_xmit(sk);
	return true;
}

/* RFC 9293 3.10.7.3: a segment for a socket in SYN_SENT. */
static void etp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	bool ack = cb->flags & ETPHDR_ACK;
	u16 mss;
	u8 wscale;
	bool wscale_ok;
	u32 rtt;

	if (ack && (!etp_after(cb->ack_seq, ep->iss) ||
		    etp_after(cb->ack_seq, ep->snd_max))) {
		/*
		 * An old duplicate's ACK (RFC 9293 3.5, figure 9). The lab's
		 * handshake=2way has no third segment, so no RST either: the
		 * peer keeps the connection the old SYN opened.
		 */
		if (!etp_v(sk, ETP_V_2WAY))
			etp_send_reset(sock_net(sk), skb, sk, ETP_RST_BAD_ACK);
		return;
	}
	if (cb->flags & ETPHDR_RST) {
		if (ack) {
			etp_trace_recv_reset(sk, cb->seq);
			etp_sm_event(sk, ETP_EV_RCV_RST);
		}
		return;
	}
	if (!(cb->flags & ETPHDR_SYN))
		return;

	/*
	 * RFC 7323 3.2: timestamps if both SYNs have them. A SYN-ACK that
	 * echoes a TSval our SYN never sent is refused with a RST, as TCP's
	 * (PAWSActiveRejected): it answers some other SYN.
	 */
	/*
	 * A SYN alone (a simultaneous open) on a 4-tuple taken over from
	 * TIME_WAIT, with a TSval older than the old connection's last: an
	 * old duplicate (TCP's PAWS check in tcp_rcv_synsent_state_process()).
	 */
	if (!ack && ep->ts_recent_stamp && cb->rx_opts & ETP_RXO_TS &&
	    etp_paws_reject(ep->ts_recent, ep->ts_recent_stamp, cb->tsval, false))
		return;
	if (ep->tstamp_ok && !(cb->rx_opts & ETP_RXO_TS)) {
		ep->tstamp_ok = 0;
	} else if (ep->tstamp_ok) {
		if (ack && cb->tsecr &&
		    !etp_between(cb->tsecr, ep->retrans_stamp, etp_tsval(sk))) {
			ETP_INC_STATS(sock_net(sk), PAWSActive);
			etp_send_reset(sock_net(sk), skb, sk, ETP_RST_BAD_ACK);
			return;
		}
		etp_ts_init(sk, cb->tsval);
	}
	/* RFC 2018: SACK if both SYNs permit it. */
	if (!(cb->rx_opts & ETP_RXO_SACK_PERM))
		ep->sack_ok = 0;
	/* RFC 3168 6.1.1: ECN if the SYN-ACK agrees (none in a simultaneous open). */
	etp_ecn_rcv_synack(sk, ack ? cb->flags : 0);
	etp_parse_syn_options(skb, &mss, &wscale, &wscale_ok);
	etp_init_rcv_seq(sk, cb->seq);
	ep->wscale_ok = wscale_ok;
	ep->snd_wscale = wscale_ok ? wscale : 0;
	if (!wscale_ok)
		ep->rcv_wscale = 0;
	etp_set_mss(sk, mss);
	ep->snd_wnd = cb->window;	/* a SYN's window is never scaled */
	ep->max_window = ep->snd_wnd;
	ep->snd_wl1 = cb->seq;
	ep->snd_wl2 = cb->ack_seq;

	if (ack) {
		int flag = 0;

		rtt = etp_clean_rtx_queue(sk, cb->ack_seq, ep->snd_una, &flag);
		ep->snd_una = cb->ack_seq;
		etp_ack_rtt(sk, skb, rtt);
		etp_stop_rtx_timer(sk);
		etp_recovery_syn_acked(sk);
		etp_sm_event(sk, ETP_EV_RCV_SYNACK);
		etp_reset_keepalive(sk);
		etp_write_xmit(sk);
	} else {
		etp_sm_event(sk, ETP_EV_RCV_SYN);
	}
}

/**
 * etp_rcv_state_process() - process a segment for a connection
 * @sk: the socket, not a listener, bh-locked in softirq or owned from the
 *      backlog
 * @skb: the segment, its header at skb->data, ETP_SKB_CB filled; taken
 *
 * RFC 9293 3.10.7.3 for SYN_SENT, 3.10.7.4 for the states past it.
 */
void etp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u32 wnd_end = ep->rcv_wup + ep->rcv_wnd;

	sock_owned_by_me(sk);
	/*
	 * Closed while the segment waited in the backlog (a TIME_WAIT entry
	 * may have taken its place): drop it, as TCP; a RST would be wrong.
	 */
	if (sk->sk_state == TCP_CLOSE)
		goto drop;
	if (sk->sk_state == TCP_SYN_SENT) {
		ep->rcv_tstamp = jiffies;
		etp_rcv_synsent(sk, skb);
		consume_skb(skb);
		return;
	}

	/*
	 * PAWS first (RFC 7323 5.3, TCP's H1): an older TSval than TS.Recent
	 * is an old duplicate; a RST is exempt and a SYN goes on to meet the
	 * SYN check, as TCP's tcp_validate_incoming().
	 */
	if (ep->tstamp_ok && cb->rx_opts & ETP_RXO_TS &&
	    !(cb->flags & (ETPHDR_RST | ETPHDR_SYN)) && etp_paws_discard(sk, skb)) {
		ETP_INC_STATS(sock_net(sk), PAWSEstab);
		/* Old data again, as tcp_send_dupack() says it. */
		if (cb->end_seq != cb->seq && etp_before(cb->seq, ep->rcv_nxt))
			etp_dsack_set(sk, cb->seq,
				      etp_after(cb->end_seq, ep->rcv_nxt) ?
				      ep->rcv_nxt : cb->end_seq);
		if (!etp_oow_rate_limited(sk, ETP_MIB_AckSkippedPAWS))
			etp_send_ack(sk);
		kfree_skb_reason(skb, SKB_DROP_REASON_TCP_RFC7323_PAWS);
		return;
	}

	/* First: the sequence number (as Linux TCP: any overlap with the window). */
	if (etp_before(cb->end_seq, ep->rcv_wup) ||
	    etp_after(cb->seq, wnd_end) ||
	    (cb->seq == wnd_end && cb->end_seq != cb->seq)) {
		/* Old data again: report it (tcp_send_dupack()). */
		if (cb->end_seq != cb->seq && etp_before(cb->seq, ep->rcv_nxt) &&
		    !(cb->flags & (ETPHDR_SYN | ETPHDR_RST)))
			etp_dsack_set(sk, cb->seq,
				      etp_after(cb->end_seq, ep->rcv_nxt) ?
				      ep->rcv_nxt : cb->end_seq);
		/* Data is no ACK loop: only empty segments are limited (TCP too). */
		if (!(cb->flags & ETPHDR_RST) &&
		    !(cb->seq == cb->end_seq &&
		      etp_oow_rate_limited(sk, ETP_MIB_AckSkippedSeq)))
			etp_send_ack(sk);
		goto drop;
	}

	/*
	 * Second: RST, accepted only at exactly RCV.NXT (RFC 5961 3.2); the
	 * lab's rfc5961=off takes one anywhere in RCV.NXT..RCV.NXT+WND - 1
	 * (RFC 793).
	 */
	if (cb->flags & ETPHDR_RST) {
		if (cb->seq == ep->rcv_nxt ||
		    (etp_v(sk, ETP_V_NO5961) && etp_after(cb->seq, ep->rcv_nxt) &&
		     etp_before(cb->seq, wnd_end))) {
			etp_trace_recv_reset(sk, cb->seq);
			etp_sm_event(sk, ETP_EV_RCV_RST);
		}
		else
			etp_challenge_ack(sk);
		goto drop;
	}

	/*
	 * Fourth: a SYN in a synchronized state (RFC 5961 4.2); under the
	 * lab's rfc5961=off one at or past RCV.NXT resets the connection, as
	 * RFC 793 said (one before it, the peer's SYN or SYN-ACK sent again,
	 * is only ACKed, as then).
	 */
	if (cb->flags & ETPHDR_SYN) {
		if (!etp_v(sk, ETP_V_NO5961)) {
			etp_challenge_ack(sk);
		} else if (etp_before(cb->seq, ep->rcv_nxt)) {
			if (!etp_oow_rate_limited(sk, ETP_MIB_AckSkippedSeq))
				etp_send_ack(sk);
		} else if (etp_sm_event(sk, ETP_EV_SYN_IN_WINDOW) < 0) {
			etp_challenge_ack(sk);	/* no row for this state */
		}
		goto drop;
	}

	/* Fifth: the ACK. */
	if (!(cb->flags & ETPHDR_ACK) || !etp_ack(sk, skb))
		goto drop;
	/*
	 * Keepalive's clock moves only for a segment that passed the checks
	 * above, as TCP's rcv_tstamp in tcp_ack(): anyone who knows the ports
	 * can send segments outside the window.
	 */
	ep->rcv_tstamp = jiffies;
	if (ep->tstamp_ok)
		etp_ts_take_recent(sk, skb);

	etp_data_queue(sk, skb);
	return;
drop:
	kfree_skb(skb);
}

/**
 * etp_add_backlog() - queue a segment for the process that owns a socket
 * @sk: the socket, bh-locked, owned by a process
 * @skb: the segment
 *
 * With TCP's limit
 * (tcp_add_backlog()): the receive queue may hold up to twice sk_rcvbuf of
 * data the window offered (etp_ofo_make_room()), and the backlog must take
 * a window's worth on top of that while the reader copies. A tighter limit
 * drops in-window data from veth's large skbs, and the sender, seeing no
 * duplicate ACKs for a tail lost that way, stalls until its RTO.
 *
 * Return: false if it was dropped (the caller frees it).
 */
bool etp_add_backlog(struct sock *sk, struct sk_buff *skb)
{
	u64 limit = 2ULL * READ_ONCE(sk->sk_rcvbuf) +
		    (READ_ONCE(sk->sk_sndbuf) >> 1) + 64 * 1024;

	sock_owned_by_me(sk);
	if (!sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX)))
		return true;
	ETP_INC_STATS(sock_net(sk), BacklogDrop);
	return false;
}
