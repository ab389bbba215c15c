// SPDX-License-Identifier: GPL-2.0
/*
 * The socket calls: struct proto (what the inet layer calls on an ETP sock)
 * and proto_ops (what the socket layer calls). Where the generic inet code
 * already does the right thing for a stream socket whose states use TCP's codes
 * (bind, connect's waiting, accept's grafting, shutdown, getname), ETP uses it
 * and supplies the protocol half through struct proto.
 *
 * Lifetime: a socket holds one reference for its user (the struct socket, or
 * the listener's accept queue before accept()). close() orphans it; the
 * state machine finishes the connection in softirq and timers, and when an
 * orphan reaches CLOSE, etp_done() (conn.c) frees it through etp_destroy(),
 * which drops that reference. The tables and pending timers hold references of their own.
 * Sockets are freed after an RCU grace period (SOCK_RCU_FREE), so that the
 * receive path can look them up under rcu_read_lock() alone.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "etp.h"

static atomic_long_t etp_memory_allocated;
static DEFINE_PER_CPU(int, etp_memory_per_cpu_fw_alloc);
static struct percpu_counter etp_sockets_allocated;
static long sysctl_etp_mem[3];
static int sysctl_etp_wmem[3] = { 4096, 16384, 4 << 20 };
static int sysctl_etp_rmem[3] = { 4096, 131072, 6 << 20 };

/* sk->sk_write_space: wake writers once there is room (as the stream
 * sockets' sk_stream_write_space(), which is not exported).
 */
static void etp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait,
					   EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

static int etp_init_sock(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_set_flag(sk, SOCK_RCU_FREE);
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	INIT_HLIST_NODE(&ep->ehash_node);
	skb_queue_head_init(&ep->ooo_queue);
	spin_lock_init(&ep->accept_lock);
	INIT_LIST_HEAD(&ep->accept_queue);
	INIT_LIST_HEAD(&ep->accept_node);
	atomic_set(&ep->req_count, 0);
	etp_init_timers(sk);
	etp_init_xmit_vars(sk);
	sk->sk_gso_type = ETP_GSO_TYPE;
	sk->sk_write_space = etp_write_space;
	sk->sk_sndbuf = READ_ONCE(sysctl_etp_wmem[1]);
	sk->sk_rcvbuf = READ_ONCE(sysctl_etp_rmem[1]);
	sk_sockets_allocated_inc(sk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	return 0;
}

/* Bytes received and not read, the FIN not counted; the socket is locked. */
static u32 etp_unread(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);
	u32 n = ep->rcv_nxt - ep->copied_seq;

	sock_owned_by_me(sk);
	if (n && ep->rcv_fin)
		n--;
	return n;
}

