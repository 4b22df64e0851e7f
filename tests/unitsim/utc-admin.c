/* SPDX-License-Identifier: Apache-2.0 */
#include "utc-admin.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mu-admin-block.h"
#include "mu-keypart-envelope.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-vp.h"

int utc_signers_load(utc_signers *s, char **paths)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; paths != NULL && paths[i] != NULL; i++) {
		if (s->n == MU_UNIT_ADMINS_MAX)
			return UTC_USAGE;
		FILE *f = fopen(paths[i], "r");
		EVP_PKEY *k = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
		if (f != NULL)
			fclose(f);
		if (k == NULL) {
			fprintf(stderr, "unit-test-client: cannot read key %s\n", paths[i]);
			return UTC_FAIL;
		}
		s->keys[s->n++] = k;
	}
	return UTC_OK;
}

void utc_signers_clear(utc_signers *s)
{
	for (size_t i = 0; i < s->n; i++)
		EVP_PKEY_free(s->keys[i]);
	memset(s, 0, sizeof(*s));
}

int utc_admin(utc_conn *c, uint16_t cmd, const uint8_t *input, size_t len, const utc_signers *s,
              size_t nsign, int64_t counter, int *status, mu_unit_admin_result *res)
{
	mu_unit_status st;
	uint8_t block[MU_UNIT_BLOCK_MAX], sigs[MU_UNIT_ADMINS_MAX][MU_UNIT_SIG_MAX];
	uint8_t ids[MU_UNIT_ADMINS_MAX][MU_UNIT_KEY_ID_LEN];
	size_t bn;
	int rc = UTC_OK;
	if (counter < 0) {
		rc = utc_status(c, &st);
		if (rc != UTC_OK)
			return rc;
		counter = (int64_t)st.counter;
	}
	mu_admin_block b = {.cmd = cmd,
	                    .domain = c->id.domain,
	                    .counter = (uint64_t)counter,
	                    .input = input,
	                    .input_len = len};
	memcpy(b.module_id, c->id.module_id, MU_UNIT_MODULE_ID_LEN);
	if (mu_admin_block_encode(&b, block, sizeof(block), &bn) != MU_OK)
		return UTC_USAGE;
	mu_unit_request req = {.op = MU_UNIT_OP_ADMIN};
	req.cmd.block = block;
	req.cmd.block_len = bn;
	for (size_t i = 0; i < nsign && i < s->n; i++) {
		uint8_t point[MU_UNIT_POINT_LEN];
		size_t sl;
		if (mu_unit_p521_point(s->keys[i], point) != MU_OK ||
		    mu_unit_key_id(point, ids[i]) != MU_OK ||
		    mu_admin_sign(s->keys[i], block, bn, sigs[i], sizeof(sigs[i]), &sl) != MU_OK)
			return UTC_FAIL;
		req.cmd.sigs[i].key_id = ids[i];
		req.cmd.sigs[i].sig = sigs[i];
		req.cmd.sigs[i].sig_len = sl;
		req.cmd.nsigs++;
	}
	rc = utc_request(c, &req);
	if (rc != UTC_OK)
		return rc;
	*status = c->resp.status;
	if (*status == MU_OK && res != NULL &&
	    mu_unit_admin_result_parse(c->resp.body.p, c->resp.body.len, res) != MU_OK)
		return UTC_FAIL;
	return UTC_OK;
}

