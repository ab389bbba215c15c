// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's variants (variant.h): their names, and the text that names a
 * choice of them, for the sysctls of /proc/sys/net/etp/, the ETP_VARIANT
 * socket option and /proc/net/etp. A choice reads "close=3way,time_wait=off"
 * (the keys not named keep their value) or "standard". The decisions
 * themselves are made where each variant acts (variant.h says where).
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/sysctl.h>

#include "variant.h"

/* A key and its words; the first word is the standard design (bit 0). */
struct etp_variant_key {
	const char *name;
	u8 mask;			/* the key's bits */
	const char *words[3];
	u8 bits[3];
};

static const struct etp_variant_key etp_variant_keys[] = {
	{ "handshake", ETP_V_2WAY, { "3way", "2way" }, { 0, ETP_V_2WAY } },
	{ "close", ETP_V_CLOSE3, { "4way", "3way" }, { 0, ETP_V_CLOSE3 } },
	/* Or a length in ms: ETP_V_TW_LEN. */
	{ "time_wait", ETP_V_TW_OFF | ETP_V_TW_LEN, { "2msl", "off" },
	  { 0, ETP_V_TW_OFF } },
	{ "isn", ETP_V_ISN_CLOCK | ETP_V_ISN_ZERO, { "rfc6528", "clock", "zero" },
	  { 0, ETP_V_ISN_CLOCK, ETP_V_ISN_ZERO } },
	{ "rfc5961", ETP_V_NO5961, { "on", "off" }, { 0, ETP_V_NO5961 } },
	{ "rfc1337", ETP_V_NO1337, { "on", "off" }, { 0, ETP_V_NO1337 } },
};

static const struct etp_variant_key *etp_variant_key(const char *name, size_t len)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(etp_variant_keys); i++)
		if (strlen(etp_variant_keys[i].name) == len &&
		    !strncmp(etp_variant_keys[i].name, name, len))
			return &etp_variant_keys[i];
	return NULL;
}

/* Set @k's value in @v from @word; -EINVAL if it is not one of @k's. */
static int etp_variant_set(const struct etp_variant_key *k, const char *word,
			   struct etp_variant *v)
{
	unsigned int ms;
	int i;

	for (i = 0; i < ARRAY_SIZE(k->words) && k->words[i]; i++) {
		if (!strcmp(word, k->words[i])) {
			v->bits = (v->bits & ~k->mask) | k->bits[i];
			if (k->mask & ETP_V_TW_LEN)
				v->tw_ms = 0;
			return 0;
		}
	}
	/* time_wait=N: N ms, 1 to an hour, digits only (no sign, no 0 first). */
	if ((k->mask & ETP_V_TW_LEN) && *word >= '1' && *word <= '9' &&
	    strspn(word, "0123456789") == strlen(word) &&
	    !kstrtouint(word, 10, &ms) && ms <= ETP_V_TW_MAX_MS) {
		v->bits = (v->bits & ~k->mask) | ETP_V_TW_LEN;
		v->tw_ms = ms;
		return 0;
	}
	return -EINVAL;
}

/**
 * etp_variant_parse() - change a choice of variants as a text says
 * @s: "standard", or "key=word" items separated by commas
 * @v: the choice to change; unchanged on error
 *
 * Return: 0, or -EINVAL for an empty text, an unknown key or word, or a
 * key named twice.
 */
int etp_variant_parse(const char *s, struct etp_variant *v)
{
	struct etp_variant nv = *v;
	unsigned int seen = 0;
	const char *item = s;

	if (!strcmp(s, "standard")) {
		*v = (struct etp_variant){ };
		return 0;
	}
	do {
		const char *end = strchrnul(item, ','), *eq;
		const struct etp_variant_key *k;
		char word[16];
		size_t wlen;

		eq = memchr(item, '=', end - item);
		if (!eq)
			return -EINVAL;
		k = etp_variant_key(item, eq - item);
		wlen = end - eq - 1;
		if (!k || wlen >= sizeof(word) || seen & BIT(k - etp_variant_keys))
			return -EINVAL;
		seen |= BIT(k - etp_variant_keys);
		memcpy(word, eq + 1, wlen);
		word[wlen] = '\0';
		if (etp_variant_set(k, word, &nv))
			return -EINVAL;
		item = *end ? end + 1 : NULL;
	} while (item);
	*v = nv;
	return 0;
}

