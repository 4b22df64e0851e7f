/* SPDX-License-Identifier: Apache-2.0 */
/* Card images: the persistent state as bytes.
 *
 *   "OPENMU-CARD\0" (12) || version (1) || body length (4, big-endian) ||
 *   body (TLVs) || SHA-256 of everything before (32)
 *
 * Body tags: 80 type, 81 serial, 82 label, 83 zone id, 84 zone description,
 * C1/C2 PINs, C3/C4 tries, C5 card key, C6 zone CA key, C7 admin key
 * (66-byte scalars), 88 admin name, 8E card, 9A zone CA, 9B root and 9C
 * admin certificates, A0 {90 slot, 91 description, 97 value} per key part.
 * The parser accepts each tag at most once (A0 once per slot) and checks
 * every field and the consistency of the card type before it allocates. */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-vp.h"

#define MAGIC "OPENMU-CARD"
#define MAGIC_LEN 12u
#define VERSION 1u
#define HEADER_LEN (MAGIC_LEN + 1u + 4u)
#define IMAGE_MAX (HEADER_LEN + 32768u + 32u)

enum {
	TAG_PIN1 = 0xC1,
	TAG_PIN2 = 0xC2,
	TAG_TRIES1 = 0xC3,
	TAG_TRIES2 = 0xC4,
	TAG_CARD_KEY = 0xC5,
	TAG_CA_KEY = 0xC6,
	TAG_SIG_KEY = 0xC7,
};

static void put_cert(mu_tlv_writer *w, uint32_t tag, const cardsim_cert *c)
{
	if (c->len > 0)
		mu_tlv_put(w, tag, c->der, c->len);
}

int cardsim_card_save(const cardsim_card *c, uint8_t **img, size_t *len)
{
	uint8_t *buf = malloc(IMAGE_MAX);
	if (buf == NULL)
		return MU_ERR_NOMEM;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, buf + HEADER_LEN, IMAGE_MAX - HEADER_LEN - 32);
	mu_tlv_put_u8(&w, MU_TAG_CARD_TYPE, (uint8_t)c->type);
	mu_tlv_put(&w, MU_TAG_SERIAL, c->serial, MU_SERIAL_LEN);
	mu_tlv_put_str(&w, MU_TAG_LABEL, c->label);
	if (c->type != MU_CARD_TYPE_BLANK) {
		mu_tlv_put_str(&w, MU_TAG_ZONE_ID, c->zone_id);
		mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, c->zone_desc);
		mu_tlv_put(&w, TAG_PIN1, c->pin1, MU_PIN_LEN);
		mu_tlv_put_u8(&w, TAG_TRIES1, c->tries1);
	}
	if (c->type == MU_CARD_TYPE_CA) {
		mu_tlv_put(&w, TAG_PIN2, c->pin2, MU_PIN_LEN);
		mu_tlv_put_u8(&w, TAG_TRIES2, c->tries2);
	}
	if (c->has_card_key)
		mu_tlv_put(&w, TAG_CARD_KEY, c->card_key, MU_P521_SCALAR_LEN);
	if (c->has_ca_key)
		mu_tlv_put(&w, TAG_CA_KEY, c->ca_key, MU_P521_SCALAR_LEN);
	if (c->has_sigkey) {
		mu_tlv_put(&w, TAG_SIG_KEY, c->sig_key, MU_P521_SCALAR_LEN);
		mu_tlv_put_str(&w, MU_TAG_ADMIN_NAME, c->admin_name);
	}
	put_cert(&w, MU_TAG_CERT, &c->card_cert);
	put_cert(&w, MU_TAG_CA_CERT, &c->ca_cert);
	put_cert(&w, MU_TAG_ROOT_CERT, &c->root_cert);
	put_cert(&w, MU_TAG_ADMIN_CERT, &c->admin_cert);
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++) {
		const cardsim_keypart *p = &c->parts[i];
		if (!p->used)
			continue;
		size_t mark = mu_tlv_begin(&w, MU_TAG_KEYPART);
		mu_tlv_put_u8(&w, MU_TAG_SLOT, (uint8_t)i);
		mu_tlv_put_str(&w, MU_TAG_DESC, p->desc);
		mu_tlv_put(&w, MU_TAG_KEYPART_VALUE, p->value, MU_KEYPART_LEN);
		mu_tlv_end(&w, mark);
	}
	size_t body;
	if (mu_tlv_writer_finish(&w, &body) != MU_OK) {
		mu_memzero(buf, IMAGE_MAX);
		free(buf);
		return MU_ERR_TOO_LONG;
	}
	memcpy(buf, MAGIC, MAGIC_LEN);
	buf[MAGIC_LEN] = VERSION;
	buf[MAGIC_LEN + 1] = (uint8_t)(body >> 24);
	buf[MAGIC_LEN + 2] = (uint8_t)(body >> 16);
	buf[MAGIC_LEN + 3] = (uint8_t)(body >> 8);
	buf[MAGIC_LEN + 4] = (uint8_t)body;
	if (mu_unit_sha256(buf, HEADER_LEN + body, buf + HEADER_LEN + body) != MU_OK) {
		mu_memzero(buf, IMAGE_MAX);
		free(buf);
		return MU_ERR_CRYPTO;
	}
	*img = buf;
	*len = HEADER_LEN + body + 32;
	return MU_OK;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct seen {
	bool tag[256];
} seen;