/* What a card does before a part leaves it: importer <- OA <- root. */
static int check_importer(utc_conn *c, GBytes *root, const mu_unit_admin_result *r,
                          mu_unit_importer *imp)
{
	mu_unit_identity id;
	EVP_PKEY *oa = NULL;
	if (mu_unit_oa_cert_verify(g_bytes_get_data(root, NULL), g_bytes_get_size(root),
	                           g_bytes_get_data(c->oa_cert, NULL), g_bytes_get_size(c->oa_cert),
	                           &id, &oa) != MU_OK)
		return UTC_TRUST;
	int rc = mu_importer_stmt_verify(oa, r->importer_stmt.p, r->importer_stmt.len,
	                                 r->importer_sig.p, r->importer_sig.len);
	EVP_PKEY_free(oa);
	if (rc != MU_OK ||
	    mu_importer_stmt_parse(r->importer_stmt.p, r->importer_stmt.len, imp) != MU_OK ||
	    memcmp(imp->module_id, id.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    imp->domain != id.domain)
		return UTC_TRUST;
	return UTC_OK;
}

static int gen_importer(utc_conn *c, const utc_signers *s, mu_unit_admin_result *res, GBytes **stmt,
                        GBytes **sig)
{
	int status;
	int rc = utc_admin(c, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, s, 1, -1, &status, res);
	if (rc != UTC_OK)
		return rc;
	if (status != MU_OK) {
		fprintf(stderr, "unit-test-client: generate importer refused: %s\n",
		        mu_unit_status_name(status));
		return UTC_REFUSED;
	}
	/* copy out: the result points into the connection's last response */
	*stmt = g_bytes_new(res->importer_stmt.p, res->importer_stmt.len);
	*sig = g_bytes_new(res->importer_sig.p, res->importer_sig.len);
	res->importer_stmt.p = g_bytes_get_data(*stmt, &res->importer_stmt.len);
	res->importer_sig.p = g_bytes_get_data(*sig, &res->importer_sig.len);
	return UTC_OK;
}

int utc_seal_for(utc_conn *c, GBytes *root, const utc_signers *s, const uint8_t part[32],
                 uint8_t parts_total, GBytes **input)
{
	mu_unit_admin_result res;
	mu_unit_importer imp;
	mu_keypart_envelope env;
	g_autoptr(GBytes) stmt = NULL, sig = NULL;
	uint8_t tlv[512], in[600];
	size_t n, in_len;
	mu_tlv_writer w;
	int rc = gen_importer(c, s, &res, &stmt, &sig);
	if (rc != UTC_OK)
		return rc;
	rc = check_importer(c, root, &res, &imp);
	if (rc != UTC_OK)
		return rc;
	if (mu_keypart_seal(&imp, part, &env) != MU_OK)
		return UTC_FAIL;
	mu_tlv_writer_init(&w, tlv, sizeof(tlv));
	mu_keypart_envelope_encode(&env, &w);
	if (mu_tlv_writer_finish(&w, &n) != MU_OK ||
	    mu_admin_input_load_part(parts_total, tlv, n, in, sizeof(in), &in_len) != MU_OK)
		return UTC_FAIL;
	*input = g_bytes_new(in, in_len);
	return UTC_OK;
}

static int load_and_commit(utc_conn *c, const utc_signers *s, GBytes **inputs, size_t n,
                           const uint8_t vp[32])
{
	int status;
	for (size_t i = 0; i < n; i++) {
		mu_unit_admin_result res;
		gsize len;
		const uint8_t *p = g_bytes_get_data(inputs[i], &len);
		int rc = utc_admin(c, MU_UNIT_CMD_LOAD_PART, p, len, s, 1, -1, &status, &res);
		if (rc != UTC_OK)
			return rc;
		if (status != MU_OK) {
			fprintf(stderr, "unit-test-client: load part %zu refused: %s\n", i + 1,
			        mu_unit_status_name(status));
			return UTC_REFUSED;
		}
	}
	int rc = utc_admin(c, MU_UNIT_CMD_COMMIT, vp, 32, s, s->n, -1, &status, NULL);
	if (rc == UTC_OK && status != MU_OK) {
		fprintf(stderr, "unit-test-client: commit refused: %s\n",
		        mu_unit_status_name(status));
		rc = UTC_REFUSED;
	}
	return rc;
}

int utc_load_key(utc_conn *c, GBytes *root, const utc_signers *s, uint8_t (*parts)[32],
                 size_t nparts, uint8_t vp[32])
{
	uint8_t mk[32] = {0};
	GBytes *inputs[MU_UNIT_PARTS_MAX] = {NULL};
	int rc = UTC_OK;
	for (size_t i = 0; i < nparts; i++)
		for (size_t k = 0; k < 32; k++)
			mk[k] ^= parts[i][k];
	if (mu_vp_compute(mk, sizeof(mk), vp) != MU_OK)
		return UTC_FAIL;
	for (size_t i = 0; i < nparts && rc == UTC_OK; i++)
		rc = utc_seal_for(c, root, s, parts[i], (uint8_t)nparts, &inputs[i]);
	if (rc == UTC_OK)
		rc = load_and_commit(c, s, inputs, nparts, vp);
	for (size_t i = 0; i < nparts; i++)
		if (inputs[i] != NULL)
			g_bytes_unref(inputs[i]);
	return rc;
}

int utc_auto_init(utc_conn *rec, utc_conn *target, const utc_signers *s, uint8_t nparts,
                  uint8_t vp[32])
{
	mu_unit_admin_result res;
	GBytes *inputs[MU_UNIT_PARTS_MAX] = {NULL};
	int status;
	int rc =
	    utc_admin(rec, MU_UNIT_CMD_RECOVERY_GENERATE, &nparts, 1, s, s->n, -1, &status, &res);
	if (rc == UTC_OK && status != MU_OK) {
		fprintf(stderr, "unit-test-client: recovery generate refused: %s\n",
		        mu_unit_status_name(status));
		rc = UTC_REFUSED;
	}
	if (rc != UTC_OK)
		return rc;
	memcpy(vp, res.vp, 32);
	for (uint8_t i = 1; i <= nparts && rc == UTC_OK; i++) {
		g_autoptr(GBytes) stmt = NULL, sig = NULL;
		uint8_t in[4096], load[600];
		size_t n, ln;
		rc = gen_importer(target, s, &res, &stmt, &sig);
		if (rc != UTC_OK)
			break;
		mu_admin_export_input ei = {
		    .part_index = i,
		    .stmt_tlv = res.importer_stmt.p,
		    .stmt_len = res.importer_stmt.len,
		    .stmt_sig = res.importer_sig.p,
		    .stmt_sig_len = res.importer_sig.len,
		    .oa_cert = g_bytes_get_data(target->oa_cert, NULL),
		    .oa_cert_len = g_bytes_get_size(target->oa_cert),
		};
		if (mu_admin_input_export(&ei, in, sizeof(in), &n) != MU_OK)
			return UTC_FAIL;
		rc = utc_admin(rec, MU_UNIT_CMD_RECOVERY_EXPORT, in, n, s, 1, -1, &status, &res);
		if (rc == UTC_OK && status != MU_OK) {
			fprintf(stderr, "unit-test-client: recovery export refused: %s\n",
			        mu_unit_status_name(status));
			rc = UTC_REFUSED;
		}
		if (rc == UTC_OK &&
		    mu_admin_input_load_part(nparts, res.envelope.p, res.envelope.len, load,
		                             sizeof(load), &ln) != MU_OK)
			rc = UTC_FAIL;
		if (rc == UTC_OK)
			inputs[i - 1] = g_bytes_new(load, ln);
	}
	if (rc == UTC_OK)
		rc = load_and_commit(target, s, inputs, nparts, vp);
	for (size_t i = 0; i < MU_UNIT_PARTS_MAX; i++)
		if (inputs[i] != NULL)
			g_bytes_unref(inputs[i]);
	return rc;
}
