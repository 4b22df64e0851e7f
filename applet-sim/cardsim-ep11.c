/* SPDX-License-Identifier: Apache-2.0 */
/* EP11 card commands: PREPARE and ENROLL (personalization), GET CERT,
 * the admin signature key and signing, key parts, and ZEROIZE
 * (docs/protocol.md §2, §6, §9). */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-vp.h"
#include "mu-x509.h"

uint16_t cardsim_cmd_prepare(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	(void)d;
	if (c->type != MU_CARD_TYPE_BLANK)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	/* the card key is made once; PREPARE again returns the same key */
	uint8_t key[MU_P521_SCALAR_LEN], point[MU_P521_POINT_LEN];
	bool fresh = !c->has_card_key;
	if (fresh && cardsim_generate(key) != 0) {
		mu_memzero(key, sizeof(key));
		return MU_SW_UNKNOWN;
	}
	if (cardsim_point(fresh ? key : c->card_key, point) != 0) {
		mu_memzero(key, sizeof(key));
		return MU_SW_UNKNOWN;
	}
	mu_tlv_put(o, MU_TAG_SERIAL, c->serial, sizeof(c->serial));
	mu_tlv_put(o, MU_TAG_PUBKEY, point, sizeof(point));
	if (o->overflow) {
		mu_memzero(key, sizeof(key));
		return MU_SW_UNKNOWN;
	}
	if (fresh) {
		memcpy(c->card_key, key, sizeof(key));
		c->has_card_key = true;
		c->dirty = true;
	}
	mu_memzero(key, sizeof(key));
	return MU_SW_OK;
}

uint16_t cardsim_cmd_enroll(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                            mu_tlv_writer *o)
{
	(void)o;
	mu_tlv pkg, sig, pin, label, zone, desc, cert, ca, root;
	if (c->type != MU_CARD_TYPE_BLANK || !c->has_card_key)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	int has_label = cardsim_tlv_get(d, n, MU_TAG_LABEL, &label);
	const uint8_t *pkg_start;
	size_t pkg_len;
	if (cardsim_tlv_span(d, n, MU_TAG_ENROLL_PKG, &pkg, &pkg_start, &pkg_len) != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_SIGNATURE, &sig) != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_PIN, &pin) != 1 || !cardsim_pin_ok(pin.value, pin.len) ||
	    has_label < 0 ||
	    (has_label == 1 && !cardsim_text_ok(label.value, label.len, MU_LABEL_MAX, true)) ||
	    cardsim_tlv_get(pkg.value, pkg.len, MU_TAG_ZONE_ID, &zone) != 1 ||
	    !cardsim_zone_ok(zone.value, zone.len) ||
	    cardsim_tlv_get(pkg.value, pkg.len, MU_TAG_ZONE_DESC, &desc) != 1 ||
	    !cardsim_text_ok(desc.value, desc.len, MU_DESC_MAX, true) ||
	    cardsim_tlv_get(pkg.value, pkg.len, MU_TAG_CERT, &cert) != 1 ||
	    cardsim_tlv_get(pkg.value, pkg.len, MU_TAG_CA_CERT, &ca) != 1 ||
	    cardsim_tlv_get(pkg.value, pkg.len, MU_TAG_ROOT_CERT, &root) != 1)
		return MU_SW_WRONG_DATA;

	char zone_id[MU_ZONE_ID_MAX + 1];
	cardsim_text_copy(zone_id, zone.value, zone.len);
	cardsim_cert cac = {0}, cardc = {0}, rootc = {0};
	uint8_t serial[MU_SERIAL_LEN], own[MU_P521_POINT_LEN];
	EVP_PKEY *ca_pub = NULL, *card_pub = NULL;
	uint16_t sw = MU_SW_REF_NOT_USABLE;
	/* a self-signed zone CA of the package's zone signed the package, and
	 * certified this very card (serial and key) in that zone */
	if (!cardsim_x509_zone_ca_key(ca.value, ca.len, zone_id, &ca_pub) ||
	    !cardsim_verify(ca_pub, MU_ENROLL_CONTEXT, pkg_start, pkg_len, &sig) ||
	    cardsim_cert_set(&cac, ca.value, ca.len) != MU_OK ||
	    !cardsim_x509_card_check(cert.value, cert.len, &cac, zone_id, serial, &card_pub) ||
	    memcmp(serial, c->serial, MU_SERIAL_LEN) != 0 || cardsim_point(c->card_key, own) != 0 ||
	    !cardsim_x509_has_point(cert.value, cert.len, own) ||
	    mu_x509_check_self_signed(root.value, root.len) != MU_OK)
		goto fail;
	sw = MU_SW_UNKNOWN;
	if (cardsim_cert_set(&cardc, cert.value, cert.len) != 0 ||
	    cardsim_cert_set(&rootc, root.value, root.len) != 0)
		goto fail;
	c->type = MU_CARD_TYPE_EP11;
	memcpy(c->zone_id, zone_id, sizeof(zone_id));
	cardsim_text_copy(c->zone_desc, desc.value, desc.len);
	if (has_label == 1)
		cardsim_text_copy(c->label, label.value, label.len);
	memcpy(c->pin1, pin.value, MU_PIN_LEN);
	c->tries1 = MU_EP11_PIN_TRIES;
	c->tries2 = 0;
	c->card_cert = cardc;
	c->ca_cert = cac;
	c->root_cert = rootc;
	c->v1 = c->v2 = false;
	c->dirty = true;
	EVP_PKEY_free(ca_pub);
	EVP_PKEY_free(card_pub);
	return MU_SW_OK;
