// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of sequence number arithmetic (etp.h; RFC 9293 3.4): modulo
 * 2^32, across the wrap. Included by header.c.
 */
#include "selftest.h"

int __init etp_seq_selftest(void)
{
	int checks = 0;

	ETP_CHECK(etp_before(1, 2));
	ETP_CHECK(!etp_before(2, 1));
	ETP_CHECK(!etp_before(7, 7));
	ETP_CHECK(etp_after(2, 1));
	/* Across the wrap: 0xfffffff0 comes before 0x10. */
	ETP_CHECK(etp_before(0xfffffff0, 0x10));
	ETP_CHECK(etp_after(0x10, 0xfffffff0));
	ETP_CHECK(etp_before(0xffffffff, 0));
	/* Half the space apart is as far as "before" reaches. */
	ETP_CHECK(etp_before(0, 0x7fffffff));
	ETP_CHECK(!etp_before(0x7fffffff, 0));
	ETP_CHECK(etp_after(0x7fffffff, 0));
	/* between() is inclusive at both ends, and wraps. */
	ETP_CHECK(etp_between(0, 0xfffffff0, 0x10));
	ETP_CHECK(etp_between(0xfffffff0, 0xfffffff0, 0x10));
	ETP_CHECK(etp_between(0x10, 0xfffffff0, 0x10));
	ETP_CHECK(!etp_between(0x11, 0xfffffff0, 0x10));
	ETP_CHECK(!etp_between(0xffffffef, 0xfffffff0, 0x10));
	ETP_CHECK(etp_between(5, 5, 5));
	ETP_CHECK(!etp_between(6, 5, 5));
	return checks;
}
