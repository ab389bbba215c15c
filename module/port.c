// SPDX-License-Identifier: GPL-2.0
/*
 * The bind table: which local ports ETP sockets hold, per network namespace.
 *
 * Locking: a slot's spinlock (bh: children and TIME_WAIT entries come and go
 * in softirq) guards its chain of buckets, each bucket's owners and its
 * tw_count. A socket is on at most one owners list, through sk_bind_node,
 * and inet_num is non-zero exactly while it is there.
 *
 * Conflicts follow TCP's rules: two sockets may not hold the same port on
 * overlapping addresses (equal, or either one the wildcard) on the same
 * device, unless both set SO_REUSEADDR and the one already there is not
 * listening, or both set SO_REUSEPORT and belong to one user
 * (reuseport.c). A port that TIME_WAIT entries hold can be bound only with
 * SO_REUSEADDR. Ports that connect() picks may be shared by several
 * connections as long as each 4-tuple is unique (lookup.c picks them).
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "etp.h"

static struct etp_hslot *etp_bind_slot(struct etp_net *en, u16 port)
{
	return &en->bind[port & (ETP_BIND_SLOTS - 1)];
}

/* The bucket of @port in @slot, whose lock is held; NULL if none. */
static struct etp_bind_bucket *etp_bucket_find(struct etp_hslot *slot, u16 port)
{
	struct etp_bind_bucket *b;

	lockdep_assert_held(&slot->lock);
	hlist_for_each_entry(b, &slot->chain, node)
		if (b->port == port)
			return b;
	return NULL;
}

/*
 * Whether @sk listens on its port, for the conflict rule: in LISTEN, and
 * its own check passed. Of two SO_REUSEADDR sockets whose listen() runs at
 * once, both are in LISTEN when they check; the checks take the bind
 * slot's lock in turn, and the second sees whether the first passed, so one
 * of them listens: neither both nor none.
 */
static bool etp_port_listener(const struct sock *sk)
{
	return READ_ONCE(sk->sk_state) == TCP_LISTEN &&
	       READ_ONCE(etp_sk(sk)->port_listener);
}

static bool etp_bind_conflict(const struct sock *sk,
			      const struct etp_bind_bucket *b)
{
	__be32 addr = sk->sk_rcv_saddr;
	struct sock *sk2;

	if (b->tw_count && !sk->sk_reuse)
		return true;
	sk_for_each_bound(sk2, &b->owners) {
		if (sk2 == sk)
			continue;
		if (sk->sk_bound_dev_if && sk2->sk_bound_dev_if &&
		    sk->sk_bound_dev_if != sk2->sk_bound_dev_if)
			continue;
		if (sk->sk_reuse && sk2->sk_reuse && !etp_port_listener(sk2))
			continue;
		if (etp_reuseport_shares(sk, sk2))
			continue;
		if (!addr || !sk2->sk_rcv_saddr || addr == sk2->sk_rcv_saddr)
			return true;
	}
	return false;
}

/* Put @sk on @b, a bucket of @slot, whose lock is held. */
static void etp_bind_add(struct etp_hslot *slot, struct sock *sk,
			 struct etp_bind_bucket *b, bool autobind)
{
	lockdep_assert_held(&slot->lock);
	if (hlist_empty(&b->owners) && !b->tw_count)
		b->autobind_only = autobind;
	else if (!autobind)
		b->autobind_only = false;
	sk_add_bind_node(sk, &b->owners);
	inet_sk(sk)->inet_num = b->port;
}

static struct etp_bind_bucket *etp_bucket_create(struct etp_hslot *slot,
						 u16 port,
						 struct etp_bind_bucket **spare)
{
	struct etp_bind_bucket *b = *spare;

	*spare = NULL;
	b->port = port;
	b->tw_count = 0;
	b->autobind_only = false;
	INIT_HLIST_HEAD(&b->owners);
	hlist_add_head(&b->node, &slot->chain);
	return b;
}

/* Free @b if nothing holds its port any more; @slot's lock is held. */
static void etp_bucket_maybe_free(struct etp_hslot *slot,
				  struct etp_bind_bucket *b)
{
	lockdep_assert_held(&slot->lock);
	if (b && hlist_empty(&b->owners) && !b->tw_count) {
		hlist_del(&b->node);
		kfree(b);
	}
}

