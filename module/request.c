// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners: half-open entries, children, the accept queue.
 *
 * A SYN to a listener makes a half-open entry (struct etp_req, slab etp_req):
 * the few fields the handshake needs, not a socket. The entry answers with a
 * SYN-ACK, sends it again with exponential backoff from rto_initial_ms up to
 * synack_retries times, and lives in the namespace's reqhash. The final ACK
 * turns it into a full socket, a clone of the listener, which goes on the
 * listener's accept queue.
 *
 * Locking and lifetime: segments for a listener are processed with the
 * listener locked (bh lock, or its backlog); so are entry creation and
 * completion. reqhash slots are locked for writers and read under RCU. An
 * entry holds a reference on its listener; the table and a pending timer each
 * hold a reference on the entry, and it is freed after an RCU grace period
 * once the last one is gone. Module unload waits for those (rcu_barrier()).
 */
#include <linux/icmp.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "etp.h"
#include "trace.h"

static struct kmem_cache *etp_req_cachep;

static void etp_req_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(etp_req_cachep, container_of(head, struct etp_req, rcu));
}

static void etp_req_put(struct etp_req *req)
{
	if (refcount_dec_and_test(&req->refcnt)) {
		sock_put(req->listener);
		call_rcu(&req->rcu, etp_req_free_rcu);
	}
}

/*
 * Take @req out of the table. Return true if this call did it (the caller
 * then owns the table's reference and settles the SYN_RECV gauge).
 * @from_timer: the entry's own timer handler calls, which cannot wait for
 * itself (and drops the timer's reference on its way out).
 */
static bool etp_req_unlink(struct etp_req *req, bool from_timer)
{
	struct net *net = sock_net(req->listener);
	struct etp_hslot *slot = etp_reqhash_slot(etp_pernet(net), req->laddr,
						  req->lport, req->raddr,
						  req->rport);
	bool unlinked = false;

	spin_lock_bh(&slot->lock);
	if (!hlist_unhashed(&req->node)) {
		hlist_del_init_rcu(&req->node);
		unlinked = true;
	}
	spin_unlock_bh(&slot->lock);
	if (unlinked) {
		atomic_dec(&etp_sk(req->listener)->req_count);
		/*
		 * As __inet_csk_reqsk_queue_drop(): a handler running on
		 * another CPU may have seen the entry still hashed and be
		 * re-arming; wait for it, then delete what it armed.
		 */
		if (!from_timer && del_timer_sync(&req->timer))
			etp_req_put(req);
	}
	return unlinked;
}

/* A half-open entry's state changes: it has no socket to show it. */
static void etp_req_account(const struct etp_req *req, int oldstate,
			    int newstate, enum etp_event ev)
{
	etp_state_account(sock_net(req->listener), req, req->laddr, req->raddr,
			  req->lport, req->rport, oldstate, newstate, ev,
			  READ_ONCE(etp_sk(req->listener)->variant));
}

/* Drop a half-open entry that will not become a socket, because of @ev. */
static void etp_req_drop(struct etp_req *req, enum etp_event ev)
{
	/* Only the entry's own timer times it out. */
	if (!etp_req_unlink(req, ev == ETP_EV_TIMEOUT))
		return;
	etp_req_account(req, TCP_SYN_RECV, TCP_CLOSE, ev);
	etp_req_put(req);
}

static struct etp_req *etp_req_lookup(struct net *net, __be32 laddr,
				      __be16 lport, __be32 raddr, __be16 rport)
{
	struct etp_hslot *slot = etp_reqhash_slot(etp_pernet(net), laddr, lport,
						  raddr, rport);
	struct etp_req *req;

	rcu_read_lock();
	hlist_for_each_entry_rcu(req, &slot->chain, node) {
		if (req->laddr == laddr && req->lport == lport &&
		    req->raddr == raddr && req->rport == rport &&
		    refcount_inc_not_zero(&req->refcnt)) {
			rcu_read_unlock();
			return req;
		}
	}
	rcu_read_unlock();
	return NULL;
}

static unsigned long etp_req_timeout(const struct etp_req *req)
{
	unsigned long rto = etp_rto_initial(req->listener);

	return min_t(unsigned long, rto << min_t(u8, req->retrans, 10),
		     etp_rto_max(req->listener));
}

