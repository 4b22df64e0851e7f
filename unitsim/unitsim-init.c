/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "unitsim"
#include "unitsim-init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "unitsim-certs.h"
#include "unitsim-instance.h"
#include "unitsim-store.h"

#define UNITS_MAX    16u
#define RECOVERY_MAX 8u

/* A loopback port that is free right now (the kernel picks it). */
static guint16 free_port(GError **error)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
		            "cannot find a free loopback port: %s", g_strerror(e));
		return 0;
	}
	close(fd);
	return ntohs(a.sin_port);
}

static gboolean mkdir_mode(const char *path, int mode, GError **error)
{
	if (g_mkdir_with_parents(path, mode) != 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s",
		            path, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

static gboolean write_token(const char *path, const uint8_t token[MU_UNIT_TOKEN_LEN],
                            GError **error)
{
	char text[2 * MU_UNIT_TOKEN_LEN + 2];
	for (size_t i = 0; i < MU_UNIT_TOKEN_LEN; i++)
		g_snprintf(text + 2 * i, 3, "%02x", token[i]);
	text[2 * MU_UNIT_TOKEN_LEN] = '\n';
	text[2 * MU_UNIT_TOKEN_LEN + 1] = '\0';
	int rc = unitsim_write_file_atomic(path, (const uint8_t *)text, sizeof(text) - 1, 0600, 0);
	mu_memzero(text, sizeof(text));
	if (rc != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s", path);
		return FALSE;
	}
	return TRUE;
}

typedef struct root_ctx {
	EVP_PKEY *key;
	X509 *cert;
	GBytes *der;
} root_ctx;

/* Makes one unit: keys, certificates, token and its first state. */
static gboolean make_unit(const char *dir, const root_ctx *root, unitsim_instance_unit *u,
                          GError **error)
{
	g_autofree char *udir = unitsim_instance_unit_dir(dir, u->name);
	g_autofree char *oa_key_path = g_build_filename(udir, "oa-key.pem", NULL);
	g_autofree char *oa_cert_path = g_build_filename(udir, "oa-cert.pem", NULL);
	g_autofree char *tls_key_path = g_build_filename(udir, "tls-key.pem", NULL);
	g_autofree char *tls_cert_path = g_build_filename(udir, "tls-cert.pem", NULL);
	g_autofree char *root_path = g_build_filename(udir, "root-cert.pem", NULL);
	uint8_t token[MU_UNIT_TOKEN_LEN], token_hash[32];
	gboolean ok = FALSE;
	EVP_PKEY *oa = NULL, *tls = NULL;
	X509 *oa_cert = NULL, *tls_cert = NULL;
	unitsim_domain *d = NULL;
	char err[512];

	if (!mkdir_mode(udir, 0700, error))
		return FALSE;
	u->token_file = g_build_filename(udir, "service-token", NULL);
	oa = mu_unit_p521_generate();
	tls = mu_unit_p521_generate();
	if (oa == NULL || tls == NULL ||
	    mu_unit_random(u->module_id, MU_UNIT_MODULE_ID_LEN) != MU_OK ||
	    mu_unit_random(token, sizeof(token)) != MU_OK ||
	    mu_unit_sha256(token, sizeof(token), token_hash) != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "key generation failed");
		goto done;
	}
	oa_cert = unitsim_cert_oa(oa, u->name, u->module_id, u->domain, root->cert, root->key);
	tls_cert = unitsim_cert_tls(tls, u->name, root->cert, root->key);
	if (oa_cert == NULL || tls_cert == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "cannot issue the certificates of %s", u->name);
		goto done;
	}
	if (!unitsim_pem_write_key(oa_key_path, oa, error) ||
	    !unitsim_pem_write_cert(oa_cert_path, oa_cert, error) ||
	    !unitsim_pem_write_key(tls_key_path, tls, error) ||
	    !unitsim_pem_write_cert(tls_cert_path, tls_cert, error) ||
	    !unitsim_pem_write_cert(root_path, root->cert, error) ||
	    !write_token(u->token_file, token, error))
		goto done;
	unitsim_identity id;
	memset(&id, 0, sizeof(id));
	g_strlcpy(id.name, u->name, sizeof(id.name));
	memcpy(id.module_id, u->module_id, MU_UNIT_MODULE_ID_LEN);
	id.domain = u->domain;
	id.role = u->role;
	d = unitsim_domain_new(&id, token_hash);
	if (d == NULL || unitsim_store_save(udir, d, NULL, err, sizeof(err)) != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "cannot write the state of %s: %s", u->name,
		            d == NULL ? "out of memory" : err);
		goto done;
	}
	ok = TRUE;
