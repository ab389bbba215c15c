// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/etp and /proc/net/etp_stat, per network namespace.
 *
 * /proc/net/etp has the column layout of /proc/net/tcp, so that tools that
 * read /proc/net/tcp (ss with PROC_NET_TCP) read it too; lines are padded to
 * the same 149 characters. /proc/net/etp_stat has the two-line format of
 * /proc/net/netstat with the prefix "Etp:" (nstat with PROC_NET_NETSTAT).
 *
 * The table is walked in three sections, slot by slot: sockets (from the
 * bind table, where every socket with a port is), half-open entries
 * (reqhash) and TIME_WAIT entries. Each line is formatted into the iterator
 * under the lock of its slot and printed after the lock is dropped, so no
 * lock is held between seq_file callbacks and no reference is needed.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "etp.h"

#define ETP_PROC_LINE 150	/* as TMPSZ in net/ipv4/tcp_ipv4.c */

enum { ETP_SEC_SOCK, ETP_SEC_REQ, ETP_SEC_TW, ETP_SEC_MAX };

/* The slots of a section; the TIME_WAIT hash grows and shrinks. */
static unsigned int etp_sec_slots(struct etp_net *en, int sec)
{
	switch (sec) {
	case ETP_SEC_SOCK:
		return ETP_BIND_SLOTS;
	case ETP_SEC_REQ:
		return ETP_REQHASH_SLOTS;
	default:
		return etp_tw_slots(en);
	}
}

struct etp_iter {
	struct seq_net_private p;	/* must be first */
	int sec;			/* section being walked */
	int slot;			/* slot of that section */
	int offset;			/* entries already shown in that slot */
	loff_t last_pos;		/* the position ->stop() was called at */
	char line[ETP_PROC_LINE];	/* the entry at (sec, slot, offset) */
	char variant[ETP_VARIANT_MAX];	/* its variants that differ, or "" */
};

/*
 * A connection that runs some of the lab's variants says which in a last
 * field, "variant:close=3way", where ss(8) takes the socket's options
 * (ss -e shows it as opt:"..."): right-aligned in the padding, so that ss
 * reads no trailing spaces. The standard design adds nothing.
 */
static void etp_format_variant(struct etp_iter *it, u8 bits, u32 tw_ms)
{
	struct etp_variant v = { bits, tw_ms };

	etp_variant_format(&v, it->variant, sizeof(it->variant), false);
}

/* The timer columns of /proc/net/tcp: which timer, and when. */
static int etp_timer_of(const struct sock *sk, unsigned long *expires)
{
	const struct etp_sock *ep = etp_sk(sk);

	if (timer_pending(&ep->rtx_timer)) {
		*expires = ep->rtx_timer.expires;
		return ep->persist ? 4 : 1;
	}
	if (timer_pending(&sk->sk_timer)) {
		*expires = sk->sk_timer.expires;
		return 2;
	}
	*expires = jiffies;
	return 0;
}

static void etp_format_sock(struct etp_iter *it, struct seq_file *seq,
			    struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct etp_sock *ep = etp_sk(sk);
	int state = READ_ONCE(sk->sk_state);
	unsigned long expires;
	int timer = etp_timer_of(sk, &expires);
	int rx_queue;
	u32 mss = ep->mss ? : 1;

	if (state == TCP_LISTEN)
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
	else
		rx_queue = max_t(int, READ_ONCE(ep->rcv_nxt) - READ_ONCE(ep->copied_seq), 0);
	snprintf(it->line, sizeof(it->line),
		 "%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		 inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		 inet->inet_daddr, ntohs(inet->inet_dport), state,
		 READ_ONCE(ep->write_seq) - READ_ONCE(ep->snd_una), rx_queue,
		 timer, jiffies_delta_to_clock_t(expires - jiffies),
		 ep->retransmits,
		 from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		 ep->probes_out,
		 sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		 jiffies_to_clock_t(ep->rto),
		 jiffies_to_clock_t(msecs_to_jiffies(ETP_DELACK_MS)), 0,
		 ep->cwnd / mss,
		 ep->ssthresh >= 0x7fffffff ? -1 : (int)(ep->ssthresh / mss));
	etp_format_variant(it, READ_ONCE(ep->variant), READ_ONCE(ep->tw_ms));
}

static void etp_format_req(struct etp_iter *it, struct seq_file *seq,
			   struct etp_req *req)
{
	snprintf(it->line, sizeof(it->line),
		 "%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		 req->laddr, ntohs(req->lport), req->raddr, ntohs(req->rport),
		 TCP_SYN_RECV, 0, 0, 1,
		 jiffies_delta_to_clock_t(req->timer.expires - jiffies),
		 req->retrans,
		 from_kuid_munged(seq_user_ns(seq), sock_i_uid(req->listener)),
		 0, 0, 0, req);
	etp_format_variant(it, READ_ONCE(etp_sk(req->listener)->variant),
			   READ_ONCE(etp_sk(req->listener)->tw_ms));
}

