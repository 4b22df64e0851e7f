/* SPDX-License-Identifier: Apache-2.0 */
/* The card API end to end over the in-process backend and the applet:
 * personalization, signing, key parts, copy, CA backup, zeroize, PIN
 * handling and the error messages users see. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "inproc-backend.h"
#include "mu-card.h"

#define CA_PIN1  "111111"
#define CA_PIN2  "222222"
#define EP11_PIN "123456"

enum { READERS = 6 };

typedef struct fixture {
	mu_backend *b;
	inproc *ip;
	uint8_t *root;
	size_t root_len;
} fixture;

/* A self-signed P-521 manufacturer root made with OpenSSL. */
static void make_root(uint8_t **der, size_t *len)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	g_assert_nonnull(key);
	X509 *x = X509_new();
	g_assert_nonnull(x);
	g_assert_true(X509_set_version(x, 2));
	g_assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
	X509_NAME *name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"OpenMU", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)"OpenMU test root", -1, -1, 0);
	g_assert_true(X509_set_subject_name(x, name));
	g_assert_true(X509_set_issuer_name(x, name));
	X509_NAME_free(name);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365));
	g_assert_true(X509_set_pubkey(x, key));
	g_assert_cmpint(X509_sign(x, key, EVP_sha512()), >, 0);
	unsigned char *out = NULL;
	int n = i2d_X509(x, &out);
	g_assert_cmpint(n, >, 0);
	*der = g_memdup2(out, (gsize)n);
	*len = (size_t)n;
	OPENSSL_free(out);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void fixture_setup(fixture *f, gconstpointer data)
{
	f->b = inproc_backend_new(READERS, &f->ip);
	g_assert_nonnull(f->b);
	make_root(&f->root, &f->root_len);
}

static void fixture_teardown(fixture *f, gconstpointer data)
{
	mu_backend_free(&f->b);
	g_free(f->root);
}

static mu_card *open_blank(fixture *f, size_t reader, const char *label)
{
	cardsim_card *card = NULL;
	g_assert_cmpint(cardsim_card_new_blank(label, &card), ==, 0);
	inproc_insert(f->ip, reader, card);
	mu_card *c = NULL;
	g_assert_cmpint(mu_card_open(f->b, inproc_reader_name(f->ip, reader), &c), ==, MU_SC_OK);
	return c;
}

/* A CA card of zone in reader, both PINs verified. */
static mu_card *make_ca(fixture *f, size_t reader, const char *zone)
{
	mu_card *c = open_blank(f, reader, "ca");
	uint8_t fpr[32];
	int st = mu_card_init_ca(c, zone, "test zone", f->root, f->root_len, CA_PIN1, CA_PIN2,
	                         "ca card", fpr);
	if (st != MU_SC_OK)
		g_error("init CA: %s", mu_card_errmsg(c));
	uint8_t want[32];
	g_assert_true(EVP_Digest(f->root, f->root_len, want, NULL, EVP_sha256(), NULL));
	g_assert_cmpmem(fpr, 32, want, 32);
	g_assert_cmpint(mu_card_verify(c, 1, CA_PIN1), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(c, 2, CA_PIN2), ==, MU_SC_OK);
	return c;
}

/* An EP11 card enrolled by ca in reader, PIN verified. */
static mu_card *make_ep11(fixture *f, size_t reader, mu_card *ca)
{
	mu_card *c = open_blank(f, reader, "");
	int st = mu_card_enroll(c, ca, EP11_PIN, "ep11");
	if (st != MU_SC_OK)
		g_error("enroll: %s", mu_card_errmsg(c));
	g_assert_cmpint(mu_card_verify(c, 1, EP11_PIN), ==, MU_SC_OK);
	return c;
}

