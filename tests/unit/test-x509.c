/* SPDX-License-Identifier: Apache-2.0 */
/* mu-x509.h: the certificates of docs/protocol.md §5 and the checks made on
 * them; the applet's certificates must also satisfy `openssl verify`. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "applet-test-util.h"
#include "mu-admin-block.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-x509.h"

static const uint8_t serial[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};

typedef struct zone {
	EVP_PKEY *key;
	uint8_t *der;
	size_t len;
} zone;

static void zone_make(zone *z, const char *id)
{
	g_assert_cmpint(mu_ec_generate(&z->key), ==, MU_OK);
	g_assert_cmpint(mu_x509_make_zone_ca(z->key, id, &z->der, &z->len), ==, MU_OK);
}

static void zone_clear(zone *z)
{
	EVP_PKEY_free(z->key);
	free(z->der);
}

static uint8_t *card_cert(const zone *z, const char *id, EVP_PKEY **card, size_t *len)
{
	uint8_t *der = NULL;
	g_assert_cmpint(mu_ec_generate(card), ==, MU_OK);
	g_assert_cmpint(mu_x509_make_card(z->key, z->der, z->len, id, serial, *card, &der, len), ==,
	                MU_OK);
	return der;
}

static X509 *parse(const uint8_t *der, size_t len)
{
	X509 *x = NULL;
	g_assert_cmpint(mu_x509_parse(der, len, &x), ==, MU_OK);
	return x;
}

/* The validity starts an hour ago and lasts 20 years (a day of slack). */
static void assert_validity(const X509 *x)
{
	int days = 0, secs = 0;
	g_assert_cmpint(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x)), ==, 1);
	g_assert_cmpint(days, ==, 0);
	g_assert_cmpint(secs, <=, -3590);
	g_assert_cmpint(secs, >=, -3700);
	g_assert_cmpint(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)), ==, 1);
	g_assert_cmpint(days, >=, 20 * 365 - 1);
	g_assert_cmpint(days, <=, 20 * 366);
}

static void test_zone_ca(void)
{
	zone z;
	char text[80];
	zone_make(&z, "ZONE-1");
	g_assert_cmpint(mu_x509_check_self_signed(z.der, z.len), ==, MU_OK);
	g_assert_cmpint(mu_x509_subject_ou(z.der, z.len, text, sizeof(text)), ==, MU_OK);
	g_assert_cmpstr(text, ==, "ZONE-1");
	g_assert_cmpint(mu_x509_subject_cn(z.der, z.len, text, sizeof(text)), ==, MU_OK);
	g_assert_cmpstr(text, ==, "OpenMU zone CA");
	g_assert_cmpint(mu_x509_subject_ou(z.der, z.len, text, 6), ==, MU_ERR_TOO_LONG);

	X509 *x = parse(z.der, z.len);
	g_assert_cmpint(X509_get_signature_nid(x), ==, NID_ecdsa_with_SHA512);
	g_assert_cmpint(X509_check_ca(x), ==, 1);
	uint32_t ku = X509_get_key_usage(x);
	g_assert_true(ku & KU_KEY_CERT_SIGN);
	g_assert_true(ku & KU_CRL_SIGN);
	g_assert_true(ku & KU_DIGITAL_SIGNATURE);
	g_assert_nonnull(X509_get0_subject_key_id(x));
	int crit = 0;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	g_assert_nonnull(bc);
	g_assert_cmpint(crit, ==, 1);
	BASIC_CONSTRAINTS_free(bc);
	assert_validity(x);
	X509_free(x);

	uint8_t point[MU_EC_POINT_LEN], want[MU_EC_POINT_LEN], fpr[32], hash[32];
	g_assert_cmpint(mu_x509_public_point(z.der, z.len, point), ==, MU_OK);
	g_assert_cmpint(mu_ec_public_point(z.key, want), ==, MU_OK);
	g_assert_cmpmem(point, sizeof(point), want, sizeof(want));
	g_assert_cmpint(mu_x509_fingerprint(z.der, z.len, fpr), ==, MU_OK);
	g_assert_cmpint(mu_sha256(z.der, z.len, hash), ==, MU_OK);
	g_assert_cmpmem(fpr, 32, hash, 32);
	zone_clear(&z);
}

