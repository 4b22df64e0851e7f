/* SPDX-License-Identifier: Apache-2.0 */
/* The card applet through APDUs only: personalization, PINs, key parts,
 * signatures, copy and backup, and every refusal of the security model. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "applet-test-util.h"
#include "cardsim-card.h"
#include "mu-card-proto.h"
#include "mu-sw.h"
#include "mu-tlv.h"
#include "mu-vp.h"

static void assert_image_unchanged(GBytes *before, const cardsim_card *c)
{
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

static void test_select_required(void)
{
	cardsim_card *c = NULL;
	applet_resp r;
	g_assert_cmpint(cardsim_card_new_blank("x", &c), ==, 0);
	applet_cmd(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INS_UNSUPPORTED);
	static const uint8_t other[] = {0xA0, 0, 0, 0, 3, 0x10, 0x10};
	applet_cmd(c, 0, MU_INS_SELECT, 4, 0, other, sizeof(other), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_FILE_NOT_FOUND);
	applet_select(c);
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	size_t n;
	g_assert_cmpuint(applet_tlv(&r, MU_TAG_CARD_TYPE, &n)[0], ==, MU_CARD_TYPE_BLANK);
	cardsim_card_reset(c);
	applet_cmd(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INS_UNSUPPORTED);
	cardsim_card_free(&c);
}

static void test_ep11_pin_countdown_and_block(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, 0x63C2);
	g_assert_true(cardsim_card_take_dirty(c));
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, 0x63C1);
	/* bad format costs nothing */
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "12345"), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, 0x63C1);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, MU_SW_PIN_BLOCKED);
	/* blocked even with the right PIN, across save/load and reset */
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, MU_SW_PIN_BLOCKED);
	g_autoptr(GBytes) img = applet_image(c);
	cardsim_card *c2 = NULL;
	g_assert_cmpint(cardsim_card_load(g_bytes_get_data(img, NULL), g_bytes_get_size(img), &c2), ==, 0);
	applet_select(c2);
	g_assert_cmphex(applet_verify(c2, MU_PIN_REF_1, "123456"), ==, MU_SW_PIN_BLOCKED);
	applet_resp r;
	uint8_t d[16];
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_DESC, "x");
	mu_tlv_writer_finish(&w, &n);
	applet_cmd(c2, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d, n, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_PIN_BLOCKED);
	cardsim_card_free(&c2);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

/* Unblocks c with a signature made by ca; returns the final SW. */
static uint16_t unblock_with(cardsim_card *c, cardsim_card *ca, const char *new_pin)
{
	applet_resp ch, info, sig, r;
	uint8_t d[256];
	size_t n, sl;
	mu_tlv_writer w;
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &info);
	const uint8_t *serial = applet_tlv(&info, MU_TAG_SERIAL, &sl);
	applet_ok(c, 0, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, &ch);
	g_assert_cmpuint(ch.len, ==, MU_CHALLENGE_LEN);
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, sl);
	mu_tlv_put(&w, MU_TAG_CHALLENGE, ch.data, ch.len);
	mu_tlv_writer_finish(&w, &n);
	applet_ok(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d, n, &sig);
	memcpy(d, sig.data, sig.len);
	mu_tlv_writer_init(&w, d + sig.len, sizeof(d) - sig.len);
	mu_tlv_put_str(&w, MU_TAG_PIN, new_pin);
	mu_tlv_writer_finish(&w, &n);
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, d, sig.len + n, &r);
	return r.sw;
}

static void test_unblock_only_with_own_zone(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *other = applet_new_ca("ZONE-B");
	cardsim_card *c = applet_new_ep11(ca);
	for (int i = 0; i < 3; i++)
		applet_verify(c, MU_PIN_REF_1, "999999");
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, MU_SW_PIN_BLOCKED);
	g_autoptr(GBytes) before = applet_image(c);
	g_assert_cmphex(unblock_with(c, other, "654321"), ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "654321"), ==, MU_SW_PIN_BLOCKED);
	/* the challenge is single-use: replaying a RESET RETRY COUNTER fails */
	applet_resp r;
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, "\x93\x01\x00\x8C\x06" "123456", 11, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_CONDITIONS);
	g_assert_cmphex(unblock_with(c, ca, "654321"), ==, 0x9000);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "654321"), ==, 0x9000);
	cardsim_card_free(&c);
	cardsim_card_free(&other);
	cardsim_card_free(&ca);
}

