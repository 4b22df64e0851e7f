/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-keypart-envelope.h"

#include <string.h>

#include <openssl/evp.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"

#define KEYPART_CTX_LEN (sizeof(MU_KEYPART_CONTEXT) - 1)
/* context || module id || domain || importer id || nonce */
#define BINDING_LEN                                                                                \
	(KEYPART_CTX_LEN + MU_UNIT_MODULE_ID_LEN + 2 + MU_UNIT_KEY_ID_LEN + MU_UNIT_GCM_NONCE_LEN)

static void put_domain(mu_tlv_writer *w, uint16_t domain)
{
	uint8_t d[2];
	mu_unit_put_be16(d, domain);
	mu_tlv_put(w, MU_UNIT_TAG_DOMAIN, d, 2);
}

void mu_importer_stmt_encode(const mu_unit_importer *imp, mu_tlv_writer *w)
{
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_IMPORTER);
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, imp->module_id, MU_UNIT_MODULE_ID_LEN);
	put_domain(w, imp->domain);
	mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, imp->key_id, MU_UNIT_KEY_ID_LEN);
	mu_tlv_put(w, MU_UNIT_TAG_POINT, imp->point, MU_UNIT_POINT_LEN);
	mu_tlv_end(w, m);
}

int mu_importer_stmt_parse(const uint8_t *tlv, size_t len, mu_unit_importer *out)
{
	mu_unit_fields outer, f;
	mu_tlv t;
	mu_unit_importer imp;
	uint8_t id[MU_UNIT_KEY_ID_LEN];
	mu_unit_fields_init(&outer, tlv, len);
	if (mu_unit_fields_take(&outer, MU_UNIT_TAG_IMPORTER, 1, 1024, &t) != MU_OK ||
	    mu_unit_fields_end(&outer) != MU_OK)
		return MU_ERR_MALFORMED;
	mu_unit_fields_init(&f, t.value, t.len);
	if (mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, imp.module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, &imp.domain) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_KEY_ID, imp.key_id, MU_UNIT_KEY_ID_LEN) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_POINT, imp.point, MU_UNIT_POINT_LEN) != MU_OK ||
	    mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	if (mu_unit_key_id(imp.point, id) != MU_OK ||
	    memcmp(id, imp.key_id, MU_UNIT_KEY_ID_LEN) != 0)
		return MU_ERR_MALFORMED;
	EVP_PKEY *k = mu_unit_p521_from_point(imp.point);
	if (k == NULL)
		return MU_ERR_MALFORMED;
	EVP_PKEY_free(k);
	*out = imp;
	return MU_OK;
}

int mu_importer_stmt_sign(EVP_PKEY *oa_key, const uint8_t *tlv, size_t len, uint8_t *sig,
                          size_t cap, size_t *sig_len)
{
	return mu_unit_sign_ctx(oa_key, MU_IMPORTER_CONTEXT, tlv, len, sig, cap, sig_len);
}

int mu_importer_stmt_verify(EVP_PKEY *oa_pub, const uint8_t *tlv, size_t len, const uint8_t *sig,
                            size_t sig_len)
{
	return mu_unit_verify_ctx(oa_pub, MU_IMPORTER_CONTEXT, tlv, len, sig, sig_len);
}

static void binding(const mu_keypart_envelope *env, uint8_t out[BINDING_LEN])
{
	size_t o = 0;
	memcpy(out, MU_KEYPART_CONTEXT, KEYPART_CTX_LEN);
	o += KEYPART_CTX_LEN;
	memcpy(out + o, env->module_id, MU_UNIT_MODULE_ID_LEN);
	o += MU_UNIT_MODULE_ID_LEN;
	mu_unit_put_be16(out + o, env->domain);
	o += 2;
	memcpy(out + o, env->importer_id, MU_UNIT_KEY_ID_LEN);
	o += MU_UNIT_KEY_ID_LEN;
	memcpy(out + o, env->nonce, MU_UNIT_GCM_NONCE_LEN);
}

void mu_keypart_kdf(const uint8_t z[MU_UNIT_SCALAR_LEN], const mu_keypart_envelope *env,
                    uint8_t key[32])
{
	static const uint8_t counter[4] = {0, 0, 0, 1};
	uint8_t buf[MU_UNIT_SCALAR_LEN + 4 + BINDING_LEN];
	memcpy(buf, z, MU_UNIT_SCALAR_LEN);
	memcpy(buf + MU_UNIT_SCALAR_LEN, counter, 4);
	binding(env, buf + MU_UNIT_SCALAR_LEN + 4);
	if (mu_unit_sha256(buf, sizeof(buf), key) != MU_OK)
		mu_memzero(key, 32); /* cannot happen with valid inputs; never a usable key */
	mu_memzero(buf, sizeof(buf));
}