static void test_card_cert(void)
{
	zone z, other, twin;
	EVP_PKEY *card = NULL;
	size_t len = 0;
	uint8_t got[8];
	char text[80];
	zone_make(&z, "ZONE-1");
	zone_make(&other, "ZONE-2");
	zone_make(&twin, "ZONE-1"); /* same name, another key */
	uint8_t *der = card_cert(&z, "ZONE-1", &card, &len);

	g_assert_cmpint(mu_x509_check_issued_by(der, len, z.der, z.len), ==, MU_OK);
	g_assert_cmpint(mu_x509_check_issued_by(der, len, other.der, other.len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_x509_check_issued_by(der, len, twin.der, twin.len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_x509_check_self_signed(der, len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_x509_card_serial(der, len, got), ==, MU_OK);
	g_assert_cmpmem(got, 8, serial, 8);
	g_assert_cmpint(mu_x509_subject_cn(der, len, text, sizeof(text)), ==, MU_OK);
	g_assert_cmpstr(text, ==, "OpenMU EP11 card 0123456789abcdef");
	g_assert_cmpint(mu_x509_subject_ou(der, len, text, sizeof(text)), ==, MU_OK);
	g_assert_cmpstr(text, ==, "ZONE-1");
	g_assert_cmpint(mu_x509_card_serial(z.der, z.len, got), ==, MU_ERR_MALFORMED);

	X509 *x = parse(der, len);
	g_assert_cmpint(X509_check_ca(x), ==, 0);
	uint32_t ku = X509_get_key_usage(x);
	g_assert_true(ku & KU_DIGITAL_SIGNATURE);
	g_assert_true(ku & KU_KEY_AGREEMENT);
	g_assert_false(ku & KU_KEY_CERT_SIGN);
	g_assert_nonnull(X509_get0_authority_key_id(x));
	assert_validity(x);
	X509_free(x);

	/* a signature that does not verify, with names and key ids intact */
	X509 *resigned = parse(der, len);
	g_assert_cmpint(X509_sign(resigned, other.key, EVP_sha512()), >, 0);
	uint8_t *rder = NULL;
	int rlen = i2d_X509(resigned, &rder);
	g_assert_cmpint(rlen, >, 0);
	g_assert_cmpint(mu_x509_check_issued_by(rder, (size_t)rlen, z.der, z.len), ==, MU_ERR_VERIFY);
	OPENSSL_free(rder);
	rder = NULL;
	/* signed by the CA key, but naming another issuer */
	X509_NAME *elsewhere = X509_NAME_new();
	X509_NAME_add_entry_by_txt(elsewhere, "CN", MBSTRING_ASC, (const unsigned char *)"Other", -1,
	                           -1, 0);
	g_assert_cmpint(X509_set_issuer_name(resigned, elsewhere), ==, 1);
	g_assert_cmpint(X509_sign(resigned, z.key, EVP_sha512()), >, 0);
	rlen = i2d_X509(resigned, &rder);
	g_assert_cmpint(mu_x509_check_issued_by(rder, (size_t)rlen, z.der, z.len), ==, MU_ERR_VERIFY);
	OPENSSL_free(rder);
	rder = NULL;
	X509_NAME_free(elsewhere);
	X509_free(resigned);
	/* a card certificate cannot issue certificates (key usage) */
	uint8_t *sub = NULL;
	size_t sub_len = 0;
	EVP_PKEY *leaf = NULL;
	g_assert_cmpint(mu_ec_generate(&leaf), ==, MU_OK);
	g_assert_cmpint(mu_x509_make_card(card, der, len, "ZONE-1", serial, leaf, &sub, &sub_len), ==,
	                MU_OK);
	g_assert_cmpint(mu_x509_check_issued_by(sub, sub_len, der, len), ==, MU_ERR_VERIFY);
	free(sub);
	EVP_PKEY_free(leaf);
	/* a self-signed certificate whose signature was made by another key */
	X509 *ca2 = parse(z.der, z.len);
	g_assert_cmpint(X509_sign(ca2, other.key, EVP_sha512()), >, 0);
	rlen = i2d_X509(ca2, &rder);
	g_assert_cmpint(mu_x509_check_self_signed(rder, (size_t)rlen), ==, MU_ERR_VERIFY);
	OPENSSL_free(rder);
	X509_free(ca2);

	/* the CA key must be the key of the CA certificate */
	uint8_t *bad = NULL;
	size_t bad_len = 0;
	g_assert_cmpint(mu_x509_make_card(other.key, z.der, z.len, "ZONE-1", serial, card, &bad,
	                                  &bad_len),
	                ==, MU_ERR_ARG);
	g_assert_null(bad);

	/* trailing bytes and truncation are not a certificate */
	uint8_t *longer = g_malloc(len + 1);
	memcpy(longer, der, len);
	longer[len] = 0;
	g_assert_cmpint(mu_x509_check_issued_by(longer, len + 1, z.der, z.len), ==, MU_ERR_MALFORMED);
	g_assert_cmpint(mu_x509_check_issued_by(der, len - 1, z.der, z.len), ==, MU_ERR_MALFORMED);
	g_free(longer);

	free(der);
	EVP_PKEY_free(card);
	zone_clear(&z);
	zone_clear(&other);
	zone_clear(&twin);
}

static void test_admin_cert(void)
{
	EVP_PKEY *k = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	char cn[80];
	g_assert_cmpint(mu_ec_generate(&k), ==, MU_OK);
	g_assert_cmpint(mu_x509_make_admin(k, "Alice Admin", &der, &len), ==, MU_OK);
	g_assert_cmpint(mu_x509_check_self_signed(der, len), ==, MU_OK);
	g_assert_cmpint(mu_x509_subject_cn(der, len, cn, sizeof(cn)), ==, MU_OK);
	g_assert_cmpstr(cn, ==, "Alice Admin");
	X509 *x = parse(der, len);
	g_assert_cmpint(X509_get_signature_nid(x), ==, NID_ecdsa_with_SHA512);
	g_assert_cmpint(X509_NAME_entry_count(X509_get_subject_name(x)), ==, 1);
	assert_validity(x);
	X509_free(x);

	/* the crypto unit accepts it as an admin certificate (§14) */
	mu_admin_cert_info info;
	uint8_t point[MU_EC_POINT_LEN], id[32];
	g_assert_cmpint(mu_admin_cert_check(der, len, &info, NULL), ==, MU_OK);
	g_assert_cmpstr(info.name, ==, "Alice Admin");
	g_assert_cmpint(mu_ec_public_point(k, point), ==, MU_OK);
	g_assert_cmpint(mu_ec_key_id(point, id), ==, MU_OK);
	g_assert_cmpmem(info.key_id, 32, id, 32);

	/* names: empty, too long, control characters */
	uint8_t *bad = NULL;
	size_t bad_len = 0;
	char longname[66];
	memset(longname, 'a', 65);
	longname[65] = '\0';
	g_assert_cmpint(mu_x509_make_admin(k, "", &bad, &bad_len), ==, MU_ERR_ARG);
	g_assert_cmpint(mu_x509_make_admin(k, longname, &bad, &bad_len), ==, MU_ERR_ARG);
	g_assert_cmpint(mu_x509_make_admin(k, "a\nb", &bad, &bad_len), ==, MU_ERR_ARG);
	g_assert_null(bad);
	free(der);
	EVP_PKEY_free(k);
}

/* ---- openssl verify ------------------------------------------------------ */

static void write_pem(const char *path, const uint8_t *der, size_t len)
{
	X509 *x = parse(der, len);
	FILE *f = fopen(path, "w");
	g_assert_nonnull(f);
	g_assert_cmpint(PEM_write_X509(f, x), ==, 1);
	g_assert_cmpint(fclose(f), ==, 0);
	X509_free(x);
}

/* Runs `openssl verify -CAfile ca cert`; returns its exit status. */
static int openssl_verify(const char *ca, const char *cert)
{
	const char *argv[] = {"openssl", "verify", "-CAfile", ca, cert, NULL};
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = -1;
	gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
	                           &err, &status, &error);
	g_assert_no_error(error);
	g_assert_true(ok);
	g_test_message("openssl verify %s: %s%s", cert, out, err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void get_cert(cardsim_card *c, uint8_t which, applet_resp *r)
{
	applet_ok(c, MU_CLA_PROP, MU_INS_GET_CERT, which, 0, NULL, 0, r);
	g_assert_cmpuint(r->len, >, 0);
}

static void test_openssl_verify(void)
{
	g_autofree char *dir = g_dir_make_tmp("openmu-x509-XXXXXX", NULL);
	g_assert_nonnull(dir);
	g_autofree char *ca_pem = g_build_filename(dir, "zoneca.pem", NULL);
	g_autofree char *card_pem = g_build_filename(dir, "card.pem", NULL);
	g_autofree char *other_pem = g_build_filename(dir, "otherca.pem", NULL);
	g_autofree char *admin_pem = g_build_filename(dir, "admin.pem", NULL);

	/* certificates made by the applet, fetched with GET CERT */
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *other = applet_new_ca("ZONE-A");
	cardsim_card *ep = applet_new_ep11(ca);
	applet_resp *r = g_new0(applet_resp, 1);
	uint8_t name[16];
	size_t n = 0;
	name[n++] = MU_TAG_ADMIN_NAME;
	name[n++] = 5;
	memcpy(name + n, "Alice", 5);
	n += 5;
	applet_ok(ep, 0, MU_INS_GEN_KEYPAIR, 0, 0, name, n, r);

	get_cert(ca, MU_CERT_CARD, r);
	write_pem(ca_pem, r->data, r->len);
	get_cert(ep, MU_CERT_CARD, r);
	write_pem(card_pem, r->data, r->len);
	get_cert(other, MU_CERT_CARD, r);
	write_pem(other_pem, r->data, r->len);
	get_cert(ep, MU_CERT_ADMIN, r);
	write_pem(admin_pem, r->data, r->len);

	g_assert_cmpint(openssl_verify(ca_pem, card_pem), ==, 0);
	g_assert_cmpint(openssl_verify(ca_pem, ca_pem), ==, 0);
	/* a zone CA with the same name but another key does not verify it */
	g_assert_cmpint(openssl_verify(other_pem, card_pem), !=, 0);

	/* the same with certificates made directly by mu-x509 */
	zone z;
	EVP_PKEY *card = NULL;
	size_t len = 0;
	zone_make(&z, "ZONE-B");
	uint8_t *der = card_cert(&z, "ZONE-B", &card, &len);
	write_pem(ca_pem, z.der, z.len);
	write_pem(card_pem, der, len);
	g_assert_cmpint(openssl_verify(ca_pem, card_pem), ==, 0);
	free(der);
	EVP_PKEY_free(card);
	zone_clear(&z);

	g_unlink(ca_pem);
	g_unlink(card_pem);
	g_unlink(other_pem);
	g_unlink(admin_pem);
	g_rmdir(dir);
	g_free(r);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
	cardsim_card_free(&other);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/x509/zone-ca", test_zone_ca);
	g_test_add_func("/x509/card", test_card_cert);
	g_test_add_func("/x509/admin", test_admin_cert);
	g_test_add_func("/x509/openssl-verify", test_openssl_verify);
	return g_test_run();
}
