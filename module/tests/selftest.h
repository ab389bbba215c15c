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

#endif /* _ETP_SELFTEST_H */
