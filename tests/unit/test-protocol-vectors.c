/* SPDX-License-Identifier: Apache-2.0 */
/* Checks the test vectors of docs/protocol.md against the encoders: every
 * ```vector NAME block of the document must equal what the code produces,
 * and every vector this test knows must be in the document. */
#include <glib.h>
#include <string.h>

#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-status.h"
#include "mu-tlv.h"
#include "mu-vp.h"

static const char *doc_path;

static GBytes *apdu(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const void *data,
                    size_t nc, size_t ne, bool ext)
{
	mu_apdu a = {.cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = data, .nc = nc, .ne = ne};
	uint8_t buf[512];
	size_t n;
	g_assert_cmpint(mu_apdu_build(&a, ext, buf, sizeof(buf), &n), ==, MU_OK);
	return g_bytes_new(buf, n);
}

static GBytes *v_atr(void)
{
	uint8_t atr[MU_CARD_ATR_MAX];
	size_t n = mu_card_atr(atr);
	return g_bytes_new(atr, n);
}

static GBytes *v_select(void)
{
	return apdu(MU_CLA_ISO, MU_INS_SELECT, 0x04, 0x00, mu_card_aid, MU_CARD_AID_LEN, 256,
	            false);
}

static GBytes *v_get_data(void)
{
	return apdu(MU_CLA_ISO, MU_INS_GET_DATA, MU_P1P2_GET_DATA_INFO >> 8,
	            MU_P1P2_GET_DATA_INFO & 0xFF, NULL, 0, 256, false);
}

static GBytes *v_verify(void)
{
	return apdu(MU_CLA_ISO, MU_INS_VERIFY, 0x00, MU_PIN_REF_1, "123456", 6, 0, false);
}

static GBytes *v_verify_query(void)
{
	return apdu(MU_CLA_ISO, MU_INS_VERIFY, 0x00, MU_PIN_REF_2, NULL, 0, 0, false);
}

static GBytes *v_change(void)
{
	return apdu(MU_CLA_ISO, MU_INS_CHANGE_REF, 0x00, MU_PIN_REF_1, "123456654321", 12, 0,
	            false);
}

static GBytes *v_challenge(void)
{
	return apdu(MU_CLA_ISO, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, MU_CHALLENGE_LEN, false);
}

static GBytes *v_keypart_gen(void)
{
	uint8_t d[32];
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_DESC, "part A");
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return apdu(MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d, n, 256, false);
}

static GBytes *v_keypart_delete(void)
{
	return apdu(MU_CLA_PROP, MU_INS_KEYPART_DELETE, 3, 0, NULL, 0, 0, false);
}

static GBytes *v_get_response(void)
{
	return apdu(MU_CLA_ISO, MU_INS_GET_RESPONSE, 0, 0, NULL, 0, 256, false);
}

/* The 300-byte PSO input of the document, as chain links or extended. */
static GBytes *pso_header(int which)
{
	uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	mu_apdu a = {.cla = MU_CLA_ISO, .ins = MU_INS_PSO, .p1 = MU_PSO_SIGN_P1,
	             .p2 = MU_PSO_SIGN_P2, .data = data, .nc = sizeof(data)};
	uint8_t buf[400];
	size_t n;
	if (which == 2) {
		g_assert_cmpint(mu_apdu_build(&a, true, buf, sizeof(buf), &n), ==, MU_OK);
		return g_bytes_new(buf, 7);
	}
	mu_apdu_chain c;
	mu_apdu piece;
	mu_apdu_chain_init(&c, &a);
	for (int i = 0; i <= which; i++)
		g_assert_cmpint(mu_apdu_chain_next(&c, &piece), ==, 1);
	g_assert_cmpint(mu_apdu_build(&piece, false, buf, sizeof(buf), &n), ==, MU_OK);
	return g_bytes_new(buf, 5);
}

static GBytes *v_pso_first(void)
{
	return pso_header(0);
}

