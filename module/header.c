// SPDX-License-Identifier: GPL-2.0
/*
 * ETP's header options: reading them from a received segment.
 *
 * The header is TCP's (RFC 9293 3.1), so a struct tcphdr reads it; the SYN's
 * options are the MSS (RFC 9293 3.7.1) and the window scale (RFC 7323 2.3).
 * Callers have pulled the whole header (th->doff * 4 bytes) into the linear
 * area; nothing here takes a lock or keeps state.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "etp.h"

/**
 * etp_parse_syn_options() - read the MSS and window scale options of a SYN
 * @skb: the segment, its header at skb->data
 * @mss: the MSS option, or ETP_DEFAULT_MSS without one
 * @wscale: the window scale option's shift, capped at 14 (RFC 7323 2.3)
 * @wscale_ok: whether the option was there
 *
 * Unknown options are skipped; a malformed option list ends the parsing.
 */
void etp_parse_syn_options(const struct sk_buff *skb, u16 *mss, u8 *wscale,
			   bool *wscale_ok)
{
	const struct tcphdr *th = etp_hdr(skb);
	const u8 *p = (const u8 *)(th + 1);
	int left = th->doff * 4 - sizeof(*th);

	*mss = ETP_DEFAULT_MSS;
	*wscale = 0;
	*wscale_ok = false;
	while (left > 0) {
		u8 kind = *p, len;

		if (kind == 0)		/* end of options */
			break;
		if (kind == 1) {	/* NOP */
			p++;
			left--;
			continue;
		}
		if (left < 2)
			break;
		len = p[1];
		if (len < 2 || len > left)
			break;
		if (kind == 2 && len == 4)
			*mss = max_t(u16, get_unaligned_be16(p + 2), ETP_MIN_MSS);
		else if (kind == 3 && len == 3) {
			*wscale = min_t(u8, p[2], ETP_MAX_WSCALE);
			*wscale_ok = true;
		}
		p += len;
		left -= len;
	}
}

#include "tests/seq_test.c"

#include "tests/header_test.c"