static void test_init_ca(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ca, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_CA);
	g_assert_cmpstr(info.zone_id, ==, "ZONE-A");
	g_assert_cmpstr(info.zone_desc, ==, "test zone");
	g_assert_cmpstr(info.label, ==, "ca card");
	g_assert_cmpint(info.pin1_tries, ==, 5);
	g_assert_cmpint(info.pin2_tries, ==, 5);
	g_assert_true(info.pin1_verified && info.pin2_verified);
	g_assert_true(info.has_root_fpr);

	/* a second INIT CA is refused: the card is no longer blank */
	g_assert_cmpint(
	    mu_card_init_ca(ca, "ZONE-B", "", f->root, f->root_len, CA_PIN1, CA_PIN2, NULL, NULL),
	    ==, MU_SC_ERR_WRONG_TYPE);
	g_assert_cmpstr(mu_card_errmsg(ca), ==,
	                "this is a CA card; the command needs a blank card");

	uint8_t *der = NULL;
	size_t len = 0;
	g_assert_cmpint(mu_card_get_cert(ca, MU_CERT_ROOT, &der, &len), ==, MU_SC_OK);
	g_assert_cmpmem(der, len, f->root, f->root_len);
	free(der);
	mu_card_free(&ca);
}

static EVP_PKEY *cert_key(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	g_assert_nonnull(x);
	EVP_PKEY *k = X509_get_pubkey(x);
	g_assert_nonnull(k);
	X509_free(x);
	return k;
}

static void check_signature(mu_card *c, const uint8_t *data, size_t len)
{
	uint8_t *sig = NULL, *der = NULL;
	size_t sig_len = 0, der_len = 0;
	int st = mu_card_sign(c, data, len, &sig, &sig_len);
	if (st != MU_SC_OK)
		g_error("sign: %s", mu_card_errmsg(c));
	g_assert_cmpint(mu_card_get_cert(c, MU_CERT_ADMIN, &der, &der_len), ==, MU_SC_OK);
	EVP_PKEY *k = cert_key(der, der_len);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	g_assert_cmpint(EVP_DigestVerifyInit(md, NULL, EVP_sha512(), NULL, k), ==, 1);
	g_assert_cmpint(EVP_DigestVerify(md, sig, sig_len, data, len), ==, 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	free(sig);
	free(der);
}

static void test_enroll_sign(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 1, ca);
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_EP11);
	g_assert_cmpstr(info.zone_id, ==, "ZONE-A");
	g_assert_cmpint(info.pin1_tries, ==, 3);
	g_assert_false(info.has_sigkey);
	g_assert_cmpint(info.keypart_max, ==, 85);

	uint8_t *sig = NULL;
	size_t sig_len = 0;
	uint8_t one = 1;
	g_assert_cmpint(mu_card_sign(ep, &one, 1, &sig, &sig_len), ==, MU_SC_ERR_NOT_FOUND);

	uint8_t key_id[MU_KEY_ID_LEN];
	g_assert_cmpint(mu_card_sigkey_gen(ep, "alice", false, key_id), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_sigkey_gen(ep, "alice", false, key_id), ==, MU_SC_ERR_EXISTS);
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_OK);
	g_assert_true(info.has_sigkey);
	g_assert_cmpstr(info.admin_name, ==, "alice");
	g_assert_cmpmem(info.admin_key_id, 32, key_id, 32);

	uint8_t buf[MU_SIGN_DATA_MAX];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13);
	check_signature(ep, buf, 32);
	check_signature(ep, buf, 300); /* chained */
	check_signature(ep, buf, sizeof(buf));
	g_assert_cmpint(mu_card_sign(ep, buf, sizeof(buf) + 1, &sig, &sig_len), ==, MU_SC_ERR_ARG);

	/* the card certificate is issued by the zone CA */
	uint8_t *der = NULL, *ca_der = NULL;
	size_t der_len = 0, ca_len = 0;
	g_assert_cmpint(mu_card_get_cert(ep, MU_CERT_CARD, &der, &der_len), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_get_cert(ca, MU_CERT_CARD, &ca_der, &ca_len), ==, MU_SC_OK);
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)der_len);
	EVP_PKEY *cak = cert_key(ca_der, ca_len);
	g_assert_cmpint(X509_verify(x, cak), ==, 1);
	X509_free(x);
	EVP_PKEY_free(cak);
	free(der);
	free(ca_der);
	mu_card_free(&ep);
	mu_card_free(&ca);
}

