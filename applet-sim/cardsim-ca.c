/* SPDX-License-Identifier: Apache-2.0 */
/* CA card commands: INIT CA, CERTIFY CARD, SIGN UNBLOCK, CA BACKUP EXPORT
 * and CA RESTORE (docs/protocol.md §2, §6–§8). */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-x509.h"

#define BACKUP_PLAIN_MAX (3 * CARDSIM_CERT_MAX + 512)

/* Reads a text TLV (exactly once) into dst; false if absent or invalid. */
static bool get_text(const uint8_t *d, size_t n, uint32_t tag, size_t max, bool allow_empty,
                     mu_tlv *t)
{
	return cardsim_tlv_get(d, n, tag, t) == 1 && cardsim_text_ok(t->value, t->len, max, allow_empty);
}

uint16_t cardsim_cmd_init_ca(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	mu_tlv zone, desc, root, pin1, pin2, label;
	if (c->type != MU_CARD_TYPE_BLANK)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	int has_label = cardsim_tlv_get(d, n, MU_TAG_LABEL, &label);
	if (cardsim_tlv_get(d, n, MU_TAG_ZONE_ID, &zone) != 1 || !cardsim_zone_ok(zone.value, zone.len) ||
	    !get_text(d, n, MU_TAG_ZONE_DESC, MU_DESC_MAX, true, &desc) ||
	    cardsim_tlv_get(d, n, MU_TAG_ROOT_CERT, &root) != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_PIN, &pin1) != 1 || !cardsim_pin_ok(pin1.value, pin1.len) ||
	    cardsim_tlv_get(d, n, MU_TAG_PIN2, &pin2) != 1 || !cardsim_pin_ok(pin2.value, pin2.len) ||
	    has_label < 0 ||
	    (has_label == 1 && !cardsim_text_ok(label.value, label.len, MU_LABEL_MAX, true)))
		return MU_SW_WRONG_DATA;
	if (mu_x509_check_self_signed(root.value, root.len) != MU_OK)
		return MU_SW_REF_NOT_USABLE;

	/* Build everything aside, then commit. */
	uint8_t key[MU_P521_SCALAR_LEN], point[MU_P521_POINT_LEN], fpr[32];
	cardsim_cert rootc = {0};
	uint8_t *ca_der = NULL;
	size_t ca_len = 0;
	EVP_PKEY *k = NULL;
	char zone_id[MU_ZONE_ID_MAX + 1];
	uint16_t sw = MU_SW_UNKNOWN;
	cardsim_text_copy(zone_id, zone.value, zone.len);
	if (cardsim_generate(key) != 0 || (k = cardsim_key(key)) == NULL ||
	    mu_ec_public_point(k, point) != MU_OK ||
	    mu_x509_make_zone_ca(k, zone_id, &ca_der, &ca_len) != MU_OK ||
	    cardsim_cert_set(&rootc, root.value, root.len) != MU_OK ||
	    mu_x509_fingerprint(root.value, root.len, fpr) != MU_OK)
		goto fail;
	mu_tlv_put(o, MU_TAG_ROOT_FPR, fpr, sizeof(fpr));
	mu_tlv_put(o, MU_TAG_PUBKEY, point, sizeof(point));
	if (o->overflow)
		goto fail;

	c->type = MU_CARD_TYPE_CA;
	memcpy(c->zone_id, zone_id, sizeof(zone_id));
	cardsim_text_copy(c->zone_desc, desc.value, desc.len);
	if (has_label == 1)
		cardsim_text_copy(c->label, label.value, label.len);
	memcpy(c->pin1, pin1.value, MU_PIN_LEN);
	memcpy(c->pin2, pin2.value, MU_PIN_LEN);
	c->tries1 = c->tries2 = MU_CA_PIN_TRIES;
	memcpy(c->ca_key, key, sizeof(key));
	c->has_ca_key = true;
	cardsim_cert_take(&c->ca_cert, ca_der, ca_len);
	c->root_cert = rootc;
	c->v1 = c->v2 = false;
	c->dirty = true;
	mu_memzero(key, sizeof(key));
	EVP_PKEY_free(k);
	return MU_SW_OK;
fail:
	mu_memzero(key, sizeof(key));
	EVP_PKEY_free(k);
	free(ca_der);
	cardsim_cert_clear(&rootc);
	return sw;
}

/* What every officer command checks first: a CA card, P1-P2 00 00 and both
 * PINs verified. */
static uint16_t officers_command(const cardsim_card *c, const mu_apdu *a)
{
	if (c->type != MU_CARD_TYPE_CA)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	return cardsim_need_officers(c);
}

