// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state: counters, settings, tables, /proc and sysctl.
 *
 * A namespace's sockets hold a reference on it, so its exit runs only when the
 * last socket is gone; what remains then is what sockets do not own.
 */
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "etp.h"

unsigned int etp_net_id __read_mostly;

static int __net_init etp_net_init(struct net *net)
{
	struct etp_net *en = etp_pernet(net);
	int err;

	en->net = net;
	en->mib = (long __percpu *)__alloc_percpu(sizeof(long) * ETP_MIB_MAX,
						  __alignof__(long));
	if (!en->mib)
		return -ENOMEM;
	etp_sysctl_defaults(&en->sysctl);
	etp_ca_init_net(en);

	err = etp_port_init(en);
	if (err)
		goto out_mib;
	err = etp_lookup_init(en);
	if (err)
		goto out_port;
	err = etp_tw_init_net(en);
	if (err)
		goto out_lookup;
	err = etp_ctl_init(en);
	if (err)
		goto out_tw;
	err = etp_sysctl_init_net(en);
	if (err)
		goto out_ctl;
	err = etp_proc_init_net(net);
	if (err)
		goto out_sysctl;
	return 0;

out_sysctl:
	etp_sysctl_exit_net(en);
out_ctl:
	etp_ctl_exit(en);
out_tw:
	etp_tw_exit_net(en);
out_lookup:
	etp_lookup_exit(en);
out_port:
	etp_port_exit(en);
out_mib:
	free_percpu(en->mib);
	return err;
}

static void __net_exit etp_net_exit(struct net *net)
{
	struct etp_net *en = etp_pernet(net);

	etp_proc_exit_net(net);
	etp_sysctl_exit_net(en);
	etp_ctl_exit(en);
	/* TIME_WAIT entries are all that can be left: they give their ports back. */
	etp_tw_exit_net(en);
	etp_req_flush_net(en);
	etp_lookup_exit(en);
	etp_port_exit(en);
	etp_ca_exit_net(en);
	free_percpu(en->mib);
}

static struct pernet_operations etp_net_ops = {
	.init	= etp_net_init,
	.exit	= etp_net_exit,
	.id	= &etp_net_id,
	.size	= sizeof(struct etp_net),
};

/**
 * etp_netns_register() - set up ETP in every network namespace, now and later
 *
 * Return: 0 or a negative errno.
 */
int etp_netns_register(void)
{
	return register_pernet_subsys(&etp_net_ops);
}

/**
 * etp_netns_unregister() - tear ETP down in every network namespace
 */
void etp_netns_unregister(void)
{
	unregister_pernet_subsys(&etp_net_ops);
}