static void test_ca_needs_both_pins(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card_reset(ca);
	applet_select(ca);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, 0x9000);
	applet_resp r;
	static const uint8_t req[] = {0x81, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x94, 32};
	uint8_t d[sizeof(req) + 32] = {0};
	memcpy(d, req, sizeof(req));
	g_autoptr(GBytes) before = applet_image(ca);
	applet_cmd(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d, sizeof(d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, ca);
	assert_image_unchanged(before, ca);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "000000"), ==, 0x63C4);
	applet_cmd(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d, sizeof(d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "222222"), ==, 0x9000);
	applet_ok(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d, sizeof(d), &r);
	/* five wrong PIN 1 tries block the CA card for good */
	for (int i = 0; i < 4; i++)
		applet_verify(ca, MU_PIN_REF_1, "000000");
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "000000"), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, MU_SW_PIN_BLOCKED);
	applet_cmd(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d, sizeof(d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_PIN_BLOCKED);
	cardsim_card_free(&ca);
}

static void keypart_gen(cardsim_card *c, const char *desc, applet_resp *r)
{
	uint8_t d[80];
	size_t n;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_DESC, desc);
	mu_tlv_writer_finish(&w, &n);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d, n, r);
}

static void test_keyparts_and_limit(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	for (unsigned i = 0; i < MU_KEYPARTS_MAX; i++) {
		keypart_gen(c, "a key part with a fairly long description to fill the list", &r);
		g_assert_cmphex(r.sw, ==, 0x9000);
		size_t n;
		g_assert_cmpuint(applet_tlv(&r, MU_TAG_SLOT, &n)[0], ==, i);
	}
	g_autoptr(GBytes) before = applet_image(c);
	keypart_gen(c, "one too many", &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NO_SPACE);
	assert_image_unchanged(before, c);
	/* the list spans many GET RESPONSEs */
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &r);
	g_assert_cmpuint(r.len, >, 5000);
	g_assert_cmpint(mu_tlv_validate(r.data, r.len, 1), ==, 0);
	applet_ok(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 7, 0, NULL, 0, &r);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 7, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_FOUND);
	keypart_gen(c, "refill", &r);
	size_t n;
	g_assert_cmpuint(applet_tlv(&r, MU_TAG_SLOT, &n)[0], ==, 7);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static EVP_PKEY *cert_pub(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	g_assert_nonnull(x);
	EVP_PKEY *k = X509_get_pubkey(x);
	X509_free(x);
	return k;
}

