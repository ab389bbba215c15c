// SPDX-License-Identifier: GPL-2.0
/*
 * Building and sending segments.
 *
 * A connection's data, SYN and FIN wait on sk_write_queue as skbs of one MSS,
 * or of many where the route allows segmentation offload (offload.c), until
 * sent; then they move to the retransmission queue (rtx_root, an rbtree by
 * sequence number, as TCP's since 4.15) until acknowledged. An skb taken for
 * lost (a timeout marks them all, RFC 6298 5.4's go-back-N) is sent again
 * from there, in order, as the congestion window allows
 * (etp_xmit_retransmit_queue()), before any new data.
 * What goes on the wire is a clone with the header pushed in front (a copy,
 * if an earlier clone is still in flight), so the queued skb can be sent
 * again. Segments that no socket owns (RST to a closed port, ACKs from
 * TIME_WAIT, SYN-ACKs of half-open entries) are built here too and sent
 * through the namespace's control socket.
 *
 * Checksums are left to the device (CHECKSUM_PARTIAL over the IPv4
 * pseudo-header with ETP's protocol number); the stack computes them in
 * software where the device cannot.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/inet_common.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp_states.h>

#include "etp.h"
#include "trace.h"

/**
 * etp_adv_mss() - the MSS to offer on a route
 * @dst: the route
 *
 * Return: the path MTU less the IPv4 and ETP headers.
 */
unsigned int etp_adv_mss(const struct dst_entry *dst)
{
	unsigned int mtu = dst ? dst_mtu(dst) : 576;

	return clamp_t(unsigned int, mtu - sizeof(struct iphdr) - ETP_HDR_LEN,
		       ETP_MIN_MSS, 65535);
}

/* The MSS a SYN or SYN-ACK offers: the route's, or TCP_MAXSEG if that is
 * less, as tcp(7) says of a value set before the connection.
 */
static u16 etp_syn_mss(const struct sock *sk, const struct dst_entry *dst)
{
	unsigned int user = READ_ONCE(etp_sk(sk)->user_mss);
	unsigned int mss = etp_adv_mss(dst);

	return user ? min(mss, user) : mss;
}

/**
 * etp_skb_pcount() - the segments a queued skb makes on the wire
 * @sk: its socket
 * @skb: the skb
 *
 * Return: one, or more for a large skb that goes out with GSO.
 */
unsigned int etp_skb_pcount(const struct sock *sk, const struct sk_buff *skb)
{
	return max_t(unsigned int, DIV_ROUND_UP(skb->len, etp_sk(sk)->mss), 1);
}

/*
 * The timestamps a segment of @sk carries (RFC 7323 3.2): on every one once
 * negotiated, on the SYN when offered (tstamp_ok means "offered" in
 * SYN_SENT); TS.Recent echoed, 0 in a SYN.
 */
static void etp_hdr_ts(const struct sock *sk, struct etp_hdr_args *h)
{
	const struct etp_sock *ep = etp_sk(sk);

	if (!ep->tstamp_ok)
		return;
	h->opt |= ETP_HOPT_TS;
	h->tsval = etp_tsval(sk);
	h->tsecr = sk->sk_state == TCP_SYN_SENT ? 0 : ep->ts_recent;
}

/* To the IP layer, with the socket's TOS and @ect as its ECN bits (ecn.c). */
static int etp_ip_xmit(struct sock *sk, struct sk_buff *skb, u8 ect)
{
	u8 tos = (READ_ONCE(inet_sk(sk)->tos) & ~INET_ECN_MASK) | ect;

	return __ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl, tos);
}

/* Send a clone (or a copy) of a queued skb, with its header. */
static int etp_transmit_skb(struct sock *sk, struct sk_buff *oskb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(oskb);
	struct etp_hdr_args h = {
		.sport = inet->inet_sport,
		.dport = inet->inet_dport,
		.seq = cb->seq,
		.ack = ep->rcv_nxt,
		.flags = cb->flags,
	};
	unsigned int segs;
	struct sk_buff *skb;
	u8 ect = INET_ECN_NOT_ECT;
	int err;

	if (unlikely(skb_cloned(oskb)))
		skb = pskb_copy(oskb, GFP_ATOMIC);
	else
		skb = skb_clone(oskb, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	segs = etp_skb_pcount(sk, skb);

	/* Every segment after the first SYN carries an ACK. */
	if (sk->sk_state != TCP_SYN_SENT)
		h.flags |= ETPHDR_ACK;
	etp_hdr_ts(sk, &h);
	cb->tsval = h.tsval;		/* for undo: what the peer may echo */
	if (h.flags & ETPHDR_SYN) {
		h.window = etp_syn_window(sk);
		h.mss = etp_syn_mss(sk, __sk_dst_get(sk));
		h.ws = sk->sk_state == TCP_SYN_SENT || ep->wscale_ok;
		h.wscale = ep->rcv_wscale;
		if (ep->sack_ok)
			h.opt |= ETP_HOPT_SACK_PERM;
		if (sk->sk_state == TCP_SYN_SENT)
			h.flags |= etp_ecn_syn_flags(sk, etp_before(cb->seq, ep->snd_max));
	} else {
		h.window = etp_select_window(sk);
		ect = etp_ecn_xmit(sk, &h.flags,
				   oskb->len && !etp_before(cb->seq, ep->snd_max));
	}
	etp_push_header(skb, &h);
	/* Many MSS in one skb: the stack or the device cuts it (offload.c). */
	etp_gso_set(skb, ep->mss, segs);
	etp_csum_partial(skb, inet->inet_saddr, inet->inet_daddr);
	skb_set_owner_w(skb, sk);
	/* The IP layer reads its own control block. */
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));

	if (h.flags & ETPHDR_ACK)
		etp_ack_sent(sk);
	if (oskb->len)
		etp_ack_data_sent(sk);
	ETP_ADD_STATS(sock_net(sk), OutSegs, segs);
	err = etp_ip_xmit(sk, skb, ect);
	return net_xmit_eval(err);
}

