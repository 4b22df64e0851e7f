/* SPDX-License-Identifier: Apache-2.0 */
/* Card-to-card envelopes (docs/protocol.md §8) and the copy commands that
 * use them: COPY EXPORT and COPY IMPORT. */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-vp.h"
#include "mu-x509.h"

#define GCM_NONCE_LEN MU_GCM_NONCE_LEN
#define GCM_TAG_LEN MU_GCM_TAG_LEN
#define COPY_PLAIN_MAX 14336u

/* K = SHA-256(Z || 00000001 || context || dst || src || nonce) */
static int derive(EVP_PKEY *priv, EVP_PKEY *peer, const char *context,
                  const uint8_t dst[MU_SERIAL_LEN], const uint8_t src[MU_SERIAL_LEN],
                  const uint8_t nonce[GCM_NONCE_LEN], uint8_t key[32])
{
	uint8_t z[MU_EC_SHARED_LEN], info[2 * MU_SERIAL_LEN + GCM_NONCE_LEN];
	memcpy(info, dst, MU_SERIAL_LEN);
	memcpy(info + MU_SERIAL_LEN, src, MU_SERIAL_LEN);
	memcpy(info + 2 * MU_SERIAL_LEN, nonce, GCM_NONCE_LEN);
	int rc = mu_ecdh(priv, peer, z);
	if (rc == MU_OK)
		rc = mu_kdf_sha256(z, context, info, sizeof(info), key);
	mu_memzero(z, sizeof(z));
	return rc == MU_OK ? 0 : -1;
}

/* Associated data: context || dst || src. */
static size_t make_aad(const char *context, const uint8_t dst[MU_SERIAL_LEN],
                       const uint8_t src[MU_SERIAL_LEN], uint8_t *aad)
{
	size_t n = strlen(context);
	memcpy(aad, context, n);
	memcpy(aad + n, dst, MU_SERIAL_LEN);
	memcpy(aad + n + MU_SERIAL_LEN, src, MU_SERIAL_LEN);
	return n + 2 * MU_SERIAL_LEN;
}

uint16_t cardsim_envelope_seal(const char *context, const uint8_t src[MU_SERIAL_LEN],
                               const uint8_t dst[MU_SERIAL_LEN], EVP_PKEY *dst_pub,
                               const uint8_t *plain, size_t plain_len, uint32_t cred_tag,
                               const cardsim_cert *cred,
                               const uint8_t sign_key[MU_P521_SCALAR_LEN], mu_tlv_writer *out)
{
	uint8_t key[32], nonce[GCM_NONCE_LEN], eph_point[MU_P521_POINT_LEN], aad[64];
	uint16_t sw = MU_SW_UNKNOWN;
	EVP_PKEY *eph = NULL;
	uint8_t *ct = malloc(plain_len + GCM_TAG_LEN);
	if (ct == NULL || mu_ec_generate(&eph) != MU_OK ||
	    mu_random(nonce, sizeof(nonce)) != MU_OK ||
	    mu_ec_public_point(eph, eph_point) != MU_OK ||
	    derive(eph, dst_pub, context, dst, src, nonce, key) != 0)
		goto done;
	size_t aad_len = make_aad(context, dst, src, aad);
	if (mu_gcm_seal(key, nonce, aad, aad_len, plain, plain_len, ct) != MU_OK)
		goto done;
	size_t start = out->len;
	size_t mark = mu_tlv_begin(out, MU_TAG_ENVELOPE);
	mu_tlv_put(out, MU_TAG_SERIAL, src, MU_SERIAL_LEN);
	mu_tlv_put(out, MU_TAG_SERIAL, dst, MU_SERIAL_LEN);
	mu_tlv_put(out, MU_TAG_EPH_PUBKEY, eph_point, sizeof(eph_point));
	mu_tlv_put(out, MU_TAG_NONCE, nonce, sizeof(nonce));
	mu_tlv_put(out, MU_TAG_CIPHERTEXT, ct, plain_len + GCM_TAG_LEN);
	mu_tlv_put(out, cred_tag, cred->der, cred->len);
	mu_tlv_end(out, mark);
	if (out->overflow)
		goto done;
	sw = cardsim_sign_tlv(sign_key, context, out->buf + start, out->len - start, out);
done:
	mu_memzero(key, sizeof(key));
	free(ct);
	EVP_PKEY_free(eph);
	return sw;
}

