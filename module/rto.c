// SPDX-License-Identifier: GPL-2.0
/*
 * The clocks of a connection, below everything that sends: RTT samples and
 * the retransmission timeout (RFC 6298), and arming or stopping the socket's
 * timers (rtx_timer, dack_timer, sk_timer). What the timers do when they
 * fire is timer.c's, on a floor above the state table.
 *
 * Callers hold the socket's lock (owned, or bh-locked in softirq). A pending
 * timer holds a reference on its socket (sk_reset_timer()).
 */
#include <linux/ktime.h>
#include <net/sock.h>

#include "etp.h"

/**
 * etp_now_us() - a microsecond clock for RTT samples
 *
 * Return: the time, wrapping every 71 minutes.
 */
u32 etp_now_us(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_USEC);
}
EXPORT_SYMBOL_GPL(etp_now_us);	/* for congestion control modules */

static u32 etp_rto_min(const struct sock *sk)
{
	return msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.rto_min_ms));
}

/**
 * etp_rto_initial() - the RTO before the first sample, rto_initial_ms
 * @sk: the socket
 *
 * Return: the RTO in jiffies, before rto_max_ms caps it.
 */
u32 etp_rto_initial(const struct sock *sk)
{
	return msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.rto_initial_ms));
}

/**
 * etp_rto_max() - the RTO's upper bound, rto_max_ms
 * @sk: the socket
 *
 * Return: the bound in jiffies.
 */
u32 etp_rto_max(const struct sock *sk)
{
	return msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.rto_max_ms));
}

/*
 * RFC 6298 2.3: RTO = SRTT + max(G, K * RTTVAR), clamped to
 * [rto_min_ms, rto_max_ms] (the maximum wins if they cross).
 */
static void etp_rto_from_estimates(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	ep->rto = min(max_t(u32, usecs_to_jiffies((ep->srtt_us >> 3) +
						  max(ep->rttvar_us, 1U)),
			    etp_rto_min(sk)),
		      etp_rto_max(sk));
}

/**
 * etp_rtt_sample() - update SRTT, RTTVAR and RTO with a measurement
 * @sk: the socket, locked
 * @rtt_us: a round-trip time, from a segment sent only once (Karn)
 *
 * RFC 6298 2.2 and 2.3, with SRTT kept << 3 and RTTVAR << 2 as Linux TCP
 * does; RTO is clamped to [rto_min_ms, rto_max_ms].
 */
void etp_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct etp_sock *ep = etp_sk(sk);
	long err;

	sock_owned_by_me(sk);
	rtt_us = max(rtt_us, 1U);
	/*
	 * The least RTT of the last ETP_MIN_RTT_WIN, for RACK: a sample
	 * replaces it when smaller, or when it is that old (a windowed
	 * minimum as BBR's min_rtt; TCP's tcp_min_rtt_wlen is 300 s too).
	 */
	if (rtt_us <= ep->min_rtt_us ||
	    time_after32(jiffies, ep->min_rtt_stamp + ETP_MIN_RTT_WIN)) {
		ep->min_rtt_us = rtt_us;
		ep->min_rtt_stamp = jiffies;
	}
	if (!ep->srtt_us) {
		ep->srtt_us = rtt_us << 3;
		ep->rttvar_us = rtt_us << 1;
	} else {
		err = (long)rtt_us - (ep->srtt_us >> 3);
		ep->srtt_us += err;
		if (err < 0)
			err = -err;
		err -= ep->rttvar_us >> 2;
		ep->rttvar_us += err;
	}
	etp_rto_from_estimates(sk);
}

/**
 * etp_rto_restore() - end a backoff once new data is acknowledged
 * @sk: the socket, locked
 *
 * Karn's rule times no ACK that covers a retransmission, and after a
 * go-back-N retransmission everything in flight is one: with no timestamps,
 * a lossy path could go on doubling the RTO with no measurement to bring it
 * back. New data acknowledged shows the path works, so the RTO returns to
 * what the estimates give (RFC 6298 2.3), or to rto_initial_ms while nothing
 * has been measured (2.1), as after a handshake whose SYN was retransmitted.
 */
void etp_rto_restore(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	if (ep->srtt_us)
		etp_rto_from_estimates(sk);
	else
		ep->rto = min(etp_rto_initial(sk), etp_rto_max(sk));
}

