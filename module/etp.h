/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETP: an experimental TCP-like transport on its own IP protocol number.
 *
 * Definitions shared by the files of the module. Each file owns one concern
 * and stands on a floor: a file calls functions of lower floors only, so
 * that no circle of calls runs through the module (scripts/etp-floors checks
 * it in `make check`; Documentation/architecture.rst draws it). From the top:
 *  14 main.c        module parameter, registration with the inet layer
 *  13 netns.c       per-network-namespace state
 *  12 socket.c      struct proto and proto_ops: the socket calls
 *  11 demux.c       where a received segment goes (softirq)
 *  11 icmp.c        ICMP errors: path MTU discovery, hard and soft errors
 *  11 stream.c      sendmsg, recvmsg, poll, the queue ioctls
 *  11 sockopt.c     socket options (level IPPROTO_TCP)
 *  11 proc.c        /proc/net/etp and /proc/net/etp_stat
 *  11 sysctl.c      /proc/sys/net/etp/
 *  10 request.c     listeners: half-open entries, children, the accept queue
 *   9 syncookies.c  SYN cookies (RFC 4987)
 *   9 input.c       a connection's segments (RFC 9293 3.10.7)
 *   8 timer.c       what the timers do: retransmission, probes, keepalive
 *   7 statetable.c  every state transition, in one table
 *   6 conn.c        a connection's life: initial variables, MSS, its end
 *   6 recovery.c    loss recovery: what is lost, fast recovery, the timeout's Loss
 *   5 lookup.c      the listener and established tables; connect()'s 4-tuple
 *   6 newreno.c     NewReno: the default congestion control algorithm
 *   6 cubic.c       CUBIC (RFC 9438, HyStart++): module etp_cubic.ko
 *   6 dctcp.c       DCTCP (RFC 8257): module etp_dctcp.ko
 *   5 cong.c        congestion control: the algorithms' registry, a socket's choice
 *   5 rack.c        RACK (RFC 8985): loss detection by time, the reordering timer
 *   5 tlp.c         tail loss probes (RFC 8985 7): the probe, what its ACK tells
 *   4 timewait.c    the TIME_WAIT table
 *   4 sack.c        the sender's scoreboard: SACK blocks marking what arrived
 *   3 output.c      building and sending segments
 *   3 ofo.c         the receiver's out-of-order queue (an rbtree)
 *   3 port.c        the bind table: local ports
 *   2 rcvbuf.c      receive memory, the receive window and its scale, autotuning
 *   2 delack.c      when to acknowledge: delayed ACKs, quick-ACK and ping-pong modes
 *   2 reuseport.c   SO_REUSEPORT: shared ports, listener groups, who takes a SYN
 *   1 rto.c         RTT and RTO (RFC 6298); arming and stopping the timers
 *   1 header.c      the header and its options: writing and reading them
 *   1 tstamp.c      timestamps (RFC 7323): the clock, TS.Recent, RTT from TSecr
 *   1 isn.c         initial sequence numbers (RFC 6528), table hashing, slots
 *   1 offload.c     GSO of ETP's large skbs
 *   1 ecn.c         ECN (RFC 3168): negotiation, ECT and CE, ECE and CWR
 *   1 trace.c       the tracepoints of trace.h (system "etp")
 *   1 variant.c     the lab's variants: their names, sysctls and text
 *
 * Headers: etp.h (this), states.h (states, events, each state's rules),
 * trace.h (tracepoints), variant.h (the lab's variants), compat.h (what
 * differs between 6.1 and 6.12).
 *
 * Locking. Each rule is checked where it is relied on: sock_owned_by_me() in
 * every function that wants its socket locked, lockdep_assert_held() where a
 * slot's or a table's lock must be held; the debug kernel's lockdep proves
 * them and the order below.
 *  - A socket's lock covers its connection: the socket calls own it
 *    (lock_sock()), softirq takes it bh-locked (segments, timers). Softirq
 *    that finds it owned queues the segment to its backlog or defers the
 *    timer's work to release_sock() (etp_release_cb()).
 *  - A listener before its child: the listener is taken with
 *    bh_lock_sock_nested() (demux.c), so that a child made or found while it
 *    is held (request.c) takes the same lock class one level down.
 *  - A socket before the table locks: the bind, lhash, ehash and reqhash
 *    slots' spinlocks, a listener's accept_lock and the TIME_WAIT table's
 *    lock are taken inside a socket's lock, never around one, and none of
 *    them inside another (timewait.c releases its table's lock before it
 *    takes a bind slot's).
 *  - Table locks are taken with bottom halves off in process context
 *    (spin_lock_bh()): softirq takes them too.
 *  - Readers of the hashes (ehash, lhash, reqhash, the TIME_WAIT rhashtable)
 *    hold rcu_read_lock() and take a reference before they leave it;
 *    sockets and entries are freed after a grace period.
 */
#ifndef _ETP_H
#define _ETP_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <net/inet_sock.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "variant.h"

/* Room for an ETP header (up to 60 bytes), the IP header and the link layer. */
#define ETP_MAX_HEADER L1_CACHE_ALIGN(128 + MAX_HEADER)

/* The GSO type of ETP's large skbs, and what gso_size adds to the MSS: see offload.c. */
#define ETP_GSO_TYPE	SKB_GSO_SCTP
#define ETP_GSO_BIAS(thlen)	((thlen) - 12)

/* The IP protocol number ETP runs on (module parameter, 253 or 254). */
extern int etp_proto;
extern struct proto etp_prot;

/*
 * Counters of /proc/net/etp_stat, in the order they are printed. Names are
 * part of the user interface (nstat shows them as EtpName): add, never rename.
 * The Curr* entries are gauges: incremented and decremented.
 */
#define ETP_MIB_LIST(X)							\
	X(ActiveOpens) X(PassiveOpens) X(AttemptFails) X(EstabResets)	\
	X(CurrEstab) X(InSegs) X(OutSegs) X(RetransSegs) X(InErrs)	\
	X(OutRsts) X(InCsumErrors) X(ListenOverflows) X(ListenDrops)	\
	X(TimeWaitEntered) X(TimeWaitExpired) X(TimeWaitFinReAcked)	\
	X(TimeWaitRecycled) X(TimeWaitOverflow) X(TimeWaitRstIgnored)	\
	X(SynCookiesSent) X(SynCookiesRecv) X(SynCookiesFailed)		\
	X(ChallengeAcks) X(KeepaliveProbes) X(KeepaliveTimeouts)	\
	X(CurrSynSent) X(CurrSynRecv) X(CurrFinWait1) X(CurrFinWait2)	\
	X(CurrCloseWait) X(CurrLastAck) X(CurrClosing) X(CurrTimeWait)	\
	X(CurrListen) X(BacklogDrop) X(AckSkippedChallenge) X(AckSkippedSeq)	\
	X(OutOfWindowIcmps) X(PmtuReduced) X(CurrOrphans) X(AbortOnMemory)	\
	X(DelayedAcks) X(DeferAcceptDrop) X(TimeWaitKilled) \
	X(PAWSActive) X(BadOptions) X(PAWSEstab) X(PAWSTimewait)	\
	X(AckSkippedPAWS) X(DSACKOldSent) X(DSACKOfoSent)		\
	X(Timeouts) X(RenoRecovery) X(SackRecovery) X(FastRetrans)	\
	X(SlowStartRetrans) X(DSACKRecv) X(SACKDiscard) X(SACKReneging)	\
	X(SACKReorder) X(FullUndo) X(PartialUndo) X(DSACKUndo) X(LossUndo)	\
	X(SpuriousRTOs) X(LostRetransmit) X(LossProbes) X(LossProbeRecovery)	\
	X(EcnNegotiated) X(EcnCeRecv) X(EcnEceRecv) X(EcnCwrRecv)	\
	X(DSACKOfoRecv) X(DSACKIgnoredOld) X(DSACKIgnoredNoUndo)

enum etp_mib {
#define ETP_MIB_ENUM(name) ETP_MIB_##name,
	ETP_MIB_LIST(ETP_MIB_ENUM)
#undef ETP_MIB_ENUM
	ETP_MIB_MAX
};

/* Per-namespace settings under /proc/sys/net/etp/ (see sysctl.c). */
struct etp_sysctl {
	int msl_ms;
	int max_tw_entries;
	int syncookies;
	int syn_retries;
	int synack_retries;
	int fin_timeout_ms;
	int keepalive_time_ms;
	int keepalive_intvl_ms;
	int keepalive_probes;
	int rto_initial_ms;
	int rto_min_ms;
	int rto_max_ms;
	int invalid_ratelimit_ms;
	int challenge_ack_limit;
	int max_orphans;
	int orphan_retries;	/* timeouts an orphan outlives (tcp_orphan_retries) */
	int rmem[3];		/* as tcp_rmem: least, initial, most (bytes) */
	int wmem[3];		/* as tcp_wmem */
	/* The lab's variants (variant.h) that new sockets take. */
	int handshake;		/* ETP_V_2WAY or 0 */
	int close;		/* ETP_V_CLOSE3 or 0 */
	int time_wait;		/* 0: 2 * msl_ms, -1: off, or ms */
	int isn;		/* ETP_V_ISN_* or 0 */
	int rfc5961;		/* 1: on (the standard design) */
	int rfc1337;		/* 1: on */
	/* Loss recovery's switches, named as TCP's. */
	int timestamps;		/* 0 off, 1 on, 2 on without a per-connection offset */
	int reuse_tw;		/* tw_reuse: connect() over TIME_WAIT: 0, 1, 2 loopback only */
	int sack;		/* 1: offer and take SACK permitted (RFC 2018) */
	int dsack;		/* 1: report duplicates (RFC 2883) where SACK is on */
	int reordering;		/* segments SACKed above a hole that make it a loss, at first */
	int max_reordering;	/* the most that reordering seen may raise it to */
	int frto;		/* F-RTO (RFC 5682): 0 off, 1 or 2 on */
	int recovery;		/* ETP_RACK_*, as tcp_recovery */
	int early_retrans;	/* 3, 4: tail loss probes (RFC 8985 7), as tcp_early_retrans */
	int ecn;		/* 0 off, 1 ask and accept, 2 accept only (ecn.c), as tcp_ecn */
};

/* The recovery sysctl's bits, TCP's TCP_RACK_*. */
#define ETP_RACK_LOSS_DETECTION	0x1	/* RACK finds what is lost (RFC 8985) */
#define ETP_RACK_STATIC_REO_WND	0x2	/* D-SACKs do not widen its window */
#define ETP_RACK_NO_DUPTHRESH	0x4	/* no zero window on DupThresh's SACKs */

/* A hash slot: a lock for writers, RCU for readers of the chain. */
struct etp_hslot {
	spinlock_t lock;		/* bh */
	struct hlist_head chain;
};

/*
 * A slot whose sockets can move to another slot while a reader walks its
 * chain (ehash, lhash: a socket disconnected and connected or listening
 * again). The chain ends in a nulls marker holding the slot's index; a
 * reader that ends on another slot's marker was carried off by a moving
 * socket and walks its own chain again, as TCP's ehash lookups do.
 */
struct etp_nslot {
	spinlock_t lock;		/* bh */
	struct hlist_nulls_head chain;
};

/*
 * The bind table: one bucket per local port in use, found by hashing the
 * port into a slot. A bucket lists the sockets bound to its port and counts
 * the TIME_WAIT entries that still hold it.
 */
struct etp_bind_bucket {
	struct hlist_node node;		/* in etp_hslot.chain */
	struct hlist_head owners;	/* sockets, by sk_bind_node */
	unsigned int tw_count;		/* TIME_WAIT entries on this port */
	u16 port;
	bool autobind_only;		/* every owner was bound by connect() */
};

#define ETP_BIND_SLOTS		1024
#define ETP_LHASH_SLOTS		256
#define ETP_EHASH_SLOTS		16384
#define ETP_REQHASH_SLOTS	4096

/*
 * TIME_WAIT entries of a namespace (timewait.c). The hash is an rhashtable:
 * it grows with the entries (in a worker, or at once if an insert finds it
 * full), so chains stay short at any size, and each bucket has its own lock.
 */
struct etp_tw_table {
	spinlock_t lock;		/* bh: death row, count, entries' state */
	struct rhashtable hash;		/* by 4-tuple, RCU */
	struct list_head death_row;	/* entries by expiry, earliest first */
	struct timer_list timer;	/* fires for the first on death_row */
	unsigned int count;
	bool dying;			/* the namespace is going away */
};

struct etp_net {
	struct net *net;
	long __percpu *mib;		/* ETP_MIB_MAX counters per CPU */
	struct etp_sysctl sysctl;
	struct ctl_table_header *sysctl_hdr;
	struct sock *ctl_sk;		/* sends replies no socket owns */
	struct etp_hslot *bind;		/* ETP_BIND_SLOTS: local ports */
	struct etp_nslot *lhash;	/* ETP_LHASH_SLOTS: listeners by port */
	struct etp_nslot *ehash;	/* ETP_EHASH_SLOTS: sockets by 4-tuple */
	struct etp_hslot *reqhash;	/* ETP_REQHASH_SLOTS: half-open entries */
	struct etp_tw_table tw;
	unsigned long challenge_ack_stamp;	/* the budget's second: jiffies / HZ */
	unsigned int challenge_ack_count;	/* challenge ACKs left in it */
	atomic_t orphans;		/* closed sockets whose connections go on */
	/* congestion_control: what new sockets take, holding its module (cong.c) */
	const struct etp_ca_ops __rcu *ca_default;
};

extern unsigned int etp_net_id;

static inline struct etp_net *etp_pernet(const struct net *net)
{
	return net_generic(net, etp_net_id);
}

static inline struct etp_net *etp_sk_pernet(const struct sock *sk)
{
	return etp_pernet(sock_net(sk));
}

/* Counters are per CPU and summed when read; any context may bump them. */
static inline void etp_mib_add(struct net *net, enum etp_mib field, long val)
{
	this_cpu_add(etp_pernet(net)->mib[field], val);
}

#define ETP_INC_STATS(net, field) etp_mib_add(net, ETP_MIB_##field, 1)
#define ETP_ADD_STATS(net, field, n) etp_mib_add(net, ETP_MIB_##field, n)
#define ETP_DEC_STATS(net, field) etp_mib_add(net, ETP_MIB_##field, -1)

/* Flags of the header's 13th byte, as TCP's. */
#define ETPHDR_FIN	0x01
#define ETPHDR_SYN	0x02
#define ETPHDR_RST	0x04
#define ETPHDR_PSH	0x08
#define ETPHDR_ACK	0x10
#define ETPHDR_URG	0x20
#define ETPHDR_ECE	0x40	/* ECN-Echo (RFC 3168 6.1) */
#define ETPHDR_CWR	0x80	/* Congestion Window Reduced */

/* A received segment's header, at skb->data once the IP layer is done. */
static inline const struct tcphdr *etp_hdr(const struct sk_buff *skb)
{
	return (const struct tcphdr *)skb->data;
}

/* The flags byte of a header (struct tcphdr's layout). */
#define etp_flag_byte(th) (((u8 *)(th))[13])

#define ETP_HDR_LEN		20	/* the header without options */
#define ETP_TS_OPT_LEN		12	/* NOP, NOP, timestamps (10) */
#define ETP_DEFAULT_MSS		536	/* RFC 9293 3.7.1, when no MSS option */
#define ETP_MIN_MSS		88
#define ETP_MAX_WSCALE		14	/* RFC 7323 2.3 */
#define ETP_DELACK_MS		40	/* delayed ACK, as Linux TCP's minimum */
#define ETP_RTO_MAX		(120 * HZ)
/* scaling_ratio's unit, and its value before a measurement (half, as TCP's). */
#define ETP_RMEM_TO_WIN_SCALE	8
#define ETP_DEFAULT_SCALING_RATIO (1 << (ETP_RMEM_TO_WIN_SCALE - 1))

/* Modular comparison of sequence numbers (RFC 9293 3.4). */
static inline bool etp_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define etp_after(a, b) etp_before(b, a)

static inline bool etp_between(u32 seq, u32 low, u32 high)
{
	return high - low >= seq - low;	/* low <= seq <= high */
}

/*
 * What ETP keeps in skb->cb while it owns a segment: on the write queue
 * (seq, end_seq, flags, sent, retrans) and on the receive path (all of it,
 * the IP layer being done with the skb).
 */
struct etp_skb_cb {
	u32 seq;		/* first sequence number */
	u32 end_seq;		/* seq + SYN + FIN + payload length */
	u32 ack_seq;		/* received: the acknowledgment field */
	u32 sent_us;		/* sent: when, for RTT samples */
	u16 window;		/* received: the window field, unscaled */
	u8 flags;		/* ETPHDR_* */
	u8 retrans;		/* sent: times retransmitted */
	u32 tw_isn;		/* received: a SYN that reopens a TIME_WAIT
				 * entry's 4-tuple: the ISN to answer with
				 * (0: none), as TCP's tcp_tw_isn
				 */
	/*
	 * Received: the timestamps option's values, if rx_opts has
	 * ETP_RXO_TS. Sent: tsval is the TSval it last carried (undo).
	 */
	u32 tsval;
	u32 tsecr;
	u8 rx_opts;		/* received: ETP_RXO_* (demux.c) */
	u8 sack_off;		/* received: the SACK option's offset in the
				 * header, if rx_opts has ETP_RXO_SACK
				 */
	u8 sacked;		/* sent: ETP_SACKED_* (the scoreboard's marks) */
	u8 ip_dsfield;		/* received: the IP header's DS field and ECN bits */
};

/* A sent skb's marks, TCP's TCPCB_SACKED_* and TCPCB_LOST. */
#define ETP_SACKED_ACKED	0x01	/* the peer has it: a SACK block said so */
#define ETP_SACKED_RETRANS	0x02	/* sent again since it was marked lost */
#define ETP_SACKED_LOST		0x04	/* taken for lost: to send again */
#define ETP_EVER_RETRANS	0x80	/* sent more than once */

/* A SACK block (RFC 2018): received data from start to end (excluded). */
struct etp_sack_block {
	u32 start, end;
};

#define ETP_NUM_SACKS	4	/* blocks kept and sent (3 with timestamps) */

/* What a received segment's options held (etp_parse_options()). */
#define ETP_RXO_MSS		0x01
#define ETP_RXO_WSCALE		0x02
#define ETP_RXO_SACK_PERM	0x04
#define ETP_RXO_TS		0x08
#define ETP_RXO_SACK		0x10	/* SACK blocks, at sack_off */
#define ETP_RXO_BAD		0x80	/* a malformed option (BadOptions) */

#define ETP_SKB_CB(skb) ((struct etp_skb_cb *)&((skb)->cb[0]))

/* Congestion control (cong.c): a name's length, an algorithm's own state. */
#define ETP_CA_NAME_MAX		16	/* TCP_CA_NAME_MAX */
#define ETP_CA_PRIV_SIZE	(13 * sizeof(u64))	/* ICSK_CA_PRIV_SIZE */
#define ETP_CA_BUF_MAX		(ETP_CA_NAME_MAX * 32)	/* TCP_CA_BUF_MAX */

struct etp_ca_ops;

/*
 * Loss recovery's states (recovery.c), numbered as TCP's TCP_CA_* so that
 * TCP_INFO's tcpi_ca_state is a copy (Disorder ETP has not).
 */
enum etp_ca_state {
	ETP_CA_OPEN = 0,
	ETP_CA_CWR = 2,		/* an ECN echo reduced the window (RFC 3168 6.1.2) */
	ETP_CA_RECOVERY = 3,	/* fast recovery: duplicate ACKs or SACKs told of a loss */
	ETP_CA_LOSS = 4,	/* after a retransmission timeout */
};

/* Why the state changed (the etp_ca_state tracepoint's cause). */
enum etp_ca_cause {
	ETP_CA_DUPACKS,		/* three duplicate ACKs */
	ETP_CA_SACKED,		/* enough SACKed above the oldest (RFC 6675 IsLost()) */
	ETP_CA_RTO,		/* the retransmission timer */
	ETP_CA_RECOVERED,	/* an ACK past the recovery point */
	ETP_CA_UNDO,		/* the reduction was needless: taken back */
	ETP_CA_RACK,		/* RACK found a segment lost (RFC 8985) */
	ETP_CA_TLP,		/* a loss probe repaired a loss: the window reduced */
	ETP_CA_ECE,		/* an ACK echoed congestion (ECN): the window reduced */
};

/*
 * RACK (RFC 8985, rack.c): the most recently sent segment that was
 * delivered (acknowledged or SACKed), and the reordering window.
 */
struct etp_rack {
	u32 xmit_us;		/* when it was last sent (etp_now_us()) */
	u32 end_seq;		/* its end */
	u32 rtt_us;		/* the RTT of the last segment delivered */
	u32 dsack_round;	/* SND.MAX when the window last widened */
	u8 reo_steps;		/* the reordering window, in min RTT / 4 */
	u8 reo_persist;		/* recoveries it stays that wide */
	u8 set:1,		/* xmit_us and end_seq hold */
	   advanced:1,		/* a delivery since the last loss check */
	   dsack:1;		/* dsack_round holds */
};

/*
 * The ETP socket. The inet_sock comes first: the inet layer (bind, connect,
 * getname, ip_queue_xmit) works on it.
 *
 * Sequence variables follow RFC 9293 3.3.1; snd_max is the highest sequence
 * number sent, which snd_nxt may fall behind when a timeout sends again from
 * snd_una (go-back-N).
 */
struct etp_sock {
	struct inet_sock inet;

	struct hlist_nulls_node ehash_node;	/* in the namespace's ehash */

	u32 snd_una;
	u32 snd_nxt;
	u32 snd_max;
	u32 write_seq;		/* end of what the user has queued */
	u32 pushed_seq;		/* write_seq when PSH was last marked */
	u32 snd_wnd;		/* the peer's window, scaled */
	u32 snd_wl1;		/* seq and ack of the last window update */
	u32 snd_wl2;
	u32 max_window;
	u32 iss;

	u32 rcv_nxt;
	u32 copied_seq;		/* next byte the user will read */
	u32 rcv_wnd;		/* the window last advertised */
	u32 rcv_wup;		/* rcv_nxt when it was advertised */
	u32 irs;

	u32 cwnd;		/* congestion window, bytes */
	u32 ssthresh;
	u32 snd_cwnd_cnt;	/* bytes acknowledged toward the next MSS (cong.c) */
	u32 lsndtime;		/* jiffies when data last went (output.c) */
	/* How full the window was (output.c, as tcp_cwnd_validate()): */
	u32 max_in_flight;	/* the most in flight since cwnd_usage_seq */
	u32 cwnd_usage_seq;	/* SND.NXT when that measure began */
	const struct etp_ca_ops *ca_ops;	/* its algorithm, holding its module */
	u64 ca_priv[ETP_CA_PRIV_SIZE / sizeof(u64)];	/* the algorithm's state */
	u32 recover;		/* snd_max when recovery began */
	u32 tlp_high_seq;	/* snd_nxt when the loss probe went (tlp_out) */
	/* RFC 6937's proportional rate reduction in Recovery (recovery.c), bytes */
	u32 prr_delivered;	/* delivered to the peer since it began */
	u32 prr_out;		/* sent since it began */
	u32 prr_recover_fs;	/* RecoverFS: the flight when it began */
	/*
	 * Undo (recovery.c): a loss episode's reduction is taken back when
	 * D-SACKs report every retransmission a duplicate (RFC 2883), or the
	 * peer's TSecr shows the original arrived (RFC 3522), as TCP's.
	 */
	u32 undo_marker;	/* SND.UNA when the episode began, while undo_on */
	s32 undo_retrans;	/* bytes sent again, not yet D-SACKed; -1: none */
	u32 undo_tsval;		/* TSval of its first retransmission, if undo_ts */
	u32 prior_cwnd;		/* cwnd and ssthresh before its reduction */
	u32 prior_ssthresh;
	struct etp_rack rack;
	u32 min_rtt_us;		/* the least RTT seen in ETP_MIN_RTT_WIN (rto.c) */
	u32 min_rtt_stamp;	/* jiffies when it was seen */

	u32 srtt_us;		/* smoothed RTT << 3 (RFC 6298) */
	u32 rttvar_us;		/* RTT variation << 2 */
	u32 rto;		/* retransmission timeout, jiffies */
	u32 rtx_start;		/* jiffies at the first timeout of this run */
	u32 rtx_base;		/* the RTO that first timeout had */
	u32 user_timeout;	/* TCP_USER_TIMEOUT in jiffies, 0 if unset */
	u32 notsent_lowat;	/* TCP_NOTSENT_LOWAT, 0 if unset */
	u32 window_clamp;	/* TCP_WINDOW_CLAMP: most window offered, 0 if unset */
	int linger2;		/* TCP_LINGER2 in jiffies, 0: sysctl, -1: RST */

	u16 mss;		/* payload per segment we send */
	u16 peer_mss;		/* what the peer's SYN offered */
	u16 user_mss;		/* TCP_MAXSEG, 0 if unset */
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 ca_state;		/* enum etp_ca_state */
	u8 retransmits;		/* timeouts in a row */
	u8 dupacks;
	u8 undo_on:1;		/* undo_marker holds: the episode may be undone */
	u8 undo_ts:1;		/* undo_tsval holds */
	u8 frto:1;		/* F-RTO (RFC 5682) watches this timeout */
	u8 frto_new:1;		/* its step 2.b: new data goes before lost data */
	u8 reo_timer:1;		/* rtx_timer is RACK's reordering timer */
	u8 tlp_timer:1;		/* rtx_timer is the loss probe's (tlp.c) */
	u8 tlp_out:1;		/* a loss probe went; tlp_high_seq holds */
	u8 tlp_retrans:1;	/* ...and it was a retransmission */
	u8 ca_setsockopt:1;	/* TCP_CONGESTION chose ca_ops: children take it */
	u8 ca_initialized:1;	/* ca_ops->init ran */
	u8 is_cwnd_limited:1;	/* the window, not the application, held data back */
	u8 probes_out;		/* unanswered window or keepalive probes */
	u8 probe_backoff;	/* window probes since the window last opened */
	u8 segs_unacked;	/* full segments received, not yet ACKed */
	u8 quick;		/* quick ACKs left (delack.c) */
	u16 rcv_mss;		/* the peer's segment size, as seen */
	u8 syn_retries;		/* TCP_SYNCNT, 0 for the sysctl */
	u8 keepalive_probes;	/* TCP_KEEPCNT, 0 for the sysctl */
	u8 defer_accept;	/* TCP_DEFER_ACCEPT, in SYN-ACK timeouts */
	u8 port_listener;	/* its last listen() check passed (port.c) */
	u8 wscale_ok:1,
	   nodelay:1,
	   cork:1,
	   nagle_push:1,	/* TCP_NODELAY set: send what waits, corked too */
	   ack_pending:1,
	   fin_queued:1,	/* a FIN is on the write queue */
	   persist:1,		/* rtx_timer probes a zero window */
	   rcv_fin:1,		/* the peer's FIN was consumed by rcv_nxt */
	   orphan:1,		/* counted in etp_net.orphans */
	   data_rcvd:1,		/* data came in: quick-ACK mode began */
	   pingpong:1,		/* interactive: ACKs ride on answers */
	   recvmsg_inq:1,	/* TCP_INQ: recvmsg() says what is left */
	   tstamp_ok:1,		/* timestamps negotiated (in SYN_SENT: offered) */
	   sack_ok:1;		/* SACK permitted both ways (in SYN_SENT: offered) */
	u32 lrcvtime;		/* jiffies of the last data in */
	u32 keepalive_time;	/* TCP_KEEPIDLE in jiffies, 0 for the sysctl */
	u32 keepalive_intvl;	/* TCP_KEEPINTVL in jiffies, 0 for the sysctl */
	u32 rcv_tstamp;		/* jiffies of the last acceptable segment */
	u32 last_oow_ack;	/* jiffies of the last ACK to an unacceptable one */
	u32 total_retrans;	/* segments sent again (TCP_INFO) */
	/* ECN (RFC 3168; ecn.c) and what congestion control counts with it. */
	u8 ecn_flags;		/* ETP_ECN_* */
	u32 delivered;		/* bytes ACKs told arrived (TCP's delivered, in bytes) */
	u32 delivered_ce;	/* of them, told by ACKs with ECE (TCP's delivered_ce) */

	/* Timestamps (RFC 7323; tstamp.c), with tstamp_ok. */
	u32 ts_off;		/* added to our clock: etp_ts_off() */
	u32 ts_recent;		/* TS.Recent: the TSval we echo */
	u32 ts_recent_stamp;	/* seconds when it was stored */
	u32 retrans_stamp;	/* our TSval when the SYN was first sent */

	/* The SACK blocks our ACKs report (RFC 2018; ofo.c), with sack_ok. */
	struct etp_sack_block sack[ETP_NUM_SACKS];
	struct etp_sack_block dsack_blk;	/* RFC 2883: a duplicate received */
	u8 num_sacks;
	u8 dsack:1;		/* dsack_blk goes on the next pure ACK */
	u32 rcv_ooopack;	/* segments that came beyond a hole (TCP_INFO) */

	/*
	 * Receive buffer autotuning (as TCP's rcv_rtt_est, rcvq_space and
	 * scaling_ratio): the receiver's RTT, the bytes the reader took in
	 * the last one, and the share of truesize that is payload.
	 */
	u32 rcv_rtt_us;		/* receiver's RTT estimate << 3, 0 if none */
	u32 rcv_rtt_seq;	/* the measurement ends when rcv_nxt passes it */
	u32 rcv_rtt_time;	/* etp_now_us() when it began */
	u32 rcvq_space;		/* bytes read in the last measured RTT */
	u32 rcvq_seq;		/* copied_seq when that RTT began */
	u32 rcvq_time;		/* etp_now_us() when it began */
	u8 scaling_ratio;	/* payload / truesize of received skbs, << 8 */
	u8 rcv_rtt_on:1,	/* rcv_rtt_seq and rcv_rtt_time are set */
	   rcvq_on:1;		/* rcvq_* are set */
	u8 variant;		/* ETP_V_*: the lab's variants, 0: standard */
	unsigned long deferred;	/* ETP_DEFER_* work that found the socket owned */
	u32 mtu_info;		/* the MTU an ICMP error reported (icmp.c) */
	u32 tw_ms;		/* time_wait=N: TIME_WAIT's length (ETP_V_TW_LEN) */

	/*
	 * Sent and not yet acknowledged, by seq (TCP's tcp_rtx_queue); what
	 * is not sent yet waits on sk_write_queue. sacked_out, lost_out and
	 * retrans_out count the bytes marked ETP_SACKED_ACKED, ETP_SACKED_LOST
	 * and ETP_SACKED_RETRANS.
	 */
	struct rb_root rtx_root;
	u32 sack_high;		/* seq of the highest skb SACKed, while sacked_out */
	u32 reordering;		/* segments: how far the network was seen to reorder */
	u32 reord_seen;		/* times it was seen to (TCP_INFO) */
	u32 sacked_out;
	u32 lost_out;
	u32 retrans_out;
	struct rb_root ooo_root;	/* out of order, by seq (ofo.c) */
	struct sk_buff *ooo_last;	/* its highest, NULL if empty */

	struct timer_list rtx_timer;	/* retransmission or window probe */
	struct timer_list dack_timer;	/* delayed ACK */
	/* sk->sk_timer: keepalive, and the FIN_WAIT2 limit of an orphan */

	/* A listener's queue of established children, and its half-open count. */
	spinlock_t accept_lock;
	struct list_head accept_queue;
	struct list_head accept_node;	/* a child's place on that queue */
	atomic_t req_count;
	u32 synq_overflow;	/* jiffies when the SYN queue was last full */
};

/* Work deferred to release_sock() (etp_release_cb()): timers', and ICMP's. */
enum {
	ETP_DEFER_RTX,
	ETP_DEFER_DACK,
	ETP_DEFER_KEEPALIVE,
	ETP_DEFER_MTU,
	ETP_DEFER_MAX
};

static inline struct etp_sock *etp_sk(const struct sock *sk)
{
	return (struct etp_sock *)sk;
}

/* Whether @sk runs the lab's variant @bit (ETP_V_*): rare, so unlikely. */
static inline bool etp_v(const struct sock *sk, u8 bit)
{
	return unlikely(READ_ONCE(etp_sk(sk)->variant) & bit);
}

/*
 * Whether a queued segment was never sent, so that data or a FIN may still
 * join it: it starts at or beyond snd_max and no clone of it is in flight.
 */
static inline bool etp_never_sent(const struct sock *sk, const struct sk_buff *skb)
{
	return !etp_before(ETP_SKB_CB(skb)->seq, etp_sk(sk)->snd_max) &&
	       !skb_cloned(skb);
}

/* The first skb not yet sent, or NULL. */
static inline struct sk_buff *etp_send_head(const struct sock *sk)
{
	return skb_peek(&sk->sk_write_queue);
}

/* The oldest skb sent and not acknowledged, or NULL. */
static inline struct sk_buff *etp_rtx_head(const struct sock *sk)
{
	return skb_rb_first(&etp_sk(sk)->rtx_root);
}

/* Whether nothing is queued, sent or not. */
static inline bool etp_queues_empty(const struct sock *sk)
{
	return skb_queue_empty(&sk->sk_write_queue) &&
	       RB_EMPTY_ROOT(&etp_sk(sk)->rtx_root);
}

/*
 * The bytes in the network (RFC 6675's pipe, TCP's tcp_packets_in_flight()
 * in bytes): sent and not acknowledged, less those taken for lost, plus
 * those sent again. An undo unmarks only what was not sent again, so that
 * retrans_out stays within lost_out.
 */
static inline u32 etp_in_flight(const struct etp_sock *ep)
{
	u32 out = ep->snd_max - ep->snd_una;

	/* retrans_out counts lost bytes only: never above lost_out. */
	return out - min(out, ep->sacked_out + ep->lost_out - ep->retrans_out);
}

/* Bytes taken for lost and not sent again yet. */
static inline u32 etp_lost_unsent(const struct etp_sock *ep)
{
	return ep->lost_out - ep->retrans_out;
}

/* Free an skb of the write queue and give its memory back to the socket. */
static inline void etp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/*
 * A half-open connection (SYN received, SYN-ACK sent): what the listener
 * needs to create the socket when the handshake's final ACK arrives.
 */
struct etp_req {
	struct hlist_node node;		/* in the namespace's reqhash, RCU */
	struct sock *listener;		/* holds a reference */
	struct timer_list timer;	/* SYN-ACK retransmission */
	struct rcu_head rcu;
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	u32 iss;
	u32 irs;
	refcount_t refcnt;
	u32 snd_wnd;			/* the SYN's window, unscaled */
	u32 synack_us;			/* when the SYN-ACK was first sent */
	int iif;			/* where the SYN arrived */
	u16 mss;			/* the peer's MSS option */
	u8 snd_wscale;
	u8 rcv_wscale;			/* the shift the SYN-ACK offers */
	u8 retrans:7,
	   wscale_ok:1;
	u8 acked:1,			/* a bare ACK came, TCP_DEFER_ACCEPT held it */
	   tstamp_ok:1,			/* the SYN's timestamps taken */
	   sack_ok:1,			/* SACK permitted both ways */
	   ecn_ok:1;			/* ECN agreed: the SYN-ACK has ECE */
	u32 ts_recent;			/* the SYN's TSval, with tstamp_ok */
};

/*
 * A TIME_WAIT entry: what is left of a connection after the active close,
 * enough to re-ACK a retransmitted FIN and to keep the 4-tuple unique
 * (RFC 9293 3.6.1). The full socket is freed when this is made.
 */
/* A TIME_WAIT entry's flags. */
#define ETP_TW_DEAD	0x01	/* out of the table: the lock's owner frees it */
#define ETP_TW_TS_NOOFF	0x02	/* its TSvals have no offset (timestamps=2 then) */

struct etp_tw {
	struct rhash_head node;		/* in the tw hash, RCU */
	union {
		/* on the death row while hashed, then on a list to release */
		struct list_head death;
		/* freed alone (no batch): its call_rcu, death no longer used */
		struct rcu_head rcu;
	};
	struct_group_tagged(etp_tw_key, key,	/* the hash key */
		__be32 laddr;
		__be32 raddr;
		__be16 lport;
		__be16 rport;
	);
	u32 snd_nxt;
	u32 rcv_nxt;
	u32 expires;			/* jiffies, low 32 bits */
	u16 window;			/* to advertise, unscaled */
	u8 flags;			/* ETP_TW_* */
	u8 variant;			/* the socket's ETP_V_* */
	u32 lifetime_ms;		/* time_wait=N; 0: 2 * msl_ms, read afresh */
	u32 ts_recent;			/* the peer's last TSval (RFC 7323) */
	u32 ts_recent_stamp;		/* seconds when it came; 0: no timestamps */
};

/* netns.c */
int etp_netns_register(void);
void etp_netns_unregister(void);

/* socket.c */
extern const struct proto_ops etp_stream_ops;
int etp_socket_init(void);
void etp_socket_exit(void);

/* rcvbuf.c */
bool etp_rmem_charge(struct sock *sk, struct sk_buff *skb);
bool etp_rmem_charge_window(struct sock *sk, struct sk_buff *skb);
bool etp_rmem_coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *skb);

/* sack.c */
#define ETP_SACK_NEW	0x01	/* a block marked data not marked before */
#define ETP_SACK_DSACK	0x02	/* the first block reports a duplicate */
#define ETP_ACK_DUP	0x04	/* a duplicate ACK (RFC 5681 2), for recovery.c */
#define ETP_ACK_ORIG	0x08	/* it (S)ACKed data sent once, before the recovery point */
#define ETP_ACK_ECE	0x10	/* it echoed congestion (ECN), for recovery.c */
int etp_sack_tag(struct sock *sk, const struct sk_buff *skb, u32 *sacked);
bool etp_sack_reneged(struct sock *sk);
void etp_sack_forget(struct sock *sk);
void etp_sack_reordering(struct sock *sk, u32 low, u32 fack);

/* The highest SACKed sequence number (TCP's tcp_highest_sack_seq()). */
static inline u32 etp_sack_fack(const struct etp_sock *ep)
{
	return ep->sacked_out ? ep->sack_high : ep->snd_una;
}

/* recovery.c */
void etp_recovery_ack(struct sock *sk, u32 acked, u32 delivered, int flag,
		      u32 tsecr);
void etp_enter_loss(struct sock *sk);
void etp_recovery_syn_acked(struct sock *sk);
void etp_recovery_reo_timeout(struct sock *sk);

/* ofo.c */
bool etp_ofo_insert(struct sock *sk, struct sk_buff *skb);
struct sk_buff *etp_ofo_next(struct sock *sk);
bool etp_ofo_make_room(struct sock *sk, struct sk_buff *skb);
void etp_ofo_purge(struct sock *sk);
void etp_sack_remove(struct sock *sk);
void etp_dsack_set(struct sock *sk, u32 seq, u32 end_seq);

/* Whether segments wait beyond a hole. */
static inline bool etp_ofo_empty(const struct sock *sk)
{
	return RB_EMPTY_ROOT(&etp_sk(sk)->ooo_root);
}
void etp_measure_scaling_ratio(struct sock *sk, const struct sk_buff *skb);
void etp_rcv_rtt_measure(struct sock *sk);
void etp_rcv_space_adjust(struct sock *sk);
u32 etp_win_from_space(const struct sock *sk, int space);
u16 etp_select_window(struct sock *sk);
u16 etp_syn_window(const struct sock *sk);
u8 etp_rcv_wscale(const struct sock *sk);
u32 etp_window_clamp(const struct sock *sk);

/* delack.c */
void etp_ack_data_rcvd(struct sock *sk, const struct sk_buff *skb, u32 len);
bool etp_ack_quick(const struct sock *sk);
void etp_ack_sent(struct sock *sk);
void etp_ack_data_sent(struct sock *sk);
void etp_ack_delayed(struct sock *sk);
bool etp_ack_set_quickack(struct sock *sk, int on);
int etp_ack_get_quickack(const struct sock *sk);

/* cong.c */
/*
 * Events an algorithm may act on (TCP's enum tcp_ca_event; ETP keeps its
 * window after idle, so has no CWND_RESTART).
 */
enum etp_ca_event {
	ETP_CA_EVENT_TX_START,		/* data goes with nothing in flight */
	ETP_CA_EVENT_COMPLETE_CWR,	/* fast recovery ended: the reduction is done */
	ETP_CA_EVENT_LOSS,		/* the retransmission timer fired */
	ETP_CA_EVENT_ECN_IS_CE,		/* data arrived marked CE (with ETP_CONG_NEEDS_ECN) */
	ETP_CA_EVENT_ECN_NO_CE,		/* data arrived ECT, not CE (with ETP_CONG_NEEDS_ECN) */
};

/* An ACK, as in_ack_event() hears of it (TCP's CA_ACK_*). */
#define ETP_CA_ACK_ECE		0x1	/* it echoed congestion (ECE) */

/* What an algorithm asks of the connection (etp_ca_ops.flags, TCP's TCP_CONG_*). */
#define ETP_CONG_NEEDS_ECN	0x1	/* ECN always, and the CE state echoed exactly (ecn.c) */

/*
 * What an ACK that acknowledged data tells the algorithm (TCP's struct
 * ack_sample, in bytes).
 */
struct etp_ack_sample {
	u32 acked;		/* bytes it acknowledged */
	s32 rtt_us;		/* the RTT it sampled, -1 if none (Karn's rule) */
	u32 in_flight;		/* bytes in flight before it */
};

/**
 * struct etp_ca_ops - a congestion control algorithm (TCP's tcp_congestion_ops)
 * @ssthresh: the slow-start threshold after a loss (required)
 * @cong_avoid: an ACK moved SND.UNA and delivered @acked bytes (TCP's
 *              acked_sacked: what no SACK had reported, and what it newly
 *              SACKed), outside recovery: grow cwnd (required); @ack is
 *              the ACK's sequence number
 * @set_state: recovery's state is about to become @new (enum etp_ca_state)
 * @cwnd_event: one of enum etp_ca_event
 * @pkts_acked: an ACK acknowledged data: what it told
 * @in_ack_event: every ACK that is not old, after the scoreboard and before
 *                recovery: @flags has ETP_CA_ACK_*; ep->delivered and
 *                ep->delivered_ce count what ACKs have told arrived
 * @undo_cwnd: the window once a reduction proves needless (recovery.c's
 *             undo; prior_cwnd holds the window before it) (required)
 * @init: the connection begins: the initial window is set, the MSS known;
 *        ca_priv is zero; or the algorithm was chosen on a connection
 * @release: the socket leaves the algorithm (closed, or another chosen)
 * @flags: ETP_CONG_*
 * @name: its name, as TCP_CONGESTION gives it
 * @owner: the module it lives in (THIS_MODULE), NULL in etp.ko
 * @list: on the registry's list (cong.c)
 *
 * cwnd and ssthresh are in bytes, as everything of ETP's; etp_snd_cwnd()
 * gives segments for an algorithm that counts them, as TCP's. Each hook
 * runs with the socket locked (owned, or bh-locked in softirq) and sends
 * nothing; the caller sends. Documentation/congestion.rst tells how to
 * write one.
 */
struct etp_ca_ops {
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	void (*set_state)(struct sock *sk, u8 new);
	void (*cwnd_event)(struct sock *sk, enum etp_ca_event ev);
	void (*pkts_acked)(struct sock *sk, const struct etp_ack_sample *sample);
	void (*in_ack_event)(struct sock *sk, u32 flags);
	u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
	u32 flags;
	char name[ETP_CA_NAME_MAX];
	struct module *owner;
	struct list_head list;
};

int etp_register_congestion_control(struct etp_ca_ops *ca);
void etp_unregister_congestion_control(struct etp_ca_ops *ca);
void etp_assign_congestion_control(struct sock *sk, const struct sock *parent);
void etp_init_congestion_control(struct sock *sk);
void etp_reset_congestion_control(struct sock *sk);
void etp_cleanup_congestion_control(struct sock *sk);
int etp_set_congestion_control(struct sock *sk, const char *name, bool load);
int etp_set_default_congestion_control(struct net *net, const char *name);
void etp_get_default_congestion_control(struct net *net, char *name);
void etp_get_available_congestion_control(char *buf, size_t maxlen);
void etp_ca_init_net(struct etp_net *en);
void etp_ca_exit_net(struct etp_net *en);
int etp_cong_init(void);
void etp_cong_exit(void);
u32 etp_slow_start(struct sock *sk, u32 acked);
void etp_cong_avoid_ai(struct sock *sk, u32 w, u32 acked);
void etp_sndbuf_expand(struct sock *sk);

/* newreno.c */
extern struct etp_ca_ops etp_newreno;

/* A socket's algorithm (cong.c): NewReno until one is assigned. */
static inline const struct etp_ca_ops *etp_cong(const struct sock *sk)
{
	return etp_sk(sk)->ca_ops ? : &etp_newreno;
}

/* The algorithm's private state, ETP_CA_PRIV_SIZE bytes (inet_csk_ca()). */
static inline void *etp_ca_priv(const struct sock *sk)
{
	return (void *)etp_sk(sk)->ca_priv;
}

/* The window in segments, for an algorithm that counts them (tcp_snd_cwnd()). */
static inline u32 etp_snd_cwnd(const struct sock *sk)
{
	return etp_sk(sk)->cwnd / etp_sk(sk)->mss;
}

/*
 * Was the window what limited sending, not the application (TCP's
 * tcp_is_cwnd_limited())? In slow start, while the window is less than
 * twice the most in flight; after it, if sending last stopped at the
 * window. An algorithm grows the window only then.
 */
static inline bool etp_is_cwnd_limited(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);

	if (ep->is_cwnd_limited)
		return true;
	/* In slow start the window may grow to twice what was in flight. */
	return ep->cwnd < ep->ssthresh && ep->cwnd < 2 * ep->max_in_flight;
}