uint16_t cardsim_envelope_parse(const uint8_t *buf, size_t len, uint32_t cred_tag,
                                cardsim_envelope *env)
{
	mu_tlv a2, t;
	mu_tlv_reader r;
	int serials = 0, rc;
	bool eph = false, nonce = false, ct = false, cred = false;
	memset(env, 0, sizeof(*env));
	/* the whole A2 TLV, header included, is what was signed */
	if (cardsim_tlv_span(buf, len, MU_TAG_ENVELOPE, &a2, &env->a2, &env->a2_len) != 1 ||
	    cardsim_tlv_get(buf, len, MU_TAG_SIGNATURE, &env->sig) != 1)
		return MU_SW_WRONG_DATA;
	mu_tlv_reader_init(&r, a2.value, a2.len);
	while ((rc = mu_tlv_next(&r, &t)) == 1) {
		if (t.tag == MU_TAG_SERIAL && t.len == MU_SERIAL_LEN && serials < 2) {
			memcpy(serials == 0 ? env->src_serial : env->dst_serial, t.value, MU_SERIAL_LEN);
			serials++;
		} else if (t.tag == MU_TAG_EPH_PUBKEY && t.len == MU_P521_POINT_LEN && !eph) {
			env->eph = t.value;
			eph = true;
		} else if (t.tag == MU_TAG_NONCE && t.len == GCM_NONCE_LEN && !nonce) {
			env->nonce = t.value;
			nonce = true;
		} else if (t.tag == MU_TAG_CIPHERTEXT && t.len >= GCM_TAG_LEN && !ct) {
			env->ct = t.value;
			env->ct_len = t.len;
			ct = true;
		} else if (t.tag == cred_tag && !cred) {
			env->credential = t;
			cred = true;
		} else {
			return MU_SW_WRONG_DATA;
		}
	}
	if (rc < 0 || serials != 2 || !eph || !nonce || !ct || !cred)
		return MU_SW_WRONG_DATA;
	return MU_SW_OK;
}

uint16_t cardsim_envelope_open(const cardsim_envelope *env, const char *context,
                               EVP_PKEY *signer, const uint8_t card_key[MU_P521_SCALAR_LEN],
                               uint8_t *plain, size_t *plain_len)
{
	uint8_t key[32], aad[64];
	uint16_t sw = MU_SW_REF_NOT_USABLE;
	EVP_PKEY *eph = NULL, *own = NULL;
	if (!cardsim_verify(signer, context, env->a2, env->a2_len, &env->sig))
		return MU_SW_REF_NOT_USABLE;
	sw = MU_SW_WRONG_DATA;
	own = cardsim_key(card_key);
	if (mu_ec_from_point(env->eph, MU_P521_POINT_LEN, &eph) != MU_OK || own == NULL ||
	    derive(own, eph, context, env->dst_serial, env->src_serial, env->nonce, key) != 0)
		goto done;
	size_t aad_len = make_aad(context, env->dst_serial, env->src_serial, aad);
	if (mu_gcm_open(key, env->nonce, aad, aad_len, env->ct, env->ct_len, plain) != MU_OK)
		goto done;
	*plain_len = env->ct_len - GCM_TAG_LEN;
	sw = MU_SW_OK;
done:
	mu_memzero(key, sizeof(key));
	EVP_PKEY_free(eph);
	EVP_PKEY_free(own);
	return sw;
}

/* ---- COPY EXPORT / COPY IMPORT ----------------------------------------- */

static uint16_t copy_plaintext(const cardsim_card *c, mu_tlv_writer *w)
{
	if (c->has_sigkey) {
		mu_tlv_put_str(w, MU_TAG_ADMIN_NAME, c->admin_name);
		mu_tlv_put(w, MU_TAG_PRIVKEY, c->sig_key, MU_P521_SCALAR_LEN);
		mu_tlv_put(w, MU_TAG_ADMIN_CERT, c->admin_cert.der, c->admin_cert.len);
	}
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++) {
		const cardsim_keypart *p = &c->parts[i];
		if (!p->used)
			continue;
		size_t mark = mu_tlv_begin(w, MU_TAG_KEYPART);
		mu_tlv_put_u8(w, MU_TAG_SLOT, (uint8_t)i);
		mu_tlv_put_str(w, MU_TAG_DESC, p->desc);
		mu_tlv_put(w, MU_TAG_VP, p->vp, sizeof(p->vp));
		mu_tlv_put(w, MU_TAG_KEYPART_VALUE, p->value, sizeof(p->value));
		mu_tlv_end(w, mark);
	}
	return w->overflow ? MU_SW_UNKNOWN : MU_SW_OK;
}

