// SPDX-License-Identifier: GPL-2.0
/*
 * ETP's state machine: every transition in one table (the states, what each
 * allows, and the events are in states.h).
 *
 * etp_table[event][state] gives the next state and the actions for each
 * (event, state) pair; a pair that is not in the table leaves the socket as
 * it is. Documentation/protocol.rst has the same table, and
 * scripts/etp-states reads this one to draw the state diagram. Everything
 * that changes sk_state goes through etp_sm_event(), except the few raw
 * stores that hand a state to or from another object (a half-open entry
 * becoming a socket, a socket becoming a TIME_WAIT entry).
 *
 * The events come from the socket calls (socket.c), from segment
 * processing (input.c: what RFC 9293 3.10.7 finds in a segment) and from
 * timers (timer.c). Callers hold the socket's lock (owned, or bh-locked in
 * softirq).
 */
#include <linux/errno.h>

#include "etp.h"

/* Actions, done in this order: error, RST, state change, segments, handoff. */
#define A_ERR_REFUSED	BIT(0)	/* sk_err = ECONNREFUSED */
#define A_ERR_RESET	BIT(1)	/* sk_err = ECONNRESET (EPIPE in CLOSE_WAIT) */
#define A_ERR_TIMEDOUT	BIT(2)	/* sk_err = ETIMEDOUT */
#define A_ERR_SOFT	BIT(10)	/* sk_err = sk_err_soft (an ICMP error's) */
#define A_RST		BIT(3)	/* send RST (the connection is aborted) */
#define A_SYN		BIT(4)	/* send our SYN (as SYN-ACK once a SYN came) */
#define A_FIN		BIT(5)	/* queue a FIN after the data */
#define A_ACK		BIT(6)	/* acknowledge now */
#define A_SHUT_RCV	BIT(7)	/* the peer sends no more: EOF for readers */
#define A_FW2_TIMER	BIT(8)	/* an orphan waits etp_fin_time() at most */
#define A_TIME_WAIT	BIT(9)	/* hand the connection to the TIME_WAIT table */
#define A_ACK_FIRST	BIT(11)	/* acknowledge before the state change (into CLOSE) */
#define A_FIN_NOW	BIT(12)	/* send the FIN the guard allocated, with the ACK */

struct etp_transition {
	u8 next;		/* TCP_* state; 0: no transition */
	u16 actions;		/* A_* */
};

#define T(state, actions) { TCP_##state, actions }