/* Trace the retransmission of @skb; the congestion state tells why. */
static void etp_trace_retransmit(struct sock *sk, const struct sk_buff *skb)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u8 ca_state = etp_sk(sk)->ca_state;
	int cause;

	if (ca_state == ETP_CA_LOSS)
		cause = ETP_RTX_TIMEOUT;
	else if (ca_state == ETP_CA_RECOVERY)
		cause = ETP_RTX_FAST;
	else if (!(cb->flags & ETPHDR_SYN))
		cause = ETP_RTX_PROBE;		/* in Open: tlp.c's */
	else
		cause = ETP_RTX_SIMULTANEOUS_OPEN;
	trace_etp_retransmit(sock_net(sk), sk, inet->inet_saddr, inet->inet_daddr,
			     inet->inet_sport, inet->inet_dport, sk->sk_state,
			     cb->seq, skb->len, cb->flags, cb->retrans, cause);
}

/* Sent again: one taken for lost counts in retrans_out, once. */
static void etp_rtx_mark_sent(struct etp_sock *ep, struct etp_skb_cb *cb)
{
	if ((cb->sacked & (ETP_SACKED_LOST | ETP_SACKED_RETRANS)) == ETP_SACKED_LOST) {
		cb->sacked |= ETP_SACKED_RETRANS;
		ep->retrans_out += cb->end_seq - cb->seq;
	}
	cb->sacked |= ETP_EVER_RETRANS;
}

/* Note that @skb went out now, for RTT samples and retransmission counts. */
static void etp_sent(struct sock *sk, struct sk_buff *skb)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);

	if (ep->ca_state == ETP_CA_RECOVERY || ep->ca_state == ETP_CA_CWR)
		ep->prr_out += cb->end_seq - cb->seq;	/* RFC 6937's prr_out */
	if (etp_before(cb->seq, ep->snd_max)) {
		etp_rtx_mark_sent(ep, cb);
		cb->retrans++;
		/* For recovery.c's undo, as tcp_retransmit_skb(). */
		if (ep->undo_retrans < 0)
			ep->undo_retrans = 0;
		ep->undo_retrans += cb->end_seq - cb->seq;
		if (!ep->undo_ts) {
			ep->undo_tsval = cb->tsval;
			ep->undo_ts = 1;
		}
		/* As TCP: in Loss, after a timeout; else in fast recovery. */
		if (ep->ca_state == ETP_CA_LOSS)
			ETP_INC_STATS(sock_net(sk), SlowStartRetrans);
		else if (ep->ca_state == ETP_CA_RECOVERY)
			ETP_INC_STATS(sock_net(sk), FastRetrans);
		ep->total_retrans += etp_skb_pcount(sk, skb);
		ETP_ADD_STATS(sock_net(sk), RetransSegs, etp_skb_pcount(sk, skb));
		if (trace_etp_retransmit_enabled())
			etp_trace_retransmit(sk, skb);
	}
	cb->sent_us = etp_now_us();
	if (etp_after(cb->end_seq, ep->snd_nxt))
		ep->snd_nxt = cb->end_seq;
	if (etp_after(ep->snd_nxt, ep->snd_max))
		ep->snd_max = ep->snd_nxt;
}

/* Put a sent skb in the retransmission queue, by seq (tcp_rbtree_insert()). */
static void etp_rtx_insert(struct sock *sk, struct sk_buff *skb)
{
	struct rb_node **p = &etp_sk(sk)->rtx_root.rb_node, *parent = NULL;

	while (*p) {
		parent = *p;
		if (etp_before(ETP_SKB_CB(skb)->seq, ETP_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &etp_sk(sk)->rtx_root);
}

/**
 * etp_rtx_unlink_free() - take an acknowledged skb out and free it
 * @sk: the socket, locked
 * @skb: an skb of the retransmission queue
 *
 * Its bytes leave the lost and retransmitted counts it was in.
 */
void etp_rtx_unlink_free(struct sock *sk, struct sk_buff *skb)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct etp_sock *ep = etp_sk(sk);
	u32 len = cb->end_seq - cb->seq;

	if (cb->sacked & ETP_SACKED_ACKED)
		ep->sacked_out -= len;
	if (cb->sacked & ETP_SACKED_LOST)
		ep->lost_out -= len;
	if (cb->sacked & ETP_SACKED_RETRANS)
		ep->retrans_out -= len;
	rb_erase(&skb->rbnode, &ep->rtx_root);
	etp_wmem_free_skb(sk, skb);
}

/**
 * etp_skb_mark_lost() - take one sent skb for lost
 * @sk: the socket, locked
 * @skb: an skb of the retransmission queue, not SACKed
 *
 * It goes again, before new data, as the window allows; one already marked
 * (and perhaps sent again) stays as it is.
 */
void etp_skb_mark_lost(struct sock *sk, struct sk_buff *skb)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);

	if (cb->sacked & (ETP_SACKED_LOST | ETP_SACKED_ACKED))
		return;
	cb->sacked |= ETP_SACKED_LOST;
	etp_sk(sk)->lost_out += cb->end_seq - cb->seq;
}

