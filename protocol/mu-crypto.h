/* SPDX-License-Identifier: Apache-2.0 */
/* Generic crypto helpers shared by the card applet, the crypto unit and the
 * workstation: P-521 keys, ECDSA P-521/SHA-512 signatures with a context
 * prefix, ECDH, the SHA-256 KDF of the envelopes, AES-256-GCM, hashes and
 * random bytes. OpenSSL 3 EVP only; pure code, no I/O.
 *
 * Every function returns MU_OK or a negative MU_ERR_* status (mu-status.h):
 * MU_ERR_ARG for NULL or out-of-range arguments, MU_ERR_MALFORMED for bytes
 * that are not a valid key, MU_ERR_TOO_LONG when an output does not fit,
 * MU_ERR_VERIFY when a signature or tag does not verify, MU_ERR_CRYPTO when
 * OpenSSL fails. Out-parameters are set only on success. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define MU_EC_POINT_LEN 133u  /* uncompressed P-521 point: 04 || X || Y */
#define MU_EC_SCALAR_LEN 66u  /* P-521 private scalar, big-endian */
#define MU_EC_SHARED_LEN 66u  /* ECDH result: x coordinate */
#define MU_EC_SIG_MAX 141u    /* DER ECDSA P-521 signature, upper bound */
#define MU_EC_KEY_ID_LEN 32u  /* SHA-256 of the public point */
#define MU_SHA256_LEN 32u
#define MU_SHA512_LEN 64u
#define MU_AES_KEY_LEN 32u    /* AES-256 */
#define MU_GCM_NONCE_LEN 12u
#define MU_GCM_TAG_LEN 16u

/* Fills buf with len cryptographically strong random bytes. */
int mu_random(uint8_t *buf, size_t len);
/* SHA-256 and SHA-512 of buf (buf may be NULL when len is 0). */
int mu_sha256(const uint8_t *buf, size_t len, uint8_t out[MU_SHA256_LEN]);
int mu_sha512(const uint8_t *buf, size_t len, uint8_t out[MU_SHA512_LEN]);

/* ---- P-521 keys ---------------------------------------------------------- */

/* True when key is an EC key on P-521. */
bool mu_ec_is_p521(const EVP_PKEY *key);
/* A fresh P-521 key pair in *out (caller frees with EVP_PKEY_free). */
int mu_ec_generate(EVP_PKEY **out);
/* The uncompressed public point of a P-521 key. */
int mu_ec_public_point(const EVP_PKEY *key, uint8_t point[MU_EC_POINT_LEN]);
/* A public key from an uncompressed point that lies on P-521; anything else
 * (length, prefix, point off the curve) is MU_ERR_MALFORMED. */
int mu_ec_from_point(const uint8_t *point, size_t len, EVP_PKEY **out);
/* The 66-byte private scalar of a P-521 key pair. The caller wipes it with
 * mu_memzero() as soon as it is no longer needed. */
int mu_ec_private_scalar(const EVP_PKEY *key, uint8_t scalar[MU_EC_SCALAR_LEN]);
/* A key pair from a private scalar in 1..n-1 (its public point is derived
 * and checked); anything else is MU_ERR_MALFORMED. The scalar is not kept. */
int mu_ec_from_scalar(const uint8_t *scalar, size_t len, EVP_PKEY **out);
/* The public point of a private scalar (MU_ERR_MALFORMED if invalid). */
int mu_ec_scalar_point(const uint8_t scalar[MU_EC_SCALAR_LEN], uint8_t point[MU_EC_POINT_LEN]);
/* Key id: SHA-256 of the uncompressed public point. */
int mu_ec_key_id(const uint8_t point[MU_EC_POINT_LEN], uint8_t id[MU_EC_KEY_ID_LEN]);

/* ---- signatures ---------------------------------------------------------- */

/* ECDSA P-521 over SHA-512 of context || msg (context is ASCII without its
 * terminator; NULL or "" for none). Writes the DER signature into sig (cap
 * bytes, MU_EC_SIG_MAX always suffices) and its length into *sig_len. */
int mu_ec_sign(EVP_PKEY *key, const char *context, const uint8_t *msg, size_t len, uint8_t *sig,
               size_t cap, size_t *sig_len);
/* MU_OK when sig is a valid signature of context || msg by pub, MU_ERR_VERIFY
 * when it is not (including a malformed signature). */
int mu_ec_verify(EVP_PKEY *pub, const char *context, const uint8_t *msg, size_t len,
                 const uint8_t *sig, size_t sig_len);

/* ---- key agreement and encryption ---------------------------------------- */

/* ECDH on P-521: z = x coordinate of priv * peer (66 bytes; wipe it after
 * use). */
int mu_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[MU_EC_SHARED_LEN]);
/* The KDF of docs/protocol.md §8 and §15:
 *   key = SHA-256(z || 00 00 00 01 || context || info)
 * where info is the concatenation of the binding fields. */
int mu_kdf_sha256(const uint8_t z[MU_EC_SHARED_LEN], const char *context, const uint8_t *info,
                  size_t info_len, uint8_t key[MU_AES_KEY_LEN]);
/* AES-256-GCM: out receives len bytes of ciphertext followed by the 16-byte
 * tag (len + MU_GCM_TAG_LEN bytes). */
int mu_gcm_seal(const uint8_t key[MU_AES_KEY_LEN], const uint8_t nonce[MU_GCM_NONCE_LEN],
                const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len, uint8_t *out);
/* Opens ct (len bytes, tag included) into pt (len - MU_GCM_TAG_LEN bytes).
 * MU_ERR_VERIFY when it does not authenticate; pt is then wiped. */
int mu_gcm_open(const uint8_t key[MU_AES_KEY_LEN], const uint8_t nonce[MU_GCM_NONCE_LEN],
                const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len, uint8_t *pt);
