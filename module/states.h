/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETP's states and events, each written once; statetable.c holds the
 * transitions between them. The tracepoints (trace.h), the table, the
 * documentation (scripts/etp-states) and the tests (selftests/etp_util.py)
 * take the names from here.
 *
 * The states use TCP's codes (net/tcp_states.h), so that /proc/net/etp reads
 * like /proc/net/tcp and the generic inet socket calls understand them. They
 * are listed in the codes' order (statetable.c checks it), each with its
 * gauge in /proc/net/etp_stat and its rules: every "in which states may..."
 * is one of these columns, never a TCPF_ mask where it is used.
 */
#ifndef _ETP_STATES_H
#define _ETP_STATES_H

/*
 * The lists are plain C for the tests too (selftests/etp_conn.h); the rest
 * is the kernel's.
 */
#ifdef __KERNEL__
/* What a state allows: the columns of ETP_STATE_LIST after the gauge. */
#define ETP_S_CONN	BIT(0)	/* a connection is under way: its timers run */
#define ETP_S_HANDSHAKE	BIT(1)	/* our SYN is not acknowledged yet */
#define ETP_S_SYNC	BIT(2)	/* the peer's SYN is in: rcv_nxt holds, ACKs may go */
#define ETP_S_SEND	BIT(3)	/* the user may queue data (no wait for connect) */
#define ETP_S_RCV_TEXT	BIT(4)	/* the peer's data and FIN are taken (RFC 9293 3.10.7.4) */
#define ETP_S_KEEPALIVE	BIT(5)	/* SO_KEEPALIVE probes an idle peer (RFC 1122 4.2.3.6) */
#endif

/*
 * X(name, gauge, conn, handshake, sync, send, rcv_text, keepalive) for every
 * state but the last, LAST(...) for the last (a list that needs no
 * separator passes X twice). The gauge is a counter of ETP_MIB_LIST, or
 * NONE; the rest are ETP_S_* rules, 1 where the state has it.
 */
#define ETP_STATE_LIST(X, LAST)						\
	/*		gauge		conn hshk sync send text keep */ \
	X(ESTABLISHED,	CurrEstab,	1,   0,   1,   1,   1,   1)	\
	X(SYN_SENT,	CurrSynSent,	1,   1,   0,   0,   0,   0)	\
	X(SYN_RECV,	CurrSynRecv,	1,   1,   1,   0,   0,   0)	\
	X(FIN_WAIT1,	CurrFinWait1,	1,   0,   1,   0,   1,   1)	\
	X(FIN_WAIT2,	CurrFinWait2,	1,   0,   1,   0,   1,   1)	\
	X(TIME_WAIT,	CurrTimeWait,	0,   0,   1,   0,   0,   0)	\
	X(CLOSE,	NONE,		0,   0,   0,   0,   0,   0)	\
	X(CLOSE_WAIT,	CurrCloseWait,	1,   0,   1,   1,   0,   1)	\
	X(LAST_ACK,	CurrLastAck,	1,   0,   1,   0,   0,   0)	\
	X(LISTEN,	CurrListen,	0,   0,   0,   0,   0,   0)	\
	LAST(CLOSING,	CurrClosing,	1,   0,   1,   0,   0,   0)

/*
 * The events of the state machine: X(name) each, in the order of the
 * table's rows. SYNACK_SENT and SYN_IN_WINDOW have rows only among the
 * lab's variants (statetable.c's etp_variant_rows). DROP has no row: it
 * ends a half-open or TIME_WAIT entry's connection that cannot go on (no
 * route for the child, no room in the table), which the entries trace as
 * any other transition.
 */
#define ETP_EVENT_LIST(X)						\
	X(CONNECT)		/* connect() */				\
	X(LISTEN)		/* listen() */				\
	X(CLOSE)		/* close(): no more data */		\
	X(SHUTDOWN)		/* shutdown(SHUT_WR): no more data, the socket stays */ \
	X(ABORT)		/* SO_LINGER 0, unread data at close, disconnect */ \
	X(RCV_SYN)		/* a SYN without ACK */			\
	X(RCV_SYNACK)		/* an acceptable SYN-ACK */		\
	X(SYN_ACKED)		/* our SYN acknowledged */		\
	X(FIN_ACKED)		/* our FIN acknowledged */		\
	X(RCV_FIN)		/* the peer's FIN, in order */		\
	X(RCV_RST)		/* an acceptable RST */			\
	X(TIMEOUT)		/* retransmissions or probes exhausted */ \
	X(FIN_WAIT2_TIMEOUT)	/* an orphan waited fin_timeout_ms or TCP_LINGER2 */ \
	X(ICMP_ERROR)		/* an ICMP error about our segments */	\
	X(SYNACK_SENT)		/* handshake=2way: a child sent its SYN-ACK */ \
	X(SYN_IN_WINDOW)	/* rfc5961=off: a SYN in the window */	\
	X(DROP)			/* an entry's connection cannot go on */

enum etp_event {
#define ETP_EV_ENUM(name) ETP_EV_##name,
	ETP_EVENT_LIST(ETP_EV_ENUM)
#undef ETP_EV_ENUM
	ETP_EV_MAX
};

#ifdef __KERNEL__
/**
 * etp_state_rules() - what a state allows
 * @state: a TCP_* code
 *
 * Return: its S_* rules (0 for a code that is not a state).
 */
static inline unsigned int etp_state_rules(int state)
{
	switch (state) {
#define ETP_STATE_RULES(name, gauge, conn, hshk, sync, send, text, keep)	\
	case TCP_##name:						\
		return (conn ? ETP_S_CONN : 0) | (hshk ? ETP_S_HANDSHAKE : 0) | \
		       (sync ? ETP_S_SYNC : 0) | (send ? ETP_S_SEND : 0) |	\
		       (text ? ETP_S_RCV_TEXT : 0) | (keep ? ETP_S_KEEPALIVE : 0);
	ETP_STATE_LIST(ETP_STATE_RULES, ETP_STATE_RULES)
#undef ETP_STATE_RULES
	}
	return 0;
}

/* Whether @sk's state allows all of @rules (S_*). */
static inline bool etp_state_is(const struct sock *sk, unsigned int rules)
{
	return (etp_state_rules(READ_ONCE(sk->sk_state)) & rules) == rules;
}

int etp_sm_event(struct sock *sk, enum etp_event ev);
void etp_state_account(struct net *net, const void *obj, __be32 saddr,
		       __be32 daddr, __be16 sport, __be16 dport, int old,
		       int state, enum etp_event ev, u8 variant);

/**
 * etp_set_state_raw() - store a state without the gauges and counters
 * @sk: the socket
 * @state: the TCP_* state
 *
 * For states handed over with their gauge: a child socket takes SYN_RECV
 * from its half-open entry, and a socket gives TIME_WAIT to its entry.
 */
static inline void etp_set_state_raw(struct sock *sk, int state)
{
	/* Pairs with lockless readers (poll, /proc); as inet_sk_state_store(). */
	smp_store_release(&sk->sk_state, state);
}

#endif /* __KERNEL__ */
#endif /* _ETP_STATES_H */
