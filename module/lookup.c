// SPDX-License-Identifier: GPL-2.0
/*
 * The tables the receive path searches, per network namespace:
 *   ehash    connected sockets (SYN_SENT onwards) by 4-tuple
 *   lhash    listeners by local port
 *   reqhash  half-open entries by 4-tuple (request.c owns them)
 *   tw hash  TIME_WAIT entries by 4-tuple (timewait.c owns them: an
 *            rhashtable)
 *
 * Locking: writers take the slot's spinlock with bh disabled; readers walk
 * chains under RCU (the receive path runs under rcu_read_lock()) and take a
 * reference with refcount_inc_not_zero() before they leave the RCU section.
 * Sockets are freed after a grace period (SOCK_RCU_FREE), so a reader never
 * touches freed memory; a socket that was unhashed and hashed again under
 * another 4-tuple is caught by checking the 4-tuple again after the
 * reference is taken. A table holds a reference on each socket in it.
 *
 * connect() gets its 4-tuple here (etp_connect_port(), as TCP's
 * inet_hash_connect()): a port from port.c whose 4-tuple is in neither
 * ehash nor the TIME_WAIT table.
 */
#include <linux/slab.h>
#include <net/inet_sock.h>

#include "etp.h"

struct etp_hslot *etp_ehash_slot(struct etp_net *en, __be32 laddr,
				 __be16 lport, __be32 raddr, __be16 rport)
{
	return &en->ehash[etp_hash_tuple(laddr, lport, raddr, rport) &
			  (ETP_EHASH_SLOTS - 1)];
}

struct etp_hslot *etp_reqhash_slot(struct etp_net *en, __be32 laddr,
				   __be16 lport, __be32 raddr, __be16 rport)
{
	return &en->reqhash[etp_hash_tuple(laddr, lport, raddr, rport) &
			    (ETP_REQHASH_SLOTS - 1)];
}

static bool etp_sk_match(const struct sock *sk, __be32 laddr, __be16 lport,
			 __be32 raddr, __be16 rport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_daddr == raddr && inet->inet_rcv_saddr == laddr &&
	       inet->inet_dport == rport && inet->inet_sport == lport;
}

/**
 * etp_ehash_insert() - put a connecting or new socket in the established table
 * @sk: the socket, with its 4-tuple set
 *
 * The 4-tuple must be unique among connected sockets and TIME_WAIT entries.
 *
 * Return: true if inserted, false if the 4-tuple is in use.
 */
bool etp_ehash_insert(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct etp_net *en = etp_sk_pernet(sk);
	__be32 laddr = inet->inet_rcv_saddr, raddr = inet->inet_daddr;
	__be16 lport = inet->inet_sport, rport = inet->inet_dport;
	struct etp_hslot *slot = etp_ehash_slot(en, laddr, lport, raddr, rport);
	struct etp_sock *e;
	bool ok = true;

	spin_lock_bh(&slot->lock);
	hlist_for_each_entry(e, &slot->chain, ehash_node)
		if (etp_sk_match((struct sock *)e, laddr, lport, raddr, rport))
			ok = false;
	if (ok) {
		rcu_read_lock();
		ok = !etp_tw_lookup(sock_net(sk), laddr, lport, raddr, rport);
		rcu_read_unlock();
	}
	if (ok) {
		sock_hold(sk);
		hlist_add_head_rcu(&etp_sk(sk)->ehash_node, &slot->chain);
	}
	spin_unlock_bh(&slot->lock);
	return ok;
}

/**
 * etp_ehash_remove() - take a socket out of the established table
 * @sk: the socket; nothing happens if it is not in the table
 */