static void etp_close(struct sock *sk, long timeout)
{
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		etp_lhash_remove(sk);
		etp_listen_stop(sk);
		etp_sm_event(sk, ETP_EV_CLOSE);
	} else if (sk->sk_state != TCP_CLOSE) {
		bool unread = etp_unread(sk);

		__skb_queue_purge(&sk->sk_receive_queue);
		__skb_queue_purge(&etp_sk(sk)->ooo_queue);
		if (unread || (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
			/* RFC 2525 2.17, and SO_LINGER with no time: abort. */
			etp_sm_event(sk, ETP_EV_ABORT);
		} else {
			etp_sm_event(sk, ETP_EV_CLOSE);
			if (timeout)
				sk_stream_wait_close(sk, timeout);
		}
	}

	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	/* Segments that arrived meanwhile are processed here. */
	release_sock(sk);

	local_bh_disable();
	bh_lock_sock(sk);
	/* Closed while the backlog ran: etp_done() freed it already. */
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;
	if (sk->sk_state == TCP_FIN_WAIT2)
		etp_reset_keepalive(sk);
	if (sk->sk_state == TCP_CLOSE)
		etp_destroy(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

static int etp_pre_connect(struct sock *sk, struct sockaddr *uaddr,
			   int addr_len)
{
	return addr_len < sizeof(struct sockaddr_in) ? -EINVAL : 0;
}

static int etp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct etp_sock *ep = etp_sk(sk);
	__be16 orig_sport, orig_dport;
	struct flowi4 *fl4;
	struct rtable *rt;
	__be32 daddr;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	daddr = usin->sin_addr.s_addr;
	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, daddr, inet->inet_saddr, sk->sk_bound_dev_if,
			      etp_proto, orig_sport, orig_dport, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	inet->inet_rcv_saddr = inet->inet_saddr;
	inet->inet_dport = usin->sin_port;
	inet->inet_daddr = daddr;

	err = etp_connect_port(sk);
	if (err)
		goto failure;
	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure_hashed;
	}
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	ep->iss = etp_isn(inet->inet_saddr, inet->inet_daddr, inet->inet_sport,
			  inet->inet_dport);
	etp_init_xmit_vars(sk);
	ep->snd_una = ep->iss;
	ep->snd_nxt = ep->iss;
	ep->snd_max = ep->iss;
	ep->write_seq = ep->iss;
	ep->rcv_wscale = etp_rcv_wscale(sk);
	ep->rcv_wnd = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2, 65535);
	ep->mss = etp_adv_mss(__sk_dst_get(sk));
	atomic_set(&inet->inet_id, get_random_u16());

	etp_sm_event(sk, ETP_EV_CONNECT);
	if (skb_queue_empty(&sk->sk_write_queue)) {
		/* No memory for the SYN. */
		etp_sm_event(sk, ETP_EV_ABORT);
		return -ENOBUFS;
	}
	return 0;

failure_hashed:
	etp_ehash_remove(sk);
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		etp_put_port(sk);
failure:
	if (rt)
		ip_rt_put(rt);
	inet->inet_dport = 0;
	sk->sk_route_caps = 0;
	return err;
}

static int etp_disconnect(struct sock *sk, int flags)
{
	struct inet_sock *inet = inet_sk(sk);
	struct etp_sock *ep = etp_sk(sk);
	int old = sk->sk_state;

	if (old == TCP_LISTEN) {
		etp_lhash_remove(sk);
		etp_listen_stop(sk);
	}
	if (old != TCP_CLOSE) {
		etp_sm_event(sk, ETP_EV_ABORT);
		if (old != TCP_LISTEN)
			WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	etp_purge_queues(sk);
	inet->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	ep->fin_queued = 0;
	ep->rcv_fin = 0;
	ep->persist = 0;
	ep->ack_pending = 0;
	ep->segs_unacked = 0;
	ep->retransmits = 0;
	ep->total_retrans = 0;
	ep->dupacks = 0;
	ep->probes_out = 0;
	ep->wscale_ok = 0;
	ep->snd_wscale = 0;
	ep->rcv_wscale = 0;
	ep->snd_wnd = 0;
	ep->max_window = 0;
	ep->rcv_wnd = 0;
	etp_init_xmit_vars(sk);
	sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}

static struct sock *etp_accept_wait(struct sock *sk, int flags, int *err)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sock *child = NULL;
	long timeo;

	lock_sock(sk);
	*err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	while (!(child = etp_accept_dequeue(sk))) {
		DEFINE_WAIT(wait);

		*err = -EAGAIN;
		if (!timeo)
			goto out;
		prepare_to_wait_exclusive(sk_sleep(sk), &wait, TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty_careful(&ep->accept_queue))
			timeo = schedule_timeout(timeo);
		lock_sock(sk);
		finish_wait(sk_sleep(sk), &wait);
		*err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			goto out;
		*err = sock_intr_errno(timeo);
		if (signal_pending(current))
			goto out;
	}
	*err = 0;
out:
	release_sock(sk);
	return child;
}

#ifdef ETP_HAVE_ACCEPT_ARG
static struct sock *etp_accept(struct sock *sk, struct proto_accept_arg *arg)
{
	struct sock *child = etp_accept_wait(sk, arg->flags, &arg->err);