/*
 * The SYN-ACK was not answered: send it again, or give up. With
 * TCP_DEFER_ACCEPT, as TCP's syn_ack_recalc(): an entry whose bare ACK came
 * waits for data, silent, for defer_accept timeouts, sends its SYN-ACK once
 * more at the last (the peer's ACK to it then makes the connection); one
 * never answered goes after synack_retries, as any other.
 */
static void etp_req_timer_fn(struct timer_list *t)
{
	struct etp_req *req = from_timer(req, t, timer);
	struct etp_net *en = etp_sk_pernet(req->listener);
	u8 defer = READ_ONCE(etp_sk(req->listener)->defer_accept);

	if (hlist_unhashed_lockless(&req->node))
		goto out;
	if (req->retrans >= READ_ONCE(en->sysctl.synack_retries) &&
	    (!req->acked || req->retrans >= defer)) {
		etp_req_drop(req, ETP_EV_TIMEOUT);
		goto out;
	}
	if (req->acked && req->retrans + 1 < defer) {
		req->retrans++;
		goto again;
	}
	req->retrans++;
	ETP_INC_STATS(en->net, RetransSegs);
	trace_etp_retransmit(en->net, req, req->laddr, req->raddr, req->lport,
			     req->rport, TCP_SYN_RECV, req->iss, 0,
			     ETPHDR_SYN | ETPHDR_ACK, req->retrans,
			     ETP_RTX_SYNACK_TIMER);
	etp_send_req_synack(req);
again:
	/* The timer keeps its reference while it is pending again. */
	if (!mod_timer(&req->timer, jiffies + etp_req_timeout(req)))
		return;
out:
	etp_req_put(req);
}

/* Fill a new half-open entry of @lsk from the SYN @skb. */
static void etp_req_init(struct etp_req *req, struct sock *lsk,
			 struct sk_buff *skb)
{
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	const struct iphdr *iph = ip_hdr(skb);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	bool wscale_ok;

	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->irs = cb->seq;
	req->iss = cb->tw_isn ? :
		   etp_isn(req->laddr, req->raddr, req->lport, req->rport,
			   READ_ONCE(etp_sk(lsk)->variant));
	req->snd_wnd = cb->window;
	req->iif = inet_iif(skb);
	req->retrans = 0;
	req->acked = 0;
	etp_parse_syn_options(skb, &req->mss, &req->snd_wscale, &wscale_ok);
	req->wscale_ok = wscale_ok;
	/* Timestamps if the SYN has them and the namespace takes them. */
	req->tstamp_ok = cb->rx_opts & ETP_RXO_TS &&
			 READ_ONCE(etp_sk_pernet(lsk)->sysctl.timestamps);
	req->ts_recent = cb->tsval;
	req->sack_ok = cb->rx_opts & ETP_RXO_SACK_PERM &&
		       READ_ONCE(etp_sk_pernet(lsk)->sysctl.sack);
	req->ecn_ok = etp_ecn_req_ok(lsk, skb);
	/*
	 * Fixed here: the SYN-ACK and every retransmission offer it, and the
	 * child keeps it, whatever SO_RCVBUF the listener gets meanwhile.
	 */
	req->rcv_wscale = wscale_ok ? etp_rcv_wscale(lsk) : 0;
	req->synack_us = etp_now_us();
}

static bool etp_create_child(struct sock *lsk, struct etp_req *req,
			     struct sk_buff *skb);

/*
 * The lab's handshake=2way: no half-open entry. The SYN-ACK goes and the
 * connection is made at once, ESTABLISHED, as if it had been acknowledged;
 * nothing sends the SYN-ACK again. An old duplicate SYN, or a lost SYN-ACK,
 * leaves a connection that no client completed (Documentation/lab.rst).
 */
static void etp_req_2way(struct sock *lsk, struct sk_buff *skb)
{
	struct etp_req req = { .listener = lsk };
	bool created;

	etp_req_init(&req, lsk, skb);
	/* The child takes over a SYN_RECV gauge, as from a cookie. */
	ETP_INC_STATS(sock_net(lsk), CurrSynRecv);
	local_bh_disable();
	created = etp_create_child(lsk, &req, NULL);
	local_bh_enable();
	if (!created) {
		ETP_INC_STATS(sock_net(lsk), ListenDrops);
		return;
	}
	if (!sock_flag(lsk, SOCK_DEAD))
		lsk->sk_data_ready(lsk);
}