static bool fixed(const mu_tlv *t, size_t len)
{
	return t->len == len;
}

static bool scalar_ok(const mu_tlv *t)
{
	if (t->len != MU_P521_SCALAR_LEN)
		return false;
	EVP_PKEY *k = cardsim_key(t->value);
	EVP_PKEY_free(k);
	return k != NULL;
}

static bool cert_ok(const mu_tlv *t)
{
	return t->len > 0 && t->len <= CARDSIM_CERT_MAX &&
	       cardsim_x509_info(t->value, t->len, NULL, NULL, 0);
}

static bool parse_part(cardsim_card *c, const mu_tlv *t)
{
	mu_tlv slot, desc, value;
	if (mu_tlv_validate(t->value, t->len, 0) != 0 ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_SLOT, &slot) != 1 || slot.len != 1 ||
	    slot.value[0] >= MU_KEYPARTS_MAX || c->parts[slot.value[0]].used ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_DESC, &desc) != 1 ||
	    !cardsim_text_ok(desc.value, desc.len, MU_DESC_MAX, false) ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_KEYPART_VALUE, &value) != 1 ||
	    value.len != MU_KEYPART_LEN)
		return false;
	/* exactly those three */
	mu_tlv_reader r;
	mu_tlv x;
	int count = 0;
	mu_tlv_reader_init(&r, t->value, t->len);
	while (mu_tlv_next(&r, &x) == 1)
		count++;
	if (count != 3)
		return false;
	cardsim_keypart *p = &c->parts[slot.value[0]];
	p->used = true;
	cardsim_text_copy(p->desc, desc.value, desc.len);
	memcpy(p->value, value.value, MU_KEYPART_LEN);
	return mu_vp_compute(p->value, MU_KEYPART_LEN, p->vp) == 0;
}

static bool set_cert(cardsim_cert *dst, const mu_tlv *t)
{
	return cert_ok(t) && cardsim_cert_set(dst, t->value, t->len) == MU_OK;
}

/* Reads one body field into c. */
static bool parse_field(cardsim_card *c, const mu_tlv *t, seen *s)
{
	if (t->tag > 0xFF)
		return false;
	if (t->tag != MU_TAG_KEYPART) {
		if (s->tag[t->tag])
			return false;
		s->tag[t->tag] = true;
	}
	switch (t->tag) {
	case MU_TAG_CARD_TYPE:
		if (!fixed(t, 1) || t->value[0] > MU_CARD_TYPE_EP11)
			return false;
		c->type = t->value[0];
		return true;
	case MU_TAG_SERIAL:
		if (!fixed(t, MU_SERIAL_LEN))
			return false;
		memcpy(c->serial, t->value, MU_SERIAL_LEN);
		return true;
	case MU_TAG_LABEL:
		if (!cardsim_text_ok(t->value, t->len, MU_LABEL_MAX, true))
			return false;
		cardsim_text_copy(c->label, t->value, t->len);
		return true;
	case MU_TAG_ZONE_ID:
		if (!cardsim_zone_ok(t->value, t->len))
			return false;
		cardsim_text_copy(c->zone_id, t->value, t->len);
		return true;
	case MU_TAG_ZONE_DESC:
		if (!cardsim_text_ok(t->value, t->len, MU_DESC_MAX, true))
			return false;
		cardsim_text_copy(c->zone_desc, t->value, t->len);
		return true;
	case TAG_PIN1:
	case TAG_PIN2:
		if (!cardsim_pin_ok(t->value, t->len))
			return false;
		memcpy(t->tag == TAG_PIN1 ? c->pin1 : c->pin2, t->value, MU_PIN_LEN);
		return true;
	case TAG_TRIES1:
	case TAG_TRIES2:
		if (!fixed(t, 1) || t->value[0] > MU_CA_PIN_TRIES)
			return false;
		*(t->tag == TAG_TRIES1 ? &c->tries1 : &c->tries2) = t->value[0];
		return true;
	case TAG_CARD_KEY:
	case TAG_CA_KEY:
	case TAG_SIG_KEY:
		if (!scalar_ok(t))
			return false;
		memcpy(t->tag == TAG_CARD_KEY ? c->card_key : t->tag == TAG_CA_KEY ? c->ca_key : c->sig_key,
		       t->value, MU_P521_SCALAR_LEN);
		*(t->tag == TAG_CARD_KEY ? &c->has_card_key
		  : t->tag == TAG_CA_KEY ? &c->has_ca_key
		                         : &c->has_sigkey) = true;
		return true;
	case MU_TAG_ADMIN_NAME:
		if (!cardsim_text_ok(t->value, t->len, MU_NAME_MAX, false))
			return false;
		cardsim_text_copy(c->admin_name, t->value, t->len);
		return true;
	case MU_TAG_CERT:
		return set_cert(&c->card_cert, t);
	case MU_TAG_CA_CERT:
		return set_cert(&c->ca_cert, t);
	case MU_TAG_ROOT_CERT:
		return set_cert(&c->root_cert, t);
	case MU_TAG_ADMIN_CERT:
		return set_cert(&c->admin_cert, t);
	case MU_TAG_KEYPART:
		return parse_part(c, t);
	default:
		return false;
	}
}