	arg->is_empty = list_empty_careful(&etp_sk(sk)->accept_queue);
	return child;
}
#else
static struct sock *etp_accept(struct sock *sk, int flags, int *err, bool kern)
{
	return etp_accept_wait(sk, flags, err);
}
#endif

static int etp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	if (etp_state_is(sk, ETP_S_CONN))
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_CLOSE) {
		if (!inet->inet_num) {
			err = etp_get_port(sk, 0);
			if (err)
				goto out;
			inet->inet_sport = htons(inet->inet_num);
		}
		err = etp_listen_port_check(sk);
		if (err)
			goto out;
		WRITE_ONCE(sk->sk_ack_backlog, 0);
		etp_sm_event(sk, ETP_EV_LISTEN);
		etp_lhash_insert(sk);
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

static void etp_shutdown(struct sock *sk, int how)
{
	if (how & SEND_SHUTDOWN)
		etp_sm_event(sk, ETP_EV_SHUTDOWN);
}

static struct sk_buff *etp_new_data_skb(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb;

	if (!sk_stream_memory_free(sk))
		return NULL;
	skb = alloc_skb_fclone(ETP_MAX_HEADER, sk->sk_allocation);
	if (!skb)
		return NULL;
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		__kfree_skb(skb);
		return NULL;
	}
	skb_reserve(skb, ETP_MAX_HEADER);
	skb->ip_summed = CHECKSUM_PARTIAL;
	ETP_SKB_CB(skb)->seq = ep->write_seq;
	ETP_SKB_CB(skb)->end_seq = ep->write_seq;
	ETP_SKB_CB(skb)->flags = 0;
	ETP_SKB_CB(skb)->retrans = 0;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ep->send_head)
		ep->send_head = skb;
	return skb;
}

/*
 * How much data one queued segment takes: an MSS, but at most half the send
 * buffer, so that SO_SNDBUF bounds what is queued (as TCP's size goal).
 */
static unsigned int etp_size_goal(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);
	unsigned int mss = ep->mss, goal = mss;

	if (sk_can_gso(sk)) {
		/* An IPv4 datagram's worth, as tcp_xmit_size_goal() ... */
		goal = min_t(unsigned int, READ_ONCE(sk->sk_gso_max_size),
			     65535 - ETP_MAX_HEADER);
		/* ... and no more than half the peer's window. */
		if (ep->max_window > ETP_MIN_MSS)
			goal = min(goal, ep->max_window / 2);
		goal = min_t(unsigned int, goal / mss, READ_ONCE(sk->sk_gso_max_segs));
		goal = max(goal, 1U) * mss;
	}
	goal = min_t(unsigned int, goal,
		     max_t(unsigned int, READ_ONCE(sk->sk_sndbuf) / 2, ETP_MIN_MSS));
	return goal > mss ? rounddown(goal, mss) : goal;
}

/* The tail of the write queue, if more data may join it. */
static struct sk_buff *etp_write_tail(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !etp_never_sent(sk, skb) || skb->len >= etp_size_goal(sk) ||
	    (ETP_SKB_CB(skb)->flags & (ETPHDR_SYN | ETPHDR_FIN)))
		return NULL;
	return skb;
}

static int etp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct etp_sock *ep = etp_sk(sk);
	int flags = msg->msg_flags;
	int copied = 0, err;
	long timeo;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (!etp_state_is(sk, ETP_S_SEND)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	while (msg_data_left(msg)) {
		struct page_frag *pfrag = sk_page_frag(sk);
		struct sk_buff *skb = etp_write_tail(sk);
		int copy, i;
		bool merge;

		if (skb && skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS &&
		    !skb_can_coalesce(skb, skb_shinfo(skb)->nr_frags,
				      pfrag->page, pfrag->offset))
			skb = NULL;
		if (!skb) {
			skb = etp_new_data_skb(sk);
			if (!skb)
				goto wait_for_space;
		}
		copy = min_t(size_t, etp_size_goal(sk) - skb->len, msg_data_left(msg));
		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		if (!merge && i >= MAX_SKB_FRAGS)
			continue;	/* a new skb next time round */
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;
		err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb,
					       pfrag->page, pfrag->offset, copy);
		if (err)
			goto do_error;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
			page_ref_inc(pfrag->page);
		}
		pfrag->offset += copy;
		ETP_SKB_CB(skb)->end_seq += copy;
		ep->write_seq += copy;
		copied += copy;
		if (skb->len >= etp_size_goal(sk))
			etp_write_xmit(sk);
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		etp_write_xmit(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)) {
			err = -EPIPE;
			goto do_error;
		}
	}
	if (!(flags & MSG_MORE))
		etp_push(sk);
	release_sock(sk);
	return copied;

