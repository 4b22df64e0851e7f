/* SPDX-License-Identifier: Apache-2.0 */
/* Personalization through APDUs (docs/protocol.md §2, §3, §5, §6, §9):
 * INIT CA, PREPARE, CERTIFY CARD, ENROLL, GET DATA, GET CERT, the admin
 * signature key, key parts, ZEROIZE, and the card-type rules. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "applet-test-ops.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-vp.h"
#include "mu-x509.h"

static void assert_image_unchanged(GBytes *before, const cardsim_card *c)
{
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

static const uint8_t *info_tlv(const applet_resp *r, uint32_t tag, size_t *len)
{
	return applet_tlv(r, tag, len);
}

static bool info_has(const applet_resp *r, uint32_t tag)
{
	mu_tlv t;
	return mu_tlv_find(r->data, r->len, tag, &t) == 1;
}

/* INIT CA data with one field replaced (skip = the tag to leave out). */
static void init_ca_data(ops_data *d, const char *zone, const uint8_t *root, size_t root_len,
                         const char *pin1, uint32_t skip)
{
	ops_data_init(d);
	if (skip != MU_TAG_ZONE_ID)
		mu_tlv_put_str(&d->w, MU_TAG_ZONE_ID, zone);
	if (skip != MU_TAG_ZONE_DESC)
		mu_tlv_put_str(&d->w, MU_TAG_ZONE_DESC, "the zone");
	if (skip != MU_TAG_ROOT_CERT)
		mu_tlv_put(&d->w, MU_TAG_ROOT_CERT, root, root_len);
	if (skip != MU_TAG_PIN)
		mu_tlv_put_str(&d->w, MU_TAG_PIN, pin1);
	if (skip != MU_TAG_PIN2)
		mu_tlv_put_str(&d->w, MU_TAG_PIN2, "222222");
}

