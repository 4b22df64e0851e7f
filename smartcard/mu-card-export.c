/* SPDX-License-Identifier: Apache-2.0 */
/* KEYPART EXPORT: the EP11 card wraps a key part for a crypto unit's
 * importer key after verifying the unit (docs/protocol.md §20). The
 * workstation only relays the unit's certificate and statement in, and the
 * envelope out. */
#include "mu-card-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-sw.h"
#include "mu-unit-proto.h"

/* Largest command data: slot, unit id, OA certificate, statement, signature. */
#define EXPORT_REQ_MAX 8192u

int mu_card_keypart_export(mu_card *c, const mu_card_export_target *t, uint8_t **envelope,
                           size_t *env_len, uint8_t vp[32])
{
	if (c == NULL || t == NULL || envelope == NULL || env_len == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (t->slot >= MU_KEYPARTS_MAX)
		return mu_card_fail(c, MU_SC_ERR_ARG, "key part slots go from 0 to %u, not %u",
		                    MU_KEYPARTS_MAX - 1, t->slot);
	if (t->oa_cert == NULL || t->oa_cert_len == 0 || t->stmt == NULL || t->stmt_len == 0 ||
	    t->stmt_sig == NULL || t->stmt_sig_len == 0)
		return mu_card_fail(c, MU_SC_ERR_ARG,
		                    "the unit's OA certificate and importer statement are needed");

	uint8_t *req = malloc(EXPORT_REQ_MAX);
	uint8_t *resp = NULL;
	size_t req_len = 0, rlen = 0;
	if (req == NULL)
		return mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
	uint8_t dom[2] = {(uint8_t)(t->domain >> 8), (uint8_t)t->domain};
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, req, EXPORT_REQ_MAX);
	mu_tlv_put_u8(&w, MU_TAG_SLOT, (uint8_t)t->slot);
	size_t m = mu_tlv_begin(&w, MU_TAG_UNIT_ID);
	mu_tlv_put(&w, MU_UNIT_TAG_MODULE_ID, t->module_id, sizeof(t->module_id));
	mu_tlv_put(&w, MU_UNIT_TAG_DOMAIN, dom, sizeof(dom));
	mu_tlv_end(&w, m);
	mu_tlv_put(&w, MU_TAG_CERT, t->oa_cert, t->oa_cert_len);
	/* the statement is relayed whole, as the unit signed it */
	if (w.len + t->stmt_len <= w.cap) {
		memcpy(w.buf + w.len, t->stmt, t->stmt_len);
		w.len += t->stmt_len;
	} else {
		w.overflow = true;
	}
	mu_tlv_put(&w, MU_TAG_SIGNATURE, t->stmt_sig, t->stmt_sig_len);
	int st = MU_SC_OK;
	if (mu_tlv_writer_finish(&w, &req_len) != 0) {
		st = mu_card_fail(c, MU_SC_ERR_ARG, "the unit's certificate and statement are too long");
		goto out;
	}
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_KEYPART_EXPORT,
	              .data = req,
	              .len = req_len,
	              .ne = 256,
	              .what = "wrapping a key part for a crypto unit",
	              .want_type = MU_CARD_TYPE_EP11};
	uint16_t sw = 0;
	st = mu_card_resp_new(c, &resp);
	if (st == MU_SC_OK)
		st = mu_card_run_sw(c, &cmd, resp, MU_CARD_RESP_MAX, &rlen, &sw);
	if (st != MU_SC_OK)
		goto out;
	if (sw == MU_SW_REF_NOT_USABLE) {
		st = mu_card_fail(c, MU_SC_ERR_CARD,
		                  "the card refused the crypto unit: its OA certificate does not chain "
		                  "to the manufacturer root stored on the card, or its importer key is "
		                  "not signed by that OA key, or it names another unit; no key part "
		                  "left the card");
		goto out;
	}
	if (sw == MU_SW_NOT_FOUND) {
		st = mu_card_fail(c, MU_SC_ERR_NOT_FOUND, "the card holds no key part in slot %u",
		                  t->slot);
		goto out;
	}
	if (sw != MU_SW_OK) {
		st = mu_card_sw_error(c, &cmd, sw);
		goto out;
	}
	const uint8_t *raw = NULL;
	size_t raw_len = 0;
	mu_tlv v;
	st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_KEYPART_ENV, 1, 1024, NULL, &raw, &raw_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_VP, 32, 32, &v, NULL, NULL);
	if (st != MU_SC_OK)
		goto out;
	uint8_t *copy = malloc(raw_len);
	if (copy == NULL) {
		st = mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(copy, raw, raw_len);
	if (vp != NULL)
		memcpy(vp, v.value, 32);
	*envelope = copy;
	*env_len = raw_len;
out:
	mu_card_resp_free(&resp);
	free(req);
	return st;
}
