// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of GSO (offload.c): the size of a segment that IP's MTU checks
 * estimate for an ETP GSO skb (a router's ip_forward(), output before
 * segmentation) is its real size on the wire, so that a next hop one byte
 * too narrow refuses it. Included by offload.c.
 */
#include "selftest.h"

int __init etp_offload_selftest(void)
{
	const unsigned int mss = 1000, segs = 3;
	bool fits, fits_less;
	struct sk_buff *skb;
	int checks = 0;

	skb = alloc_skb(MAX_HEADER + sizeof(struct iphdr) + ETP_HDR_LEN +
			mss * segs, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, MAX_HEADER + sizeof(struct iphdr) + ETP_HDR_LEN);
	skb_put_zero(skb, mss * segs);
	skb_push(skb, ETP_HDR_LEN);
	skb_reset_transport_header(skb);
	skb_push(skb, sizeof(struct iphdr));
	skb_reset_network_header(skb);
	etp_gso_set(skb, mss, segs);
	fits = skb_gso_validate_network_len(skb, sizeof(struct iphdr) + ETP_HDR_LEN + mss);
	fits_less = skb_gso_validate_network_len(skb, sizeof(struct iphdr) + ETP_HDR_LEN +
						 mss - 1);
	etp_gso_set(skb, mss, 1);
	kfree_skb(skb);
	ETP_CHECK(fits);
	ETP_CHECK(!fits_less);
	return checks;
}