/*
 * After a hook that may set them: ssthresh two segments at least, the
 * window one. An algorithm (a module's, a BPF program's) that returns
 * nonsense must not stall the connection for good.
 */
static inline void etp_ca_clamp(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (unlikely(ep->ssthresh < 2U * ep->mss))
		ep->ssthresh = 2U * ep->mss;
	if (unlikely(ep->cwnd < ep->mss))
		ep->cwnd = ep->mss;
}

/* tcp_ca_event(): tell the algorithm of @ev. */
static inline void etp_ca_event(struct sock *sk, enum etp_ca_event ev)
{
	const struct etp_ca_ops *ca = etp_cong(sk);

	if (ca->cwnd_event) {
		ca->cwnd_event(sk, ev);
		etp_ca_clamp(sk);
	}
}

/* stream.c */
void etp_write_space(struct sock *sk);
u32 etp_unread(const struct sock *sk);
bool etp_stream_memory_free(const struct sock *sk, int wake);
int etp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int etp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		int *addr_len);
__poll_t etp_poll(struct file *file, struct socket *sock,
		  struct poll_table_struct *wait);
#ifdef ETP_IOCTL_KARG
int etp_ioctl(struct sock *sk, int cmd, int *karg);
#else
int etp_ioctl(struct sock *sk, int cmd, unsigned long arg);
#endif

