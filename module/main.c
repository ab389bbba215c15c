// SPDX-License-Identifier: GPL-2.0
/*
 * ETP module entry: the protocol number, and registration with the inet layer.
 *
 * Order matters both ways. Per-namespace state exists before any socket or
 * segment can reach it; on unload no new socket can be created and no segment
 * can arrive before the tables are torn down. Every socket holds a reference on
 * the module (proto.owner and proto_ops.owner), so rmmod is refused while any
 * socket, orphans included, is alive; TIME_WAIT entries are not sockets and
 * go with their namespace's exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/protocol.h>
#include <net/inet_common.h>

#include "etp.h"

int etp_proto = 253;
module_param_named(proto, etp_proto, int, 0444);
MODULE_PARM_DESC(proto, "IP protocol number to use: 253 (default) or 254 (RFC 3692)");

static struct net_protocol etp_net_protocol = {
	.handler	= etp_v4_rcv,
	.err_handler	= etp_v4_err,
	.no_policy	= 1,
};

static struct inet_protosw etp_protosw = {
	.type		= SOCK_STREAM,
	/* .protocol is the module parameter, set in etp_init() */
	.prot		= &etp_prot,
	.ops		= &etp_stream_ops,
};

/*
 * What the checks counted (segments dropped, undos) was no traffic of the
 * user's: the initial namespace's counters start from zero after them, as
 * every other namespace's do. No socket of the user's counts yet.
 */
static void __init etp_mib_clear(struct net *net)
{
	long __percpu *mib = etp_pernet(net)->mib;
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < ETP_MIB_MAX; i++)
			WRITE_ONCE(per_cpu_ptr(mib, cpu)[i], 0);
}

/*
 * The self-tests of module/tests/: the pure functions (sequence numbers,
 * options, RTT and RTO, windows, cookies, the state table's invariants,
 * GSO's size estimate, the lookups' walks of a chain that changes, the
 * TIME_WAIT death row's order, the out-of-order and retransmission queues),
 * checked at every load, as WireGuard's debug builds do, on a socket of the
 * initial namespace where they need one. They take well under a
 * millisecond, and their code is freed after the load.
 */
static int __init etp_selftests(void)
{
	int (*const plain[])(void) = {
		etp_seq_selftest, etp_header_selftest, etp_cookie_selftest,
		etp_statetable_selftest, etp_offload_selftest, etp_lookup_selftest,
		etp_timewait_selftest,
	};
	int (*const on_sock[])(struct sock *) = {
		etp_rto_selftest, etp_window_selftest, etp_delack_selftest,
		etp_tstamp_selftest, etp_ofo_selftest, etp_rtx_selftest,
		etp_sack_selftest, etp_recovery_selftest, etp_rack_selftest,
		etp_tlp_selftest, etp_cong_selftest, etp_ecn_selftest,
	};
	struct socket *sock;
	int i, n, total = 0;

	for (i = 0; i < ARRAY_SIZE(plain); i++) {
		n = plain[i]();
		if (n < 0)
			return n;
		total += n;
	}
	n = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, etp_proto, &sock);
	if (n < 0)
		return n;
	lock_sock(sock->sk);
	for (i = 0; i < ARRAY_SIZE(on_sock); i++) {
		n = on_sock[i](sock->sk);
		if (n < 0)
			break;
		total += n;
	}
	release_sock(sock->sk);
	sock_release(sock);
	if (n < 0)
		return n;
	etp_mib_clear(&init_net);
	pr_info("self-tests: %d checks passed\n", total);
	return 0;
}

static int __init etp_init(void)
{
	int err;

	if (etp_proto != 253 && etp_proto != 254) {
		pr_err("proto=%d: only 253 and 254 are for experiments\n", etp_proto);
		return -EINVAL;
	}
	etp_protosw.protocol = etp_proto;

	err = etp_cong_init();
	if (err)
		return err;
	err = etp_tw_cache_init();
	if (err)
		goto out_cong;
	err = etp_request_init();
	if (err)
		goto out_tw;
	err = etp_socket_init();
	if (err)
		goto out_request;
	err = etp_netns_register();
	if (err)
		goto out_socket;
	if (etp_offload_init() < 0) {
		pr_err("IP protocol %d already has an offload\n", etp_proto);
		err = -EBUSY;
		goto out_netns;
	}
	if (inet_add_protocol(&etp_net_protocol, etp_proto) < 0) {
		pr_err("IP protocol %d is already in use\n", etp_proto);
		err = -EBUSY;
		goto out_offload;
	}
	inet_register_protosw(&etp_protosw);
	err = etp_selftests();
	if (err) {
		pr_err("self-tests failed: not loaded\n");
		err = -ENOTRECOVERABLE;
		goto out_protosw;
	}
	pr_info("loaded on IP protocol %d\n", etp_proto);
	return 0;

out_protosw:
	inet_unregister_protosw(&etp_protosw);
	inet_del_protocol(&etp_net_protocol, etp_proto);
	synchronize_net();
out_offload:
	etp_offload_exit();
out_netns:
	etp_netns_unregister();
out_socket:
	rcu_barrier();
	etp_socket_exit();
out_request:
	etp_request_exit();
out_tw:
	etp_tw_cache_exit();
out_cong:
	etp_cong_exit();
	return err;
}

static void __exit etp_exit(void)
{
	inet_unregister_protosw(&etp_protosw);
	inet_del_protocol(&etp_net_protocol, etp_proto);
	/* Skbs still queued that need segmenting will be dropped. */
	etp_offload_exit();
	/* No receive handler runs past this point. */
	synchronize_net();
	etp_netns_unregister();
	/* Sockets, half-open and TIME_WAIT entries are freed after RCU. */
	rcu_barrier();
	etp_socket_exit();
	etp_request_exit();
	etp_tw_cache_exit();
	etp_cong_exit();
	pr_info("unloaded\n");
}

module_init(etp_init);
module_exit(etp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ETP: an experimental TCP-like transport on IP protocol 253");
MODULE_AUTHOR("The ETP developers");
