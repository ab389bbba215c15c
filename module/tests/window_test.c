// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the receive window (rcvbuf.c): the payload a buffer holds,
 * the window scale a socket offers (RFC 7323 2.2, 2.3), and the window it
 * advertises: never moving its right edge left, and not growing by less
 * than an MSS (RFC 9293 3.8.6.2.2). On a fresh socket, locked. Included by
 * rcvbuf.c.
 */
#include "selftest.h"

int __init etp_window_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int checks = 0;
	u32 edge;

	ep->scaling_ratio = 128;		/* half of truesize is payload */
	ETP_CHECK(etp_win_from_space(sk, 1000) == 500);
	ETP_CHECK(etp_win_from_space(sk, 0) == 0);
	ETP_CHECK(etp_win_from_space(sk, -5) == 0);
	ep->scaling_ratio = 255;
	ETP_CHECK(etp_win_from_space(sk, 256) == 255);

	/* SO_RCVBUF fixed the buffer: the least shift that covers it. */
	sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
	sk->sk_rcvbuf = 65535;
	ETP_CHECK(etp_rcv_wscale(sk) == 0);
	sk->sk_rcvbuf = 65536;
	ETP_CHECK(etp_rcv_wscale(sk) == 1);
	sk->sk_rcvbuf = 1 << 20;
	ETP_CHECK(etp_rcv_wscale(sk) == 5);
	sk->sk_rcvbuf = INT_MAX;
	ETP_CHECK(etp_rcv_wscale(sk) == ETP_MAX_WSCALE);
	/* Otherwise enough for what autotuning may grow it to, rmem[2]. */
	sk->sk_userlocks &= ~SOCK_RCVBUF_LOCK;
	sk->sk_rcvbuf = 4096;
	ETP_CHECK(sk->sk_prot->sysctl_rmem[2] == 6 << 20);
	ETP_CHECK(etp_rcv_wscale(sk) == 7);

	/* A fresh window: what the free buffer holds, scaled down. */
	sk->sk_rcvbuf = 1 << 20;
	ep->scaling_ratio = 128;
	ep->rcv_wscale = 7;
	ep->mss = 1000;
	ep->rcv_nxt = 0xffffff00;		/* across the wrap, too */
	ep->rcv_wup = ep->rcv_nxt;
	ep->rcv_wnd = 0;
	ETP_CHECK(etp_select_window(sk) == (1 << 19) >> 7);
	ETP_CHECK(ep->rcv_wnd == 1 << 19 && ep->rcv_wup == ep->rcv_nxt);

	/* The buffer shrinks: the right edge stays where it was offered. */
	edge = ep->rcv_wup + ep->rcv_wnd;
	ep->rcv_nxt += 10000;
	sk->sk_rcvbuf = 65536;
	etp_select_window(sk);
	ETP_CHECK(!etp_before(ep->rcv_wup + ep->rcv_wnd, edge));
	ETP_CHECK(ep->rcv_wnd == ALIGN((1 << 19) - 10000, 128));

	/* 500 bytes read: less than an MSS to add, the window holds. */
	sk->sk_rcvbuf = 1 << 20;
	ep->scaling_ratio = 100;		/* 409600 bytes of window */
	ep->rcv_wup = ep->rcv_nxt;
	ep->rcv_wnd = 409600;
	ep->rcv_nxt += 500;
	ETP_CHECK(etp_select_window(sk) == ALIGN(409600 - 500, 128) >> 7);
	/* 5000 read: it opens to all the buffer holds again. */
	ep->rcv_wup = ep->rcv_nxt;
	ep->rcv_wnd = 409600;
	ep->rcv_nxt += 5000;
	ETP_CHECK(etp_select_window(sk) == 409600 >> 7);

	/* Unscaled, a window is at most 65535. */
	ep->rcv_wscale = 0;
	ep->rcv_wnd = 0;
	ep->rcv_wup = ep->rcv_nxt;
	ETP_CHECK(etp_select_window(sk) == 65535);
	return checks;
}
