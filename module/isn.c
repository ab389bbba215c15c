// SPDX-License-Identifier: GPL-2.0
/*
 * Initial sequence numbers (RFC 6528), timestamp offsets (RFC 7323 7.1), the
 * hash of the 4-tuple the tables use, and the tables' slots (a lock and a
 * chain each). ISNs, offsets and hash are keyed with secrets drawn once per
 * boot, so that none of them can be predicted from outside.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/net.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "etp.h"

static siphash_aligned_key_t etp_isn_key;
static siphash_aligned_key_t etp_hash_key;
static siphash_aligned_key_t etp_ts_key;

/**
 * etp_ts_off() - the offset a connection adds to its timestamp clock
 * @net: the namespace (its timestamps sysctl: 2 means no offset)
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * RFC 7323 7.1: a random offset per connection, so that TSvals say nothing
 * of the host's uptime; of the 4-tuple, as TCP's secure_tcp_seq_and_ts_off(),
 * so that a new connection of the same 4-tuple (a TIME_WAIT entry's) keeps
 * sending TSvals above the old one's.
 *
 * Return: the offset.
 */
u32 etp_ts_off(const struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
	       __be16 dport)
{
	if (READ_ONCE(etp_pernet(net)->sysctl.timestamps) == 2)
		return 0;
	return etp_ts_off_hash(saddr, daddr, sport, dport);
}

/**
 * etp_ts_off_hash() - etp_ts_off() whatever the sysctl says now
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * For a TIME_WAIT entry, whose connection chose long ago.
 *
 * Return: the offset.
 */
u32 etp_ts_off_hash(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	net_get_random_once(&etp_ts_key, sizeof(etp_ts_key));
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &etp_ts_key);
}

/**
 * etp_isn() - the initial sequence number of a new connection
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @variant: the connection's ETP_V_* (the lab's isn=clock and isn=zero)
 *
 * RFC 6528: ISN = M + F(4-tuple, secret), where M is a clock (here one tick
 * every 64 ns, as Linux TCP: the sequence space then wraps in about 4.6
 * minutes, more than 2 * MSL) and F is SipHash with a per-boot key. The
 * lab's isn=clock is RFC 793's M alone, one tick every 4 us, the same for
 * every connection; isn=zero is 0.
 *
 * Return: the ISN.
 */
u32 etp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
	    u8 variant)
{
	u32 hash;

	if (unlikely(variant & ETP_V_ISN_ZERO))
		return 0;
	if (unlikely(variant & ETP_V_ISN_CLOCK))
		return (u32)div_u64(ktime_get_real_ns(), 4000);

	net_get_random_once(&etp_isn_key, sizeof(etp_isn_key));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &etp_isn_key);
	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/**
 * etp_hash_tuple() - the hash of a 4-tuple, for the tables
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the hash.
 */
u32 etp_hash_tuple(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport)
{
	net_get_random_once(&etp_hash_key, sizeof(etp_hash_key));
	return siphash_3u32((__force u32)laddr, (__force u32)raddr,
			    (__force u32)lport << 16 | (__force u32)rport,
			    &etp_hash_key);
}

/**
 * etp_slots_alloc() - allocate and initialize a table of hash slots
 * @n: the number of slots
 *
 * Return: the slots, or NULL.
 */
struct etp_hslot *etp_slots_alloc(unsigned int n)
{
	struct etp_hslot *s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);
	unsigned int i;

	if (s)
		for (i = 0; i < n; i++) {
			spin_lock_init(&s[i].lock);
			INIT_HLIST_HEAD(&s[i].chain);
		}
	return s;
}

/**
 * etp_slots_free() - free a table of hash slots, which must be empty
 * @s: the slots, or NULL
 * @n: the number of slots
 */
void etp_slots_free(struct etp_hslot *s, unsigned int n)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		WARN_ON_ONCE(!hlist_empty(&s[i].chain));
	kvfree(s);
}

/**
 * etp_nslots_alloc() - allocate and initialize a table of nulls slots
 * @n: the number of slots
 *
 * Each chain's nulls marker is its slot's index (struct etp_nslot).
 *
 * Return: the slots, or NULL.
 */
struct etp_nslot *etp_nslots_alloc(unsigned int n)
{
	struct etp_nslot *s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);
	unsigned int i;

	if (s)
		for (i = 0; i < n; i++) {
			spin_lock_init(&s[i].lock);
			INIT_HLIST_NULLS_HEAD(&s[i].chain, i);
		}
	return s;
}

/**
 * etp_nslots_free() - free a table of nulls slots, which must be empty
 * @s: the slots, or NULL
 * @n: the number of slots
 */
void etp_nslots_free(struct etp_nslot *s, unsigned int n)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		WARN_ON_ONCE(!hlist_nulls_empty(&s[i].chain));
	kvfree(s);
}
