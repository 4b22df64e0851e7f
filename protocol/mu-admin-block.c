/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-admin-block.h"

#include <string.h>

#include "mu-status.h"
#include "mu-unit-fields.h"

int mu_admin_block_encode(const mu_admin_block *b, uint8_t *out, size_t cap, size_t *len)
{
	if (b == NULL || out == NULL || len == NULL || (b->input == NULL && b->input_len > 0))
		return MU_ERR_ARG;
	if (b->input_len > MU_ADMIN_INPUT_MAX)
		return MU_ERR_TOO_LONG;
	size_t n = MU_ADMIN_BLOCK_HEADER_LEN + b->input_len;
	if (cap < n)
		return MU_ERR_TOO_LONG;
	memcpy(out, MU_ADMIN_BLOCK_CONTEXT, MU_ADMIN_BLOCK_CONTEXT_LEN);
	mu_unit_put_be16(out + 15, b->cmd);
	mu_unit_put_be16(out + 17, b->domain);
	memcpy(out + 19, b->module_id, MU_UNIT_MODULE_ID_LEN);
	mu_unit_put_be64(out + 27, b->counter);
	mu_unit_put_be32(out + 35, (uint32_t)b->input_len);
	if (b->input_len > 0)
		memcpy(out + MU_ADMIN_BLOCK_HEADER_LEN, b->input, b->input_len);
	*len = n;
	return MU_OK;
}

int mu_admin_block_parse(const uint8_t *buf, size_t len, mu_admin_block *out)
{
	if (buf == NULL || len < MU_ADMIN_BLOCK_HEADER_LEN)
		return MU_ERR_MALFORMED;
	if (len > MU_UNIT_BLOCK_MAX)
		return MU_ERR_TOO_LONG;
	if (memcmp(buf, MU_ADMIN_BLOCK_CONTEXT, MU_ADMIN_BLOCK_CONTEXT_LEN) != 0)
		return MU_ERR_MALFORMED;
	uint32_t n = mu_unit_get_be32(buf + 35);
	if (n != len - MU_ADMIN_BLOCK_HEADER_LEN)
		return MU_ERR_MALFORMED;
	mu_admin_block b;
	b.cmd = mu_unit_get_be16(buf + 15);
	b.domain = mu_unit_get_be16(buf + 17);
	memcpy(b.module_id, buf + 19, MU_UNIT_MODULE_ID_LEN);
	b.counter = mu_unit_get_be64(buf + 27);
	b.input = buf + MU_ADMIN_BLOCK_HEADER_LEN;
	b.input_len = n;
	*out = b;
	return MU_OK;
}

int mu_admin_cmd_encode(const mu_admin_cmd *c, mu_tlv_writer *w)
{
	if (c == NULL || c->block == NULL || c->block_len == 0 ||
	    c->block_len > MU_UNIT_BLOCK_MAX || c->nsigs > MU_UNIT_ADMINS_MAX)
		return MU_ERR_ARG;
	for (size_t i = 0; i < c->nsigs; i++)
		if (c->sigs[i].key_id == NULL || c->sigs[i].sig == NULL || c->sigs[i].sig_len < 8 ||
		    c->sigs[i].sig_len > MU_UNIT_SIG_MAX)
			return MU_ERR_ARG;
	size_t outer = mu_tlv_begin(w, MU_UNIT_TAG_ADMIN_CMD);
	mu_tlv_put(w, MU_UNIT_TAG_BLOCK, c->block, c->block_len);
	for (size_t i = 0; i < c->nsigs; i++) {
		size_t m = mu_tlv_begin(w, MU_UNIT_TAG_ADMIN_SIG);
		mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, c->sigs[i].key_id, MU_UNIT_KEY_ID_LEN);
		mu_tlv_put(w, MU_UNIT_TAG_SIGNATURE, c->sigs[i].sig, c->sigs[i].sig_len);
		mu_tlv_end(w, m);
	}
	mu_tlv_end(w, outer);
	return MU_OK;
}

