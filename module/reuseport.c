// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT, as TCP's: sockets of one user that all set it before bind()
 * may hold the same address and port; those that listen form a group (the
 * kernel's struct sock_reuseport), and each SYN goes to one member, chosen
 * by a hash of its 4-tuple (or by a reuseport program attached to the
 * group), so that every member's accept queue takes a share of the
 * connections, and a member that closes leaves the others the port.
 *
 * The bind table (port.c) asks etp_reuseport_shares() whether two sockets
 * may share a port. The listener table (lookup.c) calls
 * etp_reuseport_join() and etp_reuseport_leave() as a listener is hashed
 * and unhashed, with the slot's lock held (the kernel's reuseport_lock is
 * taken inside it, as inside TCP's listener slot locks), and
 * etp_reuseport_select() under RCU when a SYN finds a member.
 */
#include <net/sock_reuseport.h>

#include "etp.h"

/**
 * etp_reuseport_shares() - may two sockets hold one port by SO_REUSEPORT?
 * @sk: the socket that binds or listens
 * @sk2: one already holding the port
 *
 * Return: true if both set SO_REUSEPORT and belong to the same user.
 */
bool etp_reuseport_shares(const struct sock *sk, const struct sock *sk2)
{
	return sk->sk_reuseport && sk2->sk_reuseport &&
	       uid_eq(sk->sk_uid, sk2->sk_uid);
}

/*
 * Would @sk2, a listener, be in @sk's group: same port, address, device,
 * user? One that set SO_REUSEPORT only after listen() has no group yet:
 * reuseport_add_sock() makes it one.
 */
static bool etp_reuseport_peer(const struct sock *sk, const struct sock *sk2)
{
	return sk2 != sk && etp_reuseport_shares(sk, sk2) &&
	       inet_sk(sk2)->inet_num == inet_sk(sk)->inet_num &&
	       sk2->sk_rcv_saddr == sk->sk_rcv_saddr &&
	       sk2->sk_bound_dev_if == sk->sk_bound_dev_if;
}

/**
 * etp_reuseport_join() - put a new listener in its port's group
 * @sk: the listener, about to be hashed, with SO_REUSEPORT or not
 * @chain: its listener slot's chain, whose lock is held
 *
 * A listener joins the group of one it matches, or starts one.
 *
 * Return: 0, or an error (-ENOMEM) for listen() to return.
 */
int etp_reuseport_join(struct sock *sk, struct hlist_nulls_head *chain)
{
	struct hlist_nulls_node *node;
	struct sock *sk2;

	if (!sk->sk_reuseport)
		return 0;
	sk_nulls_for_each(sk2, node, chain)
		if (etp_reuseport_peer(sk, sk2))
			return reuseport_add_sock(sk, sk2, !sk->sk_rcv_saddr);
	return reuseport_alloc(sk, !sk->sk_rcv_saddr);
}

/**
 * etp_reuseport_leave() - take a listener out of its group, if it is in one
 * @sk: the listener, being unhashed, its slot's lock held
 */
void etp_reuseport_leave(struct sock *sk)
{
	if (rcu_access_pointer(sk->sk_reuseport_cb))
		reuseport_detach_sock(sk);
}

/**
 * etp_reuseport_select() - which member of @sk's group takes a SYN
 * @sk: the listener the lookup found
 * @skb: the SYN, its header at skb->data
 * @doff: its header's length
 * @laddr: its destination address
 * @lport: its destination port
 * @raddr: its source address
 * @rport: its source port
 *
 * Called under RCU.
 *
 * Return: the member chosen, or @sk if it is in no group.
 */
struct sock *etp_reuseport_select(struct sock *sk, struct sk_buff *skb,
				  int doff, __be32 laddr, __be16 lport,
				  __be32 raddr, __be16 rport)
{
	struct sock *sel;

	if (!rcu_access_pointer(sk->sk_reuseport_cb))
		return sk;
	sel = reuseport_select_sock(sk, etp_hash_tuple(laddr, lport, raddr, rport),
				    skb, doff);
	return sel ? : sk;
}
