/* SPDX-License-Identifier: Apache-2.0 */
/* The inside of unitsim_domain, shared only by the domain and the state
 * file codec (unitsim-state.c). */
#pragma once

#include "unitsim-domain.h"
#include "mu-vp.h"

/* AES-256-GCM of a 32-byte storage key: nonce || ciphertext || tag. */
#define UNITSIM_WRAPPED_LEN     (MU_UNIT_GCM_NONCE_LEN + 32u + MU_UNIT_GCM_TAG_LEN)
#define UNITSIM_STORAGE_CONTEXT "OPENMU-STORAGE-V1"
#define UNITSIM_WRAP_CONTEXT    "OPENMU-WRAP-V1"

typedef struct unitsim_admin {
	mu_admin_cert_info info;
	uint8_t *cert; /* DER, owned */
	size_t cert_len;
	EVP_PKEY *pub; /* owned reference */
} unitsim_admin;

typedef struct unitsim_importer {
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
	EVP_PKEY *key; /* private, owned reference */
} unitsim_importer;

typedef struct unitsim_key {
	uint32_t handle;
	char label[MU_UNIT_LABEL_MAX + 1];
	uint8_t vp[MU_VP_LEN];
	uint8_t wrapped[UNITSIM_WRAPPED_LEN]; /* under the current master key */
} unitsim_key;

struct unitsim_domain {
	unitsim_identity id;
	uint8_t token_hash[32];
	uint64_t counter;
	uint8_t sig_threshold; /* 0 in imprint mode */
	uint8_t rev_threshold;
	size_t nadmins;
	unitsim_admin admins[MU_UNIT_ADMINS_MAX];

	uint8_t new_state; /* MU_UNIT_NEW_* */
	uint8_t new_total;
	uint8_t new_loaded;
	uint8_t new_key[MU_UNIT_MK_LEN]; /* XOR of the loaded parts */
	uint8_t part_vps[MU_UNIT_PARTS_MAX][MU_VP_LEN];

	uint8_t cur_state; /* MU_UNIT_CUR_* */
	uint8_t cur_key[MU_UNIT_MK_LEN];

	uint8_t recovery_parts; /* 0: no recovery key */
	uint8_t recovery_part[MU_UNIT_PARTS_MAX][MU_UNIT_KEYPART_LEN];

	size_t nimporters; /* oldest first */
	unitsim_importer importers[MU_UNIT_IMPORTERS_MAX];

	uint32_t next_handle;
	size_t nkeys; /* sorted by handle */
	size_t keys_cap;
	unitsim_key *keys;

	EVP_PKEY *oa_key;  /* not persisted */
	uint8_t *root_der; /* not persisted */
	size_t root_len;
};

/* Helpers the state codec shares with the domain. */
/* Installs an admin from its certificate (checked as ADD ADMIN does).
 * Returns 0, MU_UNIT_ERR_BAD_CERT, MU_ERR_NOMEM. */
int unitsim_admin_set(unitsim_admin *a, const uint8_t *der, size_t len);
void unitsim_admin_clear(unitsim_admin *a);
/* VP of a 32-byte key. Returns 0 or MU_ERR_CRYPTO. */
int unitsim_vp(const uint8_t *key, size_t len, uint8_t vp[MU_VP_LEN]);
/* Makes room for one more storage key. Returns 0 or MU_ERR_NOMEM. */
int unitsim_keys_reserve(unitsim_domain *d, size_t n);
/* Wraps / unwraps a storage key under a master key (AAD: context || handle). */
int unitsim_key_seal(const uint8_t mk[MU_UNIT_MK_LEN], uint32_t handle, const uint8_t key[32],
                     uint8_t wrapped[UNITSIM_WRAPPED_LEN]);
int unitsim_key_open(const uint8_t mk[MU_UNIT_MK_LEN], uint32_t handle,
                     const uint8_t wrapped[UNITSIM_WRAPPED_LEN], uint8_t key[32]);

/* Master key and recovery commands (unitsim-mk.c); inputs already parsed
 * to the command's format, signatures checked. */
int unitsim_mk_gen_importer(unitsim_domain *d, unitsim_admin_out *out);
int unitsim_mk_load_part(unitsim_domain *d, const uint8_t *input, size_t len,
                         unitsim_admin_out *out);
int unitsim_mk_commit(unitsim_domain *d, const uint8_t vp[MU_VP_LEN], unitsim_admin_out *out);
int unitsim_mk_set_immediate(unitsim_domain *d);
int unitsim_mk_rotate(unitsim_domain *d, unitsim_admin_out *out);
int unitsim_mk_clear_new(unitsim_domain *d);
int unitsim_mk_clear_current(unitsim_domain *d);
int unitsim_mk_recovery_generate(unitsim_domain *d, uint8_t parts, unitsim_admin_out *out);
int unitsim_mk_recovery_export(unitsim_domain *d, const uint8_t *input, size_t len,
                               unitsim_admin_out *out);
/* Drops importer i (wiping it). */
void unitsim_importer_drop(unitsim_domain *d, size_t i);