/* sockopt.c */
void etp_keepalive(struct sock *sk, int val);
int etp_setsockopt(struct sock *sk, int level, int optname,
		   sockptr_t optval, unsigned int optlen);
int etp_getsockopt(struct sock *sk, int level, int optname,
		   char __user *optval, int __user *optlen);

/* conn.c */
void etp_init_xmit_vars(struct sock *sk);
void etp_init_snd_seq(struct sock *sk, u32 iss, bool syn_acked);
void etp_init_rcv_seq(struct sock *sk, u32 irs);
void etp_set_mss(struct sock *sk, unsigned int peer_mss);
void etp_mtu_reduced(struct sock *sk);
void etp_orphan_count(struct sock *sk);
bool etp_out_of_resources(struct sock *sk);
void etp_purge_queues(struct sock *sk);
void etp_destroy_sock(struct sock *sk);
void etp_destroy(struct sock *sk);
void etp_done(struct sock *sk);

/* port.c */
int etp_port_init(struct etp_net *en);
void etp_port_exit(struct etp_net *en);
int etp_get_port(struct sock *sk, unsigned short snum);
void etp_put_port(struct sock *sk);
int etp_try_port(struct etp_net *en, struct sock *sk, u16 port, bool shared,
		 struct etp_bind_bucket **spare);
