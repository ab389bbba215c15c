// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sys/net/etp/: per-namespace settings. Every entry has a range and
 * proc_dointvec_minmax() refuses a value outside it with EINVAL; a write
 * to rmem or wmem changes all three values or none. The lab's variants
 * take words (variant.c), and refuse an unknown one with EINVAL; the
 * congestion control algorithm a name (cong.c), and refuses an unknown one
 * with ENOENT, as TCP's tcp_congestion_control.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>

#include "etp.h"

/* Limits (inclusive). Times are in milliseconds. */
static int one = 1;
static int two = 2;
static int four = 4;
static int seven = 7;
static int zero;
static int ms_10 = 10;
static int max_retries = 127;		/* as TCP's tcp_syn_retries */
static int max_synack_retries = 127;	/* etp_req.retrans has 7 bits */
static int max_probes = 127;		/* as TCP_KEEPCNT */
static int hour_ms = 3600 * 1000;
static int keepalive_max_ms = 32767 * 1000;	/* as TCP_KEEPIDLE */
static int rto_ceiling_ms = 120 * 1000;	/* RFC 6298: at least 60 s allowed */
static int int_max = INT_MAX;
static int reordering_limit = 1024;	/* segments */
static int tw_max = 16 << 20;

/**
 * etp_sysctl_defaults() - the settings a new namespace starts with
 * @s: settings to fill
 */
void etp_sysctl_defaults(struct etp_sysctl *s)
{
	s->msl_ms = 30000;		/* TIME_WAIT lasts 2 * MSL = 60 s */
	s->max_tw_entries = 262144;
	s->syncookies = 1;		/* when the SYN queue overflows */
	s->syn_retries = 6;
	s->synack_retries = 5;
	s->fin_timeout_ms = 60000;
	s->keepalive_time_ms = 7200 * 1000;	/* RFC 1122: at least 2 hours */
	s->keepalive_intvl_ms = 75 * 1000;
	s->keepalive_probes = 9;
	s->rto_initial_ms = 1000;	/* RFC 6298 */
	s->rto_min_ms = 200;		/* Linux TCP's TCP_RTO_MIN */
	s->rto_max_ms = 120 * 1000;	/* Linux TCP's TCP_RTO_MAX */
	s->invalid_ratelimit_ms = 500;	/* Linux TCP's tcp_invalid_ratelimit */
	s->challenge_ack_limit = INT_MAX;	/* none, as TCP's since 6.0 */
	s->max_orphans = 65536;
	s->orphan_retries = 8;		/* what TCP's 0 means while the RTO is short */
	/* TCP's defaults (tcp_rmem, tcp_wmem), on a machine with 4 GiB or more. */
	s->rmem[0] = 4096;
	s->rmem[1] = 131072;
	s->rmem[2] = 6 << 20;
	s->wmem[0] = 4096;
	s->wmem[1] = 16384;
	s->wmem[2] = 4 << 20;
	s->rfc5961 = 1;			/* the lab's variants: the standard design */
	s->rfc1337 = 1;
	s->timestamps = 1;		/* TCP's tcp_timestamps */
	s->reuse_tw = 2;		/* tw_reuse, TCP's tcp_tw_reuse: loopback only */
	s->sack = 1;			/* TCP's tcp_sack */
	s->dsack = 1;			/* TCP's tcp_dsack */
	s->reordering = 3;		/* TCP's tcp_reordering */
	s->max_reordering = 300;	/* TCP's tcp_max_reordering */
	s->frto = 2;			/* TCP's tcp_frto */
	s->recovery = ETP_RACK_LOSS_DETECTION;	/* TCP's tcp_recovery */
	s->early_retrans = 3;		/* TCP's tcp_early_retrans: loss probes on */
	s->ecn = 2;			/* TCP's tcp_ecn: agree when asked, never ask */
}

/**
 * etp_sysctl_variant() - the lab's variants a namespace's settings choose
 * @s: the namespace's settings
 * @v: filled with the choice that new sockets take
 */
