/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-x509.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mu-crypto.h"
#include "mu-status.h"

#define NAME_MAX_BYTES 64u
#define VALIDITY_SECONDS ((long)MU_X509_VALIDITY_YEARS * 365 * 24 * 3600)

int mu_x509_parse(const uint8_t *der, size_t len, X509 **out)
{
	if (der == NULL || out == NULL)
		return MU_ERR_ARG;
	if (len == 0 || len > MU_X509_DER_MAX)
		return MU_ERR_MALFORMED;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return MU_ERR_MALFORMED;
	if (p != der + len) {
		X509_free(x);
		return MU_ERR_MALFORMED;
	}
	*out = x;
	return MU_OK;
}

int mu_x509_from_pem_or_der(const uint8_t *data, size_t len, uint8_t **der, size_t *der_len)
{
	if (data == NULL || der == NULL || der_len == NULL)
		return MU_ERR_ARG;
	if (len == 0 || len > MU_X509_FILE_MAX)
		return len == 0 ? MU_ERR_MALFORMED : MU_ERR_TOO_LONG;
	X509 *x = NULL;
	static const char begin[] = "-----BEGIN";
	bool pem = false;
	for (size_t i = 0; !pem && i + sizeof(begin) - 1 <= len; i++)
		pem = memcmp(data + i, begin, sizeof(begin) - 1) == 0;
	if (pem) {
		BIO *bio = BIO_new_mem_buf(data, (int)len);
		if (bio == NULL)
			return MU_ERR_NOMEM;
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (x == NULL)
			return MU_ERR_MALFORMED;
	} else {
		int rc = mu_x509_parse(data, len, &x);
		if (rc != MU_OK)
			return rc;
	}
	unsigned char *out = NULL;
	int n = i2d_X509(x, &out);
	X509_free(x);
	if (n <= 0)
		return MU_ERR_CRYPTO;
	if ((size_t)n > MU_X509_DER_MAX) {
		OPENSSL_free(out);
		return MU_ERR_TOO_LONG;
	}
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(out);
		return MU_ERR_NOMEM;
	}
	memcpy(*der, out, (size_t)n);
	OPENSSL_free(out);
	*der_len = (size_t)n;
	return MU_OK;
}

