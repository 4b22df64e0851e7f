/* SPDX-License-Identifier: Apache-2.0 */
/* One unit's request handling, without I/O: parses a request payload, runs
 * it against the domain, persists a changed domain through a callback before
 * the change takes effect, and returns the OA-signed response. The caller
 * serializes calls for one unit (a mutex per unit). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "unitsim-domain.h"

/* Saves the next state; returns 0 when it is durable. Any other value makes
 * the request fail with MU_UNIT_ERR_PERSIST and the domain stay as it was. */
typedef int (*unitsim_persist_fn)(void *user, const unitsim_domain *next);

typedef struct unitsim_unit_ctx {
	unitsim_domain *domain; /* owned; replaced by a successful change */
	EVP_PKEY *oa_key;       /* signs every response */
	const uint8_t *oa_cert; /* DER, returned by INFO */
	size_t oa_cert_len;
	unitsim_persist_fn persist;
	void *persist_user;
} unitsim_unit_ctx;

/* Handles one request payload. Always answers: malformed, unauthorized or
 * refused requests get a signed error response and change nothing. Returns
 * 0 with *resp (malloc'd, caller frees) and *resp_len, or MU_ERR_NOMEM /
 * MU_ERR_CRYPTO when no response could be signed at all. */
int unitsim_dispatch(unitsim_unit_ctx *u, const uint8_t *req, size_t len, uint8_t **resp,
                     size_t *resp_len);
/* A signed error response for a request that could not be read (e.g. a
 * frame of a bad length): op 00, request hash all zero. */
int unitsim_dispatch_error(unitsim_unit_ctx *u, int status, uint8_t **resp, size_t *resp_len);