int etp_ephemeral(struct sock *sk,
		  int (*try)(struct sock *sk, u16 port, void *arg), void *arg);
void etp_listen_port_begin(struct sock *sk);
int etp_listen_port_check(struct sock *sk);
void etp_inherit_port(struct sock *listener, struct sock *child);
void etp_port_tw_hold(struct net *net, u16 port);
void etp_port_tw_put(struct net *net, u16 port);

/* reuseport.c */
bool etp_reuseport_shares(const struct sock *sk, const struct sock *sk2);
int etp_reuseport_join(struct sock *sk, struct hlist_nulls_head *chain);
void etp_reuseport_leave(struct sock *sk);
struct sock *etp_reuseport_select(struct sock *sk, struct sk_buff *skb,
				  int doff, __be32 laddr, __be16 lport,
				  __be32 raddr, __be16 rport);

/* lookup.c */
int etp_lookup_init(struct etp_net *en);
void etp_lookup_exit(struct etp_net *en);
struct etp_hslot *etp_reqhash_slot(struct etp_net *en, __be32 laddr,
				   __be16 lport, __be32 raddr, __be16 rport);
bool etp_ehash_insert(struct sock *sk);
void etp_ehash_remove(struct sock *sk);
struct sock *etp_lookup_established(struct net *net, __be32 laddr,
				    __be16 lport, __be32 raddr, __be16 rport);
