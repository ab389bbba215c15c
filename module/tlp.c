// SPDX-License-Identifier: GPL-2.0
/*
 * Tail loss probes (RFC 8985 7), as TCP's tcp_send_loss_probe() and
 * tcp_process_tlp_ack(). When the last segments of a flight are lost, no
 * ACK comes to tell of it: without a probe only the RTO, hundreds of
 * milliseconds on, sends them again. In Open, with SACK, the
 * retransmission timer is set as the probe timeout instead (PTO, two RTTs:
 * etp_loss_probe_arm() in rto.c); when it fires one segment goes, new data
 * if the peer's window takes it, else the last segment again, so that its
 * ACK, with SACK, lets RACK find what is missing.
 *
 * One probe per tail (tlp_out): its ACK tells whether it repaired a loss.
 * A probe of new data, once acknowledged, says nothing. A retransmission
 * that the peer reports as a duplicate (D-SACK, or a bare duplicate ACK)
 * shows the original arrived: no loss. An ACK beyond the probe without
 * either: the probe filled a hole, a loss the window must answer, which
 * recovery.c does (LossProbeRecovery). Everything here runs with the
 * socket locked.
 */
#include <net/sock.h>

#include "etp.h"

/**
 * etp_tlp_probe() - the probe timeout fired: send a loss probe
 * @sk: the socket, locked, the timer's tlp_timer cleared
 *
 * Sends one segment: new data if the peer's window takes it, else the last
 * one sent again (its last MSS); then the RTO runs from now. Nothing goes
 * if a probe of this tail is still unanswered, or recovery has begun
 * since the timer was set.
 */
void etp_tlp_probe(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int sent;

	sock_owned_by_me(sk);
	if (ep->tlp_out || ep->ca_state > ETP_CA_CWR || ep->snd_una == ep->snd_max)
		goto rearm;
	sent = etp_send_new_probe(sk);
	if (sent < 0)
		goto rearm;
	ep->tlp_retrans = 0;
	if (!sent) {
		if (etp_retransmit_tail(sk))
			goto rearm;
		ep->tlp_retrans = 1;
	}
	ep->tlp_out = 1;
	ep->tlp_high_seq = ep->snd_nxt;
	ETP_INC_STATS(sock_net(sk), LossProbes);
rearm:
	if (ep->snd_una != ep->snd_max)
		etp_reset_rtx_timer(sk);
}

/**
 * etp_tlp_ack() - what an ACK says of the loss probe
 * @sk: the socket, locked, SND.UNA updated
 * @acked: bytes this ACK newly acknowledged
 * @flag: ETP_SACK_* and ETP_ACK_* flags of the ACK
 *
 * As tcp_process_tlp_ack() (RFC 8985 7.4): once the ACK reaches what the
 * probe covered, a probe of new data is done with, and so is one the peer
 * reports as a duplicate; an ACK beyond a retransmitted probe without such
 * a report means the probe repaired a loss.
 *
 * Return: true if it did: the caller reduces the window.
 */
bool etp_tlp_ack(struct sock *sk, u32 acked, int flag)
{
	struct etp_sock *ep = etp_sk(sk);

	sock_owned_by_me(sk);
	if (!ep->tlp_out || etp_before(ep->snd_una, ep->tlp_high_seq))
		return false;
	if (!ep->tlp_retrans || flag & ETP_SACK_DSACK) {
		ep->tlp_out = 0;	/* new data, or both copies arrived */
		return false;
	}
	if (etp_after(ep->snd_una, ep->tlp_high_seq)) {
		ep->tlp_out = 0;
		ETP_INC_STATS(sock_net(sk), LossProbeRecovery);
		return true;
	}
	/* A bare duplicate ACK: the probe was one copy too many. */
	if (!acked && flag & ETP_ACK_DUP && !(flag & ETP_SACK_NEW))
		ep->tlp_out = 0;
	return false;
}

#include "tests/tlp_test.c"
