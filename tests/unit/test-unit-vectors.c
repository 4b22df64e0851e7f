/* SPDX-License-Identifier: Apache-2.0 */
/* Checks the ```unit-vector blocks of docs/protocol.md (Part II, crypto
 * units) against the encoders: every block must equal what the code
 * produces, every block must be known here, and every vector known here must
 * be in the document. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>

#include "doc-vectors.h"
#include "mu-admin-block.h"
#include "mu-keypart-envelope.h"
#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "mu-unit-msg.h"

static const char *doc_path;

static const uint8_t module_1_8[MU_UNIT_MODULE_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};

static GBytes *v_frame(void)
{
	uint8_t h[MU_UNIT_FRAME_HEADER_LEN];
	size_t n = 0;
	mu_unit_frame_header(300, h);
	g_assert_cmpint(mu_unit_frame_parse(h, &n), ==, MU_OK);
	g_assert_cmpuint(n, ==, 300);
	return g_bytes_new(h, sizeof(h));
}

static GBytes *encode_request(const mu_unit_request *req)
{
	uint8_t buf[1024];
	size_t n;
	mu_unit_request back;
	g_assert_cmpint(mu_unit_request_encode(req, buf, sizeof(buf), &n), ==, MU_OK);
	/* and it parses back to the same fields */
	g_assert_cmpint(mu_unit_request_parse(buf, n, &back), ==, MU_OK);
	g_assert_cmpint(back.op, ==, req->op);
	g_assert_cmpmem(back.nonce, sizeof(back.nonce), req->nonce, sizeof(req->nonce));
	return g_bytes_new(buf, n);
}

static GBytes *v_request_status(void)
{
	mu_unit_request req = {.op = MU_UNIT_OP_STATUS};
	for (size_t i = 0; i < MU_UNIT_NONCE_LEN; i++)
		req.nonce[i] = (uint8_t)i;
	return encode_request(&req);
}

static GBytes *v_request_key_wrap(void)
{
	uint8_t token[MU_UNIT_TOKEN_LEN];
	memset(token, 0xAA, sizeof(token));
	mu_unit_request req = {.op = MU_UNIT_OP_KEY_WRAP, .handle = 7};
	for (size_t i = 0; i < MU_UNIT_NONCE_LEN; i++)
		req.nonce[i] = (uint8_t)i;
	req.token.p = token;
	req.token.len = sizeof(token);
	req.data.p = (const uint8_t *)"hello";
	req.data.len = 5;
	return encode_request(&req);
}

static GBytes *v_status_imprint(void)
{
	mu_unit_status st, back;
	uint8_t buf[512];
	size_t n;
	mu_tlv_writer w;
	memset(&st, 0, sizeof(st));
	memcpy(st.module_id, module_1_8, sizeof(module_1_8));
	st.domain = 1;
	st.imprint = true;
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_unit_status_encode(&st, &w);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	g_assert_cmpint(mu_unit_status_parse(buf, n, &back), ==, MU_OK);
	g_assert_true(back.imprint);
	g_assert_cmpuint(back.domain, ==, 1);
	return g_bytes_new(buf, n);
}

static size_t thresholds_block(uint8_t *buf, size_t cap)
{
	uint8_t input[2];
	size_t n;
	mu_admin_input_thresholds(2, 1, input);
	mu_admin_block b = {.cmd = MU_UNIT_CMD_SET_THRESHOLDS,
	                    .domain = 1,
	                    .counter = 5,
	                    .input = input,
	                    .input_len = sizeof(input)};
	memcpy(b.module_id, module_1_8, sizeof(module_1_8));
	g_assert_cmpint(mu_admin_block_encode(&b, buf, cap, &n), ==, MU_OK);
	return n;
}

static GBytes *v_admin_block(void)
{
	uint8_t buf[128];
	mu_admin_block back;
	size_t n = thresholds_block(buf, sizeof(buf));
	g_assert_cmpint(mu_admin_block_parse(buf, n, &back), ==, MU_OK);
	g_assert_cmpuint(back.cmd, ==, MU_UNIT_CMD_SET_THRESHOLDS);
	g_assert_cmpuint(back.counter, ==, 5);
	return g_bytes_new(buf, n);
}

static GBytes *v_admin_cmd(void)
{
	static const uint8_t sig[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
	uint8_t block[128], kid[MU_UNIT_KEY_ID_LEN], buf[256];
	size_t n;
	mu_tlv_writer w;
	memset(kid, 0x11, sizeof(kid));
	mu_admin_cmd c = {
	    .block = block, .block_len = thresholds_block(block, sizeof(block)), .nsigs = 1};
	c.sigs[0].key_id = kid;
	c.sigs[0].sig = sig;
	c.sigs[0].sig_len = sizeof(sig);
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	g_assert_cmpint(mu_admin_cmd_encode(&c, &w), ==, MU_OK);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return g_bytes_new(buf, n);
}

static EVP_PKEY *small_key(uint8_t d)
{
	uint8_t s[MU_UNIT_SCALAR_LEN] = {0};
	s[MU_UNIT_SCALAR_LEN - 1] = d;
	EVP_PKEY *k = mu_unit_p521_from_scalar(s);
	g_assert_nonnull(k);
	return k;
}

static GBytes *v_envelope(void)
{
	mu_unit_importer imp;
	mu_keypart_envelope env, back;
	uint8_t part[MU_UNIT_KEYPART_LEN], nonce[MU_UNIT_GCM_NONCE_LEN], out[MU_UNIT_KEYPART_LEN];
	uint8_t buf[512];
	size_t n;
	mu_tlv_writer w;
	EVP_PKEY *importer = small_key(7), *eph = small_key(11);
	memcpy(imp.module_id, module_1_8, sizeof(module_1_8));
	imp.domain = 1;
	g_assert_cmpint(mu_unit_p521_point(importer, imp.point), ==, MU_OK);
	g_assert_cmpint(mu_unit_key_id(imp.point, imp.key_id), ==, MU_OK);
	for (size_t i = 0; i < sizeof(part); i++)
		part[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)i;
	g_assert_cmpint(mu_keypart_seal_with(&imp, part, eph, nonce, &env), ==, MU_OK);
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_keypart_envelope_encode(&env, &w);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	/* the importer opens it again */
	g_assert_cmpint(mu_keypart_envelope_parse(buf, n, &back), ==, MU_OK);
	g_assert_cmpint(mu_keypart_open(importer, &back, out), ==, MU_OK);
	g_assert_cmpmem(out, sizeof(out), part, sizeof(part));
	EVP_PKEY_free(importer);
	EVP_PKEY_free(eph);
	return g_bytes_new(buf, n);
}

static const doc_vector vectors[] = {
    {"unit-frame-300", v_frame},
    {"unit-request-status", v_request_status},
    {"unit-request-key-wrap", v_request_key_wrap},
    {"unit-status-imprint", v_status_imprint},
    {"unit-admin-block-thresholds", v_admin_block},
    {"unit-admin-cmd", v_admin_cmd},
    {"unit-keypart-envelope", v_envelope},
};

static void test_vectors(void)
{
	doc_vectors_check(doc_path, "unit-vector", vectors, G_N_ELEMENTS(vectors));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (argc < 2) {
		g_printerr("usage: %s docs/protocol.md\n", argv[0]);
		return 2;
	}
	doc_path = argv[1];
	g_test_add_func("/unit-protocol/doc-vectors", test_vectors);
	return g_test_run();
}
