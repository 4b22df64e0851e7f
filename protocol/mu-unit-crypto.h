/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto glue of the unit protocol over mu-crypto.h: signatures over
 * "context || data", P-521 keys as the unit stores them, AES-256-GCM with
 * associated data. Every function returns 0, MU_ERR_ARG, MU_ERR_NOMEM or
 * MU_ERR_CRYPTO unless noted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-unit-proto.h"

/* ECDSA P-521/SHA-512 DER signature over the ASCII context (no terminator)
 * followed by data; *sig_len set on success. */
int mu_unit_sign_ctx(EVP_PKEY *key, const char *context, const uint8_t *data, size_t len,
                     uint8_t *sig, size_t cap, size_t *sig_len);
/* Returns 0 when sig verifies over context || data, MU_ERR_VERIFY when not. */
int mu_unit_verify_ctx(EVP_PKEY *pub, const char *context, const uint8_t *data, size_t len,
                       const uint8_t *sig, size_t sig_len);
/* SHA-256 of buf. */
int mu_unit_sha256(const uint8_t *buf, size_t len, uint8_t out[32]);
/* Cryptographically strong random bytes. */
int mu_unit_random(uint8_t *buf, size_t len);

/* True when key is an EC key on P-521. */
bool mu_unit_is_p521(EVP_PKEY *key);
/* A fresh P-521 key pair, or NULL. */
EVP_PKEY *mu_unit_p521_generate(void);
/* The uncompressed public point of a P-521 key. */
int mu_unit_p521_point(EVP_PKEY *key, uint8_t point[MU_UNIT_POINT_LEN]);
/* The 66-byte big-endian private scalar of a P-521 key (wipe after use). */
int mu_unit_p521_scalar(EVP_PKEY *key, uint8_t scalar[MU_UNIT_SCALAR_LEN]);
/* A P-521 private key from its scalar (1..n-1), or NULL. */
EVP_PKEY *mu_unit_p521_from_scalar(const uint8_t scalar[MU_UNIT_SCALAR_LEN]);
/* A P-521 public key from an uncompressed point on the curve, or NULL. */
EVP_PKEY *mu_unit_p521_from_point(const uint8_t point[MU_UNIT_POINT_LEN]);
/* Key id: SHA-256 of the uncompressed point. */
int mu_unit_key_id(const uint8_t point[MU_UNIT_POINT_LEN], uint8_t id[MU_UNIT_KEY_ID_LEN]);
/* ECDH on P-521: z = x coordinate of priv * peer (66 bytes). */
int mu_unit_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[MU_UNIT_SCALAR_LEN]);

/* AES-256-GCM with a 12-byte nonce and a 16-byte tag appended to the
 * ciphertext: out holds len + 16 bytes. */
int mu_unit_gcm_seal(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                     uint8_t *out);
/* Opens ct (len bytes including the tag) into pt (len - 16 bytes).
 * Returns MU_ERR_VERIFY when it does not authenticate (pt is then wiped). */
int mu_unit_gcm_open(const uint8_t key[32], const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
                     uint8_t *pt);
