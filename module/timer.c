// SPDX-License-Identifier: GPL-2.0
/*
 * What the timers do when they fire, all in softirq (rto.c arms them):
 *   rtx_timer   retransmission (RFC 6298), or the zero-window probe when
 *               ep->persist is set (RFC 9293 3.8.6.1)
 *   dack_timer  delayed ACK (RFC 9293 3.8.6.3)
 *   sk_timer    keepalive (RFC 1122 4.2.3.6), and for an orphan in FIN_WAIT2
 *               the fin_timeout_ms limit
 *
 * A pending timer holds a reference on its socket (sk_reset_timer()). A
 * handler takes the socket's bh lock; if a process owns the socket, the work
 * is deferred to release_sock() through ep->deferred and etp_release_cb(),
 * which inherits the timer's reference. Handlers do nothing on a socket
 * that is already closed. An ICMP error's MTU reduction (icmp.c) is deferred
 * the same way, holding its own reference.
 */
#include <net/sock.h>

#include "etp.h"

/*
 * Data retransmissions before the connection is given up (as tcp_retries2),
 * or rather the time they take: see etp_rtx_timed_out().
 */
#define ETP_DATA_RETRIES	15

/* ... and for an orphan, which no one waits for (orphan_retries). */
static u32 etp_orphan_retries(const struct sock *sk)
{
	return READ_ONCE(etp_sk_pernet(sk)->sysctl.orphan_retries);
}

static u32 etp_keepalive_intvl(const struct sock *sk)
{
	u32 t = etp_sk(sk)->keepalive_intvl;

	return t ? : msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_intvl_ms));
}

static u32 etp_keepalive_probes(const struct sock *sk)
{
	u32 n = etp_sk(sk)->keepalive_probes;

	return n ? : READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_probes);
}

/*
 * As tcp_out_of_resources(): an orphan that costs more than may be spent
 * (max_orphans, or the protocol's memory) goes, with RST, when its timer
 * fires. Return true if it went.
 */
static bool etp_orphan_abort(struct sock *sk)
{
	if (!sock_flag(sk, SOCK_DEAD) || !etp_out_of_resources(sk))
		return false;
	ETP_INC_STATS(sock_net(sk), AbortOnMemory);
	etp_sm_event(sk, ETP_EV_ABORT);
	return true;
}

/* The window probe (persist) timer: data waits and the window is (nearly) shut. */
static void etp_probe_timeout(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	bool dead = sock_flag(sk, SOCK_DEAD);
	u32 max = dead ? etp_orphan_retries(sk) : ETP_DATA_RETRIES;

	if (etp_orphan_abort(sk))
		return;
	ep->persist = 0;
	if (!etp_send_head(sk) || ep->snd_max != ep->snd_una) {
		ep->probes_out = 0;
		ep->probe_backoff = 0;
		etp_write_xmit(sk);
		return;
	}
	/*
	 * An answer to a probe shows a live peer (probes_out starts over),
	 * not an open window: the backoff goes on, and an orphan gives up
	 * after as many probes however they are answered, as TCP's
	 * (icsk_backoff against tcp_orphan_retries()).
	 */
	if (ep->probes_out >= max ||
	    (dead && ep->probe_backoff >= max)) {
		etp_sm_event(sk, ETP_EV_TIMEOUT);
		return;
	}
	if (etp_write_wakeup(sk)) {
		ep->probe_backoff = 0;
		return;		/* data went out: the retransmission timer runs */
	}
	ep->probes_out++;
	if (ep->probe_backoff < U8_MAX)
		ep->probe_backoff++;
	ep->persist = 1;
	etp_reset_rtx_timer(sk);
}

/*
 * Whether a run of timeouts has lasted as long as @max retransmissions take
 * when each doubles the RTO from the run's first (rto_initial_ms in the
 * handshake) up to 120 s, ignoring rto_max_ms; so a lower rto_max_ms sends
 * more retransmissions in the same time, rather than giving up sooner, as
 * tcp_model_timeout() does for TCP. With no cap in the way this is the
 * count: the (@max + 1)-th timeout gives up.
 */
