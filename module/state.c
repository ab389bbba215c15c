// SPDX-License-Identifier: GPL-2.0
/*
 * State changes. Every change of sk_state goes through etp_set_state(), which
 * keeps the per-state gauges of /proc/net/etp_stat true.
 */
#include "etp.h"

/* The gauge of each state, or -1 for states without one (CLOSE). */
static const int etp_state_gauge[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED]	= ETP_MIB_CurrEstab,
	[TCP_SYN_SENT]		= ETP_MIB_CurrSynSent,
	[TCP_SYN_RECV]		= ETP_MIB_CurrSynRecv,
	[TCP_FIN_WAIT1]		= ETP_MIB_CurrFinWait1,
	[TCP_FIN_WAIT2]		= ETP_MIB_CurrFinWait2,
	[TCP_TIME_WAIT]		= ETP_MIB_CurrTimeWait,
	[TCP_CLOSE]		= -1,
	[TCP_CLOSE_WAIT]	= ETP_MIB_CurrCloseWait,
	[TCP_LAST_ACK]		= ETP_MIB_CurrLastAck,
	[TCP_LISTEN]		= ETP_MIB_CurrListen,
	[TCP_CLOSING]		= ETP_MIB_CurrClosing,
};

static const char *const etp_state_names[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSE",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

/**
 * etp_state_name() - the name of a state, as RFC 9293 spells it
 * @state: a TCP_* state code
 *
 * Return: a static string; "?" for a code that is not a state.
 */
const char *etp_state_name(int state)
{
	if (state <= 0 || state >= TCP_MAX_STATES || !etp_state_names[state])
		return "?";
	return etp_state_names[state];
}

/**
 * etp_set_state() - move a socket to a new state and update the gauges
 * @sk: the socket, owned by the caller or bh-locked
 * @state: the new TCP_* state code
 */
void etp_set_state(struct sock *sk, int state)
{
	struct net *net = sock_net(sk);
	int old = sk->sk_state;

	if (old == state)
		return;
	if (old > 0 && old < TCP_MAX_STATES && etp_state_gauge[old] >= 0)
		etp_mib_add(net, etp_state_gauge[old], -1);
	if (etp_state_gauge[state] >= 0)
		etp_mib_add(net, etp_state_gauge[state], 1);
	/* Pairs with lockless readers (poll, /proc); as inet_sk_state_store(). */
	smp_store_release(&sk->sk_state, state);
}
