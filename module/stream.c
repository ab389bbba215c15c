// SPDX-License-Identifier: GPL-2.0
/*
 * Stream I/O on a connected socket: sendmsg() cuts the user's bytes into
 * skbs on the write queue and lets output.c send them; recvmsg() copies from
 * the receive queue, grows the receive buffer as TCP's autotuning does, and
 * opens the window again; poll() and the queue ioctls (SIOCINQ, SIOCOUTQ).
 *
 * Every call here owns the socket (lock_sock()) while it touches the queues,
 * except poll(), which reads them locklessly as TCP's does.
 */
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <asm/ioctls.h>
#include <net/sock.h>

#include "etp.h"

/**
 * etp_write_space() - wake writers once there is room (sk->sk_write_space)
 * @sk: the socket
 *
 * As the stream sockets' sk_stream_write_space(), which is not exported.
 */
void etp_write_space(struct sock *sk)
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

/**
 * etp_unread() - bytes received and not read, the FIN not counted
 * @sk: the socket, locked
 *
 * Return: the count.
 */
u32 etp_unread(const struct sock *sk)
{
	const struct etp_sock *ep = etp_sk(sk);
	u32 n = ep->rcv_nxt - ep->copied_seq;

	sock_owned_by_me(sk);
	if (n && ep->rcv_fin)
		n--;
	return n;
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
	ep->nagle_push = 0;	/* TCP_NODELAY's push was for what waited */
	return skb;
}

/*
 * PSH (RFC 9293 3.9.1) as TCP sets it: on the last segment of each write
 * that MSG_MORE does not continue, and at least once in every half of the
 * largest window the peer offered, so that a receiver that delivers on PSH
 * is not kept waiting through a long write (tcp_mark_push(), forced_push()).
 */
static void etp_mark_push(struct etp_sock *ep, struct sk_buff *skb)
{
	ETP_SKB_CB(skb)->flags |= ETPHDR_PSH;
	ep->pushed_seq = ep->write_seq;
}

static bool etp_forced_push(const struct etp_sock *ep)
{
	return etp_after(ep->write_seq, ep->pushed_seq + (ep->max_window >> 1));
}

/* The end of a write, or a wait in it: mark the tail, and send. */
static void etp_push_write(struct sock *sk, int flags)
{
	struct etp_sock *ep = etp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb && skb->len && etp_never_sent(sk, skb) &&
	    (!(flags & MSG_MORE) || etp_forced_push(ep)))
		etp_mark_push(ep, skb);
	etp_push(sk, flags);
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

/**
 * etp_stream_memory_free() - whether a writer may queue more
 * @sk: the socket
 * @wake: 1 when deciding whether to wake a writer: then below half the mark
 *
 * proto->stream_memory_free, beside the send buffer's own limit: as TCP's
 * tcp_stream_memory_free(), the bytes queued and not yet sent stay under
 * TCP_NOTSENT_LOWAT (no limit unless set), so that a program that sets it
 * keeps its data in its own hands until the connection can take it.
 *
 * Return: true if there is room.
 */
bool etp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct etp_sock *ep = etp_sk(sk);
	u32 lowat = READ_ONCE(ep->notsent_lowat) ? : UINT_MAX;
	u32 notsent = READ_ONCE(ep->write_seq) - READ_ONCE(ep->snd_max);

	return (notsent << wake) < lowat;
}

/**
 * etp_sendmsg() - queue the user's bytes and send what the windows allow
 * @sk: the socket
 * @msg: the user's message
 * @size: its length
 *
 * proto->sendmsg. Waits for a connection in progress and for buffer space,
 * as TCP (SO_SNDTIMEO, MSG_DONTWAIT).
 *
 * Return: the bytes queued, or an error (-EOPNOTSUPP for MSG_OOB, -EPIPE
 * after shutdown or a reset, -EAGAIN, -EINTR...).
 */
int etp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct etp_sock *ep = etp_sk(sk);
	int flags = msg->msg_flags;
	int copied = 0, err;
	long timeo;

	/* No urgent data (protocol.rst): refused, not sent as ordinary data. */
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
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
		if (!merge && i >= MAX_SKB_FRAGS) {
			etp_mark_push(ep, skb);	/* as TCP's, at a full skb */
			continue;	/* a new skb next time round */
		}
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;
		/* An earlier write's PSH moves to the end of this one. */
		if (!copied)
			ETP_SKB_CB(skb)->flags &= ~ETPHDR_PSH;
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
		if (skb->len >= etp_size_goal(sk)) {
			if (etp_forced_push(ep))
				etp_mark_push(ep, skb);
			etp_write_xmit(sk);
		}
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		/* What this write queued goes before it sleeps, as TCP's. */
		if (copied)
			etp_push_write(sk, flags & ~MSG_MORE);
		else
			etp_write_xmit(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)) {
			err = -EPIPE;
			goto do_error;
		}
	}
	if (copied)
		etp_push_write(sk, flags);
	release_sock(sk);
	return copied;

do_error:
	if (copied) {
		etp_push_write(sk, flags);
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
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

/**
 * etp_recvmsg() - copy received bytes to the user (proto->recvmsg)
 * @sk: the socket
 * @msg: the user's buffer
 * @len: its length
 * @flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, MSG_TRUNC
 * @addr_len: unused (a stream has no source address per message)
 *
 * Return: the bytes copied, 0 at the end of the stream, or an error.
 */
int etp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
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
	/*
	 * TCP_INQ: what is left to read, as TCP's tcp_inq_hint(): the FIN
	 * counts, and after it at least 1, so that the reader reads on to
	 * the end of file.
	 */
	if (ep->recvmsg_inq && copied >= 0) {
		int inq = ep->rcv_nxt - ep->copied_seq;

		if (!inq && sock_flag(sk, SOCK_DONE))
			inq = 1;
		put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(inq), &inq);
	}
out:
	release_sock(sk);
	return copied;
}

/**
 * etp_poll() - what a socket is ready for (proto_ops->poll)
 * @file: the file
 * @sock: the socket
 * @wait: the poll table
 *
 * Return: the EPOLL* mask, read without the socket's lock as TCP's.
 */
__poll_t etp_poll(struct file *file, struct socket *sock, poll_table *wait)
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

/* proto->ioctl: SIOCINQ, SIOCOUTQ (SIOCOUTQNSD); its argument differs. */
#ifdef ETP_IOCTL_KARG
int etp_ioctl(struct sock *sk, int cmd, int *karg)
{
	return etp_ioctl_value(sk, cmd, karg);
}
#else
int etp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int val, err = etp_ioctl_value(sk, cmd, &val);

	return err ? : put_user(val, (int __user *)arg);
}
#endif
