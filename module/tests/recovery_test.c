// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of loss recovery's arithmetic (recovery.c) on a socket: RFC
 * 6675's IsLost() marks what has more than two segments SACKed above it
 * and nothing else; RFC 6937's PRR sends ssthresh/RecoverFS of what the
 * peer got while the pipe is above ssthresh (one segment every other ACK
 * for half the flight), never a burst, and brings the pipe back up to
 * ssthresh, no further, once it fell below; NewReno's ssthresh is half
 * the flight, and of the window when the flight holds more; undo waits
 * for every retransmission D-SACKed or an older TSecr, and brings the
 * window back; F-RTO's steps; an algorithm's nonsense (no ssthresh, no
 * window) is clamped. Included by recovery.c.
 */
#include "selftest.h"

#define ETP_RT_MSS	100

/* A sent skb at @seq of one segment, marked @sacked, in rtx_root. */
static bool __init etp_rt_seg(struct sock *sk, u32 seq, u8 sacked)
{
	return etp_st_seg(sk, seq, ETP_RT_MSS, sacked, 0);
}

/* Which segments are marked lost, as a bit mask by seq / ETP_RT_MSS. */
static u32 __init etp_rt_lost(struct sock *sk)
{
	struct sk_buff *skb;
	u32 mask = 0;

	skb_rbtree_walk(skb, &etp_sk(sk)->rtx_root)
		if (ETP_SKB_CB(skb)->sacked & ETP_SACKED_LOST)
			mask |= 1U << (ETP_SKB_CB(skb)->seq / ETP_RT_MSS);
	return mask;
}

static int __init etp_rt_islost(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;
	int checks = 0;

	/* Segments 0-5; 1, 3 and 4 SACKed: 300 bytes above 0, 200 above 2. */
	ETP_CHECK(etp_rt_seg(sk, 0, 0) && etp_rt_seg(sk, 100, ETP_SACKED_ACKED) &&
		  etp_rt_seg(sk, 200, 0) && etp_rt_seg(sk, 300, ETP_SACKED_ACKED) &&
		  etp_rt_seg(sk, 400, ETP_SACKED_ACKED) && etp_rt_seg(sk, 500, 0));
	etp_sack_mark_lost(sk);
	ETP_CHECK(etp_rt_lost(sk) == 0x1 && ep->lost_out == 100);
	/* Segment 5 SACKed too: 300 above 2, which is lost now. */
	skb = skb_rb_last(&ep->rtx_root);
	ETP_SKB_CB(skb)->sacked = ETP_SACKED_ACKED;
	ep->sacked_out += ETP_RT_MSS;
	etp_sack_mark_lost(sk);
	ETP_CHECK(etp_rt_lost(sk) == 0x5 && ep->lost_out == 200);
	/* Marking again changes nothing. */
	etp_sack_mark_lost(sk);
	ETP_CHECK(etp_rt_lost(sk) == 0x5 && ep->lost_out == 200);

	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	ETP_CHECK(!ep->sacked_out && !ep->lost_out);
	sk_mem_reclaim(sk);
	return checks;
}

/*
 * RFC 6937 section 5's case: twenty segments in flight, the first lost,
 * ssthresh ten. Each ACK SACKs one more segment; what the window then
 * allows is sent, as new data.
 */