uint16_t cardsim_cmd_copy_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                 mu_tlv_writer *o)
{
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	uint8_t dst[MU_SERIAL_LEN];
	EVP_PKEY *dst_pub = NULL;
	if (!cardsim_x509_card_check(d, n, &c->ca_cert, c->zone_id, dst, &dst_pub))
		return MU_SW_REF_NOT_USABLE;
	if (memcmp(dst, c->serial, MU_SERIAL_LEN) == 0) {
		EVP_PKEY_free(dst_pub);
		return MU_SW_CONDITIONS;
	}
	uint8_t *plain = malloc(COPY_PLAIN_MAX);
	mu_tlv_writer w;
	size_t len = 0;
	mu_tlv_writer_init(&w, plain, plain != NULL ? COPY_PLAIN_MAX : 0);
	sw = copy_plaintext(c, &w);
	if (sw == MU_SW_OK && mu_tlv_writer_finish(&w, &len) == 0)
		sw = cardsim_envelope_seal(MU_COPY_CONTEXT, c->serial, dst, dst_pub, plain, len,
		                           MU_TAG_CERT, &c->card_cert, c->card_key, o);
	else
		sw = MU_SW_UNKNOWN;
	if (plain != NULL)
		mu_memzero(plain, w.len);
	free(plain);
	EVP_PKEY_free(dst_pub);
	return sw;
}

/* Parses the copy plaintext into a staging area; nothing is committed. */
typedef struct copy_content {
	bool has_sigkey;
	char admin_name[MU_NAME_MAX + 1];
	uint8_t sig_key[MU_P521_SCALAR_LEN];
	mu_tlv admin_cert;
	cardsim_keypart parts[MU_KEYPARTS_MAX];
} copy_content;

/* One A0 { 90 slot, 91 description, 92 VP, 97 value } of the copy; the VP
 * must be the one of the value. */
static uint16_t parse_part(const mu_tlv *t, copy_content *cc)
{
	mu_tlv slot, desc, vp, value, x;
	mu_tlv_reader r;
	int rc, count = 0;
	mu_tlv_reader_init(&r, t->value, t->len);
	while ((rc = mu_tlv_next(&r, &x)) == 1)
		count++;
	if (rc < 0 || count != 4 || cardsim_tlv_get(t->value, t->len, MU_TAG_SLOT, &slot) != 1 ||
	    slot.len != 1 || slot.value[0] >= MU_KEYPARTS_MAX || cc->parts[slot.value[0]].used ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_DESC, &desc) != 1 ||
	    !cardsim_text_ok(desc.value, desc.len, MU_DESC_MAX, false) ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_VP, &vp) != 1 || vp.len != MU_VP_LEN ||
	    cardsim_tlv_get(t->value, t->len, MU_TAG_KEYPART_VALUE, &value) != 1 ||
	    value.len != MU_KEYPART_LEN)
		return MU_SW_WRONG_DATA;
	cardsim_keypart *kp = &cc->parts[slot.value[0]];
	kp->used = true;
	cardsim_text_copy(kp->desc, desc.value, desc.len);
	memcpy(kp->value, value.value, MU_KEYPART_LEN);
	if (mu_vp_compute(kp->value, MU_KEYPART_LEN, kp->vp) != MU_OK)
		return MU_SW_UNKNOWN;
	return CRYPTO_memcmp(kp->vp, vp.value, MU_VP_LEN) == 0 ? MU_SW_OK : MU_SW_WRONG_DATA;
}