static void test_init_ca(void)
{
	size_t root_len, n;
	g_autofree uint8_t *root = applet_make_root(&root_len);
	cardsim_card *c = NULL;
	applet_resp r, cert;
	ops_data d;
	g_assert_cmpint(cardsim_card_new_blank("deck1", &c), ==, 0);
	applet_select(c);
	g_autoptr(GBytes) blank = applet_image(c);

	/* refusals leave the blank card as it was */
	const struct {
		const char *what, *zone, *pin;
		uint32_t skip;
		uint16_t sw;
	} bad[] = {
		{"no zone", "Z", "111111", MU_TAG_ZONE_ID, MU_SW_WRONG_DATA},
		{"zone with a space", "A B", "111111", 0, MU_SW_WRONG_DATA},
		{"zone too long", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "111111", 0, MU_SW_WRONG_DATA},
		{"no root", "Z", "111111", MU_TAG_ROOT_CERT, MU_SW_WRONG_DATA},
		{"PIN not digits", "Z", "11a111", 0, MU_SW_WRONG_DATA},
		{"PIN too short", "Z", "11111", 0, MU_SW_WRONG_DATA},
		{"no PIN 2", "Z", "111111", MU_TAG_PIN2, MU_SW_WRONG_DATA},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i].what);
		init_ca_data(&d, bad[i].zone, root, root_len, bad[i].pin, bad[i].skip);
		applet_cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
		g_assert_cmphex(r.sw, ==, bad[i].sw);
		assert_image_unchanged(blank, c);
	}
	/* a root that is not self-signed, or not a certificate: 6984 */
	cardsim_card *ca0 = applet_new_ca("ZONE-0");
	cardsim_card *ep0 = applet_new_ep11(ca0);
	ops_get_cert(ep0, MU_CERT_CARD, &cert);
	init_ca_data(&d, "Z", cert.data, cert.len, "111111", 0);
	applet_cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_REF_NOT_USABLE);
	root[root_len - 3] ^= 0x01; /* inside the signature */
	init_ca_data(&d, "Z", root, root_len, "111111", 0);
	applet_cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_REF_NOT_USABLE);
	root[root_len - 3] ^= 0x01;
	/* a field twice */
	init_ca_data(&d, "Z", root, root_len, "111111", 0);
	mu_tlv_put_str(&d.w, MU_TAG_ZONE_ID, "Y");
	applet_cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_DATA);
	assert_image_unchanged(blank, c);
	g_assert_false(cardsim_card_take_dirty(c));

	/* success: root fingerprint and the zone CA point */
	init_ca_data(&d, "ZONE-1", root, root_len, "111111", 0);
	mu_tlv_put_str(&d.w, MU_TAG_LABEL, "ca-card");
	applet_ok(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_true(cardsim_card_take_dirty(c));
	uint8_t fpr[32], point[MU_EC_POINT_LEN];
	g_assert_cmpint(mu_sha256(root, root_len, fpr), ==, MU_OK);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_ROOT_FPR, &n), n, fpr, 32);
	ops_get_cert(c, MU_CERT_CARD, &cert);
	g_assert_cmpint(mu_x509_check_self_signed(cert.data, cert.len), ==, MU_OK);
	g_assert_cmpint(mu_x509_public_point(cert.data, cert.len, point), ==, MU_OK);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_PUBKEY, &n), n, point, sizeof(point));
	applet_resp c1;
	ops_get_cert(c, MU_CERT_ZONE_CA, &c1);
	g_assert_cmpmem(c1.data, c1.len, cert.data, cert.len);
	ops_get_cert(c, MU_CERT_ROOT, &c1);
	g_assert_cmpmem(c1.data, c1.len, root, root_len);
	applet_cmd(c, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ADMIN, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_FOUND);
	applet_cmd(c, MU_CLA_PROP, MU_INS_GET_CERT, 0x04, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);

	/* card info of a CA card, in the order of §3 */
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	static const uint32_t order[] = {0x80, 0x81, 0x82, 0x9E, 0x83, 0x84, 0x8A, 0x85, 0x86, 0x87};
	mu_tlv_reader rd;
	mu_tlv t;
	mu_tlv_reader_init(&rd, r.data, r.len);
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
		g_assert_cmpint(mu_tlv_next(&rd, &t), ==, 1);
		g_assert_cmphex(t.tag, ==, order[i]);
	}
	g_assert_cmpint(mu_tlv_next(&rd, &t), ==, 0);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_ZONE_ID, &n), n, "ZONE-1", 6);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_LABEL, &n), n, "ca-card", 7);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_ROOT_FPR, &n), n, fpr, 32);
	g_assert_cmphex(info_tlv(&r, MU_TAG_PIN1_TRIES, &n)[0], ==, 5);
	g_assert_cmphex(info_tlv(&r, MU_TAG_PIN2_TRIES, &n)[0], ==, 5);
	g_assert_cmphex(info_tlv(&r, MU_TAG_VERIFIED, &n)[0], ==, 0);

	/* only once */
	g_autoptr(GBytes) ca_img = applet_image(c);
	applet_cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	assert_image_unchanged(ca_img, c);
	cardsim_card_free(&ep0);
	cardsim_card_free(&ca0);
	cardsim_card_free(&c);
}

/* The package and signature CERTIFY CARD returns for serial/point. */
static void certify(cardsim_card *ca, const uint8_t serial[8], const uint8_t point[133],
                    applet_resp *pkg)
{
	ops_data d;
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&d.w, MU_TAG_PUBKEY, point, 133);
	applet_ok(ca, MU_CLA_PROP, MU_INS_CERTIFY_CARD, 0, 0, d.buf, ops_data_len(&d), pkg);
}

static uint16_t enroll(cardsim_card *c, const uint8_t *pkg, size_t len, const char *pin)
{
	ops_data d;
	applet_resp r;
	ops_data_init(&d);
	ops_data_raw(&d, pkg, len);
	mu_tlv_put_str(&d.w, MU_TAG_PIN, pin);
	applet_cmd(c, MU_CLA_PROP, MU_INS_ENROLL, 0, 0, d.buf, ops_data_len(&d), &r);
	return r.sw;
}

/* A package signed with the zone CA key of ca, made of the given parts. */
static void forge_package(cardsim_card *ca, const char *zone, const uint8_t *card, size_t card_len,
                          const uint8_t *ca_cert, size_t ca_len, const uint8_t *root,
                          size_t root_len, ops_data *out)
{
	EVP_PKEY *k = ops_card_secret_key(ca, "zone-ca-key");
	uint8_t sig[MU_EC_SIG_MAX];
	size_t sig_len = 0;
	ops_data_init(out);
	size_t mark = mu_tlv_begin(&out->w, MU_TAG_ENROLL_PKG);
	mu_tlv_put_str(&out->w, MU_TAG_ZONE_ID, zone);
	mu_tlv_put_str(&out->w, MU_TAG_ZONE_DESC, "test zone");
	mu_tlv_put(&out->w, MU_TAG_CERT, card, card_len);
	mu_tlv_put(&out->w, MU_TAG_CA_CERT, ca_cert, ca_len);
	mu_tlv_put(&out->w, MU_TAG_ROOT_CERT, root, root_len);
	mu_tlv_end(&out->w, mark);
	size_t len = ops_data_len(out);
	g_assert_cmpint(mu_ec_sign(k, MU_ENROLL_CONTEXT, out->buf, len, sig, sizeof(sig), &sig_len), ==,
	                MU_OK);
	mu_tlv_put(&out->w, MU_TAG_SIGNATURE, sig, sig_len);
	EVP_PKEY_free(k);
}

