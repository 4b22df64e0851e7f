/* SPDX-License-Identifier: Apache-2.0 */
/* The applet's ISO 7816-4 transport (docs/protocol.md §1): SELECT first,
 * command chaining, extended APDUs, 61xx / GET RESPONSE / 6Cxx, and status
 * words for malformed APDUs that leave the card image as it was. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>

#include "applet-test-ops.h"
#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-x509.h"

static void assert_image_unchanged(GBytes *before, const cardsim_card *c)
{
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

/* One raw exchange: response data into out (may be NULL), returns the SW. */
static uint16_t xchg(cardsim_card *c, const uint8_t *apdu, size_t len, uint8_t *out,
                     size_t *out_len)
{
	uint8_t r[CARDSIM_RAPDU_MAX];
	size_t rl = 0;
	cardsim_card_process(c, apdu, len, r, &rl);
	g_assert_cmpuint(rl, >=, 2);
	g_assert_cmpuint(rl, <=, CARDSIM_RAPDU_MAX);
	if (out != NULL) {
		memcpy(out, r, rl - 2);
		*out_len = rl - 2;
	}
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

/* Builds and sends one APDU. */
static uint16_t send_apdu(cardsim_card *c, const mu_apdu *a, bool extended, uint8_t *out,
                          size_t *out_len)
{
	static uint8_t buf[70000];
	size_t n = 0;
	g_assert_cmpint(mu_apdu_build(a, extended, buf, sizeof(buf), &n), ==, MU_OK);
	return xchg(c, buf, n, out, out_len);
}

static void test_select_first(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	cardsim_card_reset(c);
	(void)cardsim_card_take_dirty(c);
	g_autoptr(GBytes) before = applet_image(c);
	static const uint8_t ins_iso[] = {MU_INS_GET_DATA, MU_INS_VERIFY,        MU_INS_CHANGE_REF,
	                                  MU_INS_RESET_RETRY, MU_INS_GET_CHALLENGE, MU_INS_GEN_KEYPAIR,
	                                  MU_INS_PSO,        MU_INS_GET_RESPONSE};
	static const uint8_t ins_prop[] = {
		MU_INS_INIT_CA,       MU_INS_PREPARE,     MU_INS_CERTIFY_CARD,   MU_INS_ENROLL,
		MU_INS_GET_CERT,      MU_INS_SIGN_UNBLOCK, MU_INS_KEYPART_GEN,   MU_INS_KEYPART_LIST,
		MU_INS_KEYPART_DELETE, MU_INS_COPY_EXPORT, MU_INS_COPY_IMPORT,   MU_INS_CA_BACKUP_EXPORT,
		MU_INS_CA_RESTORE,    MU_INS_ZEROIZE,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ins_iso); i++) {
		uint8_t apdu[] = {0x00, ins_iso[i], 0x00, 0x81, 0x00};
		g_assert_cmphex(xchg(c, apdu, sizeof(apdu), NULL, NULL), ==, MU_SW_INS_UNSUPPORTED);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(ins_prop); i++) {
		uint8_t apdu[] = {0x80, ins_prop[i], 0x00, 0x00, 0x00};
		g_assert_cmphex(xchg(c, apdu, sizeof(apdu), NULL, NULL), ==, MU_SW_INS_UNSUPPORTED);
	}
	/* another AID, or wrong P1/P2, selects nothing */
	static const uint8_t other_aid[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 'O', 'P',
	                                    'E',  'N',  'M',  'U',  0x02};
	static const uint8_t select_p1[] = {0x00, 0xA4, 0x00, 0x00, 0x08, 0xF0, 'O', 'P',
	                                    'E',  'N',  'M',  'U',  0x01};
	static const uint8_t info[] = {0x00, 0xCA, 0x01, 0x00, 0x00};
	g_assert_cmphex(xchg(c, other_aid, sizeof(other_aid), NULL, NULL), ==, MU_SW_FILE_NOT_FOUND);
	g_assert_cmphex(xchg(c, select_p1, sizeof(select_p1), NULL, NULL), ==, MU_SW_WRONG_P1P2);
	g_assert_cmphex(xchg(c, info, sizeof(info), NULL, NULL), ==, MU_SW_INS_UNSUPPORTED);
	assert_image_unchanged(before, c);
	g_assert_false(cardsim_card_take_dirty(c));
	/* the document's SELECT vector works; another AID deselects again */
	static const uint8_t select[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x4F, 0x50,
	                                 0x45, 0x4E, 0x4D, 0x55, 0x01, 0x00};
	g_assert_cmphex(xchg(c, select, sizeof(select), NULL, NULL), ==, 0x9000);
	g_assert_cmphex(xchg(c, info, sizeof(info), NULL, NULL), ==, 0x9000);
	g_assert_cmphex(xchg(c, other_aid, sizeof(other_aid), NULL, NULL), ==, MU_SW_FILE_NOT_FOUND);
	g_assert_cmphex(xchg(c, info, sizeof(info), NULL, NULL), ==, MU_SW_INS_UNSUPPORTED);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_long_responses(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp full;
	ops_get_cert(c, MU_CERT_ROOT, &full);
	g_assert_cmpuint(full.len, >, 256 + 10);
	g_assert_cmpuint(full.len, <, 512);
	uint8_t got[1024], part[256];
	size_t n = 0, total = 0;

	/* first part with Le 00, then 61xx: xx is what is left */
	static const uint8_t get_cert[] = {0x80, 0x18, 0x02, 0x00, 0x00};
	uint16_t sw = xchg(c, get_cert, sizeof(get_cert), part, &n);
	g_assert_cmpuint(n, ==, 256);
	size_t left = full.len - 256;
	g_assert_cmphex(sw, ==, 0x6100 | left);
	memcpy(got, part, n);
	total = n;
	/* GET RESPONSE with P1/P2, or asking for more than is left: 6A86, 6Cxx */
	static const uint8_t gr_p1[] = {0x00, 0xC0, 0x01, 0x00, 0x00};
	g_assert_cmphex(xchg(c, gr_p1, sizeof(gr_p1), NULL, NULL), ==, MU_SW_WRONG_P1P2);
	uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)(left + 1)};
	g_assert_cmphex(xchg(c, gr, sizeof(gr), NULL, NULL), ==, 0x6C00 | left);
	/* fewer than is left: 61 with the rest */
	gr[4] = 10;
	g_assert_cmphex(xchg(c, gr, sizeof(gr), part, &n), ==, 0x6100 | (left - 10));
	g_assert_cmpuint(n, ==, 10);
	memcpy(got + total, part, n);
	total += n;
	gr[4] = (uint8_t)(left - 10);
	g_assert_cmphex(xchg(c, gr, sizeof(gr), part, &n), ==, 0x9000);
	memcpy(got + total, part, n);
	total += n;
	g_assert_cmpmem(got, total, full.data, full.len);
	/* nothing more to fetch */
	gr[4] = 0;
	g_assert_cmphex(xchg(c, gr, sizeof(gr), NULL, NULL), ==, MU_SW_CONDITIONS);

	/* any other command, or a reset, drops a waiting response */
	g_assert_cmphex(xchg(c, get_cert, sizeof(get_cert), part, &n), ==, 0x6100 | left);
	static const uint8_t info[] = {0x00, 0xCA, 0x01, 0x00, 0x00};
	g_assert_cmphex(xchg(c, info, sizeof(info), part, &n), ==, 0x9000);
	g_assert_cmphex(xchg(c, gr, sizeof(gr), NULL, NULL), ==, MU_SW_CONDITIONS);
	g_assert_cmphex(xchg(c, get_cert, sizeof(get_cert), part, &n), ==, 0x6100 | left);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(xchg(c, gr, sizeof(gr), NULL, NULL), ==, MU_SW_CONDITIONS);

	/* a short Le: GET CHALLENGE with Le 10 gets 16 bytes and 6110 */
	static const uint8_t challenge[] = {0x00, 0x84, 0x00, 0x00, 0x10};
	g_assert_cmphex(xchg(c, challenge, sizeof(challenge), part, &n), ==, 0x6110);
	g_assert_cmpuint(n, ==, 16);
	gr[4] = 0x10;
	g_assert_cmphex(xchg(c, gr, sizeof(gr), part, &n), ==, 0x9000);
	g_assert_cmpuint(n, ==, 16);

	/* a key part list of 85 entries: 61 00 while 256 or more are left */
	applet_resp r;
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	for (int i = 0; i < 85; i++)
		g_assert_cmphex(ops_keypart_gen(c, "a long enough description of this part", &r), ==,
		                0x9000);
	static const uint8_t list[] = {0x80, 0x22, 0x00, 0x00, 0x00};
	g_assert_cmphex(xchg(c, list, sizeof(list), part, &n), ==, 0x6100);
	/* the extended Le of 65536 still gets pieces of 256 */
	mu_apdu a = {.cla = 0x80, .ins = 0x22, .ne = 65536};
	g_assert_cmphex(send_apdu(c, &a, true, part, &n), ==, 0x6100);
	g_assert_cmpuint(n, ==, 256);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_chaining_and_extended(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	ops_genkey(c);
	applet_resp cert;
	ops_get_cert(c, MU_CERT_ADMIN, &cert);
	EVP_PKEY *pub = NULL;
	g_assert_cmpint(mu_x509_public_key(cert.data, cert.len, &pub), ==, MU_OK);
	uint8_t block[3000], sig[256];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)i;

	/* the 300-byte PSO chain of §2: two links, CLA 10 then 00 */
	static const uint8_t first_hdr[] = {0x10, 0x2A, 0x9E, 0x9A, 0xFF};
	static const uint8_t last_hdr[] = {0x00, 0x2A, 0x9E, 0x9A, 0x2D};
	uint8_t link[5 + 255 + 1];
	memcpy(link, first_hdr, 5);
	memcpy(link + 5, block, 255);
	g_assert_cmphex(xchg(c, link, 5 + 255, NULL, NULL), ==, 0x9000);
	memcpy(link, last_hdr, 5);
	memcpy(link + 5, block + 255, 45);
	link[5 + 45] = 0x00;
	g_assert_cmphex(xchg(c, link, 5 + 45 + 1, sig, &n), ==, 0x9000);
	g_assert_cmpint(mu_ec_verify(pub, NULL, block, 300, sig, n), ==, MU_OK);

	/* the same as one extended APDU, and 3000 bytes likewise */
	mu_apdu a = {.cla = 0, .ins = 0x2A, .p1 = 0x9E, .p2 = 0x9A, .data = block, .nc = 300,
	             .ne = 256};
	g_assert_cmphex(send_apdu(c, &a, true, sig, &n), ==, 0x9000);
	g_assert_cmpint(mu_ec_verify(pub, NULL, block, 300, sig, n), ==, MU_OK);
	a.nc = sizeof(block);
	g_assert_cmphex(send_apdu(c, &a, true, sig, &n), ==, 0x9000);
	g_assert_cmpint(mu_ec_verify(pub, NULL, block, sizeof(block), sig, n), ==, MU_OK);

	/* a link with another P1, P2 or class than the chain: 6883, chain gone */
	g_autoptr(GBytes) before = applet_image(c);
	memcpy(link, first_hdr, 5);
	memcpy(link + 5, block, 255);
	g_assert_cmphex(xchg(c, link, 5 + 255, NULL, NULL), ==, 0x9000);
	uint8_t other_p2[] = {0x00, 0x2A, 0x9E, 0x9B, 0x01, 0x00};
	g_assert_cmphex(xchg(c, other_p2, sizeof(other_p2), NULL, NULL), ==,
	                MU_SW_LAST_CHAIN_EXPECTED);
	uint8_t lone[] = {0x00, 0x2A, 0x9E, 0x9A, 0x01, 0x42};
	g_assert_cmphex(xchg(c, lone, sizeof(lone), sig, &n), ==, 0x9000);
	g_assert_cmpint(mu_ec_verify(pub, NULL, lone + 5, 1, sig, n), ==, MU_OK);
	g_assert_cmphex(xchg(c, link, 5 + 255, NULL, NULL), ==, 0x9000);
	uint8_t other_cla[] = {0x80, 0x2A, 0x9E, 0x9A, 0x01, 0x00};
	g_assert_cmphex(xchg(c, other_cla, sizeof(other_cla), NULL, NULL), ==, MU_SW_INS_UNSUPPORTED);
	/* a reset drops a chain: the last link alone is a command of its own */
	g_assert_cmphex(xchg(c, link, 5 + 255, NULL, NULL), ==, 0x9000);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	g_assert_cmphex(xchg(c, lone, sizeof(lone), sig, &n), ==, 0x9000);
	g_assert_cmpint(mu_ec_verify(pub, NULL, lone + 5, 1, sig, n), ==, MU_OK);

	/* 16384 bytes of chained data are accepted, one more is not */
	uint8_t *big = g_malloc0(16385 + 8);
	big[0] = MU_TAG_DESC;
	big[1] = 1;
	big[2] = 'x';
	big[3] = 0xC0;
	big[4] = 0x82;
	size_t filler = 16384 - 3 - 4;
	big[5] = (uint8_t)(filler >> 8);
	big[6] = (uint8_t)filler;
	applet_resp r;
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, big, 16384, &r);
	g_assert_cmphex(r.sw, ==, 0x9000);
	g_autoptr(GBytes) after_gen = applet_image(c);
	(void)cardsim_card_take_dirty(c);
	big[6] = (uint8_t)(filler + 1);
	applet_cmd(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, big, 16385, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_LENGTH);
	mu_apdu e = {.cla = 0x80, .ins = MU_INS_KEYPART_GEN, .data = big, .nc = 16385};
	g_assert_cmphex(send_apdu(c, &e, true, NULL, NULL), ==, MU_SW_WRONG_LENGTH);
	g_assert_false(cardsim_card_take_dirty(c));
	assert_image_unchanged(after_gen, c);
	(void)before;
	g_free(big);
	EVP_PKEY_free(pub);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_malformed(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	g_assert_cmphex(ops_keypart_gen(c, "part", &r), ==, 0x9000);
	g_autoptr(GBytes) before = applet_image(c);
	(void)cardsim_card_take_dirty(c);
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
		uint16_t sw;
	} bad[] = {
		{"empty", {0}, 0, MU_SW_WRONG_LENGTH},
		{"one byte", {0x80}, 1, MU_SW_WRONG_LENGTH},
		{"truncated header", {0x80, 0x20, 0x00}, 3, MU_SW_WRONG_LENGTH},
		{"Lc beyond the data", {0x80, 0x20, 0, 0, 0x09, 0x91, 0x01}, 7, MU_SW_WRONG_LENGTH},
		{"Lc short of the data", {0x80, 0x20, 0, 0, 0x01, 0x91, 0x01, 0x41, 0x00}, 9,
		 MU_SW_WRONG_LENGTH},
		{"extended Lc of 0", {0x80, 0x20, 0, 0, 0x00, 0x00, 0x00, 0x91}, 8, MU_SW_WRONG_LENGTH},
		{"extended, Le cut", {0x80, 0x20, 0, 0, 0x00, 0x00, 0x01, 0x91, 0x00}, 9,
		 MU_SW_WRONG_LENGTH},
		{"extended header only", {0x80, 0x20, 0, 0, 0x00, 0x00}, 6, MU_SW_WRONG_LENGTH},
		{"class 40", {0x40, 0x20, 0, 0}, 4, MU_SW_CLA_UNSUPPORTED},
		{"class 0C", {0x0C, 0x20, 0x00, 0x81}, 4, MU_SW_CLA_UNSUPPORTED},
		{"class FF", {0xFF, 0xCA, 0x01, 0x00, 0x00}, 5, MU_SW_CLA_UNSUPPORTED},
		{"unknown INS", {0x80, 0x7E, 0, 0}, 4, MU_SW_INS_UNSUPPORTED},
		{"ISO INS in the proprietary class", {0x80, 0xA4, 0x04, 0x00}, 4, MU_SW_INS_UNSUPPORTED},
		{"VERIFY with P2 00", {0x00, 0x20, 0x00, 0x00}, 4, MU_SW_WRONG_P1P2},
		{"TLV length past the end", {0x80, 0x20, 0, 0, 0x03, 0x91, 0x05, 0x41}, 8,
		 MU_SW_WRONG_DATA},
		{"TLV long form not minimal", {0x80, 0x20, 0, 0, 0x04, 0x91, 0x81, 0x01, 0x41}, 9,
		 MU_SW_WRONG_DATA},
		{"TLV twice", {0x80, 0x20, 0, 0, 0x06, 0x91, 0x01, 0x41, 0x91, 0x01, 0x42}, 11,
		 MU_SW_WRONG_DATA},
		{"GET DATA of another object", {0x00, 0xCA, 0x02, 0x00, 0x00}, 5, MU_SW_NOT_FOUND},
		{"GET DATA with data", {0x00, 0xCA, 0x01, 0x00, 0x01, 0x00}, 6, MU_SW_WRONG_LENGTH},
		{"KEYPART GENERATE with P1", {0x80, 0x20, 0x01, 0x00, 0x03, 0x91, 0x01, 0x41}, 8,
		 MU_SW_WRONG_P1P2},
		{"KEYPART LIST with data", {0x80, 0x22, 0x00, 0x00, 0x01, 0x00}, 6, MU_SW_WRONG_LENGTH},
		{"DELETE of slot 85", {0x80, 0x24, 0x55, 0x00}, 4, MU_SW_WRONG_P1P2},
		{"GET CERT 04", {0x80, 0x18, 0x04, 0x00, 0x00}, 5, MU_SW_WRONG_P1P2},
		{"GET CHALLENGE with data", {0x00, 0x84, 0x00, 0x00, 0x01, 0x00, 0x20}, 7,
		 MU_SW_WRONG_LENGTH},
		{"ZEROIZE with data", {0x80, 0x40, 0x00, 0x00, 0x01, 0x00}, 6, MU_SW_WRONG_LENGTH},
		{"PREPARE on EP11", {0x80, 0x12, 0x00, 0x00, 0x00}, 5, MU_SW_INCOMPATIBLE_FILE},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i].what);
		g_assert_cmphex(xchg(c, bad[i].b, bad[i].len, NULL, NULL), ==, bad[i].sw);
		g_assert_false(cardsim_card_take_dirty(c));
		assert_image_unchanged(before, c);
	}
	/* a chain broken midway by another command leaves nothing behind */
	uint8_t link1[] = {0x90, 0x20, 0, 0, 10, 0x91, 0x09, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
	uint8_t link2[] = {0x80, 0x22, 0, 0, 0x00};
	g_assert_cmphex(xchg(c, link1, sizeof(link1), NULL, NULL), ==, 0x9000);
	g_assert_cmphex(xchg(c, link2, sizeof(link2), NULL, NULL), ==, MU_SW_LAST_CHAIN_EXPECTED);
	/* the link that would have completed the chain is now a command alone */
	uint8_t last[] = {0x80, 0x20, 0, 0, 0x01, 'i'};
	g_assert_cmphex(xchg(c, last, sizeof(last), NULL, NULL), ==, MU_SW_WRONG_DATA);
	g_assert_false(cardsim_card_take_dirty(c));
	assert_image_unchanged(before, c);
	/* and the card still works */
	g_assert_cmphex(xchg(c, link2, sizeof(link2), NULL, NULL), ==, 0x9000);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet-transport/select-first", test_select_first);
	g_test_add_func("/applet-transport/long-responses", test_long_responses);
	g_test_add_func("/applet-transport/chaining-extended", test_chaining_and_extended);
	g_test_add_func("/applet-transport/malformed", test_malformed);
	return g_test_run();
}
