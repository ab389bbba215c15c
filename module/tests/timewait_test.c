// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the death row's order (timewait.c): entries are placed by
 * expiry whichever end the search starts from, equal expiries keep their
 * order of arrival, and the jiffies clock may wrap in between. Included by
 * timewait.c.
 */
#include "selftest.h"

static int __init etp_timewait_checks(struct etp_tw_table *t, struct etp_tw *tw)
{
	/* Placed at the end, from the end, from the front, ... */
	static const u32 in[] = { 10, 20, 30, 25, 5, 40, 12, 35, 20 };
	/* ... so that the row reads (indexes into in[]): */
	static const int out[] = { 4, 0, 6, 1, 8, 3, 2, 7, 5 };
	/* Around the wrap of the 32-bit clock. */
	const u32 base = 0xfffffff0;
	struct etp_tw *pos;
	int checks = 0, i = 0;

	spin_lock_bh(&t->lock);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		tw[i].expires = base + in[i];
		etp_tw_schedule(t, &tw[i]);
	}
	spin_unlock_bh(&t->lock);
	i = 0;
	list_for_each_entry(pos, &t->death_row, death) {
		ETP_CHECK(i < ARRAY_SIZE(out));
		ETP_CHECK(pos == &tw[out[i]]);
		i++;
	}
	ETP_CHECK(i == ARRAY_SIZE(out));
	return checks;
}

int __init etp_timewait_selftest(void)
{
	struct etp_tw_table *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct etp_tw *tw = kcalloc(9, sizeof(*tw), GFP_KERNEL);
	int ret = -ENOMEM;

	if (t && tw) {
		spin_lock_init(&t->lock);
		INIT_LIST_HEAD(&t->death_row);
		t->dying = true;	/* no timer to arm */
		ret = etp_timewait_checks(t, tw);
	}
	kfree(tw);
	kfree(t);
	return ret;
}
