// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about segments ETP sent, as tcp_v4_err() (softirq).
 *
 * "Fragmentation needed" carries the next hop's MTU: the route learns it
 * (RFC 1191) and the connection's MSS follows, with what it sent too large
 * sent again at once (conn.c, etp_mtu_reduced()). The other errors are
 * RFC 1122 4.2.3.9's: while a connection opens, one aborts it with the
 * error's errno, as Linux's TCP does for every code; once it is open, an
 * error is only noted in sk_err_soft (what a timeout then reports instead
 * of ETIMEDOUT), or reported at once to a socket that set IP_RECVERR. A
 * half-open entry is dropped on the errors tcp_req_err() drops it for.
 *
 * An error must quote a sequence number the connection has in flight
 * (RFC 5927 4.1), or it is counted (OutOfWindowIcmps) and ignored: an
 * attacker who cannot see the connection cannot reset it or shrink its MSS.
 */
#include <linux/icmp.h>
#include <linux/tcp.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/sock.h>

#include "etp.h"

/* The errno of an ICMP error, or 0 for one that says nothing to ETP. */
static int etp_icmp_errno(int type, int code)
{
	switch (type) {
	case ICMP_PARAMETERPROB:
		return EPROTO;
	case ICMP_DEST_UNREACH:
		return code <= NR_ICMP_UNREACH ? icmp_err_convert[code].errno : 0;
	case ICMP_TIME_EXCEEDED:
		return EHOSTUNREACH;
	default:
		/* Source quench is deprecated (RFC 6633). */
		return 0;
	}
}

/* The path is narrower than we thought: now, or when the owner is done. */
static void etp_icmp_frag_needed(struct sock *sk, u32 mtu)
{
	struct etp_sock *ep = etp_sk(sk);

	WRITE_ONCE(ep->mtu_info, mtu);
	if (!sock_owned_by_user(sk))
		etp_mtu_reduced(sk);
	else if (!test_and_set_bit(ETP_DEFER_MTU, &ep->deferred))
		sock_hold(sk);
}

static void etp_icmp_redirect(struct sock *sk, struct sk_buff *skb)
{
	struct dst_entry *dst;

	if (sock_owned_by_user(sk))
		return;
	dst = __sk_dst_check(sk, 0);
	if (dst)
		dst->ops->redirect(dst, sk, skb);
}

/* An error for a connection: abort it while it opens, else note it. */
static void etp_icmp_report(struct sock *sk, int err)
{
	if (sock_owned_by_user(sk)) {
		WRITE_ONCE(sk->sk_err_soft, err);
		return;
	}
	if (etp_state_is(sk, ETP_S_HANDSHAKE)) {
		WRITE_ONCE(sk->sk_err_soft, err);
		etp_sm_event(sk, ETP_EV_ICMP_ERROR);
	} else if (etp_inet_recverr(sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

/**
 * etp_v4_err() - an ICMP error about a segment ETP sent (softirq)
 * @skb: the ICMP message, at the IP header it quotes (8 bytes of ETP's
 *       header behind it: the ports and the sequence number)
 * @info: its extra information (the next hop's MTU for "fragmentation
 *        needed")
 *
 * Return: 0, or -ENOENT if no connection or half-open entry sent it.
 */
int etp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	u32 seq = ntohl(th->seq);
	struct etp_sock *ep;
	struct sock *sk;
	int err;

	rcu_read_lock();
	sk = etp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				    th->dest);
	rcu_read_unlock();
	if (!sk) {
		if (etp_req_icmp(net, iph->saddr, th->source, iph->daddr,
				 th->dest, seq, type, code))
			return 0;
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}

	ep = etp_sk(sk);
	bh_lock_sock(sk);
	if (sk->sk_state == TCP_CLOSE)
		goto out;
	if (!etp_between(seq, ep->snd_una, ep->snd_max)) {
		ETP_INC_STATS(net, OutOfWindowIcmps);
		goto out;
	}
	if (type == ICMP_REDIRECT) {
		etp_icmp_redirect(sk, skb);
		goto out;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		etp_icmp_frag_needed(sk, info);
		goto out;
	}
	err = etp_icmp_errno(type, code);
	if (err)
		etp_icmp_report(sk, err);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
