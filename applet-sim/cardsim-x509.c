/* SPDX-License-Identifier: Apache-2.0 */
/* The certificates a card makes and checks: the zone CA certificate and the
 * card certificates it issues (docs/protocol.md §5). */
#include "cardsim-private.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mu-status.h"

#define VALIDITY_S (20L * 365 * 24 * 3600)
#define CARD_CN_PREFIX "OpenMU EP11 card "

static X509 *parse(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (der == NULL || len == 0 || len > CARDSIM_CERT_MAX)
		return NULL;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_NAME *zone_name(const char *zone_id, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	if (n == NULL ||
	    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"OpenMU", -1,
	                               -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)zone_id, -1,
	                               -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) != 1) {
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
	return ok ? 0 : -1;
}

/* Fills the fields every certificate shares. */
static int base(X509 *x, X509_NAME *subject, X509_NAME *issuer, EVP_PKEY *pub)
{
	uint8_t serial[16];
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return -1;
	serial[0] = (uint8_t)((serial[0] & 0x7F) | 0x01);
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	         X509_set_version(x, 2) == 1 && X509_set_subject_name(x, subject) == 1 &&
	         X509_set_issuer_name(x, issuer) == 1 &&
	         X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	         X509_gmtime_adj(X509_getm_notAfter(x), VALIDITY_S) != NULL &&
	         X509_set_pubkey(x, pub) == 1;
	BN_free(bn);
	return ok ? 0 : -1;
}

static int finish(X509 *x, EVP_PKEY *signer, cardsim_cert *out)
{
	if (X509_sign(x, signer, EVP_sha512()) <= 0)
		return -1;
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		return -1;
	int rc = cardsim_cert_set(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc == MU_OK ? 0 : -1;
}

int cardsim_x509_zone_ca(const uint8_t ca_key[MU_P521_SCALAR_LEN], const char *zone_id,
                         cardsim_cert *out)
{
	int rc = -1;
	EVP_PKEY *key = cardsim_key(ca_key);
	X509 *x = X509_new();
	X509_NAME *name = zone_name(zone_id, "OpenMU zone CA");
	if (key == NULL || x == NULL || name == NULL || base(x, name, name, key) != 0 ||
	    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") != 0 ||
	    add_ext(x, x, NID_subject_key_identifier, "hash") != 0 || finish(x, key, out) != 0)
		goto done;
	rc = 0;
done:
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int cardsim_x509_card(const uint8_t ca_key[MU_P521_SCALAR_LEN], const cardsim_cert *ca_cert,
                      const char *zone_id, const uint8_t serial[MU_SERIAL_LEN],
                      EVP_PKEY *card_pub, cardsim_cert *out)
{
	char cn[sizeof(CARD_CN_PREFIX) + 2 * MU_SERIAL_LEN];
	int rc = -1;
	size_t off = (size_t)snprintf(cn, sizeof(cn), "%s", CARD_CN_PREFIX);
	for (size_t i = 0; i < MU_SERIAL_LEN; i++)
		off += (size_t)snprintf(cn + off, sizeof(cn) - off, "%02x", serial[i]);
	EVP_PKEY *key = cardsim_key(ca_key);
	X509 *ca = parse(ca_cert->der, ca_cert->len);
	X509 *x = X509_new();
	X509_NAME *name = zone_name(zone_id, cn);
	if (key == NULL || ca == NULL || x == NULL || name == NULL ||
	    base(x, name, X509_get_subject_name(ca), card_pub) != 0 ||
	    add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement") != 0 ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash") != 0 ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
	    finish(x, key, out) != 0)
		goto done;
	rc = 0;
done:
	X509_NAME_free(name);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	return rc;
}

bool cardsim_x509_self_signed(const uint8_t *der, size_t len)
{
	X509 *x = parse(der, len);
	if (x == NULL)
		return false;
	EVP_PKEY *pub = X509_get0_pubkey(x);
	bool ok = pub != NULL && X509_verify(x, pub) == 1 &&
	          X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	X509_free(x);
	return ok;
}

static bool get_text(X509_NAME *name, int nid, char *out, size_t cap)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return false;
	ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	int n = ASN1_STRING_length(s);
	if (n <= 0 || (size_t)n >= cap)
		return false;
	memcpy(out, ASN1_STRING_get0_data(s), (size_t)n);
	out[n] = '\0';
	return strlen(out) == (size_t)n;
}

bool cardsim_x509_info(const uint8_t *der, size_t len, EVP_PKEY **pub, char *ou, size_t ou_cap)
{
	X509 *x = parse(der, len);
	if (x == NULL)
		return false;
	bool ok = true;
	if (ou != NULL)
		ok = get_text(X509_get_subject_name(x), NID_organizationalUnitName, ou, ou_cap);
	if (ok && pub != NULL) {
		*pub = X509_get_pubkey(x);
		ok = *pub != NULL;
	}
	X509_free(x);
	return ok;
}

static bool parse_serial(const char *cn, uint8_t serial[MU_SERIAL_LEN])
{
	size_t plen = strlen(CARD_CN_PREFIX);
	if (strlen(cn) != plen + 2 * MU_SERIAL_LEN || strncmp(cn, CARD_CN_PREFIX, plen) != 0)
		return false;
	for (size_t i = 0; i < MU_SERIAL_LEN; i++) {
		unsigned v;
		char hex[3] = {cn[plen + 2 * i], cn[plen + 2 * i + 1], '\0'};
		if (strspn(hex, "0123456789abcdef") != 2 || sscanf(hex, "%2x", &v) != 1)
			return false;
		serial[i] = (uint8_t)v;
	}
	return true;
}

bool cardsim_x509_card_check(const uint8_t *der, size_t len, const cardsim_cert *ca,
                             const char *zone_id, uint8_t serial[MU_SERIAL_LEN],
                             EVP_PKEY **pub)
{
	bool ok = false;
	char ou[MU_ZONE_ID_MAX + 1], cn[64];
	X509 *x = parse(der, len);
	X509 *issuer = parse(ca->der, ca->len);
	if (x == NULL || issuer == NULL)
		goto done;
	EVP_PKEY *ca_pub = X509_get0_pubkey(issuer);
	X509_NAME *subject = X509_get_subject_name(x);
	if (ca_pub == NULL || X509_verify(x, ca_pub) != 1 ||
	    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(issuer)) != 0 ||
	    !get_text(subject, NID_organizationalUnitName, ou, sizeof(ou)) ||
	    strcmp(ou, zone_id) != 0 || !get_text(subject, NID_commonName, cn, sizeof(cn)) ||
	    !parse_serial(cn, serial))
		goto done;
	*pub = X509_get_pubkey(x);
	ok = *pub != NULL;
done:
	X509_free(x);
	X509_free(issuer);
	return ok;
}
