/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-crypto.h"

#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "mu-secret.h"
#include "mu-status.h"

int mu_random(uint8_t *buf, size_t len)
{
	if ((buf == NULL && len > 0) || len > INT_MAX)
		return MU_ERR_ARG;
	if (len == 0)
		return MU_OK;
	return RAND_bytes(buf, (int)len) == 1 ? MU_OK : MU_ERR_CRYPTO;
}

static int digest(const EVP_MD *md, const uint8_t *buf, size_t len, uint8_t *out, size_t out_len)
{
	unsigned int n = 0;
	if ((buf == NULL && len > 0) || out == NULL)
		return MU_ERR_ARG;
	static const uint8_t empty[1];
	if (EVP_Digest(buf != NULL ? buf : empty, len, out, &n, md, NULL) != 1 || n != out_len)
		return MU_ERR_CRYPTO;
	return MU_OK;
}

int mu_sha256(const uint8_t *buf, size_t len, uint8_t out[MU_SHA256_LEN])
{
	return digest(EVP_sha256(), buf, len, out, MU_SHA256_LEN);
}

int mu_sha512(const uint8_t *buf, size_t len, uint8_t out[MU_SHA512_LEN])
{
	return digest(EVP_sha512(), buf, len, out, MU_SHA512_LEN);
}

/* ---- P-521 keys ---------------------------------------------------------- */

bool mu_ec_is_p521(const EVP_PKEY *key)
{
	char name[40];
	size_t n = 0;
	if (key == NULL || EVP_PKEY_is_a(key, "EC") != 1 ||
	    EVP_PKEY_get_group_name(key, name, sizeof(name), &n) != 1)
		return false;
	return strcmp(name, "secp521r1") == 0 || strcmp(name, "P-521") == 0;
}

int mu_ec_generate(EVP_PKEY **out)
{
	if (out == NULL)
		return MU_ERR_ARG;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	if (key == NULL)
		return MU_ERR_CRYPTO;
	*out = key;
	return MU_OK;
}

int mu_ec_public_point(const EVP_PKEY *key, uint8_t point[MU_EC_POINT_LEN])
{
	uint8_t buf[MU_EC_POINT_LEN];
	size_t n = 0;
	if (point == NULL || !mu_ec_is_p521(key))
		return MU_ERR_ARG;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &n) != 1 ||
	    n != MU_EC_POINT_LEN || buf[0] != 0x04)
		return MU_ERR_CRYPTO;
	memcpy(point, buf, sizeof(buf));
	return MU_OK;
}

/* An EC key on P-521 from a point and, when priv is given, its scalar; the
 * result is checked (point on the curve, and matching the scalar). */
static int from_data(const uint8_t point[MU_EC_POINT_LEN], const BIGNUM *priv, EVP_PKEY **out)
{
	int rc = MU_ERR_CRYPTO;
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	OSSL_PARAM *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		return MU_ERR_NOMEM;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-521", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                     MU_EC_POINT_LEN) != 1 ||
	    (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1)
		goto done;
	rc = MU_ERR_MALFORMED;
	if (EVP_PKEY_fromdata(ctx, &key, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) != 1 ||
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    (priv != NULL ? EVP_PKEY_pairwise_check(check) : EVP_PKEY_public_check(check)) != 1)
		goto done;
	*out = key;
	key = NULL;
	rc = MU_OK;
done:
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	/* the scalar (a secure BIGNUM) was copied into the secure part of params,
	 * which OSSL_PARAM_free cleanses */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int mu_ec_from_point(const uint8_t *point, size_t len, EVP_PKEY **out)
{
	if (point == NULL || out == NULL)
		return MU_ERR_ARG;
	if (len != MU_EC_POINT_LEN || point[0] != 0x04)
		return MU_ERR_MALFORMED;
	return from_data(point, NULL, out);
}

int mu_ec_private_scalar(const EVP_PKEY *key, uint8_t scalar[MU_EC_SCALAR_LEN])
{
	BIGNUM *d = NULL;
	if (scalar == NULL || !mu_ec_is_p521(key))
		return MU_ERR_ARG;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
		return MU_ERR_ARG; /* a public key */
	int rc = BN_bn2binpad(d, scalar, MU_EC_SCALAR_LEN) == (int)MU_EC_SCALAR_LEN ? MU_OK
	                                                                            : MU_ERR_CRYPTO;
	BN_clear_free(d);
	return rc;
}

/* Loads a scalar into a secure BIGNUM and derives its public point. */
static int scalar_to_point(const uint8_t *scalar, BIGNUM **d_out, uint8_t point[MU_EC_POINT_LEN])
{
	int rc = MU_ERR_CRYPTO;
	EC_POINT *pub = NULL;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp521r1);
	BIGNUM *d = BN_secure_new();
	if (group == NULL || d == NULL || BN_bin2bn(scalar, MU_EC_SCALAR_LEN, d) == NULL)
		goto done;
	rc = MU_ERR_MALFORMED;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
		goto done;
	rc = MU_ERR_CRYPTO;
	if ((pub = EC_POINT_new(group)) == NULL || EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1 ||
	    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, MU_EC_POINT_LEN,
	                       NULL) != MU_EC_POINT_LEN)
		goto done;
	if (d_out != NULL) {
		*d_out = d;
		d = NULL;
	}
	rc = MU_OK;