/**
 * etp_mark_all_lost() - take everything in flight for lost
 * @sk: the socket, locked
 *
 * After a retransmission timeout (RFC 6298 5.4, TCP's tcp_enter_loss()) or
 * a smaller path MTU: every skb sent and not acknowledged goes again, from
 * the oldest, as the congestion window allows; one already sent again goes
 * once more.
 */
void etp_mark_all_lost(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	ep->lost_out = 0;
	skb_rbtree_walk(skb, &ep->rtx_root) {
		if (ETP_SKB_CB(skb)->sacked & ETP_SACKED_ACKED)
			continue;	/* the peer has it */
		ETP_SKB_CB(skb)->sacked &= ~ETP_SACKED_RETRANS;
		ETP_SKB_CB(skb)->sacked |= ETP_SACKED_LOST;
		ep->lost_out += ETP_SKB_CB(skb)->end_seq - ETP_SKB_CB(skb)->seq;
	}
	ep->retrans_out = 0;
}

/**
 * etp_fragment() - split a queued skb
 * @sk: its socket, locked
 * @skb: the skb, on sk_write_queue or sent (rtx_root), with more than @len bytes
 * @len: the bytes it keeps
 *
 * So that its head fits a window, or is one segment to retransmit, or is
 * the part an ACK covered; the tail (and the FIN and PSH, if any) becomes a
 * new skb after it.
 *
 * Return: 0, or -ENOMEM.
 */
int etp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct etp_skb_cb *cb = ETP_SKB_CB(skb), *ncb;
	u32 nlen = skb->len - len;
	struct sk_buff *buff;

	sock_owned_by_me(sk);
	/* A clone in flight shares the fragments: take a private copy first. */
	if (skb_cloned(skb)) {
		int old = skb->truesize;

		if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
			return -ENOMEM;
		sk_wmem_queued_add(sk, skb->truesize - old);
		sk_mem_charge(sk, skb->truesize - old);
	}
	buff = alloc_skb_fclone(ETP_MAX_HEADER, GFP_ATOMIC | __GFP_NOWARN);
	if (!buff)
		return -ENOMEM;
	skb_reserve(buff, ETP_MAX_HEADER);
	buff->ip_summed = CHECKSUM_PARTIAL;
	sk_wmem_queued_add(sk, buff->truesize);
	sk_mem_charge(sk, buff->truesize);
	skb_split(skb, buff, len);
	/* The moved bytes take their share of the memory with them. */
	buff->truesize += nlen;
	skb->truesize -= nlen;

	ncb = ETP_SKB_CB(buff);
	ncb->seq = cb->seq + len;
	ncb->end_seq = cb->end_seq;
	ncb->flags = cb->flags & (ETPHDR_FIN | ETPHDR_PSH);
	ncb->retrans = cb->retrans;
	ncb->sent_us = cb->sent_us;
	/* Both halves keep the marks: the counters are bytes, they hold. */
	ncb->sacked = cb->sacked;
	cb->flags &= ~(ETPHDR_FIN | ETPHDR_PSH);
	cb->end_seq = ncb->seq;
	if (etp_before(cb->seq, etp_sk(sk)->snd_max))
		etp_rtx_insert(sk, buff);
	else
		__skb_queue_after(&sk->sk_write_queue, skb, buff);
	return 0;
}

/*
 * Nothing may go out now (the window is too small, or a small segment is
 * held back): with nothing in flight, no ACK will come to send it, so the
 * probe timer asks again (RFC 9293 3.8.6.1; TCP's tcp_check_probe_timer()).
 */
static void etp_wait_for_window(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->snd_max == ep->snd_una && !timer_pending(&ep->rtx_timer)) {
		ep->persist = 1;
		etp_reset_rtx_timer(sk);
	}
}

/* How __etp_write_xmit() treats a small last segment besides Nagle. */
enum {
	ETP_XMIT_FORCE = 1,	/* the probe timer: send it, and use a small window */
	ETP_XMIT_MORE = 2,	/* MSG_MORE: hold it, as TCP_CORK does */
	ETP_XMIT_TLP = 4,	/* a loss probe: one segment, past cwnd if need be */
};

/*
 * Cut @skb to what the peer's window and the congestion window take now
 * (*@cut set if it was cut). Sender SWS avoidance: a part of the window
 * only if it is worth it, unless @force (the probe timer's override, RFC
 * 9293 3.8.6.2.1); whole segments up to cwnd, one at least with nothing in
 * flight, or for a loss probe (ETP_XMIT_TLP, as TCP's push_one 2). A bare
 * FIN takes a sequence number too: past the window's edge the receiver
 * would drop it, so it waits for window, as TCP's (tcp_snd_wnd_test()),
 * and the probe timer asks for it.
 *
 * Return: 0 to send it, -EAGAIN to wait, -ENOMEM if it could not be cut
 * with nothing in flight (the timer must try again).
 */