int mu_keypart_seal_with(const mu_unit_importer *imp, const uint8_t part[MU_UNIT_KEYPART_LEN],
                         EVP_PKEY *eph, const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                         mu_keypart_envelope *out)
{
	mu_keypart_envelope env;
	uint8_t z[MU_UNIT_SCALAR_LEN], k[32], aad[BINDING_LEN];
	if (imp == NULL || part == NULL || eph == NULL || nonce == NULL || out == NULL)
		return MU_ERR_ARG;
	EVP_PKEY *peer = mu_unit_p521_from_point(imp->point);
	if (peer == NULL)
		return MU_ERR_MALFORMED;
	memcpy(env.module_id, imp->module_id, MU_UNIT_MODULE_ID_LEN);
	env.domain = imp->domain;
	memcpy(env.importer_id, imp->key_id, MU_UNIT_KEY_ID_LEN);
	memcpy(env.nonce, nonce, MU_UNIT_GCM_NONCE_LEN);
	int rc = mu_unit_p521_point(eph, env.eph_point);
	if (rc == MU_OK)
		rc = mu_unit_ecdh(eph, peer, z);
	EVP_PKEY_free(peer);
	if (rc == MU_OK) {
		mu_keypart_kdf(z, &env, k);
		binding(&env, aad);
		rc = mu_unit_gcm_seal(k, env.nonce, aad, sizeof(aad), part, MU_UNIT_KEYPART_LEN,
		                      env.ct);
	}
	mu_memzero(z, sizeof(z));
	mu_memzero(k, sizeof(k));
	if (rc == MU_OK)
		*out = env;
	return rc;
}

int mu_keypart_seal(const mu_unit_importer *imp, const uint8_t part[MU_UNIT_KEYPART_LEN],
                    mu_keypart_envelope *out)
{
	uint8_t nonce[MU_UNIT_GCM_NONCE_LEN];
	if (mu_unit_random(nonce, sizeof(nonce)) != MU_OK)
		return MU_ERR_CRYPTO;
	EVP_PKEY *eph = mu_unit_p521_generate();
	if (eph == NULL)
		return MU_ERR_CRYPTO;
	int rc = mu_keypart_seal_with(imp, part, eph, nonce, out);
	EVP_PKEY_free(eph);
	return rc;
}

int mu_keypart_open(EVP_PKEY *importer_key, const mu_keypart_envelope *env,
                    uint8_t part[MU_UNIT_KEYPART_LEN])
{
	uint8_t z[MU_UNIT_SCALAR_LEN], k[32], aad[BINDING_LEN];
	if (importer_key == NULL || env == NULL || part == NULL)
		return MU_ERR_ARG;
	EVP_PKEY *eph = mu_unit_p521_from_point(env->eph_point);
	if (eph == NULL)
		return MU_ERR_MALFORMED;
	int rc = mu_unit_ecdh(importer_key, eph, z);
	EVP_PKEY_free(eph);
	if (rc == MU_OK) {
		mu_keypart_kdf(z, env, k);
		binding(env, aad);
		rc = mu_unit_gcm_open(k, env->nonce, aad, sizeof(aad), env->ct, sizeof(env->ct),
		                      part);
	}
	mu_memzero(z, sizeof(z));
	mu_memzero(k, sizeof(k));
	if (rc != MU_OK)
		mu_memzero(part, MU_UNIT_KEYPART_LEN);
	return rc;
}

void mu_keypart_envelope_encode(const mu_keypart_envelope *env, mu_tlv_writer *w)
{
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_ENVELOPE);
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, env->module_id, MU_UNIT_MODULE_ID_LEN);
	put_domain(w, env->domain);
	mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, env->importer_id, MU_UNIT_KEY_ID_LEN);
	mu_tlv_put(w, MU_UNIT_TAG_EPH_POINT, env->eph_point, MU_UNIT_POINT_LEN);
	mu_tlv_put(w, MU_UNIT_TAG_GCM_NONCE, env->nonce, MU_UNIT_GCM_NONCE_LEN);
	mu_tlv_put(w, MU_UNIT_TAG_CIPHERTEXT, env->ct, sizeof(env->ct));
	mu_tlv_end(w, m);
}

int mu_keypart_envelope_parse(const uint8_t *tlv, size_t len, mu_keypart_envelope *out)
{
	mu_unit_fields outer, f;
	mu_tlv t;
	mu_keypart_envelope env;
	mu_unit_fields_init(&outer, tlv, len);
	if (mu_unit_fields_take(&outer, MU_UNIT_TAG_ENVELOPE, 1, 1024, &t) != MU_OK ||
	    mu_unit_fields_end(&outer) != MU_OK)
		return MU_ERR_MALFORMED;
	mu_unit_fields_init(&f, t.value, t.len);
	if (mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, env.module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, &env.domain) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_KEY_ID, env.importer_id, MU_UNIT_KEY_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_EPH_POINT, env.eph_point, MU_UNIT_POINT_LEN) !=
	        MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_GCM_NONCE, env.nonce, MU_UNIT_GCM_NONCE_LEN) !=
	        MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_CIPHERTEXT, env.ct, sizeof(env.ct)) != MU_OK ||
	    mu_unit_fields_end(&f) != MU_OK || env.eph_point[0] != 0x04)
		return MU_ERR_MALFORMED;
	*out = env;
	return MU_OK;
}
