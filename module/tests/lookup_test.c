// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the lookups' walks (lookup.c) on a table of two slots and
 * two sockets made for the test: a reader that is at a socket when it moves
 * to the other slot follows it into that slot's chain, and its walk must
 * end in "again", not in "no such socket" (which answers a segment of a
 * live connection with an RST). The interleaving, which a VM test did not produce
 * in 20,000 connects while a listener moved between two slots, is made
 * here by hand: the walk goes on from the socket the reader had reached,
 * after it moved. Included by lookup.c.
 */
#include "selftest.h"

static struct sock *__init etp_test_sock(__be32 addr, u16 lport, u16 rport)
{
	struct sock *sk = kzalloc(sizeof(struct etp_sock), GFP_KERNEL);

	if (sk) {
		refcount_set(&sk->sk_refcnt, 1);
		sk->sk_rcv_saddr = addr;
		sk->sk_daddr = addr;
		sk->sk_dport = htons(rport);
		inet_sk(sk)->inet_sport = htons(lport);
		inet_sk(sk)->inet_num = lport;
	}
	return sk;
}

static struct hlist_nulls_node *__init etp_test_first(struct etp_nslot *slot)
{
	return rcu_dereference_raw(hlist_nulls_first_rcu(&slot->chain));
}

static void __init etp_test_unlink(struct hlist_nulls_node *n)
{
	if (!hlist_nulls_unhashed(n))
		hlist_nulls_del_init_rcu(n);
}

/* @m moves from slot 0 to slot 1, @t stays in slot 0; caller holds RCU. */
static int __init etp_lookup_checks(struct etp_nslot *s, struct sock *m,
				    struct sock *t, __be32 lo)
{
	struct hlist_nulls_node *at;
	int checks = 0;

	/* ehash: slot 0 holds the mover, then the target. */
	hlist_nulls_add_head_rcu(&etp_sk(t)->ehash_node, &s[0].chain);
	hlist_nulls_add_head_rcu(&etp_sk(m)->ehash_node, &s[0].chain);
	at = etp_test_first(&s[0]);
	ETP_CHECK(etp_ehash_walk(at, 0, lo, htons(5001), lo, htons(6001)) == t);
	refcount_dec(&t->sk_refcnt);
	/* A walk that ends on its own slot's marker: no such socket. */
	ETP_CHECK(!etp_ehash_walk(at, 0, lo, htons(5002), lo, htons(6001)));
	/* A socket on its way to be freed is not found. */
	refcount_set(&t->sk_refcnt, 0);
	ETP_CHECK(!etp_ehash_walk(at, 0, lo, htons(5001), lo, htons(6001)));
	refcount_set(&t->sk_refcnt, 1);

	/* The reader is at the mover when it moves to slot 1... */
	hlist_nulls_del_init_rcu(&etp_sk(m)->ehash_node);
	hlist_nulls_add_head_rcu(&etp_sk(m)->ehash_node, &s[1].chain);
	ETP_CHECK(etp_ehash_walk(at, 0, lo, htons(5001), lo, htons(6001)) ==
		  ETP_WALK_AGAIN);
	/* ...and finds the target from its slot's head again. */
	ETP_CHECK(etp_ehash_walk(etp_test_first(&s[0]), 0, lo, htons(5001),
				 lo, htons(6001)) == t);
	refcount_dec(&t->sk_refcnt);
	ETP_CHECK(etp_ehash_walk(etp_test_first(&s[1]), 1, lo, htons(5000),
				 lo, htons(6000)) == m);
	refcount_dec(&m->sk_refcnt);
	etp_test_unlink(&etp_sk(m)->ehash_node);
	etp_test_unlink(&etp_sk(t)->ehash_node);

	/* The listeners' walk: the same, the mover listening on port 5000. */
	hlist_nulls_add_head_rcu(&t->sk_nulls_node, &s[0].chain);
	hlist_nulls_add_head_rcu(&m->sk_nulls_node, &s[0].chain);
	at = etp_test_first(&s[0]);
	ETP_CHECK(etp_listener_walk(at, 0, 5001, lo, 0, 0) == t);
	ETP_CHECK(!etp_listener_walk(at, 0, 5002, lo, 0, 0));
	hlist_nulls_del_init_rcu(&m->sk_nulls_node);
	hlist_nulls_add_head_rcu(&m->sk_nulls_node, &s[1].chain);
	ETP_CHECK(etp_listener_walk(at, 0, 5001, lo, 0, 0) == ETP_WALK_AGAIN);
	ETP_CHECK(etp_listener_walk(etp_test_first(&s[0]), 0, 5001, lo, 0, 0) == t);
	ETP_CHECK(etp_listener_walk(etp_test_first(&s[1]), 1, 5000, lo, 0, 0) == m);
	return checks;
}

int __init etp_lookup_selftest(void)
{
	struct etp_nslot *s = etp_nslots_alloc(2);
	__be32 lo = htonl(INADDR_LOOPBACK);
	struct sock *m = etp_test_sock(lo, 5000, 6000);
	struct sock *t = etp_test_sock(lo, 5001, 6001);
	int ret = -ENOMEM;

	if (s && m && t) {
		rcu_read_lock();
		ret = etp_lookup_checks(s, m, t, lo);
		rcu_read_unlock();
		etp_test_unlink(&etp_sk(m)->ehash_node);
		etp_test_unlink(&etp_sk(t)->ehash_node);
		etp_test_unlink(&m->sk_nulls_node);
		etp_test_unlink(&t->sk_nulls_node);
	}
	kfree(m);
	kfree(t);
	etp_nslots_free(s, 2);
	return ret;
}