static bool etp_rtx_timed_out(const struct etp_sock *ep, u32 max)
{
	u32 rto = ep->rtx_base, budget = 0, i;

	for (i = 0; i < max; i++) {
		rto = min_t(u32, rto << 1, ETP_RTO_MAX);
		budget += rto;
	}
	return (s32)(jiffies - ep->rtx_start) >= (s32)budget;
}

/*
 * With TCP_USER_TIMEOUT (RFC 5482), a synchronized connection gives up when
 * its oldest unacknowledged data has waited that long since it was sent
 * (the run's first timeout less its RTO, as TCP counts from retrans_stamp),
 * whatever the count; the handshake keeps its retries, as TCP's.
 */
static bool etp_rtx_expired(const struct sock *sk, u32 max)
{
	const struct etp_sock *ep = etp_sk(sk);
	u32 user = READ_ONCE(ep->user_timeout);

	if (user && etp_state_is(sk, ETP_S_SYNC) && !etp_state_is(sk, ETP_S_HANDSHAKE))
		return (s32)(jiffies - (ep->rtx_start - ep->rtx_base)) >= (s32)user;
	return etp_rtx_timed_out(ep, max);
}

/* RFC 6298 5.4-5.7, RFC 5681 3.1: the oldest segment was not acknowledged. */
static void etp_rtx_timeout(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_net *en = etp_sk_pernet(sk);
	u32 max;

	if (!etp_state_is(sk, ETP_S_CONN))
		return;
	/* Deferred to release_sock(), and the owner armed the timer again. */
	if (timer_pending(&ep->rtx_timer))
		return;
	if (ep->tlp_timer) {
		ep->tlp_timer = 0;
		etp_tlp_probe(sk);
		return;
	}
	if (ep->reo_timer) {
		ep->reo_timer = 0;
		etp_recovery_reo_timeout(sk);
		return;
	}
	if (ep->persist) {
		etp_probe_timeout(sk);
		return;
	}
	if (ep->snd_una == ep->snd_max && !etp_send_head(sk))
		return;
	if (etp_orphan_abort(sk))
		return;

	if (sk->sk_state == TCP_SYN_SENT)
		max = ep->syn_retries ? : READ_ONCE(en->sysctl.syn_retries);
	else if (sk->sk_state == TCP_SYN_RECV)
		max = READ_ONCE(en->sysctl.synack_retries);
	else if (sock_flag(sk, SOCK_DEAD))
		max = etp_orphan_retries(sk);
	else
		max = ETP_DATA_RETRIES;
	if (!ep->retransmits) {
		ep->rtx_start = jiffies;
		/* The handshake's timeouts are rto_initial_ms's, even if capped. */
		ep->rtx_base = etp_state_is(sk, ETP_S_HANDSHAKE) ?
			       etp_rto_initial(sk) : ep->rto;
	} else if (etp_rtx_expired(sk, max)) {
		etp_sm_event(sk, ETP_EV_TIMEOUT);
		return;
	}
	if (ep->retransmits < U8_MAX)
		ep->retransmits++;
	ep->rto = min(ep->rto << 1, etp_rto_max(sk));

	/*
	 * With nothing in flight the last attempt failed locally (see
	 * __etp_write_xmit()): try again, backing off, without the response
	 * to a loss.
	 */
	if (ep->snd_una != ep->snd_max)
		etp_enter_loss(sk);	/* what is in flight and not SACKed goes again */
	etp_write_xmit(sk);
	/*
	 * With nothing in flight, __etp_write_xmit() armed the timer if the
	 * send failed again; data that Nagle or TCP_CORK hold back waits for
	 * no timer.
	 */
	if (ep->snd_una != ep->snd_max && !timer_pending(&ep->rtx_timer))
		etp_reset_rtx_timer(sk);
}

