/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "unitsim"
#include "unitsim-testadmin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mu-admin-block.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "unitsim-certs.h"

gboolean unitsim_testadmin_new(const char *name, const char *key_path, const char *cert_path,
                               GError **error)
{
	uint8_t *der = NULL;
	size_t len = 0;
	EVP_PKEY *key = mu_unit_p521_generate();
	if (key == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "key generation failed");
		return FALSE;
	}
	int rc = mu_admin_cert_make(key, name, &der, &len);
	gboolean ok = FALSE;
	if (rc != MU_OK)
		g_set_error(
		    error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "cannot make an admin certificate for '%s': %s (a name is 1 to 64 bytes)", name,
		    mu_strerror(rc));
	else
		ok = unitsim_pem_write_key(key_path, key, error) &&
		     g_file_set_contents(cert_path, (const char *)der, (gssize)len, error);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	return ok;
}

gboolean unitsim_testadmin_sign(const char *key_path, const char *block_path, const char *sig_path,
                                GError **error)
{
	g_autofree char *block = NULL;
	gsize len = 0;
	mu_admin_block b;
	uint8_t sig[MU_UNIT_SIG_MAX];
	size_t sig_len = 0;
	if (!g_file_get_contents(block_path, &block, &len, error))
		return FALSE;
	if (mu_admin_block_parse((const uint8_t *)block, len, &b) != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not an admin block",
		            block_path);
		return FALSE;
	}
	EVP_PKEY *key = unitsim_pem_read_key(key_path, error);
	if (key == NULL)
		return FALSE;
	int rc = mu_admin_sign(key, (const uint8_t *)block, len, sig, sizeof(sig), &sig_len);
	EVP_PKEY_free(key);
	if (rc != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "signing failed: %s",
		            mu_strerror(rc));
		return FALSE;
	}
	return g_file_set_contents(sig_path, (const char *)sig, (gssize)sig_len, error);
}
