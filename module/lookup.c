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
 * touches freed memory. A socket can still move while a reader is at it:
 * disconnected, then connected or listening again, it is unhashed and
 * hashed into another slot, and a reader that follows it ends in that
 * slot's chain and would miss what was behind it in its own (an RST for a
 * live connection). The ehash and lhash chains are hlist_nulls whose end
 * marker is the slot's index (struct etp_nslot): a walk that ends on
 * another slot's marker starts again, as TCP's __inet_lookup_established()
 * does; so does one whose socket changed its 4-tuple after it matched. A
 * table holds a reference on each socket in it.
 *
 * connect() gets its 4-tuple here (etp_connect_port(), as TCP's
 * inet_hash_connect()): a port from port.c whose 4-tuple is in neither
 * ehash nor the TIME_WAIT table.
 */
#include <linux/slab.h>
#include <net/inet_sock.h>

#include "etp.h"

static unsigned int etp_ehash_index(__be32 laddr, __be16 lport, __be32 raddr,
				    __be16 rport)
{
	return etp_hash_tuple(laddr, lport, raddr, rport) & (ETP_EHASH_SLOTS - 1);
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

/*
 * Put @sk in the established table if its 4-tuple is unique among connected
 * sockets and TIME_WAIT entries; connect() (@connect: 1 for an ephemeral
 * port, 2 for a bound one) may take a TIME_WAIT entry's over.
 */
static bool __etp_ehash_insert(struct sock *sk, int connect)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct etp_net *en = etp_sk_pernet(sk);
	__be32 laddr = inet->inet_rcv_saddr, raddr = inet->inet_daddr;
	__be16 lport = inet->inet_sport, rport = inet->inet_dport;
	struct etp_nslot *slot = &en->ehash[etp_ehash_index(laddr, lport, raddr, rport)];
	struct etp_tw *tw = NULL, *reused = NULL;
	struct hlist_nulls_node *node;
	struct etp_sock *e;
	bool ok = true;

	rcu_read_lock();
	spin_lock_bh(&slot->lock);
	hlist_nulls_for_each_entry(e, node, &slot->chain, ehash_node)
		if (etp_sk_match((struct sock *)e, laddr, lport, raddr, rport))
			ok = false;
	if (ok)
		tw = etp_tw_lookup(sock_net(sk), laddr, lport, raddr, rport);
	/* One the timer is taking out holds nothing any more. */
	if (tw && (READ_ONCE(tw->flags) & ETP_TW_DEAD))
		tw = NULL;
	if (tw && connect)
		reused = etp_tw_reuse(sock_net(sk), tw, sk, connect == 2);
	if (tw && !reused)
		ok = false;
	if (ok) {
		sock_hold(sk);
		hlist_nulls_add_head_rcu(&etp_sk(sk)->ehash_node, &slot->chain);
	}
	spin_unlock_bh(&slot->lock);
	/* Its port's count goes outside the slot's lock, as every put. */
	if (reused)
		etp_tw_reused(sock_net(sk), reused);
	rcu_read_unlock();
	return ok;
}

/**
 * etp_ehash_insert() - put a new socket in the established table
 * @sk: the socket, with its 4-tuple set
 *
 * The 4-tuple must be unique among connected sockets and TIME_WAIT entries.
 *
 * Return: true if inserted, false if the 4-tuple is in use.
 */
bool etp_ehash_insert(struct sock *sk)
{
	return __etp_ehash_insert(sk, 0);
}

/**
 * etp_ehash_remove() - take a socket out of the established table
 * @sk: the socket; nothing happens if it is not in the table
 */
void etp_ehash_remove(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct etp_sock *ep = etp_sk(sk);
	struct etp_nslot *slot;

	if (hlist_nulls_unhashed_lockless(&ep->ehash_node))
		return;
	slot = &etp_sk_pernet(sk)->ehash[etp_ehash_index(inet->inet_rcv_saddr,
							 inet->inet_sport,
							 inet->inet_daddr,
							 inet->inet_dport)];
	spin_lock_bh(&slot->lock);
	if (!hlist_nulls_unhashed(&ep->ehash_node)) {
		hlist_nulls_del_init_rcu(&ep->ehash_node);
		__sock_put(sk);
	}
	spin_unlock_bh(&slot->lock);
}

/* What a walk returns when it must start again from its slot's head. */
#define ETP_WALK_AGAIN	ERR_PTR(-EAGAIN)

/*
 * One walk of an ehash chain from @node, under RCU: the socket of the
 * 4-tuple with a reference held, NULL, or ETP_WALK_AGAIN when the walk
 * ended in another slot's chain than @index or its socket moved.
 */
