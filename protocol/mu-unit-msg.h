/* SPDX-License-Identifier: Apache-2.0 */
/* Unit requests and OA-signed unit responses: framing, encoding and strict,
 * bounded parsing. No I/O. docs/protocol.md §12 and §13.
 *
 * A request is   80 version || 81 op || 82 nonce || [91 token] || op fields.
 * A response is  A0 { 80 version, 81 op, 83 module id, 84 domain,
 *                     86 request hash, 85 status, [87 message], body } ||
 *                93 OA signature over "OPENMU-UNIT-RESP-V1" || the A0 TLV. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-admin-block.h"
#include "mu-unit-proto.h"

#define MU_UNIT_RESP_CONTEXT "OPENMU-UNIT-RESP-V1"

/* A byte range inside a message (not owned). */
typedef struct mu_unit_bytes {
	const uint8_t *p;
	size_t len;
} mu_unit_bytes;

/* ---- Framing ---- */

/* Writes the 4-byte big-endian length of a payload. */
void mu_unit_frame_header(size_t payload_len, uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN]);
/* Reads a frame header. Returns 0 with *payload_len in 1..MU_UNIT_FRAME_MAX,
 * or MU_UNIT_ERR_FRAME. */
int mu_unit_frame_parse(const uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN], size_t *payload_len);

/* ---- Requests ---- */

/* Every field of every request; which ones are used depends on op. */
typedef struct mu_unit_request {
	uint8_t op;                       /* MU_UNIT_OP_* */
	uint8_t nonce[MU_UNIT_NONCE_LEN]; /* fresh random per request */
	mu_unit_bytes token;              /* service ops (0x10..0x14): 32 bytes;
	                                   * empty: left out (the unit refuses) */
	mu_admin_cmd cmd;                 /* ADMIN */
	mu_unit_bytes label;              /* KEY_CREATE: 0..64 bytes UTF-8 */
	uint32_t handle;                  /* KEY_WRAP, KEY_UNWRAP, KEY_DELETE */
	mu_unit_bytes data;               /* KEY_WRAP: C2 plaintext; KEY_UNWRAP: C3 blob */
	uint32_t offset;                  /* KEY_LIST */
	uint16_t limit;                   /* KEY_LIST: 1..MU_UNIT_LIST_MAX */
} mu_unit_request;

/* True for the service ops that carry a bearer token. */
bool mu_unit_op_is_service(uint8_t op);

/* Encodes req (fields used by req->op only). Returns 0 with *len set,
 * MU_ERR_ARG (field out of range), MU_ERR_TOO_LONG, MU_UNIT_ERR_UNKNOWN_OP. */
int mu_unit_request_encode(const mu_unit_request *req, uint8_t *out, size_t cap, size_t *len);
/* Parses a request payload strictly: fields in the documented order, each
 * once, sizes checked, nothing else. Pointers in *out refer into buf.
 * Returns 0, MU_ERR_MALFORMED, MU_ERR_TOO_LONG or MU_UNIT_ERR_UNKNOWN_OP
 * (well-formed header, unknown op: out->op is then set). */
int mu_unit_request_parse(const uint8_t *buf, size_t len, mu_unit_request *out);

/* ---- Responses ---- */

typedef struct mu_unit_response {
	uint8_t op; /* op of the request, 0 if unknown */
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	uint8_t req_hash[MU_UNIT_HASH_LEN]; /* SHA-256 of the request payload */
	int status;                         /* 0 or a negative MU_ERR_/MU_UNIT_ERR_ */
	mu_unit_bytes message;              /* error text, may be empty */
	mu_unit_bytes body;                 /* op-specific TLVs (see mu-unit-body.h) */
	mu_unit_bytes signed_part;          /* parse only: the whole A0 TLV */
	mu_unit_bytes signature;            /* parse only: DER OA signature */
} mu_unit_response;

/* Encodes and signs a response with the unit's OA key. body must be a
 * sequence of TLVs. Returns 0 with *len set, MU_ERR_TOO_LONG, MU_ERR_ARG or
 * MU_ERR_CRYPTO. */
int mu_unit_response_encode(const mu_unit_response *resp, EVP_PKEY *oa_key, uint8_t *out,
                            size_t cap, size_t *len);
/* Parses a response payload strictly without checking the signature.
 * Returns 0 or MU_ERR_MALFORMED. */
int mu_unit_response_parse(const uint8_t *buf, size_t len, mu_unit_response *out);
/* Checks the OA signature of a parsed response and that it answers the
 * request whose payload hash is req_hash (NULL: not checked) and comes from
 * the expected module and domain (module_id NULL: not checked).
 * Returns 0, MU_ERR_VERIFY (signature, hash or identity differ). */
int mu_unit_response_verify(const mu_unit_response *resp, EVP_PKEY *oa_pub,
                            const uint8_t req_hash[MU_UNIT_HASH_LEN],
                            const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain);

/* SHA-256 of a request payload, as the response echoes it. */
int mu_unit_request_hash(const uint8_t *buf, size_t len, uint8_t hash[MU_UNIT_HASH_LEN]);