void etp_sysctl_variant(const struct etp_sysctl *s, struct etp_variant *v)
{
	int tw = READ_ONCE(s->time_wait);

	v->bits = READ_ONCE(s->handshake) | READ_ONCE(s->close) |
		  READ_ONCE(s->isn) |
		  (tw < 0 ? ETP_V_TW_OFF : tw > 0 ? ETP_V_TW_LEN : 0) |
		  (READ_ONCE(s->rfc5961) ? 0 : ETP_V_NO5961) |
		  (READ_ONCE(s->rfc1337) ? 0 : ETP_V_NO1337);
	v->tw_ms = max(tw, 0);
}

#define ETP_SYSCTL(_name, _min, _max) {					\
	.procname	= #_name,					\
	.data		= &init_sysctl._name,				\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= _min,						\
	.extra2		= _max,						\
}

/* A template; .data points into a static copy and is rebased per namespace. */
static struct etp_sysctl init_sysctl;

/*
 * Three values, each at least 1, as tcp_rmem and tcp_wmem; but all or
 * nothing: proc_dointvec_minmax() on the array itself would keep the values
 * before a bad one (as TCP's do), so it parses into a copy.
 */
static DEFINE_MUTEX(etp_triple_mutex);	/* one write at a time: no stale copy */

static int etp_proc_triple(ETP_CTL_CONST struct ctl_table *table, int write,
			   void *buffer, size_t *lenp, loff_t *ppos)
{
	int *cur = table->data, val[3], i, err;
	struct ctl_table tmp = *table;

	BUILD_BUG_ON(sizeof(init_sysctl.rmem) != sizeof(val) ||
		     sizeof(init_sysctl.wmem) != sizeof(val));
	mutex_lock(&etp_triple_mutex);
	for (i = 0; i < 3; i++)
		val[i] = READ_ONCE(cur[i]);
	tmp.data = val;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (!err && write)
		for (i = 0; i < 3; i++)
			WRITE_ONCE(cur[i], val[i]);
	mutex_unlock(&etp_triple_mutex);
	return err;
}

#define ETP_SYSCTL_TRIPLE(_name) {					\
	.procname	= #_name,					\
	.data		= &init_sysctl._name,				\
	.maxlen		= sizeof(init_sysctl._name),			\
	.mode		= 0644,						\
	.proc_handler	= etp_proc_triple,				\
	.extra1		= SYSCTL_ONE,					\
	.extra2		= SYSCTL_INT_MAX,				\
}

/* A variant's word (variant.c); the procname is the key. */
#define ETP_SYSCTL_WORDS(_name) {					\
	.procname	= #_name,					\
	.data		= &init_sysctl._name,				\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= etp_proc_variant,				\
}

/*
 * congestion_control: the namespace's default algorithm (cong.c), by name,
 * as TCP's proc_tcp_congestion_control(): a name no algorithm has is
 * refused with ENOENT. The entry's data is the namespace's struct etp_net.
 */
static int etp_proc_congestion_control(ETP_CTL_CONST struct ctl_table *table,
				       int write, void *buffer, size_t *lenp,
				       loff_t *ppos)
{
	struct etp_net *en = table->data;
	char name[ETP_CA_NAME_MAX];
	struct ctl_table tmp = {
		.data = name, .maxlen = sizeof(name),
	};
	int err;

	etp_get_default_congestion_control(en->net, name);
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (write && !err)
		err = etp_set_default_congestion_control(en->net, name);
	return err;
}

/* available_congestion_control: every algorithm's name, read-only. */
static int etp_proc_available_congestion_control(ETP_CTL_CONST struct ctl_table *table,
						 int write, void *buffer,
						 size_t *lenp, loff_t *ppos)
{
	struct ctl_table tmp = { .maxlen = ETP_CA_BUF_MAX };
	int err;

	tmp.data = kmalloc(tmp.maxlen, GFP_USER);
	if (!tmp.data)
		return -ENOMEM;
	etp_get_available_congestion_control(tmp.data, tmp.maxlen);
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	kfree(tmp.data);
	return err;
}