fail:
	cardsim_cert_clear(&cac);
	cardsim_cert_clear(&cardc);
	cardsim_cert_clear(&rootc);
	EVP_PKEY_free(ca_pub);
	EVP_PKEY_free(card_pub);
	return sw;
}

uint16_t cardsim_cmd_get_cert(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                              mu_tlv_writer *o)
{
	(void)d;
	if (c->type != MU_CARD_TYPE_CA && c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	const cardsim_cert *cert;
	switch (a->p1) {
	case MU_CERT_CARD:
		cert = c->type == MU_CARD_TYPE_EP11 ? &c->card_cert : &c->ca_cert;
		break;
	case MU_CERT_ZONE_CA:
		cert = &c->ca_cert;
		break;
	case MU_CERT_ROOT:
		cert = &c->root_cert;
		break;
	case MU_CERT_ADMIN:
		cert = &c->admin_cert;
		break;
	default:
		return MU_SW_WRONG_P1P2;
	}
	if (cert->len == 0)
		return MU_SW_NOT_FOUND;
	/* raw DER, not a TLV */
	return cardsim_put_raw(o, cert->der, cert->len) ? MU_SW_OK : MU_SW_UNKNOWN;
}

uint16_t cardsim_cmd_genkey(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                            mu_tlv_writer *o)
{
	mu_tlv name;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if ((a->p1 != MU_GENKEY_P1_NEW && a->p1 != MU_GENKEY_P1_REPLACE) || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	if (cardsim_tlv_get(d, n, MU_TAG_ADMIN_NAME, &name) != 1 ||
	    !cardsim_text_ok(name.value, name.len, MU_NAME_MAX, false))
		return MU_SW_WRONG_DATA;
	if (c->has_sigkey && a->p1 == MU_GENKEY_P1_NEW)
		return MU_SW_EXISTS;
	char admin[MU_NAME_MAX + 1];
	uint8_t key[MU_P521_SCALAR_LEN], point[MU_P521_POINT_LEN], id[MU_KEY_ID_LEN];
	uint8_t *der = NULL;
	size_t der_len = 0;
	EVP_PKEY *k = NULL;
	sw = MU_SW_UNKNOWN;
	cardsim_text_copy(admin, name.value, name.len);
	if (cardsim_generate(key) != 0 || (k = cardsim_key(key)) == NULL ||
	    mu_ec_public_point(k, point) != MU_OK || mu_ec_key_id(point, id) != MU_OK ||
	    mu_x509_make_admin(k, admin, &der, &der_len) != MU_OK || der_len > CARDSIM_CERT_MAX)
		goto done;
	mu_tlv_put(o, MU_TAG_PUBKEY, point, sizeof(point));
	mu_tlv_put(o, MU_TAG_KEY_ID, id, sizeof(id));
	if (o->overflow)
		goto done;
	cardsim_cert_take(&c->admin_cert, der, der_len);
	der = NULL;
	memcpy(c->sig_key, key, sizeof(key));
	memcpy(c->admin_name, admin, sizeof(admin));
	c->has_sigkey = true;
	c->dirty = true;
	sw = MU_SW_OK;
done:
	mu_memzero(key, sizeof(key));
	EVP_PKEY_free(k);
	free(der);
	return sw;
}

uint16_t cardsim_cmd_pso(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                         mu_tlv_writer *o)
{
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != MU_PSO_SIGN_P1 || a->p2 != MU_PSO_SIGN_P2)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	if (!c->has_sigkey)
		return MU_SW_NOT_FOUND;
	if (n == 0 || n > MU_SIGN_DATA_MAX)
		return MU_SW_WRONG_LENGTH;
	/* the block as given, no context: the raw DER signature is the answer */
	uint8_t sig[MU_EC_SIG_MAX];
	size_t sig_len = 0;
	EVP_PKEY *k = cardsim_key(c->sig_key);
	int rc = k != NULL ? mu_ec_sign(k, NULL, d, n, sig, sizeof(sig), &sig_len) : MU_ERR_CRYPTO;
	EVP_PKEY_free(k);
	if (rc != MU_OK || !cardsim_put_raw(o, sig, sig_len))
		return MU_SW_UNKNOWN;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_keypart_gen(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                 mu_tlv_writer *o)
{
	mu_tlv desc;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	if (cardsim_tlv_get(d, n, MU_TAG_DESC, &desc) != 1 ||
	    !cardsim_text_ok(desc.value, desc.len, MU_DESC_MAX, false))
		return MU_SW_WRONG_DATA;
	size_t slot = 0;
	while (slot < MU_KEYPARTS_MAX && c->parts[slot].used)
		slot++;
	if (slot == MU_KEYPARTS_MAX)
		return MU_SW_NO_SPACE;
	cardsim_keypart p = {.used = true};
	cardsim_text_copy(p.desc, desc.value, desc.len);
	if (mu_random(p.value, sizeof(p.value)) != MU_OK ||
	    mu_vp_compute(p.value, sizeof(p.value), p.vp) != MU_OK) {
		mu_memzero(&p, sizeof(p));
		return MU_SW_UNKNOWN;
	}
	mu_tlv_put_u8(o, MU_TAG_SLOT, (uint8_t)slot);
	mu_tlv_put(o, MU_TAG_VP, p.vp, sizeof(p.vp));
	if (o->overflow) {
		mu_memzero(&p, sizeof(p));
		return MU_SW_UNKNOWN;
	}
	c->parts[slot] = p;
	mu_memzero(&p, sizeof(p));
	c->dirty = true;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_keypart_list(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                  mu_tlv_writer *o)
{
	(void)d;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++) {
		const cardsim_keypart *p = &c->parts[i];
		if (!p->used)
			continue;
		size_t mark = mu_tlv_begin(o, MU_TAG_KEYPART);
		mu_tlv_put_u8(o, MU_TAG_SLOT, (uint8_t)i);
		mu_tlv_put_str(o, MU_TAG_DESC, p->desc);
		mu_tlv_put(o, MU_TAG_VP, p->vp, sizeof(p->vp));
		mu_tlv_end(o, mark);
	}
	return MU_SW_OK;
}

uint16_t cardsim_cmd_keypart_delete(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                    mu_tlv_writer *o)
{
	(void)d;
	(void)o;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 >= MU_KEYPARTS_MAX || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	if (!c->parts[a->p1].used)
		return MU_SW_NOT_FOUND;
	mu_memzero(&c->parts[a->p1], sizeof(c->parts[a->p1]));
	c->dirty = true;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_zeroize(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	(void)d;
	(void)o;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	if (!cardsim_is_blocked(c)) {
		uint16_t sw = MU_SW_OK;
		if (c->type == MU_CARD_TYPE_EP11)
			sw = cardsim_need_user(c);
		else if (c->type == MU_CARD_TYPE_CA)
			sw = cardsim_need_officers(c);
		if (sw != MU_SW_OK)
			return sw;
	}
	cardsim_wipe_personalization(c);
	c->dirty = true;
	return MU_SW_OK;
}