void etp_ehash_remove(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct etp_sock *ep = etp_sk(sk);
	struct etp_hslot *slot;

	if (hlist_unhashed_lockless(&ep->ehash_node))
		return;
	slot = etp_ehash_slot(etp_sk_pernet(sk), inet->inet_rcv_saddr,
			      inet->inet_sport, inet->inet_daddr,
			      inet->inet_dport);
	spin_lock_bh(&slot->lock);
	if (!hlist_unhashed(&ep->ehash_node)) {
		hlist_del_init_rcu(&ep->ehash_node);
		__sock_put(sk);
	}
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_lookup_established() - find the socket of a 4-tuple (under RCU)
 * @net: the namespace
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the socket with a reference held, or NULL.
 */
struct sock *etp_lookup_established(struct net *net, __be32 laddr,
				    __be16 lport, __be32 raddr, __be16 rport)
{
	struct etp_hslot *slot = etp_ehash_slot(etp_pernet(net), laddr, lport,
						raddr, rport);
	struct etp_sock *e;

	hlist_for_each_entry_rcu(e, &slot->chain, ehash_node) {
		struct sock *sk = (struct sock *)e;

		if (!etp_sk_match(sk, laddr, lport, raddr, rport))
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			return NULL;
		if (etp_sk_match(sk, laddr, lport, raddr, rport))
			return sk;
		sock_put(sk);
		return NULL;
	}
	return NULL;
}

static struct etp_hslot *etp_lhash_slot(struct etp_net *en, u16 port)
{
	return &en->lhash[port & (ETP_LHASH_SLOTS - 1)];
}

/**
 * etp_lhash_insert() - make a socket findable as a listener
 * @sk: the socket, bound, in LISTEN
 *
 * With SO_REUSEPORT it joins its port's group (reuseport.c).
 *
 * Return: 0, or -ENOMEM if it could not join.
 */
int etp_lhash_insert(struct sock *sk)
{
	struct etp_hslot *slot = etp_lhash_slot(etp_sk_pernet(sk),
						inet_sk(sk)->inet_num);
	int err;

	spin_lock_bh(&slot->lock);
	err = etp_reuseport_join(sk, &slot->chain);
	if (!err)
		sk_add_node_rcu(sk, &slot->chain);
	spin_unlock_bh(&slot->lock);
	return err;
}

/**
 * etp_lhash_remove() - stop finding a socket as a listener
 * @sk: the socket; nothing happens if it is not in the table
 */
void etp_lhash_remove(struct sock *sk)
{
	struct etp_hslot *slot;

	if (sk_unhashed(sk))
		return;
	slot = etp_lhash_slot(etp_sk_pernet(sk), inet_sk(sk)->inet_num);
	spin_lock_bh(&slot->lock);
	etp_reuseport_leave(sk);
	sk_del_node_init_rcu(sk);
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_lookup_listener() - find the listener for a SYN (under RCU)
 * @net: the namespace
 * @skb: the segment, its header at skb->data
 * @doff: its header's length
 * @laddr: the segment's destination address
 * @lport: the segment's destination port
 * @raddr: its source address
 * @rport: its source port
 * @dif: the interface it arrived on
 * @sdif: the L3 master device's interface, if any
 *
 * As TCP: a listener bound to the address beats a wildcard one, and one
 * bound to the device beats one that is not; of a SO_REUSEPORT group, the
 * member that reuseport.c chooses.
 *
 * Return: the listener with a reference held, or NULL.
 */
struct sock *etp_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
				 __be32 laddr, __be16 lport, __be32 raddr,
				 __be16 rport, int dif, int sdif)
{
	u16 hnum = ntohs(lport);
	struct etp_hslot *slot = etp_lhash_slot(etp_pernet(net), hnum);
	struct sock *sk, *best = NULL;
	int score, best_score = 0;

	sk_for_each_rcu(sk, &slot->chain) {
		if (inet_sk(sk)->inet_num != hnum)
			continue;
		score = 1;
		if (sk->sk_rcv_saddr) {
			if (sk->sk_rcv_saddr != laddr)
				continue;
			score += 4;
		}
		if (sk->sk_bound_dev_if) {
			if (sk->sk_bound_dev_if != dif &&
			    sk->sk_bound_dev_if != sdif)
				continue;
			score += 2;
		}
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	if (best)
		best = etp_reuseport_select(best, skb, doff, laddr, lport, raddr, rport);
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	return best;
}

/**
 * etp_lookup_init() - allocate a namespace's listener, established and
 * half-open tables
 * @en: the namespace's ETP state
 *
 * Return: 0 or -ENOMEM.
 */
int etp_lookup_init(struct etp_net *en)
{
	en->lhash = etp_slots_alloc(ETP_LHASH_SLOTS);
	en->ehash = etp_slots_alloc(ETP_EHASH_SLOTS);
	en->reqhash = etp_slots_alloc(ETP_REQHASH_SLOTS);
	if (en->lhash && en->ehash && en->reqhash)
		return 0;
	etp_lookup_exit(en);
	return -ENOMEM;
}

/**
 * etp_lookup_exit() - free a namespace's tables, empty by now
 * @en: the namespace's ETP state
 */
void etp_lookup_exit(struct etp_net *en)
{
	etp_slots_free(en->lhash, ETP_LHASH_SLOTS);
	etp_slots_free(en->ehash, ETP_EHASH_SLOTS);
	etp_slots_free(en->reqhash, ETP_REQHASH_SLOTS);
	en->lhash = en->ehash = en->reqhash = NULL;
}

struct etp_connect_try {
	struct etp_bind_bucket *spare;
};

static int etp_try_connect(struct sock *sk, u16 port, void *arg)
{
	struct etp_connect_try *t = arg;
	int err;

	if (!t->spare) {
		t->spare = kmalloc(sizeof(*t->spare), GFP_KERNEL);
		if (!t->spare)
			return -ENOMEM;
	}
	err = etp_try_port(etp_sk_pernet(sk), sk, port, true, &t->spare);
	if (err)
		return err;
	inet_sk(sk)->inet_sport = htons(port);
	if (etp_ehash_insert(sk))
		return 0;
	etp_put_port(sk);
	inet_sk(sk)->inet_sport = 0;
	return -EADDRINUSE;
}

/**
 * etp_connect_port() - give a connecting socket a unique 4-tuple
 * @sk: the socket, locked, with its addresses and remote port set
 *
 * A socket already bound keeps its port; one that is not gets an ephemeral
 * port, shared with other connections to other destinations. Either way
 * the socket ends up in the established table.
 *
 * Return: 0; -EADDRNOTAVAIL when the 4-tuple (or every ephemeral port)
 * is taken, as TCP; -ENOMEM.
 */
int etp_connect_port(struct sock *sk)
{
	struct etp_connect_try t = { };
	int err;

	sock_owned_by_me(sk);
	if (inet_sk(sk)->inet_num)
		return etp_ehash_insert(sk) ? 0 : -EADDRNOTAVAIL;
	err = etp_ephemeral(sk, etp_try_connect, &t);
	kfree(t.spare);
	if (err == -EADDRINUSE)
		err = -EADDRNOTAVAIL;
	return err;
}