static void test_keyparts(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 1, ca);
	unsigned slots[3];
	uint8_t vps[3][32];
	static const char *const descs[] = {"part A", "part B", "part C"};
	for (size_t i = 0; i < 3; i++)
		g_assert_cmpint(mu_card_keypart_gen(ep, descs[i], &slots[i], vps[i]), ==, MU_SC_OK);
	g_assert_cmpuint(slots[0], !=, slots[1]);
	g_assert_cmpint(mu_card_keypart_gen(ep, "", NULL, NULL), ==, MU_SC_ERR_ARG);

	mu_keypart_info *parts = NULL;
	size_t n = 0;
	g_assert_cmpint(mu_card_keypart_list(ep, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 3);
	for (size_t i = 0; i < 3; i++) {
		g_assert_cmpuint(parts[i].slot, ==, slots[i]);
		g_assert_cmpstr(parts[i].desc, ==, descs[i]);
		g_assert_cmpmem(parts[i].vp, 32, vps[i], 32);
	}
	free(parts);

	g_assert_cmpint(mu_card_keypart_delete(ep, slots[1]), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_delete(ep, slots[1]), ==, MU_SC_ERR_NOT_FOUND);
	g_assert_nonnull(strstr(mu_card_errmsg(ep), "no key part in slot"));
	g_assert_cmpint(mu_card_keypart_list(ep, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(parts[0].slot, ==, slots[0]);
	g_assert_cmpuint(parts[1].slot, ==, slots[2]);
	free(parts);

	/* fill the card: the 86th part is refused with the count */
	for (size_t i = 2; i < MU_KEYPARTS_MAX; i++)
		g_assert_cmpint(mu_card_keypart_gen(ep, "fill", NULL, NULL), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(ep, "one more", NULL, NULL), ==, MU_SC_ERR_FULL);
	g_assert_cmpstr(mu_card_errmsg(ep), ==, "the card holds 85 key parts already");
	g_assert_cmpint(mu_card_keypart_list(ep, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, MU_KEYPARTS_MAX);
	free(parts);

	/* key parts are EP11 business */
	g_assert_cmpint(mu_card_keypart_gen(ca, "x", NULL, NULL), ==, MU_SC_ERR_WRONG_TYPE);
	g_assert_cmpstr(mu_card_errmsg(ca), ==,
	                "this is a CA card; the command needs an EP11 card");
	mu_card_free(&ep);
	mu_card_free(&ca);
}

static void test_copy(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *src = make_ep11(f, 1, ca);
	mu_card *dst = make_ep11(f, 2, ca);
	uint8_t key_id[32];
	g_assert_cmpint(mu_card_sigkey_gen(src, "bob", false, key_id), ==, MU_SC_OK);
	uint8_t vp[2][32];
	g_assert_cmpint(mu_card_keypart_gen(src, "k1", NULL, vp[0]), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(src, "k2", NULL, vp[1]), ==, MU_SC_OK);

	int st = mu_card_copy(src, dst);
	if (st != MU_SC_OK)
		g_error("copy: %s", mu_card_errmsg(dst));
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(dst, &info), ==, MU_SC_OK);
	g_assert_true(info.has_sigkey);
	g_assert_cmpstr(info.admin_name, ==, "bob");
	g_assert_cmpmem(info.admin_key_id, 32, key_id, 32);
	mu_keypart_info *parts = NULL;
	size_t n = 0;
	g_assert_cmpint(mu_card_keypart_list(dst, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpmem(parts[0].vp, 32, vp[0], 32);
	g_assert_cmpmem(parts[1].vp, 32, vp[1], 32);
	free(parts);
	/* the copy signs with the same key */
	static const uint8_t msg[] = "signed by the copy";
	check_signature(dst, msg, sizeof(msg));

	g_assert_cmpint(mu_card_copy(src, src), ==, MU_SC_ERR_ARG);
	mu_card_free(&src);
	mu_card_free(&dst);
	mu_card_free(&ca);
}

static void test_copy_zone(fixture *f, gconstpointer data)
{
	mu_card *ca_a = make_ca(f, 0, "ZONE-A");
	mu_card *ca_b = make_ca(f, 1, "ZONE-B");
	mu_card *src = make_ep11(f, 2, ca_a);
	mu_card *dst = make_ep11(f, 3, ca_b);
	inproc_reset_count(f->ip, 2);
	inproc_reset_count(f->ip, 3);
	g_assert_cmpint(mu_card_copy(src, dst), ==, MU_SC_ERR_ZONE);
	g_assert_cmpstr(mu_card_errmsg(dst), ==,
	                "this card belongs to zone ZONE-B, the source card to zone ZONE-A");
	g_assert_cmpstr(mu_card_errmsg(src), ==,
	                "this card belongs to zone ZONE-A, the target card to zone ZONE-B");
	/* one GET DATA per card, nothing else */
	g_assert_cmpuint(inproc_apdu_count(f->ip, 2), ==, 1);
	g_assert_cmpuint(inproc_apdu_count(f->ip, 3), ==, 1);

	/* a CA card as the source: refused after the info reads as well */
	inproc_reset_count(f->ip, 1);
	inproc_reset_count(f->ip, 3);
	g_assert_cmpint(mu_card_copy(ca_b, dst), ==, MU_SC_ERR_WRONG_TYPE);
	g_assert_cmpstr(mu_card_errmsg(dst), ==,
	                "this is a CA card; the command needs an EP11 card");
	g_assert_cmpuint(inproc_apdu_count(f->ip, 1), ==, 1);
	g_assert_cmpuint(inproc_apdu_count(f->ip, 3), ==, 1);

	/* the same zone id with another CA key: the source card refuses */
	mu_card *ca_a2 = make_ca(f, 4, "ZONE-A");
	mu_card *dst2 = make_ep11(f, 5, ca_a2);
	g_assert_cmpint(mu_card_copy(src, dst2), ==, MU_SC_ERR_ZONE);
	g_assert_nonnull(strstr(mu_card_errmsg(dst2), "ZONE-A"));
	mu_card_free(&dst2);
	mu_card_free(&ca_a2);
	mu_card_free(&src);
	mu_card_free(&dst);
	mu_card_free(&ca_a);
	mu_card_free(&ca_b);
}

static void test_ca_backup(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 2, ca);
	mu_card *blank = open_blank(f, 1, "backup");
	int st = mu_card_ca_backup(ca, blank, "333333", "444444");
	if (st != MU_SC_OK)
		g_error("CA backup: %s", mu_card_errmsg(blank));
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(blank, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_CA);
	g_assert_cmpstr(info.zone_id, ==, "ZONE-A");
	g_assert_cmpint(mu_card_verify(blank, 1, CA_PIN1), ==, MU_SC_ERR_WRONG_PIN);
	g_assert_cmpstr(mu_card_errmsg(blank), ==, "wrong CA PIN 1, 4 tries left");
	g_assert_cmpint(mu_card_verify(blank, 1, "333333"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(blank, 2, "444444"), ==, MU_SC_OK);

	/* the backup holds the zone CA key: it certifies cards the original
	 * zone accepts, so a copy between the two works */
	mu_card *ep2 = make_ep11(f, 3, blank);
	g_assert_cmpint(mu_card_keypart_gen(ep, "k", NULL, NULL), ==, MU_SC_OK);
	st = mu_card_copy(ep, ep2);
	if (st != MU_SC_OK)
		g_error("copy: %s", mu_card_errmsg(ep2));

	/* the target must be blank */
	g_assert_cmpint(mu_card_ca_backup(ca, ep, "333333", "444444"), ==, MU_SC_ERR_WRONG_TYPE);
	g_assert_cmpstr(mu_card_errmsg(ep), ==,
	                "this is an EP11 card; the command needs a blank card");
	mu_card_free(&ep2);
	mu_card_free(&ep);
	mu_card_free(&blank);
	mu_card_free(&ca);
}

static void test_zeroize(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 1, ca);
	g_assert_cmpint(mu_card_keypart_gen(ep, "k", NULL, NULL), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_zeroize(ep), ==, MU_SC_OK);
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_BLANK);
	g_assert_cmpstr(info.label, ==, "ep11");

	/* a CA card whose PINs are not verified refuses */
	mu_card_free(&ca);
	cardsim_card_reset(inproc_card(f->ip, 0));
	g_assert_cmpint(mu_card_open(f->b, inproc_reader_name(f->ip, 0), &ca), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_zeroize(ca), ==, MU_SC_ERR_NOT_VERIFIED);
	g_assert_cmpint(mu_card_verify(ca, 1, CA_PIN1), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ca, 2, CA_PIN2), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_zeroize(ca), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_info_get(ca, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_BLANK);
	mu_card_free(&ep);
	mu_card_free(&ca);
}

static void test_pin_errors(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 1, ca);

	g_assert_cmpint(mu_card_verify(ep, 1, "12345"), ==, MU_SC_ERR_ARG);
	g_assert_cmpint(mu_card_verify(ep, 1, "000000"), ==, MU_SC_ERR_WRONG_PIN);
	g_assert_cmpstr(mu_card_errmsg(ep), ==, "wrong PIN, 2 tries left");
	g_assert_cmpint(mu_card_verify(ep, 1, "000000"), ==, MU_SC_ERR_WRONG_PIN);
	g_assert_cmpstr(mu_card_errmsg(ep), ==, "wrong PIN, 1 try left");
	g_assert_cmpint(mu_card_verify(ep, 1, "000000"), ==, MU_SC_ERR_BLOCKED);
	g_assert_nonnull(strstr(mu_card_errmsg(ep), "unblock it with the CA card of zone ZONE-A"));
	g_assert_cmpint(mu_card_verify(ep, 1, EP11_PIN), ==, MU_SC_ERR_BLOCKED);
	g_assert_cmpstr(mu_card_errmsg(ep), ==,
	                "card is blocked: unblock it with the CA card of zone ZONE-A");
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_OK);
	g_assert_true(info.blocked);

	/* change PIN on the CA card */
	g_assert_cmpint(mu_card_change_pin(ca, 2, "999999", "555555"), ==, MU_SC_ERR_WRONG_PIN);
	g_assert_cmpstr(mu_card_errmsg(ca), ==, "wrong CA PIN 2, 4 tries left");
	g_assert_cmpint(mu_card_change_pin(ca, 2, CA_PIN2, "555555"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ca, 2, "555555"), ==, MU_SC_OK);
	mu_card_free(&ep);
	mu_card_free(&ca);
}