static GBytes *v_pso_last(void)
{
	return pso_header(1);
}

static GBytes *v_pso_ext(void)
{
	return pso_header(2);
}

static GBytes *v_info_blank(void)
{
	static const uint8_t serial[MU_SERIAL_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t d[64];
	mu_tlv_writer w;
	size_t n;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_u8(&w, MU_TAG_CARD_TYPE, MU_CARD_TYPE_BLANK);
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, sizeof(serial));
	mu_tlv_put_str(&w, MU_TAG_LABEL, "deck1");
	mu_tlv_put_u8(&w, MU_TAG_STATE, 0);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return g_bytes_new(d, n);
}

static GBytes *v_vp(void)
{
	uint8_t key[32], vp[MU_VP_LEN];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	g_assert_cmpint(mu_vp_compute(key, sizeof(key), vp), ==, MU_OK);
	return g_bytes_new(vp, sizeof(vp));
}

static const struct {
	const char *name;
	GBytes *(*make)(void);
} vectors[] = {
	{"atr", v_atr},
	{"select", v_select},
	{"get-data-info", v_get_data},
	{"verify-123456", v_verify},
	{"verify-query-pin2", v_verify_query},
	{"change-pin", v_change},
	{"get-challenge", v_challenge},
	{"keypart-gen", v_keypart_gen},
	{"keypart-delete-3", v_keypart_delete},
	{"get-response", v_get_response},
	{"pso-chain-first-header", v_pso_first},
	{"pso-chain-last-header", v_pso_last},
	{"pso-extended-header", v_pso_ext},
	{"info-blank", v_info_blank},
	{"vp-00-1f", v_vp},
};

static GBytes *parse_hex_block(const char *text)
{
	GByteArray *out = g_byte_array_new();
	const char *p = text;
	while (*p != '\0') {
		if (g_ascii_isspace(*p)) {
			p++;
			continue;
		}
		int hi = g_ascii_xdigit_value(p[0]);
		int lo = p[1] != '\0' ? g_ascii_xdigit_value(p[1]) : -1;
		g_assert_true(hi >= 0 && lo >= 0);
		uint8_t b = (uint8_t)(hi << 4 | lo);
		g_byte_array_append(out, &b, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes(out);
}

static void test_vectors(void)
{
	g_autofree char *doc = NULL;
	g_autoptr(GError) err = NULL;
	g_assert_true(g_file_get_contents(doc_path, &doc, NULL, &err));
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	const char *p = doc;
	const char *marker = "```vector ";
	while ((p = strstr(p, marker)) != NULL) {
		p += strlen(marker);
		const char *eol = strchr(p, '\n');
		g_assert_nonnull(eol);
		g_autofree char *name = g_strndup(p, (gsize)(eol - p));
		const char *end = strstr(eol, "```");
		g_assert_nonnull(end);
		g_autofree char *body = g_strndup(eol + 1, (gsize)(end - eol - 1));
		g_autoptr(GBytes) want = parse_hex_block(body);
		gboolean known = FALSE;
		for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
			if (strcmp(vectors[i].name, name) != 0)
				continue;
			g_autoptr(GBytes) got = vectors[i].make();
			g_test_message("vector %s", name);
			g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
			                g_bytes_get_data(want, NULL), g_bytes_get_size(want));
			known = TRUE;
		}
		if (!known)
			g_error("docs/protocol.md has a vector '%s' no test checks", name);
		g_hash_table_add(seen, g_steal_pointer(&name));
		p = end + 3;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++)
		if (!g_hash_table_contains(seen, vectors[i].name))
			g_error("vector '%s' is missing from docs/protocol.md", vectors[i].name);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (argc < 2) {
		g_printerr("usage: %s docs/protocol.md\n", argv[0]);
		return 2;
	}
	doc_path = argv[1];
	g_test_add_func("/protocol/doc-vectors", test_vectors);
	return g_test_run();
}