/* @k's word in @v: into @buf (for a length), or a constant. */
static const char *etp_variant_word(const struct etp_variant_key *k,
				    const struct etp_variant *v, char *buf,
				    size_t size)
{
	u8 bits = v->bits & k->mask;
	int i;

	if (bits & ETP_V_TW_LEN) {
		snprintf(buf, size, "%u", v->tw_ms);
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(k->words) && k->words[i]; i++)
		if (k->bits[i] == bits)
			return k->words[i];
	return "?";
}

/**
 * etp_variant_format() - the text of a choice of variants
 * @v: the choice
 * @buf: where to write it, NUL-terminated
 * @size: @buf's size (ETP_VARIANT_MAX holds every key)
 * @all: every key; otherwise only those that differ from the standard
 *       design ("" for none)
 *
 * Return: the length written, without the NUL.
 */
int etp_variant_format(const struct etp_variant *v, char *buf, size_t size,
		       bool all)
{
	int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(etp_variant_keys); i++) {
		const struct etp_variant_key *k = &etp_variant_keys[i];
		char num[12];

		if (!all && !(v->bits & k->mask))
			continue;
		len += scnprintf(buf + len, size - len, "%s%s=%s", len ? "," : "",
				 k->name, etp_variant_word(k, v, num, sizeof(num)));
	}
	return len;
}

/**
 * etp_proc_variant() - a sysctl that takes a variant's word
 * @table: the entry: its procname is the key, its data an int holding the
 *         key's bits (time_wait: 0 for 2msl, -1 for off, or ms)
 * @write: as proc_dostring()
 * @buffer: as proc_dostring()
 * @lenp: as proc_dostring()
 * @ppos: as proc_dostring()
 *
 * A write may come in pieces (sysctl_writes_strict: each continues at its
 * offset): the buffer starts with the current word, as
 * proc_tcp_congestion_control()'s does. It is longer than any word, so a
 * write too long for it is cut to something no key takes.
 *
 * Return: 0, or -EINVAL for a word that is not the key's (nothing changes).
 */
int etp_proc_variant(ETP_CTL_CONST struct ctl_table *table, int write,
		     void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct etp_variant_key *k = etp_variant_key(table->procname,
							  strlen(table->procname));
	char word[32];
	struct ctl_table tmp = {
		.procname = table->procname, .data = word, .maxlen = sizeof(word),
	};
	struct etp_variant v = { };
	int *val = table->data, cur, err;
	char num[12];

	if (WARN_ON_ONCE(!k))
		return -EINVAL;
	cur = READ_ONCE(*val);
	if (k->mask & ETP_V_TW_LEN)
		v = (struct etp_variant){
			cur < 0 ? ETP_V_TW_OFF : cur ? ETP_V_TW_LEN : 0,
			max(cur, 0) };
	else
		v.bits = cur;
	strscpy(word, etp_variant_word(k, &v, num, sizeof(num)), sizeof(word));
	if (!write)
		return proc_dostring(&tmp, 0, buffer, lenp, ppos);
	v = (struct etp_variant){ };
	err = proc_dostring(&tmp, 1, buffer, lenp, ppos);
	if (err)
		return err;
	if (etp_variant_set(k, word, &v))
		return -EINVAL;
	if (k->mask & ETP_V_TW_LEN)
		cur = v.bits & ETP_V_TW_OFF ? -1 : v.tw_ms;
	else
		cur = v.bits;
	WRITE_ONCE(*val, cur);
	return 0;
}