int etp_lhash_insert(struct sock *sk);
void etp_lhash_remove(struct sock *sk);
struct sock *etp_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
				 __be32 laddr, __be16 lport, __be32 raddr,
				 __be16 rport, int dif, int sdif);
int etp_connect_port(struct sock *sk);

/* statetable.c, trace.c: states, events, their rules and bookkeeping */
#include "states.h"

/* demux.c */
int etp_v4_rcv(struct sk_buff *skb);
int etp_do_rcv(struct sock *sk, struct sk_buff *skb);

/* icmp.c */
int etp_v4_err(struct sk_buff *skb, u32 info);

/* input.c */
void etp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
bool etp_add_backlog(struct sock *sk, struct sk_buff *skb);

/* header.c */
/* The options of a SYN or SYN-ACK (RFC 9293 3.2, RFC 7323 2.2). */
#define ETP_OPT_EOL	0
#define ETP_OPT_NOP	1
#define ETP_OPT_MSS	2
#define ETP_OPT_WSCALE	3
#define ETP_OPT_SACK_PERM 4
#define ETP_OPT_SACK	5
#define ETP_OPT_TS	8

/* A received segment's options, all of them (etp_parse_options()). */
struct etp_rx_opts {
	u32 tsval, tsecr;
	u16 mss;		/* ETP_DEFAULT_MSS without the option */
	u8 wscale;		/* capped at ETP_MAX_WSCALE */
	u8 flags;		/* ETP_RXO_* */
	u8 sack_off;		/* the SACK option's offset, with ETP_RXO_SACK */
};