/**
 * etp_reset_rtx_timer() - (re)start the retransmission or probe timer
 * @sk: the socket, locked
 */
void etp_reset_rtx_timer(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	unsigned long when = ep->rto;

	sock_owned_by_me(sk);
	ep->reo_timer = 0;
	ep->tlp_timer = 0;
	if (ep->persist) {
		when = min_t(unsigned long,
			     (unsigned long)ep->rto << min(ep->probe_backoff, 10),
			     etp_rto_max(sk));
	} else if (ep->retransmits && READ_ONCE(ep->user_timeout) &&
		   etp_state_is(sk, ETP_S_SYNC) &&
		   !etp_state_is(sk, ETP_S_HANDSHAKE)) {
		/*
		 * As tcp_clamp_rto_to_user_timeout(): fire when it runs out
		 * (where it applies: timer.c's etp_rtx_expired()).
		 */
		s32 left = (s32)(ep->rtx_start - ep->rtx_base +
				 READ_ONCE(ep->user_timeout) - jiffies);

		when = clamp_t(s32, left, 1, when);
	}
	sk_reset_timer(sk, &ep->rtx_timer, jiffies + max(when, 1UL));
}

/**
 * etp_rtx_timer_soon() - fire the retransmission timer in half an RTT
 * @sk: the socket, locked
 *
 * For a peer that reneged on its SACKs (recovery.c): what it dropped goes
 * again after half the smoothed RTT, at least 10 ms, not a whole RTO
 * later, as tcp_check_sack_reneging(); the ACKs in between may still show
 * it was a reordering.
 */
void etp_rtx_timer_soon(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	unsigned long when = max(usecs_to_jiffies(ep->srtt_us >> 4),
				 msecs_to_jiffies(10));

	sock_owned_by_me(sk);
	ep->reo_timer = 0;
	ep->tlp_timer = 0;
	sk_reset_timer(sk, &ep->rtx_timer, jiffies + when);
}

/**
 * etp_reo_timer_arm() - make the retransmission timer RACK's reordering timer
 * @sk: the socket, locked, with data in flight
 * @us: when the first segment RACK waits for would be late
 *
 * It fires then (and 2 ms more, as TCP's TCP_TIMEOUT_MIN_US) for
 * recovery.c to look again, which sets the retransmission timer back.
 */
void etp_reo_timer_arm(struct sock *sk, u32 us)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	ep->persist = 0;
	ep->tlp_timer = 0;
	ep->reo_timer = 1;
	sk_reset_timer(sk, &ep->rtx_timer,
		       jiffies + usecs_to_jiffies(us + 2000));
}

/* RFC 8985 7.2's WCDelAckT: the longest a peer may delay its ACK. */
#define ETP_TLP_DELACK_MAX	(HZ / 5)

/**
 * etp_loss_probe_arm() - make the retransmission timer the loss probe's
 * @sk: the socket, locked
 * @advancing: an ACK just moved SND.UNA: the RTO would start afresh
 *
 * RFC 8985 7.2, as tcp_schedule_loss_probe(): in Open with nothing SACKed,
 * lost or sent again (TCP's Open, not Disorder), with SACK and
 * early_retrans 3 or 4, and no probe unanswered, the probe timeout (PTO)
 * is two smoothed RTTs (one second before a sample), plus WCDelAckT when
 * one segment is in flight, else two jiffies; and never later than the
 * RTO would fire. tlp.c sends the probe when it fires.
 *
 * Return: true if it was set; false leaves the timer to the caller.
 */
bool etp_loss_probe_arm(struct sock *sk, bool advancing)
{
	struct etp_sock *ep = etp_sk(sk);
	int er = READ_ONCE(etp_sk_pernet(sk)->sysctl.early_retrans);
	struct sk_buff *head = etp_rtx_head(sk);
	unsigned long pto;
	s32 rto_left;

	sock_owned_by_me(sk);
	if ((er != 3 && er != 4) || !ep->sack_ok || ep->ca_state > ETP_CA_CWR ||
	    ep->sacked_out || ep->lost_out || ep->retrans_out || ep->reo_timer ||
	    ep->tlp_out || ep->persist || !head || !etp_state_is(sk, ETP_S_SYNC) ||
	    etp_state_is(sk, ETP_S_HANDSHAKE))
		return false;
	if (ep->srtt_us) {
		pto = usecs_to_jiffies(ep->srtt_us >> 2);
		pto += ep->snd_max - ep->snd_una <= ep->mss ? ETP_TLP_DELACK_MAX : 2;
	} else {
		pto = HZ;
	}
	/* When the RTO would fire: an RTO after the oldest segment went. */
	rto_left = ep->rto;
	if (!advancing)
		rto_left -= usecs_to_jiffies(etp_now_us() - ETP_SKB_CB(head)->sent_us);
	if (rto_left > 0)
		pto = min_t(unsigned long, pto, rto_left);
	ep->reo_timer = 0;
	ep->tlp_timer = 1;
	sk_reset_timer(sk, &ep->rtx_timer, jiffies + max(pto, 1UL));
	return true;
}

