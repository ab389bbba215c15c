// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME_WAIT table (RFC 9293 3.6.1, RFC 1337).
 *
 * The active closer's socket is freed as it enters TIME_WAIT; a small entry
 * (struct etp_tw, slab etp_tw, 64 bytes) takes its place for 2 * msl_ms
 * (or the length the lab's time_wait=N chose):
 * it holds the 4-tuple (so a new connection cannot reuse it while old
 * segments may still arrive), holds the local port in the bind table, and
 * answers the peer: a retransmitted FIN is ACKed again and restarts the wait,
 * a RST is ignored (RFC 1337; under the lab's rfc1337=off one at RCV.NXT
 * ends the entry, as Linux TCP's default), a SYN with a higher sequence number than the
 * old connection used, or a newer timestamp (RFC 6191), reopens the 4-tuple,
 * anything else gets the last ACK again (a pure ACK in order is simply
 * dropped, so that two TIME_WAIT ends cannot ACK each other forever). With
 * timestamps the entry keeps the peer's last TSval: segments with an older
 * one are old duplicates (PAWS, RFC 7323 5; PAWSTimewait), its ACKs carry
 * the connection's clock, and connect() may take the 4-tuple over
 * (etp_tw_reuse(), as TCP's tcp_twsk_unique()).
 *
 * Each namespace keeps its entries in an rhashtable (looked up under RCU
 * from softirq) and on a death row ordered by expiry; one timer fires for
 * the first entry on the death row, so expiry never scans the table. The
 * rhashtable grows with the entries (and shrinks as they go), so a lookup
 * walks a chain of about one entry at 1,000 entries or at 1,000,000; its
 * buckets have locks of their own. The table's spinlock (bh) guards the
 * death row, the count and each entry's fields and dead flag, and is taken
 * around the hash's inserts and removals too, so that an entry is in the
 * hash exactly while it is on the death row. Entries are freed after an RCU
 * grace period, those that left together ETP_TW_FREE_BATCH to an RCU
 * callback (struct etp_tw_batch); module unload waits with rcu_barrier().
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "etp.h"
#include "trace.h"

/* Entries expired in one run of the timer, to bound its time in softirq. */
#define ETP_TW_BATCH	1024
/*
 * Entries freed by one RCU callback: a call_rcu() per 64 instead of one
 * each, and a callback short enough for PREEMPT_RT's callback threads.
 */
#define ETP_TW_FREE_BATCH	64

static struct kmem_cache *etp_tw_cachep;

static const struct rhashtable_params etp_tw_params = {
	.head_offset		= offsetof(struct etp_tw, node),
	.key_offset		= offsetof(struct etp_tw, key),
	.key_len		= sizeof(struct etp_tw_key),
	.min_size		= 256,
	/* Above max_tw_entries' ceiling (16M): the sysctl is the limit. */
	.max_size		= 1U << 24,
	.automatic_shrinking	= true,
};

/*
 * Entries that left the table together, freed by one RCU callback: they
 * stay linked by their death nodes, which no reader follows once they are
 * out of the table, so the entry needs no pointer of its own for it.
 */
struct etp_tw_batch {
	struct rcu_head rcu;
	struct list_head entries;
};

static void etp_tw_free_batch_rcu(struct rcu_head *head)
{
	struct etp_tw_batch *b = container_of(head, struct etp_tw_batch, rcu);
	struct etp_tw *tw, *next;

	list_for_each_entry_safe(tw, next, &b->entries, death)
		kmem_cache_free(etp_tw_cachep, tw);
	kfree(b);
}

/* One entry alone, when no batch could be allocated. */
static void etp_tw_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(etp_tw_cachep, container_of(head, struct etp_tw, rcu));
}

static struct etp_tw_table *etp_tw_table(struct net *net)
{
	return &etp_pernet(net)->tw;
}

/* 2 * msl_ms, or the length a socket chose (the lab's time_wait=N). */
static u32 etp_tw_lifetime(struct net *net, const struct etp_tw *tw)
{
	if (unlikely(tw->lifetime_ms))
		return msecs_to_jiffies(tw->lifetime_ms);
	return 2 * msecs_to_jiffies(READ_ONCE(etp_pernet(net)->sysctl.msl_ms));
}

/*
 * Put @tw on the death row in expiry order; the table's lock is held. With
 * one lifetime every new entry goes last, found at once from the end. Once
 * msl_ms is lowered, new entries expire before the old ones: they are placed
 * from the front, past only the entries that expire before them (about one
 * new lifetime's worth), not past every old one.
 */
static void etp_tw_schedule(struct etp_tw_table *t, struct etp_tw *tw)
{
	struct etp_tw *pos, *first, *last;

	lockdep_assert_held(&t->lock);
	first = list_first_entry_or_null(&t->death_row, struct etp_tw, death);
	last = list_last_entry(&t->death_row, struct etp_tw, death);
	if (!first || !time_after32(last->expires, tw->expires)) {
		list_add_tail(&tw->death, &t->death_row);
	} else if ((s32)(tw->expires - first->expires) <
		   (s32)(last->expires - tw->expires)) {
		list_for_each_entry(pos, &t->death_row, death)
			if (time_after32(pos->expires, tw->expires))
				break;
		list_add_tail(&tw->death, &pos->death);
	} else {
		list_for_each_entry_reverse(pos, &t->death_row, death)
			if (!time_after32(pos->expires, tw->expires))
				break;
		list_add(&tw->death, &pos->death);
	}
	if (list_first_entry(&t->death_row, struct etp_tw, death) == tw &&
	    !t->dying)
		mod_timer(&t->timer, jiffies + (s32)(tw->expires - (u32)jiffies));
}

/* Take @tw out of the table; its lock is held. The caller releases it. */
static void etp_tw_unlink(struct etp_tw_table *t, struct etp_tw *tw)
{
	lockdep_assert_held(&t->lock);
	WARN_ON_ONCE(rhashtable_remove_fast(&t->hash, &tw->node, etp_tw_params));
	list_del(&tw->death);
	WRITE_ONCE(tw->flags, tw->flags | ETP_TW_DEAD);
	t->count--;
}

/*
 * Finish the entries on @list, taken out of the table: ports, gauge, and
 * their memory after a grace period, ETP_TW_FREE_BATCH to an RCU callback
 * (struct etp_tw_batch), or one each without memory for a batch: an
 * entry's rcu overlays its death node, so it leaves @list first.
 */
static void etp_tw_release(struct net *net, struct list_head *list)
{
	struct etp_tw_batch *b = NULL;
	struct etp_tw *tw, *next;
	int n = 0, in_b = 0;
	bool nomem = false;

	list_for_each_entry_safe(tw, next, list, death) {
		etp_port_tw_put(net, ntohs(tw->lport));
		n++;
		if (!b && !nomem) {
			b = kmalloc(sizeof(*b), GFP_ATOMIC | __GFP_NOWARN);
			if (b)
				INIT_LIST_HEAD(&b->entries);
			nomem = !b;	/* no retry for every entry */
		}
		if (!b) {
			list_del(&tw->death);
			call_rcu(&tw->rcu, etp_tw_free_rcu);
			continue;
		}
		list_move_tail(&tw->death, &b->entries);
		if (++in_b == ETP_TW_FREE_BATCH) {
			call_rcu(&b->rcu, etp_tw_free_batch_rcu);
			b = NULL;
			in_b = 0;
		}
	}
	if (b)
		call_rcu(&b->rcu, etp_tw_free_batch_rcu);
	INIT_LIST_HEAD(list);
	ETP_ADD_STATS(net, CurrTimeWait, -n);
}

/**
 * etp_time_wait() - a connection enters TIME_WAIT: hand it to the table
 * @sk: the socket, locked, just moved to TIME_WAIT by the state machine
 *
 * The socket is left in CLOSE, its TIME_WAIT gauge given to the entry, for
 * the caller to finish with etp_done(). Past max_tw_entries, or without
 * memory, it closes without TIME_WAIT (TimeWaitOverflow).
 */
void etp_time_wait(struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct etp_tw_table *t = etp_tw_table(net);
	struct etp_sock *ep = etp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	struct etp_tw *tw = NULL;
	int err;

	sock_owned_by_me(sk);
	if (READ_ONCE(t->count) < READ_ONCE(etp_pernet(net)->sysctl.max_tw_entries))
		tw = kmem_cache_alloc(etp_tw_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!tw)
		goto overflow;
	tw->laddr = inet->inet_rcv_saddr;
	tw->raddr = inet->inet_daddr;
	tw->lport = inet->inet_sport;
	tw->rport = inet->inet_dport;
	tw->snd_nxt = ep->snd_max;
	tw->rcv_nxt = ep->rcv_nxt;
	tw->window = min_t(u32, ep->rcv_wnd >> ep->rcv_wscale, 65535);
	tw->variant = ep->variant;
	tw->lifetime_ms = ep->variant & ETP_V_TW_LEN ? ep->tw_ms : 0;
	/* A stamp of 0 says: no timestamps (PAWS and reuse need them). */
	tw->ts_recent = ep->ts_recent;
	tw->ts_recent_stamp = ep->tstamp_ok ? max(ep->ts_recent_stamp, 1U) : 0;
	tw->expires = (u32)jiffies + etp_tw_lifetime(net, tw);
	/* The connection's choice of offset holds for its last segments. */
	tw->flags = ep->tstamp_ok && !ep->ts_off ? ETP_TW_TS_NOOFF : 0;
	/* Outside the table's lock, as its put: no bind slot lock nests in it. */
	etp_port_tw_hold(net, inet->inet_num);

	spin_lock_bh(&t->lock);
	/* Fails without memory for a bigger table, or past its max_size. */
	err = rhashtable_lookup_insert_fast(&t->hash, &tw->node, etp_tw_params);
	if (err) {
		spin_unlock_bh(&t->lock);
		etp_port_tw_put(net, inet->inet_num);
		kmem_cache_free(etp_tw_cachep, tw);
		goto overflow;
	}
	etp_tw_schedule(t, tw);
	t->count++;
	/* Under the lock: the timer cannot free the entry yet. */
	trace_etp_tw_enter(net, tw, sk, jiffies_to_msecs(etp_tw_lifetime(net, tw)));
	spin_unlock_bh(&t->lock);
	ETP_INC_STATS(net, TimeWaitEntered);
	goto done;
overflow:
	ETP_INC_STATS(net, TimeWaitOverflow);
	etp_state_account(net, sk, inet->inet_saddr, inet->inet_daddr,
			  inet->inet_sport, inet->inet_dport, TCP_TIME_WAIT,
			  TCP_CLOSE, ETP_EV_DROP, ep->variant);
done:
	/* The gauge of TIME_WAIT went to the entry (or was given back). */
	etp_set_state_raw(sk, TCP_CLOSE);
}

/**
 * etp_tw_lookup() - find the TIME_WAIT entry of a 4-tuple (under RCU)
 * @net: the namespace
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the entry, valid until the RCU read section ends, or NULL.
 */
struct etp_tw *etp_tw_lookup(struct net *net, __be32 laddr, __be16 lport,
			     __be32 raddr, __be16 rport)
{
	struct etp_tw_key key = {
		.laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport,
	};

	return rhashtable_lookup(&etp_pernet(net)->tw.hash, &key, etp_tw_params);
}

/**
 * etp_tw_slots() - how many buckets /proc/net/etp walks in the TIME_WAIT hash
 * @en: the namespace's ETP state
 *
 * Those of the table and, while it is being resized, of the tables that
 * follow it: an entry is in one of them.
 *
 * Return: the number of buckets, for etp_tw_show().
 */
unsigned int etp_tw_slots(struct etp_net *en)
{
	struct rhashtable *ht = &en->tw.hash;
	const struct bucket_table *tbl;
	unsigned int n = 0;

	rcu_read_lock();
	for (tbl = rht_dereference_rcu(ht->tbl, ht); tbl;
	     tbl = rht_dereference_rcu(tbl->future_tbl, ht))
		n += tbl->size;
	rcu_read_unlock();
	return n;
}

/**
 * etp_tw_show() - show one TIME_WAIT entry, by bucket and place in its chain
 * @en: the namespace's ETP state
 * @slot: the bucket, below etp_tw_slots()
 * @offset: the entry's place in the bucket's chain
 * @show: called with the entry, under RCU
 * @arg: for @show
 *
 * Lockless: an entry that expires meanwhile may still be shown, and a walk
 * that overlaps a resize of the table may miss or repeat entries, as
 * /proc/net/tcp may when connections come and go during a read.
 *
 * Return: false if there is no such entry.
 */
bool etp_tw_show(struct etp_net *en, unsigned int slot, unsigned int offset,
		 void (*show)(void *arg, const struct etp_tw *tw), void *arg)
{
	struct rhashtable *ht = &en->tw.hash;
	const struct bucket_table *tbl;
	struct rhash_head *pos;
	struct etp_tw *tw;
	bool found = false;

	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->tbl, ht);
	while (tbl && slot >= tbl->size) {
		slot -= tbl->size;
		tbl = rht_dereference_rcu(tbl->future_tbl, ht);
	}
	if (!tbl)
		goto out;
	rht_for_each_entry_rcu(tw, pos, tbl, slot, node)
		if (!(READ_ONCE(tw->flags) & ETP_TW_DEAD) && offset-- == 0) {
			show(arg, tw);
			found = true;
			break;
		}
out:
	rcu_read_unlock();
	return found;
}

/**
 * etp_tw_ack() - answer a segment with the TIME_WAIT entry's last ACK
 * @net: the namespace
 * @tw: the entry (under RCU)
 * @skb: the segment
 *
 * Return: false if the entry is gone.
 */
bool etp_tw_ack(struct net *net, struct etp_tw *tw, struct sk_buff *skb)
{
	struct etp_tw_table *t = etp_tw_table(net);
	struct etp_hdr_args h = { .flags = ETPHDR_ACK };
	__be32 laddr, raddr;

	spin_lock(&t->lock);
	if (tw->flags & ETP_TW_DEAD) {
		spin_unlock(&t->lock);
		return false;
	}
	laddr = tw->laddr;
	raddr = tw->raddr;
	h.sport = tw->lport;
	h.dport = tw->rport;
	h.seq = tw->snd_nxt;
	h.ack = tw->rcv_nxt;
	h.window = tw->window;
	if (tw->ts_recent_stamp) {
		/* The connection's clock goes on: its offset is the 4-tuple's. */
		h.opt = ETP_HOPT_TS;
		h.tsecr = tw->ts_recent;
	}
	spin_unlock(&t->lock);
	if (h.opt)
		h.tsval = etp_ts_now() +
			  (READ_ONCE(tw->flags) & ETP_TW_TS_NOOFF ? 0 :
			   etp_ts_off_hash(laddr, raddr, h.sport, h.dport));
	etp_send_ctl_hdr(net, laddr, raddr, &h, inet_iif(skb), NULL);
	return true;
}

/*
 * End @tw (under RCU) before its time: true if this call took it out of
 * the table (not the timer, nor another CPU), to etp_tw_release_one() then.
 */
static bool etp_tw_take(struct net *net, struct etp_tw *tw)
{
	struct etp_tw_table *t = etp_tw_table(net);
	bool unlinked = false;

	spin_lock(&t->lock);
	if (!(tw->flags & ETP_TW_DEAD)) {
		etp_tw_unlink(t, tw);
		unlinked = true;
	}
	spin_unlock(&t->lock);
	return unlinked;
}

static void etp_tw_release_one(struct net *net, struct etp_tw *tw)
{
	etp_port_tw_put(net, ntohs(tw->lport));
	call_rcu(&tw->rcu, etp_tw_free_rcu);
	ETP_ADD_STATS(net, CurrTimeWait, -1);
}

/**
 * etp_tw_recycle() - a new connection takes a TIME_WAIT entry's 4-tuple
 * @net: the namespace
 * @tw: the entry (under RCU), which a SYN reopens (ETP_TW_SYN)
 */
void etp_tw_recycle(struct net *net, struct etp_tw *tw)
{
	if (etp_tw_take(net, tw)) {
		trace_etp_tw_recycle(net, tw);
		ETP_INC_STATS(net, TimeWaitRecycled);
		etp_tw_release_one(net, tw);
	}
}

/**
 * etp_tw_reuse() - let connect() take a TIME_WAIT entry's 4-tuple over
 * @net: the namespace
 * @tw: the entry (under RCU) that holds the 4-tuple
 * @sk: the connecting socket, locked
 * @bound: whether the user bound the port (else an ephemeral port is tried)
 *
 * As TCP's tcp_twsk_unique(): only an entry with timestamps, whose PAWS
 * turns away the old connection's segments at the new one and whose peer
 * takes the new SYN for its newer TSval (RFC 6191); for an ephemeral port
 * only if tw_reuse allows it (2: loopback only) and a second has passed
 * since the entry's last timestamp. The socket takes the entry's TS.Recent
 * and an ISN above the old connection's (snd_nxt + 65535 + 2).
 *
 * Return: the entry, out of the table, for etp_tw_reused() once the socket
 * holds the 4-tuple; NULL if it stays.
 */
struct etp_tw *etp_tw_reuse(struct net *net, struct etp_tw *tw,
			    struct sock *sk, bool bound)
{
	int reuse = READ_ONCE(etp_pernet(net)->sysctl.reuse_tw);
	u32 stamp = READ_ONCE(tw->ts_recent_stamp);
	struct etp_sock *ep = etp_sk(sk);

	if (!stamp)
		return NULL;
	if (!bound) {
		if (reuse == 2 && !ipv4_is_loopback(tw->laddr) &&
		    !ipv4_is_loopback(tw->raddr))
			return NULL;
		if (!reuse || !time_after32((u32)ktime_get_seconds(), stamp))
			return NULL;
	}
	if (!etp_tw_take(net, tw))
		return NULL;
	ep->ts_recent = tw->ts_recent;
	ep->ts_recent_stamp = stamp;
	ep->iss = tw->snd_nxt + 65535 + 2 ? : 1;
	return tw;
}

/**
 * etp_tw_reused() - finish an entry that etp_tw_reuse() took over
 * @net: the namespace
 * @tw: the entry, out of the table (under RCU)
 */
void etp_tw_reused(struct net *net, struct etp_tw *tw)
{
	trace_etp_tw_recycle(net, tw);
	ETP_INC_STATS(net, TimeWaitRecycled);
	etp_tw_release_one(net, tw);
}

/* rfc1337=off: a RST ends @tw (under RCU) before its time. */
static void etp_tw_kill(struct net *net, struct etp_tw *tw)
{
	if (etp_tw_take(net, tw)) {
		/* etp_tw_release_one() takes the gauge down. */
		trace_etp_state_change(net, tw, tw->laddr, tw->raddr, tw->lport,
				       tw->rport, TCP_TIME_WAIT, TCP_CLOSE,
				       ETP_EV_RCV_RST, tw->variant);
		ETP_INC_STATS(net, TimeWaitKilled);
		etp_tw_release_one(net, tw);
	}
}

/**
 * etp_tw_rcv() - a segment for a TIME_WAIT entry (softirq, under RCU)
 * @net: the namespace
 * @tw: the entry, from etp_tw_lookup()
 * @skb: the segment, ETP_SKB_CB filled
 *
 * Return: ETP_TW_DONE if the segment was handled here (the caller frees
 * it); ETP_TW_SYN if it is a SYN that may reopen the 4-tuple, or the entry
 * is gone: the caller gives it to a listener and then recycles the entry
 * (etp_tw_recycle()), or, with no listener, answers with etp_tw_ack().
 */
enum etp_tw_verdict etp_tw_rcv(struct net *net, struct etp_tw *tw,
			       struct sk_buff *skb)
{
	struct etp_tw_table *t = etp_tw_table(net);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	bool ts = cb->rx_opts & ETP_RXO_TS, paws_reject = false;
	u32 stamp = READ_ONCE(tw->ts_recent_stamp);

	/* RFC 7323 5: an old TSval is an old duplicate (tcp_paws_reject()). */
	if (ts && stamp)
		paws_reject = etp_paws_reject(READ_ONCE(tw->ts_recent), stamp,
					      cb->tsval, cb->flags & ETPHDR_RST);
	if (cb->flags & ETPHDR_RST) {
		/*
		 * RFC 1337: a RST must not cut TIME_WAIT short. The lab's
		 * rfc1337=off is Linux's default (tcp_rfc1337=0): one at
		 * RCV.NXT ends the entry, TIME_WAIT assassination.
		 */
		if (unlikely(tw->variant & ETP_V_NO1337) && cb->seq == tw->rcv_nxt &&
		    !paws_reject)
			etp_tw_kill(net, tw);
		else
			ETP_INC_STATS(net, TimeWaitRstIgnored);
		return ETP_TW_DONE;
	}
	spin_lock(&t->lock);
	if (tw->flags & ETP_TW_DEAD) {
		spin_unlock(&t->lock);
		return ETP_TW_SYN;
	}
	if ((cb->flags & (ETPHDR_SYN | ETPHDR_ACK)) == ETPHDR_SYN && !paws_reject &&
	    (etp_after(cb->seq, tw->rcv_nxt) ||
	     (ts && stamp && (s32)(tw->ts_recent - cb->tsval) < 0))) {
		/*
		 * A new incarnation (RFC 9293 3.6.1), if a listener wants it,
		 * starting above anything the old one sent (TCP: snd_nxt +
		 * 65535 + 2), so that old duplicates fall outside its window;
		 * with timestamps, a newer TSval tells a new SYN from an old
		 * one whatever its sequence number (RFC 6191).
		 */
		cb->tw_isn = tw->snd_nxt + 65535 + 2 ? : 1;
		spin_unlock(&t->lock);
		return ETP_TW_SYN;
	}
	if (paws_reject) {
		ETP_INC_STATS(net, PAWSTimewait);
	} else if ((cb->flags & ETPHDR_FIN) && cb->end_seq == tw->rcv_nxt) {
		/* The peer's FIN again: our last ACK was lost. Wait anew. */
		list_del(&tw->death);
		tw->expires = (u32)jiffies + etp_tw_lifetime(net, tw);
		etp_tw_schedule(t, tw);
		if (ts && stamp) {
			WRITE_ONCE(tw->ts_recent, cb->tsval);
			WRITE_ONCE(tw->ts_recent_stamp, max_t(u32, ktime_get_seconds(), 1));
		}
		ETP_INC_STATS(net, TimeWaitFinReAcked);
	} else if (!(cb->flags & (ETPHDR_SYN | ETPHDR_FIN)) &&
		   cb->seq == tw->rcv_nxt && cb->end_seq == cb->seq) {
		/* A pure ACK in order: nothing to say; its TSval is kept. */
		if (ts && stamp) {
			WRITE_ONCE(tw->ts_recent, cb->tsval);
			WRITE_ONCE(tw->ts_recent_stamp, max_t(u32, ktime_get_seconds(), 1));
		}
		spin_unlock(&t->lock);
		return ETP_TW_DONE;
	}
	spin_unlock(&t->lock);
	etp_tw_ack(net, tw, skb);
	return ETP_TW_DONE;
}

static void etp_tw_timer_fn(struct timer_list *timer)
{
	struct etp_tw_table *t = from_timer(t, timer, timer);
	struct etp_net *en = container_of(t, struct etp_net, tw);
	struct etp_tw *tw, *next;
	LIST_HEAD(expired);
	int n = 0;

	spin_lock(&t->lock);
	list_for_each_entry_safe(tw, next, &t->death_row, death) {
		if (time_after32(tw->expires, (u32)jiffies))
			break;
		if (++n > ETP_TW_BATCH) {
			mod_timer(&t->timer, jiffies + 1);
			break;
		}
		WARN_ON_ONCE(rhashtable_remove_fast(&t->hash, &tw->node,
						    etp_tw_params));
		WRITE_ONCE(tw->flags, tw->flags | ETP_TW_DEAD);
		list_move_tail(&tw->death, &expired);
		t->count--;
	}
	tw = list_first_entry_or_null(&t->death_row, struct etp_tw, death);
	if (tw && n <= ETP_TW_BATCH && !t->dying)
		mod_timer(&t->timer, jiffies + (s32)(tw->expires - (u32)jiffies));
	spin_unlock(&t->lock);

	if (trace_etp_tw_expire_enabled())
		list_for_each_entry(tw, &expired, death)
			trace_etp_tw_expire(en->net, tw);
	ETP_ADD_STATS(en->net, TimeWaitExpired, min(n, ETP_TW_BATCH));
	etp_tw_release(en->net, &expired);
}

/**
 * etp_tw_init_net() - set up a namespace's TIME_WAIT table
 * @en: the namespace's ETP state
 *
 * Return: 0 or a negative errno.
 */
int etp_tw_init_net(struct etp_net *en)
{
	struct etp_tw_table *t = &en->tw;
	int err;

	err = rhashtable_init(&t->hash, &etp_tw_params);
	if (err)
		return err;
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->death_row);
	timer_setup(&t->timer, etp_tw_timer_fn, 0);
	t->count = 0;
	t->dying = false;
	return 0;
}