static void etp_format_tw(void *arg, const struct etp_tw *tw)
{
	struct etp_iter *it = arg;

	snprintf(it->line, sizeof(it->line),
		 "%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		 tw->laddr, ntohs(tw->lport), tw->raddr, ntohs(tw->rport),
		 TCP_TIME_WAIT, 0, 0, 3,
		 jiffies_delta_to_clock_t((s32)(tw->expires - (u32)jiffies)),
		 0, 0, 0, 0, 1, tw);
	etp_format_variant(it, tw->variant, tw->lifetime_ms);
}

/* Format the @offset-th entry of a bind slot; its lock is held. */
static bool etp_find_sock(struct etp_iter *it, struct seq_file *seq,
			  struct etp_hslot *slot, int offset)
{
	struct etp_bind_bucket *b;
	struct sock *sk;

	lockdep_assert_held(&slot->lock);
	hlist_for_each_entry(b, &slot->chain, node)
		sk_for_each_bound(sk, &b->owners)
			if (offset-- == 0) {
				etp_format_sock(it, seq, sk);
				return true;
			}
	return false;
}

static bool etp_find_req(struct etp_iter *it, struct seq_file *seq,
			 struct etp_hslot *slot, int offset)
{
	struct etp_req *req;

	hlist_for_each_entry(req, &slot->chain, node)
		if (offset-- == 0) {
			etp_format_req(it, seq, req);
			return true;
		}
	return false;
}

/* Format the entry at (sec, slot, offset) under the slot's lock. */
static bool etp_iter_entry(struct etp_iter *it, struct seq_file *seq,
			   struct etp_net *en)
{
	struct etp_hslot *slot;
	bool found;

	switch (it->sec) {
	case ETP_SEC_SOCK:
	case ETP_SEC_REQ:
		slot = it->sec == ETP_SEC_SOCK ? &en->bind[it->slot] :
						  &en->reqhash[it->slot];
		if (hlist_empty(&slot->chain))
			return false;
		spin_lock_bh(&slot->lock);
		found = it->sec == ETP_SEC_SOCK ?
			etp_find_sock(it, seq, slot, it->offset) :
			etp_find_req(it, seq, slot, it->offset);
		spin_unlock_bh(&slot->lock);
		return found;
	default:
		return etp_tw_show(en, it->slot, it->offset, etp_format_tw, it);
	}
}

/*
 * Format the entry at (sec, slot, offset), or the first one after it.
 * Return: the iterator, or NULL at the end of the table.
 */
static void *etp_iter_find(struct seq_file *seq)
{
	struct etp_iter *it = seq->private;
	struct etp_net *en = etp_pernet(seq_file_net(seq));

	for (; it->sec < ETP_SEC_MAX; it->sec++, it->slot = 0, it->offset = 0)
		for (; it->slot < etp_sec_slots(en, it->sec);
		     it->slot++, it->offset = 0)
			if (etp_iter_entry(it, seq, en))
				return it;
	return NULL;
}

static void etp_iter_reset(struct etp_iter *it)
{
	it->sec = 0;
	it->slot = 0;
	it->offset = 0;
}

static void *etp_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct etp_iter *it = seq->private;
	loff_t n;
	void *v;

	if (*pos == 0) {
		etp_iter_reset(it);
		return SEQ_START_TOKEN;
	}
	/* Resume where the last read stopped, or walk again from the start. */
	if (*pos == it->last_pos)
		return etp_iter_find(seq);
	etp_iter_reset(it);
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

/*
 * The line of an entry, and its variants' field (etp_format_variant()):
 * half-open and TIME_WAIT lines first get the columns that ss reads
 * before it (rto, ato, quick ACKs, cwnd, ssthresh), as a socket's.
 */
static void etp_show_line(struct seq_file *seq, struct etp_iter *it)
{
	size_t start = seq->count;
	int used, need;

	seq_printf(seq, "%4lld: %s", seq->index - 1, it->line);
	if (!it->variant[0])
		return;
	if (it->sec != ETP_SEC_SOCK)
		seq_puts(seq, " 0 0 0 0 -1");
	used = seq->count - start;
	need = strlen(it->variant) + sizeof("variant:") - 1;
	seq_printf(seq, "%*svariant:%s",
		   max(ETP_PROC_LINE - 1 - used - need, 1), "", it->variant);
}

static int etp_seq_show(struct seq_file *seq, void *v)
{
	struct etp_iter *it = seq->private;

	seq_setwidth(seq, ETP_PROC_LINE - 1);
	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	else
		etp_show_line(seq, it);
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
