/* SPDX-License-Identifier: Apache-2.0 */
/* Admin commands to a crypto unit from the workstation: the admin block for
 * the unit's current transaction counter, sending a signed command, and the
 * unsigned imprint-mode form of ADD ADMIN (docs/protocol.md §14). The
 * workstation never signs: signatures come from the admins' cards. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-admin-block.h"
#include "mu-tke-client.h"
#include "mu-unit-body.h"

G_BEGIN_DECLS

/* Writes the admin block of cmd with input for the unit whose status is st
 * (its module id, domain and transaction counter) into out (cap >=
 * MU_UNIT_BLOCK_MAX is always enough). Returns FALSE with MU_TKE_ERROR_ARG
 * when the input is too long. */
gboolean mu_tke_admin_block(const mu_unit_status *st, uint16_t cmd, const uint8_t *input,
                            size_t input_len, uint8_t *out, size_t cap, size_t *len,
                            GError **error);

/* Sends a signed admin command (block and 0..8 signatures). On success
 * returns the reply and fills *result, whose byte ranges point into the
 * reply (free the reply after use). A refusal is MU_TKE_UNIT_ERROR. */
mu_tke_reply *mu_tke_admin_send(mu_tke_client *c, const uint8_t *block, size_t block_len,
                                const mu_admin_sig *sigs, size_t nsigs,
                                mu_unit_admin_result *result, GError **error);

/* Reads an admin certificate file (PEM or DER) and checks it as the unit
 * will (self-signed P-521/SHA-512 with a CN, docs/protocol.md §5). Returns
 * the DER and fills *info, or NULL with MU_TKE_ERROR_INPUT. */
GBytes *mu_tke_admin_cert_load(const char *path, mu_admin_cert_info *info, GError **error);

/* Installs an admin on a unit in imprint mode: reads its STATUS, refuses
 * with MU_TKE_ERROR_STATE when the unit is not in imprint mode (then adding
 * an admin needs the signatures of installed admins), else sends ADD ADMIN
 * without signatures. On success *counter (may be NULL) is the unit's
 * transaction counter after the command. A refusal of the unit (already
 * installed, 8 admins, ...) is MU_TKE_UNIT_ERROR. */
gboolean mu_tke_admin_add_imprint(mu_tke_client *c, const uint8_t *cert_der, size_t len,
                                  uint64_t *counter, GError **error);

G_END_DECLS