/* A SYN for a listener: make a half-open entry and answer SYN-ACK. */
static void etp_req_create(struct sock *lsk, struct sk_buff *skb)
{
	struct net *net = sock_net(lsk);
	struct etp_net *en = etp_pernet(net);
	struct etp_hslot *slot;
	struct etp_req *req, *other;

	/* No room to accept even a connection made from a cookie: drop. */
	if (sk_acceptq_is_full(lsk)) {
		ETP_INC_STATS(net, ListenOverflows);
		ETP_INC_STATS(net, ListenDrops);
		return;
	}
	if (etp_v(lsk, ETP_V_2WAY)) {
		etp_req_2way(lsk, skb);
		return;
	}
	if (etp_cookie_want(lsk)) {
		etp_cookie_send_synack(lsk, skb);
		return;
	}
	/* As TCP's inet_csk_reqsk_queue_is_full(): listen(fd, 0) takes one. */
	if (atomic_read(&etp_sk(lsk)->req_count) > READ_ONCE(lsk->sk_max_ack_backlog)) {
		ETP_INC_STATS(net, ListenDrops);
		return;
	}
	req = kmem_cache_alloc(etp_req_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!req) {
		ETP_INC_STATS(net, ListenDrops);
		return;
	}
	etp_req_init(req, lsk, skb);
	sock_hold(lsk);
	req->listener = lsk;
	/* One reference for the table, one for the timer. */
	refcount_set(&req->refcnt, 2);
	timer_setup(&req->timer, etp_req_timer_fn, 0);

	slot = etp_reqhash_slot(en, req->laddr, req->lport, req->raddr, req->rport);
	spin_lock_bh(&slot->lock);
	hlist_for_each_entry(other, &slot->chain, node)
		if (other->laddr == req->laddr && other->lport == req->lport &&
		    other->raddr == req->raddr && other->rport == req->rport)
			break;
	if (!other) {
		hlist_add_head_rcu(&req->node, &slot->chain);
		/*
		 * Armed before an unlink (which takes this lock) can look for
		 * the timer: armed later, it would outlive the entry.
		 */
		mod_timer(&req->timer, jiffies + etp_req_timeout(req));
	}
	spin_unlock_bh(&slot->lock);
	if (other) {
		sock_put(lsk);
		kmem_cache_free(etp_req_cachep, req);
		return;
	}
	atomic_inc(&etp_sk(lsk)->req_count);
	etp_req_account(req, TCP_LISTEN, TCP_SYN_RECV, ETP_EV_RCV_SYN);

	etp_send_req_synack(req);
}

static void etp_accept_enqueue(struct sock *lsk, struct sock *child)
{
	struct etp_sock *lep = etp_sk(lsk);

	spin_lock(&lep->accept_lock);
	list_add_tail(&etp_sk(child)->accept_node, &lep->accept_queue);
	sk_acceptq_added(lsk);
	spin_unlock(&lep->accept_lock);
}

/*
 * The final ACK of a handshake (@skb, which may carry data or a FIN): a new
 * socket, cloned from the listener, in ESTABLISHED, in the tables and on the
 * accept queue, which holds its reference; @skb is processed on it. Without
 * @skb (handshake=2way), the child sends the SYN-ACK once it is in the
 * tables, and is ESTABLISHED. The
 * child stays locked from sk_clone_lock() until then. Bottom halves are
 * disabled: from the listener's backlog this runs in process context, and
 * softirq takes the child's lock once it is in the tables. Return false if
 * it could not be made (no memory, no route, the 4-tuple taken): the
 * connection is then counted as dropped, and the caller still owns @skb.
 */
static bool etp_create_child(struct sock *lsk, struct etp_req *req,
			     struct sk_buff *skb)
{
	struct etp_sock *lep = etp_sk(lsk), *ep;
	struct net *net = sock_net(lsk);
	struct inet_sock *inet;
	struct sock *child;
	struct rtable *rt;

	child = sk_clone_lock(lsk, GFP_ATOMIC);
	if (!child) {
		/* The entry's connection ends here, without memory for it. */
		etp_req_account(req, TCP_SYN_RECV, TCP_CLOSE, ETP_EV_DROP);
		return false;
	}
	/* sk_clone_lock() returns the clone bh-locked; tell sparse. */
	__acquire(&child->sk_lock.slock);
	ep = etp_sk(child);
	inet = inet_sk(child);

