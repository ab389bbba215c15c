/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETP's tracepoints, system "etp" (/sys/kernel/tracing/events/etp/):
 *   etp_state_change  a connection moves from one state to another (and
 *                     under which of the lab's variants, variant.h)
 *   etp_retransmit    a segment is sent again, and why
 *   etp_send_reset    a RST goes out, from a socket or on behalf of none
 *   etp_recv_reset    an acceptable RST arrives
 *   etp_tw_enter      a TIME_WAIT entry takes a connection's place
 *   etp_tw_expire     a TIME_WAIT entry ends after 2 * msl_ms
 *   etp_tw_recycle    a new connection's SYN takes a TIME_WAIT 4-tuple
 *   etp_probe         a connection has handled a segment's ACK: its window,
 *                     ssthresh and RTT then, as TCP's tcp_probe (one event
 *                     per segment: tools/etp-cwnd plots them)
 *
 * Every event carries the 4-tuple as TCP's events do (saddr and sport are
 * the local end), the network namespace (its inode number, as
 * /proc/PID/ns/net shows it) and skaddr, the object that holds the
 * connection (a socket, a half-open entry or a TIME_WAIT entry; hashed when
 * printed), so that one connection can be followed. module/trace.c
 * instantiates them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM etp

#if !defined(_ETP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ETP_TRACE_H

#include <linux/tracepoint.h>
#include <net/tcp_states.h>

#include "etp.h"

/*
 * What every event records first: the object (socket or entry), its
 * namespace and its 4-tuple, local end first. In each pass of the
 * tracepoint headers __field and __entry mean something else; these expand
 * where they are used.
 */
#define ETP_TUPLE_ENTRY					\
	__field(const void *, skaddr)			\
	__field(unsigned int, netns)			\
	__array(__u8, saddr, 4)				\
	__array(__u8, daddr, 4)				\
	__field(__u16, sport)				\
	__field(__u16, dport)
#define ETP_TUPLE_ASSIGN(obj, laddr, raddr, lport, rport) do {	\
	__entry->skaddr = (obj);				\
	__entry->netns = net->ns.inum;				\
	memcpy(__entry->saddr, &(laddr), 4);			\
	memcpy(__entry->daddr, &(raddr), 4);			\
	__entry->sport = ntohs(lport);				\
	__entry->dport = ntohs(rport);				\
} while (0)
#define ETP_TUPLE_FMT "skaddr=%p netns=%u saddr=%pI4 sport=%hu daddr=%pI4 dport=%hu"
#define ETP_TUPLE_ARGS __entry->skaddr, __entry->netns, __entry->saddr,	\
	__entry->sport, __entry->daddr, __entry->dport

/* The states and the events, from states.h: "ESTABLISHED", "CONNECT"... */
#define ETP_TRACE_STATE(name, ...)	EM(TCP_##name, #name)
#define ETP_TRACE_STATE_LAST(name, ...)	EMe(TCP_##name, #name)
#define etp_trace_states \
	ETP_STATE_LIST(ETP_TRACE_STATE, ETP_TRACE_STATE_LAST)

#define ETP_TRACE_EVENT(name)	EM(ETP_EV_##name, #name)
/* ...and ETP_EV_MAX, which no transition has. */
#define etp_trace_events \
	ETP_EVENT_LIST(ETP_TRACE_EVENT) EMe(ETP_EV_MAX, "NONE")

#define etp_trace_rst_reasons				\
	EM(ETP_RST_NO_CONNECTION, "NO_CONNECTION")	\
	EM(ETP_RST_BAD_ACK, "BAD_ACK")			\
	EM(ETP_RST_ABORT, "ABORT")			\
	EMe(ETP_RST_FIN_WAIT2_TIMEOUT, "FIN_WAIT2_TIMEOUT")

#define etp_trace_rtx_causes				\
	EM(ETP_RTX_TIMEOUT, "TIMEOUT")			\
	EM(ETP_RTX_FAST, "FAST")			\
	EM(ETP_RTX_SYNACK_TIMER, "SYNACK_TIMER")	\
	EM(ETP_RTX_SIMULTANEOUS_OPEN, "SIMULTANEOUS_OPEN")	\
	EMe(ETP_RTX_PROBE, "PROBE")