static int etp_fit(struct sock *sk, struct sk_buff *skb, unsigned int how, bool *cut)
{
	bool force = how & ETP_XMIT_FORCE;
	struct etp_sock *ep = etp_sk(sk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	u32 in_flight = etp_in_flight(ep);
	u32 wnd_end = ep->snd_una + ep->snd_wnd;

	if (!skb->len && (cb->flags & ETPHDR_FIN) &&
	    etp_after(cb->seq + 1, wnd_end)) {
		etp_wait_for_window(sk);
		return -EAGAIN;
	}
	if (skb->len && etp_after(cb->seq + skb->len, wnd_end)) {
		u32 avail = etp_before(cb->seq, wnd_end) ? wnd_end - cb->seq : 0;

		if (avail && (force || avail >= min_t(u32, ep->mss,
						      ep->max_window / 2)) &&
		    !etp_fragment(sk, skb, avail)) {
			*cut = true;
		} else {
			etp_wait_for_window(sk);
			return -EAGAIN;
		}
	}
	if (in_flight + skb->len > ep->cwnd) {
		u32 room = rounddown(ep->cwnd > in_flight ? ep->cwnd - in_flight : 0,
				     ep->mss);

		if (!room && in_flight && !(how & ETP_XMIT_TLP))
			return -EAGAIN;
		room = max_t(u32, room, ep->mss);
		if (skb->len > room) {
			if (etp_fragment(sk, skb, room))
				return in_flight ? -EAGAIN : -ENOMEM;
			*cut = true;
		}
	}
	return 0;
}

/*
 * Send again what is taken for lost, oldest first, as the windows allow
 * (TCP's tcp_xmit_retransmit_queue()). Return: true if a send failed with
 * nothing in flight.
 */
static bool etp_xmit_retransmit_queue(struct sock *sk, bool force)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb, *next;
	bool cut;
	int err;

	for (skb = etp_rtx_head(sk); skb && etp_lost_unsent(ep); skb = next) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);

		if ((cb->sacked & (ETP_SACKED_LOST | ETP_SACKED_RETRANS)) !=
		    ETP_SACKED_LOST) {
			next = skb_rb_next(skb);
			continue;
		}
		err = etp_fit(sk, skb, force ? ETP_XMIT_FORCE : 0, &cut);
		if (err)
			return err == -ENOMEM;
		next = skb_rb_next(skb);
		if (force && skb->len)
			cb->flags |= ETPHDR_PSH;
		if (etp_transmit_skb(sk, skb))
			return !etp_in_flight(ep);
		etp_sent(sk, skb);
		if (!timer_pending(&ep->rtx_timer) || ep->persist) {
			ep->persist = 0;
			etp_reset_rtx_timer(sk);
		}
		force = false;
	}
	return false;
}

/*
 * How full the window is, as tcp_cwnd_validate(): the most in flight over
 * a window's worth of ACKs, and whether sending last stopped at the window
 * (@limited), for etp_is_cwnd_limited(). A window-limited moment holds
 * until a window of data has been acknowledged since.
 */
static void etp_cwnd_validate(struct sock *sk, bool limited)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 in_flight = ep->snd_max - ep->snd_una;

	if (!etp_before(ep->snd_una, ep->cwnd_usage_seq) || limited ||
	    (!ep->is_cwnd_limited && in_flight > ep->max_in_flight)) {
		ep->is_cwnd_limited = limited;
		ep->max_in_flight = in_flight;
		ep->cwnd_usage_seq = ep->snd_max;
	}
}

/*
 * Send what the windows and Nagle allow, what is taken for lost first;
 * with ETP_XMIT_FORCE (the probe timer's override, RFC 9293 3.8.6.2.1)
 * send what fits in a small window too, and what Nagle or the cork holds
 * back.
 */
