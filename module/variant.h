/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab's variants: the designs TCP rejected, switchable per namespace
 * (/proc/sys/net/etp/) and per socket (ETP_VARIANT), so that a class can
 * run the wrong design on a real stack and watch it fail
 * (Documentation/lab.rst). Each is one bit of a socket's u8 variant; 0 is
 * the standard design everywhere, so a socket without a variant takes the
 * same paths as before the lab existed.
 *
 * Where each bit acts: a row of statetable.c's etp_variant_rows (close,
 * time_wait=off, the active end of handshake=2way, rfc5961's SYN), or a
 * small branch in the one room that owns the decision (request.c for the
 * passive end of the handshake, input.c for RST acceptance, isn.c for the
 * initial sequence number, timewait.c for TIME_WAIT's length and RFC 1337).
 */
#ifndef _ETP_VARIANT_H
#define _ETP_VARIANT_H

#include <linux/types.h>

#include "compat.h"

/* Plain numbers, not BIT(): the tracepoint's format shows them to perf. */
#define ETP_V_2WAY	0x01	/* handshake=2way */
#define ETP_V_CLOSE3	0x02	/* close=3way */
#define ETP_V_TW_OFF	0x04	/* time_wait=off */
#define ETP_V_TW_LEN	0x08	/* time_wait=N ms (etp_sock.tw_ms) */
#define ETP_V_ISN_CLOCK	0x10	/* isn=clock: RFC 793's 4 us clock */
#define ETP_V_ISN_ZERO	0x20	/* isn=zero */
#define ETP_V_NO5961	0x40	/* rfc5961=off: RST and SYN in the window */
#define ETP_V_NO1337	0x80	/* rfc1337=off: a RST ends TIME_WAIT */
/* What the tracepoint stores for a socket without variants. */
#define ETP_V_TRACE_STANDARD	0x100

/* A whole choice: the bits, and time_wait's length when ETP_V_TW_LEN. */
struct etp_variant {
	u8 bits;
	u32 tw_ms;
};

/*
 * The socket option that sets a socket's variants, at level ETP's protocol
 * number only (TCP's options end in the 40s): a text as etp_variant_parse()
 * reads it; getsockopt() returns every key.
 */
#define ETP_VARIANT	1000

/* The most time_wait=N takes, in ms (as msl_ms's hour). */
#define ETP_V_TW_MAX_MS	(3600 * 1000)
/* Longest ETP_VARIANT string, with its NUL (all six keys fit). */
#define ETP_VARIANT_MAX	128

struct ctl_table;

int etp_variant_parse(const char *s, struct etp_variant *v);
int etp_variant_format(const struct etp_variant *v, char *buf, size_t size,
		       bool all);
int etp_proc_variant(ETP_CTL_CONST struct ctl_table *table, int write,
		     void *buffer, size_t *lenp, loff_t *ppos);

#endif /* _ETP_VARIANT_H */