static struct sock *etp_ehash_walk(struct hlist_nulls_node *node,
				   unsigned int index, __be32 laddr,
				   __be16 lport, __be32 raddr, __be16 rport)
{
	for (; !is_a_nulls(node);
	     node = rcu_dereference_raw(hlist_nulls_next_rcu(node))) {
		struct sock *sk = (struct sock *)hlist_nulls_entry(node,
						struct etp_sock, ehash_node);

		if (!etp_sk_match(sk, laddr, lport, raddr, rport))
			continue;
		/* A socket on its way to be freed is leaving: no match. */
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			return NULL;
		if (etp_sk_match(sk, laddr, lport, raddr, rport))
			return sk;
		sock_put(sk);
		return ETP_WALK_AGAIN;
	}
	return get_nulls_value(node) == index ? NULL : ETP_WALK_AGAIN;
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
	unsigned int index = etp_ehash_index(laddr, lport, raddr, rport);
	struct etp_nslot *slot = &etp_pernet(net)->ehash[index];
	struct sock *sk;

	do
		sk = etp_ehash_walk(rcu_dereference_raw(hlist_nulls_first_rcu(&slot->chain)),
				    index, laddr, lport, raddr, rport);
	while (sk == ETP_WALK_AGAIN);
	return sk;
}

static unsigned int etp_lhash_index(u16 port)
{
	return port & (ETP_LHASH_SLOTS - 1);
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
	struct etp_nslot *slot = &etp_sk_pernet(sk)->lhash[etp_lhash_index(inet_sk(sk)->inet_num)];
	int err;

	spin_lock_bh(&slot->lock);
	err = etp_reuseport_join(sk, &slot->chain);
	if (!err)
		sk_nulls_add_node_rcu(sk, &slot->chain);
	spin_unlock_bh(&slot->lock);
	return err;
}

/**
 * etp_lhash_remove() - stop finding a socket as a listener
 * @sk: the socket; nothing happens if it is not in the table
 */
void etp_lhash_remove(struct sock *sk)
{
	struct etp_nslot *slot;

	if (sk_unhashed(sk))
		return;
	slot = &etp_sk_pernet(sk)->lhash[etp_lhash_index(inet_sk(sk)->inet_num)];
	spin_lock_bh(&slot->lock);
	etp_reuseport_leave(sk);
	sk_nulls_del_node_init_rcu(sk);
	spin_unlock_bh(&slot->lock);
}

/*
 * One walk of a listener chain from @node, under RCU: the best listener for
 * port @hnum (no reference taken), NULL, or ETP_WALK_AGAIN when the walk
 * ended in another slot's chain than @index. As TCP: a listener bound to
 * the address beats a wildcard one, and one bound to the device beats one
 * that is not.
 */
static struct sock *etp_listener_walk(struct hlist_nulls_node *node,
				      unsigned int index, u16 hnum,
				      __be32 laddr, int dif, int sdif)
{
	struct sock *sk, *best = NULL;
	int score, best_score = 0;

	for (; !is_a_nulls(node);
	     node = rcu_dereference_raw(hlist_nulls_next_rcu(node))) {
		sk = hlist_nulls_entry(node, struct sock, sk_nulls_node);
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
	return get_nulls_value(node) == index ? best : ETP_WALK_AGAIN;
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
 * The best listener as etp_listener_walk() ranks them; of a SO_REUSEPORT
 * group, the member that reuseport.c chooses.
 *
 * Return: the listener with a reference held, or NULL.
 */
struct sock *etp_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
				 __be32 laddr, __be16 lport, __be32 raddr,
				 __be16 rport, int dif, int sdif)
{
	u16 hnum = ntohs(lport);
	unsigned int index = etp_lhash_index(hnum);
	struct etp_nslot *slot = &etp_pernet(net)->lhash[index];
	struct sock *best;

	do
		best = etp_listener_walk(rcu_dereference_raw(hlist_nulls_first_rcu(&slot->chain)),
					 index, hnum, laddr, dif, sdif);
	while (best == ETP_WALK_AGAIN);
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
	en->lhash = etp_nslots_alloc(ETP_LHASH_SLOTS);
	en->ehash = etp_nslots_alloc(ETP_EHASH_SLOTS);
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
	etp_nslots_free(en->lhash, ETP_LHASH_SLOTS);
	etp_nslots_free(en->ehash, ETP_EHASH_SLOTS);
	etp_slots_free(en->reqhash, ETP_REQHASH_SLOTS);
	en->lhash = NULL;
	en->ehash = NULL;
	en->reqhash = NULL;
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
	if (__etp_ehash_insert(sk, 1))
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
 * the socket ends up in the established table, where it may take a
 * TIME_WAIT entry's 4-tuple over (etp_tw_reuse(): then ep->iss is set).
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
		return __etp_ehash_insert(sk, 2) ? 0 : -EADDRNOTAVAIL;
	err = etp_ephemeral(sk, etp_try_connect, &t);
	kfree(t.spare);
	if (err == -EADDRINUSE)
		err = -EADDRNOTAVAIL;
	return err;
}

#include "tests/lookup_test.c"