/* Well-formed UTF-8 without control characters, 1..max bytes. */
static bool text_ok(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len == 0 || len > max)
		return false;
	const uint8_t *u = (const uint8_t *)s;
	for (size_t i = 0; i < len;) {
		size_t n;
		if (u[i] < 0x20 || u[i] == 0x7F)
			return false;
		if (u[i] < 0x80)
			n = 1;
		else if (u[i] >= 0xC2 && u[i] <= 0xDF)
			n = 2;
		else if ((u[i] & 0xF0) == 0xE0)
			n = 3;
		else if (u[i] >= 0xF0 && u[i] <= 0xF4)
			n = 4;
		else
			return false;
		if (n > len - i)
			return false;
		for (size_t k = 1; k < n; k++)
			if ((u[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* ---- building ------------------------------------------------------------ */

static int add_entry(X509_NAME *n, int nid, const char *value)
{
	return X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)value, -1, -1,
	                                  0) == 1
	               ? MU_OK
	               : MU_ERR_CRYPTO;
}

/* O=OpenMU, OU=<zone>, CN=<cn> */
static X509_NAME *zone_name(const char *zone_id, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	if (n == NULL || add_entry(n, NID_organizationName, MU_X509_ORG) != MU_OK ||
	    add_entry(n, NID_organizationalUnitName, zone_id) != MU_OK ||
	    add_entry(n, NID_commonName, cn) != MU_OK) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? MU_OK : MU_ERR_CRYPTO;
}

/* A v3 certificate with a random positive serial, the names, the key and a
 * validity from one hour ago for 20 years. */
static X509 *new_cert(const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *pub)
{
	uint8_t serial[16];
	X509 *x = X509_new();
	if (x == NULL || mu_random(serial, sizeof(serial)) != MU_OK) {
		X509_free(x);
		return NULL;
	}
	serial[0] = (uint8_t)((serial[0] & 0x7F) | 0x40); /* positive, 16 bytes */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	bool ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	          X509_set_version(x, X509_VERSION_3) == 1 && X509_set_subject_name(x, subject) == 1 &&
	          X509_set_issuer_name(x, issuer) == 1 &&
	          X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	          X509_gmtime_adj(X509_getm_notAfter(x), VALIDITY_SECONDS) != NULL &&
	          X509_set_pubkey(x, pub) == 1;
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Signs with ECDSA/SHA-512 and hands out the DER. */
static int sign_out(X509 *x, EVP_PKEY *key, uint8_t **der, size_t *len)
{
	if (X509_sign(x, key, EVP_sha512()) <= 0)
		return MU_ERR_CRYPTO;
	int n = i2d_X509(x, NULL);
	if (n <= 0)
		return MU_ERR_CRYPTO;
	if ((size_t)n > MU_X509_DER_MAX)
		return MU_ERR_TOO_LONG;
	uint8_t *buf = malloc((size_t)n);
	if (buf == NULL)
		return MU_ERR_NOMEM;
	unsigned char *p = buf;
	if (i2d_X509(x, &p) != n) {
		free(buf);
		return MU_ERR_CRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return MU_OK;
}

int mu_x509_make_zone_ca(EVP_PKEY *ca_key, const char *zone_id, uint8_t **der, size_t *len)
{
	if (!mu_ec_is_p521(ca_key) || zone_id == NULL || !text_ok(zone_id, NAME_MAX_BYTES) ||
	    der == NULL || len == NULL)
		return MU_ERR_ARG;
	int rc = MU_ERR_CRYPTO;
	X509 *x = NULL;
	X509_NAME *name = zone_name(zone_id, MU_X509_ZONE_CA_CN);
	if (name == NULL || (x = new_cert(name, name, ca_key)) == NULL)
		goto done;
	if ((rc = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE")) != MU_OK ||
	    (rc = add_ext(x, x, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign")) !=
	        MU_OK ||
	    (rc = add_ext(x, x, NID_subject_key_identifier, "hash")) != MU_OK ||
	    (rc = add_ext(x, x, NID_authority_key_identifier, "keyid:always")) != MU_OK)
		goto done;
	rc = sign_out(x, ca_key, der, len);
done:
	X509_free(x);
	X509_NAME_free(name);
	return rc;
}

int mu_x509_make_card(EVP_PKEY *ca_key, const uint8_t *ca_der, size_t ca_len, const char *zone_id,
                      const uint8_t serial[MU_X509_SERIAL_LEN], EVP_PKEY *card_pub, uint8_t **der,
                      size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	char cn[sizeof(MU_X509_CARD_CN_PREFIX) + 2 * MU_X509_SERIAL_LEN];
	if (!mu_ec_is_p521(ca_key) || ca_der == NULL || zone_id == NULL ||
	    !text_ok(zone_id, NAME_MAX_BYTES) || serial == NULL || !mu_ec_is_p521(card_pub) ||
	    der == NULL || len == NULL)
		return MU_ERR_ARG;
	size_t off = strlen(MU_X509_CARD_CN_PREFIX);
	memcpy(cn, MU_X509_CARD_CN_PREFIX, off);
	for (size_t i = 0; i < MU_X509_SERIAL_LEN; i++) {
		cn[off++] = hex[serial[i] >> 4];
		cn[off++] = hex[serial[i] & 0x0F];
	}
	cn[off] = '\0';

	X509 *ca = NULL, *x = NULL;
	X509_NAME *name = NULL;
	int rc = mu_x509_parse(ca_der, ca_len, &ca);
	if (rc != MU_OK)
		return rc;
	rc = MU_ERR_ARG;
	if (EVP_PKEY_eq(ca_key, X509_get0_pubkey(ca)) != 1)
		goto done;
	rc = MU_ERR_CRYPTO;
	if ((name = zone_name(zone_id, cn)) == NULL ||
	    (x = new_cert(name, X509_get_subject_name(ca), card_pub)) == NULL)
		goto done;
	if ((rc = add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE")) != MU_OK ||
	    (rc = add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement")) != MU_OK ||
	    (rc = add_ext(x, ca, NID_subject_key_identifier, "hash")) != MU_OK ||
	    (rc = add_ext(x, ca, NID_authority_key_identifier, "keyid:always")) != MU_OK)
		goto done;
	rc = sign_out(x, ca_key, der, len);
done:
	X509_free(x);
	X509_free(ca);
	X509_NAME_free(name);
	return rc;
}

int mu_x509_make_admin(EVP_PKEY *admin_key, const char *name, uint8_t **der, size_t *len)
{
	if (!mu_ec_is_p521(admin_key) || name == NULL || !text_ok(name, NAME_MAX_BYTES) ||
	    der == NULL || len == NULL)
		return MU_ERR_ARG;
	int rc = MU_ERR_CRYPTO;
	X509 *x = NULL;
	X509_NAME *subject = X509_NAME_new();
	if (subject == NULL || add_entry(subject, NID_commonName, name) != MU_OK ||
	    (x = new_cert(subject, subject, admin_key)) == NULL ||
	    (rc = add_ext(x, x, NID_key_usage, "critical,digitalSignature")) != MU_OK)
		goto done;
	rc = sign_out(x, admin_key, der, len);
done:
	X509_free(x);
	X509_NAME_free(subject);
	return rc;
}

/* ---- checking ------------------------------------------------------------ */

int mu_x509_check_self_signed(const uint8_t *der, size_t len)
{
	X509 *x = NULL;
	int rc = mu_x509_parse(der, len, &x);
	if (rc != MU_OK)
		return rc;
	EVP_PKEY *pub = X509_get0_pubkey(x);
	rc = MU_ERR_VERIFY;
	if (pub != NULL && X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
	    X509_verify(x, pub) == 1)
		rc = MU_OK;
	X509_free(x);
	return rc;
}

int mu_x509_check_issued_by(const uint8_t *der, size_t len, const uint8_t *issuer_der,
                            size_t issuer_len)
{
	X509 *x = NULL, *issuer = NULL;
	int rc = mu_x509_parse(der, len, &x);
	if (rc != MU_OK)
		return rc;
	rc = mu_x509_parse(issuer_der, issuer_len, &issuer);
	if (rc != MU_OK) {
		X509_free(x);
		return rc;
	}
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	rc = MU_ERR_VERIFY;
	/* X509_check_issued compares the names and key identifiers and refuses
	 * an issuer whose key usage forbids signing certificates */
	if (pub != NULL && X509_check_issued(issuer, x) == X509_V_OK && X509_verify(x, pub) == 1)
		rc = MU_OK;
	X509_free(x);
	X509_free(issuer);
	return rc;
}

int mu_x509_public_key(const uint8_t *der, size_t len, EVP_PKEY **pub)
{
	X509 *x = NULL;
	if (pub == NULL)
		return MU_ERR_ARG;
	int rc = mu_x509_parse(der, len, &x);
	if (rc != MU_OK)
		return rc;
	EVP_PKEY *k = X509_get_pubkey(x);
	X509_free(x);
	if (k == NULL)
		return MU_ERR_MALFORMED;
	*pub = k;
	return MU_OK;
}

int mu_x509_public_point(const uint8_t *der, size_t len, uint8_t point[133])
{
	EVP_PKEY *k = NULL;
	if (point == NULL)
		return MU_ERR_ARG;
	int rc = mu_x509_public_key(der, len, &k);
	if (rc != MU_OK)
		return rc;
	rc = mu_ec_is_p521(k) ? mu_ec_public_point(k, point) : MU_ERR_MALFORMED;
	EVP_PKEY_free(k);
	return rc;
}

static int subject_text(const uint8_t *der, size_t len, int nid, char *out, size_t cap)
{
	X509 *x = NULL;
	if (out == NULL || cap == 0)
		return MU_ERR_ARG;
	int rc = mu_x509_parse(der, len, &x);
	if (rc != MU_OK)
		return rc;
	const X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	int n = -1;
	rc = MU_ERR_MALFORMED;
	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		goto done;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0 || memchr(utf8, '\0', (size_t)n) != NULL)
		goto done;
	rc = MU_ERR_TOO_LONG;
	if ((size_t)n >= cap)
		goto done;
	memcpy(out, utf8, (size_t)n);
	out[n] = '\0';
	rc = MU_OK;
done:
	OPENSSL_free(utf8);
	X509_free(x);
	return rc;
}

int mu_x509_subject_ou(const uint8_t *der, size_t len, char *out, size_t cap)
{
	return subject_text(der, len, NID_organizationalUnitName, out, cap);
}

int mu_x509_subject_cn(const uint8_t *der, size_t len, char *out, size_t cap)
{
	return subject_text(der, len, NID_commonName, out, cap);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mu_x509_card_serial(const uint8_t *der, size_t len, uint8_t serial[MU_X509_SERIAL_LEN])
{
	char cn[80];
	uint8_t out[MU_X509_SERIAL_LEN];
	size_t plen = strlen(MU_X509_CARD_CN_PREFIX);
	if (serial == NULL)
		return MU_ERR_ARG;
	int rc = mu_x509_subject_cn(der, len, cn, sizeof(cn));
	if (rc == MU_ERR_TOO_LONG)
		return MU_ERR_MALFORMED;
	if (rc != MU_OK)
		return rc;
	if (strlen(cn) != plen + 2 * MU_X509_SERIAL_LEN ||
	    memcmp(cn, MU_X509_CARD_CN_PREFIX, plen) != 0)
		return MU_ERR_MALFORMED;
	for (size_t i = 0; i < MU_X509_SERIAL_LEN; i++) {
		int hi = hex_value(cn[plen + 2 * i]), lo = hex_value(cn[plen + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return MU_ERR_MALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(serial, out, sizeof(out));
	return MU_OK;
}

int mu_x509_fingerprint(const uint8_t *der, size_t len, uint8_t fpr[32])
{
	if (der == NULL || len == 0 || fpr == NULL)
		return MU_ERR_ARG;
	return mu_sha256(der, len, fpr);
}
