/* SPDX-License-Identifier: Apache-2.0 */
/* Card images: the persistent state as bytes.
 *
 *   "OPENMU-CARD\0" (12) || version 01 (1) || body length (4, big-endian) ||
 *   body || SHA-256 of everything before it (32)
 *
 * The body is a TLV sequence in this order, each field at most once:
 *   80 type, 81 serial, 82 label, 83 zone id, 84 zone description,
 *   C1 PIN 1, C2 PIN 2, C3 tries of PIN 1, C4 tries of PIN 2,
 *   C5 card key, C6 zone CA key, C7 admin key (66-byte P-521 scalars),
 *   88 admin name, 8E card, 9A zone CA, 9B root and 9C admin certificates,
 *   A0 { 90 slot, 91 description, 97 value } per key part, by rising slot.
 * The parser checks every field, the order, which fields the card type must
 * and must not have, and that each certificate names the key stored beside
 * it; it refuses anything else with MU_ERR_MALFORMED. Saving a loaded image
 * gives back the same bytes. */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-vp.h"
#include "mu-x509.h"

#define MAGIC "OPENMU-CARD"
#define MAGIC_LEN 12u
#define VERSION 1u
#define HEADER_LEN (MAGIC_LEN + 1u + 4u)
#define BODY_MAX 32768u
#define IMAGE_MAX (HEADER_LEN + BODY_MAX + MU_SHA256_LEN)

enum {
	TAG_PIN1 = 0xC1,
	TAG_PIN2 = 0xC2,
	TAG_TRIES1 = 0xC3,
	TAG_TRIES2 = 0xC4,
	TAG_CARD_KEY = 0xC5,
	TAG_CA_KEY = 0xC6,
	TAG_SIG_KEY = 0xC7,
};

/* The body order; the last entry (key parts) may repeat. */
static const uint8_t body_order[] = {
	MU_TAG_CARD_TYPE, MU_TAG_SERIAL,   MU_TAG_LABEL,   MU_TAG_ZONE_ID, MU_TAG_ZONE_DESC,
	TAG_PIN1,         TAG_PIN2,        TAG_TRIES1,     TAG_TRIES2,     TAG_CARD_KEY,
	TAG_CA_KEY,       TAG_SIG_KEY,     MU_TAG_ADMIN_NAME, MU_TAG_CERT, MU_TAG_CA_CERT,
	MU_TAG_ROOT_CERT, MU_TAG_ADMIN_CERT, MU_TAG_KEYPART,
};
#define ORDER_LEN (sizeof(body_order) / sizeof(body_order[0]))

static void put_cert(mu_tlv_writer *w, uint32_t tag, const cardsim_cert *c)
{
	if (c->len > 0)
		mu_tlv_put(w, tag, c->der, c->len);
}

static void put_u32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int cardsim_card_save(const cardsim_card *c, uint8_t **img, size_t *len)
{
	if (c == NULL || img == NULL || len == NULL)
		return MU_ERR_ARG;
	uint8_t *buf = malloc(IMAGE_MAX);
	if (buf == NULL)
		return MU_ERR_NOMEM;
	bool personalized = c->type != MU_CARD_TYPE_BLANK;
	bool ca = c->type == MU_CARD_TYPE_CA;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, buf + HEADER_LEN, BODY_MAX);
	mu_tlv_put_u8(&w, MU_TAG_CARD_TYPE, (uint8_t)c->type);
	mu_tlv_put(&w, MU_TAG_SERIAL, c->serial, MU_SERIAL_LEN);
	mu_tlv_put_str(&w, MU_TAG_LABEL, c->label);
	if (personalized) {
		mu_tlv_put_str(&w, MU_TAG_ZONE_ID, c->zone_id);
		mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, c->zone_desc);
		mu_tlv_put(&w, TAG_PIN1, c->pin1, MU_PIN_LEN);
		if (ca)
			mu_tlv_put(&w, TAG_PIN2, c->pin2, MU_PIN_LEN);
		mu_tlv_put_u8(&w, TAG_TRIES1, c->tries1);
		if (ca)
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
	size_t body = 0;
	int rc = mu_tlv_writer_finish(&w, &body);
	if (rc == MU_OK) {
		memcpy(buf, MAGIC, MAGIC_LEN);
		buf[MAGIC_LEN] = VERSION;
		put_u32(buf + MAGIC_LEN + 1, body);
		rc = mu_sha256(buf, HEADER_LEN + body, buf + HEADER_LEN + body);
	}
	if (rc != MU_OK) {
		mu_memzero(buf, IMAGE_MAX);
		free(buf);
		return rc;
	}
	*img = buf;
	*len = HEADER_LEN + body + MU_SHA256_LEN;
	return MU_OK;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct parser {
	size_t rank;       /* position in body_order of the last field */
	bool seen[ORDER_LEN];
	int last_slot;
	/* public points of the card, zone CA and admin keys */
	uint8_t card_point[MU_P521_POINT_LEN], ca_point[MU_P521_POINT_LEN],
		sig_point[MU_P521_POINT_LEN];
} parser;

