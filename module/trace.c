// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of trace.h, instantiated here once (CREATE_TRACE_POINTS);
 * each costs a static branch while disabled. And the bookkeeping of every
 * state change, of a socket or of a half-open or TIME_WAIT entry: its
 * tracepoint, its state's gauges and the counters that RFC 1213 defines by
 * transitions.
 */
#include "etp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The gauge of each state in /proc/net/etp_stat (states.h); -1: none. */
#define ETP_MIB_NONE (-1)
static const s8 etp_state_gauge[TCP_MAX_STATES] = {
	[0] = -1,
#define ETP_STATE_GAUGE(name, gauge, ...) [TCP_##name] = ETP_MIB_##gauge,
	ETP_STATE_LIST(ETP_STATE_GAUGE, ETP_STATE_GAUGE)
#undef ETP_STATE_GAUGE
};

/**
 * etp_state_account() - trace and count a change of state
 * @net: the namespace
 * @obj: the socket or entry that changes (the tracepoint's skaddr)
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @old: the state it leaves
 * @state: the state it enters
 * @ev: why (an event of states.h)
 * @variant: the lab's variants the connection runs (ETP_V_*)
 *
 * The gauge of @old goes down and that of @state up; a new half-open entry
 * (LISTEN to SYN_RECV, which no socket takes) leaves its listener's gauge
 * alone. ActiveOpens, AttemptFails and EstabResets count as RFC 1213's
 * tcpActiveOpens, tcpAttemptFails and tcpEstabResets. The caller stores the
 * state itself.
 */
void etp_state_account(struct net *net, const void *obj, __be32 saddr,
		       __be32 daddr, __be16 sport, __be16 dport, int old,
		       int state, enum etp_event ev, u8 variant)
{
	trace_etp_state_change(net, obj, saddr, daddr, sport, dport, old,
			       state, ev, variant);
	if (etp_state_gauge[old] >= 0 &&
	    !(old == TCP_LISTEN && state == TCP_SYN_RECV))
		etp_mib_add(net, etp_state_gauge[old], -1);
	if (etp_state_gauge[state] >= 0)
		etp_mib_add(net, etp_state_gauge[state], 1);

	if (state == TCP_SYN_SENT)
		ETP_INC_STATS(net, ActiveOpens);
	if (state == TCP_CLOSE) {
		if (old == TCP_SYN_SENT || old == TCP_SYN_RECV)
			ETP_INC_STATS(net, AttemptFails);
		if (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT)
			ETP_INC_STATS(net, EstabResets);
	}
}
