// SPDX-License-Identifier: GPL-2.0
/*
 * A connection's life, below the state table: the variables a new
 * connection starts with, its MSS once the peer is known and when the path
 * narrows, and its end (etp_done(): out of the tables, timers stopped, the user woken
 * or the orphan freed).
 *
 * Everything here works on one socket, locked by the caller (owned, or
 * bh-locked in softirq); the tables it leaves take their own slot locks.
 */
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/sock.h>

#include "etp.h"

/**
 * etp_init_xmit_vars() - the congestion and RTT state of a new connection
 * @sk: the socket
 */
void etp_init_xmit_vars(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->rto = min(etp_rto_initial(sk), etp_rto_max(sk));
	ep->srtt_us = 0;
	ep->rttvar_us = 0;
	ep->ssthresh = 0x7fffffff;
	ep->cwnd = 0;
	ep->ca_state = ETP_CA_OPEN;
	ep->mss = ETP_DEFAULT_MSS;
	ep->scaling_ratio = ETP_DEFAULT_SCALING_RATIO;
	ep->rcv_rtt_us = 0;
	ep->rcv_rtt_on = 0;
	ep->rcvq_on = 0;
	ep->recover = ep->iss;
	ep->sacked_out = 0;
	ep->sack_high = ep->iss;
	ep->reordering = READ_ONCE(etp_sk_pernet(sk)->sysctl.reordering);
	ep->reord_seen = 0;
	ep->undo_on = 0;
	ep->undo_ts = 0;
	ep->undo_retrans = -1;
	ep->lost_out = 0;
	ep->retrans_out = 0;
	ep->frto = 0;
	ep->frto_new = 0;
	ep->tlp_out = 0;
	ep->tlp_retrans = 0;
	memset(&ep->rack, 0, sizeof(ep->rack));
	ep->rack.reo_steps = 1;
	ep->min_rtt_us = U32_MAX;
	ep->max_in_flight = 0;
	ep->is_cwnd_limited = 0;
	ep->cwnd_usage_seq = ep->iss;
	ep->ecn_flags = 0;
	ep->delivered = 0;
	ep->delivered_ce = 0;
	etp_reset_congestion_control(sk);
}

/**
 * etp_init_snd_seq() - our side's sequence variables, as a connection opens
 * @sk: the socket, locked
 * @iss: our initial sequence number
 * @syn_acked: the peer has acknowledged our SYN already (a child made from
 *             a half-open entry or a cookie)
 *
 * With the congestion and RTT state (etp_init_xmit_vars()) and the window
 * the SYN offers.
 */
void etp_init_snd_seq(struct sock *sk, u32 iss, bool syn_acked)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	ep->iss = iss;
	etp_init_xmit_vars(sk);
	ep->snd_una = iss + syn_acked;
	ep->snd_nxt = ep->snd_una;
	ep->snd_max = ep->snd_una;
	ep->write_seq = ep->snd_una;
	ep->pushed_seq = iss + 1;
	ep->rcv_wnd = etp_syn_window(sk);
}

/**
 * etp_init_rcv_seq() - the peer's sequence variables, once its SYN is in
 * @sk: the socket, locked
 * @irs: the sequence number of the peer's SYN
 */
void etp_init_rcv_seq(struct sock *sk, u32 irs)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	ep->irs = irs;
	ep->rcv_nxt = irs + 1;
	ep->copied_seq = ep->rcv_nxt;
	ep->rcv_wup = ep->rcv_nxt;
}

/* The MSS the route, the peer's MSS and TCP_MAXSEG allow together. */
static unsigned int etp_path_mss(struct sock *sk, unsigned int peer_mss)
{
	const struct etp_sock *ep = etp_sk(sk);
	unsigned int mss = min(etp_adv_mss(__sk_dst_get(sk)), peer_mss);

	if (ep->user_mss)
		mss = min_t(unsigned int, mss, ep->user_mss);
	/* The timestamps ride on every segment, as TCP's tcp_mtu_to_mss(). */
	if (ep->tstamp_ok)
		mss -= ETP_TS_OPT_LEN;
	return max_t(unsigned int, mss, ETP_MIN_MSS);
}

/**
 * etp_set_mss() - settle the MSS once the peer's is known
 * @sk: the socket, with its route
 * @peer_mss: what the peer's SYN offered
 *
 * The smallest of the peer's MSS, the path MTU's and TCP_MAXSEG; then the
 * initial window, the congestion control algorithm's start (cong.c), and
 * the send buffer, which follows the window.
 */
void etp_set_mss(struct sock *sk, unsigned int peer_mss)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->mss = etp_path_mss(sk, peer_mss);
	ep->peer_mss = peer_mss;
	/* RFC 6928's initial window, then the algorithm's init (tcp_init_transfer()). */
	if (!ep->cwnd)
		ep->cwnd = min(10U * ep->mss, max(2U * ep->mss, 14600U));
	etp_init_congestion_control(sk);
	etp_sndbuf_expand(sk);
}