do_error:
	if (copied) {
		etp_push(sk);
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/**
 * etp_rcv_space_adjust() - grow the receive buffer to what the reader takes
 * @sk: the socket, locked, after a read
 *
 * As TCP's tcp_rcv_space_adjust() (net.ipv4.tcp_moderate_rcvbuf): once per
 * receiver RTT, if the reader took more than in the RTT before, sk_rcvbuf
 * grows to hold twice that (and more while it grows, as in slow start), up
 * to rmem[2], unless SO_RCVBUF set it. A buffer that holds only one
 * window's worth keeps the sender waiting on every window update.
 */
static void etp_rcv_space_adjust(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	u32 now = etp_now_us(), copied;
	u64 rcvwin, grow;
	int rcvbuf;

	sock_owned_by_me(sk);
	if (!ep->rcvq_on) {
		ep->rcvq_space = min_t(u32, ep->rcv_wnd, 10U * ep->mss);
		goto new_measure;
	}
	if (!ep->rcv_rtt_us || now - ep->rcvq_time < (ep->rcv_rtt_us >> 3))
		return;
	copied = ep->copied_seq - ep->rcvq_seq;
	if (copied <= ep->rcvq_space)
		goto new_measure;
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
		rcvwin = ((u64)copied << 1) + 16 * ep->mss;
		grow = div_u64(rcvwin * (copied - ep->rcvq_space),
			       max_t(u32, ep->rcvq_space, 1));
		rcvwin += grow << 1;
		rcvwin = div_u64(rcvwin << ETP_RMEM_TO_WIN_SCALE, ep->scaling_ratio);
		rcvbuf = min_t(u64, rcvwin, READ_ONCE(sysctl_etp_rmem[2]));
		if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
			WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	}
	ep->rcvq_space = copied;
new_measure:
	ep->rcvq_on = 1;
	ep->rcvq_seq = ep->copied_seq;
	ep->rcvq_time = now;
}

/* After reading: tell the peer if the window opened a lot (RFC 9293 3.8.6.2.2). */
static void etp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct etp_sock *ep = etp_sk(sk);
	s32 cur = (s32)(ep->rcv_wup + ep->rcv_wnd - ep->rcv_nxt);
	int free = etp_win_from_space(sk, READ_ONCE(sk->sk_rcvbuf) -
				      atomic_read(&sk->sk_rmem_alloc));

	sk_mem_reclaim(sk);
	if (copied <= 0 || sk->sk_state == TCP_CLOSE ||
	    (sk->sk_shutdown & RCV_SHUTDOWN))
		return;
	if (cur < 0)
		cur = 0;
	/* As etp_select_window() would advance it: by enough to be worth it. */
	if (free >= 2 * cur &&
	    free - cur >= min_t(int, ep->mss, READ_ONCE(sk->sk_rcvbuf) / 4))
		etp_send_ack(sk);
}

static int etp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		       int flags, int *addr_len)
{
	struct etp_sock *ep = etp_sk(sk);
	int copied = 0, target;
	u32 peek_seq, *seq;
	long timeo;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EINVAL;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	seq = &ep->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = ep->copied_seq;
		seq = &peek_seq;
	}
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	do {
		struct sk_buff *skb, *last = NULL;
		u32 offset, used;
		int err;

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			struct etp_skb_cb *cb = ETP_SKB_CB(skb);

			last = skb;
			offset = *seq - cb->seq;
			if (etp_before(*seq, cb->seq))
				break;		/* cannot happen: the queue is in order */
			if (offset < skb->len)
				goto found_ok_skb;
			if (cb->flags & ETPHDR_FIN)
				goto found_fin_ok;
		}

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				/* Never connected. */
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		etp_cleanup_rbuf(sk, copied);
		if (copied >= target) {
			/* Let the backlog in, then look again. */
			release_sock(sk);
			lock_sock(sk);
		} else {
			sk_wait_data(sk, &timeo, last);
		}
		continue;

