/* SPDX-License-Identifier: Apache-2.0 */
/* The applet's PINs through APDUs (docs/protocol.md §4, §7): VERIFY, CHANGE
 * REFERENCE DATA, the try counters, dual control on CA cards, and the
 * unblock protocol with GET CHALLENGE and RESET RETRY COUNTER. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "applet-test-ops.h"
#include "cardsim-image.h"
#include "mu-card-proto.h"
#include "mu-sw.h"

static void assert_image_unchanged(GBytes *before, const cardsim_card *c)
{
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

static uint16_t change_pin(cardsim_card *c, uint8_t ref, const char *old, const char *new_pin)
{
	applet_resp r;
	char d[13];
	g_snprintf(d, sizeof(d), "%s%s", old, new_pin);
	applet_cmd(c, 0, MU_INS_CHANGE_REF, 0, ref, d, strlen(d), &r);
	return r.sw;
}

static uint16_t pso(cardsim_card *c)
{
	applet_resp r;
	applet_cmd(c, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, "block", 5, &r);
	return r.sw;
}

static void test_verify_and_change(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	ops_genkey(c);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, 0x63C3);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_VERIFIED), ==, 0);
	g_assert_cmphex(pso(c), ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, 0x9000);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_VERIFIED), ==, 1);
	/* the PIN status survives SELECT, not a reset */
	applet_select(c);
	g_assert_cmphex(pso(c), ==, 0x9000);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(pso(c), ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_VERIFIED), ==, 0);

	/* CHANGE REFERENCE DATA: a wrong old PIN costs a try and changes nothing */
	g_assert_cmphex(change_pin(c, MU_PIN_REF_1, "000000", "654321"), ==, 0x63C2);
	g_assert_true(cardsim_card_take_dirty(c));
	g_assert_cmphex(ops_info_u8(c, MU_TAG_PIN1_TRIES), ==, 2);
	g_assert_cmphex(change_pin(c, MU_PIN_REF_1, "12345x", "654321"), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(change_pin(c, MU_PIN_REF_1, "123456", "65432"), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_PIN1_TRIES), ==, 2);
	g_assert_cmphex(change_pin(c, MU_PIN_REF_1, "123456", "654321"), ==, 0x9000);
	g_assert_true(cardsim_card_take_dirty(c));
	g_assert_cmphex(ops_info_u8(c, MU_TAG_PIN1_TRIES), ==, 3);
	g_assert_cmphex(pso(c), ==, 0x9000);
	cardsim_card_reset(c);
	applet_select(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x63C2);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "654321"), ==, 0x9000);
	/* a correct PIN restores the counter */
	g_assert_cmphex(ops_info_u8(c, MU_TAG_PIN1_TRIES), ==, 3);

	/* a query and a correct PIN at a full counter change nothing */
	g_autoptr(GBytes) now = applet_image(c);
	(void)cardsim_card_take_dirty(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, 0x9000);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "654321"), ==, 0x9000);
	g_assert_false(cardsim_card_take_dirty(c));
	assert_image_unchanged(now, c);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_wrong_card_or_reference(void)
{
	cardsim_card *blank = NULL;
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	applet_resp r;
	g_assert_cmpint(cardsim_card_new_blank("b", &blank), ==, 0);
	applet_select(blank);
	g_assert_cmphex(applet_verify(blank, MU_PIN_REF_1, "123456"), ==, MU_SW_INCOMPATIBLE_FILE);
	g_assert_cmphex(change_pin(blank, MU_PIN_REF_1, "123456", "123456"), ==,
	                MU_SW_INCOMPATIBLE_FILE);
	applet_cmd(blank, 0, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	applet_cmd(ca, 0, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);
	applet_cmd(ca, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, "\x93\x01\x00\x8C\x06" "123456", 11,
	           &r);
	g_assert_cmphex(r.sw, ==, MU_SW_INCOMPATIBLE_FILE);

	static const uint8_t p1[] = {0x00, 0x20, 0x01, 0x81, 0x06, '1', '2', '3', '4', '5', '6'};
	static const uint8_t ref83[] = {0x00, 0x20, 0x00, 0x83, 0x06, '1', '2', '3', '4', '5', '6'};
	g_autoptr(GBytes) before = applet_image(c);
	g_assert_cmphex(applet_raw(c, p1, sizeof(p1)), ==, MU_SW_WRONG_P1P2);
	g_assert_cmphex(applet_raw(c, ref83, sizeof(ref83)), ==, MU_SW_WRONG_P1P2);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_2, "123456"), ==, MU_SW_WRONG_P1P2);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "1234567"), ==, MU_SW_WRONG_DATA);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "abcdef"), ==, MU_SW_WRONG_DATA);
	assert_image_unchanged(before, c);
	cardsim_card_free(&blank);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_block_persists_in_file(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(ca);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, 0x63C2);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, 0x63C1);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "000000"), ==, MU_SW_PIN_BLOCKED);
	g_assert_true(cardsim_card_take_dirty(c));
	/* blocked also drops the verified state of the session */
	g_assert_cmphex(pso(c), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(change_pin(c, MU_PIN_REF_1, "123456", "111111"), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_STATE) & MU_STATE_BLOCKED, ==, MU_STATE_BLOCKED);

	g_autofree char *dir = g_dir_make_tmp("openmu-pin-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "c.card", NULL);
	g_assert_cmpint(cardsim_image_save(c, path), ==, 0);
	cardsim_card *back = NULL;
	g_assert_cmpint(cardsim_image_load(path, &back), ==, 0);
	applet_select(back);
	g_assert_cmphex(applet_verify(back, MU_PIN_REF_1, NULL), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(applet_verify(back, MU_PIN_REF_1, "123456"), ==, MU_SW_PIN_BLOCKED);
	cardsim_card_reset(back);
	applet_select(back);
	g_assert_cmphex(applet_verify(back, MU_PIN_REF_1, "123456"), ==, MU_SW_PIN_BLOCKED);

	/* a blocked card can always be wiped, without its PIN */
	applet_resp r;
	applet_ok(back, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(ops_info_u8(back, MU_TAG_CARD_TYPE), ==, MU_CARD_TYPE_BLANK);
	g_unlink(path);
	g_rmdir(dir);
	cardsim_card_free(&back);
	cardsim_card_free(&c);
	cardsim_card_free(&ca);
}

static void test_ca_pins(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card_reset(ca);
	applet_select(ca);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, NULL), ==, 0x63C5);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, NULL), ==, 0x63C5);
	/* a correct PIN restores its counter, the other keeps its own */
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "000000"), ==, 0x63C4);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "000000"), ==, 0x63C4);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, 0x9000);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_PIN1_TRIES), ==, 5);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_PIN2_TRIES), ==, 4);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_VERIFIED), ==, 1);
	g_assert_cmphex(change_pin(ca, MU_PIN_REF_2, "222222", "232323"), ==, 0x9000);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_VERIFIED), ==, 3);

	/* PIN 2 counts down to a block for good */
	cardsim_card_reset(ca);
	applet_select(ca);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, 0x9000);
	for (unsigned left = 4; left > 0; left--)
		g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "000000"), ==, 0x63C0 | left);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "000000"), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "232323"), ==, MU_SW_PIN_BLOCKED);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_STATE) & MU_STATE_BLOCKED, ==, MU_STATE_BLOCKED);
	uint8_t serial[8], point[133];
	cardsim_card *blank = ops_new_prepared(serial, point);
	ops_data d;
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&d.w, MU_TAG_PUBKEY, point, 133);
	applet_resp r;
	applet_cmd(ca, MU_CLA_PROP, MU_INS_CERTIFY_CARD, 0, 0, d.buf, ops_data_len(&d), &r);
	g_assert_cmphex(r.sw, ==, MU_SW_PIN_BLOCKED);
	/* zeroize needs no PIN once blocked */
	applet_ok(ca, MU_CLA_PROP, MU_INS_ZEROIZE, 0, 0, NULL, 0, &r);
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_CARD_TYPE), ==, MU_CARD_TYPE_BLANK);
	cardsim_card_free(&blank);
	cardsim_card_free(&ca);
}