/* Options of an etp_hdr_args: which ones a segment carries. */
#define ETP_HOPT_TS		0x01	/* timestamps: tsval, tsecr */
#define ETP_HOPT_SACK_PERM	0x02	/* with SYN: SACK permitted */

/* What a segment's header says, for etp_push_header(). */
struct etp_hdr_args {
	__be16 sport, dport;
	u32 seq, ack;
	u8 flags;
	u16 window;
	u16 mss;		/* with SYN: the MSS option */
	u8 wscale;		/* with SYN and ws: the window scale option */
	bool ws;
	u8 opt;			/* ETP_HOPT_* */
	u8 nsacks;		/* SACK blocks at sacks, most recent first */
	u32 tsval, tsecr;	/* with ETP_HOPT_TS */
	const struct etp_sack_block *sacks;
};

void etp_push_header(struct sk_buff *skb, const struct etp_hdr_args *h);
void etp_csum_partial(struct sk_buff *skb, __be32 saddr, __be32 daddr);
void etp_parse_options(const struct sk_buff *skb, struct etp_rx_opts *o);
void etp_parse_syn_options(const struct sk_buff *skb, u16 *mss, u8 *wscale,
			   bool *wscale_ok);
unsigned int etp_opt_len(const struct etp_hdr_args *h);