/**
 * etp_try_port() - bind a socket to a port if the rules allow it
 * @en: the namespace's ETP state
 * @sk: the socket, locked, not bound yet
 * @port: the port
 * @shared: connect()'s automatic bind: a port whose every holder was also
 *          bound by connect() may be shared (lookup.c keeps each 4-tuple
 *          unique); otherwise the conflict rules decide
 * @spare: a bucket the caller allocated, used (and *@spare cleared) if the
 *         port has none yet
 *
 * Return: 0 or -EADDRINUSE.
 */
int etp_try_port(struct etp_net *en, struct sock *sk, u16 port,
			bool shared, struct etp_bind_bucket **spare)
{
	struct etp_hslot *slot = etp_bind_slot(en, port);
	struct etp_bind_bucket *b;
	int err = 0;

	sock_owned_by_me(sk);
	spin_lock_bh(&slot->lock);
	b = etp_bucket_find(slot, port);
	if (!b)
		etp_bind_add(slot, sk, etp_bucket_create(slot, port, spare), shared);
	else if (shared ? b->autobind_only : !etp_bind_conflict(sk, b))
		etp_bind_add(slot, sk, b, shared);
	else
		err = -EADDRINUSE;
	spin_unlock_bh(&slot->lock);
	return err;
}

/* Whether nothing holds @port at all: what bind(port 0) wants. */
static bool etp_port_unused(struct etp_net *en, u16 port)
{
	struct etp_hslot *slot = etp_bind_slot(en, port);
	bool unused;

	spin_lock_bh(&slot->lock);
	unused = !etp_bucket_find(slot, port);
	spin_unlock_bh(&slot->lock);
	return unused;
}

/**
 * etp_ephemeral() - find an ephemeral port that suits the caller
 * @sk: the socket, locked
 * @try: called for each port of ip_local_port_range, from a random offset,
 *       until it returns 0 or -ENOMEM
 * @arg: passed to @try
 *
 * Return: the last result of @try (-EADDRNOTAVAIL if it was never called).
 */
int etp_ephemeral(struct sock *sk,
			 int (*try)(struct sock *sk, u16 port, void *arg),
			 void *arg)
{
	int low, high, range, i, err = -EADDRNOTAVAIL;
	u32 offset;

	sock_owned_by_me(sk);
	inet_sk_get_local_port_range(sk, &low, &high);
	range = high - low + 1;
	offset = get_random_u32_below(range);
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;

		if (inet_is_local_reserved_port(sock_net(sk), port))
			continue;
		err = try(sk, port, arg);
		if (!err || err == -ENOMEM)
			break;
		if (!(i & 255))
			cond_resched();
	}
	return err;
}

static int etp_try_unused(struct sock *sk, u16 port, void *spare)
{
	struct etp_net *en = etp_sk_pernet(sk);

	if (!etp_port_unused(en, port))
		return -EADDRINUSE;
	return etp_try_port(en, sk, port, false, spare);
}

/**
 * etp_get_port() - bind a socket to a local port (proto->get_port)
 * @sk: the socket, locked by the caller, not bound yet
 * @snum: the port, or 0 to pick an unused one from ip_local_port_range
 *
 * Return: 0, -EADDRINUSE when the port is taken or no ephemeral port is
 * free (as TCP), or -ENOMEM.
 */
int etp_get_port(struct sock *sk, unsigned short snum)
{
	struct etp_bind_bucket *spare;
	int err;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(inet_sk(sk)->inet_num))
		return -EINVAL;
	spare = kmalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	if (snum)
		err = etp_try_port(etp_sk_pernet(sk), sk, snum, false, &spare);
	else
		err = etp_ephemeral(sk, etp_try_unused, &spare);
	if (err == -EADDRNOTAVAIL)
		err = -EADDRINUSE;
	kfree(spare);
	return err;
}

/**
 * etp_listen_port_begin() - forget what an earlier listen()'s check found
 * @sk: the socket, locked, bound, about to enter LISTEN
 *
 * A socket that listened, was disconnected and listens again must not look
 * checked (etp_port_listener()) while it is in LISTEN before its new check.
 * Cleared under the bind slot's lock, which every check holds: a check that
 * sees this socket's LISTEN sees the flag cleared.
 */