	/* The child takes over the entry's SYN_RECV gauge. */
	etp_set_state_raw(child, TCP_SYN_RECV);
	sock_prot_inuse_add(net, child->sk_prot, 1);
	inet->inet_num = 0;
	inet->inet_sport = req->lport;
	inet->inet_dport = req->rport;
	inet->inet_daddr = req->raddr;
	inet->inet_rcv_saddr = req->laddr;
	inet->inet_saddr = req->laddr;
	atomic_set(&inet->inet_id, get_random_u16());
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;

	/* ETP's part starts afresh; the listener's socket options carry over. */
	memset((char *)ep + sizeof(struct inet_sock), 0,
	       sizeof(*ep) - sizeof(struct inet_sock));
	ep->nodelay = lep->nodelay;
	ep->user_mss = lep->user_mss;
	ep->keepalive_time = lep->keepalive_time;
	ep->keepalive_intvl = lep->keepalive_intvl;
	ep->keepalive_probes = lep->keepalive_probes;
	ep->syn_retries = lep->syn_retries;
	ep->user_timeout = lep->user_timeout;
	ep->notsent_lowat = lep->notsent_lowat;
	ep->recvmsg_inq = lep->recvmsg_inq;
	ep->window_clamp = lep->window_clamp;
	ep->linger2 = lep->linger2;
	ep->variant = READ_ONCE(lep->variant);
	ep->tw_ms = READ_ONCE(lep->tw_ms);
	spin_lock_init(&ep->accept_lock);
	INIT_LIST_HEAD(&ep->accept_queue);
	INIT_LIST_HEAD(&ep->accept_node);
	etp_init_timers(child);
	etp_assign_congestion_control(child, lsk);

	etp_init_snd_seq(child, req->iss, true);
	etp_init_rcv_seq(child, req->irs);
	if (req->tstamp_ok) {
		ep->ts_off = etp_ts_off(net, req->laddr, req->raddr, req->lport,
					req->rport);
		etp_ts_init(child, req->ts_recent);
	}
	ep->sack_ok = req->sack_ok;
	etp_ecn_child(child, req->ecn_ok);
	ep->wscale_ok = req->wscale_ok;
	ep->snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	ep->rcv_wscale = req->rcv_wscale;
	ep->snd_wnd = req->snd_wnd;
	ep->max_window = ep->snd_wnd;
	ep->snd_wl1 = req->irs;
	ep->rcv_tstamp = jiffies;

	/* ip_queue_xmit() takes the addresses from the socket's own flow. */
	rt = ip_route_output_ports(net, &inet->cork.fl.u.ip4, child, req->raddr, req->laddr,
				   req->rport, req->lport, etp_proto,
				   READ_ONCE(inet->tos), child->sk_bound_dev_if);
	if (IS_ERR(rt))
		goto fail;
	sk_setup_caps(child, &rt->dst);
	etp_set_mss(child, req->mss);
	if (skb && !req->retrans) {
		etp_rtt_sample(child, etp_now_us() - req->synack_us);
	} else if (skb && req->tstamp_ok && ETP_SKB_CB(skb)->rx_opts & ETP_RXO_TS &&
		   ETP_SKB_CB(skb)->tsecr) {
		/* The SYN-ACK went more than once: its echo tells which. */
		long rtt = etp_ts_rtt_us(child, ETP_SKB_CB(skb)->tsecr);

		if (rtt > 0)
			etp_rtt_sample(child, rtt);
	}

	etp_inherit_port(lsk, child);
	if (!etp_ehash_insert(child))
		goto fail;
	ETP_INC_STATS(net, PassiveOpens);
	if (skb) {
		etp_sm_event(child, ETP_EV_SYN_ACKED);
	} else {
		/* Only now: a failure above leaves no SYN-ACK behind. */
		etp_send_req_synack(req);
		WARN_ON_ONCE(etp_sm_event(child, ETP_EV_SYNACK_SENT) < 0);
	}
	etp_reset_keepalive(child);		/* SO_KEEPALIVE is inherited */
	etp_accept_enqueue(lsk, child);
	if (skb)
		etp_rcv_state_process(child, skb);
	bh_unlock_sock(child);
	sock_put(child);
	return true;

fail:
	/* Undo as for any socket: it is closed, has no owner, and goes. */
	etp_state_account(net, child, req->laddr, req->raddr, req->lport,
			  req->rport, TCP_SYN_RECV, TCP_CLOSE, ETP_EV_DROP,
			  ep->variant);
	etp_set_state_raw(child, TCP_CLOSE);
	sock_set_flag(child, SOCK_DEAD);
	etp_destroy(child);
	bh_unlock_sock(child);
	sock_put(child);
	return false;
}