static const struct etp_transition etp_table[ETP_EV_MAX][TCP_MAX_STATES] = {
	[ETP_EV_CONNECT] = {
		[TCP_CLOSE]		= T(SYN_SENT,	A_SYN),
	},
	[ETP_EV_LISTEN] = {
		[TCP_CLOSE]		= T(LISTEN,	0),
	},
	[ETP_EV_CLOSE] = {
		[TCP_LISTEN]		= T(CLOSE,	0),
		[TCP_SYN_SENT]		= T(CLOSE,	0),
		[TCP_SYN_RECV]		= T(FIN_WAIT1,	A_FIN),
		[TCP_ESTABLISHED]	= T(FIN_WAIT1,	A_FIN),
		[TCP_CLOSE_WAIT]	= T(LAST_ACK,	A_FIN),
	},
	[ETP_EV_SHUTDOWN] = {
		[TCP_SYN_RECV]		= T(FIN_WAIT1,	A_FIN),
		[TCP_ESTABLISHED]	= T(FIN_WAIT1,	A_FIN),
		[TCP_CLOSE_WAIT]	= T(LAST_ACK,	A_FIN),
	},
	[ETP_EV_ABORT] = {
		[TCP_LISTEN]		= T(CLOSE,	0),
		[TCP_SYN_SENT]		= T(CLOSE,	0),
		[TCP_SYN_RECV]		= T(CLOSE,	A_RST),
		[TCP_ESTABLISHED]	= T(CLOSE,	A_RST),
		[TCP_FIN_WAIT1]		= T(CLOSE,	A_RST),
		[TCP_FIN_WAIT2]		= T(CLOSE,	A_RST),
		[TCP_CLOSE_WAIT]	= T(CLOSE,	A_RST),
		[TCP_CLOSING]		= T(CLOSE,	A_RST),
		[TCP_LAST_ACK]		= T(CLOSE,	A_RST),
	},
	[ETP_EV_RCV_SYN] = {
		/* Simultaneous open (RFC 9293 figure 7). */
		[TCP_SYN_SENT]		= T(SYN_RECV,	A_SYN),
	},
	[ETP_EV_RCV_SYNACK] = {
		[TCP_SYN_SENT]		= T(ESTABLISHED, A_ACK),
	},
	[ETP_EV_SYN_ACKED] = {
		[TCP_SYN_RECV]		= T(ESTABLISHED, 0),
	},
	[ETP_EV_FIN_ACKED] = {
		[TCP_FIN_WAIT1]		= T(FIN_WAIT2,	A_FW2_TIMER),
		[TCP_CLOSING]		= T(TIME_WAIT,	A_TIME_WAIT),
		[TCP_LAST_ACK]		= T(CLOSE,	0),
	},
	[ETP_EV_RCV_FIN] = {
		[TCP_SYN_RECV]		= T(CLOSE_WAIT,	A_ACK | A_SHUT_RCV),
		[TCP_ESTABLISHED]	= T(CLOSE_WAIT,	A_ACK | A_SHUT_RCV),
		[TCP_FIN_WAIT1]		= T(CLOSING,	A_ACK | A_SHUT_RCV),
		[TCP_FIN_WAIT2]		= T(TIME_WAIT,	A_ACK | A_SHUT_RCV | A_TIME_WAIT),
		/* A retransmitted FIN: acknowledge it again. */
		[TCP_CLOSE_WAIT]	= T(CLOSE_WAIT,	A_ACK),
		[TCP_CLOSING]		= T(CLOSING,	A_ACK),
		[TCP_LAST_ACK]		= T(LAST_ACK,	A_ACK),
	},
	[ETP_EV_RCV_RST] = {
		[TCP_SYN_SENT]		= T(CLOSE,	A_ERR_REFUSED),
		[TCP_SYN_RECV]		= T(CLOSE,	A_ERR_REFUSED),
		[TCP_ESTABLISHED]	= T(CLOSE,	A_ERR_RESET),
		[TCP_FIN_WAIT1]		= T(CLOSE,	A_ERR_RESET),
		[TCP_FIN_WAIT2]		= T(CLOSE,	A_ERR_RESET),
		[TCP_CLOSE_WAIT]	= T(CLOSE,	A_ERR_RESET),
		/* RFC 9293 only closes; the error is TCP's (tcp_reset()). */
		[TCP_CLOSING]		= T(CLOSE,	A_ERR_RESET),
		[TCP_LAST_ACK]		= T(CLOSE,	A_ERR_RESET),
	},
	[ETP_EV_TIMEOUT] = {
		[TCP_SYN_SENT]		= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_SYN_RECV]		= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_ESTABLISHED]	= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_FIN_WAIT1]		= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_FIN_WAIT2]		= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_CLOSE_WAIT]	= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_CLOSING]		= T(CLOSE,	A_ERR_TIMEDOUT),
		[TCP_LAST_ACK]		= T(CLOSE,	A_ERR_TIMEDOUT),
	},
	[ETP_EV_FIN_WAIT2_TIMEOUT] = {
		[TCP_FIN_WAIT2]		= T(CLOSE,	A_RST),
	},
	/* RFC 1122 4.2.3.9 says soft errors should not abort; TCP's do here. */
	[ETP_EV_ICMP_ERROR] = {
		[TCP_SYN_SENT]		= T(CLOSE,	A_ERR_SOFT),
		[TCP_SYN_RECV]		= T(CLOSE,	A_ERR_SOFT),
	},
};