static const uint8_t *pkg_field(const applet_resp *pkg, uint32_t tag, size_t *len)
{
	mu_tlv a1, t;
	g_assert_cmpint(mu_tlv_find(pkg->data, pkg->len, MU_TAG_ENROLL_PKG, &a1), ==, 1);
	g_assert_cmpint(mu_tlv_find(a1.value, a1.len, tag, &t), ==, 1);
	*len = t.len;
	return t.value;
}

static void test_prepare_enroll(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *twin = applet_new_ca("ZONE-A");
	uint8_t serial[8], point[133], other_serial[8], other_point[133];
	cardsim_card *c = ops_new_prepared(serial, point);
	cardsim_card *other = ops_new_prepared(other_serial, other_point);
	applet_resp r, pkg, alt;
	size_t n, n2;

	/* PREPARE again: the same key, nothing written */
	(void)cardsim_card_take_dirty(c);
	applet_ok(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, &r);
	g_assert_false(cardsim_card_take_dirty(c));
	g_assert_cmpmem(applet_tlv(&r, MU_TAG_PUBKEY, &n), n, point, 133);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_STATE), ==, MU_STATE_HAS_CARD_KEY);
	/* ENROLL needs PREPARE */
	cardsim_card *unprepared = NULL;
	g_assert_cmpint(cardsim_card_new_blank("u", &unprepared), ==, 0);
	applet_select(unprepared);
	certify(ca, serial, point, &pkg);
	g_assert_cmphex(enroll(unprepared, pkg.data, pkg.len, "123456"), ==, MU_SW_INCOMPATIBLE_FILE);

	g_autoptr(GBytes) before = applet_image(c);
	/* the signature of another CA of the same zone name */
	certify(twin, serial, point, &alt);
	ops_data d;
	ops_data_init(&d);
	mu_tlv a1, sig2;
	g_assert_cmpint(mu_tlv_find(pkg.data, pkg.len, MU_TAG_ENROLL_PKG, &a1), ==, 1);
	g_assert_cmpint(mu_tlv_find(alt.data, alt.len, MU_TAG_SIGNATURE, &sig2), ==, 1);
	ops_data_raw(&d, pkg.data, (size_t)(a1.value + a1.len - pkg.data));
	mu_tlv_put(&d.w, MU_TAG_SIGNATURE, sig2.value, sig2.len);
	g_assert_cmphex(enroll(c, d.buf, ops_data_len(&d), "123456"), ==, MU_SW_REF_NOT_USABLE);
	/* a package changed after signing */
	memcpy(d.buf, pkg.data, pkg.len);
	mu_tlv desc;
	g_assert_cmpint(mu_tlv_find(a1.value, a1.len, MU_TAG_ZONE_DESC, &desc), ==, 1);
	d.buf[desc.value - pkg.data] ^= 0x01;
	g_assert_cmphex(enroll(c, d.buf, pkg.len, "123456"), ==, MU_SW_REF_NOT_USABLE);
	/* a package for another card, or this serial with another key, or
	 * this key with another serial */
	certify(ca, other_serial, other_point, &alt);
	g_assert_cmphex(enroll(c, alt.data, alt.len, "123456"), ==, MU_SW_REF_NOT_USABLE);
	certify(ca, serial, other_point, &alt);
	g_assert_cmphex(enroll(c, alt.data, alt.len, "123456"), ==, MU_SW_REF_NOT_USABLE);
	certify(ca, other_serial, point, &alt);
	g_assert_cmphex(enroll(c, alt.data, alt.len, "123456"), ==, MU_SW_REF_NOT_USABLE);

	/* forged packages, correctly signed by the zone CA key */
	const uint8_t *card_cert = pkg_field(&pkg, MU_TAG_CERT, &n);
	const uint8_t *ca_cert = pkg_field(&pkg, MU_TAG_CA_CERT, &n2);
	size_t root_len;
	const uint8_t *root = pkg_field(&pkg, MU_TAG_ROOT_CERT, &root_len);
	/* the zone named in the package is not the CA's */
	forge_package(ca, "ZONE-B", card_cert, n, ca_cert, n2, root, root_len, &d);
	g_assert_cmphex(enroll(c, d.buf, ops_data_len(&d), "123456"), ==, MU_SW_REF_NOT_USABLE);
	/* a card certificate issued by another CA */
	certify(twin, serial, point, &alt);
	const uint8_t *twin_card = pkg_field(&alt, MU_TAG_CERT, &n);
	forge_package(ca, "ZONE-A", twin_card, n, ca_cert, n2, root, root_len, &d);
	g_assert_cmphex(enroll(c, d.buf, ops_data_len(&d), "123456"), ==, MU_SW_REF_NOT_USABLE);
	/* a root that is not self-signed */
	card_cert = pkg_field(&pkg, MU_TAG_CERT, &n);
	forge_package(ca, "ZONE-A", card_cert, n, ca_cert, n2, card_cert, n, &d);
	g_assert_cmphex(enroll(c, d.buf, ops_data_len(&d), "123456"), ==, MU_SW_REF_NOT_USABLE);
	/* a zone CA certificate with the right key that is not self-signed */
	X509 *x = NULL;
	EVP_PKEY *k2 = NULL;
	uint8_t *notself = NULL;
	g_assert_cmpint(mu_x509_parse(ca_cert, n2, &x), ==, MU_OK);
	g_assert_cmpint(mu_ec_generate(&k2), ==, MU_OK);
	g_assert_cmpint(X509_sign(x, k2, EVP_sha512()), >, 0);
	int nl = i2d_X509(x, &notself);
	g_assert_cmpint(nl, >, 0);
	forge_package(ca, "ZONE-A", card_cert, n, notself, (size_t)nl, root, root_len, &d);
	g_assert_cmphex(enroll(c, d.buf, ops_data_len(&d), "123456"), ==, MU_SW_REF_NOT_USABLE);
	OPENSSL_free(notself);
	EVP_PKEY_free(k2);
	X509_free(x);
	/* the forger itself makes acceptable packages: tried on a clone */
	forge_package(ca, "ZONE-A", card_cert, n, ca_cert, n2, root, root_len, &d);
	cardsim_card *clone = NULL;
	g_assert_cmpint(cardsim_card_load(g_bytes_get_data(before, NULL), g_bytes_get_size(before),
	                                  &clone),
	                ==, 0);
	applet_select(clone);
	g_assert_cmphex(enroll(clone, d.buf, ops_data_len(&d), "123456"), ==, 0x9000);
	cardsim_card_free(&clone);
	/* a bad PIN, or no signature */
	g_assert_cmphex(enroll(c, pkg.data, pkg.len, "12345"), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(enroll(c, pkg.data, (size_t)(a1.value + a1.len - pkg.data), "123456"), ==,
	                MU_SW_WRONG_DATA);
	assert_image_unchanged(before, c);
	g_assert_false(cardsim_card_take_dirty(c));

	/* the real thing, with a label */
	ops_data_init(&d);
	ops_data_raw(&d, pkg.data, pkg.len);
	mu_tlv_put_str(&d.w, MU_TAG_PIN, "123456");
	mu_tlv_put_str(&d.w, MU_TAG_LABEL, "alice");
	applet_ok(c, MU_CLA_PROP, MU_INS_ENROLL, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_true(cardsim_card_take_dirty(c));
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	g_assert_cmphex(info_tlv(&r, MU_TAG_CARD_TYPE, &n)[0], ==, MU_CARD_TYPE_EP11);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_LABEL, &n), n, "alice", 5);
	g_assert_cmpmem(info_tlv(&r, MU_TAG_ZONE_ID, &n), n, "ZONE-A", 6);
	g_assert_cmphex(info_tlv(&r, MU_TAG_PIN1_TRIES, &n)[0], ==, 3);
	g_assert_cmphex(info_tlv(&r, MU_TAG_VERIFIED, &n)[0], ==, 0);
	g_assert_cmphex(info_tlv(&r, MU_TAG_KEYPART_COUNT, &n)[0], ==, 0);
	g_assert_cmphex(info_tlv(&r, MU_TAG_MAX_KEYPARTS, &n)[0], ==, 85);
	g_assert_cmphex(info_tlv(&r, MU_TAG_STATE, &n)[0], ==, MU_STATE_HAS_CARD_KEY);
	g_assert_false(info_has(&r, MU_TAG_PIN2_TRIES));
	g_assert_false(info_has(&r, MU_TAG_ADMIN_NAME));
	/* its certificates */
	applet_resp cert, zca;
	ops_get_cert(c, MU_CERT_CARD, &cert);
	ops_get_cert(ca, MU_CERT_CARD, &zca);
	g_assert_cmpint(mu_x509_check_issued_by(cert.data, cert.len, zca.data, zca.len), ==, MU_OK);
	uint8_t got[8];
	g_assert_cmpint(mu_x509_card_serial(cert.data, cert.len, got), ==, MU_OK);
	g_assert_cmpmem(got, 8, serial, 8);
	ops_get_cert(c, MU_CERT_ZONE_CA, &cert);
	g_assert_cmpmem(cert.data, cert.len, zca.data, zca.len);
	applet_cmd(c, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ADMIN, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_FOUND);
	/* no second enrollment, no PREPARE on a personalized card */
	g_assert_cmphex(enroll(c, pkg.data, pkg.len, "123456"), ==, MU_SW_INCOMPATIBLE_FILE);
	applet_cmd(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	cardsim_card_free(&unprepared);
	cardsim_card_free(&other);
	cardsim_card_free(&c);
	cardsim_card_free(&twin);
	cardsim_card_free(&ca);
}

