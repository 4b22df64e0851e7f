/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical admin block that admins sign, the signed admin command that
 * carries a block with its quorum of signatures, the inputs of the admin
 * commands, and the admin certificate check. docs/protocol.md §14. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-tlv.h"
#include "mu-unit-proto.h"

/* ASCII "OPENMU-ADMIN-V1", no terminator: first bytes of every block. */
#define MU_ADMIN_BLOCK_CONTEXT     "OPENMU-ADMIN-V1"
#define MU_ADMIN_BLOCK_CONTEXT_LEN 15u
/* context 15 || cmd 2 || domain 2 || module id 8 || counter 8 || input length 4 */
#define MU_ADMIN_BLOCK_HEADER_LEN 39u
#define MU_ADMIN_INPUT_MAX        (MU_UNIT_BLOCK_MAX - MU_ADMIN_BLOCK_HEADER_LEN)

/* A parsed or to-be-encoded admin block. input points into caller memory. */
typedef struct mu_admin_block {
	uint16_t cmd; /* MU_UNIT_CMD_* */
	uint16_t domain;
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint64_t counter; /* the unit's transaction counter */
	const uint8_t *input;
	size_t input_len; /* <= MU_ADMIN_INPUT_MAX */
} mu_admin_block;

/* Writes the canonical bytes of b into out. Returns 0 with *len set,
 * MU_ERR_ARG, or MU_ERR_TOO_LONG (input too long or out too small). */
int mu_admin_block_encode(const mu_admin_block *b, uint8_t *out, size_t cap, size_t *len);
/* Parses a block strictly (context, exact length). out->input points into
 * buf. Returns 0, MU_ERR_MALFORMED or MU_ERR_TOO_LONG. */
int mu_admin_block_parse(const uint8_t *buf, size_t len, mu_admin_block *out);

/* One signature of the quorum: the signer's key id and a DER signature. */
typedef struct mu_admin_sig {
	const uint8_t *key_id; /* MU_UNIT_KEY_ID_LEN bytes */
	const uint8_t *sig;
	size_t sig_len; /* 8..MU_UNIT_SIG_MAX */
} mu_admin_sig;

/* A signed admin command: the block bytes and 0..8 signatures over them. */
typedef struct mu_admin_cmd {
	const uint8_t *block;
	size_t block_len;
	size_t nsigs;
	mu_admin_sig sigs[MU_UNIT_ADMINS_MAX];
} mu_admin_cmd;

/* Appends TLV A1 { 90 block, A2 { 8B key id, 93 signature } * } to w.
 * Returns 0 or MU_ERR_ARG (too many signatures, bad sizes). Overflow of w is
 * reported by mu_tlv_writer_finish(). */
int mu_admin_cmd_encode(const mu_admin_cmd *c, mu_tlv_writer *w);
/* Parses the VALUE of an A1 TLV strictly: one 90 first, then at most 8 A2,
 * no other tags, no two signatures with the same key id. Pointers refer into
 * buf. The block itself is not parsed. Returns 0 or MU_ERR_MALFORMED. */
int mu_admin_cmd_parse(const uint8_t *buf, size_t len, mu_admin_cmd *out);

/* Signs block bytes with a software admin key (ECDSA P-521 over SHA-512,
 * DER): the same signature an EP11 card's PSO makes. Test equipment and
 * recovery tooling; real admins sign on their cards. Returns 0 with
 * *sig_len set, MU_ERR_ARG or MU_ERR_CRYPTO. */
int mu_admin_sign(EVP_PKEY *key, const uint8_t *block, size_t block_len, uint8_t *sig, size_t cap,
                  size_t *sig_len);
/* Verifies one DER signature over block with an admin public key.
 * Returns 0, MU_ERR_VERIFY or MU_ERR_CRYPTO. */
int mu_admin_verify(EVP_PKEY *pub, const uint8_t *block, size_t block_len, const uint8_t *sig,
                    size_t sig_len);

/* What the unit keeps of an admin certificate. */
typedef struct mu_admin_cert_info {
	char name[MU_UNIT_NAME_MAX + 1];    /* subject CN, NUL-terminated */
	uint8_t key_id[MU_UNIT_KEY_ID_LEN]; /* SHA-256 of the public point */
	uint8_t point[MU_UNIT_POINT_LEN];   /* uncompressed public point */
} mu_admin_cert_info;

/* Checks an admin certificate as docs/protocol.md §5 defines it: X.509 DER
 * of at most MU_UNIT_CERT_MAX bytes, P-521 key, subject CN of 1..64 bytes,
 * self-signed with ECDSA-SHA512 and the signature verifies. On success fills
 * *info and, when pub is not NULL, returns the public key in *pub (caller
 * frees with EVP_PKEY_free). Returns 0, MU_ERR_MALFORMED or MU_ERR_VERIFY. */
int mu_admin_cert_check(const uint8_t *der, size_t len, mu_admin_cert_info *info, EVP_PKEY **pub);

/* Makes the self-signed admin certificate an EP11 card makes at GENERATE
 * ASYMMETRIC KEY PAIR (docs/protocol.md §5): X.509 v3, subject and issuer
 * CN=<name>, P-521 key, ECDSA-SHA512, random 16-byte serial, valid 20 years
 * from now, keyUsage digitalSignature (critical). For software admin keys
 * (tests, recovery tooling). Returns 0 with *der (free with OPENSSL_free)
 * and *len, MU_ERR_ARG (name empty or longer than 64 bytes) or
 * MU_ERR_CRYPTO. */
int mu_admin_cert_make(EVP_PKEY *key, const char *name, uint8_t **der, size_t *len);

/* Input of SET_THRESHOLDS: 2 bytes. */
void mu_admin_input_thresholds(uint8_t sig_threshold, uint8_t rev_threshold, uint8_t out[2]);

/* Input of LOAD_PART: TLV 94 parts total || TLV A6 envelope (the A6 TLV is
 * given whole, as mu_keypart_envelope_encode() writes it). */
int mu_admin_input_load_part(uint8_t parts_total, const uint8_t *envelope_tlv, size_t env_len,
                             uint8_t *out, size_t cap, size_t *len);
/* Parses a LOAD_PART input; *envelope_tlv points to the whole A6 TLV in buf.
 * Returns 0 or MU_ERR_MALFORMED. */
int mu_admin_input_load_part_parse(const uint8_t *buf, size_t len, uint8_t *parts_total,
                                   const uint8_t **envelope_tlv, size_t *env_len);

/* Input of RECOVERY_EXPORT: 99 part index || A7 importer statement (whole
 * TLV) || 93 OA signature over it || 9A OA certificate of the target unit. */
typedef struct mu_admin_export_input {
	uint8_t part_index;      /* 1-based */
	const uint8_t *stmt_tlv; /* the whole A7 TLV */
	size_t stmt_len;
	const uint8_t *stmt_sig;
	size_t stmt_sig_len;
	const uint8_t *oa_cert;
	size_t oa_cert_len;
} mu_admin_export_input;

int mu_admin_input_export(const mu_admin_export_input *in, uint8_t *out, size_t cap, size_t *len);
int mu_admin_input_export_parse(const uint8_t *buf, size_t len, mu_admin_export_input *out);
