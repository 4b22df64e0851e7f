/* SPDX-License-Identifier: Apache-2.0 */
/* TEST ONLY: software admin keys. Real admins keep their signature key on
 * an EP11 card and sign admin blocks there; tests and demos without cards
 * use these. */
#pragma once

#include <glib.h>

/* A new P-521 key (PEM, 0600) and its self-signed admin certificate (DER),
 * exactly as a card makes it (docs/protocol.md §5). */
gboolean unitsim_testadmin_new(const char *name, const char *key_path, const char *cert_path,
                               GError **error);
/* Signs the admin block in block_path; writes the DER signature. */
gboolean unitsim_testadmin_sign(const char *key_path, const char *block_path, const char *sig_path,
                                GError **error);