/**
 * etp_accept_dequeue() - the oldest connection on a listener's accept queue
 * @sk: the listener, locked
 *
 * Return: the socket, with the reference the queue held, or NULL.
 */
struct sock *etp_accept_dequeue(struct sock *sk)
{
	struct etp_sock *lep = etp_sk(sk);
	struct etp_sock *ep;

	sock_owned_by_me(sk);
	spin_lock_bh(&lep->accept_lock);
	ep = list_first_entry_or_null(&lep->accept_queue, struct etp_sock,
				      accept_node);
	if (ep) {
		list_del_init(&ep->accept_node);
		sk_acceptq_removed(sk);
	}
	spin_unlock_bh(&lep->accept_lock);
	return ep ? &ep->inet.sk : NULL;
}

static void etp_cookie_child(struct sock *lsk, struct etp_req *req,
			     struct sk_buff *skb);

/* A segment for a half-open entry (RFC 9293 3.10.7.4 in SYN-RECEIVED). */
static void etp_req_rcv(struct sock *lsk, struct etp_req *req,
			struct sk_buff *skb)
{
	struct net *net = sock_net(lsk);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	bool created;

	if (cb->flags & ETPHDR_RST) {
		if (cb->seq == req->irs + 1) {
			trace_etp_recv_reset(net, req, req->laddr, req->raddr,
					     req->lport, req->rport,
					     TCP_SYN_RECV, cb->seq);
			etp_req_drop(req, ETP_EV_RCV_RST);
		}
		goto drop;
	}
	if (cb->flags & ETPHDR_SYN) {
		/* The SYN again: our SYN-ACK was lost. */
		if (cb->seq == req->irs)
			etp_send_req_synack(req);
		goto drop;
	}
	if (!(cb->flags & ETPHDR_ACK))
		goto drop;
	if (cb->ack_seq != req->iss + 1) {
		struct etp_req creq;

		/*
		 * The peer may answer a cookie SYN-ACK sent while the queue was
		 * full, its SYN again having made this entry since: the cookie
		 * wins, the entry goes.
		 */
		if (etp_cookie_check(lsk, skb, &creq)) {
			if (etp_req_unlink(req, false)) {
				ETP_DEC_STATS(net, CurrSynRecv);
				etp_req_put(req);
			}
			etp_cookie_child(lsk, &creq, skb);
			return;
		}
		etp_send_reset(net, skb, lsk, ETP_RST_BAD_ACK);
		goto drop;
	}
	if (cb->seq != req->irs + 1)
		goto drop;
	/*
	 * TCP_DEFER_ACCEPT: a bare ACK (no data, no FIN) leaves the entry
	 * waiting for data, until the listener's count of SYN-ACK timeouts
	 * has passed (as TCP's tcp_check_req()).
	 */
	if (cb->end_seq == req->irs + 1 &&
	    req->retrans < READ_ONCE(etp_sk(lsk)->defer_accept)) {
		req->acked = 1;
		ETP_INC_STATS(net, DeferAcceptDrop);
		goto drop;
	}
	if (sk_acceptq_is_full(lsk)) {
		/* Keep the entry: the peer will send its ACK again. */
		ETP_INC_STATS(net, ListenOverflows);
		ETP_INC_STATS(net, ListenDrops);
		goto drop;
	}
	/* Take the entry from the table (and from its timer) before using it. */
	if (!etp_req_unlink(req, false))
		goto drop;
	local_bh_disable();
	created = etp_create_child(lsk, req, skb);
	local_bh_enable();
	etp_req_put(req);
	if (!created) {
		ETP_INC_STATS(net, ListenDrops);
		goto drop;
	}
	/* The entry became the child, and its SYN_RECV gauge went with it. */
	if (!sock_flag(lsk, SOCK_DEAD))
		lsk->sk_data_ready(lsk);
	return;
drop:
	kfree_skb(skb);
}

/*
 * An ACK that may answer a SYN cookie: if it does, the connection is made
 * from the cookie and takes @skb. Return false if the caller still owns it.
 */
