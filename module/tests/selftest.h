/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the self-tests of module/tests/ share. Each test file is included
 * at the end of the file it tests (as WireGuard's selftest/ are), so that it
 * reaches that file's static functions; main.c runs them all at load
 * (etp_selftests()), and a failure fails the load. A test function returns
 * the number of checks that passed, or -EINVAL at the first that failed,
 * which it names in the kernel log.
 */
#ifndef _ETP_SELFTEST_H
#define _ETP_SELFTEST_H

#define ETP_CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err(KBUILD_MODNAME ": self-test failed: %s:%d: %s\n", \
		       __FILE__, __LINE__, #cond);			\
		return -EINVAL;						\
	}								\
	checks++;							\
} while (0)

/*
 * A sent skb of one @len-byte segment at @seq, marked @sacked, sent @ago_us
 * ago, in the retransmission queue and the scoreboard's counts, for the
 * tests of what reads them (recovery.c, rack.c). It has no payload:
 * etp_rtx_unlink_free() takes it out again.
 */
static inline bool __init etp_st_seg(struct sock *sk, u32 seq, u32 len,
				     u8 sacked, u32 ago_us)
{
	struct rb_node **p = &etp_sk(sk)->rtx_root.rb_node, *parent = NULL;
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	struct etp_sock *ep = etp_sk(sk);

	if (!skb)
		return false;
	memset(skb->cb, 0, sizeof(skb->cb));
	ETP_SKB_CB(skb)->seq = seq;
	ETP_SKB_CB(skb)->end_seq = seq + len;
	ETP_SKB_CB(skb)->sacked = sacked;
	ETP_SKB_CB(skb)->sent_us = etp_now_us() - ago_us;
	if (sacked & ETP_SACKED_ACKED)
		ep->sacked_out += len;
	if (sacked & ETP_SACKED_LOST)
		ep->lost_out += len;
	if (sacked & ETP_SACKED_RETRANS)
		ep->retrans_out += len;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	while (*p) {
		parent = *p;
		p = etp_before(seq, ETP_SKB_CB(rb_to_skb(parent))->seq) ?
		    &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &ep->rtx_root);
	return true;
}

#endif /* _ETP_SELFTEST_H */