done:
	mu_memzero(token, sizeof(token));
	unitsim_domain_free(&d);
	X509_free(oa_cert);
	X509_free(tls_cert);
	EVP_PKEY_free(oa);
	EVP_PKEY_free(tls);
	return ok;
}

static gboolean make_root(const char *dir, root_ctx *root, char **cert_path, GError **error)
{
	g_autofree char *rdir = g_build_filename(dir, "root", NULL);
	g_autofree char *key_path = g_build_filename(rdir, "root-key.pem", NULL);
	*cert_path = g_build_filename(rdir, "root-cert.pem", NULL);
	if (!mkdir_mode(rdir, 0700, error))
		return FALSE;
	root->key = mu_unit_p521_generate();
	root->cert = root->key != NULL ? unitsim_cert_root(root->key) : NULL;
	root->der = root->cert != NULL ? unitsim_cert_der(root->cert) : NULL;
	if (root->der == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "cannot make the manufacturer root");
		return FALSE;
	}
	return unitsim_pem_write_key(key_path, root->key, error) &&
	       unitsim_pem_write_cert(*cert_path, root->cert, error);
}

gboolean unitsim_init(const unitsim_init_opts *opts, GError **error)
{
	root_ctx root = {0};
	gboolean ok = FALSE;
	uint8_t fpr[32];
	if (opts->dir == NULL || opts->units < 1 || opts->units > UNITS_MAX ||
	    opts->recovery > RECOVERY_MAX || opts->base_port > 65535u - UNITS_MAX - RECOVERY_MAX) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "need --dir, 1 to %u units, 0 to %u recovery units and a port below %u",
		            UNITS_MAX, RECOVERY_MAX, 65535u - UNITS_MAX - RECOVERY_MAX);
		return FALSE;
	}
	if (!mkdir_mode(opts->dir, 0700, error))
		return FALSE;
	g_autofree char *dir = realpath(opts->dir, NULL);
	if (dir == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "cannot resolve %s",
		            opts->dir);
		return FALSE;
	}
	g_autofree char *ini = g_build_filename(dir, UNITSIM_INSTANCE_FILE, NULL);
	g_autofree char *units_dir = g_build_filename(dir, "units", NULL);
	if (g_file_test(ini, G_FILE_TEST_EXISTS) || g_file_test(units_dir, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
		            "%s already holds an instance; choose an empty folder", dir);
		return FALSE;
	}
	g_autoptr(unitsim_instance) inst = unitsim_instance_new();
	inst->name = g_strdup(opts->name != NULL ? opts->name : "unitsim");
	if (!make_root(dir, &root, &inst->root_cert, error))
		goto done;
	if (mu_unit_sha256(g_bytes_get_data(root.der, NULL), g_bytes_get_size(root.der), fpr) !=
	    MU_OK)
		goto done;
	inst->root_fingerprint = g_malloc(65);
	for (size_t i = 0; i < sizeof(fpr); i++)
		g_snprintf(inst->root_fingerprint + 2 * i, 3, "%02x", fpr[i]);
	unsigned total = opts->units + opts->recovery;
	for (unsigned i = 0; i < total; i++) {
		unitsim_instance_unit *u = g_new0(unitsim_instance_unit, 1);
		g_ptr_array_add(inst->units, u);
		gboolean recovery = i >= opts->units;
		u->name = recovery ? g_strdup_printf("recovery%u", i - opts->units + 1)
		                   : g_strdup_printf("unit%u", i + 1);
		u->role = recovery ? MU_UNIT_ROLE_RECOVERY : MU_UNIT_ROLE_OPERATIONAL;
		u->domain = (uint16_t)i;
		u->host = g_strdup("127.0.0.1");
		u->port = opts->base_port != 0 ? (guint16)(opts->base_port + i) : free_port(error);
		if (u->port == 0 || !make_unit(dir, &root, u, error))
			goto done;
	}
	ok = unitsim_instance_save(inst, ini, error);
done:
	g_bytes_unref(root.der);
	X509_free(root.cert);
	EVP_PKEY_free(root.key);
	return ok;
}