static int __init etp_rt_prr(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 sent, total = 0, i, pipe;
	int checks = 0;

	ep->snd_una = 0;
	ep->snd_max = 20 * ETP_RT_MSS;
	ep->ssthresh = 10 * ETP_RT_MSS;
	ep->prr_recover_fs = 20 * ETP_RT_MSS;
	ep->prr_delivered = 0;
	ep->prr_out = ETP_RT_MSS;		/* the first, sent again */
	ep->lost_out = ETP_RT_MSS;
	ep->retrans_out = ETP_RT_MSS;
	ep->sacked_out = 3 * ETP_RT_MSS;	/* the three that began it */
	etp_prr(sk, ETP_RT_MSS);
	/* Half of the 100 bytes delivered is less than the 100 already sent. */
	ETP_CHECK(ep->cwnd == etp_in_flight(ep));

	for (i = 0; i < 16; i++) {
		ep->sacked_out += ETP_RT_MSS;
		pipe = etp_in_flight(ep);
		etp_prr(sk, ETP_RT_MSS);
		sent = ep->cwnd > pipe ? rounddown(ep->cwnd - pipe, ETP_RT_MSS) : 0;
		/* Never a burst: one segment an ACK at most. */
		ETP_CHECK(sent <= ETP_RT_MSS);
		if (pipe > ep->ssthresh)
			/* Proportional: ssthresh / RecoverFS of what arrived. */
			ETP_CHECK(ep->prr_out + sent <=
				  DIV_ROUND_UP(ep->prr_delivered, 2) &&
				  ep->prr_out + sent + ETP_RT_MSS >=
				  DIV_ROUND_UP(ep->prr_delivered, 2));
		else
			/* Slow start back up to ssthresh, not past it. */
			ETP_CHECK(pipe + sent <= ep->ssthresh);
		ep->snd_max += sent;
		ep->prr_out += sent;
		total += sent;
	}
	/* The pipe fell from 17 segments to 10 and stays there. */
	ETP_CHECK(etp_in_flight(ep) == ep->ssthresh);
	/* One every other ACK above ssthresh (4), then one an ACK (5). */
	ETP_CHECK(total == 9 * ETP_RT_MSS);

	ep->snd_una = 0;
	ep->snd_max = 0;
	ep->lost_out = 0;
	ep->retrans_out = 0;
	ep->sacked_out = 0;
	return checks;
}

/*
 * NewReno's ssthresh: half the flight (RFC 5681), but never more than half
 * the window, however much SACKed data the flight holds.
 */
static int __init etp_rt_ssthresh(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int checks = 0;

	ep->snd_una = -300U;			/* across the wrap */
	ep->snd_max = ep->snd_una + 6 * ETP_RT_MSS;
	ep->cwnd = 10 * ETP_RT_MSS;
	ETP_CHECK(etp_cong(sk)->ssthresh(sk) == 3 * ETP_RT_MSS);
	ep->snd_max = ep->snd_una + 40 * ETP_RT_MSS;
	ETP_CHECK(etp_cong(sk)->ssthresh(sk) == 5 * ETP_RT_MSS);
	ep->cwnd = ETP_RT_MSS;
	ETP_CHECK(etp_cong(sk)->ssthresh(sk) == 2 * ETP_RT_MSS);
	ep->snd_una = 0;
	ep->snd_max = 0;
	return checks;
}

/* An algorithm that returns nonsense: no ssthresh, no window. */
static u32 __init etp_rt_bad_ssthresh(struct sock *sk)
{
	return 0;
}

static void __init etp_rt_bad_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	etp_sk(sk)->cwnd = 0;
}

static void __init etp_rt_bad_set_state(struct sock *sk, u8 new)
{
	etp_sk(sk)->ssthresh = 1;
}

static void __init etp_rt_bad_event(struct sock *sk, enum etp_ca_event ev)
{
	etp_sk(sk)->cwnd = 1;
}

static struct etp_ca_ops etp_rt_bad __initdata = {
	.ssthresh	= etp_rt_bad_ssthresh,
	.cong_avoid	= etp_rt_bad_cong_avoid,
	.set_state	= etp_rt_bad_set_state,
	.cwnd_event	= etp_rt_bad_event,
	.name		= "etp_rt_bad",
};

/*
 * Whatever an algorithm returns or sets, ssthresh stays two segments at
 * least and the window one: the connection can always send.
 */
static int __init etp_rt_clamp(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_ca_ops *ca = ep->ca_ops;
	int checks = 0;

	ep->ca_ops = &etp_rt_bad;
	ep->cwnd = 10 * ETP_RT_MSS;
	ep->ssthresh = 5 * ETP_RT_MSS;
	ETP_CHECK(etp_ca_ssthresh(sk) == 2 * ETP_RT_MSS);
	etp_ca_cong_avoid(sk, ETP_RT_MSS);
	ETP_CHECK(ep->cwnd == ETP_RT_MSS);
	ep->ca_state = ETP_CA_OPEN;
	etp_ca_state_hook(sk, ETP_CA_RECOVERY);
	ETP_CHECK(ep->ssthresh == 2 * ETP_RT_MSS);
	ep->cwnd = 10 * ETP_RT_MSS;
	etp_ca_event(sk, ETP_CA_EVENT_TX_START);
	ETP_CHECK(ep->cwnd == ETP_RT_MSS);
	ep->ca_ops = ca;
	return checks;
}