/**
 * etp_stop_rtx_timer() - stop the retransmission or probe timer
 * @sk: the socket, locked
 */
void etp_stop_rtx_timer(struct sock *sk)
{
	sock_owned_by_me(sk);
	etp_sk(sk)->persist = 0;
	etp_sk(sk)->reo_timer = 0;
	etp_sk(sk)->tlp_timer = 0;
	sk_stop_timer(sk, &etp_sk(sk)->rtx_timer);
}

/**
 * etp_schedule_ack() - acknowledge within the delayed-ACK time
 * @sk: the socket, locked
 */
void etp_schedule_ack(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	ep->ack_pending = 1;
	if (!timer_pending(&ep->dack_timer))
		sk_reset_timer(sk, &ep->dack_timer,
			       jiffies + max(msecs_to_jiffies(ETP_DELACK_MS), 1UL));
}

/**
 * etp_keepalive_time() - how long a connection is idle before keepalive probes
 * @sk: the socket
 *
 * Return: TCP_KEEPIDLE's value, or the namespace's keepalive_time_ms, in
 * jiffies.
 */
u32 etp_keepalive_time(const struct sock *sk)
{
	u32 t = etp_sk(sk)->keepalive_time;

	return t ? : msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_time_ms));
}

/**
 * etp_fin_time() - how long an orphan may wait in FIN_WAIT2
 * @sk: the socket
 *
 * TCP_LINGER2's time if set, else fin_timeout_ms, as tcp_fin_time()
 * without its floor of 3.5 RTOs (fin_timeout_ms never had one).
 *
 * Return: jiffies, 0 if TCP_LINGER2 was set below 0 (no wait at all).
 */
int etp_fin_time(const struct sock *sk)
{
	int linger2 = READ_ONCE(etp_sk(sk)->linger2);

	if (linger2 < 0)
		return 0;
	return linger2 ? : msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.fin_timeout_ms));
}

/**
 * etp_reset_keepalive() - arm sk_timer for what the socket's state needs
 * @sk: the socket, locked
 *
 * An orphan in FIN_WAIT2 waits etp_fin_time() at most (with TCP_LINGER2 < 0
 * the timer fires at once, and the orphan ends with RST as TCP's); a socket with
 * SO_KEEPALIVE in a synchronized state probes after keepalive_time_ms of
 * silence; otherwise the timer is stopped.
 */
void etp_reset_keepalive(struct sock *sk)
{
	sock_owned_by_me(sk);
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD))
		sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_fin_time(sk));
	else if (sock_flag(sk, SOCK_KEEPOPEN) && etp_state_is(sk, ETP_S_KEEPALIVE))
		sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_keepalive_time(sk));
	else
		sk_stop_timer(sk, &sk->sk_timer);
}

/**
 * etp_clear_timers() - stop a socket's timers, dropping their references
 * @sk: the socket, locked
 *
 * A handler already running waits for the lock and then finds the socket
 * closed; deferred work is dropped with its reference.
 */
void etp_clear_timers(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int bit;

	sock_owned_by_me(sk);
	ep->persist = 0;
	ep->reo_timer = 0;
	ep->tlp_timer = 0;
	sk_stop_timer(sk, &ep->rtx_timer);
	sk_stop_timer(sk, &ep->dack_timer);
	sk_stop_timer(sk, &sk->sk_timer);
	for (bit = 0; bit < ETP_DEFER_MAX; bit++)
		if (test_and_clear_bit(bit, &ep->deferred))
			__sock_put(sk);
}

#include "tests/rto_test.c"
