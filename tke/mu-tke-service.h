/* SPDX-License-Identifier: Apache-2.0 */
/* The service-user key API of a crypto unit: create, list, wrap, unwrap and
 * delete storage keys, authenticated by the unit's bearer token, not by
 * admin signatures (docs/protocol.md §17). The unit needs a valid current
 * master key for all of them (else MU_UNIT_ERR_NO_CURRENT). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-secret.h"
#include "mu-tke-client.h"
#include "mu-unit-body.h"

G_BEGIN_DECLS

/* Reads a service token file as `openmu-unitsim init` writes it: 64 hex
 * digits and an optional line end. The token is never shown in messages.
 * Returns a secret of MU_UNIT_TOKEN_LEN bytes (free with mu_secret_free) or
 * NULL with MU_TKE_ERROR_TOKEN. */
mu_secret *mu_tke_token_load(const char *path, GError **error);

/* KEY CREATE: a new random storage key with an optional label (NULL or
 * 0..64 bytes UTF-8). Fills *out with its handle, label and VP. */
gboolean mu_tke_key_create(mu_tke_client *c, const mu_secret *token, const char *label,
                           mu_unit_key_entry *out, GError **error);

/* KEY LIST, every page: returns an array of mu_unit_key_entry in handle
 * order (caller frees with g_array_unref). */
GArray *mu_tke_key_list(mu_tke_client *c, const mu_secret *token, GError **error);

/* KEY WRAP: encrypts data (0..4096 bytes) under the key with handle.
 * Returns the blob (nonce || ciphertext || tag). */
GBytes *mu_tke_key_wrap(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                        const uint8_t *data, size_t len, GError **error);

/* KEY UNWRAP: decrypts a blob made by KEY WRAP with the same handle.
 * Returns the data in a secret buffer (free with mu_secret_free); a blob
 * that does not authenticate is MU_TKE_UNIT_ERROR MU_UNIT_ERR_UNWRAP. */
mu_secret *mu_tke_key_unwrap(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                             const uint8_t *blob, size_t len, GError **error);

/* KEY DELETE. */
gboolean mu_tke_key_delete(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                           GError **error);

G_END_DECLS