/*
 * Undo (tcp_may_undo(), tcp_undo_cwnd_reduction()): an episode's start
 * keeps the window; it may be undone once every retransmission was
 * D-SACKed, or on a TSecr older than the first retransmission, not the
 * same age; a partial ACK with a retransmission out undoes nothing; the
 * undo brings back cwnd and ssthresh and unmarks only what was lost and
 * not sent again.
 */
static int __init etp_rt_undo(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;
	int checks = 0;

	/* 0 lost and sent again, 1 lost, 2 SACKed, 3 in flight. */
	ETP_CHECK(etp_rt_seg(sk, 0, ETP_SACKED_LOST | ETP_SACKED_RETRANS) &&
		  etp_rt_seg(sk, 100, ETP_SACKED_LOST) &&
		  etp_rt_seg(sk, 200, ETP_SACKED_ACKED) && etp_rt_seg(sk, 300, 0));
	ep->snd_una = 0;
	ep->snd_max = 4 * ETP_RT_MSS;
	ETP_CHECK(ep->lost_out == 2 * ETP_RT_MSS && ep->retrans_out == ETP_RT_MSS);
	ep->cwnd = 10 * ETP_RT_MSS;
	ep->ssthresh = 8 * ETP_RT_MSS;
	ep->ca_state = ETP_CA_OPEN;
	etp_init_undo(sk);
	/* ssthresh before: the larger of 8 and three quarters of 10. */
	ETP_CHECK(ep->undo_on && ep->undo_marker == 0 && !ep->undo_ts &&
		  ep->undo_retrans == ETP_RT_MSS && ep->prior_cwnd == 10 * ETP_RT_MSS &&
		  ep->prior_ssthresh == 8 * ETP_RT_MSS);
	ep->ca_state = ETP_CA_RECOVERY;
	ep->cwnd = 2 * ETP_RT_MSS;
	ep->ssthresh = 2 * ETP_RT_MSS;
	ETP_CHECK(!etp_may_undo(ep, 0));
	ep->undo_ts = 1;
	ep->undo_tsval = 1000;
	ETP_CHECK(etp_packet_delayed(ep, 999) && !etp_packet_delayed(ep, 1000) &&
		  !etp_packet_delayed(ep, 0) && etp_may_undo(ep, 999));
	/* Delayed, but the retransmission is out: wait, undo nothing. */
	ETP_CHECK(etp_try_undo_partial(sk, 999) && ep->undo_on &&
		  ep->cwnd == 2 * ETP_RT_MSS && ep->ca_state == ETP_CA_RECOVERY);
	ep->undo_retrans = 0;
	ETP_CHECK(etp_may_undo(ep, 0));
	etp_undo(sk, true, ETP_MIB_FullUndo, ETP_CA_OPEN);
	ETP_CHECK(!ep->undo_on && ep->ca_state == ETP_CA_OPEN &&
		  ep->cwnd == 10 * ETP_RT_MSS && ep->ssthresh == 8 * ETP_RT_MSS);
	/* 1 is in flight again, 0 stays marked and sent: the pipe is 3. */
	ETP_CHECK(etp_rt_lost(sk) == 0x1 && ep->lost_out == ETP_RT_MSS &&
		  etp_in_flight(ep) == 3 * ETP_RT_MSS);

	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	ETP_CHECK(!ep->sacked_out && !ep->lost_out && !ep->retrans_out);
	ep->snd_max = 0;
	ep->undo_ts = 0;
	ep->undo_retrans = -1;
	sk_mem_reclaim(sk);
	return checks;
}

