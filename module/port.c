// SPDX-License-Identifier: GPL-2.0
/*
 * The bind table: which local ports ETP sockets hold, per network namespace.
 *
 * Locking: a slot's spinlock (taken with bh disabled, since the receive path
 * will add children of listeners from softirq) guards its chain of buckets and
 * each bucket's owners. A socket is on at most one owners list, through
 * sk_bind_node, and inet_num is non-zero exactly while it is there.
 *
 * Conflicts follow TCP's rules without SO_REUSEPORT: two sockets may not hold
 * the same port on overlapping addresses (equal, or either one the wildcard)
 * on the same device, unless both set SO_REUSEADDR and the one already there
 * is not listening.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "etp.h"

static struct etp_bind_slot *etp_bind_slot(struct etp_net *en, u16 port)
{
	return &en->bind[port & (ETP_BIND_SLOTS - 1)];
}

static struct etp_bind_bucket *etp_bucket_find(struct etp_bind_slot *slot,
					       u16 port)
{
	struct etp_bind_bucket *b;

	hlist_for_each_entry(b, &slot->chain, node)
		if (b->port == port)
			return b;
	return NULL;
}

static bool etp_bind_conflict(const struct sock *sk,
			      const struct etp_bind_bucket *b)
{
	__be32 addr = sk->sk_rcv_saddr;
	struct sock *sk2;

	sk_for_each_bound(sk2, &b->owners) {
		if (sk2 == sk)
			continue;
		if (sk->sk_bound_dev_if && sk2->sk_bound_dev_if &&
		    sk->sk_bound_dev_if != sk2->sk_bound_dev_if)
			continue;
		if (sk->sk_reuse && sk2->sk_reuse &&
		    READ_ONCE(sk2->sk_state) != TCP_LISTEN)
			continue;
		if (!addr || !sk2->sk_rcv_saddr || addr == sk2->sk_rcv_saddr)
			return true;
	}
	return false;
}

/* Put @sk on @b; the slot's lock is held. */
static void etp_bind_add(struct sock *sk, struct etp_bind_bucket *b)
{
	sk_add_bind_node(sk, &b->owners);
	inet_sk(sk)->inet_num = b->port;
}

/*
 * Try @port for @sk: bind it if free of conflicts. @spare is a bucket the
 * caller allocated, used if the port has none yet (then *spare is cleared).
 */
static int etp_try_port(struct etp_net *en, struct sock *sk, u16 port,
			struct etp_bind_bucket **spare)
{
	struct etp_bind_slot *slot = etp_bind_slot(en, port);
	struct etp_bind_bucket *b;
	int err = 0;

	spin_lock_bh(&slot->lock);
	b = etp_bucket_find(slot, port);
	if (b) {
		if (etp_bind_conflict(sk, b))
			err = -EADDRINUSE;
		else
			etp_bind_add(sk, b);
	} else {
		b = *spare;
		*spare = NULL;
		b->port = port;
		INIT_HLIST_HEAD(&b->owners);
		hlist_add_head(&b->node, &slot->chain);
		etp_bind_add(sk, b);
	}
	spin_unlock_bh(&slot->lock);
	return err;
}

/* Whether nothing holds @port at all: what an automatic bind wants. */
static bool etp_port_unused(struct etp_net *en, u16 port)
{
	struct etp_bind_slot *slot = etp_bind_slot(en, port);
	bool unused;

	spin_lock_bh(&slot->lock);
	unused = !etp_bucket_find(slot, port);
	spin_unlock_bh(&slot->lock);
	return unused;
}

/**
 * etp_get_port() - bind a socket to a local port (proto->get_port)
 * @sk: the socket, locked by the caller, not bound yet
 * @snum: the port, or 0 to pick one from ip_local_port_range
 *
 * Return: 0, -EADDRINUSE when the port is taken (or no ephemeral port is
 * free), or -ENOMEM.
 */
int etp_get_port(struct sock *sk, unsigned short snum)
{
	struct etp_net *en = etp_sk_pernet(sk);
	struct etp_bind_bucket *spare;
	int low, high, range, i, err;
	u32 offset;

	if (WARN_ON_ONCE(inet_sk(sk)->inet_num))
		return -EINVAL;
	spare = kmalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;

	if (snum) {
		err = etp_try_port(en, sk, snum, &spare);
		goto out;
	}

	inet_sk_get_local_port_range(sk, &low, &high);
	range = high - low + 1;
	offset = get_random_u32_below(range);
	err = -EADDRINUSE;
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;

		if (inet_is_local_reserved_port(sock_net(sk), port) ||
		    !etp_port_unused(en, port))
			continue;
		err = etp_try_port(en, sk, port, &spare);
		if (!err)
			break;
		cond_resched();
	}
out:
	kfree(spare);
	return err;
}

/**
 * etp_put_port() - release a socket's local port (proto->put_port)
 * @sk: the socket; nothing happens if it holds no port
 */
void etp_put_port(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);
	u16 port = inet_sk(sk)->inet_num;
	struct etp_bind_slot *slot;
	struct etp_bind_bucket *b;

	if (!port)
		return;
	slot = etp_bind_slot(en, port);
	spin_lock_bh(&slot->lock);
	__sk_del_bind_node(sk);
	inet_sk(sk)->inet_num = 0;
	b = etp_bucket_find(slot, port);
	if (b && hlist_empty(&b->owners)) {
		hlist_del(&b->node);
		kfree(b);
	}
	spin_unlock_bh(&slot->lock);
}

/**
 * etp_port_init() - allocate a namespace's bind table
 * @en: the namespace's ETP state
 *
 * Return: 0 or -ENOMEM.
 */
int etp_port_init(struct etp_net *en)
{
	int i;

	en->bind = kvmalloc_array(ETP_BIND_SLOTS, sizeof(*en->bind), GFP_KERNEL);
	if (!en->bind)
		return -ENOMEM;
	for (i = 0; i < ETP_BIND_SLOTS; i++) {
		spin_lock_init(&en->bind[i].lock);
		INIT_HLIST_HEAD(&en->bind[i].chain);
	}
	return 0;
}

/**
 * etp_port_exit() - free a namespace's bind table, empty by now
 * @en: the namespace's ETP state
 */
void etp_port_exit(struct etp_net *en)
{
	int i;

	for (i = 0; i < ETP_BIND_SLOTS; i++)
		WARN_ON_ONCE(!hlist_empty(&en->bind[i].chain));
	kvfree(en->bind);
}