#define etp_trace_ca_states				\
	EM(ETP_CA_OPEN, "OPEN")				\
	EM(ETP_CA_CWR, "CWR")				\
	EM(ETP_CA_RECOVERY, "RECOVERY")			\
	EMe(ETP_CA_LOSS, "LOSS")

#define etp_trace_ca_causes				\
	EM(ETP_CA_DUPACKS, "DUPACKS")			\
	EM(ETP_CA_SACKED, "SACKED")			\
	EM(ETP_CA_RTO, "RTO")				\
	EM(ETP_CA_RECOVERED, "RECOVERED")		\
	EM(ETP_CA_UNDO, "UNDO")				\
	EM(ETP_CA_RACK, "RACK")				\
	EM(ETP_CA_TLP, "TLP")				\
	EMe(ETP_CA_ECE, "ECE")

/* User space (trace-cmd, perf) sees the enums' values, not their names. */
#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);

etp_trace_states
etp_trace_events
etp_trace_rst_reasons
etp_trace_rtx_causes
etp_trace_ca_states
etp_trace_ca_causes

#undef EM
#undef EMe
#define EM(a, b)	{ a, b },
#define EMe(a, b)	{ a, b }

#define etp_show_state(s)	__print_symbolic(s, etp_trace_states)
#define etp_show_event(e)	__print_symbolic(e, etp_trace_events)
#define etp_show_reason(r)	__print_symbolic(r, etp_trace_rst_reasons)
#define etp_show_cause(c)	__print_symbolic(c, etp_trace_rtx_causes)
#define etp_show_ca_state(s)	__print_symbolic(s, etp_trace_ca_states)
#define etp_show_ca_cause(c)	__print_symbolic(c, etp_trace_ca_causes)
#define etp_show_variant(v)	__print_flags(v, "|",			\
	{ ETP_V_TRACE_STANDARD, "standard" },				\
	{ ETP_V_2WAY, "handshake=2way" }, { ETP_V_CLOSE3, "close=3way" }, \
	{ ETP_V_TW_OFF, "time_wait=off" }, { ETP_V_TW_LEN, "time_wait=length" }, \
	{ ETP_V_ISN_CLOCK, "isn=clock" }, { ETP_V_ISN_ZERO, "isn=zero" }, \
	{ ETP_V_NO5961, "rfc5961=off" }, { ETP_V_NO1337, "rfc1337=off" })
#define etp_show_flags(f)	__print_flags(f, "|",			\
					      { ETPHDR_FIN, "FIN" },	\
					      { ETPHDR_SYN, "SYN" },	\
					      { ETPHDR_RST, "RST" },	\
					      { ETPHDR_PSH, "PSH" },	\
					      { ETPHDR_ACK, "ACK" },	\
					      { ETPHDR_URG, "URG" },	\
					      { ETPHDR_ECE, "ECE" },	\
					      { ETPHDR_CWR, "CWR" })

TRACE_EVENT(etp_state_change,

	TP_PROTO(const struct net *net, const void *skaddr, __be32 saddr,
		 __be32 daddr, __be16 sport, __be16 dport, int oldstate,
		 int newstate, int event, u8 variant),

	TP_ARGS(net, skaddr, saddr, daddr, sport, dport, oldstate, newstate,
		event, variant),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(int, oldstate)
		__field(int, newstate)
		__field(int, event)
		__field(__u16, variant)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(skaddr, saddr, daddr, sport, dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		__entry->event = event;
		/* 0 prints nothing in __print_flags: name the standard design. */
		__entry->variant = variant ? : ETP_V_TRACE_STANDARD;
	),

	TP_printk(ETP_TUPLE_FMT " oldstate=%s newstate=%s event=%s variant=%s",
		  ETP_TUPLE_ARGS,
		  etp_show_state(__entry->oldstate),
		  etp_show_state(__entry->newstate),
		  etp_show_event(__entry->event),
		  etp_show_variant(__entry->variant))
);