static void etp_dack_timeout(struct sock *sk)
{
	if (etp_sk(sk)->ack_pending) {
		etp_ack_delayed(sk);
		ETP_INC_STATS(sock_net(sk), DelayedAcks);
		etp_send_ack(sk);
	}
}

static void etp_keepalive_timeout(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 idle;

	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		etp_sm_event(sk, ETP_EV_FIN_WAIT2_TIMEOUT);
		return;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) || !etp_state_is(sk, ETP_S_KEEPALIVE))
		return;
	/* Data in flight: the retransmission timer watches the peer. */
	if (ep->snd_max != ep->snd_una || etp_send_head(sk)) {
		sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_keepalive_time(sk));
		return;
	}
	idle = jiffies - ep->rcv_tstamp;
	if (idle < etp_keepalive_time(sk)) {
		sk_reset_timer(sk, &sk->sk_timer,
			       jiffies + etp_keepalive_time(sk) - idle);
		return;
	}
	if (ep->probes_out >= etp_keepalive_probes(sk)) {
		ETP_INC_STATS(sock_net(sk), KeepaliveTimeouts);
		etp_sm_event(sk, ETP_EV_TIMEOUT);
		return;
	}
	ep->probes_out++;
	ETP_INC_STATS(sock_net(sk), KeepaliveProbes);
	etp_send_probe(sk);
	sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_keepalive_intvl(sk));
}

/*
 * Run a timer's work now, or defer it to the owner's release_sock(),
 * handing over the timer's reference.
 */
static void etp_timer_run(struct sock *sk, int bit, void (*work)(struct sock *))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		work(sk);
	} else if (!test_and_set_bit(bit, &etp_sk(sk)->deferred)) {
		sock_hold(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void etp_rtx_timer_fn(struct timer_list *t)
{
	struct etp_sock *ep = from_timer(ep, t, rtx_timer);

	etp_timer_run(&ep->inet.sk, ETP_DEFER_RTX, etp_rtx_timeout);
}

static void etp_dack_timer_fn(struct timer_list *t)
{
	struct etp_sock *ep = from_timer(ep, t, dack_timer);

	etp_timer_run(&ep->inet.sk, ETP_DEFER_DACK, etp_dack_timeout);
}

static void etp_keepalive_timer_fn(struct timer_list *t)
{
	struct sock *sk = from_timer(sk, t, sk_timer);

	etp_timer_run(sk, ETP_DEFER_KEEPALIVE, etp_keepalive_timeout);
}

/**
 * etp_release_cb() - run work that found the socket owned (timers, ICMP)
 * @sk: the socket, its owner in release_sock() (proto->release_cb)
 */
void etp_release_cb(struct sock *sk)
{
	static void (*const work[])(struct sock *) = {
		[ETP_DEFER_RTX] = etp_rtx_timeout,
		[ETP_DEFER_DACK] = etp_dack_timeout,
		[ETP_DEFER_KEEPALIVE] = etp_keepalive_timeout,
		[ETP_DEFER_MTU] = etp_mtu_reduced,
	};
	struct etp_sock *ep = etp_sk(sk);
	int bit;

	if (!READ_ONCE(ep->deferred))
		return;
	for (bit = 0; bit < ARRAY_SIZE(work); bit++) {
		if (!test_and_clear_bit(bit, &ep->deferred))
			continue;
		work[bit](sk);
		__sock_put(sk);
	}
}

/**
 * etp_init_timers() - set up a socket's timers
 * @sk: a new socket, or a child just cloned from its listener
 */
void etp_init_timers(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	timer_setup(&ep->rtx_timer, etp_rtx_timer_fn, 0);
	timer_setup(&ep->dack_timer, etp_dack_timer_fn, 0);
	timer_setup(&sk->sk_timer, etp_keepalive_timer_fn, 0);
	ep->deferred = 0;
}