done:
	EC_POINT_free(pub);
	BN_clear_free(d);
	EC_GROUP_free(group);
	return rc;
}

int mu_ec_from_scalar(const uint8_t *scalar, size_t len, EVP_PKEY **out)
{
	uint8_t point[MU_EC_POINT_LEN];
	BIGNUM *d = NULL;
	if (scalar == NULL || out == NULL)
		return MU_ERR_ARG;
	if (len != MU_EC_SCALAR_LEN)
		return MU_ERR_MALFORMED;
	int rc = scalar_to_point(scalar, &d, point);
	if (rc == MU_OK)
		rc = from_data(point, d, out);
	BN_clear_free(d);
	return rc;
}

int mu_ec_scalar_point(const uint8_t scalar[MU_EC_SCALAR_LEN], uint8_t point[MU_EC_POINT_LEN])
{
	uint8_t buf[MU_EC_POINT_LEN];
	if (scalar == NULL || point == NULL)
		return MU_ERR_ARG;
	int rc = scalar_to_point(scalar, NULL, buf);
	if (rc == MU_OK)
		memcpy(point, buf, sizeof(buf));
	return rc;
}

int mu_ec_key_id(const uint8_t point[MU_EC_POINT_LEN], uint8_t id[MU_EC_KEY_ID_LEN])
{
	if (point == NULL)
		return MU_ERR_ARG;
	return mu_sha256(point, MU_EC_POINT_LEN, id);
}

/* ---- signatures ---------------------------------------------------------- */

int mu_ec_sign(EVP_PKEY *key, const char *context, const uint8_t *msg, size_t len, uint8_t *sig,
               size_t cap, size_t *sig_len)
{
	if (key == NULL || (msg == NULL && len > 0) || sig == NULL || sig_len == NULL)
		return MU_ERR_ARG;
	size_t clen = context != NULL ? strlen(context) : 0;
	int rc = MU_ERR_CRYPTO;
	size_t n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_DigestSignInit_ex(ctx, NULL, "SHA512", NULL, NULL, key, NULL) != 1 ||
	    (clen > 0 && EVP_DigestSignUpdate(ctx, context, clen) != 1) ||
	    (len > 0 && EVP_DigestSignUpdate(ctx, msg, len) != 1) ||
	    EVP_DigestSignFinal(ctx, NULL, &n) != 1)
		goto done;
	/* n is an upper bound; sign into a full-size buffer so cap can be tight */
	uint8_t buf[MU_EC_SIG_MAX + 16];
	if (n > sizeof(buf))
		goto done;
	n = sizeof(buf);
	if (EVP_DigestSignFinal(ctx, buf, &n) != 1)
		goto done;
	if (n > cap) {
		rc = MU_ERR_TOO_LONG;
		goto done;
	}
	memcpy(sig, buf, n);
	*sig_len = n;
	rc = MU_OK;
done:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mu_ec_verify(EVP_PKEY *pub, const char *context, const uint8_t *msg, size_t len,
                 const uint8_t *sig, size_t sig_len)
{
	if (pub == NULL || (msg == NULL && len > 0) || (sig == NULL && sig_len > 0))
		return MU_ERR_ARG;
	if (sig_len == 0 || sig_len > MU_EC_SIG_MAX)
		return MU_ERR_VERIFY;
	size_t clen = context != NULL ? strlen(context) : 0;
	int rc = MU_ERR_CRYPTO;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, "SHA512", NULL, NULL, pub, NULL) != 1 ||
	    (clen > 0 && EVP_DigestVerifyUpdate(ctx, context, clen) != 1) ||
	    (len > 0 && EVP_DigestVerifyUpdate(ctx, msg, len) != 1))
		goto done;
	/* 0 means a wrong signature, < 0 a malformed one: neither verifies */
	rc = EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1 ? MU_OK : MU_ERR_VERIFY;
done:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- key agreement and encryption ---------------------------------------- */

int mu_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[MU_EC_SHARED_LEN])
{
	uint8_t buf[MU_EC_SHARED_LEN];
	size_t n = sizeof(buf);
	if (z == NULL || !mu_ec_is_p521(priv) || !mu_ec_is_p521(peer))
		return MU_ERR_ARG;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	int rc = MU_ERR_CRYPTO;
	if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) == 1 &&
	    EVP_PKEY_derive(ctx, buf, &n) == 1 && n == MU_EC_SHARED_LEN) {
		memcpy(z, buf, sizeof(buf));
		rc = MU_OK;
	}
	mu_memzero(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int mu_kdf_sha256(const uint8_t z[MU_EC_SHARED_LEN], const char *context, const uint8_t *info,
                  size_t info_len, uint8_t key[MU_AES_KEY_LEN])
{
	static const uint8_t counter[4] = {0, 0, 0, 1};
	uint8_t buf[MU_SHA256_LEN];
	unsigned int n = 0;
	if (z == NULL || context == NULL || (info == NULL && info_len > 0) || key == NULL)
		return MU_ERR_ARG;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md == NULL)
		return MU_ERR_NOMEM;
	int rc = MU_ERR_CRYPTO;
	if (EVP_DigestInit_ex2(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, z, MU_EC_SHARED_LEN) == 1 &&
	    EVP_DigestUpdate(md, counter, sizeof(counter)) == 1 &&
	    EVP_DigestUpdate(md, context, strlen(context)) == 1 &&
	    (info_len == 0 || EVP_DigestUpdate(md, info, info_len) == 1) &&
	    EVP_DigestFinal_ex(md, buf, &n) == 1 && n == MU_SHA256_LEN) {
		memcpy(key, buf, sizeof(buf));
		rc = MU_OK;
	}
	mu_memzero(buf, sizeof(buf));
	EVP_MD_CTX_free(md);
	return rc;
}

/* One AES-256-GCM pass; tag is written (enc) or checked (dec). */
static int gcm(bool enc, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
               size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	uint8_t fin[MU_GCM_TAG_LEN];
	int n = 0;
	if (len > INT_MAX / 2 || aad_len > INT_MAX / 2)
		return MU_ERR_ARG;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	int rc = MU_ERR_CRYPTO;
	int e = enc ? 1 : 0;
	if (EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), NULL, NULL, e, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)MU_GCM_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex2(ctx, NULL, key, nonce, e, NULL) != 1 ||
	    (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
	    (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1))
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)MU_GCM_TAG_LEN, tag) != 1)
		goto done;
	/* GCM has no final block: nothing lands in fin */
	if (EVP_CipherFinal_ex(ctx, fin, &n) != 1) {
		rc = enc ? MU_ERR_CRYPTO : MU_ERR_VERIFY;
		goto done;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)MU_GCM_TAG_LEN, tag) != 1)
		goto done;
	rc = MU_OK;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int mu_gcm_seal(const uint8_t key[MU_AES_KEY_LEN], const uint8_t nonce[MU_GCM_NONCE_LEN],
                const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len, uint8_t *out)
{
	if (key == NULL || nonce == NULL || out == NULL || (pt == NULL && len > 0) ||
	    (aad == NULL && aad_len > 0))
		return MU_ERR_ARG;
	return gcm(true, key, nonce, aad, aad_len, pt, len, out, out + len);
}

int mu_gcm_open(const uint8_t key[MU_AES_KEY_LEN], const uint8_t nonce[MU_GCM_NONCE_LEN],
                const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len, uint8_t *pt)
{
	uint8_t tag[MU_GCM_TAG_LEN];
	if (key == NULL || nonce == NULL || ct == NULL || (pt == NULL && len > MU_GCM_TAG_LEN) ||
	    (aad == NULL && aad_len > 0))
		return MU_ERR_ARG;
	if (len < MU_GCM_TAG_LEN)
		return MU_ERR_VERIFY;
	size_t n = len - MU_GCM_TAG_LEN;
	memcpy(tag, ct + n, sizeof(tag));
	int rc = gcm(false, key, nonce, aad, aad_len, ct, n, pt, tag);
	if (rc != MU_OK && n > 0)
		mu_memzero(pt, n);
	return rc;
}