TRACE_EVENT(etp_retransmit,

	TP_PROTO(const struct net *net, const void *skaddr, __be32 saddr,
		 __be32 daddr, __be16 sport, __be16 dport, int state, u32 seq,
		 u32 len, u8 flags, u8 count, int cause),

	TP_ARGS(net, skaddr, saddr, daddr, sport, dport, state, seq, len,
		flags, count, cause),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(int, state)
		__field(__u32, seq)
		__field(__u32, len)
		__field(__u8, flags)
		__field(__u8, count)
		__field(int, cause)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(skaddr, saddr, daddr, sport, dport);
		__entry->state = state;
		__entry->seq = seq;
		__entry->len = len;
		__entry->flags = flags;
		__entry->count = count;
		__entry->cause = cause;
	),

	TP_printk(ETP_TUPLE_FMT " state=%s seq=%u len=%u flags=%s count=%u cause=%s",
		  ETP_TUPLE_ARGS, etp_show_state(__entry->state),
		  __entry->seq, __entry->len, etp_show_flags(__entry->flags),
		  __entry->count, etp_show_cause(__entry->cause))
);

/*
 * Loss recovery's state changed (recovery.c): into fast recovery, into
 * Loss on a timeout, back to Open; cwnd and ssthresh are the new ones, the
 * scoreboard's counts in bytes.
 */
TRACE_EVENT(etp_ca_state,

	TP_PROTO(const struct net *net, const struct sock *sk, int old, int cause),

	TP_ARGS(net, sk, old, cause),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(int, old)
		__field(int, new)
		__field(int, cause)
		__field(__u32, cwnd)
		__field(__u32, ssthresh)
		__field(__u32, snd_una)
		__field(__u32, recover)
		__field(__u32, sacked)
		__field(__u32, lost)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(sk, inet_sk(sk)->inet_saddr, inet_sk(sk)->inet_daddr,
				 inet_sk(sk)->inet_sport, inet_sk(sk)->inet_dport);
		__entry->old = old;
		__entry->new = etp_sk(sk)->ca_state;
		__entry->cause = cause;
		__entry->cwnd = etp_sk(sk)->cwnd;
		__entry->ssthresh = etp_sk(sk)->ssthresh;
		__entry->snd_una = etp_sk(sk)->snd_una;
		__entry->recover = etp_sk(sk)->recover;
		__entry->sacked = etp_sk(sk)->sacked_out;
		__entry->lost = etp_sk(sk)->lost_out;
	),

	TP_printk(ETP_TUPLE_FMT " old=%s new=%s cause=%s cwnd=%u ssthresh=%u snd_una=%u recover=%u sacked=%u lost=%u",
		  ETP_TUPLE_ARGS, etp_show_ca_state(__entry->old),
		  etp_show_ca_state(__entry->new), etp_show_ca_cause(__entry->cause),
		  __entry->cwnd, __entry->ssthresh, __entry->snd_una,
		  __entry->recover, __entry->sacked, __entry->lost)
);

/*
 * A connected socket has handled a segment's ACK (input.c), as TCP's
 * tcp_probe: the congestion window and ssthresh in bytes (cwnd / mss is
 * tcp_probe's snd_cwnd), what is in flight, the smoothed RTT in
 * microseconds, and the peer's and our windows.
 */
TRACE_EVENT(etp_probe,

	TP_PROTO(const struct net *net, const struct sock *sk, unsigned int len),

	TP_ARGS(net, sk, len),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(__u32, len)
		__field(__u32, snd_nxt)
		__field(__u32, snd_una)
		__field(__u32, cwnd)
		__field(__u32, ssthresh)
		__field(__u32, in_flight)
		__field(__u32, snd_wnd)
		__field(__u32, rcv_wnd)
		__field(__u32, srtt)
		__field(__u16, mss)
		__field(__u8, ca_state)
	),

	TP_fast_assign(
		const struct etp_sock *ep = etp_sk(sk);

		ETP_TUPLE_ASSIGN(sk, inet_sk(sk)->inet_saddr, inet_sk(sk)->inet_daddr,
				 inet_sk(sk)->inet_sport, inet_sk(sk)->inet_dport);
		__entry->len = len;
		__entry->snd_nxt = ep->snd_nxt;
		__entry->snd_una = ep->snd_una;
		__entry->cwnd = ep->cwnd;
		__entry->ssthresh = ep->ssthresh;
		__entry->in_flight = etp_in_flight(ep);
		__entry->snd_wnd = ep->snd_wnd;
		__entry->rcv_wnd = ep->rcv_wnd;
		__entry->srtt = ep->srtt_us >> 3;
		__entry->mss = ep->mss;
		__entry->ca_state = ep->ca_state;
	),

	TP_printk(ETP_TUPLE_FMT " len=%u snd_nxt=%u snd_una=%u cwnd=%u ssthresh=%u in_flight=%u snd_wnd=%u rcv_wnd=%u srtt=%u mss=%u ca_state=%s",
		  ETP_TUPLE_ARGS, __entry->len, __entry->snd_nxt, __entry->snd_una,
		  __entry->cwnd, __entry->ssthresh, __entry->in_flight,
		  __entry->snd_wnd, __entry->rcv_wnd, __entry->srtt, __entry->mss,
		  etp_show_ca_state(__entry->ca_state))
);