static void test_sign(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r, cert, sig;
	static const char msg[] = "admin block to sign";
	applet_cmd(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, msg, sizeof(msg), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_FOUND);
	uint8_t d[80];
	size_t n;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_ADMIN_NAME, "Alice");
	mu_tlv_writer_finish(&w, &n);
	applet_ok(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d, n, &r);
	applet_cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d, n, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_EXISTS);
	applet_ok(c, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ADMIN, 0, NULL, 0, &cert);
	/* a 3000-byte block needs command chaining */
	uint8_t block[3000];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)i;
	applet_ok(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, block, sizeof(block), &sig);
	EVP_PKEY *pub = cert_pub(cert.data, cert.len);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	g_assert_cmpint(EVP_DigestVerifyInit(md, NULL, EVP_sha512(), NULL, pub), ==, 1);
	g_assert_cmpint(EVP_DigestVerify(md, sig.data, sig.len, block, sizeof(block)), ==, 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	/* a reset ends the verified state */
	cardsim_card_reset(c);
	applet_select(c);
	applet_cmd(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, msg, sizeof(msg), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void copy_to(cardsim_card *src, cardsim_card *dst, applet_resp *export_r, uint16_t *sw)
{
	applet_resp cert, r;
	applet_ok(dst, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_CARD, 0, NULL, 0, &cert);
	applet_cmd(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, cert.data, cert.len, export_r);
	if (export_r->sw != 0x9000) {
		*sw = export_r->sw;
		return;
	}
	applet_cmd(dst, MU_CLA_PROP, MU_INS_COPY_IMPORT, 0, 0, export_r->data, export_r->len, &r);
	*sw = r.sw;
}

static void test_copy_same_zone_only(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *cb = applet_new_ca("ZONE-B");
	cardsim_card *src = applet_new_ep11(ca);
	cardsim_card *dst = applet_new_ep11(ca);
	cardsim_card *foreign = applet_new_ep11(cb);
	applet_resp r, ex, l1, l2;
	uint16_t sw;
	for (int i = 0; i < 3; i++) {
		keypart_gen(src, "part", &r);
		g_assert_cmphex(r.sw, ==, 0x9000);
	}
	/* a target of another zone is refused by the source card */
	copy_to(src, foreign, &ex, &sw);
	g_assert_cmphex(sw, ==, MU_SW_REF_NOT_USABLE);
	/* an envelope from another zone is refused by the target card */
	cardsim_card *fsrc = applet_new_ep11(cb);
	keypart_gen(fsrc, "foreign part", &r);
	g_autoptr(GBytes) before = applet_image(dst);
	applet_resp cert;
	applet_ok(foreign, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_CARD, 0, NULL, 0, &cert);
	applet_ok(fsrc, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, cert.data, cert.len, &ex);
	applet_cmd(dst, MU_CLA_PROP, MU_INS_COPY_IMPORT, 0, 0, ex.data, ex.len, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_REF_NOT_USABLE);
	assert_image_unchanged(before, dst);
	/* an envelope for another card of the zone is refused */
	cardsim_card *third = applet_new_ep11(ca);
	applet_ok(third, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_CARD, 0, NULL, 0, &cert);
	applet_ok(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, cert.data, cert.len, &ex);
	applet_cmd(dst, MU_CLA_PROP, MU_INS_COPY_IMPORT, 0, 0, ex.data, ex.len, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_REF_NOT_USABLE);
	assert_image_unchanged(before, dst);
	/* a tampered envelope is refused */
	applet_ok(dst, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_CARD, 0, NULL, 0, &cert);
	applet_ok(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, cert.data, cert.len, &ex);
	ex.data[200] ^= 1;
	applet_cmd(dst, MU_CLA_PROP, MU_INS_COPY_IMPORT, 0, 0, ex.data, ex.len, &r);
	g_assert_cmphex(r.sw, !=, 0x9000);
	assert_image_unchanged(before, dst);
	/* the same zone works and carries the parts and their VPs */
	copy_to(src, dst, &ex, &sw);
	g_assert_cmphex(sw, ==, 0x9000);
	applet_ok(src, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l1);
	applet_ok(dst, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l2);
	g_assert_cmpmem(l1.data, l1.len, l2.data, l2.len);
	cardsim_card_free(&third);
	cardsim_card_free(&fsrc);
	cardsim_card_free(&foreign);
	cardsim_card_free(&dst);
	cardsim_card_free(&src);
	cardsim_card_free(&cb);
	cardsim_card_free(&ca);
}

static void test_ca_backup(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *blank = NULL;
	applet_resp prep, ex, r;
	uint8_t d[512];
	size_t n, l1, l2;
	mu_tlv_writer w;
	g_assert_cmpint(cardsim_card_new_blank("backup", &blank), ==, 0);
	applet_select(blank);
	applet_ok(blank, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, &prep);
	const uint8_t *serial = applet_tlv(&prep, MU_TAG_SERIAL, &l1);
	const uint8_t *point = applet_tlv(&prep, MU_TAG_PUBKEY, &l2);
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, l1);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point, l2);
	mu_tlv_writer_finish(&w, &n);
	applet_ok(ca, MU_CLA_PROP, MU_INS_CA_BACKUP_EXPORT, 0, 0, d, n, &ex);
	mu_tlv_writer_init(&w, ex.data + ex.len, sizeof(ex.data) - ex.len);
	mu_tlv_put_str(&w, MU_TAG_PIN, "333333");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "444444");
	mu_tlv_writer_finish(&w, &n);
	applet_ok(blank, MU_CLA_PROP, MU_INS_CA_RESTORE, 0, 0, ex.data, ex.len + n, &r);
	g_assert_cmphex(applet_verify(blank, MU_PIN_REF_1, "333333"), ==, 0x9000);
	g_assert_cmphex(applet_verify(blank, MU_PIN_REF_2, "444444"), ==, 0x9000);
	/* the backup certifies cards the original zone accepts */
	cardsim_card *a = applet_new_ep11(ca);
	cardsim_card *b = applet_new_ep11(blank);
	uint16_t sw;
	keypart_gen(a, "p", &r);
	copy_to(a, b, &ex, &sw);
	g_assert_cmphex(sw, ==, 0x9000);
	applet_resp c1, c2;
	applet_ok(ca, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ZONE_CA, 0, NULL, 0, &c1);
	applet_ok(blank, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ZONE_CA, 0, NULL, 0, &c2);
	g_assert_cmpmem(c1.data, c1.len, c2.data, c2.len);
	cardsim_card_free(&a);
	cardsim_card_free(&b);
	cardsim_card_free(&blank);
	cardsim_card_free(&ca);
}

