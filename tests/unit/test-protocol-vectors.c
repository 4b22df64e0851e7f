/* SPDX-License-Identifier: Apache-2.0 */
/* Checks the test vectors of docs/protocol.md against the encoders: every
 * ```vector NAME block of the document must equal what the code produces,
 * and every vector this test knows must be in the document. */
#include <glib.h>
#include <string.h>

#include "doc-vectors.h"
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

static const doc_vector vectors[] = {
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

static void test_vectors(void)
{
	doc_vectors_check(doc_path, "vector", vectors, G_N_ELEMENTS(vectors));
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
