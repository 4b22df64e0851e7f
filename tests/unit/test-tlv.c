/* SPDX-License-Identifier: Apache-2.0 */
/* BER-TLV encoder and decoder. */
#include <glib.h>
#include <string.h>

#include "mu-status.h"
#include "mu-tlv.h"

static void test_roundtrip_lengths(void)
{
	static uint8_t value[300];
	static const size_t lens[] = {0, 1, 127, 128, 255, 256, 300};
	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		uint8_t buf[400];
		mu_tlv_writer w;
		size_t n;
		mu_tlv_writer_init(&w, buf, sizeof(buf));
		memset(value, (int)i, sizeof(value));
		mu_tlv_put(&w, 0x93, value, lens[i]);
		g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
		size_t hdr = lens[i] < 128 ? 2 : lens[i] < 256 ? 3 : 4;
		g_assert_cmpuint(n, ==, hdr + lens[i]);

		mu_tlv_reader r;
		mu_tlv t;
		mu_tlv_reader_init(&r, buf, n);
		g_assert_cmpint(mu_tlv_next(&r, &t), ==, 1);
		g_assert_cmphex(t.tag, ==, 0x93);
		g_assert_cmpuint(t.len, ==, lens[i]);
		g_assert_true(lens[i] == 0 || memcmp(t.value, value, lens[i]) == 0);
		g_assert_cmpint(mu_tlv_next(&r, &t), ==, 0);
	}
}

static void test_multibyte_tag(void)
{
	static const uint8_t in[] = {0x9F, 0x38, 0x02, 0xAA, 0xBB, 0x5F, 0x81, 0x01, 0x00};
	mu_tlv_reader r;
	mu_tlv t;
	mu_tlv_reader_init(&r, in, sizeof(in));
	g_assert_cmpint(mu_tlv_next(&r, &t), ==, 1);
	g_assert_cmphex(t.tag, ==, 0x9F38);
	g_assert_cmpuint(t.len, ==, 2);
	g_assert_cmpint(mu_tlv_next(&r, &t), ==, 1);
	g_assert_cmphex(t.tag, ==, 0x5F8101);
	g_assert_cmpuint(t.len, ==, 0);

	uint8_t out[16];
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, out, sizeof(out));
	mu_tlv_put(&w, 0x9F38, "\xAA\xBB", 2);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	g_assert_cmpmem(out, n, in, 5);
}

static void test_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t bytes[8];
		size_t len;
	} bad[] = {
		{"value past the end", {0x80, 0x05, 0x01}, 3},
		{"length byte missing", {0x80}, 1},
		{"indefinite length", {0xA0, 0x80, 0x00, 0x00}, 4},
		{"long form 83", {0x80, 0x83, 0x00, 0x00, 0x01, 0x00}, 6},
		{"81 with a short value", {0x80, 0x81, 0x05, 1, 2, 3, 4, 5}, 8},
		{"tag continues past 3 bytes", {0x9F, 0x81, 0x81, 0x01, 0x00}, 5},
		{"tag cut off", {0x9F, 0x81}, 2},
		{"zero tag", {0x00, 0x00}, 2},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mu_tlv_reader r;
		mu_tlv t = {0};
		mu_tlv_reader_init(&r, bad[i].bytes, bad[i].len);
		g_test_message("%s", bad[i].what);
		g_assert_cmpint(mu_tlv_next(&r, &t), ==, MU_ERR_MALFORMED);
		/* the cursor did not move */
		g_assert_true(r.p == bad[i].bytes);
		g_assert_cmpuint(r.left, ==, bad[i].len);
	}
}

static void test_constructed_and_validate(void)
{
	uint8_t buf[64];
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	size_t m = mu_tlv_begin(&w, 0xA0);
	mu_tlv_put_u8(&w, 0x90, 7);
	mu_tlv_put_str(&w, 0x91, "abc");
	mu_tlv_end(&w, m);
	mu_tlv_put_u8(&w, 0x89, 1);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	static const uint8_t want[] = {0xA0, 0x08, 0x90, 0x01, 0x07, 0x91, 0x03,
	                               'a',  'b',  'c',  0x89, 0x01, 0x01};
	g_assert_cmpmem(buf, n, want, sizeof(want));
	g_assert_cmpint(mu_tlv_validate(buf, n, 2), ==, MU_OK);
	g_assert_cmpint(mu_tlv_validate(buf, n, 0), ==, MU_ERR_MALFORMED);

	mu_tlv t;
	g_assert_cmpint(mu_tlv_find(buf, n, 0x89, &t), ==, 1);
	g_assert_cmpuint(t.value[0], ==, 1);
	g_assert_cmpint(mu_tlv_find(buf, n, 0x91, &t), ==, 0); /* not at top level */

	/* a constructed TLV whose content is malformed */
	buf[2] = 0x90;
	buf[3] = 0x7F;
	g_assert_cmpint(mu_tlv_validate(buf, n, 2), ==, MU_ERR_MALFORMED);
}

static void test_writer_overflow(void)
{
	uint8_t buf[4];
	mu_tlv_writer w;
	size_t n = 99;
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put(&w, 0x80, "12345", 5);
	mu_tlv_put_u8(&w, 0x81, 1);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_ERR_TOO_LONG);
	g_assert_cmpuint(n, ==, 99);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tlv/roundtrip-lengths", test_roundtrip_lengths);
	g_test_add_func("/tlv/multibyte-tag", test_multibyte_tag);
	g_test_add_func("/tlv/malformed", test_malformed);
	g_test_add_func("/tlv/constructed-validate", test_constructed_and_validate);
	g_test_add_func("/tlv/writer-overflow", test_writer_overflow);
	return g_test_run();
}