static void __etp_write_xmit(struct sock *sk, unsigned int how)
{
	struct etp_sock *ep = etp_sk(sk);
	bool force = how & ETP_XMIT_FORCE, tlp = how & ETP_XMIT_TLP;
	bool failed = false, sent = false, cut, limited;
	struct sk_buff *skb;
	int err;

	/* Lost data goes first; but for F-RTO's new data (recovery.c). */
	if (etp_lost_unsent(ep) && !ep->frto_new && !tlp) {
		failed = etp_xmit_retransmit_queue(sk, force);
		if (etp_lost_unsent(ep)) {
			/* Held back by the window: it was used. */
			if (!failed)
				etp_cwnd_validate(sk, true);
			goto out;
		}
	}
	while ((skb = etp_send_head(sk))) {
		struct etp_skb_cb *cb = ETP_SKB_CB(skb);
		u32 in_flight = etp_in_flight(ep);
		bool idle = ep->snd_max == ep->snd_una;
		bool last = skb_queue_is_last(&sk->sk_write_queue, skb);

		cut = false;
		err = etp_fit(sk, skb, how, &cut);
		if (err) {
			failed = err == -ENOMEM;
			break;
		}
		if (cut)
			last = false;
		/*
		 * A small last data segment waits while data is in flight
		 * (Nagle, RFC 9293 3.7.4); while TCP_CORK or MSG_MORE say more
		 * is coming, so does the part of a last skb that is less than
		 * an MSS, the whole segments before it going now, as TCP's
		 * tcp_mss_split_point(). Not once TCP_NODELAY was set since it
		 * was queued. With nothing in flight the probe timer sends it
		 * an RTO from now: TCP's 200 ms ceiling on the cork.
		 */
		if (last && skb->len && skb->len % ep->mss && !force && !tlp &&
		    !ep->nagle_push && !(cb->flags & (ETPHDR_SYN | ETPHDR_FIN))) {
			bool corked = ep->cork || (how & ETP_XMIT_MORE);

			if (skb->len > ep->mss && corked) {
				if (etp_fragment(sk, skb, rounddown(skb->len, ep->mss))) {
					failed = !in_flight;
					break;
				}
			} else if (skb->len < ep->mss &&
				   (corked || (!ep->nodelay && in_flight))) {
				if (!in_flight)
					etp_wait_for_window(sk);
				break;
			}
		}
		/* What the probe timer sends is pushed, as tcp_write_wakeup(). */
		if (force && skb->len)
			cb->flags |= ETPHDR_PSH;
		if (etp_transmit_skb(sk, skb)) {
			failed = true;
			break;
		}
		/*
		 * With nothing in flight, the algorithm hears of it before
		 * lsndtime moves (tcp_event_data_sent()): CUBIC takes the
		 * idle time from it.
		 */
		if (idle)
			etp_ca_event(sk, ETP_CA_EVENT_TX_START);
		/* Sent: it waits for its ACK in the retransmission queue. */
		__skb_unlink(skb, &sk->sk_write_queue);
		etp_rtx_insert(sk, skb);
		etp_sent(sk, skb);
		ep->lsndtime = jiffies;
		ep->probe_backoff = 0;		/* the window took it */
		/*
		 * The first segment in flight starts the timer afresh (it may
		 * be pending from a failed send, or a probe), and a new run
		 * of timeouts: timeouts with nothing in flight were not losses.
		 */
		if (idle)
			ep->retransmits = 0;
		if (!timer_pending(&ep->rtx_timer) || ep->persist || idle) {
			ep->persist = 0;
			etp_reset_rtx_timer(sk);
		}
		force = false;
		sent = true;
		if (tlp)
			break;		/* one segment */
	}
	/* New data went: the loss probe waits two RTTs from now (RFC 8985 7.2). */
	if (sent && !tlp)
		etp_loss_probe_arm(sk, false);
	limited = etp_in_flight(ep) + ep->mss > ep->cwnd;
	if (sent || limited)
		etp_cwnd_validate(sk, limited);
	/*
	 * RFC 5682 3.1 step 2.b, as tcp_xmit_recovery()'s REXMIT_NEW: once
	 * new data went, F-RTO waits for its ACKs; if none could, recovery
	 * goes on without it.
	 */
	if (ep->frto_new) {
		ep->frto_new = 0;
		if (!etp_after(ep->snd_max, ep->recover)) {
			ep->frto = 0;
			failed |= etp_xmit_retransmit_queue(sk, force);
		}
	}
out:
	/*
	 * What is left must not wait for nothing: if data is in flight, its
	 * ACK or the timer sends more; if a segment could not be sent (no
	 * memory for its clone, a local drop), the timer tries again, also
	 * with nothing in flight (a SYN, the first data), as TCP's probe0
	 * timer (tcp_check_probe_timer()).
	 */
	if ((etp_send_head(sk) || etp_lost_unsent(ep)) &&
	    (failed || ep->snd_max != ep->snd_una) &&
	    !timer_pending(&ep->rtx_timer))
		etp_reset_rtx_timer(sk);
}

/**
 * etp_write_xmit() - send what the windows and Nagle allow
 * @sk: the socket, locked
 *
 * Sends what is taken for lost, then from the head of sk_write_queue, while
 * the segment fits in the peer's window and the
 * congestion window, holding back a small last segment while data is in
 * flight (Nagle, RFC 9293 3.7.4) unless TCP_NODELAY is set, and while
 * TCP_CORK is set, for an RTO at most. A segment
 * larger than the window is split when the window is worth using
 * (sender SWS avoidance); a window too small for that, with nothing in
 * flight, starts the window probe (persist) timer.
 */
void etp_write_xmit(struct sock *sk)
{
	sock_owned_by_me(sk);
	__etp_write_xmit(sk, 0);
}

/**
 * etp_write_wakeup() - the probe timer fired: use a small window, or probe
 * @sk: the socket, locked, with data waiting and nothing in flight
 *
 * Return: true if data went out, false if only a probe could.
 */
bool etp_write_wakeup(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	/* Sent: new data (snd_nxt moves) or lost data again (retrans_out). */
	u32 sent = ep->snd_nxt + ep->retrans_out;

	sock_owned_by_me(sk);
	if (ep->snd_wnd)
		__etp_write_xmit(sk, ETP_XMIT_FORCE);
	if (ep->snd_nxt + ep->retrans_out != sent)
		return true;
	etp_send_probe(sk);
	return false;
}

/**
 * etp_push() - send what a write queued
 * @sk: the socket, locked
 * @flags: the write's flags: with MSG_MORE a small last segment waits, as
 *	TCP_CORK makes it, for more of the same write or an RTO
 */
void etp_push(struct sock *sk, int flags)
{
	sock_owned_by_me(sk);
	__etp_write_xmit(sk, flags & MSG_MORE ? ETP_XMIT_MORE : 0);
}

/**
 * etp_retransmit_head() - send the oldest unacknowledged segment again
 * @sk: the socket, locked
 *
 * Return: 0, or a negative errno if it could not be sent now.
 */
int etp_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = etp_rtx_head(sk);
	int err;

	sock_owned_by_me(sk);
	if (!skb)
		return 0;
	/* One segment, as TCP: the rest of a large skb may have arrived. */
	if (skb->len > etp_sk(sk)->mss)
		etp_fragment(sk, skb, etp_sk(sk)->mss);
	err = etp_transmit_skb(sk, skb);
	if (!err)
		etp_sent(sk, skb);
	return err;
}

/**
 * etp_retransmit_tail() - send the last segment sent again: a loss probe
 * @sk: the socket, locked, with data in flight
 *
 * As tcp_send_loss_probe(): the last MSS of the last skb, cut off if the
 * skb holds more.
 *
 * Return: 0, or a negative errno if it could not be sent now.
 */