found_ok_skb:
		used = min_t(u32, skb->len - offset, len - copied);
		err = skb_copy_datagram_msg(skb, offset, msg, used);
		if (err) {
			if (!copied)
				copied = -EFAULT;
			break;
		}
		*seq += used;
		copied += used;
		if (offset + used < skb->len)
			continue;
		if (ETP_SKB_CB(skb)->flags & ETPHDR_FIN)
			goto found_fin_ok;
		if (!(flags & MSG_PEEK))
			sk_eat_skb(sk, skb);
		continue;

found_fin_ok:
		/* The FIN takes a sequence number; reading it is the EOF. */
		*seq += 1;
		if (!(flags & MSG_PEEK))
			sk_eat_skb(sk, skb);
		break;
	} while (copied < len);

	if (copied > 0 && !(flags & MSG_PEEK))
		etp_rcv_space_adjust(sk);
	etp_cleanup_rbuf(sk, copied);
out:
	release_sock(sk);
	return copied;
}

static __poll_t etp_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct etp_sock *ep = etp_sk(sk);
	__poll_t mask = 0;
	int state;
	u8 shutdown;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return list_empty_careful(&ep->accept_queue) ? 0 :
		       EPOLLIN | EPOLLRDNORM;

	/* As tcp_poll(): HUP when both directions are shut or the socket is
	 * closed, RDHUP once the peer's FIN is in, OUT when connected and
	 * there is room.
	 */
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (READ_ONCE(ep->rcv_nxt) != READ_ONCE(ep->copied_seq))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	smp_rmb();
	if (READ_ONCE(sk->sk_err) || !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int etp_ioctl_value(struct sock *sk, int cmd, int *val)
{
	struct etp_sock *ep = etp_sk(sk);

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		*val = etp_unread(sk);
		release_sock(sk);
		return 0;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*val = READ_ONCE(ep->write_seq) - READ_ONCE(ep->snd_una);
		return 0;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*val = READ_ONCE(ep->write_seq) - READ_ONCE(ep->snd_nxt);
		return 0;
	}
	return -ENOIOCTLCMD;
}

#ifdef ETP_IOCTL_KARG
static int etp_ioctl(struct sock *sk, int cmd, int *karg)
{
	return etp_ioctl_value(sk, cmd, karg);
}
#else
static int etp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int val, err = etp_ioctl_value(sk, cmd, &val);

	return err ? : put_user(val, (int __user *)arg);
}
#endif

static void etp_keepalive(struct sock *sk, int val)
{
	/* Called before SOCK_KEEPOPEN changes: decide from val. */
	if (val && etp_state_is(sk, ETP_S_KEEPALIVE))
		sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_keepalive_time(sk));
	else if (!val)
		sk_stop_timer(sk, &sk->sk_timer);
}

/* Is this a level for ETP's own options: IPPROTO_TCP, or ETP's number? */
static bool etp_level(int level)
{
	return level == SOL_TCP || level == etp_proto;
}

/*
 * TCP_CONGESTION: ETP has one algorithm, NewReno. iperf3 reads its name (and
 * fails without it unless told otherwise) and -C sets it. "reno", the name of
 * Linux's nearest one, is accepted too; any other name fails with ENOENT, as
 * TCP's setsockopt does for an algorithm it does not know.
 */
#define ETP_CA_NAME_MAX 16	/* TCP_CA_NAME_MAX */
static const char etp_ca_name[ETP_CA_NAME_MAX] = "newreno";