static void test_ca_blocked(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	for (int i = 4; i > 0; i--)
		g_assert_cmpint(mu_card_verify(ca, 2, "000000"), ==, MU_SC_ERR_WRONG_PIN);
	g_assert_cmpint(mu_card_verify(ca, 2, "000000"), ==, MU_SC_ERR_BLOCKED);
	g_assert_cmpint(mu_card_verify(ca, 2, CA_PIN2), ==, MU_SC_ERR_BLOCKED);
	g_assert_cmpstr(mu_card_errmsg(ca), ==,
	                "CA card PIN 2 is blocked for good: the card can only be zeroized");
	g_assert_cmpint(mu_card_zeroize(ca), ==, MU_SC_OK);
	mu_card_free(&ca);
}

static void block(mu_card *ep)
{
	for (int i = 0; i < 3; i++)
		(void)mu_card_verify(ep, 1, "000000");
	g_assert_cmpint(mu_card_verify(ep, 1, EP11_PIN), ==, MU_SC_ERR_BLOCKED);
}

static void test_unblock(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ca_b = make_ca(f, 1, "ZONE-B");
	mu_card *ca_a2 = make_ca(f, 2, "ZONE-A"); /* same id, another CA key */
	mu_card *ep = make_ep11(f, 3, ca);
	block(ep);

	g_assert_cmpint(mu_card_unblock(ep, ca_b, "654321"), ==, MU_SC_ERR_ZONE);
	g_assert_nonnull(strstr(mu_card_errmsg(ep), "ZONE-B"));
	g_assert_cmpint(mu_card_unblock(ep, ca_a2, "654321"), ==, MU_SC_ERR_ZONE);
	g_assert_cmpint(mu_card_verify(ep, 1, "654321"), ==, MU_SC_ERR_BLOCKED);

	int st = mu_card_unblock(ep, ca, "654321");
	if (st != MU_SC_OK)
		g_error("unblock: %s", mu_card_errmsg(ep));
	g_assert_cmpint(mu_card_verify(ep, 1, "654321"), ==, MU_SC_OK);
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_OK);
	g_assert_false(info.blocked);
	g_assert_cmpint(info.pin1_tries, ==, 3);
	mu_card_free(&ep);
	mu_card_free(&ca);
	mu_card_free(&ca_b);
	mu_card_free(&ca_a2);
}

