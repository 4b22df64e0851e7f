/* SPDX-License-Identifier: Apache-2.0 */
/* KEYPART EXPORT through APDUs (docs/protocol.md §20): the EP11 card wraps a
 * key part only for an importer key of a unit whose OA certificate chains
 * to the manufacturer root stored on the card, whose statement is signed by
 * that OA key and which names the unit asked for; the envelope opens with
 * the importer private key to the very part. Every refusal leaves the card
 * image unchanged. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "applet-test-util.h"
#include "cardsim-card.h"
#include "mu-card-proto.h"
#include "mu-keypart-envelope.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-tlv.h"
#include "mu-unit-crypto.h"
#include "mu-unit-trust.h"
#include "mu-vp.h"

static const uint8_t MODULE[8] = {1, 2, 3, 4, 5, 6, 7, 8};
#define DOMAIN 1

typedef struct ca_key {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t *der;
	size_t len;
} ca_key;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	g_assert_nonnull(e);
	g_assert_cmpint(X509_add_ext(x, e, -1), ==, 1);
	X509_EXTENSION_free(e);
}

static uint8_t *to_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int l = i2d_X509(x, &der);
	g_assert_cmpint(l, >, 0);
	uint8_t *out = g_memdup2(der, (gsize)l);
	OPENSSL_free(der);
	*len = (size_t)l;
	return out;
}

/* A manufacturer root: self-signed P-521 CA. */
static void make_root(ca_key *r, const char *cn)
{
	r->key = mu_unit_p521_generate();
	g_assert_nonnull(r->key);
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_set_pubkey(x, r->key);
	add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	g_assert_cmpint(X509_sign(x, r->key, EVP_sha512()), >, 0);
	r->cert = x;
	r->der = to_der(x, &r->len);
}

static void ca_key_clear(ca_key *r)
{
	EVP_PKEY_free(r->key);
	X509_free(r->cert);
	g_free(r->der);
	memset(r, 0, sizeof(*r));
}

/* An OA certificate of unit (module, domain) issued by root. */
static uint8_t *make_oa(const ca_key *root, EVP_PKEY *oa_key, const uint8_t module[8],
                        uint16_t domain, size_t *len)
{
	char ou[MU_UNIT_MODULE_ID_LEN * 2 + 6];
	mu_unit_identity_ou(module, domain, ou);
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"OpenMU", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit1", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(root->cert));
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_set_pubkey(x, oa_key);
	add_ext(x, root->cert, NID_basic_constraints, "CA:FALSE");
	add_ext(x, root->cert, NID_key_usage, "critical,digitalSignature");
	g_assert_cmpint(X509_sign(x, root->key, EVP_sha512()), >, 0);
	uint8_t *der = to_der(x, len);
	X509_free(x);
	return der;
}

/* What a unit sends: its importer key pair, statement and OA signature. */
typedef struct unit_side {
	EVP_PKEY *oa_key;
	uint8_t *oa;
	size_t oa_len;
	EVP_PKEY *importer;
	uint8_t stmt[512];
	size_t stmt_len;
	uint8_t sig[MU_UNIT_SIG_MAX];
	size_t sig_len;
} unit_side;

/* A unit of (module, domain) certified by root; its statement is signed by
 * stmt_signer (the OA key when NULL). */
static void unit_new(unit_side *u, const ca_key *root, const uint8_t module[8], uint16_t domain,
                     EVP_PKEY *stmt_signer)
{
	memset(u, 0, sizeof(*u));
	u->oa_key = mu_unit_p521_generate();
	u->importer = mu_unit_p521_generate();
	g_assert_nonnull(u->oa_key);
	g_assert_nonnull(u->importer);
	u->oa = make_oa(root, u->oa_key, module, domain, &u->oa_len);
	mu_unit_importer imp;
	memcpy(imp.module_id, module, 8);
	imp.domain = domain;
	g_assert_cmpint(mu_unit_p521_point(u->importer, imp.point), ==, 0);
	g_assert_cmpint(mu_unit_key_id(imp.point, imp.key_id), ==, 0);
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, u->stmt, sizeof(u->stmt));
	mu_importer_stmt_encode(&imp, &w);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &u->stmt_len), ==, 0);
	g_assert_cmpint(mu_importer_stmt_sign(stmt_signer != NULL ? stmt_signer : u->oa_key,
	                                      u->stmt, u->stmt_len, u->sig, sizeof(u->sig),
	                                      &u->sig_len),
	                ==, 0);
}

