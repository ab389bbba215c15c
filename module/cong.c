// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control: the registry of algorithms and each socket's choice,
 * as TCP's tcp_cong.c. An algorithm fills struct etp_ca_ops (TCP's
 * tcp_congestion_ops, in bytes) and registers, from etp.ko (NewReno,
 * newreno.c) or from a module of its own; a namespace has a default
 * (/proc/sys/net/etp/congestion_control) that new sockets take, and
 * TCP_CONGESTION picks one per socket. A socket holds a reference on its
 * algorithm's module, so that the module cannot go while the socket uses
 * it; so does each namespace's default. What counts as a loss, and the
 * window during recovery, is recovery.c's; the hooks say how the window
 * grows and how far it falls.
 *
 * Locking: the list changes under etp_ca_lock and is read under RCU; an
 * algorithm leaves it only once no socket or namespace holds its module
 * (its module's exit), after a grace period. A socket's ca_ops changes
 * with the socket locked; a namespace's default with RCU.
 */
#include <linux/module.h>
#include <linux/rculist.h>
#include <net/sock.h>

#include "etp.h"

static DEFINE_SPINLOCK(etp_ca_lock);
static LIST_HEAD(etp_ca_list);

/* Under RCU or etp_ca_lock. "reno" is NewReno, TCP's name for it. */
static struct etp_ca_ops *etp_ca_find(const char *name)
{
	struct etp_ca_ops *ca;

	if (!strcmp(name, "reno"))
		name = etp_newreno.name;
	list_for_each_entry_rcu(ca, &etp_ca_list, list, lockdep_is_held(&etp_ca_lock))
		if (!strcmp(ca->name, name))
			return ca;
	return NULL;
}

/**
 * etp_register_congestion_control() - offer an algorithm to ETP's sockets
 * @ca: the algorithm: its name, ssthresh, cong_avoid and undo_cwnd at least
 *
 * As tcp_register_congestion_control(); an algorithm module calls it from
 * its init.
 *
 * Return: 0, -EINVAL if a required hook or the name is missing, -EEXIST if
 * the name is taken.
 */
int etp_register_congestion_control(struct etp_ca_ops *ca)
{
	int err = 0;

	if (!ca->ssthresh || !ca->cong_avoid || !ca->undo_cwnd || !ca->name[0] ||
	    !strcmp(ca->name, "reno")) {
		pr_err("etp: congestion control %s lacks a required hook or name\n",
		       ca->name);
		return -EINVAL;
	}
	spin_lock(&etp_ca_lock);
	if (etp_ca_find(ca->name))
		err = -EEXIST;
	else
		list_add_tail_rcu(&ca->list, &etp_ca_list);
	spin_unlock(&etp_ca_lock);
	if (err)
		pr_notice("etp: congestion control %s already registered\n", ca->name);
	return err;
}
EXPORT_SYMBOL_GPL(etp_register_congestion_control);

/**
 * etp_unregister_congestion_control() - withdraw an algorithm
 * @ca: a registered algorithm, which no socket or namespace holds
 *
 * From its module's exit (the module's references keep that from running
 * while anything uses it); new sockets cannot find it once this returns.
 */
void etp_unregister_congestion_control(struct etp_ca_ops *ca)
{
	spin_lock(&etp_ca_lock);
	list_del_rcu(&ca->list);
	spin_unlock(&etp_ca_lock);
	/* A lookup that found it may be taking a reference: wait for it. */
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(etp_unregister_congestion_control);

/* Under RCU: @ca with a reference on its module, or NewReno. */
static const struct etp_ca_ops *etp_ca_get(const struct etp_ca_ops *ca)
{
	return ca && try_module_get(ca->owner) ? ca : &etp_newreno;
}

/**
 * etp_assign_congestion_control() - a new socket's algorithm
 * @sk: the socket, new (socket(), or a listener's child before it is in
 *      the tables)
 * @parent: the listener of a child, else NULL
 *
 * As tcp_assign_congestion_control() and tcp_ca_openreq_child(): the
 * listener's if TCP_CONGESTION chose it there, else the namespace's
 * default; NewReno if that module is going away.
 */
void etp_assign_congestion_control(struct sock *sk, const struct sock *parent)
{
	struct etp_sock *ep = etp_sk(sk);

	/* ca_priv and ca_initialized are zero: etp_init_xmit_vars(), the clone's memset. */
	if (parent && etp_sk(parent)->ca_setsockopt &&
	    try_module_get(etp_sk(parent)->ca_ops->owner)) {
		ep->ca_ops = etp_sk(parent)->ca_ops;
		ep->ca_setsockopt = 1;
		return;
	}
	ep->ca_setsockopt = 0;
	rcu_read_lock();
	ep->ca_ops = etp_ca_get(rcu_dereference(etp_sk_pernet(sk)->ca_default));
	rcu_read_unlock();
}

/**
 * etp_init_congestion_control() - the connection begins: the algorithm's init
 * @sk: the socket, locked, its initial window set
 */
void etp_init_congestion_control(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	if (ep->ca_initialized)
		return;
	if (etp_cong(sk)->init)
		etp_cong(sk)->init(sk);
	ep->ca_initialized = 1;
}

/**
 * etp_reset_congestion_control() - the algorithm's state starts afresh
 * @sk: the socket (a new connection on it, or a disconnect)
 *
 * Its release runs if its init did (tcp_disconnect()); its init runs again
 * when the connection begins.
 */
void etp_reset_congestion_control(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	if (ep->ca_initialized && etp_cong(sk)->release)
		etp_cong(sk)->release(sk);
	ep->ca_initialized = 0;
	ep->snd_cwnd_cnt = 0;
	memset(ep->ca_priv, 0, sizeof(ep->ca_priv));
}

/**
 * etp_cleanup_congestion_control() - the socket leaves its algorithm
 * @sk: the socket, locked (being destroyed, or another algorithm chosen)
 */
void etp_cleanup_congestion_control(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_ca_ops *ca = ep->ca_ops;

	if (!ca)
		return;
	etp_reset_congestion_control(sk);
	ep->ca_ops = NULL;
	module_put(ca->owner);
}

/**
 * etp_set_congestion_control() - TCP_CONGESTION: choose an algorithm
 * @sk: the socket, locked
 * @name: the algorithm's name
 * @load: the caller may load a module for it (CAP_NET_ADMIN): etp_<name>
 *
 * As tcp_set_congestion_control(): the new algorithm starts afresh (its
 * init runs now on a connection, else when the connection begins); the
 * window is left as it is.
 *
 * Return: 0, or -ENOENT for a name no algorithm has, -EBUSY if its module
 * is going away.
 */
int etp_set_congestion_control(struct sock *sk, const char *name, bool load)
{
	struct etp_sock *ep = etp_sk(sk);
	const struct etp_ca_ops *ca;
	int err = 0;

	sock_owned_by_me(sk);
	rcu_read_lock();
	ca = etp_ca_find(name);
	if (!ca && load) {
		rcu_read_unlock();
		request_module("etp_%s", name);
		rcu_read_lock();
		ca = etp_ca_find(name);
	}
	if (!ca)
		err = -ENOENT;
	else if (ca == ep->ca_ops)
		ep->ca_setsockopt = 1;
	else if (!try_module_get(ca->owner))
		err = -EBUSY;
	rcu_read_unlock();
	if (err || ca == ep->ca_ops)
		return err;
	etp_cleanup_congestion_control(sk);
	ep->ca_ops = ca;
	ep->ca_setsockopt = 1;
	if (etp_state_is(sk, ETP_S_SYNC) && ep->cwnd)
		etp_init_congestion_control(sk);
	return 0;
}

/**
 * etp_set_default_congestion_control() - a namespace's default algorithm
 * @net: the namespace
 * @name: the algorithm's name
 *
 * The congestion_control sysctl: sockets made afterwards take it. As TCP's,
 * a name no algorithm has is refused; no module is loaded for it.
 *
 * Return: 0, -ENOENT, or -EBUSY if its module is going away.
 */
int etp_set_default_congestion_control(struct net *net, const char *name)
{
	struct etp_net *en = etp_pernet(net);
	const struct etp_ca_ops *ca, *old;

	rcu_read_lock();
	ca = etp_ca_find(name);
	if (!ca || !try_module_get(ca->owner)) {
		rcu_read_unlock();
		return ca ? -EBUSY : -ENOENT;
	}
	rcu_read_unlock();
	old = unrcu_pointer(xchg(&en->ca_default, RCU_INITIALIZER(ca)));
	if (old)
		module_put(old->owner);
	return 0;
}

/**
 * etp_get_default_congestion_control() - a namespace's default's name
 * @net: the namespace
 * @name: ETP_CA_NAME_MAX bytes for it
 */
void etp_get_default_congestion_control(struct net *net, char *name)
{
	const struct etp_ca_ops *ca;

	rcu_read_lock();
	ca = rcu_dereference(etp_pernet(net)->ca_default) ? : &etp_newreno;
	strscpy(name, ca->name, ETP_CA_NAME_MAX);
	rcu_read_unlock();
}

/**
 * etp_get_available_congestion_control() - every algorithm's name
 * @buf: for the names, separated by spaces, in the order registered
 * @maxlen: its size
 */
void etp_get_available_congestion_control(char *buf, size_t maxlen)
{
	const struct etp_ca_ops *ca;
	size_t offs = 0;

	*buf = '\0';
	rcu_read_lock();
	list_for_each_entry_rcu(ca, &etp_ca_list, list) {
		offs += snprintf(buf + offs, maxlen - offs, "%s%s",
				 offs == 0 ? "" : " ", ca->name);
		if (WARN_ON_ONCE(offs >= maxlen))
			break;
	}
	rcu_read_unlock();
}

/**
 * etp_ca_init_net() - a new namespace's default: init_net's, as TCP's
 * @en: the namespace's ETP state
 */
void etp_ca_init_net(struct etp_net *en)
{
	const struct etp_ca_ops *ca = NULL;

	rcu_read_lock();
	if (en->net != &init_net)
		ca = rcu_dereference(etp_pernet(&init_net)->ca_default);
	ca = etp_ca_get(ca);
	rcu_read_unlock();
	RCU_INIT_POINTER(en->ca_default, ca);
}

/**
 * etp_ca_exit_net() - a namespace goes: its default's reference with it
 * @en: the namespace's ETP state
 */
void etp_ca_exit_net(struct etp_net *en)
{
	const struct etp_ca_ops *ca = rcu_dereference_protected(en->ca_default, 1);

	RCU_INIT_POINTER(en->ca_default, NULL);
	if (ca)
		module_put(ca->owner);
}

/**
 * etp_slow_start() - RFC 5681 3.1's slow start, in bytes (tcp_slow_start())
 * @sk: the socket, locked
 * @acked: bytes delivered
 *
 * The window grows by what was delivered, to ssthresh (or one MSS, if
 * that is further) at most: RFC 3465's byte counting, L = 1, one segment
 * per segment acknowledged.
 *
 * Return: what of @acked slow start did not use, for congestion avoidance.
 */
u32 etp_slow_start(struct sock *sk, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 cwnd = min(ep->cwnd + acked, max(ep->ssthresh, ep->cwnd + ep->mss));

	acked -= min(acked, cwnd - ep->cwnd);
	ep->cwnd = cwnd;
	return acked;
}
EXPORT_SYMBOL_GPL(etp_slow_start);

/**
 * etp_cong_avoid_ai() - additive increase: one MSS per @w bytes delivered
 * @sk: the socket, locked
 * @w: bytes to deliver for the window to grow by one MSS (TCP's w, times
 *     the MSS); the window itself for RFC 5681's one MSS per RTT
 * @acked: bytes delivered
 *
 * As tcp_cong_avoid_ai(), counting in snd_cwnd_cnt what is short of @w.
 */
void etp_cong_avoid_ai(struct sock *sk, u32 w, u32 acked)
{
	struct etp_sock *ep = etp_sk(sk);

	w = max(w, 1U);
	/* A smaller w than before: what was counted already suffices. */
	if (ep->snd_cwnd_cnt >= w) {
		ep->snd_cwnd_cnt = 0;
		ep->cwnd += ep->mss;
	}
	ep->snd_cwnd_cnt += acked;
	if (ep->snd_cwnd_cnt >= w) {
		u32 delta = ep->snd_cwnd_cnt / w;

		ep->snd_cwnd_cnt -= delta * w;
		ep->cwnd += delta * ep->mss;
	}
}
EXPORT_SYMBOL_GPL(etp_cong_avoid_ai);

/**
 * etp_sndbuf_expand() - let the send buffer follow the congestion window
 * @sk: the socket, locked
 *
 * As TCP's tcp_sndbuf_expand(): twice the congestion window, and at least
 * twice TCP's initial window of ten segments (which RFC 6928's byte limit
 * makes two on loopback's 64 KiB MSS), each counted as the power of two
 * its skb could take, up to wmem[2]; unless the user set SO_SNDBUF, which
 * then holds. So a program may write a megabyte before its peer reads, as
 * over TCP.
 */
void etp_sndbuf_expand(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 per_mss, segs;
	u64 want;

	sock_owned_by_me(sk);
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK || !ep->mss)
		return;
	per_mss = roundup_pow_of_two(ep->mss + ETP_MAX_HEADER +
				     SKB_DATA_ALIGN(sizeof(struct skb_shared_info))) +
		  SKB_DATA_ALIGN(sizeof(struct sk_buff));
	segs = max_t(u32, DIV_ROUND_UP(ep->cwnd, ep->mss), 10);
	want = 2ULL * segs * per_mss;
	want = min_t(u64, want, READ_ONCE(etp_sk_pernet(sk)->sysctl.wmem[2]));
	if (want > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, want);
}

/**
 * etp_cong_init() - register etp.ko's own algorithm, NewReno
 *
 * Return: 0 or a negative errno.
 */
int etp_cong_init(void)
{
	return etp_register_congestion_control(&etp_newreno);
}

/**
 * etp_cong_exit() - withdraw NewReno, as etp.ko goes
 */
void etp_cong_exit(void)
{
	etp_unregister_congestion_control(&etp_newreno);
}

#include "tests/cong_test.c"
