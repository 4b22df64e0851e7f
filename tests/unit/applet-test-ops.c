/* SPDX-License-Identifier: Apache-2.0 */
#include "applet-test-ops.h"

#include <string.h>

#include <openssl/evp.h>

#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"

void ops_data_init(ops_data *d)
{
	mu_tlv_writer_init(&d->w, d->buf, sizeof(d->buf));
}

size_t ops_data_len(const ops_data *d)
{
	size_t n = 0;
	g_assert_cmpint(mu_tlv_writer_finish(&d->w, &n), ==, MU_OK);
	return n;
}

void ops_data_raw(ops_data *d, const void *p, size_t len)
{
	g_assert_false(d->w.overflow);
	g_assert_cmpuint(len, <=, d->w.cap - d->w.len);
	memcpy(d->w.buf + d->w.len, p, len);
	d->w.len += len;
}

void ops_serial(cardsim_card *c, uint8_t serial[8])
{
	applet_resp *r = g_new0(applet_resp, 1);
	size_t n;
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, r);
	const uint8_t *s = applet_tlv(r, MU_TAG_SERIAL, &n);
	g_assert_cmpuint(n, ==, 8);
	memcpy(serial, s, 8);
	g_free(r);
}

uint8_t ops_info_u8(cardsim_card *c, uint32_t tag)
{
	applet_resp *r = g_new0(applet_resp, 1);
	size_t n;
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, r);
	uint8_t v = applet_tlv(r, tag, &n)[0];
	g_assert_cmpuint(n, ==, 1);
	g_free(r);
	return v;
}

typedef struct find_secret {
	const char *kind;
	uint8_t scalar[MU_EC_SCALAR_LEN];
	bool found;
} find_secret;

static void on_secret(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	find_secret *f = user;
	if (strcmp(kind, f->kind) == 0 && len == MU_EC_SCALAR_LEN) {
		memcpy(f->scalar, secret, len);
		f->found = true;
	}
}

EVP_PKEY *ops_card_secret_key(const cardsim_card *c, const char *kind)
{
	find_secret f = {.kind = kind};
	EVP_PKEY *k = NULL;
	cardsim_card_foreach_secret(c, on_secret, &f);
	g_assert_true(f.found);
	g_assert_cmpint(mu_ec_from_scalar(f.scalar, sizeof(f.scalar), &k), ==, MU_OK);
	mu_memzero(f.scalar, sizeof(f.scalar));
	return k;
}

void ops_get_cert(cardsim_card *c, uint8_t which, applet_resp *r)
{
	applet_ok(c, MU_CLA_PROP, MU_INS_GET_CERT, which, 0, NULL, 0, r);
	g_assert_cmpuint(r->len, >, 0);
}

cardsim_card *ops_new_prepared(uint8_t serial[8], uint8_t point[133])
{
	cardsim_card *c = NULL;
	applet_resp *r = g_new0(applet_resp, 1);
	size_t n;
	g_assert_cmpint(cardsim_card_new_blank("prepared", &c), ==, 0);
	applet_select(c);
	applet_ok(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, r);
	memcpy(serial, applet_tlv(r, MU_TAG_SERIAL, &n), 8);
	g_assert_cmpuint(n, ==, 8);
	memcpy(point, applet_tlv(r, MU_TAG_PUBKEY, &n), 133);
	g_assert_cmpuint(n, ==, 133);
	g_free(r);
	return c;
}

void ops_genkey(cardsim_card *c)
{
	ops_data d;
	applet_resp *r = g_new0(applet_resp, 1);
	ops_data_init(&d);
	mu_tlv_put_str(&d.w, MU_TAG_ADMIN_NAME, "Alice");
	applet_ok(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d.buf, ops_data_len(&d), r);
	g_free(r);
}

uint16_t ops_keypart_gen(cardsim_card *c, const char *desc, applet_resp *r)
{
	ops_data d;
	ops_data_init(&d);
	mu_tlv_put_str(&d.w, MU_TAG_DESC, desc);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d.buf, ops_data_len(&d), r);
	return r->sw;
}

/* K and the associated data of §8. */
static void envelope_key(EVP_PKEY *priv, EVP_PKEY *peer, const char *context, const uint8_t dst[8],
                         const uint8_t src[8], const uint8_t nonce[12], uint8_t key[32],
                         uint8_t *aad, size_t *aad_len)
{
	uint8_t z[MU_EC_SHARED_LEN], info[28];
	memcpy(info, dst, 8);
	memcpy(info + 8, src, 8);
	memcpy(info + 16, nonce, 12);
	g_assert_cmpint(mu_ecdh(priv, peer, z), ==, MU_OK);
	g_assert_cmpint(mu_kdf_sha256(z, context, info, sizeof(info), key), ==, MU_OK);
	size_t cl = strlen(context);
	memcpy(aad, context, cl);
	memcpy(aad + cl, dst, 8);
	memcpy(aad + cl + 8, src, 8);
	*aad_len = cl + 16;
}

