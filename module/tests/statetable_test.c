// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the state table (statetable.c): every state is reached from
 * CLOSE, every state but CLOSE has a way out (TIME_WAIT's is the TIME_WAIT
 * table's timer, so every way into it hands the connection over), and the
 * actions agree with where a row goes. Included by statetable.c.
 */
#include "selftest.h"

static bool __init etp_is_state(int st)
{
	switch (st) {
#define ETP_STATE_CASE(name, ...) case TCP_##name:
	ETP_STATE_LIST(ETP_STATE_CASE, ETP_STATE_CASE)
#undef ETP_STATE_CASE
		return true;
	}
	return false;
}

int __init etp_statetable_selftest(void)
{
	bool reached[TCP_MAX_STATES] = { [TCP_CLOSE] = true }, more = true;
	int checks = 0, ev, st, rows;

	/* Reachable: from CLOSE, through the table's rows. */
	while (more) {
		more = false;
		for (ev = 0; ev < ETP_EV_MAX; ev++)
			for (st = 0; st < TCP_MAX_STATES; st++) {
				u8 next = etp_table[ev][st].next;

				if (reached[st] && next && !reached[next])
					reached[next] = more = true;
			}
	}
	for (st = 0; st < TCP_MAX_STATES; st++)
		ETP_CHECK(reached[st] == etp_is_state(st));

	for (st = 0; st < TCP_MAX_STATES; st++) {
		bool out = false;

		for (ev = 0; ev < ETP_EV_MAX; ev++) {
			const struct etp_transition *t = &etp_table[ev][st];

			if (!t->next)
				continue;
			ETP_CHECK(etp_is_state(st) && etp_is_state(t->next));
			out |= t->next != st;
			/* A row that changes nothing would not be one. */
			ETP_CHECK(t->next != st || t->actions);
			/* TIME_WAIT is entered only by handing over to its table. */
			ETP_CHECK((t->next == TCP_TIME_WAIT) ==
				  !!(t->actions & A_TIME_WAIT));
			/* Errors and RSTs end the connection. */
			if (t->actions & (A_ERR_REFUSED | A_ERR_RESET | A_ERR_TIMEDOUT | A_RST))
				ETP_CHECK(t->next == TCP_CLOSE);
			if (t->actions & A_SYN)
				ETP_CHECK(t->next == TCP_SYN_SENT || t->next == TCP_SYN_RECV);
			if (t->actions & A_FIN)
				ETP_CHECK(t->next == TCP_FIN_WAIT1 || t->next == TCP_LAST_ACK);
		}
		if (etp_is_state(st) && st != TCP_CLOSE && st != TCP_TIME_WAIT)
			ETP_CHECK(out);
	}

	/* Every event has rows, but DROP, which only entries take. */
	for (ev = 0; ev < ETP_EV_MAX; ev++) {
		rows = 0;
		for (st = 0; st < TCP_MAX_STATES; st++)
			rows += !!etp_table[ev][st].next;
		ETP_CHECK(!rows == (ev == ETP_EV_DROP));
	}
	return checks;
}