static int etp_set_congestion(sockptr_t optval, unsigned int optlen)
{
	char name[ETP_CA_NAME_MAX];
	long len;

	if (optlen < 1)
		return -EINVAL;
	len = strncpy_from_sockptr(name, optval, min_t(long, sizeof(name) - 1, optlen));
	if (len < 0)
		return -EFAULT;
	name[len] = '\0';
	return strcmp(name, etp_ca_name) && strcmp(name, "reno") ? -ENOENT : 0;
}

static int etp_setsockopt(struct sock *sk, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	struct etp_sock *ep = etp_sk(sk);
	int val, err = 0;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (!etp_level(level))
		return -ENOPROTOOPT;
	if (optname == TCP_CONGESTION)
		return etp_set_congestion(optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TCP_NODELAY:
		ep->nodelay = !!val;
		if (val)
			etp_push(sk);
		break;
	case TCP_CORK:
		ep->cork = !!val;
		if (!val)
			etp_push(sk);
		break;
	case TCP_MAXSEG:
		if (val && (val < ETP_MIN_MSS || val > 65535)) {
			err = -EINVAL;
			break;
		}
		WRITE_ONCE(ep->user_mss, val);	/* read by SYN-ACKs in softirq */
		break;
	case TCP_KEEPIDLE:
		if (val < 1 || val > 32767) {
			err = -EINVAL;
			break;
		}
		ep->keepalive_time = val * HZ;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			etp_keepalive(sk, 1);
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > 32767)
			err = -EINVAL;
		else
			ep->keepalive_intvl = val * HZ;
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ep->keepalive_probes = val;
		break;
	case TCP_SYNCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ep->syn_retries = val;
		break;
	case TCP_QUICKACK:
		/* Accepted: ETP acknowledges every second segment anyway. */
		if (val && ep->ack_pending)
			etp_send_ack(sk);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

static void etp_get_info(struct sock *sk, struct tcp_info *info)
{
	struct etp_sock *ep = etp_sk(sk);
	struct dst_entry *dst;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	lock_sock(sk);
	info->tcpi_ca_state = ep->ca_state == ETP_CA_RECOVERY ? 3 :
			      ep->ca_state == ETP_CA_LOSS ? 4 : 0;
	info->tcpi_retransmits = ep->retransmits;
	info->tcpi_probes = ep->probes_out;
	if (ep->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = ep->snd_wscale;
		info->tcpi_rcv_wscale = ep->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(ep->rto);
	info->tcpi_snd_mss = ep->mss;
	info->tcpi_rcv_mss = ep->peer_mss;
	info->tcpi_advmss = etp_adv_mss(__sk_dst_get(sk));
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
	} else if (ep->mss) {
		info->tcpi_unacked = DIV_ROUND_UP(ep->snd_max - ep->snd_una, ep->mss);
	}
	info->tcpi_last_data_recv = jiffies_to_msecs(jiffies - ep->rcv_tstamp);
	info->tcpi_rtt = ep->srtt_us >> 3;
	info->tcpi_rttvar = ep->rttvar_us >> 2;
	info->tcpi_snd_ssthresh = ep->mss ? min_t(u32, ep->ssthresh / ep->mss, 0xffff) : 0;
	info->tcpi_snd_cwnd = ep->mss ? ep->cwnd / ep->mss : 0;
	info->tcpi_rcv_space = ep->rcv_wnd;
	info->tcpi_snd_wnd = ep->snd_wnd;
	info->tcpi_total_retrans = ep->total_retrans;
	/* No route before connect() and after a reset. */
	dst = __sk_dst_get(sk);
	info->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	release_sock(sk);
}

static int etp_getsockopt(struct sock *sk, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	struct etp_sock *ep = etp_sk(sk);
	struct tcp_info info;
	int val, len;

	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (!etp_level(level))
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_NODELAY:
		val = ep->nodelay;
		break;
	case TCP_CORK:
		val = ep->cork;
		break;
	case TCP_MAXSEG:
		val = !etp_state_is(sk, ETP_S_CONN) ? (ep->user_mss ? : ETP_DEFAULT_MSS) :
		      ep->mss;
		break;
	case TCP_KEEPIDLE:
		val = (ep->keepalive_time ? :
		       msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_time_ms))) / HZ;
		break;
	case TCP_KEEPINTVL:
		val = (ep->keepalive_intvl ? :
		       msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_intvl_ms))) / HZ;
		break;
	case TCP_KEEPCNT:
		val = ep->keepalive_probes ? :
		      READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_probes);
		break;
	case TCP_SYNCNT:
		val = ep->syn_retries ? : READ_ONCE(etp_sk_pernet(sk)->sysctl.syn_retries);
		break;
	case TCP_QUICKACK:
		val = 0;
		break;
	case TCP_INFO:
		etp_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	case TCP_CONGESTION:
		len = min_t(unsigned int, len, sizeof(etp_ca_name));
		if (put_user(len, optlen) || copy_to_user(optval, etp_ca_name, len))
			return -EFAULT;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