void etp_listen_port_begin(struct sock *sk)
{
	struct etp_hslot *slot = etp_bind_slot(etp_sk_pernet(sk),
					       inet_sk(sk)->inet_num);

	sock_owned_by_me(sk);
	spin_lock_bh(&slot->lock);
	WRITE_ONCE(etp_sk(sk)->port_listener, 0);
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_listen_port_check() - may a socket now in LISTEN keep its port?
 * @sk: the socket, locked, bound, its state already LISTEN
 *
 * Two sockets may share a port with SO_REUSEADDR, but only one may listen
 * (etp_port_listener()).
 *
 * Return: 0 or -EADDRINUSE.
 */
int etp_listen_port_check(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);
	u16 port = inet_sk(sk)->inet_num;
	struct etp_hslot *slot = etp_bind_slot(en, port);
	struct etp_bind_bucket *b;
	int err = 0;

	sock_owned_by_me(sk);
	spin_lock_bh(&slot->lock);
	b = etp_bucket_find(slot, port);
	if (WARN_ON_ONCE(!b) || etp_bind_conflict(sk, b))
		err = -EADDRINUSE;
	else
		b->autobind_only = false;
	WRITE_ONCE(etp_sk(sk)->port_listener, !err);
	spin_unlock_bh(&slot->lock);
	return err;
}

/**
 * etp_inherit_port() - bind a listener's new child to the listener's port
 * @listener: the listening socket, bound
 * @child: the new socket (softirq), with inet_num still 0
 */
void etp_inherit_port(struct sock *listener, struct sock *child)
{
	struct etp_net *en = etp_sk_pernet(listener);
	u16 port = inet_sk(listener)->inet_num;
	struct etp_hslot *slot = etp_bind_slot(en, port);
	struct etp_bind_bucket *b;

	/* From softirq, or from the listener's backlog in process context. */
	spin_lock_bh(&slot->lock);
	b = etp_bucket_find(slot, port);
	/* The listener holds the port until it is closed, after its children. */
	if (!WARN_ON_ONCE(!b))
		etp_bind_add(slot, child, b, false);
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_put_port() - release a socket's local port (proto->put_port)
 * @sk: the socket; nothing happens if it holds no port
 */
void etp_put_port(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);
	u16 port = inet_sk(sk)->inet_num;
	struct etp_hslot *slot;

	if (!port)
		return;
	slot = etp_bind_slot(en, port);
	spin_lock_bh(&slot->lock);
	__sk_del_bind_node(sk);
	inet_sk(sk)->inet_num = 0;
	etp_bucket_maybe_free(slot, etp_bucket_find(slot, port));
	spin_unlock_bh(&slot->lock);
}

/* A TIME_WAIT entry takes (@delta 1) or lets go of (-1) a port's bucket. */
static void etp_port_tw_count(struct net *net, u16 port, int delta)
{
	struct etp_hslot *slot = etp_bind_slot(etp_pernet(net), port);
	struct etp_bind_bucket *b;

	spin_lock_bh(&slot->lock);
	b = etp_bucket_find(slot, port);
	if (!WARN_ON_ONCE(!b || (delta < 0 && !b->tw_count))) {
		b->tw_count += delta;
		etp_bucket_maybe_free(slot, b);
	}
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_port_tw_hold() - a TIME_WAIT entry takes over a closing socket's port
 * @net: the namespace
 * @port: the port, still held by the closing socket (so its bucket exists)
 */
void etp_port_tw_hold(struct net *net, u16 port)
{
	etp_port_tw_count(net, port, 1);
}

/**
 * etp_port_tw_put() - a TIME_WAIT entry lets go of its port
 * @net: the namespace
 * @port: the port
 */
void etp_port_tw_put(struct net *net, u16 port)
{
	etp_port_tw_count(net, port, -1);
}

/**
 * etp_port_init() - allocate a namespace's bind table
 * @en: the namespace's ETP state
 *
 * Return: 0 or -ENOMEM.
 */
int etp_port_init(struct etp_net *en)
{
	en->bind = etp_slots_alloc(ETP_BIND_SLOTS);
	return en->bind ? 0 : -ENOMEM;
}

/**
 * etp_port_exit() - free a namespace's bind table, empty by now
 * @en: the namespace's ETP state
 */
void etp_port_exit(struct etp_net *en)
{
	etp_slots_free(en->bind, ETP_BIND_SLOTS);
}
