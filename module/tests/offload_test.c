// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of GSO (offload.c): the size of a segment that IP's MTU checks
 * estimate for an ETP GSO skb (a router's ip_forward(), output before
 * segmentation) is its real size on the wire, so that a next hop one byte
 * too narrow refuses it, with a bare header and with the timestamps
 * option's 12 bytes; and a receiver reads the sender's MSS back from it.
 * Included by offload.c.
 */
#include "selftest.h"

/* A GSO skb of @segs segments of @mss with a header of @thlen bytes. */
static int __init etp_offload_check(unsigned int thlen)
{
	const unsigned int mss = 1000, segs = 3;
	bool fits, fits_less;
	struct sk_buff *skb;
	unsigned int back;
	int checks = 0;

	skb = alloc_skb(MAX_HEADER + sizeof(struct iphdr) + thlen +
			mss * segs, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, MAX_HEADER + sizeof(struct iphdr) + thlen);
	skb_put_zero(skb, mss * segs);
	memset(skb_push(skb, thlen), 0, thlen);
	skb_reset_transport_header(skb);
	tcp_hdr(skb)->doff = thlen / 4;
	skb_push(skb, sizeof(struct iphdr));
	skb_reset_network_header(skb);
	etp_gso_set(skb, mss, segs);
	fits = skb_gso_validate_network_len(skb, sizeof(struct iphdr) + thlen + mss);
	fits_less = skb_gso_validate_network_len(skb, sizeof(struct iphdr) + thlen +
						 mss - 1);
	back = etp_gso_mss(skb);
	etp_gso_set(skb, mss, 1);
	kfree_skb(skb);
	ETP_CHECK(fits);
	ETP_CHECK(!fits_less);
	ETP_CHECK(back == mss);
	return checks;
}

int __init etp_offload_selftest(void)
{
	int n = etp_offload_check(ETP_HDR_LEN), m;

	if (n < 0)
		return n;
	m = etp_offload_check(ETP_HDR_LEN + ETP_TS_OPT_LEN);
	return m < 0 ? m : n + m;
}
