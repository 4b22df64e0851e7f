/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-tlv.h"

#include <string.h>

#include "mu-status.h"

#define MU_TLV_MAX_TAG_BYTES 3u

void mu_tlv_reader_init(mu_tlv_reader *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->left = buf != NULL ? len : 0;
}

bool mu_tlv_is_constructed(uint32_t tag)
{
	while (tag > 0xFF)
		tag >>= 8;
	return (tag & 0x20u) != 0;
}

/* Decodes one TLV header at p. Returns the header length, or 0 when the
 * header is malformed or the value does not fit in left bytes. */
static size_t decode_header(const uint8_t *p, size_t left, uint32_t *tag, size_t *len)
{
	size_t i = 0;
	if (left == 0)
		return 0;
	uint32_t t = p[i++];
	if (t == 0x00 || t == 0xFF)
		return 0; /* padding bytes are not tags in our formats */
	if ((t & 0x1Fu) == 0x1Fu) {
		for (;;) {
			if (i >= left || i >= MU_TLV_MAX_TAG_BYTES)
				return 0;
			uint8_t b = p[i++];
			t = (t << 8) | b;
			if ((b & 0x80u) == 0)
				break;
		}
	}
	if (i >= left)
		return 0;
	uint8_t l0 = p[i++];
	size_t l;
	if (l0 < 0x80) {
		l = l0;
	} else if (l0 == 0x81) {
		if (i + 1 > left)
			return 0;
		l = p[i++];
		if (l < 0x80)
			return 0; /* not the shortest form */
	} else if (l0 == 0x82) {
		if (i + 2 > left)
			return 0;
		l = ((size_t)p[i] << 8) | p[i + 1];
		i += 2;
		if (l < 0x100)
			return 0;
	} else {
		return 0; /* indefinite or longer than 65535 */
	}
	if (l > left - i)
		return 0;
	*tag = t;
	*len = l;
	return i;
}

int mu_tlv_next(mu_tlv_reader *r, mu_tlv *out)
{
	if (r->left == 0)
		return 0;
	uint32_t tag;
	size_t len;
	size_t hl = decode_header(r->p, r->left, &tag, &len);
	if (hl == 0)
		return MU_ERR_MALFORMED;
	out->tag = tag;
	out->value = r->p + hl;
	out->len = len;
	r->p += hl + len;
	r->left -= hl + len;
	return 1;
}

static int validate(const uint8_t *buf, size_t len, unsigned depth)
{
	mu_tlv_reader r;
	mu_tlv t;
	int rc;
	mu_tlv_reader_init(&r, buf, len);
	while ((rc = mu_tlv_next(&r, &t)) == 1) {
		if (mu_tlv_is_constructed(t.tag)) {
			if (depth == 0)
				return MU_ERR_MALFORMED;
			rc = validate(t.value, t.len, depth - 1);
			if (rc != 0)
				return rc;
		}
	}
	return rc;
}

int mu_tlv_validate(const uint8_t *buf, size_t len, unsigned max_depth)
{
	return validate(buf, len, max_depth);
}

int mu_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out)
{
	mu_tlv_reader r;
	mu_tlv t;
	int rc;
	mu_tlv_reader_init(&r, buf, len);
	while ((rc = mu_tlv_next(&r, &t)) == 1) {
		if (t.tag == tag) {
			*out = t;
			return 1;
		}
	}
	return rc;
}

void mu_tlv_writer_init(mu_tlv_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->len = 0;
	w->overflow = false;
}

static void put_bytes(mu_tlv_writer *w, const void *p, size_t n)
{
	if (w->overflow)
		return;
	if (n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_tag(mu_tlv_writer *w, uint32_t tag)
{
	uint8_t b[4];
	size_t n = 0;
	if (tag > 0xFFFFFF)
		b[n++] = (uint8_t)(tag >> 24);
	if (tag > 0xFFFF)
		b[n++] = (uint8_t)(tag >> 16);
	if (tag > 0xFF)
		b[n++] = (uint8_t)(tag >> 8);
	b[n++] = (uint8_t)tag;
	put_bytes(w, b, n);
}

/* Length octets for len: 1, 2 or 3 bytes. */
static size_t encode_len(size_t len, uint8_t out[3])
{
	if (len < 0x80) {
		out[0] = (uint8_t)len;
		return 1;
	}
	if (len <= 0xFF) {
		out[0] = 0x81;
		out[1] = (uint8_t)len;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)len;
	return 3;
}

void mu_tlv_put(mu_tlv_writer *w, uint32_t tag, const void *value, size_t len)
{
	if (len > MU_TLV_MAX_LEN) {
		w->overflow = true;
		return;
	}
	uint8_t l[3];
	size_t ln = encode_len(len, l);
	put_tag(w, tag);
	put_bytes(w, l, ln);
	put_bytes(w, value, len);
}

void mu_tlv_put_u8(mu_tlv_writer *w, uint32_t tag, uint8_t v)
{
	mu_tlv_put(w, tag, &v, 1);
}

void mu_tlv_put_str(mu_tlv_writer *w, uint32_t tag, const char *s)
{
	mu_tlv_put(w, tag, s, s != NULL ? strlen(s) : 0);
}

/* A constructed TLV is written with a 3-byte length placeholder that
 * mu_tlv_end() shrinks to the shortest form. */
size_t mu_tlv_begin(mu_tlv_writer *w, uint32_t tag)
{
	static const uint8_t placeholder[3] = {0x82, 0, 0};
	put_tag(w, tag);
	size_t mark = w->len;
	put_bytes(w, placeholder, sizeof(placeholder));
	return mark;
}

void mu_tlv_end(mu_tlv_writer *w, size_t mark)
{
	if (w->overflow)
		return;
	size_t content = w->len - mark - 3;
	if (content > MU_TLV_MAX_LEN) {
		w->overflow = true;
		return;
	}
	uint8_t l[3];
	size_t ln = encode_len(content, l);
	memmove(w->buf + mark + ln, w->buf + mark + 3, content);
	memcpy(w->buf + mark, l, ln);
	w->len = mark + ln + content;
}

int mu_tlv_writer_finish(const mu_tlv_writer *w, size_t *len)
{
	if (w->overflow)
		return MU_ERR_TOO_LONG;
	*len = w->len;
	return MU_OK;
}