struct proto etp_prot = {
	.name			= "ETP",
	.owner			= THIS_MODULE,
	.init			= etp_init_sock,
	.destroy		= etp_destroy_sock,
	.close			= etp_close,
	.pre_connect		= etp_pre_connect,
	.connect		= etp_v4_connect,
	.disconnect		= etp_disconnect,
	.accept			= etp_accept,
	.ioctl			= etp_ioctl,
	.shutdown		= etp_shutdown,
	.setsockopt		= etp_setsockopt,
	.getsockopt		= etp_getsockopt,
	.keepalive		= etp_keepalive,
	.sendmsg		= etp_sendmsg,
	.recvmsg		= etp_recvmsg,
	.backlog_rcv		= etp_do_rcv,
	.release_cb		= etp_release_cb,
	.get_port		= etp_get_port,
	.put_port		= etp_put_port,
	.memory_allocated	= &etp_memory_allocated,
	.per_cpu_fw_alloc	= &etp_memory_per_cpu_fw_alloc,
	.sockets_allocated	= &etp_sockets_allocated,
	.sysctl_mem		= sysctl_etp_mem,
	.sysctl_wmem		= sysctl_etp_wmem,
	.sysctl_rmem		= sysctl_etp_rmem,
	.max_header		= ETP_MAX_HEADER,
	.obj_size		= sizeof(struct etp_sock),
};

const struct proto_ops etp_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= inet_accept,
	.getname	= inet_getname,
	.poll		= etp_poll,
	.ioctl		= inet_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= etp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
};

/**
 * etp_socket_init() - create the etp_sock cache and register struct proto
 *
 * Return: 0 or a negative errno.
 */
int etp_socket_init(void)
{
	unsigned long limit = nr_free_buffer_pages() / 16;
	int err;

	/* As TCP sizes tcp_mem, at half its share: ETP is for experiments. */
	limit = max(limit, 128UL);
	sysctl_etp_mem[0] = limit / 4 * 3;
	sysctl_etp_mem[1] = limit;
	sysctl_etp_mem[2] = sysctl_etp_mem[0] * 2;

	err = percpu_counter_init(&etp_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	/* Our own cache rather than proto_register()'s, for its name. */
	etp_prot.slab = etp_cache_create("etp_sock", struct etp_sock,
					 inet.sk.__sk_common.skc_num);
	if (!etp_prot.slab) {
		err = -ENOMEM;
		goto out_counter;
	}
	err = proto_register(&etp_prot, 0);
	if (err)
		goto out_slab;
	return 0;

out_slab:
	kmem_cache_destroy(etp_prot.slab);
	etp_prot.slab = NULL;
out_counter:
	percpu_counter_destroy(&etp_sockets_allocated);
	return err;
}

/**
 * etp_socket_exit() - unregister struct proto and free the etp_sock cache
 *
 * Runs when no socket is left and after rcu_barrier(), so that sockets
 * freed under RCU are gone.
 */
void etp_socket_exit(void)
{
	/* proto_unregister() destroys etp_prot.slab. */
	proto_unregister(&etp_prot);
	percpu_counter_destroy(&etp_sockets_allocated);
}