static struct ctl_table etp_sysctl_table[] = {
	ETP_SYSCTL(msl_ms, &one, &hour_ms),
	ETP_SYSCTL(max_tw_entries, &zero, &tw_max),
	ETP_SYSCTL(syncookies, &zero, &two),
	ETP_SYSCTL(syn_retries, &one, &max_retries),
	ETP_SYSCTL(synack_retries, &one, &max_synack_retries),
	ETP_SYSCTL(fin_timeout_ms, &one, &hour_ms),
	ETP_SYSCTL(keepalive_time_ms, &one, &keepalive_max_ms),
	ETP_SYSCTL(keepalive_intvl_ms, &one, &keepalive_max_ms),
	ETP_SYSCTL(keepalive_probes, &one, &max_probes),
	ETP_SYSCTL(rto_initial_ms, &ms_10, &rto_ceiling_ms),
	ETP_SYSCTL(rto_min_ms, &one, &rto_ceiling_ms),
	ETP_SYSCTL(rto_max_ms, &ms_10, &rto_ceiling_ms),
	ETP_SYSCTL(invalid_ratelimit_ms, &zero, &hour_ms),
	ETP_SYSCTL(challenge_ack_limit, &zero, &int_max),
	ETP_SYSCTL(max_orphans, &zero, &int_max),
	ETP_SYSCTL(orphan_retries, &one, &max_retries),
	ETP_SYSCTL_TRIPLE(rmem),
	ETP_SYSCTL_TRIPLE(wmem),
	ETP_SYSCTL_WORDS(handshake),
	ETP_SYSCTL_WORDS(close),
	ETP_SYSCTL_WORDS(time_wait),
	ETP_SYSCTL_WORDS(isn),
	ETP_SYSCTL(rfc5961, &zero, &one),
	ETP_SYSCTL(rfc1337, &zero, &one),
	ETP_SYSCTL(timestamps, &zero, &two),
	ETP_SYSCTL(sack, &zero, &one),
	ETP_SYSCTL(dsack, &zero, &one),
	ETP_SYSCTL(reordering, &one, &reordering_limit),
	ETP_SYSCTL(max_reordering, &one, &reordering_limit),
	ETP_SYSCTL(frto, &zero, &two),
	ETP_SYSCTL(recovery, &zero, &seven),
	ETP_SYSCTL(early_retrans, &zero, &four),
	ETP_SYSCTL(ecn, &zero, &two),
	/* Data NULL: etp_sysctl_init_net() points them at the namespace. */
	{
		.procname	= "congestion_control",
		.maxlen		= ETP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= etp_proc_congestion_control,
	},
	{
		.procname	= "available_congestion_control",
		.maxlen		= ETP_CA_BUF_MAX,
		.mode		= 0444,
		.proc_handler	= etp_proc_available_congestion_control,
	},
	/* Not named tw_reuse inside: inet_timewait_sock.h defines that. */
	{
		.procname	= "tw_reuse",
		.data		= &init_sysctl.reuse_tw,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{ }
};

/**
 * etp_sysctl_init_net() - register /proc/sys/net/etp/ for a namespace
 * @en: the namespace's ETP state, whose settings the entries point to
 *
 * Return: 0 or -ENOMEM.
 */
int etp_sysctl_init_net(struct etp_net *en)
{
	struct ctl_table *table;
	int i;

	table = kmemdup(etp_sysctl_table, sizeof(etp_sysctl_table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(etp_sysctl_table) - 1; i++)
		table[i].data = !etp_sysctl_table[i].data ? (void *)en :
			(char *)&en->sysctl +
			((char *)etp_sysctl_table[i].data - (char *)&init_sysctl);

	en->sysctl_hdr = etp_register_net_sysctl(en->net, "net/etp", table,
						 ARRAY_SIZE(etp_sysctl_table));
	if (!en->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

/**
 * etp_sysctl_exit_net() - unregister a namespace's /proc/sys/net/etp/
 * @en: the namespace's ETP state
 */
void etp_sysctl_exit_net(struct etp_net *en)
{
	const struct ctl_table *table = en->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(en->sysctl_hdr);
	kfree(table);
}
