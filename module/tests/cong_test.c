// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the congestion control registry (cong.c) on a socket: an
 * algorithm without a required hook, or with a name taken, is refused;
 * the available list names each; TCP_CONGESTION's choice takes a known
 * name ("reno" is NewReno) and refuses another with ENOENT, releases the
 * algorithm it leaves, and a listener's choice goes to its children; the
 * namespace's default goes to new sockets; the helpers' arithmetic in
 * bytes. Included by cong.c.
 */
#include "selftest.h"

static int etp_ct_releases __initdata;

static u32 __init etp_ct_ssthresh(struct sock *sk)
{
	return 2 * etp_sk(sk)->mss;
}

static void __init etp_ct_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
}

static u32 __init etp_ct_undo_cwnd(struct sock *sk)
{
	return etp_sk(sk)->cwnd;
}

static void __init etp_ct_release(struct sock *sk)
{
	etp_ct_releases++;
}

static struct etp_ca_ops etp_ct_ops __initdata = {
	.name		= "etp_selftest",
	.ssthresh	= etp_ct_ssthresh,
	.undo_cwnd	= etp_ct_undo_cwnd,
	.release	= etp_ct_release,
};

int __init etp_cong_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk), *child;
	u32 mss = ep->mss, cwnd = ep->cwnd, ssthresh = ep->ssthresh;
	struct net *net = sock_net(sk);
	char buf[64];
	int checks = 0, err;

	/* Refused: no cong_avoid; then a name NewReno has, or TCP's for it. */
	ETP_CHECK(etp_register_congestion_control(&etp_ct_ops) == -EINVAL);
	etp_ct_ops.cong_avoid = etp_ct_cong_avoid;
	strscpy(etp_ct_ops.name, "reno", sizeof(etp_ct_ops.name));
	ETP_CHECK(etp_register_congestion_control(&etp_ct_ops) == -EINVAL);
	strscpy(etp_ct_ops.name, "newreno", sizeof(etp_ct_ops.name));
	ETP_CHECK(etp_register_congestion_control(&etp_ct_ops) == -EEXIST);
	strscpy(etp_ct_ops.name, "etp_selftest", sizeof(etp_ct_ops.name));
	ETP_CHECK(!etp_register_congestion_control(&etp_ct_ops));
	etp_get_available_congestion_control(buf, sizeof(buf));
	ETP_CHECK(!strcmp(buf, "newreno etp_selftest"));

	/* TCP_CONGESTION before a connection: no init; a release on leaving. */
	ETP_CHECK(etp_cong(sk) == &etp_newreno);
	ETP_CHECK(etp_set_congestion_control(sk, "nosuch", false) == -ENOENT);
	ETP_CHECK(!etp_set_congestion_control(sk, "etp_selftest", false));
	ETP_CHECK(etp_cong(sk) == &etp_ct_ops && ep->ca_setsockopt &&
		  !ep->ca_initialized);
	ep->ca_initialized = 1;			/* as if the connection began */
	ETP_CHECK(!etp_set_congestion_control(sk, "reno", false));
	ETP_CHECK(etp_cong(sk) == &etp_newreno && etp_ct_releases == 1 &&
		  !ep->ca_initialized);

	/* A listener's choice goes to its child; otherwise the default. */
	child = kzalloc(sizeof(*child), GFP_KERNEL);
	ETP_CHECK(child);
	write_pnet(&child->inet.sk.sk_net, net);
	err = etp_set_congestion_control(sk, "etp_selftest", false);
	etp_assign_congestion_control(&child->inet.sk, sk);
	ETP_CHECK(!err && child->ca_ops == &etp_ct_ops && child->ca_setsockopt);
	etp_cleanup_congestion_control(&child->inet.sk);
	ETP_CHECK(!child->ca_ops && etp_ct_releases == 1);
	ep->ca_setsockopt = 0;
	etp_assign_congestion_control(&child->inet.sk, sk);
	ETP_CHECK(child->ca_ops == &etp_newreno && !child->ca_setsockopt);
	etp_cleanup_congestion_control(&child->inet.sk);

	/* The namespace's default: an unknown name refused; new sockets take it. */
	ETP_CHECK(etp_set_default_congestion_control(net, "nosuch") == -ENOENT);
	ETP_CHECK(!etp_set_default_congestion_control(net, "etp_selftest"));
	etp_get_default_congestion_control(net, buf);
	ETP_CHECK(!strcmp(buf, "etp_selftest"));
	etp_assign_congestion_control(&child->inet.sk, NULL);
	ETP_CHECK(child->ca_ops == &etp_ct_ops);
	etp_cleanup_congestion_control(&child->inet.sk);
	kfree(child);
	ETP_CHECK(!etp_set_default_congestion_control(net, "reno"));
	etp_get_default_congestion_control(net, buf);
	ETP_CHECK(!strcmp(buf, "newreno"));

	ETP_CHECK(!etp_set_congestion_control(sk, "newreno", false));
	etp_unregister_congestion_control(&etp_ct_ops);
	ETP_CHECK(etp_set_congestion_control(sk, "etp_selftest", false) == -ENOENT);
	etp_get_available_congestion_control(buf, sizeof(buf));
	ETP_CHECK(!strcmp(buf, "newreno"));

	/* In bytes: slow start to ssthresh; one MSS per w bytes delivered. */
	ep->mss = 100;
	ep->cwnd = 1000;
	ep->ssthresh = 1500;
	ep->snd_cwnd_cnt = 0;
	ETP_CHECK(etp_slow_start(sk, 800) == 300 && ep->cwnd == 1500);
	ep->cwnd = 1000;
	etp_cong_avoid_ai(sk, 1000, 500);
	ETP_CHECK(ep->cwnd == 1000 && ep->snd_cwnd_cnt == 500);
	etp_cong_avoid_ai(sk, 1000, 2600);
	ETP_CHECK(ep->cwnd == 1300 && ep->snd_cwnd_cnt == 100);
	etp_cong_avoid_ai(sk, 50, 0);		/* w fell below the count */
	ETP_CHECK(ep->cwnd == 1400 && !ep->snd_cwnd_cnt);
	ETP_CHECK(etp_snd_cwnd(sk) == 14);

	ep->snd_cwnd_cnt = 0;
	ep->mss = mss;
	ep->cwnd = cwnd;
	ep->ssthresh = ssthresh;
	return checks;
}