void ops_envelope(ops_data *d, const char *context, const uint8_t src[8], const uint8_t dst[8],
                  EVP_PKEY *dst_pub, const uint8_t *plain, size_t plain_len, uint32_t cred_tag,
                  const uint8_t *cred, size_t cred_len, EVP_PKEY *signer)
{
	EVP_PKEY *eph = NULL;
	uint8_t point[MU_EC_POINT_LEN], nonce[12], key[32], aad[64], sig[MU_EC_SIG_MAX];
	size_t aad_len = 0, sig_len = 0;
	g_assert_cmpint(mu_ec_generate(&eph), ==, MU_OK);
	g_assert_cmpint(mu_ec_public_point(eph, point), ==, MU_OK);
	g_assert_cmpint(mu_random(nonce, sizeof(nonce)), ==, MU_OK);
	envelope_key(eph, dst_pub, context, dst, src, nonce, key, aad, &aad_len);
	uint8_t *ct = g_malloc(plain_len + 16);
	g_assert_cmpint(mu_gcm_seal(key, nonce, aad, aad_len, plain, plain_len, ct), ==, MU_OK);
	size_t start = d->w.len;
	size_t mark = mu_tlv_begin(&d->w, MU_TAG_ENVELOPE);
	mu_tlv_put(&d->w, MU_TAG_SERIAL, src, 8);
	mu_tlv_put(&d->w, MU_TAG_SERIAL, dst, 8);
	mu_tlv_put(&d->w, MU_TAG_EPH_PUBKEY, point, sizeof(point));
	mu_tlv_put(&d->w, MU_TAG_NONCE, nonce, sizeof(nonce));
	mu_tlv_put(&d->w, MU_TAG_CIPHERTEXT, ct, plain_len + 16);
	mu_tlv_put(&d->w, cred_tag, cred, cred_len);
	mu_tlv_end(&d->w, mark);
	g_assert_false(d->w.overflow);
	g_assert_cmpint(mu_ec_sign(signer, context, d->buf + start, d->w.len - start, sig, sizeof(sig),
	                           &sig_len),
	                ==, MU_OK);
	mu_tlv_put(&d->w, MU_TAG_SIGNATURE, sig, sig_len);
	mu_memzero(key, sizeof(key));
	g_free(ct);
	EVP_PKEY_free(eph);
}

uint8_t *ops_envelope_open(const uint8_t *buf, size_t len, const char *context, EVP_PKEY *dst_key,
                           size_t *plain_len)
{
	mu_tlv a2, t;
	mu_tlv_reader r;
	const uint8_t *serial[2] = {NULL, NULL}, *eph = NULL, *nonce = NULL, *ct = NULL;
	size_t ct_len = 0, ns = 0;
	g_assert_cmpint(mu_tlv_find(buf, len, MU_TAG_ENVELOPE, &a2), ==, 1);
	mu_tlv_reader_init(&r, a2.value, a2.len);
	while (mu_tlv_next(&r, &t) == 1) {
		if (t.tag == MU_TAG_SERIAL && ns < 2)
			serial[ns++] = t.value;
		else if (t.tag == MU_TAG_EPH_PUBKEY)
			eph = t.value;
		else if (t.tag == MU_TAG_NONCE)
			nonce = t.value;
		else if (t.tag == MU_TAG_CIPHERTEXT) {
			ct = t.value;
			ct_len = t.len;
		}
	}
	g_assert_true(ns == 2 && eph != NULL && nonce != NULL && ct != NULL && ct_len >= 16);
	EVP_PKEY *e = NULL;
	uint8_t key[32], aad[64];
	size_t aad_len = 0;
	g_assert_cmpint(mu_ec_from_point(eph, MU_EC_POINT_LEN, &e), ==, MU_OK);
	envelope_key(dst_key, e, context, serial[1], serial[0], nonce, key, aad, &aad_len);
	uint8_t *plain = g_malloc(ct_len);
	int rc = mu_gcm_open(key, nonce, aad, aad_len, ct, ct_len, plain);
	mu_memzero(key, sizeof(key));
	EVP_PKEY_free(e);
	if (rc != MU_OK) {
		g_free(plain);
		return NULL;
	}
	*plain_len = ct_len - 16;
	return plain;
}