int etp_retransmit_tail(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = skb_rb_last(&ep->rtx_root);
	int err;

	sock_owned_by_me(sk);
	if (!skb)
		return -ENOENT;
	if (skb->len > ep->mss) {
		if (etp_fragment(sk, skb, rounddown(skb->len - 1, ep->mss)))
			return -ENOMEM;
		skb = skb_rb_next(skb);
	}
	err = etp_transmit_skb(sk, skb);
	if (!err)
		etp_sent(sk, skb);
	return err;
}

/**
 * etp_send_new_probe() - a loss probe of new data, if the window takes it
 * @sk: the socket, locked
 *
 * One segment from the head of sk_write_queue, Nagle or not, one past the
 * congestion window if need be; only if its first segment fits in the
 * peer's window (tcp_snd_wnd_test()).
 *
 * Return: 1 if it went, 0 if there is none or the window is shut (probe
 * with a retransmission), a negative errno if the send failed.
 */
int etp_send_new_probe(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = etp_send_head(sk);
	u32 nxt = ep->snd_nxt, end;

	sock_owned_by_me(sk);
	if (!skb)
		return 0;
	end = ETP_SKB_CB(skb)->seq + (skb->len ? min_t(u32, skb->len, ep->mss) : 1);
	if (etp_after(end, ep->snd_una + ep->snd_wnd))
		return 0;
	__etp_write_xmit(sk, ETP_XMIT_TLP);
	return ep->snd_nxt != nxt ? 1 : -EAGAIN;
}

/* Allocate an skb for a segment with no payload. */
static struct sk_buff *etp_alloc_ctl_skb(gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(ETP_MAX_HEADER, gfp);

	if (skb)
		skb_reserve(skb, ETP_MAX_HEADER);
	return skb;
}

/* Send a segment with no payload and no place on the write queue. */
static void etp_send_bare(struct sock *sk, u32 seq, u8 flags)
{
	struct etp_sack_block blocks[ETP_NUM_SACKS];
	struct etp_sock *ep = etp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct etp_hdr_args h = {
		.sport = inet->inet_sport,
		.dport = inet->inet_dport,
		.seq = seq,
		.ack = ep->rcv_nxt,
		.flags = flags,
	};
	struct sk_buff *skb = etp_alloc_ctl_skb(GFP_ATOMIC);
	u8 ect;

	if (!skb) {
		/* No memory for an ACK: the delayed ACK timer tries again. */
		if (flags & ETPHDR_ACK)
			etp_schedule_ack(sk);
		return;
	}
	h.window = etp_select_window(sk);
	etp_hdr_ts(sk, &h);
	ect = etp_ecn_xmit(sk, &h.flags, false);
	/*
	 * SACK blocks ride on pure ACKs only: data keeps one MSS. A D-SACK
	 * block goes first, once (RFC 2883), then the others.
	 */
	if (ep->sack_ok && (ep->num_sacks || ep->dsack) && flags == ETPHDR_ACK) {
		u8 most = ep->tstamp_ok ? ETP_NUM_SACKS - 1 : ETP_NUM_SACKS;

		if (ep->dsack) {
			blocks[0] = ep->dsack_blk;
			memcpy(blocks + 1, ep->sack,
			       min_t(u8, ep->num_sacks, most - 1) * sizeof(*blocks));
			h.sacks = blocks;
			h.nsacks = min_t(u8, ep->num_sacks + 1, most);
			ep->dsack = 0;
		} else {
			h.sacks = ep->sack;
			h.nsacks = min_t(u8, ep->num_sacks, most);
		}
	}
	etp_push_header(skb, &h);
	etp_csum_partial(skb, inet->inet_saddr, inet->inet_daddr);
	skb_set_owner_w(skb, sk);
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	if (flags & ETPHDR_ACK)
		etp_ack_sent(sk);
	ETP_INC_STATS(sock_net(sk), OutSegs);
	etp_ip_xmit(sk, skb, ect);
}

/**
 * etp_send_ack() - acknowledge what has been received, now
 * @sk: the socket, locked, in a synchronized state
 */
void etp_send_ack(struct sock *sk)
{
	sock_owned_by_me(sk);
	if (!etp_state_is(sk, ETP_S_SYNC))
		return;
	etp_send_bare(sk, etp_sk(sk)->snd_nxt, ETPHDR_ACK);
}

/**
 * etp_send_probe() - probe a zero window, or check a silent peer
 * @sk: the socket, locked
 *
 * An ACK with an old sequence number (SND.UNA - 1): the peer must answer it
 * with an ACK that carries its window (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6).
 */
void etp_send_probe(struct sock *sk)
{
	sock_owned_by_me(sk);
	etp_send_bare(sk, etp_sk(sk)->snd_una - 1, ETPHDR_ACK);
}

/* A new skb for the write queue with no payload, for a SYN or a FIN. */
static struct sk_buff *etp_flag_skb(struct sock *sk, u32 seq, u8 flags,
				    gfp_t gfp)
{
	struct sk_buff *skb = etp_alloc_ctl_skb(gfp);

	if (!skb)
		return NULL;
	ETP_SKB_CB(skb)->seq = seq;
	ETP_SKB_CB(skb)->end_seq = seq + 1;
	ETP_SKB_CB(skb)->flags = flags;
	ETP_SKB_CB(skb)->retrans = 0;
	skb->ip_summed = CHECKSUM_PARTIAL;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return skb;
}

/**
 * etp_send_syn() - send the SYN of a connection, or send it again as SYN-ACK
 * @sk: the socket, locked, with its sequence variables initialized
 *
 * Return: 0 or -ENOBUFS.
 */
