/* SPDX-License-Identifier: Apache-2.0 */
/* Admin signatures and the self-signed admin certificate (§5, §14). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mu-admin-block.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"

int mu_admin_sign(EVP_PKEY *key, const uint8_t *block, size_t block_len, uint8_t *sig, size_t cap,
                  size_t *sig_len)
{
	/* the card's PSO signs the block as given: no context prefix */
	return mu_unit_sign_ctx(key, "", block, block_len, sig, cap, sig_len);
}

int mu_admin_verify(EVP_PKEY *pub, const uint8_t *block, size_t block_len, const uint8_t *sig,
                    size_t sig_len)
{
	return mu_unit_verify_ctx(pub, "", block, block_len, sig, sig_len);
}

/* The only entry of name must be a CN of 1..64 bytes of UTF-8. */
static int single_cn(const X509_NAME *name, char out[MU_UNIT_NAME_MAX + 1])
{
	if (X509_NAME_entry_count(name) != 1)
		return MU_ERR_MALFORMED;
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, 0);
	if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != NID_commonName)
		return MU_ERR_MALFORMED;
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	int rc = MU_ERR_MALFORMED;
	if (n >= 1 && (size_t)n <= MU_UNIT_NAME_MAX && mu_unit_utf8_ok(utf8, (size_t)n)) {
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
		rc = MU_OK;
	}
	OPENSSL_free(utf8);
	return rc;
}

int mu_admin_cert_check(const uint8_t *der, size_t len, mu_admin_cert_info *info, EVP_PKEY **pub)
{
	mu_admin_cert_info i;
	char issuer_cn[MU_UNIT_NAME_MAX + 1];
	if (der == NULL || len == 0 || len > MU_UNIT_CERT_MAX || info == NULL)
		return MU_ERR_MALFORMED;
	memset(&i, 0, sizeof(i));
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return MU_ERR_MALFORMED;
	int rc = MU_ERR_MALFORMED;
	EVP_PKEY *key = X509_get0_pubkey(x);
	if (p != der + len || !mu_unit_is_p521(key) ||
	    X509_get_signature_nid(x) != NID_ecdsa_with_SHA512 ||
	    single_cn(X509_get_subject_name(x), i.name) != MU_OK ||
	    single_cn(X509_get_issuer_name(x), issuer_cn) != MU_OK ||
	    strcmp(i.name, issuer_cn) != 0)
		goto done;
	if (mu_unit_p521_point(key, i.point) != MU_OK || mu_unit_key_id(i.point, i.key_id) != MU_OK)
		goto done;
	rc = MU_ERR_VERIFY;
	if (X509_verify(x, key) != 1)
		goto done;
	if (pub != NULL) {
		if (EVP_PKEY_up_ref(key) != 1) {
			rc = MU_ERR_CRYPTO;
			goto done;
		}
		*pub = key;
	}
	*info = i;
	rc = MU_OK;
done:
	X509_free(x);
	return rc;
}

int mu_admin_cert_make(EVP_PKEY *key, const char *name, uint8_t **der, size_t *len)
{
	uint8_t serial[16];
	if (key == NULL || name == NULL || der == NULL || len == NULL || name[0] == '\0' ||
	    strlen(name) > MU_UNIT_NAME_MAX ||
	    !mu_unit_utf8_ok((const uint8_t *)name, strlen(name)))
		return MU_ERR_ARG;
	int rc = MU_ERR_CRYPTO;
	X509 *x = X509_new();
	X509_NAME *subject = X509_NAME_new();
	BIGNUM *bn = NULL;
	X509_EXTENSION *ku = NULL;
	if (x == NULL || subject == NULL || mu_unit_random(serial, sizeof(serial)) != MU_OK)
		goto done;
	serial[0] &= 0x7F; /* a positive INTEGER */
	serial[0] |= 0x01;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
	                               (const unsigned char *)name, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, subject) != 1 || X509_set_issuer_name(x, subject) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 20L * 365 * 24 * 3600) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto done;
	ku = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,digitalSignature");
	if (ku == NULL || X509_add_ext(x, ku, -1) != 1 || X509_sign(x, key, EVP_sha512()) <= 0)
		goto done;
	unsigned char *out = NULL;
	int n = i2d_X509(x, &out);
	if (n <= 0)
		goto done;
	*der = out;
	*len = (size_t)n;
	rc = MU_OK;
done:
	X509_EXTENSION_free(ku);
	BN_free(bn);
	X509_NAME_free(subject);
	X509_free(x);
	return rc;
}
