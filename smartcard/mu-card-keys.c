/* SPDX-License-Identifier: Apache-2.0 */
/* EP11 card keys: the admin signature key (generate, sign) and key parts
 * (generate, list, delete). */
#include "mu-card-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-sw.h"

int mu_card_sigkey_gen(mu_card *c, const char *admin_name, bool replace,
                       uint8_t key_id[MU_KEY_ID_LEN])
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	int st = mu_card_check_text(c, admin_name, 1, MU_NAME_MAX, "admin name");
	if (st != MU_SC_OK)
		return st;
	uint8_t req[MU_NAME_MAX + 8], resp[512];
	size_t req_len = 0, rlen = 0;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, req, sizeof(req));
	mu_tlv_put_str(&w, MU_TAG_ADMIN_NAME, admin_name);
	mu_tlv_writer_finish(&w, &req_len);

	mu_cmd cmd = {.cla = MU_CLA_ISO,
	              .ins = MU_INS_GEN_KEYPAIR,
	              .p1 = replace ? MU_GENKEY_P1_REPLACE : MU_GENKEY_P1_NEW,
	              .data = req,
	              .len = req_len,
	              .ne = 256,
	              .what = "generating the signature key",
	              .want_type = MU_CARD_TYPE_EP11};
	uint16_t sw = 0;
	mu_tlv id;
	st = mu_card_run_sw(c, &cmd, resp, sizeof(resp), &rlen, &sw);
	if (st == MU_SC_OK && sw == MU_SW_EXISTS)
		return mu_card_fail(
		    c, MU_SC_ERR_EXISTS,
		    "the card already holds a signature key: replace it explicitly");
	if (st == MU_SC_OK && sw != MU_SW_OK)
		return mu_card_sw_error(c, &cmd, sw);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_PUBKEY, MU_P521_POINT_LEN,
		                      MU_P521_POINT_LEN, NULL, NULL, NULL);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_KEY_ID, MU_KEY_ID_LEN, MU_KEY_ID_LEN,
		                      &id, NULL, NULL);
	if (st == MU_SC_OK && key_id != NULL)
		memcpy(key_id, id.value, MU_KEY_ID_LEN);
	c->have_info = false;
	return st;
}

int mu_card_sign(mu_card *c, const uint8_t *data, size_t len, uint8_t **sig, size_t *sig_len)
{
	if (c == NULL || sig == NULL || sig_len == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (data == NULL || len == 0 || len > MU_SIGN_DATA_MAX)
		return mu_card_fail(c, MU_SC_ERR_ARG, "the card signs 1 to %u bytes, not %zu",
		                    MU_SIGN_DATA_MAX, len);
	uint8_t resp[512];
	size_t rlen = 0;
	uint16_t sw = 0;
	mu_cmd cmd = {.cla = MU_CLA_ISO,
	              .ins = MU_INS_PSO,
	              .p1 = MU_PSO_SIGN_P1,
	              .p2 = MU_PSO_SIGN_P2,
	              .data = data,
	              .len = len,
	              .ne = 256,
	              .what = "signing",
	              .want_type = MU_CARD_TYPE_EP11};
	int st = mu_card_begin(c);
	if (st != MU_SC_OK)
		return st;
	st = mu_card_run_sw(c, &cmd, resp, sizeof(resp), &rlen, &sw);
	mu_card_end(c);
	if (st == MU_SC_OK && sw == MU_SW_NOT_FOUND)
		return mu_card_fail(c, MU_SC_ERR_NOT_FOUND,
		                    "the card holds no signature key: generate one first");
	if (st == MU_SC_OK && sw != MU_SW_OK)
		return mu_card_sw_error(c, &cmd, sw);
	if (st != MU_SC_OK)
		return st;
	/* a DER ECDSA signature: one SEQUENCE filling the answer */
	mu_tlv_reader r;
	mu_tlv t;
	mu_tlv_reader_init(&r, resp, rlen);
	if (rlen < 8 || resp[0] != 0x30 || mu_tlv_next(&r, &t) != 1 || r.left != 0)
		return mu_card_fail(c, MU_SC_ERR_RESPONSE, "the card sent a malformed signature");
	uint8_t *out = malloc(rlen);
	if (out == NULL)
		return mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
	memcpy(out, resp, rlen);
	*sig = out;
	*sig_len = rlen;
	return MU_SC_OK;
}

int mu_card_keypart_gen(mu_card *c, const char *desc, unsigned *slot, uint8_t vp[32])
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	int st = mu_card_check_text(c, desc, 1, MU_DESC_MAX, "key part description");
	if (st != MU_SC_OK)
		return st;
	uint8_t req[MU_DESC_MAX + 8], resp[256];
	size_t req_len = 0, rlen = 0;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, req, sizeof(req));
	mu_tlv_put_str(&w, MU_TAG_DESC, desc);
	mu_tlv_writer_finish(&w, &req_len);
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_KEYPART_GEN,
	              .data = req,
	              .len = req_len,
	              .ne = 256,
	              .what = "generating a key part",
	              .want_type = MU_CARD_TYPE_EP11};
	mu_tlv s, v;
	st = mu_card_run(c, &cmd, resp, sizeof(resp), &rlen);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_SLOT, 1, 1, &s, NULL, NULL);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_VP, 32, 32, &v, NULL, NULL);
	if (st == MU_SC_OK && s.value[0] >= MU_KEYPARTS_MAX)
		st = mu_card_fail(c, MU_SC_ERR_RESPONSE, "the card named an impossible slot %u",
		                  s.value[0]);
	if (st != MU_SC_OK)
		return st;
	if (slot != NULL)
		*slot = s.value[0];
	if (vp != NULL)
		memcpy(vp, v.value, 32);
	c->have_info = false;
	return MU_SC_OK;
}

