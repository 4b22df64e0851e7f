/* SPDX-License-Identifier: Apache-2.0 */
/* The unit protocol's names for the shared crypto of mu-crypto.h: one
 * implementation serves cards, units and the workstation. */
#include "mu-unit-crypto.h"

#include "mu-crypto.h"
#include "mu-status.h"

int mu_unit_sign_ctx(EVP_PKEY *key, const char *context, const uint8_t *data, size_t len,
                     uint8_t *sig, size_t cap, size_t *sig_len)
{
	if (context == NULL)
		return MU_ERR_ARG;
	return mu_ec_sign(key, context, data, len, sig, cap, sig_len);
}

int mu_unit_verify_ctx(EVP_PKEY *pub, const char *context, const uint8_t *data, size_t len,
                       const uint8_t *sig, size_t sig_len)
{
	if (pub == NULL || context == NULL || sig == NULL)
		return MU_ERR_ARG;
	return mu_ec_verify(pub, context, data, len, sig, sig_len);
}

int mu_unit_sha256(const uint8_t *buf, size_t len, uint8_t out[32])
{
	return mu_sha256(buf, len, out);
}

int mu_unit_random(uint8_t *buf, size_t len)
{
	return mu_random(buf, len);
}

bool mu_unit_is_p521(EVP_PKEY *key)
{
	return mu_ec_is_p521(key);
}

EVP_PKEY *mu_unit_p521_generate(void)
{
	EVP_PKEY *k = NULL;
	return mu_ec_generate(&k) == MU_OK ? k : NULL;
}

int mu_unit_p521_point(EVP_PKEY *key, uint8_t point[MU_UNIT_POINT_LEN])
{
	return mu_ec_public_point(key, point);
}

int mu_unit_p521_scalar(EVP_PKEY *key, uint8_t scalar[MU_UNIT_SCALAR_LEN])
{
	return mu_ec_private_scalar(key, scalar);
}

EVP_PKEY *mu_unit_p521_from_point(const uint8_t point[MU_UNIT_POINT_LEN])
{
	EVP_PKEY *k = NULL;
	return mu_ec_from_point(point, MU_UNIT_POINT_LEN, &k) == MU_OK ? k : NULL;
}

EVP_PKEY *mu_unit_p521_from_scalar(const uint8_t scalar[MU_UNIT_SCALAR_LEN])
{
	EVP_PKEY *k = NULL;
	return mu_ec_from_scalar(scalar, MU_UNIT_SCALAR_LEN, &k) == MU_OK ? k : NULL;
}

int mu_unit_key_id(const uint8_t point[MU_UNIT_POINT_LEN], uint8_t id[MU_UNIT_KEY_ID_LEN])
{
	return mu_ec_key_id(point, id);
}

int mu_unit_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[MU_UNIT_SCALAR_LEN])
{
	return mu_ecdh(priv, peer, z);
}

int mu_unit_gcm_seal(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                     uint8_t *out)
{
	return mu_gcm_seal(key, nonce, aad, aad_len, pt, len, out);
}

int mu_unit_gcm_open(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
                     uint8_t *pt)
{
	return mu_gcm_open(key, nonce, aad, aad_len, ct, len, pt);
}