static size_t rank_of(uint32_t tag)
{
	for (size_t i = 0; i < ORDER_LEN; i++)
		if (body_order[i] == tag)
			return i;
	return ORDER_LEN;
}

static bool has(const parser *ps, uint32_t tag)
{
	return ps->seen[rank_of(tag)];
}

static bool set_cert(cardsim_cert *dst, const mu_tlv *t)
{
	X509 *x = NULL;
	if (t->len == 0 || t->len > CARDSIM_CERT_MAX || mu_x509_parse(t->value, t->len, &x) != MU_OK)
		return false;
	X509_free(x);
	return cardsim_cert_set(dst, t->value, t->len) == MU_OK;
}

/* A0 { 90 slot, 91 description, 97 value }, slots rising. */
static bool parse_part(cardsim_card *c, parser *ps, const mu_tlv *t)
{
	mu_tlv f[3];
	static const uint32_t tags[3] = {MU_TAG_SLOT, MU_TAG_DESC, MU_TAG_KEYPART_VALUE};
	mu_tlv_reader r;
	mu_tlv_reader_init(&r, t->value, t->len);
	for (size_t i = 0; i < 3; i++)
		if (mu_tlv_next(&r, &f[i]) != 1 || f[i].tag != tags[i])
			return false;
	mu_tlv extra;
	if (mu_tlv_next(&r, &extra) != 0)
		return false;
	if (f[0].len != 1 || f[0].value[0] >= MU_KEYPARTS_MAX || (int)f[0].value[0] <= ps->last_slot ||
	    !cardsim_text_ok(f[1].value, f[1].len, MU_DESC_MAX, false) || f[2].len != MU_KEYPART_LEN)
		return false;
	ps->last_slot = f[0].value[0];
	cardsim_keypart *p = &c->parts[f[0].value[0]];
	p->used = true;
	cardsim_text_copy(p->desc, f[1].value, f[1].len);
	memcpy(p->value, f[2].value, MU_KEYPART_LEN);
	return mu_vp_compute(p->value, MU_KEYPART_LEN, p->vp) == MU_OK;
}

/* A valid scalar; its point is kept to check the certificate beside it. */
static bool parse_key(uint8_t dst[MU_P521_SCALAR_LEN], bool *flag, uint8_t point[MU_P521_POINT_LEN],
                      const mu_tlv *t)
{
	if (t->len != MU_P521_SCALAR_LEN || mu_ec_scalar_point(t->value, point) != MU_OK)
		return false;
	memcpy(dst, t->value, MU_P521_SCALAR_LEN);
	*flag = true;
	return true;
}

/* Reads one body field into c. */
static bool parse_field(cardsim_card *c, parser *ps, const mu_tlv *t)
{
	size_t rank = rank_of(t->tag);
	if (rank == ORDER_LEN)
		return false;
	/* strictly rising ranks: no field twice, none out of place; only key
	 * parts repeat (their slots rise, see parse_part) */
	bool repeat = rank == ps->rank && t->tag == MU_TAG_KEYPART;
	if (!repeat && ps->rank != ORDER_LEN && rank <= ps->rank)
		return false;
	ps->rank = rank;
	ps->seen[rank] = true;
	switch (t->tag) {
	case MU_TAG_CARD_TYPE:
		if (t->len != 1 || t->value[0] > MU_CARD_TYPE_EP11)
			return false;
		c->type = t->value[0];
		return true;
	case MU_TAG_SERIAL:
		if (t->len != MU_SERIAL_LEN)
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
		if (t->len != 1 || t->value[0] > MU_CA_PIN_TRIES)
			return false;
		*(t->tag == TAG_TRIES1 ? &c->tries1 : &c->tries2) = t->value[0];
		return true;
	case TAG_CARD_KEY:
		return parse_key(c->card_key, &c->has_card_key, ps->card_point, t);
	case TAG_CA_KEY:
		return parse_key(c->ca_key, &c->has_ca_key, ps->ca_point, t);
	case TAG_SIG_KEY:
		return parse_key(c->sig_key, &c->has_sigkey, ps->sig_point, t);
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
	default:
		return parse_part(c, ps, t);
	}
}