static void unit_clear(unit_side *u)
{
	EVP_PKEY_free(u->oa_key);
	EVP_PKEY_free(u->importer);
	g_free(u->oa);
}

/* KEYPART EXPORT data for slot, naming (module, domain). */
static size_t export_data(const unit_side *u, uint8_t slot, const uint8_t module[8],
                          uint16_t domain, uint8_t *buf, size_t cap)
{
	uint8_t dom[2] = {(uint8_t)(domain >> 8), (uint8_t)domain};
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, buf, cap);
	mu_tlv_put_u8(&w, MU_TAG_SLOT, slot);
	size_t m = mu_tlv_begin(&w, MU_TAG_UNIT_ID);
	mu_tlv_put(&w, MU_UNIT_TAG_MODULE_ID, module, 8);
	mu_tlv_put(&w, MU_UNIT_TAG_DOMAIN, dom, 2);
	mu_tlv_end(&w, m);
	mu_tlv_put(&w, MU_TAG_CERT, u->oa, u->oa_len);
	g_assert_cmpuint(w.len + u->stmt_len, <, cap);
	memcpy(buf + w.len, u->stmt, u->stmt_len);
	w.len += u->stmt_len;
	mu_tlv_put(&w, MU_TAG_SIGNATURE, u->sig, u->sig_len);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, 0);
	return n;
}

static void grab_part(const char *kind, const uint8_t *s, size_t len, void *user)
{
	if (strcmp(kind, "keypart") == 0) {
		g_assert_cmpuint(len, ==, 32);
		memcpy(user, s, 32);
	}
}

/* An EP11 card of a zone whose root is root, with one key part in slot 0. */
static cardsim_card *card_with_part(const ca_key *root, cardsim_card **ca_out, uint8_t part[32])
{
	cardsim_card *ca = applet_new_ca_with_root("ZONE-A", root->der, root->len);
	cardsim_card *c = applet_new_ep11(ca);
	uint8_t d[16];
	size_t n;
	mu_tlv_writer w;
	applet_resp r;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_DESC, "part A");
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, 0);
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d, n, &r);
	cardsim_card_foreach_secret(c, grab_part, part);
	*ca_out = ca;
	return c;
}

static void test_export_opens_to_the_part(void)
{
	ca_key root;
	unit_side u;
	uint8_t part[32], got[32], vp[32], buf[4096];
	cardsim_card *ca = NULL;
	make_root(&root, "Test manufacturer root");
	cardsim_card *c = card_with_part(&root, &ca, part);
	unit_new(&u, &root, MODULE, DOMAIN, NULL);
	size_t n = export_data(&u, 0, MODULE, DOMAIN, buf, sizeof(buf));
	g_assert_cmpuint(n, >, 255); /* goes by command chaining */
	applet_resp r;
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_EXPORT, 0, 0, buf, n, &r);

	mu_tlv a6;
	const uint8_t *start = r.data;
	g_assert_cmpint(mu_tlv_find(r.data, r.len, MU_TAG_KEYPART_ENV, &a6), ==, 1);
	size_t a6_len = (size_t)(a6.value + a6.len - start);
	mu_keypart_envelope env;
	g_assert_cmpint(mu_keypart_envelope_parse(start, a6_len, &env), ==, 0);
	g_assert_cmpmem(env.module_id, 8, MODULE, 8);
	g_assert_cmpuint(env.domain, ==, DOMAIN);
	g_assert_cmpint(mu_keypart_open(u.importer, &env, got), ==, 0);
	g_assert_cmpmem(got, 32, part, 32);
	size_t vlen;
	const uint8_t *v = applet_tlv(&r, MU_TAG_VP, &vlen);
	g_assert_cmpint(mu_vp_compute(part, 32, vp), ==, 0);
	g_assert_cmpmem(v, vlen, vp, 32);
	/* the part is nowhere in the answer */
	for (size_t i = 0; i + 16 <= r.len; i++)
		g_assert_true(memcmp(r.data + i, part, 16) != 0);

	/* another importer key cannot open it */
	EVP_PKEY *other = mu_unit_p521_generate();
	g_assert_cmpint(mu_keypart_open(other, &env, got), ==, MU_ERR_VERIFY);
	EVP_PKEY_free(other);

	unit_clear(&u);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
	ca_key_clear(&root);
}