/* The other card a CA command acts for: {81 serial, 8F card public point}. */
static uint16_t other_card(const uint8_t *d, size_t n, mu_tlv *serial, EVP_PKEY **pub)
{
	mu_tlv point;
	if (cardsim_tlv_get(d, n, MU_TAG_SERIAL, serial) != 1 || serial->len != MU_SERIAL_LEN ||
	    cardsim_tlv_get(d, n, MU_TAG_PUBKEY, &point) != 1 || point.len != MU_P521_POINT_LEN ||
	    mu_ec_from_point(point.value, point.len, pub) != MU_OK)
		return MU_SW_WRONG_DATA;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_certify(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	mu_tlv serial;
	EVP_PKEY *pub = NULL, *ca = NULL;
	uint16_t sw = officers_command(c, a);
	if (sw == MU_SW_OK)
		sw = other_card(d, n, &serial, &pub);
	if (sw != MU_SW_OK)
		return sw;
	cardsim_cert card = {0};
	int rc = MU_ERR_CRYPTO;
	if ((ca = cardsim_key(c->ca_key)) != NULL)
		rc = mu_x509_make_card(ca, c->ca_cert.der, c->ca_cert.len, c->zone_id, serial.value, pub,
		                       &card.der, &card.len);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(pub);
	if (rc != MU_OK)
		return MU_SW_UNKNOWN;
	size_t start = o->len;
	size_t mark = mu_tlv_begin(o, MU_TAG_ENROLL_PKG);
	mu_tlv_put_str(o, MU_TAG_ZONE_ID, c->zone_id);
	mu_tlv_put_str(o, MU_TAG_ZONE_DESC, c->zone_desc);
	mu_tlv_put(o, MU_TAG_CERT, card.der, card.len);
	mu_tlv_put(o, MU_TAG_CA_CERT, c->ca_cert.der, c->ca_cert.len);
	mu_tlv_put(o, MU_TAG_ROOT_CERT, c->root_cert.der, c->root_cert.len);
	mu_tlv_end(o, mark);
	cardsim_cert_clear(&card);
	if (o->overflow)
		return MU_SW_UNKNOWN;
	return cardsim_sign_tlv(c->ca_key, MU_ENROLL_CONTEXT, o->buf + start, o->len - start, o);
}

uint16_t cardsim_cmd_sign_unblock(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                  mu_tlv_writer *o)
{
	mu_tlv serial, challenge;
	uint16_t sw = officers_command(c, a);
	if (sw != MU_SW_OK)
		return sw;
	if (cardsim_tlv_get(d, n, MU_TAG_SERIAL, &serial) != 1 || serial.len != MU_SERIAL_LEN ||
	    cardsim_tlv_get(d, n, MU_TAG_CHALLENGE, &challenge) != 1 ||
	    challenge.len != MU_CHALLENGE_LEN)
		return MU_SW_WRONG_DATA;
	uint8_t msg[MU_SERIAL_LEN + MU_CHALLENGE_LEN];
	memcpy(msg, serial.value, MU_SERIAL_LEN);
	memcpy(msg + MU_SERIAL_LEN, challenge.value, MU_CHALLENGE_LEN);
	return cardsim_sign_tlv(c->ca_key, MU_UNBLOCK_CONTEXT, msg, sizeof(msg), o);
}

uint16_t cardsim_cmd_backup_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                   mu_tlv_writer *o)
{
	mu_tlv serial;
	EVP_PKEY *pub = NULL;
	uint16_t sw = officers_command(c, a);
	if (sw == MU_SW_OK)
		sw = other_card(d, n, &serial, &pub);
	if (sw != MU_SW_OK)
		return sw;
	if (memcmp(serial.value, c->serial, MU_SERIAL_LEN) == 0) {
		EVP_PKEY_free(pub);
		return MU_SW_CONDITIONS;
	}
	uint8_t *plain = malloc(BACKUP_PLAIN_MAX);
	mu_tlv_writer w;
	if (plain == NULL) {
		EVP_PKEY_free(pub);
		return MU_SW_UNKNOWN;
	}
	size_t plain_len = 0;
	mu_tlv_writer_init(&w, plain, BACKUP_PLAIN_MAX);
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, c->zone_id);
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, c->zone_desc);
	mu_tlv_put(&w, MU_TAG_PRIVKEY, c->ca_key, MU_P521_SCALAR_LEN);
	mu_tlv_put(&w, MU_TAG_CA_CERT, c->ca_cert.der, c->ca_cert.len);
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, c->root_cert.der, c->root_cert.len);
	if (mu_tlv_writer_finish(&w, &plain_len) != 0)
		sw = MU_SW_UNKNOWN;
	else
		sw = cardsim_envelope_seal(MU_BACKUP_CONTEXT, c->serial, serial.value, pub, plain,
		                           plain_len, MU_TAG_CA_CERT, &c->ca_cert, c->ca_key, o);
	mu_memzero(plain, w.len);
	free(plain);
	EVP_PKEY_free(pub);
	return sw;
}