/* output.c */
/* Why a RST is sent (the etp_send_reset tracepoint's reason). */
enum etp_rst_reason {
	ETP_RST_NO_CONNECTION,	/* no connection or listener wants the segment */
	ETP_RST_BAD_ACK,	/* it acknowledges what was never sent */
	ETP_RST_ABORT,		/* the socket aborts (ETP_EV_ABORT) */
	ETP_RST_FIN_WAIT2_TIMEOUT, /* an orphan waited fin_timeout_ms */
};

/* Why a segment is sent again (the etp_retransmit tracepoint's cause). */
enum etp_rtx_cause {
	ETP_RTX_TIMEOUT,	/* after a retransmission timeout (in Loss) */
	ETP_RTX_FAST,		/* in fast recovery: duplicate ACKs, SACKs, partial ACKs */
	ETP_RTX_SYNACK_TIMER,	/* a half-open entry's SYN-ACK timer */
	ETP_RTX_SIMULTANEOUS_OPEN, /* our SYN again, as SYN-ACK */
	ETP_RTX_PROBE,		/* a tail loss probe (RFC 8985 7) */
};

void etp_write_xmit(struct sock *sk);
bool etp_write_wakeup(struct sock *sk);
void etp_push(struct sock *sk, int flags);
int etp_retransmit_head(struct sock *sk);
int etp_retransmit_tail(struct sock *sk);
int etp_send_new_probe(struct sock *sk);
void etp_mark_all_lost(struct sock *sk);
void etp_skb_mark_lost(struct sock *sk, struct sk_buff *skb);
void etp_rtx_unlink_free(struct sock *sk, struct sk_buff *skb);
int etp_fragment(struct sock *sk, struct sk_buff *skb, u32 len);
unsigned int etp_skb_pcount(const struct sock *sk, const struct sk_buff *skb);

void etp_send_ack(struct sock *sk);
void etp_send_probe(struct sock *sk);
int etp_send_syn(struct sock *sk);
void etp_send_synack(struct sock *sk);
void etp_send_fin(struct sock *sk);
struct sk_buff *etp_fin_alloc(struct sock *sk, gfp_t gfp);
void etp_fin_queue(struct sock *sk, struct sk_buff *fin);
void etp_send_active_reset(struct sock *sk, enum etp_rst_reason reason);
void etp_send_reset(struct net *net, struct sk_buff *skb,
		    const struct sock *sk, enum etp_rst_reason reason);
void etp_send_ctl(struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
		  __be16 dport, u32 seq, u32 ack, u8 flags, u16 window,
		  int oif, const struct sock *sk);
void etp_send_ctl_hdr(struct net *net, __be32 saddr, __be32 daddr,
		      const struct etp_hdr_args *h, int oif,
		      const struct sock *sk);
int etp_send_req_synack(struct etp_req *req);
int etp_send_req_synack_ts(struct etp_req *req, u32 ts);
unsigned int etp_adv_mss(const struct dst_entry *dst);
int etp_ctl_init(struct etp_net *en);
void etp_ctl_exit(struct etp_net *en);

/* ecn.c; ep->ecn_flags, TCP's TCP_ECN_*. */
#define ETP_ECN_OK		0x1	/* negotiated */
#define ETP_ECN_QUEUE_CWR	0x2	/* the next new data carries CWR */
#define ETP_ECN_DEMAND_CWR	0x4	/* our ACKs carry ECE */
#define ETP_ECN_SEEN		0x8	/* data arrived ECT or CE */
#define ETP_ECN_ASKED		0x10	/* our SYN asked for it (SYN_SENT) */
#define ETP_ECN_CE		0x20	/* the last data arrived CE (exact echo) */
bool etp_ecn_ok(const struct sock *sk);
u8 etp_ecn_syn_flags(struct sock *sk, bool retrans);
void etp_ecn_rcv_synack(struct sock *sk, u8 flags);
bool etp_ecn_req_ok(const struct sock *lsk, const struct sk_buff *skb);
void etp_ecn_child(struct sock *sk, bool ok);
u8 etp_ecn_xmit(struct sock *sk, u8 *flags, bool new_data);
void etp_ecn_queue_cwr(struct sock *sk);
bool etp_ecn_rcv_ece(struct sock *sk, const struct sk_buff *skb);
bool etp_ecn_rcv_flush(const struct sock *sk, const struct sk_buff *skb);
void etp_ecn_rcv(struct sock *sk, const struct sk_buff *skb);

