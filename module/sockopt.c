// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options at level IPPROTO_TCP (and at ETP's own protocol number):
 * the TCP options programs commonly set (TCP_NODELAY, TCP_CORK, TCP_MAXSEG,
 * the keepalive trio, TCP_SYNCNT, TCP_USER_TIMEOUT, TCP_CONGESTION,
 * TCP_WINDOW_CLAMP, TCP_LINGER2, TCP_DEFER_ACCEPT, TCP_INFO...), ETP's own
 * ETP_VARIANT (the lab's variants), and SO_KEEPALIVE's hook. Each call
 * owns the socket while it reads or changes it.
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/sock.h>

#include "etp.h"

/**
 * etp_keepalive() - SO_KEEPALIVE is set or cleared (proto->keepalive)
 * @sk: the socket, locked
 * @val: the new value
 */
void etp_keepalive(struct sock *sk, int val)
{
	/* Called before SOCK_KEEPOPEN changes: decide from val. */
	if (val && etp_state_is(sk, ETP_S_KEEPALIVE))
		sk_reset_timer(sk, &sk->sk_timer, jiffies + etp_keepalive_time(sk));
	else if (!val)
		sk_stop_timer(sk, &sk->sk_timer);
}

/* Is this a level for ETP's own options: IPPROTO_TCP, or ETP's number? */
static bool etp_level(int level)
{
	return level == SOL_TCP || level == etp_proto;
}

/*
 * TCP_CONGESTION: an algorithm by name (cong.c's registry; "reno" is
 * NewReno, as TCP names it). iperf3 reads the name (and fails without it
 * unless told otherwise) and -C sets it. A name no algorithm has fails
 * with ENOENT, as TCP's; with CAP_NET_ADMIN, module etp_<name> is loaded
 * first if it can be, as TCP loads tcp_<name>.
 */
static int etp_set_congestion(struct sock *sk, sockptr_t optval,
			      unsigned int optlen)
{
	char name[ETP_CA_NAME_MAX];
	long len;
	int err;

	if (optlen < 1)
		return -EINVAL;
	len = strncpy_from_sockptr(name, optval, min_t(long, sizeof(name) - 1, optlen));
	if (len < 0)
		return -EFAULT;
	name[len] = '\0';
	lock_sock(sk);
	err = etp_set_congestion_control(sk, name,
					 ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN));
	release_sock(sk);
	return err;
}

/*
 * ETP_VARIANT: the lab's variants for this socket (variant.c reads the
 * text). The handshake and isn take effect at the next SYN, the rest where
 * they act; a child takes its listener's.
 */
static int etp_set_variant(struct sock *sk, sockptr_t optval,
			   unsigned int optlen)
{
	struct etp_sock *ep = etp_sk(sk);
	char text[ETP_VARIANT_MAX];
	struct etp_variant v;
	int err;

	if (optlen < 1 || optlen >= sizeof(text))
		return -EINVAL;
	if (copy_from_sockptr(text, optval, optlen))
		return -EFAULT;
	text[optlen] = '\0';		/* the caller's NUL may be in optlen, or not */
	lock_sock(sk);
	v.bits = ep->variant;
	v.tw_ms = ep->tw_ms;
	err = etp_variant_parse(text, &v);
	if (!err) {
		WRITE_ONCE(ep->variant, v.bits);
		WRITE_ONCE(ep->tw_ms, v.tw_ms);
	}
	release_sock(sk);
	return err;
}

/* As TCP's: TCP_FIN_TIMEOUT_MAX, the most TCP_LINGER2 takes. */
#define ETP_LINGER2_MAX	(120 * HZ)

/*
 * TCP_WINDOW_CLAMP, as tcp_set_window_clamp(): no window offered is larger
 * than the clamp (from now: what was offered stays, RFC 9293 3.8.6.2.2),
 * and one set before the handshake also bounds the window scale. 0 clears
 * it, before a connection only.
 */
static int etp_set_window_clamp(struct sock *sk, int val)
{
	if (!val) {
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		WRITE_ONCE(etp_sk(sk)->window_clamp, 0);
		return 0;
	}
	WRITE_ONCE(etp_sk(sk)->window_clamp, max_t(int, val, SOCK_MIN_RCVBUF / 2));
	return 0;
}

/*
 * TCP_DEFER_ACCEPT counts SYN-ACK timeouts, given and read in seconds as
 * TCP's (secs_to_retrans(), retrans_to_secs()), with TCP's constants: the
 * first after 1 s, doubling up to 120 s. ETP's entry counts up to 127.
 */
#define ETP_DEFER_MAX	127

static u8 etp_secs_to_retrans(int secs)
{
	int timeout = 1, period = 1;
	u8 n = 1;

	if (secs <= 0)
		return 0;
	while (secs > period && n < ETP_DEFER_MAX) {
		n++;
		timeout = min(timeout << 1, 120);
		period += timeout;
	}
	return n;
}

