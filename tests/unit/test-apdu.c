/* SPDX-License-Identifier: Apache-2.0 */
/* Command/response APDU parsing and building, chaining, status words. */
#include <glib.h>
#include <string.h>

#include "mu-apdu.h"
#include "mu-status.h"
#include "mu-sw.h"

static void roundtrip(const mu_apdu *a, bool ext, size_t want_len)
{
	uint8_t buf[70000];
	size_t n;
	mu_apdu b;
	g_assert_cmpint(mu_apdu_build(a, ext, buf, sizeof(buf), &n), ==, MU_OK);
	g_assert_cmpuint(n, ==, want_len);
	g_assert_cmpint(mu_apdu_parse(buf, n, &b), ==, MU_OK);
	g_assert_cmphex(b.cla, ==, a->cla);
	g_assert_cmphex(b.ins, ==, a->ins);
	g_assert_cmpuint(b.nc, ==, a->nc);
	g_assert_cmpuint(b.ne, ==, a->ne);
	g_assert_true(a->nc == 0 || memcmp(a->data, b.data, a->nc) == 0);
}

static void test_cases(void)
{
	static uint8_t data[70000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	mu_apdu a = {.cla = 0x00, .ins = 0xCA, .p1 = 1, .p2 = 0};
	roundtrip(&a, false, 4);          /* case 1 */
	a.ne = 256;
	roundtrip(&a, false, 5);          /* case 2S */
	a.ne = 0;
	a.data = data;
	a.nc = 255;
	roundtrip(&a, false, 260);        /* case 3S */
	a.ne = 17;
	roundtrip(&a, false, 261);        /* case 4S */
	a.nc = 0;
	a.data = NULL;
	a.ne = 65536;
	roundtrip(&a, false, 7);          /* case 2E */
	a.ne = 0;
	a.data = data;
	a.nc = 300;
	roundtrip(&a, false, 307);        /* case 3E */
	a.nc = 65535;
	a.ne = 300;
	roundtrip(&a, false, 65535 + 9);  /* case 4E */
	a.nc = 3;
	a.ne = 0;
	roundtrip(&a, true, 10);          /* forced extended */
}

static void test_malformed(void)
{
	static const struct {
		const char *what;
		uint8_t b[12];
		size_t len;
	} bad[] = {
		{"short header", {0x00, 0xA4, 0x04}, 3},
		{"Lc larger than data", {0x00, 0xA4, 0x04, 0x00, 0x05, 1, 2}, 7},
		{"two extra bytes after data", {0x00, 0xA4, 0x04, 0x00, 0x01, 1, 2, 3}, 8},
		{"extended marker alone", {0x00, 0xA4, 0x04, 0x00, 0x00, 0x01}, 6},
		{"extended Lc 0", {0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01}, 8},
		{"extended Lc past end", {0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x05, 1}, 8},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mu_apdu a;
		g_test_message("%s", bad[i].what);
		g_assert_cmpint(mu_apdu_parse(bad[i].b, bad[i].len, &a), ==, MU_ERR_MALFORMED);
	}
	const uint8_t *d;
	size_t dl;
	uint16_t sw;
	g_assert_cmpint(mu_apdu_parse_response((const uint8_t *)"\x90", 1, &d, &dl, &sw), ==,
	                MU_ERR_MALFORMED);
	g_assert_cmpint(mu_apdu_parse_response((const uint8_t *)"\x01\x63\xC2", 3, &d, &dl, &sw),
	                ==, MU_OK);
	g_assert_cmphex(sw, ==, 0x63C2);
	g_assert_cmpuint(dl, ==, 1);
}

static void test_build_limits(void)
{
	uint8_t small[8];
	size_t n;
	uint8_t data[10] = {0};
	mu_apdu a = {.cla = 0, .ins = 0x2A, .data = data, .nc = 10};
	g_assert_cmpint(mu_apdu_build(&a, false, small, sizeof(small), &n), ==, MU_ERR_TOO_LONG);
	a.ne = 65537;
	g_assert_cmpint(mu_apdu_build(&a, false, small, sizeof(small), &n), ==, MU_ERR_ARG);
	a.ne = 0;
	a.data = NULL;
	g_assert_cmpint(mu_apdu_build(&a, false, small, sizeof(small), &n), ==, MU_ERR_ARG);
}

static void test_chain(void)
{
	uint8_t data[600];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	mu_apdu a = {.cla = 0x80, .ins = 0x32, .data = data, .nc = sizeof(data), .ne = 256};
	mu_apdu_chain c;
	mu_apdu piece;
	size_t total = 0, links = 0;
	mu_apdu_chain_init(&c, &a);
	while (mu_apdu_chain_next(&c, &piece) == 1) {
		links++;
		bool last = total + piece.nc == sizeof(data);
		g_assert_cmphex(piece.cla, ==, last ? 0x80 : 0x90);
		g_assert_cmpuint(piece.ne, ==, last ? 256 : 0);
		g_assert_cmpmem(piece.data, piece.nc, data + total, piece.nc);
		total += piece.nc;
	}
	g_assert_cmpuint(links, ==, 3);
	g_assert_cmpuint(total, ==, sizeof(data));

	/* no data: one plain link */
	mu_apdu e = {.cla = 0x00, .ins = 0xCA, .p1 = 1, .ne = 256};
	mu_apdu_chain_init(&c, &e);
	g_assert_cmpint(mu_apdu_chain_next(&c, &piece), ==, 1);
	g_assert_cmphex(piece.cla, ==, 0x00);
	g_assert_cmpint(mu_apdu_chain_next(&c, &piece), ==, 0);
}

static void test_sw_table(void)
{
	g_assert_cmpstr(mu_sw_message(0x9000), ==, "success");
	g_assert_cmpstr(mu_sw_message(0x63C2), ==, "wrong PIN");
	g_assert_cmpint(mu_sw_tries_left(0x63C2), ==, 2);
	g_assert_cmpint(mu_sw_tries_left(0x6983), ==, -1);
	g_assert_cmpstr(mu_sw_message(0x6983), ==, "PIN blocked");
	g_assert_cmpstr(mu_sw_message(0x6110), ==, "more response data is waiting");
	g_assert_cmpstr(mu_sw_message(0x1234), ==, "unknown status word");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/apdu/cases", test_cases);
	g_test_add_func("/apdu/malformed", test_malformed);
	g_test_add_func("/apdu/build-limits", test_build_limits);
	g_test_add_func("/apdu/chain", test_chain);
	g_test_add_func("/apdu/sw-table", test_sw_table);
	return g_test_run();
}