static void expect_refusal(cardsim_card *c, const uint8_t *buf, size_t n, uint16_t want)
{
	applet_resp r;
	g_autoptr(GBytes) before = applet_image(c);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_EXPORT, 0, 0, buf, n, &r);
	g_assert_cmphex(r.sw, ==, want);
	g_assert_cmpuint(r.len, ==, 0);
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

static void test_foreign_root_refused(void)
{
	ca_key root, foreign;
	unit_side u;
	uint8_t part[32], buf[4096];
	cardsim_card *ca = NULL;
	make_root(&root, "Test manufacturer root");
	/* same subject, another key: only the signature tells them apart */
	make_root(&foreign, "Test manufacturer root");
	cardsim_card *c = card_with_part(&root, &ca, part);
	unit_new(&u, &foreign, MODULE, DOMAIN, NULL);
	size_t n = export_data(&u, 0, MODULE, DOMAIN, buf, sizeof(buf));
	expect_refusal(c, buf, n, MU_SW_REF_NOT_USABLE);
	unit_clear(&u);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
	ca_key_clear(&root);
	ca_key_clear(&foreign);
}

static void test_statement_and_identity_refused(void)
{
	ca_key root;
	unit_side u, forged;
	uint8_t part[32], buf[4096];
	cardsim_card *ca = NULL;
	make_root(&root, "Test manufacturer root");
	cardsim_card *c = card_with_part(&root, &ca, part);

	/* a statement not signed by the unit's OA key */
	EVP_PKEY *intruder = mu_unit_p521_generate();
	unit_new(&forged, &root, MODULE, DOMAIN, intruder);
	size_t n = export_data(&forged, 0, MODULE, DOMAIN, buf, sizeof(buf));
	expect_refusal(c, buf, n, MU_SW_REF_NOT_USABLE);
	EVP_PKEY_free(intruder);
	unit_clear(&forged);

	/* a genuine unit, but the request names another unit */
	static const uint8_t other_module[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	unit_new(&u, &root, MODULE, DOMAIN, NULL);
	n = export_data(&u, 0, other_module, DOMAIN, buf, sizeof(buf));
	expect_refusal(c, buf, n, MU_SW_REF_NOT_USABLE);
	n = export_data(&u, 0, MODULE, DOMAIN + 1, buf, sizeof(buf));
	expect_refusal(c, buf, n, MU_SW_REF_NOT_USABLE);

	/* empty slot, malformed data */
	n = export_data(&u, 5, MODULE, DOMAIN, buf, sizeof(buf));
	expect_refusal(c, buf, n, MU_SW_NOT_FOUND);
	n = export_data(&u, 0, MODULE, DOMAIN, buf, sizeof(buf));
	expect_refusal(c, buf, n - 3, MU_SW_WRONG_DATA);
	expect_refusal(c, buf, 3, MU_SW_WRONG_DATA);

	/* without the PIN nothing is checked or wrapped */
	cardsim_card_reset(c);
	applet_select(c);
	expect_refusal(c, buf, n, MU_SW_NOT_VERIFIED);
	/* a CA card has no key parts */
	expect_refusal(ca, buf, n, MU_SW_INCOMPATIBLE_FILE);

	unit_clear(&u);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
	ca_key_clear(&root);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet/export/opens-to-the-part", test_export_opens_to_the_part);
	g_test_add_func("/applet/export/foreign-root-refused", test_foreign_root_refused);
	g_test_add_func("/applet/export/statement-and-identity-refused",
	                test_statement_and_identity_refused);
	return g_test_run();
}
