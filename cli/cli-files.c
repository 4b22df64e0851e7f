/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli: input files, certificates and atomic output files. */
#include "cli-files.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu-status.h"
#include "mu-x509.h"

static GBytes *read_stream(FILE *f, size_t max, gboolean *too_big)
{
	GByteArray *a = g_byte_array_new();
	guint8 buf[4096];
	size_t n;
	*too_big = FALSE;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		g_byte_array_append(a, buf, (guint)n);
		if (a->len > max) {
			*too_big = TRUE;
			break;
		}
	}
	if (ferror(f)) {
		g_byte_array_unref(a);
		return NULL;
	}
	return g_byte_array_free_to_bytes(a);
}

int cli_read_file(cli_ctx *c, const char *path, size_t max, GBytes **out)
{
	gboolean too_big = FALSE;
	g_autoptr(GBytes) data = NULL;

	if (strcmp(path, "-") == 0) {
		data = read_stream(stdin, max, &too_big);
		if (data == NULL)
			return cli_fail(c, CLI_EXIT_IO, "cannot read standard input");
	} else {
		g_autofree char *text = NULL;
		gsize len = 0;
		GError *error = NULL;
		if (!g_file_get_contents(path, &text, &len, &error)) {
			int rc = cli_fail(c, CLI_EXIT_IO, "%s", error->message);
			g_error_free(error);
			return rc;
		}
		too_big = len > max;
		data = g_bytes_new_take(g_steal_pointer(&text), len);
	}
	if (too_big)
		return cli_fail(c, CLI_EXIT_USAGE, "%s is larger than %zu bytes", path, max);
	*out = g_steal_pointer(&data);
	return CLI_EXIT_OK;
}

int cli_write_file(cli_ctx *c, const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return cli_fail(c, CLI_EXIT_IO, "cannot write to standard output");
		return CLI_EXIT_OK;
	}
	GError *error = NULL;
	if (!g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT,
	                              0644, &error)) {
		int rc = cli_fail(c, CLI_EXIT_IO, "%s", error->message);
		g_error_free(error);
		return rc;
	}
	return CLI_EXIT_OK;
}

int cli_read_cert(cli_ctx *c, const char *path, GBytes **der)
{
	g_autoptr(GBytes) data = NULL;
	int rc = cli_read_file(c, path, MU_X509_FILE_MAX, &data);
	if (rc != CLI_EXIT_OK)
		return rc;
	gsize len = 0;
	const uint8_t *p = g_bytes_get_data(data, &len);
	uint8_t *out = NULL;
	size_t n = 0;
	if (mu_x509_from_pem_or_der(p, len, &out, &n) != MU_OK)
		return cli_fail(c, CLI_EXIT_IO, "%s is not an X.509 certificate (PEM or DER)", path);
	*der = g_bytes_new(out, n);
	free(out);
	return CLI_EXIT_OK;
}

char *cli_cert_pem(const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)len);
	if (x == NULL)
		return NULL;
	char *text = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	if (bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
		char *p = NULL;
		long n = BIO_get_mem_data(bio, &p);
		if (n > 0)
			text = g_strndup(p, (gsize)n);
	}
	BIO_free(bio);
	X509_free(x);
	return text;
}

char *cli_cert_subject(const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)len);
	if (x == NULL)
		return g_strdup("(unreadable certificate)");
	char *text = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned long flags = XN_FLAG_ONELINE & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
	if (bio != NULL && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, flags) >= 0) {
		char *p = NULL;
		long n = BIO_get_mem_data(bio, &p);
		text = g_strndup(p != NULL ? p : "", n > 0 ? (gsize)n : 0);
	}
	BIO_free(bio);
	X509_free(x);
	return text != NULL ? text : g_strdup("");
}

void cli_sha256(const void *data, size_t len, uint8_t out[32])
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	gsize n = 32;
	g_checksum_update(ck, data, (gssize)len);
	g_checksum_get_digest(ck, out, &n);
	g_checksum_free(ck);
}

char *cli_cert_fingerprint(const uint8_t *der, size_t len)
{
	uint8_t d[32];
	cli_sha256(der, len, d);
	return cli_hex_colon(d, sizeof(d));
}
