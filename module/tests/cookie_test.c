// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of SYN cookies (syncookies.c): every value of the data survives
 * the round trip, at the sequence space's wrap too; a cookie two ticks old
 * is good and three is not; an ACK off by one in either number, or from
 * another port or address, is refused; of the ACKs that differ from a
 * cookie in its MAC bits only four pass, its own data values (22 bits of
 * authentication, as TCP's). Included by syncookies.c.
 */
#include "selftest.h"

/* A cookie made at tick @t (etp_cookie_make() makes one now). */
static u32 __init etp_cookie_aged(__be32 laddr, __be16 lport, __be32 raddr,
				  __be16 rport, u32 irs, u32 data, u32 t)
{
	return etp_cookie_hash(laddr, raddr, lport, rport, 0, 0) + irs +
	       (t << COOKIE_BITS) +
	       ((etp_cookie_hash(laddr, raddr, lport, rport, t, 1) +
		 (data << COOKIE_DATA_SHIFT)) & COOKIE_MASK);
}

int __init etp_cookie_selftest(void)
{
	__be32 la = htonl(0x0a000001), ra = htonl(0x0a000002);
	__be16 lp = htons(5000), rp = htons(40000);
	u32 irs = 0xfffffff0, data, c, t;
	int checks = 0, wrong = 0, pass = 0, i;

	for (data = 0; data < 1U << COOKIE_DATA_BITS; data++) {
		c = etp_cookie_make(la, lp, ra, rp, irs + data, data);
		ETP_CHECK(etp_cookie_data(la, lp, ra, rp, irs + data, c) == data);
	}
	c = etp_cookie_make(la, lp, ra, rp, irs, 2);
	ETP_CHECK(etp_cookie_data(la, lp, ra, rp, irs + 1, c) < 0);
	ETP_CHECK(etp_cookie_data(la, lp, ra, rp, irs, c + 1) < 0);
	ETP_CHECK(etp_cookie_data(la, lp, ra, rp, irs, c - 1) < 0);
	/* Another 4-tuple passes by chance only (2^-22 each): a few at most. */
	for (i = 1; i <= 100; i++) {
		wrong += etp_cookie_data(la, htons(5000 + i), ra, rp, irs, c) >= 0;
		wrong += etp_cookie_data(la, lp, htonl(0x0a000002 + i), rp, irs, c) >= 0;
	}
	ETP_CHECK(wrong <= 2);
	/*
	 * 128 ACKs 2^17 apart (the grain of the cookie that also held the
	 * window scale, all of which it took): only four pass, the data
	 * values of 22 bits of MAC, as TCP's.
	 */
	t = etp_cookie_time();
	for (i = 0; i < 128; i++) {
		c = etp_cookie_hash(la, ra, lp, rp, 0, 0) + irs + (t << COOKIE_BITS) +
		    ((etp_cookie_hash(la, ra, lp, rp, t, 1) + (i << 17)) & COOKIE_MASK);
		pass += etp_cookie_data(la, lp, ra, rp, irs, c) >= 0;
	}
	ETP_CHECK(pass == 4);

	/* Ages, read within one tick of the clock. */
	do {
		t = etp_cookie_time();
		c = etp_cookie_aged(la, lp, ra, rp, irs, 3, t - COOKIE_MAX_AGE);
		i = etp_cookie_data(la, lp, ra, rp, irs, c);
		c = etp_cookie_aged(la, lp, ra, rp, irs, 3, t - COOKIE_MAX_AGE - 1);
		wrong = etp_cookie_data(la, lp, ra, rp, irs, c);
	} while (t != etp_cookie_time());
	ETP_CHECK(i == 3);
	ETP_CHECK(wrong < 0);
	return checks;
}
