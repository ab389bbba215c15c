// SPDX-License-Identifier: GPL-2.0
/*
 * The socket calls: struct proto (what the inet layer calls on an ETP sock)
 * and proto_ops (what the socket layer calls). Where the generic inet code
 * already does the right thing for a stream socket whose states use TCP's codes
 * (bind, connect's waiting, accept's grafting, shutdown, getname), ETP uses it
 * and supplies the protocol half through struct proto.
 *
 * Sockets are freed after an RCU grace period (SOCK_RCU_FREE), so that the
 * receive path can look them up under rcu_read_lock() alone.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/sock.h>

#include "etp.h"

static atomic_long_t etp_memory_allocated;
static DEFINE_PER_CPU(int, etp_memory_per_cpu_fw_alloc);
static struct percpu_counter etp_sockets_allocated;
static long sysctl_etp_mem[3];
static int sysctl_etp_wmem[3] = { 4096, 16384, 4 << 20 };
static int sysctl_etp_rmem[3] = { 4096, 131072, 6 << 20 };

static int etp_init_sock(struct sock *sk)
{
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_sndbuf = READ_ONCE(sysctl_etp_wmem[1]);
	sk->sk_rcvbuf = READ_ONCE(sysctl_etp_rmem[1]);
	sk_sockets_allocated_inc(sk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	return 0;
}

static void etp_destroy_sock(struct sock *sk)
{
	etp_put_port(sk);
	sk_sockets_allocated_dec(sk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
}

static void etp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	etp_set_state(sk, TCP_CLOSE);
	sock_orphan(sk);
	etp_destroy_sock(sk);
	release_sock(sk);
	sock_put(sk);
}

/* The connection calls arrive with the protocol core; until then, say so. */
static int etp_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return -EOPNOTSUPP;
}

static int etp_disconnect(struct sock *sk, int flags)
{
	return 0;
}

#ifdef ETP_HAVE_ACCEPT_ARG
static struct sock *etp_accept(struct sock *sk, struct proto_accept_arg *arg)
{
	arg->err = -EOPNOTSUPP;
	return NULL;
}
#else
static struct sock *etp_accept(struct sock *sk, int flags, int *err, bool kern)
{
	*err = -EOPNOTSUPP;
	return NULL;
}
#endif

static int etp_listen(struct socket *sock, int backlog)
{
	return -EOPNOTSUPP;
}

static int etp_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	return sk->sk_state == TCP_CLOSE ? -ENOTCONN : -EOPNOTSUPP;
}

static int etp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		       int flags, int *addr_len)
{
	return sk->sk_state == TCP_CLOSE ? -ENOTCONN : -EOPNOTSUPP;
}

static int etp_setsockopt(struct sock *sk, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	return -ENOPROTOOPT;
}

static int etp_getsockopt(struct sock *sk, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	return -ENOPROTOOPT;
}

static __poll_t etp_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	if (READ_ONCE(sk->sk_shutdown) == SHUTDOWN_MASK ||
	    READ_ONCE(sk->sk_state) == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	return mask;
}

struct proto etp_prot = {
	.name			= "ETP",
	.owner			= THIS_MODULE,
	.init			= etp_init_sock,
	.destroy		= etp_destroy_sock,
	.close			= etp_close,
	.connect		= etp_connect,
	.disconnect		= etp_disconnect,
	.accept			= etp_accept,
	.setsockopt		= etp_setsockopt,
	.getsockopt		= etp_getsockopt,
	.sendmsg		= etp_sendmsg,
	.recvmsg		= etp_recvmsg,
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
 * Runs when no socket is left; sockets freed under RCU may still be on
 * their way out, so wait for them first.
 */
void etp_socket_exit(void)
{
	rcu_barrier();
	/* proto_unregister() destroys etp_prot.slab. */
	proto_unregister(&etp_prot);
	percpu_counter_destroy(&etp_sockets_allocated);
}