/**
 * etp_mtu_reduced() - the path's MTU is less than the MSS assumed
 * @sk: the socket, locked (softirq, or its owner's release_sock())
 *
 * As tcp_v4_mtu_reduced(): the route learns the MTU an ICMP error reported
 * (RFC 1191; never below the kernel's min_pmtu), the MSS follows it, and
 * what is in flight, sent too large to arrive, goes again now rather than
 * after a retransmission timeout. The loss is the path's, not congestion's:
 * the congestion window stays (as tcp_simple_retransmit()).
 */
void etp_mtu_reduced(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 mtu = READ_ONCE(ep->mtu_info);
	struct dst_entry *dst;
	unsigned int mss;

	sock_owned_by_me(sk);
	if (!etp_state_is(sk, ETP_S_CONN))
		return;
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;
	/* Less than the route allows: the connection may not recover. */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	if (READ_ONCE(inet_sk(sk)->pmtudisc) == IP_PMTUDISC_DONT ||
	    !ip_sk_accept_pmtu(sk))
		return;
	/* Before the peer's SYN, only the SYN's MSS option can follow. */
	if (!etp_state_is(sk, ETP_S_SYNC))
		return;
	mss = etp_path_mss(sk, ep->peer_mss ? : ep->mss);
	if (mss >= ep->mss)
		return;
	ep->mss = mss;
	ETP_INC_STATS(sock_net(sk), PmtuReduced);
	if (ep->snd_una != ep->snd_max) {
		/* Go back N, as a timeout would, but with the window kept. */
		etp_mark_all_lost(sk);
		etp_write_xmit(sk);
	}
}

/**
 * etp_purge_queues() - free what a socket has queued to send and to read
 * @sk: the socket, locked
 */
void etp_purge_queues(struct sock *sk)
{
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		etp_wmem_free_skb(sk, skb);
	while ((skb = etp_rtx_head(sk)))
		etp_rtx_unlink_free(sk, skb);
	__skb_queue_purge(&sk->sk_receive_queue);
	etp_ofo_purge(sk);
	sk_mem_reclaim(sk);
}

/**
 * etp_orphan_count() - count a socket whose user closed it before its end
 * @sk: the socket, just orphaned, locked, not in CLOSE
 *
 * Counted (CurrOrphans) until etp_destroy_sock() frees it.
 */
void etp_orphan_count(struct sock *sk)
{
	sock_owned_by_me(sk);
	etp_sk(sk)->orphan = 1;
	atomic_inc(&etp_sk_pernet(sk)->orphans);
	ETP_INC_STATS(sock_net(sk), CurrOrphans);
}

/**
 * etp_out_of_resources() - whether an orphan costs more than may be spent
 * @sk: an orphan, locked
 *
 * As TCP's tcp_check_oom(): more orphans than max_orphans in the
 * namespace, or ETP's memory past the hard limit of its protocol (as
 * tcp_mem[2]) while this one holds more than a minimal send buffer. The caller then aborts it (AbortOnMemory): no one
 * waits for its data.
 *
 * Return: true if the orphan should go.
 */
bool etp_out_of_resources(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);

	if (atomic_read(&en->orphans) > READ_ONCE(en->sysctl.max_orphans))
		return true;
	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2);
}

/**
 * etp_destroy_sock() - release what a closed socket still holds (proto->destroy)
 * @sk: the socket, locked
 */
void etp_destroy_sock(struct sock *sk)
{
	sock_owned_by_me(sk);
	if (etp_sk(sk)->orphan) {
		etp_sk(sk)->orphan = 0;
		atomic_dec(&etp_sk_pernet(sk)->orphans);
		ETP_DEC_STATS(sock_net(sk), CurrOrphans);
	}
	etp_clear_timers(sk);
	etp_purge_queues(sk);
	etp_cleanup_congestion_control(sk);
	etp_ehash_remove(sk);
	etp_lhash_remove(sk);
	etp_put_port(sk);
	sk_sockets_allocated_dec(sk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
}

/**
 * etp_destroy() - free a closed orphan: drop its user's reference
 * @sk: the socket, in CLOSE and SOCK_DEAD, locked
 */
void etp_destroy(struct sock *sk)
{
	sock_owned_by_me(sk);
	WARN_ON_ONCE(sk->sk_state != TCP_CLOSE || !sock_flag(sk, SOCK_DEAD));
	sk->sk_prot->destroy(sk);
	sock_put(sk);
}

/**
 * etp_done() - a connection is over (its socket just moved to CLOSE)
 * @sk: the socket, locked
 *
 * Out of the tables, timers stopped, a port that connect() picked given
 * back; the user is woken, or an orphan is freed.
 */
void etp_done(struct sock *sk)
{
	sock_owned_by_me(sk);
	etp_clear_timers(sk);
	etp_ehash_remove(sk);
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		etp_put_port(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		etp_destroy(sk);
}