static bool etp_cookie_rcv(struct sock *lsk, struct sk_buff *skb)
{
	struct etp_req req;

	if (!etp_cookie_check(lsk, skb, &req))
		return false;
	etp_cookie_child(lsk, &req, skb);
	return true;
}

/* Make the connection a valid cookie (@req) stands for; consumes @skb. */
static void etp_cookie_child(struct sock *lsk, struct etp_req *req,
			     struct sk_buff *skb)
{
	struct net *net = sock_net(lsk);
	bool created;

	if (sk_acceptq_is_full(lsk)) {
		ETP_INC_STATS(net, ListenOverflows);
		ETP_INC_STATS(net, ListenDrops);
		kfree_skb(skb);
		return;
	}
	/* The child takes over a SYN_RECV gauge, as from an entry. */
	ETP_INC_STATS(net, CurrSynRecv);
	local_bh_disable();
	created = etp_create_child(lsk, req, skb);
	local_bh_enable();
	if (!created) {
		ETP_INC_STATS(net, ListenDrops);
		kfree_skb(skb);
		return;
	}
	if (!sock_flag(lsk, SOCK_DEAD))
		lsk->sk_data_ready(lsk);
}

/*
 * Give a listener's segment to the connection it is for (@skb found the
 * listener but no half-open entry). A segment can wait for the listener (its lock, or its backlog while a
 * process holds it) while the segment before it turns the half-open entry
 * into a connection: the second ACK or the first data after the handshake.
 * Without this it would find neither the entry nor, having looked before,
 * the connection, and draw a RST that kills the new connection. Returns
 * true when the connection took @skb.
 */
static bool etp_rcv_child(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = etp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *sk;
	bool taken = true;

	/* From the listener's backlog too, in process context: take RCU. */
	rcu_read_lock();
	sk = etp_lookup_established(net, iph->daddr, th->dest, iph->saddr,
				    th->source);
	rcu_read_unlock();
	if (!sk)
		return false;
	local_bh_disable();
	bh_lock_sock(sk);
	if (sk->sk_state == TCP_CLOSE)
		taken = false;
	else if (!sock_owned_by_user(sk))
		etp_rcv_state_process(sk, skb);
	else if (!etp_add_backlog(sk, skb))
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_BACKLOG);
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
	return taken;
}

/**
 * etp_listen_rcv() - process a segment for a listener
 * @sk: the listener, bh-locked or owned (from its backlog)
 * @skb: the segment
 *
 * Return: 0, the segment is consumed.
 */
int etp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = (const struct tcphdr *)skb->data;
	const struct iphdr *iph = ip_hdr(skb);
	struct etp_skb_cb *cb = ETP_SKB_CB(skb);
	struct net *net = sock_net(sk);
	struct etp_req *req;

	sock_owned_by_me(sk);
	req = etp_req_lookup(net, iph->daddr, th->dest, iph->saddr, th->source);
	if (req && req->listener != sk) {
		/* Another listener's (bound to another device): not ours. */
		etp_req_put(req);
		req = NULL;
	}
	if (req) {
		etp_req_rcv(sk, req, skb);
		etp_req_put(req);
		return 0;
	}
	if (etp_rcv_child(net, skb))
		return 0;
	if (cb->flags & ETPHDR_RST)
		goto drop;
	if (cb->flags & ETPHDR_ACK) {
		if (!(cb->flags & ETPHDR_SYN) && etp_cookie_rcv(sk, skb))
			return 0;
		/* No half-open entry for it: as a closed port (RFC 9293 3.10.7.2). */
		etp_send_reset(net, skb, sk, ETP_RST_NO_CONNECTION);
		goto drop;
	}
	if (cb->flags & ETPHDR_SYN)
		etp_req_create(sk, skb);
drop:
	kfree_skb(skb);
	return 0;
}

/**
 * etp_req_listener() - the listener whose half-open entry a segment is for
 * @net: the namespace
 * @laddr: the segment's destination address
 * @lport: its destination port
 * @raddr: its source address
 * @rport: its source port
 *
 * A handshake's segments go to the listener that made its entry, not to
 * the one a lookup would pick now: a SO_REUSEPORT group may have grown or
 * shrunk since the SYN (TCP finds its request sockets in ehash, before
 * any listener). Called under RCU.
 *
 * Return: that listener with a reference held, or NULL if no entry.
 */
