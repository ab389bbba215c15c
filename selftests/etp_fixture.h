/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the C tests that make connections: each test case runs in
 * a network namespace of its own, with lo up (t_netns() in etp_conn.h), so
 * that its settings, counters and /proc/net/etp are its own.
 */
#ifndef _ETP_FIXTURE_H
#define _ETP_FIXTURE_H

#include "etp_conn.h"
#include "kselftest_harness.h"

/* TEST_F's setjmp trips -Wclobbered in the harness's own code. */
#pragma GCC diagnostic ignored "-Wclobbered"

FIXTURE(ns) {
	int unused;
};

FIXTURE_SETUP(ns)
{
	ASSERT_EQ(0, t_netns())
		TH_LOG("cannot make a network namespace with lo up: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ns)
{
}

#endif /* _ETP_FIXTURE_H */