static int etp_retrans_to_secs(u8 n)
{
	int timeout = 1, period = n ? 1 : 0;

	while (n > 1) {
		n--;
		timeout = min(timeout << 1, 120);
		period += timeout;
	}
	return period;
}

/**
 * etp_setsockopt() - set an option (proto->setsockopt)
 * @sk: the socket
 * @level: SOL_TCP or ETP's protocol number for ETP's options; others go to
 *         the IP layer
 * @optname: the option
 * @optval: its value
 * @optlen: the value's length
 *
 * Return: 0 or an error: -EINVAL for a bad value, -ENOPROTOOPT for an
 * option ETP does not have, as TCP.
 */
int etp_setsockopt(struct sock *sk, int level, int optname,
		   sockptr_t optval, unsigned int optlen)
{
	struct etp_sock *ep = etp_sk(sk);
	int val, err = 0;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (!etp_level(level))
		return -ENOPROTOOPT;
	if (optname == TCP_CONGESTION)
		return etp_set_congestion(sk, optval, optlen);
	if (optname == ETP_VARIANT)
		return level == etp_proto ? etp_set_variant(sk, optval, optlen) :
		       -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case TCP_NODELAY:
		ep->nodelay = !!val;
		/* As TCP's TCP_NAGLE_PUSH: what waits goes, corked or not. */
		if (val) {
			ep->nagle_push = 1;
			etp_write_xmit(sk);
		}
		break;
	case TCP_CORK:
		ep->cork = !!val;
		if (!val)
			etp_write_xmit(sk);
		break;
	case TCP_MAXSEG:
		if (val && (val < ETP_MIN_MSS || val > 65535)) {
			err = -EINVAL;
			break;
		}
		WRITE_ONCE(ep->user_mss, val);	/* read by SYN-ACKs in softirq */
		break;
	case TCP_KEEPIDLE:
		if (val < 1 || val > 32767) {
			err = -EINVAL;
			break;
		}
		ep->keepalive_time = val * HZ;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			etp_keepalive(sk, 1);
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > 32767)
			err = -EINVAL;
		else
			ep->keepalive_intvl = val * HZ;
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ep->keepalive_probes = val;
		break;
	case TCP_SYNCNT:
		if (val < 1 || val > 127)
			err = -EINVAL;
		else
			ep->syn_retries = val;
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			WRITE_ONCE(ep->user_timeout, msecs_to_jiffies(val));
		break;
	case TCP_INQ:
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			ep->recvmsg_inq = val;
		break;
	case TCP_NOTSENT_LOWAT:
		/* As TCP's: a writer may be writable now. */
		WRITE_ONCE(ep->notsent_lowat, val);
		sk->sk_write_space(sk);
		break;
	case TCP_QUICKACK:
		if (etp_ack_set_quickack(sk, val))
			etp_send_ack(sk);
		break;
	case TCP_WINDOW_CLAMP:
		err = etp_set_window_clamp(sk, val);
		break;
	case TCP_DEFER_ACCEPT:
		/* Read by the listener's half-open entries in softirq. */
		WRITE_ONCE(ep->defer_accept, etp_secs_to_retrans(val));
		break;
	case TCP_LINGER2:
		/* As TCP's: < 0 aborts an orphan in FIN_WAIT2, 0 is the sysctl. */
		WRITE_ONCE(ep->linger2, val < 0 ? -1 :
			   val > ETP_LINGER2_MAX / HZ ? ETP_LINGER2_MAX : val * HZ);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

