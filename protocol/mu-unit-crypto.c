/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-crypto.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "mu-secret.h"
#include "mu-status.h"

int mu_unit_sign_ctx(EVP_PKEY *key, const char *context, const uint8_t *data, size_t len,
                     uint8_t *sig, size_t cap, size_t *sig_len)
{
	if (key == NULL || context == NULL || (data == NULL && len > 0) || sig == NULL)
		return MU_ERR_ARG;
	int rc = MU_ERR_CRYPTO;
	size_t n = cap;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha512(), NULL, key) != 1 ||
	    EVP_DigestSignUpdate(ctx, context, strlen(context)) != 1 ||
	    EVP_DigestSignUpdate(ctx, data, len) != 1 || EVP_DigestSignFinal(ctx, NULL, &n) != 1)
		goto fail;
	if (n > cap) {
		rc = MU_ERR_TOO_LONG;
		goto fail;
	}
	n = cap;
	if (EVP_DigestSignFinal(ctx, sig, &n) != 1)
		goto fail;
	*sig_len = n;
	rc = MU_OK;
fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mu_unit_verify_ctx(EVP_PKEY *pub, const char *context, const uint8_t *data, size_t len,
                       const uint8_t *sig, size_t sig_len)
{
	if (pub == NULL || context == NULL || (data == NULL && len > 0) || sig == NULL)
		return MU_ERR_ARG;
	int rc = MU_ERR_CRYPTO;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha512(), NULL, pub) != 1 ||
	    EVP_DigestVerifyUpdate(ctx, context, strlen(context)) != 1 ||
	    EVP_DigestVerifyUpdate(ctx, data, len) != 1)
		goto fail;
	/* 0 is a bad signature, negative a malformed one: both do not verify */
	rc = EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1 ? MU_OK : MU_ERR_VERIFY;
fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mu_unit_sha256(const uint8_t *buf, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	if (buf == NULL && len > 0)
		return MU_ERR_ARG;
	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return MU_ERR_CRYPTO;
	return MU_OK;
}

int mu_unit_random(uint8_t *buf, size_t len)
{
	if (len > (size_t)INT32_MAX)
		return MU_ERR_ARG;
	return RAND_bytes(buf, (int)len) == 1 ? MU_OK : MU_ERR_CRYPTO;
}

bool mu_unit_is_p521(EVP_PKEY *key)
{
	char group[32];
	size_t n = 0;
	if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_group_name(key, group, sizeof(group), &n) != 1)
		return false;
	/* OpenSSL names the curve by its SECG name */
	return strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0;
}

EVP_PKEY *mu_unit_p521_generate(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
}

int mu_unit_p521_point(EVP_PKEY *key, uint8_t point[MU_UNIT_POINT_LEN])
{
	size_t n = 0;
	if (key == NULL)
		return MU_ERR_ARG;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, MU_UNIT_POINT_LEN,
	                                    &n) != 1 ||
	    n != MU_UNIT_POINT_LEN || point[0] != 0x04)
		return MU_ERR_CRYPTO;
	return MU_OK;
}

int mu_unit_p521_scalar(EVP_PKEY *key, uint8_t scalar[MU_UNIT_SCALAR_LEN])
{
	BIGNUM *d = NULL;
	if (key == NULL)
		return MU_ERR_ARG;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
		return MU_ERR_CRYPTO;
	int ok = BN_bn2binpad(d, scalar, MU_UNIT_SCALAR_LEN) == MU_UNIT_SCALAR_LEN;
	BN_clear_free(d);
	return ok ? MU_OK : MU_ERR_CRYPTO;
}

/* Builds an EC key of P-521 from a point and, when priv is not NULL, a
 * private scalar. */
static EVP_PKEY *from_params(const uint8_t point[MU_UNIT_POINT_LEN], const BIGNUM *priv)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-521", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                     MU_UNIT_POINT_LEN) != 1 ||
	    (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1))
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) != 1)
		goto done;
	EVP_PKEY_CTX_free(ctx);
	/* the point must be on the curve (and match the scalar) */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx == NULL ||
	    (priv != NULL ? EVP_PKEY_pairwise_check(ctx) : EVP_PKEY_public_check(ctx)) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

EVP_PKEY *mu_unit_p521_from_point(const uint8_t point[MU_UNIT_POINT_LEN])
{
	if (point == NULL || point[0] != 0x04)
		return NULL;
	return from_params(point, NULL);
}

EVP_PKEY *mu_unit_p521_from_scalar(const uint8_t scalar[MU_UNIT_SCALAR_LEN])
{
	EVP_PKEY *key = NULL;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp521r1);
	EC_POINT *pub = NULL;
	BIGNUM *d = BN_secure_new();
	uint8_t point[MU_UNIT_POINT_LEN];
	if (group == NULL || d == NULL || BN_bin2bn(scalar, MU_UNIT_SCALAR_LEN, d) == NULL ||
	    BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
		goto done;
	pub = EC_POINT_new(group);
	if (pub == NULL || EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1 ||
	    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
	                       NULL) != sizeof(point))
		goto done;
	key = from_params(point, d);
done:
	EC_POINT_free(pub);
	BN_clear_free(d);
	EC_GROUP_free(group);
	return key;
}

int mu_unit_key_id(const uint8_t point[MU_UNIT_POINT_LEN], uint8_t id[MU_UNIT_KEY_ID_LEN])
{
	return mu_unit_sha256(point, MU_UNIT_POINT_LEN, id);
}

int mu_unit_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[MU_UNIT_SCALAR_LEN])
{
	int rc = MU_ERR_CRYPTO;
	size_t n = MU_UNIT_SCALAR_LEN;
	if (priv == NULL || peer == NULL)
		return MU_ERR_ARG;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, z, &n) == 1 && n == MU_UNIT_SCALAR_LEN)
		rc = MU_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int gcm(int enc, const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
               const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
               uint8_t *tag)
{
	int rc = MU_ERR_CRYPTO;
	int n = 0;
	if (len > (size_t)INT32_MAX / 2 || aad_len > (size_t)INT32_MAX / 2)
		return MU_ERR_ARG;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, MU_UNIT_GCM_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
	    (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
	    (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1))
		goto fail;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, MU_UNIT_GCM_TAG_LEN, tag) != 1)
		goto fail;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		rc = enc ? MU_ERR_CRYPTO : MU_ERR_VERIFY;
		goto fail;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, MU_UNIT_GCM_TAG_LEN, tag) != 1)
		goto fail;
	rc = MU_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int mu_unit_gcm_seal(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                     uint8_t *out)
{
	if (key == NULL || nonce == NULL || out == NULL || (pt == NULL && len > 0))
		return MU_ERR_ARG;
	return gcm(1, key, nonce, aad, aad_len, pt, len, out, out + len);
}

int mu_unit_gcm_open(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len, uint8_t *pt)
{
	uint8_t tag[MU_UNIT_GCM_TAG_LEN];
	if (key == NULL || nonce == NULL || ct == NULL || pt == NULL || len < MU_UNIT_GCM_TAG_LEN)
		return MU_ERR_ARG;
	size_t n = len - MU_UNIT_GCM_TAG_LEN;
	memcpy(tag, ct + n, sizeof(tag));
	int rc = gcm(0, key, nonce, aad, aad_len, ct, n, pt, tag);
	if (rc != MU_OK)
		mu_memzero(pt, n);
	return rc;
}