static void test_removed(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *ep = make_ep11(f, 1, ca);
	uint8_t key_id[32];
	g_assert_cmpint(mu_card_sigkey_gen(ep, "carol", false, key_id), ==, MU_SC_OK);
	/* the card is pulled after the first link of a chained PSO */
	inproc_remove_after(f->ip, 1, 1);
	uint8_t buf[1000] = {0};
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	g_assert_cmpint(mu_card_sign(ep, buf, sizeof(buf), &sig, &sig_len), ==, MU_SC_ERR_REMOVED);
	g_assert_null(sig);
	g_assert_cmpstr(mu_card_errmsg(ep), ==,
	                "the card was removed from reader OpenMU Test Reader 1 during the "
	                "operation; nothing was changed on the workstation: check the card and "
	                "retry");
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(ep, &info), ==, MU_SC_ERR_REMOVED);
	mu_card_free(&ep);
	g_assert_cmpint(mu_card_open(f->b, inproc_reader_name(f->ip, 1), &ep), ==,
	                MU_SC_ERR_NO_CARD);
	mu_card_free(&ca);
}

static GBytes *saved_image(fixture *f, size_t reader)
{
	uint8_t *img = NULL;
	size_t len = 0;
	g_assert_cmpint(inproc_image(f->ip, reader, &img, &len), ==, 0);
	GBytes *b = g_bytes_new(img, len);
	free(img);
	return b;
}