static void test_malformed_changes_nothing(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	keypart_gen(c, "part", &r);
	g_autoptr(GBytes) before = applet_image(c);
	(void)cardsim_card_take_dirty(c);
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
		uint16_t sw;
	} bad[] = {
		{"truncated header", {0x80, 0x20, 0x00}, 3, MU_SW_WRONG_LENGTH},
		{"Lc beyond data", {0x80, 0x20, 0, 0, 0x09, 0x91, 0x01}, 7, MU_SW_WRONG_LENGTH},
		{"unknown CLA", {0x40, 0x20, 0, 0}, 4, MU_SW_CLA_UNSUPPORTED},
		{"unknown INS", {0x80, 0x7E, 0, 0}, 4, MU_SW_INS_UNSUPPORTED},
		{"bad TLV", {0x80, 0x20, 0, 0, 0x03, 0x91, 0x05, 0x41}, 8, MU_SW_WRONG_DATA},
		{"wrong P1P2", {0x80, 0x20, 0x01, 0x00, 0x03, 0x91, 0x01, 0x41}, 8, MU_SW_WRONG_P1P2},
		{"delete slot out of range", {0x80, 0x24, 0x55, 0x00}, 4, MU_SW_WRONG_P1P2},
		{"GET RESPONSE with nothing waiting", {0x00, 0xC0, 0, 0, 0}, 5, MU_SW_CONDITIONS},
		{"VERIFY of PIN 2 on an EP11 card", {0x00, 0x20, 0x00, 0x82}, 4, MU_SW_WRONG_P1P2},
		{"INIT CA on an EP11 card", {0x80, 0x10, 0, 0, 0x02, 0x83, 0x00}, 7, MU_SW_INCOMPATIBLE_FILE},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i].what);
		g_assert_cmphex(applet_raw(c, bad[i].b, bad[i].len), ==, bad[i].sw);
		g_assert_false(cardsim_card_take_dirty(c));
		assert_image_unchanged(before, c);
	}
	/* a chain whose links change INS is dropped */
	uint8_t link1[5 + 10] = {0x90, 0x20, 0, 0, 10};
	uint8_t link2[5 + 3] = {0x80, 0x24, 0, 0, 3, 0x91, 0x01, 0x41};
	g_assert_cmphex(applet_raw(c, link1, sizeof(link1)), ==, 0x9000);
	g_assert_cmphex(applet_raw(c, link2, sizeof(link2)), ==, MU_SW_LAST_CHAIN_EXPECTED);
	assert_image_unchanged(before, c);
	/* a chain longer than the card accepts */
	uint8_t big[5 + 255] = {0x90, 0x32, 0, 0, 255};
	uint16_t sw = 0;
	for (int i = 0; i < 70 && sw != MU_SW_WRONG_LENGTH; i++)
		sw = applet_raw(c, big, sizeof(big));
	g_assert_cmphex(sw, ==, MU_SW_WRONG_LENGTH);
	assert_image_unchanged(before, c);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_image_roundtrip_and_damage(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	keypart_gen(c, "part", &r);
	g_autoptr(GBytes) img = applet_image(c);
	gsize len;
	const uint8_t *p = g_bytes_get_data(img, &len);
	cardsim_card *back = NULL;
	g_assert_cmpint(cardsim_card_load(p, len, &back), ==, 0);
	g_autoptr(GBytes) again = applet_image(back);
	g_assert_true(g_bytes_equal(img, again));
	cardsim_card_free(&back);
	g_autofree uint8_t *copy = g_memdup2(p, len);
	for (size_t i = 0; i < len; i += 97) {
		copy[i] ^= 0x20;
		g_assert_cmpint(cardsim_card_load(copy, len, &back), <, 0);
		g_assert_null(back);
		copy[i] ^= 0x20;
	}
	g_assert_cmpint(cardsim_card_load(copy, len - 1, &back), <, 0);
	g_assert_cmpint(cardsim_card_load(copy, 10, &back), <, 0);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void count_secret(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	(void)kind;
	(void)secret;
	(void)len;
	(*(unsigned *)user)++;
}

static void test_zeroize(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	keypart_gen(c, "part", &r);
	cardsim_card_reset(c);
	applet_select(c);
	applet_cmd(c, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	applet_ok(c, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	applet_ok(c, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &r);
	size_t n;
	g_assert_cmpuint(applet_tlv(&r, MU_TAG_CARD_TYPE, &n)[0], ==, MU_CARD_TYPE_BLANK);
	unsigned secrets = 0;
	cardsim_card_foreach_secret(c, count_secret, &secrets);
	g_assert_cmpuint(secrets, ==, 0);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet/select-required", test_select_required);
	g_test_add_func("/applet/pin-countdown-block", test_ep11_pin_countdown_and_block);
	g_test_add_func("/applet/unblock-own-zone-only", test_unblock_only_with_own_zone);
	g_test_add_func("/applet/ca-dual-pin", test_ca_needs_both_pins);
	g_test_add_func("/applet/keyparts-limit", test_keyparts_and_limit);
	g_test_add_func("/applet/sign", test_sign);
	g_test_add_func("/applet/copy-same-zone-only", test_copy_same_zone_only);
	g_test_add_func("/applet/ca-backup", test_ca_backup);
	g_test_add_func("/applet/malformed-changes-nothing", test_malformed_changes_nothing);
	g_test_add_func("/applet/image-roundtrip-damage", test_image_roundtrip_and_damage);
	g_test_add_func("/applet/zeroize", test_zeroize);
	return g_test_run();
}