/*
 * F-RTO (RFC 5682 3.1) in Loss: the first ACK that moves SND.UNA sends new
 * data first if some waits and the peer's window takes it (step 2.b), and
 * ends F-RTO if none can go; once new data went, a duplicate ACK or a
 * SACK of new data ends it (3.a), an ACK that tells neither leaves it on;
 * an ACK of data sent once before the timeout undoes it (3.b).
 */
static int __init etp_rt_frto(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	int checks = 0;

	ETP_CHECK(skb);
	ep->ca_state = ETP_CA_LOSS;
	ep->snd_una = 100;
	ep->snd_max = 400;
	ep->recover = 400;
	ep->snd_wnd = 10 * ETP_RT_MSS;
	ep->cwnd = ETP_RT_MSS;
	ep->ssthresh = 2 * ETP_RT_MSS;
	ep->prior_cwnd = 10 * ETP_RT_MSS;
	ep->prior_ssthresh = 8 * ETP_RT_MSS;
	ep->undo_on = 1;
	ep->undo_retrans = ETP_RT_MSS;
	ep->frto = 1;
	/* Nothing waits: F-RTO ends, Loss goes on. */
	ETP_CHECK(!etp_loss_ack(sk, ETP_RT_MSS, 0, 0) && !ep->frto &&
		  !ep->frto_new && ep->ca_state == ETP_CA_LOSS);
	/* Data waits and the window takes it: it goes first. */
	__skb_queue_tail(&sk->sk_write_queue, skb);
	ep->frto = 1;
	ETP_CHECK(!etp_loss_ack(sk, ETP_RT_MSS, 0, 0) && ep->frto &&
		  ep->frto_new && ep->recover == 400);
	/* ...not past the peer's window. */
	ep->frto_new = 0;
	ep->snd_wnd = 300;
	ETP_CHECK(!etp_loss_ack(sk, ETP_RT_MSS, 0, 0) && !ep->frto &&
		  !ep->frto_new);
	__skb_unlink(skb, &sk->sk_write_queue);
	kfree_skb(skb);
	/* New data went (snd_max past recover). */
	ep->snd_max = 600;
	ep->frto = 1;
	ETP_CHECK(!etp_loss_ack(sk, 0, 0, 0) && ep->frto);
	ETP_CHECK(!etp_loss_ack(sk, 0, ETP_ACK_DUP, 0) && !ep->frto);
	ep->frto = 1;
	ETP_CHECK(!etp_loss_ack(sk, 0, ETP_SACK_NEW, 0) && !ep->frto);
	/* Without F-RTO, an original's ACK undoes nothing. */
	ETP_CHECK(!etp_loss_ack(sk, ETP_RT_MSS, ETP_ACK_ORIG, 0) &&
		  ep->ca_state == ETP_CA_LOSS);
	ep->frto = 1;
	ETP_CHECK(etp_loss_ack(sk, ETP_RT_MSS, ETP_ACK_ORIG, 0) &&
		  ep->ca_state == ETP_CA_OPEN && !ep->undo_on &&
		  ep->cwnd == 10 * ETP_RT_MSS && ep->ssthresh == 8 * ETP_RT_MSS);

	ep->snd_una = 0;
	ep->snd_max = 0;
	ep->recover = 0;
	ep->snd_wnd = 0;
	ep->frto = 0;
	ep->undo_retrans = -1;
	return checks;
}

int __init etp_recovery_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 mss = ep->mss, cwnd = ep->cwnd, ssthresh = ep->ssthresh;
	u32 reordering = ep->reordering;
	int a, b;

	ep->mss = ETP_RT_MSS;
	ep->reordering = 3;
	a = etp_rt_islost(sk);
	b = a < 0 ? a : etp_rt_prr(sk);
	if (b >= 0) {
		a += b;
		b = etp_rt_ssthresh(sk);
	}
	if (b >= 0) {
		a += b;
		b = etp_rt_undo(sk);
	}
	if (b >= 0) {
		a += b;
		b = etp_rt_frto(sk);
	}
	if (b >= 0) {
		a += b;
		b = etp_rt_clamp(sk);
	}
	ep->mss = mss;
	ep->reordering = reordering;
	ep->cwnd = cwnd;
	ep->ssthresh = ssthresh;
	return b < 0 ? b : a + b;
}