int etp_send_syn(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = etp_rtx_head(sk);

	sock_owned_by_me(sk);
	/* Simultaneous open: our SYN is queued, and now carries an ACK. */
	if (skb && (ETP_SKB_CB(skb)->flags & ETPHDR_SYN)) {
		etp_retransmit_head(sk);
		etp_reset_rtx_timer(sk);
		return 0;
	}
	skb = etp_send_head(sk);
	if (skb && (ETP_SKB_CB(skb)->flags & ETPHDR_SYN)) {
		etp_write_xmit(sk);	/* never sent (no memory then) */
		return 0;
	}
	skb = etp_flag_skb(sk, ep->iss, ETPHDR_SYN, sk->sk_allocation);
	if (!skb)
		return -ENOBUFS;
	ep->write_seq = ep->iss + 1;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	etp_write_xmit(sk);
	return 0;
}

/**
 * etp_fin_alloc() - a FIN segment of its own, for etp_fin_queue()
 * @sk: the socket, locked
 * @gfp: how to allocate it
 *
 * Return: the FIN, or NULL without memory.
 */
struct sk_buff *etp_fin_alloc(struct sock *sk, gfp_t gfp)
{
	sock_owned_by_me(sk);
	return etp_flag_skb(sk, etp_sk(sk)->write_seq, ETPHDR_FIN, gfp);
}

/**
 * etp_fin_queue() - queue a FIN after the data and send what can be sent
 * @sk: the socket, locked, with no FIN queued
 * @fin: from etp_fin_alloc(), with nothing queued since
 */
void etp_fin_queue(struct sock *sk, struct sk_buff *fin)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	__skb_queue_tail(&sk->sk_write_queue, fin);
	ep->write_seq++;
	ep->fin_queued = 1;
	etp_write_xmit(sk);
}

/**
 * etp_send_fin() - queue a FIN after the data and send what can be sent
 * @sk: the socket, locked, in process context
 *
 * The FIN rides on the last unsent segment if there is one.
 */
void etp_send_fin(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	sock_owned_by_me(sk);
	if (ep->fin_queued)
		return;
	if (tail && etp_never_sent(sk, tail) &&
	    !(ETP_SKB_CB(tail)->flags & ETPHDR_SYN)) {
		ETP_SKB_CB(tail)->flags |= ETPHDR_FIN;
		ETP_SKB_CB(tail)->end_seq++;
		ep->write_seq++;
		ep->fin_queued = 1;
		etp_write_xmit(sk);
		return;
	}
	/* Close must not fail for want of memory: wait for it. */
	etp_fin_queue(sk, etp_fin_alloc(sk, sk->sk_allocation | __GFP_NOFAIL));
}

/*
 * Build and send a segment that no socket's write queue holds, on the
 * route @rt (its reference is the skb's, or dropped).
 */
static void etp_xmit_routed(struct net *net, struct rtable *rt, __be32 saddr,
			    __be32 daddr, const struct etp_hdr_args *h,
			    const struct sock *sk)
{
	struct etp_net *en = etp_pernet(net);
	u8 tos = sk ? READ_ONCE(inet_sk(sk)->tos) : 0;
	struct sk_buff *skb;

	skb = en->ctl_sk ? etp_alloc_ctl_skb(GFP_ATOMIC) : NULL;
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_dst_set(skb, &rt->dst);
	etp_push_header(skb, h);
	etp_csum_partial(skb, saddr, daddr);
	ETP_INC_STATS(net, OutSegs);
	if (h->flags & ETPHDR_RST)
		ETP_INC_STATS(net, OutRsts);
	ip_build_and_send_pkt(skb, sk ? sk : en->ctl_sk, saddr, daddr, NULL, tos);
}

/* The route of a reply from @saddr to @daddr, or an ERR_PTR. */
static struct rtable *etp_reply_route(struct net *net, struct flowi4 *fl4,
				      __be32 saddr, __be32 daddr,
				      const struct etp_hdr_args *h, int oif,
				      const struct sock *sk)
{
	u8 tos = sk ? READ_ONCE(inet_sk(sk)->tos) : 0;

	return ip_route_output_ports(net, fl4, NULL, daddr, saddr, h->dport,
				     h->sport, etp_proto, tos, oif);
}

/**
 * etp_send_ctl() - send a segment on behalf of no socket (an ACK or a RST)
 * @net: the namespace
 * @saddr: source address
 * @daddr: destination address
 * @sport: source port
 * @dport: destination port
 * @seq: sequence number
 * @ack: acknowledgment number (sent if @flags has ETPHDR_ACK)
 * @flags: ETPHDR_* flags
 * @window: the window field, as it goes on the wire
 * @oif: the interface to send on, or 0
 * @sk: a socket whose IP settings (TOS, TTL) apply, or NULL
 */
void etp_send_ctl(struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
		  __be16 dport, u32 seq, u32 ack, u8 flags, u16 window,
		  int oif, const struct sock *sk)
{
	struct etp_hdr_args h = {
		.sport = sport,
		.dport = dport,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.window = window,
	};

	etp_send_ctl_hdr(net, saddr, daddr, &h, oif, sk);
}

/**
 * etp_send_ctl_hdr() - etp_send_ctl() of a header with options
 * @net: the namespace
 * @saddr: source address
 * @daddr: destination address
 * @h: the header (ports, numbers, flags, window, options)
 * @oif: the interface to send on, or 0
 * @sk: a socket whose IP settings (TOS, TTL) apply, or NULL
 */
