// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/etp and /proc/net/etp_stat, per network namespace.
 *
 * /proc/net/etp has the column layout of /proc/net/tcp, so that tools that
 * read /proc/net/tcp (ss with PROC_NET_TCP) read it too; lines are padded to
 * the same 149 characters. /proc/net/etp_stat has the two-line format of
 * /proc/net/netstat with the prefix "Etp:" (nstat with PROC_NET_NETSTAT).
 *
 * The socket table is walked slot by slot. Each line is formatted into the
 * iterator under the lock of its slot and printed after the lock is dropped,
 * so no lock is held between seq_file callbacks and no reference is needed.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "etp.h"

#define ETP_PROC_LINE 150	/* as TMPSZ in net/ipv4/tcp_ipv4.c */

struct etp_iter {
	struct seq_net_private p;	/* must be first */
	int slot;			/* bind slot being walked */
	int offset;			/* entries already shown in that slot */
	loff_t last_pos;		/* the position ->stop() was called at */
	char line[ETP_PROC_LINE];	/* the entry at (slot, offset) */
};

/* The @offset-th socket of the slot; the slot's lock is held. */
static struct sock *etp_slot_sock(struct etp_bind_slot *slot, int offset)
{
	struct etp_bind_bucket *b;
	struct sock *sk;

	hlist_for_each_entry(b, &slot->chain, node)
		sk_for_each_bound(sk, &b->owners)
			if (offset-- == 0)
				return sk;
	return NULL;
}

/* Everything after the "sl" column of /proc/net/tcp, for one socket. */
static void etp_format_sock(struct etp_iter *it, struct seq_file *seq,
			    struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	int state = READ_ONCE(sk->sk_state);
	int rx_queue = 0, tx_queue = 0;

	if (state == TCP_LISTEN) {
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		tx_queue = READ_ONCE(sk->sk_max_ack_backlog);
	}
	snprintf(it->line, sizeof(it->line),
		 "%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		 inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		 inet->inet_daddr, ntohs(inet->inet_dport), state,
		 tx_queue, rx_queue,
		 0, 0UL,		/* no timer */
		 0,			/* retransmits */
		 from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		 0,			/* probes */
		 sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		 0UL, 0UL, 0, 0, -1);
}

/*
 * Format the entry at (it->slot, it->offset), or the first one after it.
 * Return: the iterator, or NULL at the end of the table.
 */
static void *etp_iter_find(struct seq_file *seq)
{
	struct etp_iter *it = seq->private;
	struct etp_net *en = etp_pernet(seq_file_net(seq));
	struct sock *sk;

	for (; it->slot < ETP_BIND_SLOTS; it->slot++, it->offset = 0) {
		struct etp_bind_slot *slot = &en->bind[it->slot];

		if (hlist_empty(&slot->chain))
			continue;
		spin_lock_bh(&slot->lock);
		sk = etp_slot_sock(slot, it->offset);
		if (sk)
			etp_format_sock(it, seq, sk);
		spin_unlock_bh(&slot->lock);
		if (sk)
			return it;
	}
	return NULL;
}

static void *etp_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct etp_iter *it = seq->private;
	loff_t n;
	void *v;

	if (*pos == 0) {
		it->slot = 0;
		it->offset = 0;
		return SEQ_START_TOKEN;
	}
	/* Resume where the last read stopped, or walk again from the start. */
	if (*pos == it->last_pos)
		return etp_iter_find(seq);
	it->slot = 0;
	it->offset = 0;
	v = etp_iter_find(seq);
	for (n = 1; v && n < *pos; n++) {
		it->offset++;
		v = etp_iter_find(seq);
	}
	return v;
}

static void *etp_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct etp_iter *it = seq->private;

	++*pos;
	if (v != SEQ_START_TOKEN)
		it->offset++;
	return etp_iter_find(seq);
}

static void etp_seq_stop(struct seq_file *seq, void *v)
{
	struct etp_iter *it = seq->private;

	it->last_pos = v && v != SEQ_START_TOKEN ? seq->index : 0;
}

static int etp_seq_show(struct seq_file *seq, void *v)
{
	struct etp_iter *it = seq->private;

	seq_setwidth(seq, ETP_PROC_LINE - 1);
	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	else
		seq_printf(seq, "%4lld: %s", seq->index - 1, it->line);
	seq_pad(seq, '\n');
	return 0;
}

static const struct seq_operations etp_seq_ops = {
	.start	= etp_seq_start,
	.next	= etp_seq_next,
	.stop	= etp_seq_stop,
	.show	= etp_seq_show,
};

static const char *const etp_mib_names[ETP_MIB_MAX] = {
#define ETP_MIB_NAME(name) [ETP_MIB_##name] = #name,
	ETP_MIB_LIST(ETP_MIB_NAME)
#undef ETP_MIB_NAME
};

static int etp_stat_show(struct seq_file *seq, void *v)
{
	struct etp_net *en = etp_pernet(seq_file_single_net(seq));
	long sum[ETP_MIB_MAX] = { };
	int cpu, i;

	for_each_possible_cpu(cpu) {
		long *mib = per_cpu_ptr(en->mib, cpu);

		for (i = 0; i < ETP_MIB_MAX; i++)
			sum[i] += READ_ONCE(mib[i]);
	}
	seq_puts(seq, "Etp:");
	for (i = 0; i < ETP_MIB_MAX; i++)
		seq_printf(seq, " %s", etp_mib_names[i]);
	seq_puts(seq, "\nEtp:");
	for (i = 0; i < ETP_MIB_MAX; i++)
		seq_printf(seq, " %ld", sum[i]);
	seq_putc(seq, '\n');
	return 0;
}

/**
 * etp_proc_init_net() - create /proc/net/etp and /proc/net/etp_stat
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int etp_proc_init_net(struct net *net)
{
	if (!proc_create_net("etp", 0444, net->proc_net, &etp_seq_ops,
			     sizeof(struct etp_iter)))
		return -ENOMEM;
	if (!proc_create_net_single("etp_stat", 0444, net->proc_net,
				    etp_stat_show, NULL)) {
		remove_proc_entry("etp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * etp_proc_exit_net() - remove the namespace's /proc/net entries
 * @net: the namespace
 */
void etp_proc_exit_net(struct net *net)
{
	remove_proc_entry("etp_stat", net->proc_net);
	remove_proc_entry("etp", net->proc_net);
}