/*
 * The lab's variants (variant.h): rows that replace etp_table's for a
 * socket that runs one of the variants in @when, if @guard holds. They are
 * the designs TCP rejected; Documentation/lab.rst says what each shows.
 */
#define G_NOTHING_QUEUED BIT(0)	/* nothing to send: a FIN is allocated */

struct etp_variant_row {
	u8 ev;
	u8 state;
	u8 when;		/* ETP_V_* */
	u8 guard;		/* G_* */
	struct etp_transition t;
};

#define V(ev, state, when, guard, next, actions) \
	{ ETP_EV_##ev, TCP_##state, ETP_V_##when, guard, T(next, actions) }

static const struct etp_variant_row etp_variant_rows[] = {
	/* handshake=2way: the active end sends no third segment... */
	V(RCV_SYNACK,	SYN_SENT,	2WAY,	0,	ESTABLISHED, 0),
	/* ...and the passive end is ESTABLISHED once its SYN-ACK is out. */
	V(SYNACK_SENT,	SYN_RECV,	2WAY,	0,	ESTABLISHED, 0),
	/*
	 * close=3way: with nothing to send, the FIN goes at once, carrying the
	 * ACK, whether or not the application has closed: its half-close
	 * is lost (RFC 9293 3.6 keeps it with CLOSE_WAIT).
	 */
	V(RCV_FIN,	ESTABLISHED,	CLOSE3,	G_NOTHING_QUEUED, LAST_ACK,
	  A_SHUT_RCV | A_FIN_NOW),
	/* time_wait=off: the last ACK goes, and the connection with it. */
	V(RCV_FIN,	FIN_WAIT2,	TW_OFF,	0,	CLOSE,	A_ACK_FIRST | A_SHUT_RCV),
	V(FIN_ACKED,	CLOSING,	TW_OFF,	0,	CLOSE,	0),
	/* rfc5961=off: a SYN in the window resets the connection (RFC 793). */
	V(SYN_IN_WINDOW, ESTABLISHED,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
	V(SYN_IN_WINDOW, FIN_WAIT1,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
	V(SYN_IN_WINDOW, FIN_WAIT2,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
	V(SYN_IN_WINDOW, CLOSE_WAIT,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
	V(SYN_IN_WINDOW, CLOSING,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
	V(SYN_IN_WINDOW, LAST_ACK,	NO5961,	0,	CLOSE,	A_ERR_RESET | A_RST),
};

#undef V
#undef T

/*
 * The row for (@ev, @old) of a socket that runs variants: a variant's row
 * whose guard holds, or @t. G_NOTHING_QUEUED allocates the FIN into @fin;
 * without memory the standard row stands (a FIN cannot wait in softirq).
 */
static const struct etp_transition *
etp_variant_row(struct sock *sk, enum etp_event ev, int old,
		const struct etp_transition *t, struct sk_buff **fin)
{
	const struct etp_sock *ep = etp_sk(sk);
	const struct etp_variant_row *r;

	for (r = etp_variant_rows; r < etp_variant_rows + ARRAY_SIZE(etp_variant_rows); r++) {
		if (r->ev != ev || r->state != old || !(ep->variant & r->when))
			continue;
		if (r->guard & G_NOTHING_QUEUED) {
			if (!etp_queues_empty(sk) || ep->fin_queued)
				continue;
			*fin = etp_fin_alloc(sk, GFP_ATOMIC | __GFP_NOWARN);
			if (!*fin)
				continue;
		}
		return &r->t;
	}
	return t;
}

/* The states are listed in their codes' order (scripts and tests rely on it). */
#define ETP_STATE_ORDER(name, gauge, ...) ETP_ORDER_##name,
enum { ETP_ORDER_NONE, ETP_STATE_LIST(ETP_STATE_ORDER, ETP_STATE_ORDER) ETP_ORDER_END };
#undef ETP_STATE_ORDER
#define ETP_STATE_CODE(name, gauge, ...) \
	static_assert((int)ETP_ORDER_##name == (int)TCP_##name, #name " is out of order");
ETP_STATE_LIST(ETP_STATE_CODE, ETP_STATE_CODE)
#undef ETP_STATE_CODE
static_assert((int)ETP_ORDER_END == (int)TCP_CLOSING + 1, "a state is missing");

/* Move @sk to @state because of @ev: traced and counted (trace.c). */
static void etp_set_state(struct sock *sk, int state, enum etp_event ev)
{
	const struct inet_sock *inet = inet_sk(sk);

	etp_state_account(sock_net(sk), sk, inet->inet_saddr, inet->inet_daddr,
			  inet->inet_sport, inet->inet_dport, sk->sk_state,
			  state, ev, etp_sk(sk)->variant);
	etp_set_state_raw(sk, state);
}

/**
 * etp_sm_event() - feed an event to a socket's state machine
 * @sk: the socket, locked
 * @ev: the event
 *
 * Looks the (event, state) pair up in etp_table (or, for a socket that runs
 * the lab's variants, in etp_variant_rows first) and does what it says. A
 * socket that reaches CLOSE is done (etp_done()): an orphan is freed, so
 * the caller must not touch @sk after a transition to CLOSE unless it holds
 * its own reference.
 *
 * Return: the new state, or -EINVAL if the pair is not in the table (the
 * event means nothing in this state and nothing was done).
 */
int etp_sm_event(struct sock *sk, enum etp_event ev)
{
	int old = sk->sk_state;
	const struct etp_transition *t = &etp_table[ev][old];
	struct sk_buff *fin = NULL;
	u16 a;

	sock_owned_by_me(sk);
	if (unlikely(etp_sk(sk)->variant))
		t = etp_variant_row(sk, ev, old, t, &fin);
	a = t->actions;
	if (!t->next)
		return -EINVAL;

	if (a & A_ERR_REFUSED)
		WRITE_ONCE(sk->sk_err, ECONNREFUSED);
	if (a & A_ERR_RESET)
		WRITE_ONCE(sk->sk_err, old == TCP_CLOSE_WAIT ? EPIPE : ECONNRESET);
	if (a & A_ERR_TIMEDOUT)
		WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT);
	if (a & A_ERR_SOFT)
		WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft));
	if (a & A_RST)
		etp_send_active_reset(sk, ev == ETP_EV_FIN_WAIT2_TIMEOUT ?
				      ETP_RST_FIN_WAIT2_TIMEOUT : ETP_RST_ABORT);
	if (a & A_ACK_FIRST)
		etp_send_ack(sk);

	if (t->next != old)
		etp_set_state(sk, t->next, ev);

	if (a & A_SHUT_RCV) {
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
		sock_set_flag(sk, SOCK_DONE);
	}
	if (a & A_SYN)
		etp_send_syn(sk);
	if (a & A_FIN)
		etp_send_fin(sk);
	if (a & A_FIN_NOW) {
		etp_fin_queue(sk, fin);
		/* The FIN carries the ACK, unless the peer's window holds it. */
		if (etp_send_head(sk) == fin)
			etp_send_ack(sk);
	}
	if (a & A_ACK)
		etp_send_ack(sk);
	if (a & A_FW2_TIMER)
		etp_reset_keepalive(sk);

	if (a & A_TIME_WAIT) {
		etp_time_wait(sk);
		etp_done(sk);
		return TCP_TIME_WAIT;
	}
	if (t->next == TCP_CLOSE && old != TCP_CLOSE) {
		etp_done(sk);
		return TCP_CLOSE;
	}
	if (t->next != old && !sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	return t->next;
}

#include "tests/statetable_test.c"