/* Which fields each card type must have, and must not. */
static bool consistent(const cardsim_card *c, const seen *s)
{
	if (!s->tag[MU_TAG_CARD_TYPE] || !s->tag[MU_TAG_SERIAL] || !s->tag[MU_TAG_LABEL])
		return false;
	bool sig = c->has_sigkey;
	if (sig != s->tag[MU_TAG_ADMIN_NAME] || sig != (c->admin_cert.len > 0))
		return false;
	bool parts = false;
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++)
		parts = parts || c->parts[i].used;
	switch (c->type) {
	case MU_CARD_TYPE_BLANK:
		return !s->tag[MU_TAG_ZONE_ID] && !s->tag[MU_TAG_ZONE_DESC] && !s->tag[TAG_PIN1] &&
		       !s->tag[TAG_PIN2] && !s->tag[TAG_TRIES1] && !s->tag[TAG_TRIES2] &&
		       !c->has_ca_key && !sig && !parts && c->card_cert.len == 0 &&
		       c->ca_cert.len == 0 && c->root_cert.len == 0;
	case MU_CARD_TYPE_CA:
		return s->tag[MU_TAG_ZONE_ID] && s->tag[MU_TAG_ZONE_DESC] && s->tag[TAG_PIN1] &&
		       s->tag[TAG_PIN2] && s->tag[TAG_TRIES1] && s->tag[TAG_TRIES2] &&
		       c->tries1 <= MU_CA_PIN_TRIES && c->tries2 <= MU_CA_PIN_TRIES && c->has_ca_key &&
		       !sig && !parts && c->card_cert.len == 0 && c->ca_cert.len > 0 &&
		       c->root_cert.len > 0;
	case MU_CARD_TYPE_EP11:
		return s->tag[MU_TAG_ZONE_ID] && s->tag[MU_TAG_ZONE_DESC] && s->tag[TAG_PIN1] &&
		       !s->tag[TAG_PIN2] && s->tag[TAG_TRIES1] && !s->tag[TAG_TRIES2] &&
		       c->tries1 <= MU_EP11_PIN_TRIES && c->has_card_key && !c->has_ca_key &&
		       c->card_cert.len > 0 && c->ca_cert.len > 0 && c->root_cert.len > 0;
	default:
		return false;
	}
}

int cardsim_card_load(const uint8_t *img, size_t len, cardsim_card **out)
{
	uint8_t digest[32];
	if (img == NULL || out == NULL || len < HEADER_LEN + 32 || len > IMAGE_MAX ||
	    memcmp(img, MAGIC, MAGIC_LEN) != 0 || img[MAGIC_LEN] != VERSION)
		return MU_ERR_MALFORMED;
	size_t body = (size_t)img[MAGIC_LEN + 1] << 24 | (size_t)img[MAGIC_LEN + 2] << 16 |
	              (size_t)img[MAGIC_LEN + 3] << 8 | img[MAGIC_LEN + 4];
	if (body != len - HEADER_LEN - 32 || mu_unit_sha256(img, HEADER_LEN + body, digest) != 0 ||
	    memcmp(digest, img + HEADER_LEN + body, 32) != 0 ||
	    mu_tlv_validate(img + HEADER_LEN, body, 1) != 0)
		return MU_ERR_MALFORMED;

	cardsim_card *c = cardsim_card_alloc();
	seen *s = calloc(1, sizeof(*s));
	if (c == NULL || s == NULL) {
		cardsim_card_free(&c);
		free(s);
		return MU_ERR_NOMEM;
	}
	mu_tlv_reader r;
	mu_tlv t;
	int rc;
	bool ok = true;
	mu_tlv_reader_init(&r, img + HEADER_LEN, body);
	while (ok && (rc = mu_tlv_next(&r, &t)) == 1)
		ok = parse_field(c, &t, s);
	ok = ok && consistent(c, s);
	free(s);
	if (!ok) {
		cardsim_card_free(&c);
		return MU_ERR_MALFORMED;
	}
	*out = c;
	return MU_OK;
}