/* offload.c */
void etp_gso_set(struct sk_buff *skb, unsigned int mss, unsigned int segs);
unsigned int etp_gso_mss(const struct sk_buff *skb);
int etp_offload_init(void);
void etp_offload_exit(void);

/* timer.c */
void etp_init_timers(struct sock *sk);
void etp_release_cb(struct sock *sk);

/* tstamp.c */
u32 etp_ts_now(void);
u32 etp_tsval(const struct sock *sk);
long etp_ts_rtt_us(const struct sock *sk, u32 tsecr);
void etp_ts_take_recent(struct sock *sk, const struct sk_buff *skb);
void etp_ts_init(struct sock *sk, u32 ts_recent);
bool etp_paws_reject(u32 ts_recent, u32 stamp, u32 tsval, bool rst);
bool etp_paws_discard(const struct sock *sk, const struct sk_buff *skb);

/* rto.c */
#define ETP_MIN_RTT_WIN	(300 * HZ)	/* how long the least RTT lasts */
u32 etp_now_us(void);
void etp_rtt_sample(struct sock *sk, u32 rtt_us);
void etp_rto_restore(struct sock *sk);
u32 etp_rto_initial(const struct sock *sk);
u32 etp_rto_max(const struct sock *sk);
void etp_reset_rtx_timer(struct sock *sk);
void etp_rtx_timer_soon(struct sock *sk);
void etp_stop_rtx_timer(struct sock *sk);
void etp_schedule_ack(struct sock *sk);
u32 etp_keepalive_time(const struct sock *sk);
int etp_fin_time(const struct sock *sk);
void etp_reset_keepalive(struct sock *sk);
void etp_clear_timers(struct sock *sk);
void etp_reo_timer_arm(struct sock *sk, u32 us);
bool etp_loss_probe_arm(struct sock *sk, bool advancing);

/* rack.c */
bool etp_rack_mark_lost(struct sock *sk);
void etp_rack_timeout_mark_lost(struct sock *sk);
void etp_rack_dsack(struct sock *sk);
void etp_rack_recovered(struct sock *sk, bool undone);

/* tlp.c */
void etp_tlp_probe(struct sock *sk);
bool etp_tlp_ack(struct sock *sk, u32 acked, int flag);

/* Sent after: later, or at the same time and higher (tcp_skb_sent_after()). */
static inline bool etp_sent_after(u32 t1, u32 t2, u32 seq1, u32 seq2)
{
	return (s32)(t1 - t2) > 0 || (t1 == t2 && etp_after(seq1, seq2));
}

/*
 * RACK's step 2 (RFC 8985 6.2), as tcp_rack_advance(): the data of @cb was
 * delivered; RACK follows the most recently sent segment delivered, and
 * takes this one's RTT. A retransmission delivered within the least RTT
 * after it went may be its original's delivery: it tells nothing.
 */
static inline void etp_rack_advance(struct etp_sock *ep,
				    const struct etp_skb_cb *cb)
{
	u32 rtt = etp_now_us() - cb->sent_us;

	if (cb->sacked & ETP_EVER_RETRANS && rtt < ep->min_rtt_us)
		return;
	ep->rack.advanced = 1;
	ep->rack.rtt_us = rtt;
	if (!ep->rack.set || etp_sent_after(cb->sent_us, ep->rack.xmit_us,
					    cb->end_seq, ep->rack.end_seq)) {
		ep->rack.set = 1;
		ep->rack.xmit_us = cb->sent_us;
		ep->rack.end_seq = cb->end_seq;
	}
}

/* request.c */
int etp_listen_rcv(struct sock *sk, struct sk_buff *skb);
struct sock *etp_req_listener(struct net *net, __be32 laddr, __be16 lport,
			      __be32 raddr, __be16 rport);
bool etp_req_icmp(struct net *net, __be32 laddr, __be16 lport, __be32 raddr,
		  __be16 rport, u32 seq, int type, int code);
void etp_listen_stop(struct sock *sk);
struct sock *etp_accept_dequeue(struct sock *sk);
int etp_request_init(void);
void etp_request_exit(void);
void etp_req_flush_net(struct etp_net *en);

/* timewait.c */
int etp_tw_init_net(struct etp_net *en);
void etp_tw_exit_net(struct etp_net *en);
int etp_tw_cache_init(void);
void etp_tw_cache_exit(void);
void etp_time_wait(struct sock *sk);
struct etp_tw *etp_tw_lookup(struct net *net, __be32 laddr, __be16 lport,
			     __be32 raddr, __be16 rport);
struct etp_tw *etp_tw_reuse(struct net *net, struct etp_tw *tw,
			    struct sock *sk, bool bound);
void etp_tw_reused(struct net *net, struct etp_tw *tw);
enum etp_tw_verdict {
	ETP_TW_DONE,		/* the segment was handled (dropped or ACKed) */
	ETP_TW_SYN,		/* a SYN reopens the 4-tuple, or the entry is gone: try a listener */
};
enum etp_tw_verdict etp_tw_rcv(struct net *net, struct etp_tw *tw,
			       struct sk_buff *skb);
bool etp_tw_ack(struct net *net, struct etp_tw *tw, struct sk_buff *skb);
void etp_tw_recycle(struct net *net, struct etp_tw *tw);
unsigned int etp_tw_slots(struct etp_net *en);
bool etp_tw_show(struct etp_net *en, unsigned int slot, unsigned int offset,
		 void (*show)(void *arg, const struct etp_tw *tw), void *arg);

/* isn.c */
u32 etp_ts_off(const struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
	       __be16 dport);
u32 etp_ts_off_hash(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 etp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
	    u8 variant);
u32 etp_hash_tuple(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport);
struct etp_hslot *etp_slots_alloc(unsigned int n);
void etp_slots_free(struct etp_hslot *s, unsigned int n);
struct etp_nslot *etp_nslots_alloc(unsigned int n);
void etp_nslots_free(struct etp_nslot *s, unsigned int n);

/* syncookies.c */
bool etp_cookie_want(struct sock *lsk);
void etp_cookie_send_synack(struct sock *lsk, struct sk_buff *skb);
int etp_cookie_check(struct sock *lsk, struct sk_buff *skb, struct etp_req *req);

/* proc.c */
int etp_proc_init_net(struct net *net);
void etp_proc_exit_net(struct net *net);

/* tests/: the self-tests, run at load by main.c (checks passed, or -EINVAL) */
int etp_seq_selftest(void);
int etp_header_selftest(void);
int etp_rto_selftest(struct sock *sk);
int etp_window_selftest(struct sock *sk);
int etp_delack_selftest(struct sock *sk);
int etp_tstamp_selftest(struct sock *sk);
int etp_ofo_selftest(struct sock *sk);
int etp_rtx_selftest(struct sock *sk);
int etp_sack_selftest(struct sock *sk);
int etp_recovery_selftest(struct sock *sk);
int etp_rack_selftest(struct sock *sk);
int etp_tlp_selftest(struct sock *sk);
int etp_cong_selftest(struct sock *sk);
int etp_ecn_selftest(struct sock *sk);
int etp_cookie_selftest(void);
int etp_offload_selftest(void);
int etp_statetable_selftest(void);
int etp_lookup_selftest(void);
int etp_timewait_selftest(void);

/* sysctl.c (variant.c's functions are in variant.h) */
void etp_sysctl_defaults(struct etp_sysctl *s);
void etp_sysctl_variant(const struct etp_sysctl *s, struct etp_variant *v);
int etp_sysctl_init_net(struct etp_net *en);
void etp_sysctl_exit_net(struct etp_net *en);

#endif /* _ETP_H */
