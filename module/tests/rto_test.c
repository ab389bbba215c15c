// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the RTT estimator and the RTO (rto.c; RFC 6298 2.2, 2.3),
 * on a socket of the initial namespace, whose sysctls are the defaults
 * (rto_min_ms 200, rto_initial_ms 1000, rto_max_ms 120000). Included by
 * rto.c.
 */
#include "selftest.h"

int __init etp_rto_selftest(struct sock *sk)
{
	struct etp_sock *ep = etp_sk(sk);
	int checks = 0;

	ETP_CHECK(etp_rto_initial(sk) == msecs_to_jiffies(1000));
	ETP_CHECK(etp_rto_max(sk) == msecs_to_jiffies(120000));

	/* 2.2: the first measurement R gives SRTT = R, RTTVAR = R/2. */
	ep->srtt_us = 0;
	etp_rtt_sample(sk, 100000);
	ETP_CHECK(ep->srtt_us >> 3 == 100000);
	ETP_CHECK(ep->rttvar_us >> 2 == 50000);
	/* 2.3 with K = 4: RTO = 100 ms + 4 * 50 ms. */
	ETP_CHECK(ep->rto == usecs_to_jiffies(300000));

	/*
	 * 2.3, a second R' = 200 ms: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200|
	 * = 62.5 ms, then SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms.
	 */
	etp_rtt_sample(sk, 200000);
	ETP_CHECK(ep->srtt_us >> 3 == 112500);
	ETP_CHECK(ep->rttvar_us >> 2 == 62500);
	ETP_CHECK(ep->rto == usecs_to_jiffies(112500 + 4 * 62500));

	/* A smaller sample pulls SRTT down by an eighth of the difference. */
	etp_rtt_sample(sk, 104500);
	ETP_CHECK(ep->srtt_us >> 3 == 111500);

	/* 2.4: never below rto_min_ms (Linux TCP's 200 ms, not RFC's 1 s). */
	ep->srtt_us = 0;
	etp_rtt_sample(sk, 1000);
	ETP_CHECK(ep->rto == msecs_to_jiffies(200));
	/* A zero sample counts as 1 us, so SRTT is never "no sample". */
	ep->srtt_us = 0;
	etp_rtt_sample(sk, 0);
	ETP_CHECK(ep->srtt_us == 8);

	/* 2.5: never above rto_max_ms. */
	ep->srtt_us = 0;
	etp_rtt_sample(sk, 100 * USEC_PER_SEC);
	ETP_CHECK(ep->rto == msecs_to_jiffies(120000));

	/* After a backoff: back to the estimates, or to rto_initial_ms. */
	ep->rto = msecs_to_jiffies(60000);
	etp_rto_restore(sk);
	ETP_CHECK(ep->rto == msecs_to_jiffies(120000));
	ep->srtt_us = 0;
	ep->rto = msecs_to_jiffies(60000);
	etp_rto_restore(sk);
	ETP_CHECK(ep->rto == msecs_to_jiffies(1000));
	ep->rttvar_us = 0;
	return checks;
}