/* The target card is pulled in the middle of the COPY IMPORT chain: the
 * copy fails with MU_SC_ERR_REMOVED on both handles, the target's saved
 * image has not changed, and once reinserted the card takes a new copy. */
static void test_removed_during_copy(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *src = make_ep11(f, 1, ca);
	mu_card *dst = make_ep11(f, 2, ca);
	uint8_t key_id[32];
	g_assert_cmpint(mu_card_sigkey_gen(src, "dave", false, key_id), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(src, "k1", NULL, NULL), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(src, "k2", NULL, NULL), ==, MU_SC_OK);

	GBytes *before = saved_image(f, 2);
	inproc_remove_at(f->ip, 2, MU_INS_COPY_IMPORT, 1); /* after the first link */
	g_assert_cmpint(mu_card_copy(src, dst), ==, MU_SC_ERR_REMOVED);
	const char *want = "the card was removed from reader OpenMU Test Reader 2 during the "
	                   "operation; nothing was changed on the workstation: check the card "
	                   "and retry";
	g_assert_cmpstr(mu_card_errmsg(dst), ==, want);
	g_assert_cmpstr(mu_card_errmsg(src), ==, want);
	g_assert_null(inproc_card(f->ip, 2));
	GBytes *after = saved_image(f, 2);
	g_assert_true(g_bytes_equal(before, after));

	/* the pulled card itself holds nothing new either */
	cardsim_card *card = inproc_remove(f->ip, 2);
	g_assert_nonnull(card);
	uint8_t *img = NULL;
	size_t len = 0;
	g_assert_cmpint(cardsim_card_save(card, &img, &len), ==, 0);
	g_assert_cmpmem(img, len, g_bytes_get_data(before, NULL), g_bytes_get_size(before));
	free(img);

	/* reinserted, it is an EP11 card without key parts; a retry works */
	mu_card_free(&dst);
	inproc_insert(f->ip, 2, card);
	g_assert_cmpint(mu_card_open(f->b, inproc_reader_name(f->ip, 2), &dst), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(dst, 1, EP11_PIN), ==, MU_SC_OK);
	mu_keypart_info *parts = NULL;
	size_t n = 99;
	g_assert_cmpint(mu_card_keypart_list(dst, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 0);
	free(parts);
	int st = mu_card_copy(src, dst);
	if (st != MU_SC_OK)
		g_error("copy: %s", mu_card_errmsg(dst));
	g_assert_cmpint(mu_card_keypart_list(dst, &parts, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 2);
	free(parts);
	g_bytes_unref(before);
	g_bytes_unref(after);
	mu_card_free(&src);
	mu_card_free(&dst);
	mu_card_free(&ca);
}

/* All APDUs sent to reader since the last check went in one transaction. */
static void check_one_tx(fixture *f, size_t reader)
{
	g_assert_cmpuint(inproc_apdu_count(f->ip, reader), >=, 2);
	g_assert_cmpuint(inproc_apdus_outside_tx(f->ip, reader), ==, 0);
	g_assert_cmpuint(inproc_tx_count(f->ip, reader), ==, 1);
	inproc_reset_count(f->ip, reader);
}

/* Multi-APDU operations hold one transaction per card from the first to the
 * last APDU; single commands that take several APDUs hold one as well. */
static void test_transactions(fixture *f, gconstpointer data)
{
	mu_card *ca = make_ca(f, 0, "ZONE-A");
	mu_card *src = make_ep11(f, 1, ca);
	mu_card *dst = make_ep11(f, 2, ca);
	mu_card *blank = open_blank(f, 3, "");
	uint8_t key_id[32];
	g_assert_cmpint(mu_card_sigkey_gen(src, "erin", false, key_id), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(src, "k1", NULL, NULL), ==, MU_SC_OK);
	for (size_t r = 0; r < 4; r++)
		inproc_reset_count(f->ip, r);

	g_assert_cmpint(mu_card_copy(src, dst), ==, MU_SC_OK);
	check_one_tx(f, 1);
	check_one_tx(f, 2);
	g_assert_cmpint(mu_card_unblock(dst, ca, "654321"), ==, MU_SC_OK);
	check_one_tx(f, 0);
	check_one_tx(f, 2);
	g_assert_cmpint(mu_card_enroll(blank, ca, EP11_PIN, NULL), ==, MU_SC_OK);
	check_one_tx(f, 0);
	check_one_tx(f, 3);
	g_assert_cmpint(mu_card_zeroize(blank), ==, MU_SC_ERR_NOT_VERIFIED);
	inproc_reset_count(f->ip, 3);
	g_assert_cmpint(mu_card_ca_backup(ca, blank, "333333", "444444"), ==, MU_SC_ERR_WRONG_TYPE);
	inproc_reset_count(f->ip, 0);
	inproc_reset_count(f->ip, 3);
	mu_card_free(&blank);
	blank = open_blank(f, 3, "");
	inproc_reset_count(f->ip, 3);
	g_assert_cmpint(mu_card_ca_backup(ca, blank, "333333", "444444"), ==, MU_SC_OK);
	check_one_tx(f, 0);
	check_one_tx(f, 3);

	/* a certificate comes in several GET RESPONSE rounds, in one
	 * transaction */
	uint8_t *der = NULL;
	size_t len = 0;
	g_assert_cmpint(mu_card_get_cert(src, MU_CERT_ADMIN, &der, &len), ==, MU_SC_OK);
	g_assert_cmpuint(len, >, 256);
	free(der);
	check_one_tx(f, 1);
	mu_card_free(&blank);
	mu_card_free(&src);
	mu_card_free(&dst);
	mu_card_free(&ca);
}

/* Asserts that the first 16 bytes of a card secret (PINs: all of it) are
 * not in the hex digits of the trace. */
static void no_secret_in(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	const GString *flat = user;
	size_t n = len < 16 ? len : 16;
	bool zero = true;
	for (size_t i = 0; i < n; i++)
		zero = zero && secret[i] == 0;
	if (n == 0 || zero)
		return; /* an unset slot */
	char hex[33];
	for (size_t i = 0; i < n; i++)
		g_snprintf(hex + 2 * i, 3, "%02X", secret[i]);
	if (strstr(flat->str, hex) != NULL)
		g_error("a %s of a card is in the APDU trace", kind);
}

static void test_trace_flows(fixture *f, gconstpointer data)
{
	g_autofree char *dir = g_dir_make_tmp("openmu-trace-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "trace", NULL);
	FILE *t = fopen(path, "w");
	g_assert_nonnull(t);
	mu_card *ca = open_blank(f, 0, "ca");
	mu_conn_set_trace(mu_card_conn(ca), t);
	g_assert_cmpint(
	    mu_card_init_ca(ca, "ZONE-T", "", f->root, f->root_len, "918273", "564738", NULL, NULL),
	    ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ca, 1, "918273"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ca, 2, "564738"), ==, MU_SC_OK);
	mu_card *ep = open_blank(f, 1, "");
	mu_conn_set_trace(mu_card_conn(ep), t);
	g_assert_cmpint(mu_card_enroll(ep, ca, "102938", NULL), ==, MU_SC_OK);
	mu_card *bk = open_blank(f, 2, "");
	mu_conn_set_trace(mu_card_conn(bk), t);
	g_assert_cmpint(mu_card_ca_backup(ca, bk, "475869", "132435"), ==, MU_SC_OK);
	mu_card *ep2 = open_blank(f, 3, "");
	mu_conn_set_trace(mu_card_conn(ep2), t);
	g_assert_cmpint(mu_card_enroll(ep2, ca, "293847", NULL), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ep, 1, "102938"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(ep2, 1, "293847"), ==, MU_SC_OK);
	uint8_t key_id[32];
	g_assert_cmpint(mu_card_sigkey_gen(ep, "frank", false, key_id), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_keypart_gen(ep, "k", NULL, NULL), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_copy(ep, ep2), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_unblock(ep, ca, "384756"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_change_pin(ep2, 1, "293847", "495867"), ==, MU_SC_OK);
	fclose(t);

	gchar *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "> 80 12 00 00")); /* PREPARE is traced */
	g_assert_nonnull(strstr(text, "> 00 2C 00 81"));
	g_assert_nonnull(strstr(text, "> 90 32 00 00 FF\n  [redacted]"));
	static const char *const pins[] = {"918273", "564738", "102938", "475869",
	                                   "132435", "293847", "384756", "495867"};
	for (size_t i = 0; i < G_N_ELEMENTS(pins); i++) {
		char hex[13];
		for (size_t k = 0; k < 6; k++)
			g_snprintf(hex + 2 * k, 3, "%02X", (unsigned)pins[i][k]);
		g_assert_null(strstr(text, pins[i]));
		g_assert_null(strstr(text, hex));
	}

	/* no key the cards hold crosses the workstation in the clear */
	GString *flat = g_string_new(NULL);
	for (const char *p = text; *p != '\0'; p++)
		if (g_ascii_isxdigit(*p))
			g_string_append_c(flat, *p);
	for (size_t r = 0; r < 4; r++)
		cardsim_card_foreach_secret(inproc_card(f->ip, r), no_secret_in, flat);
	g_string_free(flat, TRUE);
	mu_card_free(&ep2);
	mu_card_free(&bk);
	mu_card_free(&ep);
	mu_card_free(&ca);
	g_free(text);
	g_remove(path);
	g_rmdir(dir);
}

#define ADD(name, fn)                                                                              \
	g_test_add("/card-api/" name, fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("init-ca", test_init_ca);
	ADD("enroll-sign", test_enroll_sign);
	ADD("keyparts", test_keyparts);
	ADD("copy", test_copy);
	ADD("copy-zone", test_copy_zone);
	ADD("ca-backup", test_ca_backup);
	ADD("zeroize", test_zeroize);
	ADD("pin-errors", test_pin_errors);
	ADD("ca-blocked", test_ca_blocked);
	ADD("unblock", test_unblock);
	ADD("removed", test_removed);
	ADD("removed-during-copy", test_removed_during_copy);
	ADD("transactions", test_transactions);
	ADD("trace-flows", test_trace_flows);
	return g_test_run();
}