static uint16_t parse_content(const uint8_t *p, size_t n, copy_content *cc)
{
	mu_tlv name, key, cert, t;
	int hn = cardsim_tlv_get(p, n, MU_TAG_ADMIN_NAME, &name);
	int hk = cardsim_tlv_get(p, n, MU_TAG_PRIVKEY, &key);
	int hc = cardsim_tlv_get(p, n, MU_TAG_ADMIN_CERT, &cert);
	if (hn < 0 || hk < 0 || hc < 0 || hn != hk || hk != hc)
		return MU_SW_WRONG_DATA;
	if (hn == 1) {
		/* the admin key must be the one its certificate names */
		uint8_t point[MU_P521_POINT_LEN];
		if (!cardsim_text_ok(name.value, name.len, MU_NAME_MAX, false) ||
		    key.len != MU_P521_SCALAR_LEN || cert.len > CARDSIM_CERT_MAX ||
		    cardsim_point(key.value, point) != 0 ||
		    mu_x509_check_self_signed(cert.value, cert.len) != MU_OK ||
		    !cardsim_x509_has_point(cert.value, cert.len, point))
			return MU_SW_WRONG_DATA;
		cc->has_sigkey = true;
		cardsim_text_copy(cc->admin_name, name.value, name.len);
		memcpy(cc->sig_key, key.value, MU_P521_SCALAR_LEN);
		cc->admin_cert = cert;
	}
	mu_tlv_reader r;
	int rc;
	mu_tlv_reader_init(&r, p, n);
	while ((rc = mu_tlv_next(&r, &t)) == 1) {
		if (t.tag == MU_TAG_ADMIN_NAME || t.tag == MU_TAG_PRIVKEY || t.tag == MU_TAG_ADMIN_CERT)
			continue;
		if (t.tag != MU_TAG_KEYPART)
			return MU_SW_WRONG_DATA;
		uint16_t sw = parse_part(&t, cc);
		if (sw != MU_SW_OK)
			return sw;
	}
	return rc < 0 ? MU_SW_WRONG_DATA : MU_SW_OK;
}

uint16_t cardsim_cmd_copy_import(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                 mu_tlv_writer *o)
{
	(void)o;
	cardsim_envelope env;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	sw = cardsim_envelope_parse(d, n, MU_TAG_CERT, &env);
	if (sw != MU_SW_OK)
		return sw;
	uint8_t src[MU_SERIAL_LEN];
	EVP_PKEY *signer = NULL;
	if (memcmp(env.dst_serial, c->serial, MU_SERIAL_LEN) != 0 ||
	    !cardsim_x509_card_check(env.credential.value, env.credential.len, &c->ca_cert,
	                             c->zone_id, src, &signer))
		return MU_SW_REF_NOT_USABLE;
	if (memcmp(src, env.src_serial, MU_SERIAL_LEN) != 0) {
		EVP_PKEY_free(signer);
		return MU_SW_REF_NOT_USABLE;
	}
	uint8_t *plain = malloc(env.ct_len);
	copy_content *cc = calloc(1, sizeof(*cc));
	size_t plain_len = 0;
	sw = MU_SW_UNKNOWN;
	if (plain == NULL || cc == NULL)
		goto done;
	sw = cardsim_envelope_open(&env, MU_COPY_CONTEXT, signer, c->card_key, plain, &plain_len);
	if (sw != MU_SW_OK)
		goto done;
	sw = parse_content(plain, plain_len, cc);
	if (sw != MU_SW_OK)
		goto done;
	cardsim_cert admin = {0};
	if (cc->has_sigkey &&
	    cardsim_cert_set(&admin, cc->admin_cert.value, cc->admin_cert.len) != 0) {
		sw = MU_SW_UNKNOWN;
		goto done;
	}
	/* commit: the copy replaces the signature key and every key part */
	cardsim_cert_clear(&c->admin_cert);
	c->admin_cert = admin;
	c->has_sigkey = cc->has_sigkey;
	memcpy(c->admin_name, cc->admin_name, sizeof(c->admin_name));
	memcpy(c->sig_key, cc->sig_key, sizeof(c->sig_key));
	memcpy(c->parts, cc->parts, sizeof(c->parts));
	c->dirty = true;
	sw = MU_SW_OK;
done:
	if (cc != NULL)
		mu_memzero(cc, sizeof(*cc));
	free(cc);
	if (plain != NULL)
		mu_memzero(plain, plain_len);
	free(plain);
	EVP_PKEY_free(signer);
	return sw;
}
