/* SPDX-License-Identifier: Apache-2.0 */
/* The service instance file: the GKeyFile `.ini` that names the crypto units
 * of one service instance, their addresses and identities, and the
 * manufacturer root they must chain to. `openmu-unitsim init` writes one;
 * the layout is in docs/protocol.md §19.
 *
 *     [instance]
 *     name=unitsim
 *     root-certificate=/abs/D/root/root-cert.pem
 *     root-fingerprint=<64 hex digits: SHA-256 of the root DER>
 *     units=unit1;unit2;recovery1
 *
 *     [unit unit1]
 *     address=127.0.0.1:40001
 *     role=operational
 *     module-id=<16 hex digits>
 *     domain=0
 *     service-token-file=/abs/D/units/unit1/service-token
 *
 * Relative paths are resolved against the folder of the instance file.
 * Unknown keys and groups are ignored (newer writers may add some); every
 * key listed above is checked strictly. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-unit-proto.h"

G_BEGIN_DECLS

#define MU_TKE_INSTANCE_MAX_BYTES (64u * 1024u) /* larger files are refused */
#define MU_TKE_INSTANCE_UNITS_MAX 16u
#define MU_TKE_FPR_LEN            32u /* SHA-256 */

/* One unit as the instance file describes it. Owned by its instance. */
typedef struct mu_tke_unit {
	char *name;    /* group name after "unit ", e.g. "unit1" */
	char *address; /* as written: HOST:PORT or [IPv6]:PORT */
	char *host;    /* HOST without brackets */
	uint16_t port; /* 1..65535 */
	uint8_t role;  /* MU_UNIT_ROLE_* */
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	char *token_file; /* service-token-file, resolved; NULL when absent */
} mu_tke_unit;

typedef struct mu_tke_instance mu_tke_instance;

/* Parses the text of an instance file (no file is read). base_dir resolves
 * relative paths (NULL: they stay relative); origin names the text in
 * messages (NULL: "instance file"). The root certificate is not loaded:
 * mu_tke_instance_root_der() is empty until mu_tke_instance_load().
 * Returns a new instance (free with mu_tke_instance_free) or NULL with
 * MU_TKE_ERROR_CONFIG. */
mu_tke_instance *mu_tke_instance_parse(const char *data, size_t len, const char *base_dir,
                                       const char *origin, GError **error);

/* Reads and parses the instance file at path, then loads the root
 * certificate it names (PEM or DER) and checks it against root-fingerprint.
 * Returns NULL with MU_TKE_ERROR_CONFIG (file missing, unreadable or
 * malformed, root certificate missing or not matching). */
mu_tke_instance *mu_tke_instance_load(const char *path, GError **error);

/* Frees *inst and sets it to NULL; NULL-safe. */
void mu_tke_instance_free(mu_tke_instance **inst);

/* The file the instance was loaded from (or the origin given to parse). */
const char *mu_tke_instance_path(const mu_tke_instance *inst);
/* [instance] name. */
const char *mu_tke_instance_name(const mu_tke_instance *inst);
/* The root certificate path, resolved. */
const char *mu_tke_instance_root_path(const mu_tke_instance *inst);
/* root-fingerprint as written (32 bytes) and as 64 lower-case hex digits. */
const uint8_t *mu_tke_instance_root_fingerprint(const mu_tke_instance *inst);
const char *mu_tke_instance_root_fingerprint_hex(const mu_tke_instance *inst);
/* The root certificate DER (loaded by mu_tke_instance_load; else NULL, 0). */
const uint8_t *mu_tke_instance_root_der(const mu_tke_instance *inst, size_t *len);

/* Units in the order of `units`. */
size_t mu_tke_instance_n_units(const mu_tke_instance *inst);
const mu_tke_unit *mu_tke_instance_unit(const mu_tke_instance *inst, size_t i);
/* The unit called name, or NULL with MU_TKE_ERROR_ARG listing the names. */
const mu_tke_unit *mu_tke_instance_find_unit(const mu_tke_instance *inst, const char *name,
                                             GError **error);

/* "operational" or "recovery". */
const char *mu_tke_role_name(uint8_t role);

/* For g_autoptr(mu_tke_instance). */
static inline void mu_tke_instance_free_ptr(mu_tke_instance *inst)
{
	mu_tke_instance_free(&inst);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_instance, mu_tke_instance_free_ptr)

G_END_DECLS
