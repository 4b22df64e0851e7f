/* SPDX-License-Identifier: Apache-2.0 */
/* Client-side trust in a crypto unit: its OA certificate must be issued by
 * the instance's manufacturer root, and names the unit's module id and
 * domain. docs/protocol.md §16. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-unit-proto.h"

/* Who an OA certificate speaks for. Its subject is
 * O=OpenMU, OU=<module id, 16 hex digits>.<domain, 4 hex digits>, CN=<unit name>. */
typedef struct mu_unit_identity {
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	char name[MU_UNIT_NAME_MAX + 1];
} mu_unit_identity;

/* Formats the OU value for an identity ("0123456789abcdef.0001", NUL). */
void mu_unit_identity_ou(const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain,
                         char out[MU_UNIT_MODULE_ID_LEN * 2 + 6]);

/* Verifies an OA certificate (DER) against the root certificate (DER):
 * the root is a self-signed CA, the OA certificate is issued and signed by
 * it (ECDSA, any SHA-2), is within its validity period, has a P-521 key and
 * a subject of the form above. On success fills *id and, when oa_pub is not
 * NULL, returns the OA public key (caller frees). Returns 0,
 * MU_UNIT_ERR_TRUST (does not chain to this root), MU_ERR_MALFORMED. */
int mu_unit_oa_cert_verify(const uint8_t *root_der, size_t root_len, const uint8_t *oa_der,
                           size_t oa_len, mu_unit_identity *id, EVP_PKEY **oa_pub);

/* SHA-256 of a certificate's DER, the fingerprint officers compare. */
int mu_unit_cert_fingerprint(const uint8_t *der, size_t len, uint8_t fpr[32]);