/* The certificate holds the public key of the stored scalar. */
static bool cert_has_key(const cardsim_cert *cert, const uint8_t point[MU_P521_POINT_LEN])
{
	return cert->len > 0 && cardsim_x509_has_point(cert->der, cert->len, point);
}

/* Which fields each card type must have, and must not. */
static bool consistent(const cardsim_card *c, const parser *ps)
{
	if (!has(ps, MU_TAG_CARD_TYPE) || !has(ps, MU_TAG_SERIAL) || !has(ps, MU_TAG_LABEL))
		return false;
	bool sig = c->has_sigkey, parts = ps->last_slot >= 0;
	if (sig != has(ps, MU_TAG_ADMIN_NAME) || sig != (c->admin_cert.len > 0) ||
	    (sig && !cert_has_key(&c->admin_cert, ps->sig_point)))
		return false;
	bool zone = has(ps, MU_TAG_ZONE_ID) && has(ps, MU_TAG_ZONE_DESC) && has(ps, TAG_PIN1) &&
	            has(ps, TAG_TRIES1);
	switch (c->type) {
	case MU_CARD_TYPE_BLANK:
		return !has(ps, MU_TAG_ZONE_ID) && !has(ps, MU_TAG_ZONE_DESC) && !has(ps, TAG_PIN1) &&
		       !has(ps, TAG_PIN2) && !has(ps, TAG_TRIES1) && !has(ps, TAG_TRIES2) &&
		       !c->has_ca_key && !sig && !parts && c->card_cert.len == 0 &&
		       c->ca_cert.len == 0 && c->root_cert.len == 0;
	case MU_CARD_TYPE_CA:
		return zone && has(ps, TAG_PIN2) && has(ps, TAG_TRIES2) && c->has_ca_key && !sig &&
		       !parts && c->card_cert.len == 0 && c->root_cert.len > 0 &&
		       cert_has_key(&c->ca_cert, ps->ca_point);
	case MU_CARD_TYPE_EP11:
		return zone && !has(ps, TAG_PIN2) && !has(ps, TAG_TRIES2) &&
		       c->tries1 <= MU_EP11_PIN_TRIES && c->has_card_key && !c->has_ca_key &&
		       c->ca_cert.len > 0 && c->root_cert.len > 0 &&
		       cert_has_key(&c->card_cert, ps->card_point);
	default:
		return false;
	}
}

int cardsim_card_load(const uint8_t *img, size_t len, cardsim_card **out)
{
	uint8_t digest[MU_SHA256_LEN];
	if (img == NULL || out == NULL)
		return MU_ERR_ARG;
	if (len < HEADER_LEN + MU_SHA256_LEN || len > IMAGE_MAX || memcmp(img, MAGIC, MAGIC_LEN) != 0 ||
	    img[MAGIC_LEN] != VERSION)
		return MU_ERR_MALFORMED;
	size_t body = (size_t)img[MAGIC_LEN + 1] << 24 | (size_t)img[MAGIC_LEN + 2] << 16 |
	              (size_t)img[MAGIC_LEN + 3] << 8 | img[MAGIC_LEN + 4];
	if (body != len - HEADER_LEN - MU_SHA256_LEN ||
	    mu_sha256(img, HEADER_LEN + body, digest) != MU_OK ||
	    memcmp(digest, img + HEADER_LEN + body, MU_SHA256_LEN) != 0)
		return MU_ERR_MALFORMED;

	cardsim_card *c = cardsim_card_alloc();
	if (c == NULL)
		return MU_ERR_NOMEM;
	parser ps;
	memset(&ps, 0, sizeof(ps));
	ps.rank = ORDER_LEN;
	ps.last_slot = -1;
	mu_tlv_reader r;
	mu_tlv t;
	int rc = 0;
	bool ok = true;
	mu_tlv_reader_init(&r, img + HEADER_LEN, body);
	while (ok && (rc = mu_tlv_next(&r, &t)) == 1)
		ok = parse_field(c, &ps, &t);
	ok = ok && rc == 0 && consistent(c, &ps);
	if (!ok) {
		cardsim_card_free(&c);
		return MU_ERR_MALFORMED;
	}
	*out = c;
	return MU_OK;
}
