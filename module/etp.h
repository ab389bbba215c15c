/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETP: an experimental TCP-like transport on its own IP protocol number.
 *
 * Definitions shared by the files of the module. Each file owns one concern:
 *   main.c    module parameter, registration with the inet layer
 *   netns.c   per-network-namespace state
 *   socket.c  struct proto and proto_ops: the socket calls
 *   port.c    the bind table (local ports)
 *   state.c   state changes and the per-state gauges
 *   input.c   the receive handler (softirq)
 *   proc.c    /proc/net/etp and /proc/net/etp_stat
 *   sysctl.c  /proc/sys/net/etp/
 */
#ifndef _ETP_H
#define _ETP_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <net/inet_sock.h>
#include <net/netns/generic.h>
#include <net/tcp_states.h>

#include "compat.h"

/* Room for an ETP header (up to 60 bytes), the IP header and the link layer. */
#define ETP_MAX_HEADER L1_CACHE_ALIGN(128 + MAX_HEADER)

/* The IP protocol number ETP runs on (module parameter, 253 or 254). */
extern int etp_proto;
extern struct proto etp_prot;

/*
 * ETP's states use TCP's codes (TCP_ESTABLISHED ... TCP_CLOSING from
 * net/tcp_states.h), so that /proc/net/etp reads like /proc/net/tcp and the
 * generic inet socket calls (inet_stream_connect, inet_shutdown) understand
 * them.
 */

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
	X(CurrListen)

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
};

/*
 * The bind table: one bucket per local port in use, found by hashing the
 * port into a slot. A bucket lists the sockets bound to its port.
 */
struct etp_bind_bucket {
	struct hlist_node node;		/* in etp_bind_slot.chain */
	struct hlist_head owners;	/* sockets, by sk_bind_node */
	u16 port;
};

struct etp_bind_slot {
	spinlock_t lock;		/* bh: the chain, its buckets, owners */
	struct hlist_head chain;
};

#define ETP_BIND_SLOTS 1024

struct etp_net {
	struct net *net;
	long __percpu *mib;		/* ETP_MIB_MAX counters per CPU */
	struct etp_sysctl sysctl;
	struct ctl_table_header *sysctl_hdr;
	struct etp_bind_slot *bind;	/* ETP_BIND_SLOTS slots */
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
#define ETP_DEC_STATS(net, field) etp_mib_add(net, ETP_MIB_##field, -1)

/*
 * The ETP socket. The inet_sock comes first: the inet layer (bind, connect,
 * getname, ip_queue_xmit) works on it.
 */
struct etp_sock {
	struct inet_sock inet;
};

static inline struct etp_sock *etp_sk(const struct sock *sk)
{
	return (struct etp_sock *)sk;
}

/* netns.c */
int etp_netns_register(void);
void etp_netns_unregister(void);

/* socket.c */
extern const struct proto_ops etp_stream_ops;
int etp_socket_init(void);
void etp_socket_exit(void);

/* port.c */
int etp_port_init(struct etp_net *en);
void etp_port_exit(struct etp_net *en);
int etp_get_port(struct sock *sk, unsigned short snum);
void etp_put_port(struct sock *sk);

/* state.c */
void etp_set_state(struct sock *sk, int state);
const char *etp_state_name(int state);

/* input.c */
int etp_v4_rcv(struct sk_buff *skb);
int etp_v4_err(struct sk_buff *skb, u32 info);

/* proc.c */
int etp_proc_init_net(struct net *net);
void etp_proc_exit_net(struct net *net);

/* sysctl.c */
void etp_sysctl_defaults(struct etp_sysctl *s);
int etp_sysctl_init_net(struct etp_net *en);
void etp_sysctl_exit_net(struct etp_net *en);

#endif /* _ETP_H */
