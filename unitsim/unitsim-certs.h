/* SPDX-License-Identifier: Apache-2.0 */
/* Keys and certificates of an emulated instance (docs/protocol.md §16): the
 * manufacturer root, each unit's OA and TLS certificates, and PEM files. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <openssl/types.h>

#include "mu-unit-proto.h"

/* Makes the self-signed manufacturer root for key. NULL on failure. */
X509 *unitsim_cert_root(EVP_PKEY *key);
/* Issues a unit's OA certificate: subject O=OpenMU, OU=<ids>, CN=<name>. */
X509 *unitsim_cert_oa(EVP_PKEY *key, const char *unit_name,
                      const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain, X509 *root,
                      EVP_PKEY *root_key);
/* Issues a unit's TLS server certificate for localhost / 127.0.0.1. */
X509 *unitsim_cert_tls(EVP_PKEY *key, const char *unit_name, X509 *root, EVP_PKEY *root_key);

/* PEM files. Private keys are written with mode 0600. Each returns FALSE
 * with error set (G_FILE_ERROR) on failure. */
gboolean unitsim_pem_write_key(const char *path, EVP_PKEY *key, GError **error);
gboolean unitsim_pem_write_cert(const char *path, X509 *cert, GError **error);
EVP_PKEY *unitsim_pem_read_key(const char *path, GError **error);
X509 *unitsim_pem_read_cert(const char *path, GError **error);
/* DER of a certificate in a GBytes. */
GBytes *unitsim_cert_der(X509 *cert);