static void test_signature_key(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r, r2, cert;
	ops_data d;
	size_t n;
	ops_data_init(&d);
	mu_tlv_put_str(&d.w, MU_TAG_ADMIN_NAME, "Alice");
	size_t dl = ops_data_len(&d);
	g_autoptr(GBytes) before = applet_image(c);

	/* refusals first */
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0x02, 0, d.buf, dl, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, "\x88\x00", 2, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_DATA);
	char longname[80];
	memset(longname, 'n', 65);
	longname[65] = '\0';
	ops_data bad;
	ops_data_init(&bad);
	mu_tlv_put_str(&bad.w, MU_TAG_ADMIN_NAME, longname);
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, bad.buf, ops_data_len(&bad), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_DATA);
	applet_cmd(ca, 0, MU_INS_GEN_KEYPAIR, 0, 0, d.buf, dl, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	cardsim_card_reset(c);
	applet_select(c);
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d.buf, dl, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);

	/* the key, its id and its self-signed certificate */
	applet_ok(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d.buf, dl, &r);
	uint8_t point[133], id[32], cpoint[133];
	memcpy(point, applet_tlv(&r, MU_TAG_PUBKEY, &n), 133);
	g_assert_cmpint(mu_ec_key_id(point, id), ==, MU_OK);
	g_assert_cmpmem(applet_tlv(&r, MU_TAG_KEY_ID, &n), n, id, 32);
	ops_get_cert(c, MU_CERT_ADMIN, &cert);
	g_assert_cmpint(mu_x509_check_self_signed(cert.data, cert.len), ==, MU_OK);
	g_assert_cmpint(mu_x509_public_point(cert.data, cert.len, cpoint), ==, MU_OK);
	g_assert_cmpmem(cpoint, 133, point, 133);
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r2);
	g_assert_cmpmem(info_tlv(&r2, MU_TAG_ADMIN_NAME, &n), n, "Alice", 5);
	g_assert_cmpmem(info_tlv(&r2, MU_TAG_KEY_ID, &n), n, id, 32);
	g_assert_cmphex(info_tlv(&r2, MU_TAG_STATE, &n)[0] & MU_STATE_HAS_SIGKEY, ==,
	                MU_STATE_HAS_SIGKEY);

	/* P1 00 keeps an existing key; P1 01 replaces it */
	g_autoptr(GBytes) with_key = applet_image(c);
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d.buf, dl, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_EXISTS);
	assert_image_unchanged(with_key, c);
	applet_ok(c, 0, MU_INS_GEN_KEYPAIR, MU_GENKEY_P1_REPLACE, 0, d.buf, dl, &r);
	g_assert_true(memcmp(applet_tlv(&r, MU_TAG_PUBKEY, &n), point, 133) != 0);
	memcpy(point, applet_tlv(&r, MU_TAG_PUBKEY, &n), 133);

	/* PSO signs 1..4096 bytes as given, with the new key */
	EVP_PKEY *pub = NULL;
	g_assert_cmpint(mu_ec_from_point(point, 133, &pub), ==, MU_OK);
	uint8_t *block = g_malloc(4097);
	for (size_t i = 0; i < 4097; i++)
		block[i] = (uint8_t)(i * 7);
	applet_ok(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, block, 4096, &r);
	g_assert_cmpint(mu_ec_verify(pub, NULL, block, 4096, r.data, r.len), ==, MU_OK);
	applet_ok(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, block, 1, &r);
	g_assert_cmpint(mu_ec_verify(pub, NULL, block, 1, r.data, r.len), ==, MU_OK);
	applet_cmd(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, block, 4097, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_LENGTH);
	applet_cmd(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_LENGTH);
	applet_cmd(c, 0, MU_INS_PSO, 0x9E, 0x9B, block, 16, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	g_free(block);
	EVP_PKEY_free(pub);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

typedef struct part_values {
	uint8_t v[85][32];
	size_t n;
} part_values;

static void on_part(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	part_values *p = user;
	if (strcmp(kind, "keypart") == 0 && len == 32 && p->n < 85)
		memcpy(p->v[p->n++], secret, 32);
}

static void test_keyparts(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	size_t n;
	g_assert_cmphex(ops_keypart_gen(c, "", &r), ==, MU_SW_WRONG_DATA);
	char longdesc[80];
	memset(longdesc, 'd', 65);
	longdesc[65] = '\0';
	g_assert_cmphex(ops_keypart_gen(c, longdesc, &r), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(ops_keypart_gen(ca, "x", &r), ==, MU_SW_INCOMPATIBLE_FILE);
	g_assert_cmphex(ops_keypart_gen(c, "part A", &r), ==, 0x9000);
	uint8_t vp[32];
	memcpy(vp, applet_tlv(&r, MU_TAG_VP, &n), 32);
	/* the VP is the one of the value the card keeps (white-box) */
	part_values pv = {.n = 0};
	cardsim_card_foreach_secret(c, on_part, &pv);
	g_assert_cmpuint(pv.n, ==, 1);
	uint8_t want[32];
	g_assert_cmpint(mu_vp_compute(pv.v[0], 32, want), ==, MU_OK);
	g_assert_cmpmem(vp, 32, want, 32);
	g_assert_cmpmem(vp + 28, 4, "\0\0\0\0", 4);

	g_assert_cmphex(ops_keypart_gen(c, "part B", &r), ==, 0x9000);
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &r);
	mu_tlv first, slot, desc, v;
	g_assert_cmpint(mu_tlv_find(r.data, r.len, MU_TAG_KEYPART, &first), ==, 1);
	g_assert_cmpint(mu_tlv_find(first.value, first.len, MU_TAG_SLOT, &slot), ==, 1);
	g_assert_cmpint(mu_tlv_find(first.value, first.len, MU_TAG_DESC, &desc), ==, 1);
	g_assert_cmpint(mu_tlv_find(first.value, first.len, MU_TAG_VP, &v), ==, 1);
	g_assert_cmpuint(slot.value[0], ==, 0);
	g_assert_cmpmem(desc.value, desc.len, "part A", 6);
	g_assert_cmpmem(v.value, v.len, vp, 32);
	g_assert_cmpint(mu_tlv_find(first.value, first.len, MU_TAG_KEYPART_VALUE, &v), ==, 0);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_KEYPART_COUNT), ==, 2);

	/* DELETE needs the PIN; the list is readable without it */
	cardsim_card_reset(c);
	applet_select(c);
	g_autoptr(GBytes) before = applet_image(c);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(ops_keypart_gen(c, "x", &r), ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, c);
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &r);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 0, 1, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 5, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_FOUND);
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 0, 0, NULL, 0, &r);
	g_assert_true(cardsim_card_take_dirty(c));
	pv.n = 0;
	cardsim_card_foreach_secret(c, on_part, &pv);
	g_assert_cmpuint(pv.n, ==, 1);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_KEYPART_COUNT), ==, 1);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_zeroize_keeps_serial(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r, info;
	uint8_t serial[8], serial2[8];
	ops_genkey(c);
	ops_keypart_gen(c, "p", &r);
	ops_serial(c, serial);
	applet_cmd(c, MU_CLA_PROP, MU_INS_ZEROIZE, 1, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	applet_ok(c, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_true(cardsim_card_take_dirty(c));
	ops_serial(c, serial2);
	g_assert_cmpmem(serial, 8, serial2, 8);
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &info);
	size_t n;
	g_assert_cmphex(info_tlv(&info, MU_TAG_STATE, &n)[0], ==, 0);
	g_assert_cmpmem(info_tlv(&info, MU_TAG_LABEL, &n), n, "ep11", 4);
	g_assert_false(info_has(&info, MU_TAG_ZONE_ID));
	/* the wiped card is blank and can be personalized again with a new key */
	uint8_t point[133];
	applet_ok(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, &r);
	memcpy(point, applet_tlv(&r, MU_TAG_PUBKEY, &n), 133);
	applet_cmd(c, MU_CLA_PROP, MU_INS_GET_CERT, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	/* a CA card needs both PINs to be wiped; a blank card nothing */
	cardsim_card_reset(ca);
	applet_select(ca);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, 0x9000);
	applet_cmd(ca, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "222222"), ==, 0x9000);
	applet_ok(ca, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_CARD_TYPE), ==, MU_CARD_TYPE_BLANK);
	applet_ok(c, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_STATE), ==, 0);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