void etp_send_ctl_hdr(struct net *net, __be32 saddr, __be32 daddr,
		      const struct etp_hdr_args *h, int oif,
		      const struct sock *sk)
{
	struct flowi4 fl4;
	struct rtable *rt;

	rt = etp_reply_route(net, &fl4, saddr, daddr, h, oif, sk);
	if (!IS_ERR(rt))
		etp_xmit_routed(net, rt, saddr, daddr, h, sk);
}

/**
 * etp_send_active_reset() - abort a connection: send RST to the peer
 * @sk: the socket, locked
 * @reason: why, for the etp_send_reset tracepoint
 */
void etp_send_active_reset(struct sock *sk, enum etp_rst_reason reason)
{
	struct etp_sock *ep = etp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	sock_owned_by_me(sk);
	trace_etp_send_reset(sock_net(sk), sk, inet->inet_saddr, inet->inet_daddr,
			     inet->inet_sport, inet->inet_dport, ep->snd_max,
			     ep->rcv_nxt, reason);
	etp_send_ctl(sock_net(sk), inet->inet_saddr, inet->inet_daddr,
		     inet->inet_sport, inet->inet_dport, ep->snd_max,
		     ep->rcv_nxt, ETPHDR_RST | ETPHDR_ACK, 0,
		     sk->sk_bound_dev_if, sk);
}

/**
 * etp_send_reset() - answer a segment that no connection wants with RST
 * @net: the namespace
 * @skb: the segment (its header at skb->data, ETP_SKB_CB filled)
 * @sk: the socket that rejects it, or NULL; only the tracepoint uses it
 * @reason: why, for the etp_send_reset tracepoint
 *
 * RFC 9293 3.10.7.1: if the segment has an ACK, the RST takes its sequence
 * number from it; otherwise the RST acknowledges the segment. A RST is
 * never answered.
 */
void etp_send_reset(struct net *net, struct sk_buff *skb,
		    const struct sock *sk, enum etp_rst_reason reason)
{
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	const struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	bool ack = cb->flags & ETPHDR_ACK;
	u32 seq = ack ? cb->ack_seq : 0;
	u32 ack_seq = ack ? 0 : cb->end_seq;

	if (cb->flags & ETPHDR_RST)
		return;
	trace_etp_send_reset(net, sk, iph->daddr, iph->saddr, th->dest,
			     th->source, seq, ack_seq, reason);
	etp_send_ctl(net, iph->daddr, iph->saddr, th->dest, th->source, seq,
		     ack_seq, ack ? ETPHDR_RST : ETPHDR_RST | ETPHDR_ACK, 0,
		     inet_iif(skb), NULL);
}

/**
 * etp_send_req_synack_ts() - send a half-open entry's SYN-ACK, at a given time
 * @req: the entry
 * @ts: the timestamp clock (etp_ts_now()) its TSval reads, before the
 *      connection's offset; a SYN cookie's carries options in its low bits
 *
 * Return: 0.
 */
int etp_send_req_synack_ts(struct etp_req *req, u32 ts)
{
	struct sock *lsk = req->listener;
	struct etp_hdr_args h = {
		.sport = req->lport,
		.dport = req->rport,
		.seq = req->iss,
		.ack = req->irs + 1,
		.flags = ETPHDR_SYN | ETPHDR_ACK,
		.window = etp_syn_window(lsk),
		.ws = req->wscale_ok,
		.wscale = req->rcv_wscale,
	};
	struct flowi4 fl4;
	struct rtable *rt;

	/* One route for the MSS and the segment. */
	rt = etp_reply_route(sock_net(lsk), &fl4, req->laddr, req->raddr, &h,
			     lsk->sk_bound_dev_if, lsk);
	if (IS_ERR(rt))
		return 0;
	if (req->sack_ok)
		h.opt |= ETP_HOPT_SACK_PERM;
	if (req->ecn_ok)
		h.flags |= ETPHDR_ECE;		/* RFC 3168 6.1.1 */
	if (req->tstamp_ok) {
		h.opt |= ETP_HOPT_TS;
		h.tsval = ts + etp_ts_off(sock_net(lsk), req->laddr, req->raddr,
					  req->lport, req->rport);
		h.tsecr = req->ts_recent;
	}
	h.mss = etp_syn_mss(lsk, &rt->dst);
	etp_xmit_routed(sock_net(lsk), rt, req->laddr, req->raddr, &h, lsk);
	return 0;
}

/**
 * etp_send_req_synack() - send (or send again) a half-open entry's SYN-ACK
 * @req: the entry
 *
 * Return: 0.
 */
int etp_send_req_synack(struct etp_req *req)
{
	return etp_send_req_synack_ts(req, etp_ts_now());
}

/**
 * etp_ctl_init() - create the namespace's control socket
 * @en: the namespace's ETP state
 *
 * A raw socket of ETP's protocol, never hashed, so that it receives
 * nothing: replies that no ETP socket owns are sent through it.
 *
 * Return: 0 or a negative errno.
 */
int etp_ctl_init(struct etp_net *en)
{
	return inet_ctl_sock_create(&en->ctl_sk, PF_INET, SOCK_RAW, etp_proto,
				    en->net);
}

/**
 * etp_ctl_exit() - destroy the namespace's control socket
 * @en: the namespace's ETP state
 */
void etp_ctl_exit(struct etp_net *en)
{
	inet_ctl_sock_destroy(en->ctl_sk);
	en->ctl_sk = NULL;
}

#include "tests/rtx_test.c"