uint16_t cardsim_cmd_restore(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	(void)o;
	mu_tlv pin1, pin2, zone, desc, key, ca, root;
	cardsim_envelope env;
	if (c->type != MU_CARD_TYPE_BLANK || !c->has_card_key)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (cardsim_tlv_get(d, n, MU_TAG_PIN, &pin1) != 1 || !cardsim_pin_ok(pin1.value, pin1.len) ||
	    cardsim_tlv_get(d, n, MU_TAG_PIN2, &pin2) != 1 || !cardsim_pin_ok(pin2.value, pin2.len))
		return MU_SW_WRONG_DATA;
	uint16_t sw = cardsim_envelope_parse(d, n, MU_TAG_CA_CERT, &env);
	if (sw != MU_SW_OK)
		return sw;
	/* addressed to this card, signed by the zone CA it carries */
	EVP_PKEY *signer = NULL;
	if (memcmp(env.dst_serial, c->serial, MU_SERIAL_LEN) != 0 ||
	    !cardsim_x509_zone_ca_key(env.credential.value, env.credential.len, NULL, &signer))
		return MU_SW_REF_NOT_USABLE;
	uint8_t *plain = malloc(env.ct_len);
	size_t plain_len = 0;
	if (plain == NULL) {
		EVP_PKEY_free(signer);
		return MU_SW_UNKNOWN;
	}
	sw = cardsim_envelope_open(&env, MU_BACKUP_CONTEXT, signer, c->card_key, plain, &plain_len);
	EVP_PKEY_free(signer);
	if (sw != MU_SW_OK) {
		free(plain);
		return sw;
	}

	/* the content must be the zone of that certificate and its key */
	uint8_t point[MU_P521_POINT_LEN];
	char ou[MU_ZONE_ID_MAX + 1];
	cardsim_cert cac = {0}, rootc = {0};
	sw = MU_SW_WRONG_DATA;
	if (cardsim_tlv_get(plain, plain_len, MU_TAG_ZONE_ID, &zone) != 1 ||
	    !cardsim_zone_ok(zone.value, zone.len) ||
	    !get_text(plain, plain_len, MU_TAG_ZONE_DESC, MU_DESC_MAX, true, &desc) ||
	    cardsim_tlv_get(plain, plain_len, MU_TAG_PRIVKEY, &key) != 1 ||
	    key.len != MU_P521_SCALAR_LEN ||
	    cardsim_tlv_get(plain, plain_len, MU_TAG_CA_CERT, &ca) != 1 ||
	    cardsim_tlv_get(plain, plain_len, MU_TAG_ROOT_CERT, &root) != 1 ||
	    ca.len != env.credential.len || memcmp(ca.value, env.credential.value, ca.len) != 0 ||
	    mu_x509_check_self_signed(root.value, root.len) != MU_OK ||
	    !cardsim_x509_zone_of(ca.value, ca.len, ou) || strlen(ou) != zone.len ||
	    memcmp(ou, zone.value, zone.len) != 0 || cardsim_point(key.value, point) != 0 ||
	    !cardsim_x509_has_point(ca.value, ca.len, point))
		goto done;
	sw = MU_SW_UNKNOWN;
	if (cardsim_cert_set(&cac, ca.value, ca.len) != MU_OK ||
	    cardsim_cert_set(&rootc, root.value, root.len) != MU_OK) {
		cardsim_cert_clear(&cac);
		cardsim_cert_clear(&rootc);
		goto done;
	}
	c->type = MU_CARD_TYPE_CA;
	cardsim_text_copy(c->zone_id, zone.value, zone.len);
	cardsim_text_copy(c->zone_desc, desc.value, desc.len);
	memcpy(c->pin1, pin1.value, MU_PIN_LEN);
	memcpy(c->pin2, pin2.value, MU_PIN_LEN);
	c->tries1 = c->tries2 = MU_CA_PIN_TRIES;
	memcpy(c->ca_key, key.value, MU_P521_SCALAR_LEN);
	c->has_ca_key = true;
	c->ca_cert = cac;
	c->root_cert = rootc;
	c->v1 = c->v2 = false;
	c->dirty = true;
	sw = MU_SW_OK;
done:
	mu_memzero(plain, plain_len);
	free(plain);
	return sw;
}
