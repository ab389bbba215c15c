/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels ETP builds for (Debian 6.1 and 6.12).
 * Everything else uses the 6.12 API directly.
 */
#ifndef _ETP_COMPAT_H
#define _ETP_COMPAT_H

#include <linux/version.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>

/* 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.5 moved the GSO helpers from <linux/skbuff.h> to <net/gso.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/* 6.10 moved the protocol memory helpers (sk_memory_allocated()) out of <net/sock.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <net/proto_memory.h>
#endif

/* 6.6 made IP_RECVERR a bit of inet->inet_flags. */
static inline bool etp_inet_recverr(const struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inet_test_bit(RECVERR, sk);
#else
	return inet_sk(sk)->recverr;
#endif
}

/* 6.11 made ctl_table handlers take a const table. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define ETP_CTL_CONST const
#else
#define ETP_CTL_CONST
#endif

/*
 * Up to 6.5 a sysctl table ends with an empty entry; from 6.6 its size is
 * passed instead. ETP's tables keep the empty entry and pass n - 1.
 */
static inline struct ctl_table_header *
etp_register_net_sysctl(struct net *net, const char *path,
			struct ctl_table *table, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, n - 1);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/* 6.10 passed struct proto_accept_arg to proto->accept. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ETP_HAVE_ACCEPT_ARG 1
#endif

/* 6.5 made proto->ioctl return its result through an int in kernel memory. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define ETP_IOCTL_KARG 1
#endif

/*
 * ETP's slab caches must stay visible in /proc/slabinfo under their own
 * names, so they must not be merged with another cache of the same size.
 * Before SLAB_NO_MERGE (6.5), a usercopy whitelist has the same effect: it
 * whitelists the local port, which getsockname() reveals anyway.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define etp_cache_create(name, type, port_field)			\
	kmem_cache_create(name, sizeof(type), 0,			\
			  SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT | SLAB_NO_MERGE, NULL)
#else
#define etp_cache_create(name, type, port_field)			\
	kmem_cache_create_usercopy(name, sizeof(type), 0,		\
				   SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT,	\
				   offsetof(type, port_field),		\
				   sizeof_field(type, port_field), NULL)
#endif

#endif /* _ETP_COMPAT_H */