/**
 * etp_tw_exit_net() - empty and free a dying namespace's TIME_WAIT table
 * @en: the namespace's ETP state
 */
void etp_tw_exit_net(struct etp_net *en)
{
	struct etp_tw_table *t = &en->tw;
	struct etp_tw *tw, *next;
	LIST_HEAD(all);

	spin_lock_bh(&t->lock);
	t->dying = true;
	spin_unlock_bh(&t->lock);
	del_timer_sync(&t->timer);

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(tw, next, &t->death_row, death) {
		WARN_ON_ONCE(rhashtable_remove_fast(&t->hash, &tw->node,
						    etp_tw_params));
		WRITE_ONCE(tw->flags, tw->flags | ETP_TW_DEAD);
		list_move_tail(&tw->death, &all);
		t->count--;
	}
	spin_unlock_bh(&t->lock);
	etp_tw_release(en->net, &all);
	/*
	 * No reader is left: the namespace's exit runs after an RCU grace
	 * period, with no device. This also stops the resize worker.
	 */
	rhashtable_destroy(&t->hash);
}

/**
 * etp_tw_cache_init() - create the etp_tw cache
 *
 * Return: 0 or -ENOMEM.
 */
int etp_tw_cache_init(void)
{
	/* Lock debugging makes timers and RCU heads bigger. */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_LOCKDEP) &&
		     sizeof(struct etp_tw) > 64);
	BUILD_BUG_ON(sizeof(struct etp_tw_batch) > 64);
	/* The key is hashed as 32-bit words (jhash2): no padding in it. */
	BUILD_BUG_ON(sizeof(struct etp_tw_key) != 12);
	etp_tw_cachep = etp_cache_create("etp_tw", struct etp_tw, lport);
	return etp_tw_cachep ? 0 : -ENOMEM;
}

/**
 * etp_tw_cache_exit() - destroy the etp_tw cache, after rcu_barrier()
 */
void etp_tw_cache_exit(void)
{
	kmem_cache_destroy(etp_tw_cachep);
}

#include "tests/timewait_test.c"