int mu_admin_cmd_parse(const uint8_t *buf, size_t len, mu_admin_cmd *out)
{
	mu_unit_fields f;
	mu_tlv t;
	mu_admin_cmd c;
	memset(&c, 0, sizeof(c));
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_take(&f, MU_UNIT_TAG_BLOCK, MU_ADMIN_BLOCK_HEADER_LEN, MU_UNIT_BLOCK_MAX,
	                        &t) != MU_OK)
		return MU_ERR_MALFORMED;
	c.block = t.value;
	c.block_len = t.len;
	int rc;
	while ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_ADMIN_SIG, 1, 255, &t)) == 1) {
		if (c.nsigs == MU_UNIT_ADMINS_MAX)
			return MU_ERR_MALFORMED;
		mu_unit_fields inner;
		mu_tlv kid, sig;
		mu_unit_fields_init(&inner, t.value, t.len);
		if (mu_unit_fields_take(&inner, MU_UNIT_TAG_KEY_ID, MU_UNIT_KEY_ID_LEN,
		                        MU_UNIT_KEY_ID_LEN, &kid) != MU_OK ||
		    mu_unit_fields_take(&inner, MU_UNIT_TAG_SIGNATURE, 8, MU_UNIT_SIG_MAX, &sig) !=
		        MU_OK ||
		    mu_unit_fields_end(&inner) != MU_OK)
			return MU_ERR_MALFORMED;
		for (size_t i = 0; i < c.nsigs; i++)
			if (memcmp(c.sigs[i].key_id, kid.value, MU_UNIT_KEY_ID_LEN) == 0)
				return MU_ERR_MALFORMED;
		c.sigs[c.nsigs].key_id = kid.value;
		c.sigs[c.nsigs].sig = sig.value;
		c.sigs[c.nsigs].sig_len = sig.len;
		c.nsigs++;
	}
	if (rc < 0 || mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	*out = c;
	return MU_OK;
}

void mu_admin_input_thresholds(uint8_t sig_threshold, uint8_t rev_threshold, uint8_t out[2])
{
	out[0] = sig_threshold;
	out[1] = rev_threshold;
}

int mu_admin_input_load_part(uint8_t parts_total, const uint8_t *envelope_tlv, size_t env_len,
                             uint8_t *out, size_t cap, size_t *len)
{
	if (envelope_tlv == NULL || env_len == 0 || out == NULL || len == NULL)
		return MU_ERR_ARG;
	if (env_len > cap || cap - env_len < 3)
		return MU_ERR_TOO_LONG;
	out[0] = MU_UNIT_TAG_PARTS_TOTAL;
	out[1] = 1;
	out[2] = parts_total;
	memcpy(out + 3, envelope_tlv, env_len);
	*len = 3 + env_len;
	return MU_OK;
}

int mu_admin_input_load_part_parse(const uint8_t *buf, size_t len, uint8_t *parts_total,
                                   const uint8_t **envelope_tlv, size_t *env_len)
{
	mu_unit_fields f;
	mu_tlv t;
	uint8_t total;
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_PARTS_TOTAL, &total) != MU_OK)
		return MU_ERR_MALFORMED;
	const uint8_t *env;
	size_t n;
	if (mu_unit_fields_take_whole(&f, MU_UNIT_TAG_ENVELOPE, 1, MU_UNIT_BLOCK_MAX, &t, &env,
	                              &n) != MU_OK ||
	    mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	*parts_total = total;
	*envelope_tlv = env;
	*env_len = n;
	return MU_OK;
}

int mu_admin_input_export(const mu_admin_export_input *in, uint8_t *out, size_t cap, size_t *len)
{
	if (in == NULL || in->stmt_tlv == NULL || in->stmt_sig == NULL || in->oa_cert == NULL ||
	    in->stmt_sig_len > MU_UNIT_SIG_MAX || in->oa_cert_len > MU_UNIT_CERT_MAX)
		return MU_ERR_ARG;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, out, cap);
	mu_tlv_put_u8(&w, MU_UNIT_TAG_PART_INDEX, in->part_index);
	if (w.overflow || in->stmt_len > cap - w.len)
		return MU_ERR_TOO_LONG;
	memcpy(out + w.len, in->stmt_tlv, in->stmt_len);
	w.len += in->stmt_len;
	mu_tlv_put(&w, MU_UNIT_TAG_SIGNATURE, in->stmt_sig, in->stmt_sig_len);
	mu_tlv_put(&w, MU_UNIT_TAG_OA_CERT, in->oa_cert, in->oa_cert_len);
	return mu_tlv_writer_finish(&w, len);
}

int mu_admin_input_export_parse(const uint8_t *buf, size_t len, mu_admin_export_input *out)
{
	mu_unit_fields f;
	mu_tlv stmt, sig, cert;
	mu_admin_export_input in;
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_PART_INDEX, &in.part_index) != MU_OK)
		return MU_ERR_MALFORMED;
	if (mu_unit_fields_take_whole(&f, MU_UNIT_TAG_IMPORTER, 1, 1024, &stmt, &in.stmt_tlv,
	                              &in.stmt_len) != MU_OK ||
	    mu_unit_fields_take(&f, MU_UNIT_TAG_SIGNATURE, 8, MU_UNIT_SIG_MAX, &sig) != MU_OK ||
	    mu_unit_fields_take(&f, MU_UNIT_TAG_OA_CERT, 1, MU_UNIT_CERT_MAX, &cert) != MU_OK ||
	    mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	in.stmt_sig = sig.value;
	in.stmt_sig_len = sig.len;
	in.oa_cert = cert.value;
	in.oa_cert_len = cert.len;
	*out = in;
	return MU_OK;
}