/* Every CA operation needs both PINs: with one of them, 6982 and nothing
 * changes. */
static void test_ca_dual_control(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	uint8_t serial[8], point[133];
	cardsim_card *blank = ops_new_prepared(serial, point);
	ops_data certify, unblock, backup;
	ops_data_init(&certify);
	mu_tlv_put(&certify.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&certify.w, MU_TAG_PUBKEY, point, 133);
	ops_data_init(&unblock);
	mu_tlv_put(&unblock.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&unblock.w, MU_TAG_CHALLENGE, point + 1, 32);
	ops_data_init(&backup);
	mu_tlv_put(&backup.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&backup.w, MU_TAG_PUBKEY, point, 133);
	const struct {
		uint8_t ins;
		const ops_data *d;
	} ops[] = {
		{MU_INS_CERTIFY_CARD, &certify},
		{MU_INS_SIGN_UNBLOCK, &unblock},
		{MU_INS_CA_BACKUP_EXPORT, &backup},
		{MU_INS_ZEROIZE, NULL},
	};
	applet_resp r;
	for (int which = 1; which <= 3; which++) {
		cardsim_card_reset(ca);
		applet_select(ca);
		if (which & 1)
			g_assert_cmphex(applet_verify(ca, MU_PIN_REF_1, "111111"), ==, 0x9000);
		if (which & 2)
			g_assert_cmphex(applet_verify(ca, MU_PIN_REF_2, "222222"), ==, 0x9000);
		g_autoptr(GBytes) before = applet_image(ca);
		for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
			applet_cmd(ca, MU_CLA_PROP, ops[i].ins, 0, 0, ops[i].d ? ops[i].d->buf : NULL,
			           ops[i].d ? ops_data_len(ops[i].d) : 0, &r);
			g_assert_cmphex(r.sw, ==, which == 3 ? 0x9000 : MU_SW_NOT_VERIFIED);
			if (which != 3)
				assert_image_unchanged(before, ca);
		}
	}
	g_assert_cmphex(ops_info_u8(ca, MU_TAG_CARD_TYPE), ==, MU_CARD_TYPE_BLANK);
	cardsim_card_free(&blank);
	cardsim_card_free(&ca);
}

