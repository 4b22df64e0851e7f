/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "unitsim"
#include "unitsim-certs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-trust.h"

#define DAYS(n) ((long)(n)*24L * 3600L)

static X509_NAME *make_name(const char *o, const char *ou, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	if (n == NULL)
		return NULL;
	if ((o != NULL && X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8,
	                                             (const unsigned char *)o, -1, -1, 0) != 1) ||
	    (ou != NULL && X509_NAME_add_entry_by_NID(n, NID_organizationalUnitName, MBSTRING_UTF8,
	                                              (const unsigned char *)ou, -1, -1, 0) != 1) ||
	    X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn,
	                               -1, -1, 0) != 1) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL)
		return false;
	bool ok = X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/* An unsigned v3 certificate for key and subject, issued by issuer (itself
 * when NULL), with a random serial; finish() signs it. */
static X509 *make_cert(EVP_PKEY *key, X509_NAME *subject, X509 *issuer, long days)
{
	uint8_t serial[16];
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	if (x == NULL || subject == NULL || mu_unit_random(serial, sizeof(serial)) != MU_OK)
		goto fail;
	serial[0] = (uint8_t)((serial[0] & 0x7F) | 0x01);
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_set_version(x, 2) != 1 || X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject) !=
	        1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), DAYS(days)) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static X509 *finish(X509 *x, EVP_PKEY *signer)
{
	if (x != NULL && X509_sign(x, signer, EVP_sha512()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *unitsim_cert_root(EVP_PKEY *key)
{
	X509_NAME *n = make_name("OpenMU", NULL, "OpenMU unitsim manufacturer root");
	X509 *x = make_cert(key, n, NULL, 20 * 365);
	X509_NAME_free(n);
	if (x == NULL)
		return NULL;
	if (!add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(x, x, NID_subject_key_identifier, "hash")) {
		X509_free(x);
		return NULL;
	}
	return finish(x, key);
}

X509 *unitsim_cert_oa(EVP_PKEY *key, const char *unit_name,
                      const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain, X509 *root,
                      EVP_PKEY *root_key)
{
	char ou[MU_UNIT_MODULE_ID_LEN * 2 + 6];
	mu_unit_identity_ou(module_id, domain, ou);
	X509_NAME *n = make_name("OpenMU", ou, unit_name);
	X509 *x = make_cert(key, n, root, 10 * 365);
	X509_NAME_free(n);
	if (x == NULL)
		return NULL;
	if (!add_ext(x, root, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, root, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, root, NID_authority_key_identifier, "keyid")) {
		X509_free(x);
		return NULL;
	}
	return finish(x, root_key);
}

X509 *unitsim_cert_tls(EVP_PKEY *key, const char *unit_name, X509 *root, EVP_PKEY *root_key)
{
	char cn[MU_UNIT_NAME_MAX + 8];
	snprintf(cn, sizeof(cn), "%s TLS", unit_name);
	X509_NAME *n = make_name("OpenMU", NULL, cn);
	X509 *x = make_cert(key, n, root, 10 * 365);
	X509_NAME_free(n);
	if (x == NULL)
		return NULL;
	if (!add_ext(x, root, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, root, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, root, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, root, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") ||
	    !add_ext(x, root, NID_authority_key_identifier, "keyid")) {
		X509_free(x);
		return NULL;
	}
	return finish(x, root_key);
}

static FILE *open_for_write(const char *path, int mode, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, (mode_t)mode) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot write %s: %s",
		            path, g_strerror(e));
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s", path);
	}
	return f;
}

static gboolean close_written(FILE *f, const char *path, gboolean ok, GError **error)
{
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = FALSE;
	if (fclose(f) != 0)
		ok = FALSE;
	if (!ok)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s", path);
	return ok;
}

gboolean unitsim_pem_write_key(const char *path, EVP_PKEY *key, GError **error)
{
	FILE *f = open_for_write(path, 0600, error);
	if (f == NULL)
		return FALSE;
	gboolean ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
	return close_written(f, path, ok, error);
}

gboolean unitsim_pem_write_cert(const char *path, X509 *cert, GError **error)
{
	FILE *f = open_for_write(path, 0644, error);
	if (f == NULL)
		return FALSE;
	gboolean ok = PEM_write_X509(f, cert) == 1;
	return close_written(f, path, ok, error);
}

EVP_PKEY *unitsim_pem_read_key(const char *path, GError **error)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot read %s: %s",
		            path, g_strerror(e));
		return NULL;
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s does not hold a PEM private key", path);
	return k;
}

X509 *unitsim_pem_read_cert(const char *path, GError **error)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot read %s: %s",
		            path, g_strerror(e));
		return NULL;
	}
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s does not hold a PEM certificate", path);
	return x;
}

GBytes *unitsim_cert_der(X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return NULL;
	GBytes *b = g_bytes_new(der, (gsize)n);
	OPENSSL_free(der);
	return b;
}
