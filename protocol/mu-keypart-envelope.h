/* SPDX-License-Identifier: Apache-2.0 */
/* Key-part transport to a crypto unit: the importer statement a unit signs
 * with its OA key, and the envelope a card (or a recovery unit) seals a
 * 32-byte master key part into for that importer key. One implementation for
 * both sides. docs/protocol.md §15. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-tlv.h"
#include "mu-unit-proto.h"

/* ASCII contexts, no terminator. */
#define MU_IMPORTER_CONTEXT "OPENMU-IMPORTER-V1" /* OA signature over A7 */
#define MU_KEYPART_CONTEXT  "OPENMU-KEYPART-V1"  /* KDF shared info and GCM AAD */

/* An importer key as the unit announces it (TLV A7). */
typedef struct mu_unit_importer {
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN]; /* SHA-256 of point */
	uint8_t point[MU_UNIT_POINT_LEN];
} mu_unit_importer;

/* Appends A7 { 83 module id, 84 domain, 8B key id, 8F point }. */
void mu_importer_stmt_encode(const mu_unit_importer *imp, mu_tlv_writer *w);
/* Parses a whole A7 TLV (tag included) strictly and checks that key id is
 * the SHA-256 of the point and the point is on P-521.
 * Returns 0 or MU_ERR_MALFORMED. */
int mu_importer_stmt_parse(const uint8_t *tlv, size_t len, mu_unit_importer *out);
/* OA signature over MU_IMPORTER_CONTEXT || the whole A7 TLV (ECDSA P-521,
 * SHA-512, DER). Returns 0 with *sig_len set, or MU_ERR_CRYPTO/MU_ERR_ARG. */
int mu_importer_stmt_sign(EVP_PKEY *oa_key, const uint8_t *tlv, size_t len, uint8_t *sig,
                          size_t cap, size_t *sig_len);
/* Returns 0 when sig is a valid OA signature over the statement, else
 * MU_ERR_VERIFY (or MU_ERR_CRYPTO). */
int mu_importer_stmt_verify(EVP_PKEY *oa_pub, const uint8_t *tlv, size_t len, const uint8_t *sig,
                            size_t sig_len);

/* A key-part envelope (TLV A6). */
typedef struct mu_keypart_envelope {
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN]; /* target unit */
	uint16_t domain;
	uint8_t importer_id[MU_UNIT_KEY_ID_LEN]; /* key id of the importer key */
	uint8_t eph_point[MU_UNIT_POINT_LEN];    /* sender's ephemeral key */
	uint8_t nonce[MU_UNIT_GCM_NONCE_LEN];
	uint8_t ct[MU_UNIT_KEYPART_LEN + MU_UNIT_GCM_TAG_LEN]; /* ciphertext || tag */
} mu_keypart_envelope;

/* Seals part for the importer key of imp: fresh ephemeral P-521 key and
 * random nonce. The caller must have verified imp's statement against the
 * unit's OA certificate and that certificate against the root first.
 * Returns 0, MU_ERR_MALFORMED (bad point) or MU_ERR_CRYPTO. */
int mu_keypart_seal(const mu_unit_importer *imp, const uint8_t part[MU_UNIT_KEYPART_LEN],
                    mu_keypart_envelope *out);
/* The same with a given ephemeral private key and nonce (test vectors). */
int mu_keypart_seal_with(const mu_unit_importer *imp, const uint8_t part[MU_UNIT_KEYPART_LEN],
                         EVP_PKEY *eph, const uint8_t nonce[MU_UNIT_GCM_NONCE_LEN],
                         mu_keypart_envelope *out);
/* Opens env with the importer private key. The caller checks module id,
 * domain and importer id against its own first (they are authenticated here
 * too, as KDF input and associated data). Returns 0 with part set, or
 * MU_ERR_VERIFY when the envelope does not open, MU_ERR_MALFORMED for a bad
 * ephemeral point, MU_ERR_CRYPTO. part is wiped on failure. */
int mu_keypart_open(EVP_PKEY *importer_key, const mu_keypart_envelope *env,
                    uint8_t part[MU_UNIT_KEYPART_LEN]);

/* Appends A6 { 83 module id, 84 domain, 8B importer id, 9D eph point,
 * 95 nonce, 96 ciphertext || tag }. */
void mu_keypart_envelope_encode(const mu_keypart_envelope *env, mu_tlv_writer *w);
/* Parses a whole A6 TLV strictly. Returns 0 or MU_ERR_MALFORMED. */
int mu_keypart_envelope_parse(const uint8_t *tlv, size_t len, mu_keypart_envelope *out);

/* The envelope key: SHA-256(Z || 00 00 00 01 || MU_KEYPART_CONTEXT ||
 * module id || domain (2, big-endian) || importer id || nonce) where Z is the
 * 66-byte ECDH x coordinate. Exposed for test vectors. */
void mu_keypart_kdf(const uint8_t z[MU_UNIT_SCALAR_LEN], const mu_keypart_envelope *env,
                    uint8_t key[32]);