/* GET CHALLENGE, SIGN UNBLOCK on ca, RESET RETRY COUNTER on c. The serial
 * signed for may be overridden. */
static uint16_t unblock(cardsim_card *c, cardsim_card *ca, const uint8_t *for_serial,
                        const char *new_pin)
{
	applet_resp ch, sig, r;
	uint8_t serial[8];
	ops_data d;
	ops_serial(c, serial);
	applet_ok(c, 0, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, &ch);
	g_assert_cmpuint(ch.len, ==, MU_CHALLENGE_LEN);
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, for_serial ? for_serial : serial, 8);
	mu_tlv_put(&d.w, MU_TAG_CHALLENGE, ch.data, ch.len);
	applet_ok(ca, MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, 0, 0, d.buf, ops_data_len(&d), &sig);
	ops_data_init(&d);
	ops_data_raw(&d, sig.data, sig.len);
	mu_tlv_put_str(&d.w, MU_TAG_PIN, new_pin);
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, d.buf, ops_data_len(&d), &r);
	return r.sw;
}

static void block(cardsim_card *c)
{
	for (int i = 0; i < 3; i++)
		applet_verify(c, MU_PIN_REF_1, "999999");
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, NULL), ==, MU_SW_PIN_BLOCKED);
}

static void test_unblock(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *twin = applet_new_ca("ZONE-A"); /* same zone name, other key */
	cardsim_card *c = applet_new_ep11(ca);
	cardsim_card *other = applet_new_ep11(ca);
	uint8_t other_serial[8];
	ops_serial(other, other_serial);
	ops_genkey(c);
	block(c);
	g_autoptr(GBytes) before = applet_image(c);

	/* a CA of the same zone name but another key, or a signature for
	 * another card of the zone: 6982, nothing changes */
	g_assert_cmphex(unblock(c, twin, NULL, "654321"), ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, c);
	g_assert_cmphex(unblock(c, ca, other_serial, "654321"), ==, MU_SW_NOT_VERIFIED);
	assert_image_unchanged(before, c);

	/* no challenge, or one lost by a reset */
	applet_resp r, ch;
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, "\x93\x01\x00\x8C\x06" "123456", 11, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_CONDITIONS);
	applet_ok(c, 0, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, &ch);
	cardsim_card_reset(c);
	applet_select(c);
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, "\x93\x01\x00\x8C\x06" "123456", 11, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_CONDITIONS);
	/* a new PIN that is not 6 digits, or a wrong reference */
	g_assert_cmphex(unblock(c, ca, NULL, "12345"), ==, MU_SW_WRONG_DATA);
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_2, "\x93\x01\x00\x8C\x06" "123456", 11, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	assert_image_unchanged(before, c);

	/* the own zone CA unblocks: 3 tries, new PIN, not yet verified */
	g_assert_cmphex(unblock(c, ca, NULL, "654321"), ==, 0x9000);
	g_assert_true(cardsim_card_take_dirty(c));
	g_assert_cmphex(ops_info_u8(c, MU_TAG_PIN1_TRIES), ==, 3);
	g_assert_cmphex(ops_info_u8(c, MU_TAG_STATE) & MU_STATE_BLOCKED, ==, 0);
	g_assert_cmphex(pso(c), ==, MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x63C2);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "654321"), ==, 0x9000);
	g_assert_cmphex(pso(c), ==, 0x9000);
	/* the challenge was used up by the success */
	applet_cmd(c, 0, MU_INS_RESET_RETRY, 0, MU_PIN_REF_1, "\x93\x01\x00\x8C\x06" "123456", 11, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_CONDITIONS);
	/* the unblock survives an image round trip */
	g_autoptr(GBytes) img = applet_image(c);
	cardsim_card *back = NULL;
	g_assert_cmpint(cardsim_card_load(g_bytes_get_data(img, NULL), g_bytes_get_size(img), &back),
	                ==, 0);
	applet_select(back);
	g_assert_cmphex(applet_verify(back, MU_PIN_REF_1, "654321"), ==, 0x9000);
	cardsim_card_free(&back);
	cardsim_card_free(&other);
	cardsim_card_free(&c);
	cardsim_card_free(&twin);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet-pin/verify-and-change", test_verify_and_change);
	g_test_add_func("/applet-pin/wrong-card-or-reference", test_wrong_card_or_reference);
	g_test_add_func("/applet-pin/block-persists-in-file", test_block_persists_in_file);
	g_test_add_func("/applet-pin/ca-pins", test_ca_pins);
	g_test_add_func("/applet-pin/ca-dual-control", test_ca_dual_control);
	g_test_add_func("/applet-pin/unblock", test_unblock);
	return g_test_run();
}
