/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-trust.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"

void mu_unit_identity_ou(const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain,
                         char out[MU_UNIT_MODULE_ID_LEN * 2 + 6])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < MU_UNIT_MODULE_ID_LEN; i++) {
		out[o++] = hex[module_id[i] >> 4];
		out[o++] = hex[module_id[i] & 0x0F];
	}
	out[o++] = '.';
	for (int s = 12; s >= 0; s -= 4)
		out[o++] = hex[(domain >> s) & 0x0F];
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses "<16 hex>.<4 hex>" (lower case) into an identity. */
static int parse_ou(const char *s, size_t n, mu_unit_identity *id)
{
	if (n != MU_UNIT_MODULE_ID_LEN * 2 + 5 || s[MU_UNIT_MODULE_ID_LEN * 2] != '.')
		return MU_ERR_MALFORMED;
	for (size_t i = 0; i < MU_UNIT_MODULE_ID_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return MU_ERR_MALFORMED;
		id->module_id[i] = (uint8_t)(hi << 4 | lo);
	}
	uint16_t d = 0;
	for (size_t i = MU_UNIT_MODULE_ID_LEN * 2 + 1; i < n; i++) {
		int v = hexval(s[i]);
		if (v < 0)
			return MU_ERR_MALFORMED;
		d = (uint16_t)(d << 4 | v);
	}
	id->domain = d;
	return MU_OK;
}

/* Copies entry i of name, which must have the given NID, as UTF-8 text. */
static int entry_text(const X509_NAME *name, int i, int nid, char *out, size_t max)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
	if (e == NULL || OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid)
		return MU_ERR_MALFORMED;
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	int rc = MU_ERR_MALFORMED;
	if (n >= 1 && (size_t)n <= max && mu_unit_utf8_ok(utf8, (size_t)n)) {
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
		rc = MU_OK;
	}
	OPENSSL_free(utf8);
	return rc;
}

static X509 *parse_der(const uint8_t *der, size_t len)
{
	if (der == NULL || len == 0 || len > MU_UNIT_CERT_MAX * 4)
		return NULL;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int mu_unit_oa_cert_verify(const uint8_t *root_der, size_t root_len, const uint8_t *oa_der,
                           size_t oa_len, mu_unit_identity *id, EVP_PKEY **oa_pub)
{
	mu_unit_identity ident;
	char org[16], ou[MU_UNIT_MODULE_ID_LEN * 2 + 6];
	int rc = MU_ERR_MALFORMED;
	X509 *root = parse_der(root_der, root_len);
	X509 *oa = parse_der(oa_der, oa_len);
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	memset(&ident, 0, sizeof(ident));
	if (root == NULL || oa == NULL)
		goto done;
	/* the subject: O=OpenMU, OU=<ids>, CN=<unit name>, nothing else */
	const X509_NAME *subj = X509_get_subject_name(oa);
	if (X509_NAME_entry_count(subj) != 3 ||
	    entry_text(subj, 0, NID_organizationName, org, sizeof(org) - 1) != MU_OK ||
	    strcmp(org, "OpenMU") != 0 ||
	    entry_text(subj, 1, NID_organizationalUnitName, ou, sizeof(ou) - 1) != MU_OK ||
	    parse_ou(ou, strlen(ou), &ident) != MU_OK ||
	    entry_text(subj, 2, NID_commonName, ident.name, MU_UNIT_NAME_MAX) != MU_OK)
		goto done;
	EVP_PKEY *key = X509_get0_pubkey(oa);
	if (!mu_unit_is_p521(key))
		goto done;
	/* the root must be a self-signed CA; the OA certificate issued by it */
	rc = MU_UNIT_ERR_TRUST;
	if (X509_check_issued(root, root) != X509_V_OK ||
	    X509_verify(root, X509_get0_pubkey(root)) != 1 || X509_check_ca(root) < 1)
		goto done;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (store == NULL || ctx == NULL || X509_STORE_add_cert(store, root) != 1 ||
	    X509_STORE_CTX_init(ctx, store, oa, NULL) != 1) {
		rc = MU_ERR_NOMEM;
		goto done;
	}
	if (X509_verify_cert(ctx) != 1)
		goto done;
	if (oa_pub != NULL) {
		if (EVP_PKEY_up_ref(key) != 1) {
			rc = MU_ERR_CRYPTO;
			goto done;
		}
		*oa_pub = key;
	}
	if (id != NULL)
		*id = ident;
	rc = MU_OK;
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(oa);
	X509_free(root);
	return rc;
}

int mu_unit_cert_fingerprint(const uint8_t *der, size_t len, uint8_t fpr[32])
{
	return mu_unit_sha256(der, len, fpr);
}
