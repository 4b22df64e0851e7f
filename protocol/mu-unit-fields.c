/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-fields.h"

#include <string.h>

#include "mu-status.h"

static void advance(mu_unit_fields *f)
{
	f->next_start = f->r.p;
	int rc = mu_tlv_next(&f->r, &f->next);
	f->state = rc;
}

void mu_unit_fields_init(mu_unit_fields *f, const uint8_t *buf, size_t len)
{
	mu_tlv_reader_init(&f->r, buf, len);
	f->end = buf != NULL ? buf + len : NULL;
	advance(f);
}

bool mu_unit_fields_at(const mu_unit_fields *f, uint32_t tag)
{
	return f->state == 1 && f->next.tag == tag;
}

int mu_unit_fields_opt(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out)
{
	if (f->state < 0)
		return MU_ERR_MALFORMED;
	if (f->state == 0 || f->next.tag != tag)
		return 0;
	if (f->next.len < min || f->next.len > max)
		return MU_ERR_MALFORMED;
	*out = f->next;
	advance(f);
	return 1;
}

int mu_unit_fields_take(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out)
{
	int rc = mu_unit_fields_opt(f, tag, min, max, out);
	return rc == 1 ? MU_OK : MU_ERR_MALFORMED;
}

int mu_unit_fields_take_whole(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out,
                              const uint8_t **tlv, size_t *tlv_len)
{
	const uint8_t *start = f->next_start;
	if (mu_unit_fields_take(f, tag, min, max, out) != MU_OK)
		return MU_ERR_MALFORMED;
	*tlv = start;
	*tlv_len = (size_t)(out->value + out->len - start);
	return MU_OK;
}

int mu_unit_fields_rest(const mu_unit_fields *f, const uint8_t **p, size_t *len)
{
	if (f->state < 0)
		return MU_ERR_MALFORMED;
	if (f->state == 0) {
		*p = f->end;
		*len = 0;
		return MU_OK;
	}
	*p = f->next_start;
	*len = (size_t)(f->end - f->next_start);
	return MU_OK;
}

int mu_unit_fields_u8(mu_unit_fields *f, uint32_t tag, uint8_t *v)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, 1, 1, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	*v = t.value[0];
	return MU_OK;
}

int mu_unit_fields_u16(mu_unit_fields *f, uint32_t tag, uint16_t *v)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, 2, 2, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	*v = mu_unit_get_be16(t.value);
	return MU_OK;
}

int mu_unit_fields_u32(mu_unit_fields *f, uint32_t tag, uint32_t *v)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, 4, 4, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	*v = mu_unit_get_be32(t.value);
	return MU_OK;
}

int mu_unit_fields_u64(mu_unit_fields *f, uint32_t tag, uint64_t *v)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, 8, 8, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	*v = mu_unit_get_be64(t.value);
	return MU_OK;
}

int mu_unit_fields_copy(mu_unit_fields *f, uint32_t tag, void *dst, size_t len)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, len, len, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	memcpy(dst, t.value, len);
	return MU_OK;
}

int mu_unit_fields_text(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, char *dst)
{
	mu_tlv t;
	if (mu_unit_fields_take(f, tag, min, max, &t) != MU_OK || !mu_unit_utf8_ok(t.value, t.len))
		return MU_ERR_MALFORMED;
	if (t.len > 0)
		memcpy(dst, t.value, t.len);
	dst[t.len] = '\0';
	return MU_OK;
}

int mu_unit_fields_end(const mu_unit_fields *f)
{
	return f->state == 0 ? MU_OK : MU_ERR_MALFORMED;
}

void mu_unit_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void mu_unit_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

void mu_unit_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint16_t mu_unit_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t mu_unit_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t mu_unit_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

bool mu_unit_utf8_ok(const uint8_t *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = buf[i];
		size_t n;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1Fu;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0Fu;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07u;
		} else {
			return false;
		}
		if (n > len - i - 1)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((buf[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (buf[i + k] & 0x3Fu);
		}
		/* shortest form, no surrogates, within Unicode */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += n + 1;
	}
	return true;
}