/* Parses one A0 { 90 slot, 91 description, 92 VP } of KEYPART LIST. */
static bool parse_part(const mu_tlv *a0, mu_keypart_info *p)
{
	bool have_slot = false, have_desc = false, have_vp = false;
	mu_tlv_reader r;
	mu_tlv t;
	int rv;
	memset(p, 0, sizeof(*p));
	mu_tlv_reader_init(&r, a0->value, a0->len);
	while ((rv = mu_tlv_next(&r, &t)) == 1) {
		if (t.tag == MU_TAG_SLOT && t.len == 1 && t.value[0] < MU_KEYPARTS_MAX) {
			p->slot = t.value[0];
			have_slot = true;
		} else if (t.tag == MU_TAG_DESC && t.len <= MU_DESC_MAX &&
		           memchr(t.value, '\0', t.len) == NULL) {
			memcpy(p->desc, t.value, t.len);
			p->desc[t.len] = '\0';
			have_desc = true;
		} else if (t.tag == MU_TAG_VP && t.len == 32) {
			memcpy(p->vp, t.value, 32);
			have_vp = true;
		} else {
			return false;
		}
	}
	return rv == 0 && have_slot && have_desc && have_vp;
}

int mu_card_keypart_list(mu_card *c, mu_keypart_info **parts, size_t *n)
{
	if (c == NULL || parts == NULL || n == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	uint8_t *buf = NULL;
	size_t rlen = 0;
	mu_keypart_info *out = NULL;
	size_t count = 0;
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_KEYPART_LIST,
	              .ne = 256,
	              .what = "listing the key parts",
	              .want_type = MU_CARD_TYPE_EP11};
	int st = mu_card_resp_new(c, &buf);
	if (st == MU_SC_OK)
		st = mu_card_begin(c);
	if (st != MU_SC_OK)
		goto out;
	st = mu_card_run(c, &cmd, buf, MU_CARD_RESP_MAX, &rlen);
	mu_card_end(c);
	if (st != MU_SC_OK)
		goto out;

	out = calloc(MU_KEYPARTS_MAX, sizeof(*out));
	if (out == NULL) {
		st = mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
		goto out;
	}
	mu_tlv_reader r;
	mu_tlv t;
	int rv;
	mu_tlv_reader_init(&r, buf, rlen);
	while ((rv = mu_tlv_next(&r, &t)) == 1) {
		if (t.tag != MU_TAG_KEYPART || count >= MU_KEYPARTS_MAX ||
		    !parse_part(&t, &out[count])) {
			rv = -1;
			break;
		}
		for (size_t i = 0; i < count; i++)
			if (out[i].slot == out[count].slot)
				rv = -1;
		if (rv < 0)
			break;
		count++;
	}
	if (rv != 0) {
		st = mu_card_fail(c, MU_SC_ERR_RESPONSE, "the card sent a malformed key part list");
		goto out;
	}
	*parts = out;
	*n = count;
	out = NULL;
out:
	free(out);
	mu_card_resp_free(&buf);
	return st;
}

int mu_card_keypart_delete(mu_card *c, unsigned slot)
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (slot >= MU_KEYPARTS_MAX)
		return mu_card_fail(c, MU_SC_ERR_ARG, "key part slots go from 0 to %u, not %u",
		                    MU_KEYPARTS_MAX - 1, slot);
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_KEYPART_DELETE,
	              .p1 = (uint8_t)slot,
	              .ne = 0,
	              .what = "deleting a key part",
	              .want_type = MU_CARD_TYPE_EP11};
	uint16_t sw = 0;
	int st = mu_card_run_sw(c, &cmd, NULL, 0, NULL, &sw);
	if (st == MU_SC_OK && sw == MU_SW_NOT_FOUND)
		return mu_card_fail(c, MU_SC_ERR_NOT_FOUND, "the card holds no key part in slot %u",
		                    slot);
	if (st == MU_SC_OK && sw != MU_SW_OK)
		return mu_card_sw_error(c, &cmd, sw);
	c->have_info = false;
	return st;
}
