/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto unit as a pure state machine (no I/O): an EP11-like domain
 * with admins, thresholds, a transaction counter, the new and current master
 * key registers, single-use importer keys, a recovery register and key
 * storage. ARCHITECTURE.md §2; byte layouts in docs/protocol.md §12-§17.
 *
 * Every function that changes the domain either succeeds completely or
 * leaves it as it was. The caller serializes access (one mutex per unit). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-admin-block.h"
#include "mu-unit-body.h"
#include "mu-unit-proto.h"

typedef struct unitsim_domain unitsim_domain;

/* Who the unit is; fixed at init. */
typedef struct unitsim_identity {
	char name[MU_UNIT_NAME_MAX + 1];
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	uint8_t role; /* MU_UNIT_ROLE_* */
} unitsim_identity;

/* A new domain in imprint mode. token_hash is SHA-256 of the service token.
 * Returns NULL when out of memory or id is invalid. */
unitsim_domain *unitsim_domain_new(const unitsim_identity *id, const uint8_t token_hash[32]);
/* Frees *d (wiping every secret) and sets *d to NULL; NULL-safe. */
void unitsim_domain_free(unitsim_domain **d);
/* A deep copy (keys, registers, admins); the OA key and root are shared by
 * reference. NULL when out of memory. */
unitsim_domain *unitsim_domain_clone(const unitsim_domain *d);

/* The OA key (signs importer statements) and the manufacturer root DER
 * (checks targets of RECOVERY EXPORT). Not part of the persisted state;
 * set after loading. The domain takes its own reference / copy.
 * Returns 0 or MU_ERR_NOMEM. */
int unitsim_domain_set_oa_key(unitsim_domain *d, EVP_PKEY *oa_key);
int unitsim_domain_set_root(unitsim_domain *d, const uint8_t *root_der, size_t len);

void unitsim_domain_identity(const unitsim_domain *d, unitsim_identity *id);
/* Fills the OA-signable status (docs/protocol.md §13). */
void unitsim_domain_status(const unitsim_domain *d, mu_unit_status *st);
/* Constant-time check of a service bearer token. */
bool unitsim_domain_token_ok(const unitsim_domain *d, const uint8_t *token, size_t len);

/* Output of an admin command: the result and the buffers it points into. */
typedef struct unitsim_admin_out {
	mu_unit_admin_result res;
	uint8_t stmt[512]; /* A7 importer statement */
	uint8_t stmt_sig[MU_UNIT_SIG_MAX];
	uint8_t envelope[512]; /* A6 envelope */
} unitsim_admin_out;

/* Checks and runs a signed admin command in the order of docs/protocol.md
 * §14. Returns 0 with *out filled and the counter incremented, or a
 * MU_ERR_* / MU_UNIT_ERR_* status with the domain unchanged. */
int unitsim_domain_admin(unitsim_domain *d, const mu_admin_cmd *cmd, unitsim_admin_out *out);

/* Key storage (service API). All need a VALID current master key
 * (MU_UNIT_ERR_NO_CURRENT). */
int unitsim_domain_key_create(unitsim_domain *d, const uint8_t *label, size_t label_len,
                              mu_unit_key_entry *out);
size_t unitsim_domain_key_count(const unitsim_domain *d);
/* The index-th key in handle order (0-based). Returns 0 or MU_ERR_ARG. */
/* MU_OK when the service API can run (current master key VALID), else
 * MU_UNIT_ERR_NO_CURRENT. */
int unitsim_domain_service_ready(const unitsim_domain *d);
/* Entry index of key storage, its VP computed from the key as it unwraps
 * under the current master key now. MU_UNIT_ERR_INTERNAL when it does not. */
int unitsim_domain_key_at(const unitsim_domain *d, size_t index, mu_unit_key_entry *out);
/* blob = nonce || AES-256-GCM(data) || tag under the storage key; cap must
 * be >= len + 28. Returns 0, MU_UNIT_ERR_KEY_UNKNOWN, MU_UNIT_ERR_NO_CURRENT,
 * MU_ERR_CRYPTO. */
int unitsim_domain_key_wrap(const unitsim_domain *d, uint32_t handle, const uint8_t *data,
                            size_t len, uint8_t *blob, size_t cap, size_t *blob_len);
/* Reverses key_wrap; MU_UNIT_ERR_UNWRAP when the blob does not
 * authenticate. cap must be >= blob_len - 28. */
int unitsim_domain_key_unwrap(const unitsim_domain *d, uint32_t handle, const uint8_t *blob,
                              size_t blob_len, uint8_t *data, size_t cap, size_t *len);
int unitsim_domain_key_delete(unitsim_domain *d, uint32_t handle);
