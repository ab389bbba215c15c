// SPDX-License-Identifier: GPL-2.0
/*
 * The socket calls: struct proto (what the inet layer calls on an ETP sock)
 * and proto_ops (what the socket layer calls), and here the calls that open
 * and close a connection: connect, listen, accept, shutdown, close,
 * disconnect. Stream I/O is stream.c's, socket options sockopt.c's. Where
 * the generic inet code already does the right thing for a stream socket
 * whose states use TCP's codes (bind, connect's waiting, accept's grafting,
 * shutdown, getname), ETP uses it and supplies the protocol half through
 * struct proto.
 *
 * Lifetime: a socket holds one reference for its user (the struct socket, or
 * the listener's accept queue before accept()). close() orphans it; the
 * state machine finishes the connection in softirq and timers, and when an
 * orphan reaches CLOSE, etp_done() (conn.c) frees it through etp_destroy(),
 * which drops that reference. The tables and pending timers hold references
 * of their own.
 * Sockets are freed after an RCU grace period (SOCK_RCU_FREE), so that the
 * receive path can look them up under rcu_read_lock() alone.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "etp.h"

static atomic_long_t etp_memory_allocated;
static DEFINE_PER_CPU(int, etp_memory_per_cpu_fw_alloc);
static struct percpu_counter etp_sockets_allocated;
static long sysctl_etp_mem[3];
/*
 * The socket core reads only [0] of these (what a socket may keep under
 * memory pressure), for every namespace: it can find TCP's per-namespace
 * tcp_rmem in struct net, but ETP's rmem and wmem sysctls live in
 * struct etp_net, and everything else of ETP reads those.
 */
static int sysctl_etp_wmem[3] = { 4096, 16384, 4 << 20 };
static int sysctl_etp_rmem[3] = { 4096, 131072, 6 << 20 };

static int etp_init_sock(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	struct etp_variant v;

	sock_set_flag(sk, SOCK_RCU_FREE);
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	ep->ehash_node.pprev = NULL;
	spin_lock_init(&ep->accept_lock);
	INIT_LIST_HEAD(&ep->accept_queue);
	INIT_LIST_HEAD(&ep->accept_node);
	atomic_set(&ep->req_count, 0);
	etp_init_timers(sk);
	etp_init_xmit_vars(sk);
	etp_assign_congestion_control(sk, NULL);
	sk->sk_gso_type = ETP_GSO_TYPE;
	sk->sk_write_space = etp_write_space;
	sk->sk_sndbuf = READ_ONCE(etp_sk_pernet(sk)->sysctl.wmem[1]);
	sk->sk_rcvbuf = READ_ONCE(etp_sk_pernet(sk)->sysctl.rmem[1]);
	/* The namespace's variants at socket(), as tcp_congestion_control. */
	etp_sysctl_variant(&etp_sk_pernet(sk)->sysctl, &v);
	ep->variant = v.bits;
	ep->tw_ms = v.tw_ms;
	sk_sockets_allocated_inc(sk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	return 0;
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
		etp_ofo_purge(sk);
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
	if (sk->sk_state != TCP_CLOSE) {
		etp_orphan_count(sk);
		/* One orphan too many: abort it now, as TCP's close. */
		if (etp_out_of_resources(sk)) {
			ETP_INC_STATS(sock_net(sk), AbortOnMemory);
			etp_sm_event(sk, ETP_EV_ABORT);
			goto out;
		}
	}
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

	/* Set if a TIME_WAIT entry's 4-tuple is taken over (etp_tw_reuse()). */
	ep->iss = 0;
	ep->ts_recent = 0;
	ep->ts_recent_stamp = 0;
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

	etp_init_snd_seq(sk, ep->iss ? :
			 etp_isn(inet->inet_saddr, inet->inet_daddr,
				 inet->inet_sport, inet->inet_dport,
				 ep->variant), false);
	/* The SYN offers timestamps if the namespace does (RFC 7323 3.2). */
	ep->tstamp_ok = !!READ_ONCE(etp_pernet(sock_net(sk))->sysctl.timestamps);
	ep->ts_off = etp_ts_off(sock_net(sk), inet->inet_saddr, inet->inet_daddr,
				inet->inet_sport, inet->inet_dport);
	ep->retrans_stamp = etp_tsval(sk);
	ep->sack_ok = !!READ_ONCE(etp_pernet(sock_net(sk))->sysctl.sack);
	ep->num_sacks = 0;
	ep->rcv_wscale = etp_rcv_wscale(sk);
	ep->mss = etp_adv_mss(__sk_dst_get(sk));
	atomic_set(&inet->inet_id, get_random_u16());

	etp_sm_event(sk, ETP_EV_CONNECT);
	if (etp_queues_empty(sk)) {
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
	/* As tcp_disconnect(): nothing of the old connection's options. */
	ep->tstamp_ok = 0;
	ep->sack_ok = 0;
	ep->dsack = 0;
	ep->num_sacks = 0;
	ep->rcv_ooopack = 0;
	ep->ack_pending = 0;
	ep->segs_unacked = 0;
	ep->quick = 0;
	ep->rcv_mss = 0;
	ep->data_rcvd = 0;
	ep->pingpong = 0;
	ep->retransmits = 0;
	ep->total_retrans = 0;
	ep->dupacks = 0;
	ep->probes_out = 0;
	ep->probe_backoff = 0;
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
		/*
		 * LISTEN before the check, as inet_csk_listen_start(): of two
		 * SO_REUSEADDR sockets listening at once, the later check
		 * (under the bind slot's lock) sees the other one listening.
		 */
		etp_listen_port_begin(sk);
		etp_sm_event(sk, ETP_EV_LISTEN);
		err = etp_listen_port_check(sk);
		if (err) {
			/* Back to a bound socket that may try again. */
			etp_sm_event(sk, ETP_EV_CLOSE);
			WRITE_ONCE(sk->sk_shutdown, 0);
			goto out;
		}
		WRITE_ONCE(sk->sk_ack_backlog, 0);
		err = etp_lhash_insert(sk);
		if (err) {
			etp_sm_event(sk, ETP_EV_CLOSE);
			WRITE_ONCE(sk->sk_shutdown, 0);
			goto out;
		}
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
	.stream_memory_free	= etp_stream_memory_free,
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
	/* send() before connect() is EPIPE, and binds no port on the way. */
	.no_autobind		= true,
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
