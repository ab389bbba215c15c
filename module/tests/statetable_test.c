// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the state table (statetable.c): every state is reached from
 * CLOSE, every state but CLOSE has a way out (TIME_WAIT's is the TIME_WAIT
 * table's timer, so every way into it hands the connection over), and the
 * actions agree with where a row goes, in the lab's variant rows too.
 * Included by statetable.c.
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

/* What any row's actions must agree with; returns the checks made. */
static int __init etp_check_row(int st, const struct etp_transition *t)
{
	int checks = 0;

	ETP_CHECK(etp_is_state(st) && etp_is_state(t->next));
	/* A row that changes nothing would not be one. */
	ETP_CHECK(t->next != st || t->actions);
	/* TIME_WAIT is entered only by handing over to its table. */
	ETP_CHECK((t->next == TCP_TIME_WAIT) == !!(t->actions & A_TIME_WAIT));
	/* Errors and RSTs end the connection. */
	if (t->actions & (A_ERR_REFUSED | A_ERR_RESET | A_ERR_TIMEDOUT | A_RST))
		ETP_CHECK(t->next == TCP_CLOSE);
	if (t->actions & A_SYN)
		ETP_CHECK(t->next == TCP_SYN_SENT || t->next == TCP_SYN_RECV);
	if (t->actions & A_FIN)
		ETP_CHECK(t->next == TCP_FIN_WAIT1 || t->next == TCP_LAST_ACK);
	/* An ACK after the move to CLOSE would not go: A_ACK_FIRST does. */
	if (t->actions & A_ACK)
		ETP_CHECK(t->next != TCP_CLOSE);
	return checks;
}

/* The lab's rows: each for a variant, with its guard where it needs one. */
static int __init etp_check_variant_rows(void)
{
	const struct etp_variant_row *r;
	int checks = 0;

	for (r = etp_variant_rows; r < etp_variant_rows + ARRAY_SIZE(etp_variant_rows); r++) {
		checks += etp_check_row(r->state, &r->t);
		ETP_CHECK(r->ev < ETP_EV_MAX && r->ev != ETP_EV_DROP);
		ETP_CHECK(r->when && r->t.next);
		/* A_FIN_NOW sends the FIN the guard allocated, into LAST_ACK. */
		ETP_CHECK(!(r->t.actions & A_FIN_NOW) == !(r->guard & G_NOTHING_QUEUED));
		if (r->t.actions & A_FIN_NOW)
			ETP_CHECK(r->t.next == TCP_LAST_ACK && !(r->t.actions & A_FIN));
		if (r->t.actions & A_ACK_FIRST)
			ETP_CHECK(r->t.next == TCP_CLOSE);
		/* It replaces a standard row, or its event has only variant rows. */
		ETP_CHECK(etp_table[r->ev][r->state].next ||
			  r->ev == ETP_EV_SYNACK_SENT || r->ev == ETP_EV_SYN_IN_WINDOW);
	}
	return checks;
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
			out |= t->next != st;
			checks += etp_check_row(st, t);
			/* The lab's actions are for its rows. */
			ETP_CHECK(!(t->actions & (A_ACK_FIRST | A_FIN_NOW)));
		}
		if (etp_is_state(st) && st != TCP_CLOSE && st != TCP_TIME_WAIT)
			ETP_CHECK(out);
	}

	/*
	 * Every event has rows, but DROP, which only entries take; the lab's
	 * own events have rows among the variants' only.
	 */
	for (ev = 0; ev < ETP_EV_MAX; ev++) {
		bool lab = ev == ETP_EV_SYNACK_SENT || ev == ETP_EV_SYN_IN_WINDOW;
		const struct etp_variant_row *r;
		int vrows = 0;

		rows = 0;
		for (st = 0; st < TCP_MAX_STATES; st++)
			rows += !!etp_table[ev][st].next;
		for (r = etp_variant_rows; r < etp_variant_rows + ARRAY_SIZE(etp_variant_rows); r++)
			vrows += r->ev == ev;
		ETP_CHECK(!rows == (ev == ETP_EV_DROP || lab));
		if (lab)
			ETP_CHECK(vrows);
	}
	return checks + etp_check_variant_rows();
}