/* Every command on a card type that does not accept it: 6981, even with
 * the PINs verified, and nothing changes. */
static void test_card_types(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *ep = applet_new_ep11(ca);
	cardsim_card *blank = NULL;
	g_assert_cmpint(cardsim_card_new_blank("b", &blank), ==, 0);
	applet_select(blank);
	static const struct {
		uint8_t cla, ins, p1, p2;
		const char *refused_by; /* B blank, C CA, E EP11 */
	} cmds[] = {
		{0x00, MU_INS_GET_CHALLENGE, 0, 0, "BC"},
		{0x00, MU_INS_RESET_RETRY, 0, 0x81, "BC"},
		{0x00, MU_INS_GEN_KEYPAIR, 0, 0, "BC"},
		{0x00, MU_INS_PSO, 0x9E, 0x9A, "BC"},
		{0x80, MU_INS_INIT_CA, 0, 0, "CE"},
		{0x80, MU_INS_PREPARE, 0, 0, "CE"},
		{0x80, MU_INS_CERTIFY_CARD, 0, 0, "BE"},
		{0x80, MU_INS_ENROLL, 0, 0, "BCE"}, /* B: not prepared */
		{0x80, MU_INS_GET_CERT, 0, 0, "B"},
		{0x80, MU_INS_SIGN_UNBLOCK, 0, 0, "BE"},
		{0x80, MU_INS_KEYPART_GEN, 0, 0, "BC"},
		{0x80, MU_INS_KEYPART_LIST, 0, 0, "BC"},
		{0x80, MU_INS_KEYPART_DELETE, 0, 0, "BC"},
		{0x80, MU_INS_COPY_EXPORT, 0, 0, "BC"},
		{0x80, MU_INS_COPY_IMPORT, 0, 0, "BC"},
		{0x80, MU_INS_CA_BACKUP_EXPORT, 0, 0, "BE"},
		{0x80, MU_INS_CA_RESTORE, 0, 0, "BCE"}, /* B: not prepared */
	};
	cardsim_card *cards[3] = {blank, ca, ep};
	const char kinds[3] = {'B', 'C', 'E'};
	applet_resp r;
	for (size_t k = 0; k < 3; k++) {
		g_autoptr(GBytes) before = applet_image(cards[k]);
		for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
			if (strchr(cmds[i].refused_by, kinds[k]) == NULL)
				continue;
			g_test_message("%c INS %02X", kinds[k], cmds[i].ins);
			applet_cmd(cards[k], cmds[i].cla, cmds[i].ins, cmds[i].p1, cmds[i].p2, "\x99\x00", 2,
			           &r);
			g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
		}
		assert_image_unchanged(before, cards[k]);
	}
	cardsim_card_free(&blank);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet-perso/init-ca", test_init_ca);
	g_test_add_func("/applet-perso/prepare-enroll", test_prepare_enroll);
	g_test_add_func("/applet-perso/signature-key", test_signature_key);
	g_test_add_func("/applet-perso/keyparts", test_keyparts);
	g_test_add_func("/applet-perso/zeroize-keeps-serial", test_zeroize_keeps_serial);
	g_test_add_func("/applet-perso/card-types", test_card_types);
	return g_test_run();
}