/* @skaddr is NULL when no socket sends it (the namespace's control socket). */
TRACE_EVENT(etp_send_reset,

	TP_PROTO(const struct net *net, const struct sock *sk, __be32 saddr,
		 __be32 daddr, __be16 sport, __be16 dport, u32 seq, u32 ack,
		 int reason),

	TP_ARGS(net, sk, saddr, daddr, sport, dport, seq, ack, reason),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(int, state)
		__field(__u32, seq)
		__field(__u32, ack)
		__field(int, reason)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(sk, saddr, daddr, sport, dport);
		/* CLOSE for no socket: a closed port answers. */
		__entry->state = sk ? sk->sk_state : TCP_CLOSE;
		__entry->seq = seq;
		__entry->ack = ack;
		__entry->reason = reason;
	),

	TP_printk(ETP_TUPLE_FMT " state=%s seq=%u ack=%u reason=%s",
		  ETP_TUPLE_ARGS, etp_show_state(__entry->state),
		  __entry->seq, __entry->ack, etp_show_reason(__entry->reason))
);

TRACE_EVENT(etp_recv_reset,

	TP_PROTO(const struct net *net, const void *skaddr, __be32 saddr,
		 __be32 daddr, __be16 sport, __be16 dport, int state, u32 seq),

	TP_ARGS(net, skaddr, saddr, daddr, sport, dport, state, seq),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(int, state)
		__field(__u32, seq)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(skaddr, saddr, daddr, sport, dport);
		__entry->state = state;
		__entry->seq = seq;
	),

	TP_printk(ETP_TUPLE_FMT " state=%s seq=%u",
		  ETP_TUPLE_ARGS, etp_show_state(__entry->state),
		  __entry->seq)
);

TRACE_EVENT(etp_tw_enter,

	TP_PROTO(const struct net *net, const struct etp_tw *tw,
		 const struct sock *sk, u32 timeout_ms),

	TP_ARGS(net, tw, sk, timeout_ms),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
		__field(const void *, sock)
		__field(__u32, timeout_ms)
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(tw, tw->laddr, tw->raddr, tw->lport, tw->rport);
		__entry->sock = sk;
		__entry->timeout_ms = timeout_ms;
	),

	TP_printk(ETP_TUPLE_FMT " sock=%p timeout_ms=%u",
		  ETP_TUPLE_ARGS, __entry->sock, __entry->timeout_ms)
);

DECLARE_EVENT_CLASS(etp_tw_class,

	TP_PROTO(const struct net *net, const struct etp_tw *tw),

	TP_ARGS(net, tw),

	TP_STRUCT__entry(
		ETP_TUPLE_ENTRY
	),

	TP_fast_assign(
		ETP_TUPLE_ASSIGN(tw, tw->laddr, tw->raddr, tw->lport, tw->rport);
	),

	TP_printk(ETP_TUPLE_FMT, ETP_TUPLE_ARGS)
);

DEFINE_EVENT(etp_tw_class, etp_tw_expire,
	TP_PROTO(const struct net *net, const struct etp_tw *tw),
	TP_ARGS(net, tw)
);

DEFINE_EVENT(etp_tw_class, etp_tw_recycle,
	TP_PROTO(const struct net *net, const struct etp_tw *tw),
	TP_ARGS(net, tw)
);

#endif /* _ETP_TRACE_H */

/* Out of the kernel tree: the header is found in this directory. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
