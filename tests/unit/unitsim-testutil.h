/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the unitsim unit tests: a domain with an OA key under a test
 * root, software admins, signed admin commands and a software "card" that
 * seals key parts. */
#pragma once

#include <glib.h>
#include <openssl/types.h>

#include "mu-admin-block.h"
#include "unitsim-domain.h"

typedef struct tu_admin {
	EVP_PKEY *key;
	uint8_t *cert;
	size_t cert_len;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
} tu_admin;

typedef struct tu_env {
	EVP_PKEY *root_key;
	X509 *root;
	GBytes *root_der;
} tu_env;

typedef struct tu_unit {
	unitsim_domain *d;
	EVP_PKEY *oa_key;
	GBytes *oa_cert;
	unitsim_identity id;
} tu_unit;

/* A g_malloc'd copy of n bytes. */
uint8_t *tu_memdup(const void *p, size_t n);
/* A manufacturer root for the tests. */
void tu_env_init(tu_env *env);
void tu_env_clear(tu_env *env);
/* A unit in imprint mode with an OA certificate under env's root. */
void tu_unit_init(tu_unit *u, const tu_env *env, const char *name, uint16_t domain, uint8_t role);
void tu_unit_clear(tu_unit *u);
/* A software admin. */
void tu_admin_init(tu_admin *a, const char *name);
void tu_admin_clear(tu_admin *a);

/* Builds the block (cmd, input) for u at the given counter (or the unit's
 * counter when counter < 0), signs it by the given admins and runs it.
 * Returns the unit's status. *out may be NULL. */
int tu_admin_cmd(tu_unit *u, uint16_t cmd, const void *input, size_t input_len, int64_t counter,
                 tu_admin *const *signers, size_t nsigners, unitsim_admin_out *out);
/* The same block bytes, for replays and tampering tests. */
GBytes *tu_block(const tu_unit *u, uint16_t cmd, const void *input, size_t input_len,
                 uint64_t counter);
/* Runs a block with signatures of signers over sign_block (normally the
 * same bytes as block). */
int tu_run_block(tu_unit *u, GBytes *block, GBytes *sign_block, tu_admin *const *signers,
                 size_t nsigners, unitsim_admin_out *out);

/* The unit's current transaction counter. */
uint64_t tu_counter(const tu_unit *u);

/* Generates an importer key on u (1 signature by signer), checks the OA
 * signature like a card does, seals part into an envelope TLV and returns
 * the LOAD PART input for parts_total. */
GBytes *tu_sealed_part(tu_unit *u, const tu_env *env, tu_admin *signer, const uint8_t part[32],
                       uint8_t parts_total);
/* Loads part with one signature; returns the status. */
int tu_load_part(tu_unit *u, const tu_env *env, tu_admin *signer, const uint8_t part[32],
                 uint8_t parts_total);
/* Imprints u with the admins given and thresholds (sig, rev). */
void tu_imprint(tu_unit *u, tu_admin *const *admins, size_t n, uint8_t sig, uint8_t rev);
/* Loads a master key of 2 parts, commits it with signers and sets it
 * immediate (empty storage) or rotates to it. */
void tu_set_master_key(tu_unit *u, const tu_env *env, tu_admin *const *signers, size_t n,
                       const uint8_t p1[32], const uint8_t p2[32], gboolean rotate);