static void etp_get_info(struct sock *sk, struct tcp_info *info)
{
	struct etp_sock *ep = etp_sk(sk);
	struct dst_entry *dst;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	lock_sock(sk);
	info->tcpi_ca_state = ep->ca_state;	/* TCP's numbers */
	info->tcpi_retransmits = ep->retransmits;
	info->tcpi_probes = ep->probes_out;
	if (ep->tstamp_ok && etp_state_is(sk, ETP_S_SYNC))
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (ep->sack_ok && etp_state_is(sk, ETP_S_SYNC))
		info->tcpi_options |= TCPI_OPT_SACK;
	if (etp_ecn_ok(sk))
		info->tcpi_options |= TCPI_OPT_ECN;
	if (ep->wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = ep->snd_wscale;
		info->tcpi_rcv_wscale = ep->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(ep->rto);
	info->tcpi_snd_mss = ep->mss;
	info->tcpi_rcv_mss = ep->peer_mss;
	info->tcpi_advmss = etp_adv_mss(__sk_dst_get(sk));
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
	} else if (ep->mss) {
		/* ETP counts bytes; TCP_INFO says segments, as TCP's. */
		info->tcpi_unacked = DIV_ROUND_UP(ep->snd_max - ep->snd_una, ep->mss);
		info->tcpi_sacked = DIV_ROUND_UP(ep->sacked_out, ep->mss);
		info->tcpi_reordering = ep->reordering;
		info->tcpi_reord_seen = ep->reord_seen;
		info->tcpi_lost = DIV_ROUND_UP(ep->lost_out, ep->mss);
		info->tcpi_retrans = DIV_ROUND_UP(ep->retrans_out, ep->mss);
	}
	info->tcpi_last_data_recv = jiffies_to_msecs(jiffies - ep->rcv_tstamp);
	info->tcpi_rtt = ep->srtt_us >> 3;
	info->tcpi_rttvar = ep->rttvar_us >> 2;
	info->tcpi_min_rtt = ep->min_rtt_us;	/* ~0U before a sample, as TCP */
	info->tcpi_snd_ssthresh = ep->mss ? min_t(u32, ep->ssthresh / ep->mss, 0xffff) : 0;
	info->tcpi_snd_cwnd = ep->mss ? ep->cwnd / ep->mss : 0;
	info->tcpi_rcv_space = ep->rcv_wnd;
	info->tcpi_snd_wnd = ep->snd_wnd;
	info->tcpi_total_retrans = ep->total_retrans;
	info->tcpi_rcv_ooopack = ep->rcv_ooopack;
	/* No route before connect() and after a reset. */
	dst = __sk_dst_get(sk);
	info->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	release_sock(sk);
}

/**
 * etp_getsockopt() - read an option (proto->getsockopt)
 * @sk: the socket
 * @level: as etp_setsockopt()
 * @optname: the option
 * @optval: where its value goes
 * @optlen: the room there, and then the value's length
 *
 * Return: 0 or an error.
 */
int etp_getsockopt(struct sock *sk, int level, int optname,
		   char __user *optval, int __user *optlen)
{
	struct etp_sock *ep = etp_sk(sk);
	struct tcp_info info;
	int val, len;

	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (!etp_level(level))
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_NODELAY:
		val = ep->nodelay;
		break;
	case TCP_CORK:
		val = ep->cork;
		break;
	case TCP_MAXSEG:
		val = !etp_state_is(sk, ETP_S_CONN) ? (ep->user_mss ? : ETP_DEFAULT_MSS) :
		      ep->mss;
		break;
	case TCP_KEEPIDLE:
		val = (ep->keepalive_time ? :
		       msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_time_ms))) / HZ;
		break;
	case TCP_KEEPINTVL:
		val = (ep->keepalive_intvl ? :
		       msecs_to_jiffies(READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_intvl_ms))) / HZ;
		break;
	case TCP_KEEPCNT:
		val = ep->keepalive_probes ? :
		      READ_ONCE(etp_sk_pernet(sk)->sysctl.keepalive_probes);
		break;
	case TCP_SYNCNT:
		val = ep->syn_retries ? : READ_ONCE(etp_sk_pernet(sk)->sysctl.syn_retries);
		break;
	case TCP_USER_TIMEOUT:
		val = jiffies_to_msecs(READ_ONCE(ep->user_timeout));
		break;
	case TCP_QUICKACK:
		val = etp_ack_get_quickack(sk);
		break;
	case TCP_NOTSENT_LOWAT:
		val = READ_ONCE(ep->notsent_lowat);
		break;
	case TCP_INQ:
		val = ep->recvmsg_inq;
		break;
	case TCP_WINDOW_CLAMP:
		val = etp_window_clamp(sk);
		break;
	case TCP_DEFER_ACCEPT:
		val = etp_retrans_to_secs(READ_ONCE(ep->defer_accept));
		break;
	case TCP_LINGER2:
		val = READ_ONCE(ep->linger2);
		if (val >= 0)
			val = etp_fin_time(sk) / HZ;
		break;
	case TCP_INFO:
		etp_get_info(sk, &info);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	case TCP_CONGESTION: {
		char name[ETP_CA_NAME_MAX] = { };

		strscpy(name, etp_cong(sk)->name, sizeof(name));
		len = min_t(unsigned int, len, sizeof(name));
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	case ETP_VARIANT: {
		struct etp_variant v;
		char text[ETP_VARIANT_MAX];

		if (level != etp_proto)
			return -ENOPROTOOPT;
		/* Both fields from one setsockopt(), not half of the next. */
		lock_sock(sk);
		v.bits = ep->variant;
		v.tw_ms = ep->tw_ms;
		release_sock(sk);
		/* Every key, and the NUL, truncated to len as TCP_CONGESTION. */
		len = min_t(unsigned int, len,
			    etp_variant_format(&v, text, sizeof(text), true) + 1);
		if (put_user(len, optlen) || copy_to_user(optval, text, len))
			return -EFAULT;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}