struct sock *etp_req_listener(struct net *net, __be32 laddr, __be16 lport,
			      __be32 raddr, __be16 rport)
{
	struct etp_req *req = etp_req_lookup(net, laddr, lport, raddr, rport);
	struct sock *lsk;

	if (!req)
		return NULL;
	/* The entry holds its listener: a reference of our own is safe. */
	lsk = req->listener;
	sock_hold(lsk);
	etp_req_put(req);
	return lsk;
}

/**
 * etp_req_icmp() - an ICMP error about a half-open entry's SYN-ACK (softirq)
 * @net: the namespace
 * @laddr: the entry's local address (the quoted segment's source)
 * @lport: its local port
 * @raddr: its remote address
 * @rport: its remote port
 * @seq: the quoted sequence number
 * @type: the ICMP type
 * @code: the ICMP code
 *
 * As tcp_req_err(): an error that quotes our ISS and says the peer cannot
 * be reached (network or host unreachable, time exceeded, a parameter
 * problem) drops the entry, which the peer's SYN can make again; others
 * are ignored.
 *
 * Return: true if a half-open entry sent the quoted segment.
 */
bool etp_req_icmp(struct net *net, __be32 laddr, __be16 lport, __be32 raddr,
		  __be16 rport, u32 seq, int type, int code)
{
	struct etp_req *req = etp_req_lookup(net, laddr, lport, raddr, rport);

	if (!req)
		return false;
	if (seq != req->iss) {
		ETP_INC_STATS(net, OutOfWindowIcmps);
	} else if (type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
		   (type == ICMP_DEST_UNREACH &&
		    (code == ICMP_NET_UNREACH || code == ICMP_HOST_UNREACH))) {
		etp_req_drop(req, ETP_EV_ICMP_ERROR);
		ETP_INC_STATS(net, ListenDrops);
	}
	etp_req_put(req);
	return true;
}

/**
 * etp_listen_stop() - a listener closes: forget its half-open entries and
 * abort the connections no one accepted
 * @sk: the listener, owned by the closing process, out of lhash already
 */
void etp_listen_stop(struct sock *sk)
{
	struct etp_net *en = etp_sk_pernet(sk);
	struct etp_req *req;
	struct sock *child;
	unsigned int i;

	sock_owned_by_me(sk);
	for (i = 0; i < ETP_REQHASH_SLOTS && atomic_read(&etp_sk(sk)->req_count); i++) {
		struct etp_hslot *slot = &en->reqhash[i];

		if (hlist_empty(&slot->chain))
			continue;
restart:
		rcu_read_lock();
		hlist_for_each_entry_rcu(req, &slot->chain, node) {
			if (req->listener != sk || !refcount_inc_not_zero(&req->refcnt))
				continue;
			rcu_read_unlock();
			etp_req_drop(req, ETP_EV_ABORT);
			etp_req_put(req);
			goto restart;
		}
		rcu_read_unlock();
	}

	while ((child = etp_accept_dequeue(sk))) {
		local_bh_disable();
		bh_lock_sock(child);
		sock_hold(child);
		sock_orphan(child);
		if (child->sk_state == TCP_CLOSE)
			etp_destroy(child);
		else
			etp_sm_event(child, ETP_EV_ABORT);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);
	}
}

/**
 * etp_req_flush_net() - check that a dying namespace has no half-open entry
 * @en: the namespace's ETP state
 *
 * Entries hold their listeners, which hold the namespace, so none can be
 * left; a leak would show here.
 */
void etp_req_flush_net(struct etp_net *en)
{
	unsigned int i;

	for (i = 0; i < ETP_REQHASH_SLOTS; i++)
		WARN_ON_ONCE(!hlist_empty(&en->reqhash[i].chain));
}

/**
 * etp_request_init() - create the etp_req cache
 *
 * Return: 0 or -ENOMEM.
 */
int etp_request_init(void)
{
	/* Lock debugging makes timers and RCU heads bigger. */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_LOCKDEP) &&
		     sizeof(struct etp_req) > 128);
	etp_req_cachep = etp_cache_create("etp_req", struct etp_req, lport);
	return etp_req_cachep ? 0 : -ENOMEM;
}

/**
 * etp_request_exit() - destroy the etp_req cache, after rcu_barrier()
 */
void etp_request_exit(void)
{
	kmem_cache_destroy(etp_req_cachep);
}
