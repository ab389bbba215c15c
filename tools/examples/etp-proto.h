/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ETP's protocol number for the examples: 253 unless etp.ko was loaded with
 * proto=254 (the environment's ETP_PROTO overrides both), and what to say
 * when socket() finds no ETP.
 */
#ifndef ETP_PROTO_H
#define ETP_PROTO_H

#include <stdio.h>
#include <stdlib.h>

/*
 * ETP's own socket option, at level etp_proto() (not IPPROTO_TCP): the lab's
 * variants as a text, "close=3way,time_wait=off" or "standard" (etp(7)).
 */
#define ETP_VARIANT 1000

static inline int etp_proto(void)
{
	const char *env = getenv("ETP_PROTO");
	FILE *f;
	int p = 253;

	if (env)
		return atoi(env);
	f = fopen("/sys/module/etp/parameters/proto", "r");
	if (f) {
		if (fscanf(f, "%d", &p) != 1)
			p = 253;
		fclose(f);
	}
	return p;
}

static inline void etp_not_loaded(const char *me, int proto)
{
	fprintf(stderr, "%s: ETP (IP protocol %d) is not loaded here: insmod module/etp.ko, "
		"or run this in the test VM (scripts/vm -- ...)\n", me, proto);
	exit(1);
}

#endif
