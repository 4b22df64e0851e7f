/* SPDX-License-Identifier: Apache-2.0 */
/* Card-to-card transfers through encrypted envelopes (docs §8): EP11 copy
 * and CA backup; and ZEROIZE (docs §9). */
#include "mu-card-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-sw.h"

/* Reports the failure of one card of a pair on the other handle too. */
static int both(mu_card *failed, mu_card *other, int st)
{
	mu_card_copy_error(other, failed);
	return st;
}

/* Reads both infos and checks the card types; no other APDU is sent. */
static int read_pair(mu_card *src, mu_card *dst, int src_type, int dst_type, mu_card_info *si,
                     mu_card_info *di)
{
	int st = mu_card_refresh(src, si);
	if (st != MU_SC_OK)
		return both(src, dst, st);
	st = mu_card_refresh(dst, di);
	if (st != MU_SC_OK)
		return both(dst, src, st);
	if (si->type != src_type)
		return both(src, dst, mu_card_wrong_type(src, si->type, src_type));
	if (di->type != dst_type)
		return both(dst, src, mu_card_wrong_type(dst, di->type, dst_type));
	return MU_SC_OK;
}

static int begin_pair(mu_card *src, mu_card *dst)
{
	int st = mu_card_begin(src);
	if (st != MU_SC_OK)
		return both(src, dst, st);
	st = mu_card_begin(dst);
	if (st != MU_SC_OK) {
		mu_card_end(src);
		return both(dst, src, st);
	}
	return MU_SC_OK;
}

/* Picks the A2 envelope and 93 signature out of an export answer and writes
 * them, in that order, into out. */
static int envelope(mu_card *src, const uint8_t *resp, size_t rlen, uint8_t *out, size_t cap,
                    size_t *len)
{
	const uint8_t *env = NULL, *sig = NULL;
	size_t env_len = 0, sig_len = 0;
	int st = mu_card_resp_tlv(src, resp, rlen, MU_TAG_ENVELOPE, 1, MU_CHAIN_BUF_MAX, NULL, &env,
	                          &env_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(src, resp, rlen, MU_TAG_SIGNATURE, 8, 160, NULL, &sig,
		                      &sig_len);
	if (st != MU_SC_OK)
		return st;
	if (env_len + sig_len > cap)
		return mu_card_fail(src, MU_SC_ERR_RESPONSE, "the card sent an envelope too long");
	memcpy(out, env, env_len);
	memcpy(out + env_len, sig, sig_len);
	*len = env_len + sig_len;
	return MU_SC_OK;
}

/* The copy itself, inside transactions on both cards. */
static int copy_locked(mu_card *src, mu_card *dst)
{
	mu_card_info si, di;
	int st = read_pair(src, dst, MU_CARD_TYPE_EP11, MU_CARD_TYPE_EP11, &si, &di);
	if (st != MU_SC_OK)
		return st;
	/* refuse before anything secret is asked of the source card */
	if (strcmp(si.zone_id, di.zone_id) != 0) {
		mu_card_fail(src, MU_SC_ERR_ZONE,
		             "this card belongs to zone %s, the target card to zone %s", si.zone_id,
		             di.zone_id);
		return mu_card_fail(dst, MU_SC_ERR_ZONE,
		                    "this card belongs to zone %s, the source card to zone %s",
		                    di.zone_id, si.zone_id);
	}
	if (memcmp(si.serial, di.serial, MU_SERIAL_LEN) == 0)
		return both(
		    dst, src,
		    mu_card_fail(dst, MU_SC_ERR_ARG, "source and target are the same card"));

	uint8_t *cert = NULL, *exp = NULL, *imp = NULL;
	size_t cert_len = 0, exp_len = 0, imp_len = 0;
	mu_card *failed = dst;
	st = mu_card_get_cert(dst, MU_CERT_CARD, &cert, &cert_len);
	if (st != MU_SC_OK)
		goto out;

	failed = src;
	mu_cmd ex = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_COPY_EXPORT,
	             .data = cert,
	             .len = cert_len,
	             .ne = 256,
	             .what = "exporting from the source card",
	             .want_type = MU_CARD_TYPE_EP11};
	uint16_t sw = 0;
	st = mu_card_resp_new(src, &exp);
	if (st == MU_SC_OK)
		st = mu_card_run_sw(src, &ex, exp, MU_CARD_RESP_MAX, &exp_len, &sw);
	if (st == MU_SC_OK && sw == MU_SW_REF_NOT_USABLE)
		st = mu_card_fail(
		    src, MU_SC_ERR_ZONE,
		    "the source card refused the target card's certificate: the target "
		    "card is not a card of zone %s",
		    si.zone_id);
	else if (st == MU_SC_OK && sw == MU_SW_CONDITIONS)
		st = mu_card_fail(src, MU_SC_ERR_ARG, "source and target are the same card");
	else if (st == MU_SC_OK && sw != MU_SW_OK)
		st = mu_card_sw_error(src, &ex, sw);
	if (st == MU_SC_OK)
		st = mu_card_resp_new(src, &imp);
	if (st == MU_SC_OK)
		st = envelope(src, exp, exp_len, imp, MU_CARD_RESP_MAX, &imp_len);
	mu_card_resp_free(&exp);
	if (st != MU_SC_OK)
		goto out;

	failed = dst;
	mu_cmd im = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_COPY_IMPORT,
	             .data = imp,
	             .len = imp_len,
	             .ne = 0,
	             .what = "importing into the target card",
	             .want_type = MU_CARD_TYPE_EP11};
	st = mu_card_run_sw(dst, &im, NULL, 0, NULL, &sw);
	mu_card_resp_free(&imp);
	if (st == MU_SC_OK && sw == MU_SW_REF_NOT_USABLE)
		st = mu_card_fail(dst, MU_SC_ERR_ZONE,
		                  "the target card refused the source card's envelope: the source "
		                  "card is not a card of zone %s",
		                  di.zone_id);
	else if (st == MU_SC_OK && sw != MU_SW_OK)
		st = mu_card_sw_error(dst, &im, sw);
out:
	if (st != MU_SC_OK)
		both(failed, failed == dst ? src : dst, st);
	free(cert);
	mu_card_resp_free(&exp);
	mu_card_resp_free(&imp);
	return st;
}

int mu_card_copy(mu_card *src, mu_card *dst)
{
	if (src == NULL || dst == NULL || src == dst)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(src);
	mu_card_clear_error(dst);
	int st = begin_pair(src, dst);
	if (st != MU_SC_OK)
		return st;
	st = copy_locked(src, dst);
	mu_card_end(dst);
	mu_card_end(src);
	dst->have_info = false;
	return st;
}

/* The CA backup itself, inside transactions on both cards. */
static int backup_locked(mu_card *src, mu_card *dst, const char *pin1, const char *pin2)
{
	mu_card_info si, di;
	int st = read_pair(src, dst, MU_CARD_TYPE_CA, MU_CARD_TYPE_BLANK, &si, &di);
	if (st != MU_SC_OK)
		return st;

	uint8_t req[512];
	size_t req_len = 0, exp_len = 0, imp_len = 0;
	uint8_t *exp = NULL, *imp = NULL;
	mu_card *failed = dst;

	st = mu_card_prepare(dst, req, sizeof(req), &req_len);
	if (st != MU_SC_OK)
		goto out;

	failed = src;
	mu_tlv_writer w;
	mu_cmd ex = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_CA_BACKUP_EXPORT,
	             .data = req,
	             .len = req_len,
	             .ne = 256,
	             .what = "exporting the zone CA key",
	             .want_type = MU_CARD_TYPE_CA};
	st = mu_card_resp_new(src, &exp);
	if (st == MU_SC_OK)
		st = mu_card_run(src, &ex, exp, MU_CARD_RESP_MAX, &exp_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_new(src, &imp);
	/* room for the PIN TLVs after the envelope */
	if (st == MU_SC_OK)
		st = envelope(src, exp, exp_len, imp, MU_CARD_RESP_MAX - 32, &imp_len);
	mu_card_resp_free(&exp);
	if (st != MU_SC_OK)
		goto out;

	failed = dst;
	size_t pins_len = 0;
	mu_tlv_writer_init(&w, imp + imp_len, 32);
	mu_tlv_put(&w, MU_TAG_PIN, pin1, MU_PIN_LEN);
	mu_tlv_put(&w, MU_TAG_PIN2, pin2, MU_PIN_LEN);
	mu_tlv_writer_finish(&w, &pins_len);
	imp_len += pins_len;
	mu_cmd re = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_CA_RESTORE,
	             .data = imp,
	             .len = imp_len,
	             .ne = 0,
	             .what = "restoring the zone CA on the blank card",
	             .want_type = MU_CARD_TYPE_BLANK};
	st = mu_card_run(dst, &re, NULL, 0, NULL);
	mu_card_resp_free(&imp); /* held the PINs */
out:
	if (st != MU_SC_OK)
		both(failed, failed == dst ? src : dst, st);
	mu_card_resp_free(&exp);
	mu_card_resp_free(&imp);
	return st;
}

int mu_card_ca_backup(mu_card *src, mu_card *dst, const char *pin1, const char *pin2)
{
	if (src == NULL || dst == NULL || src == dst)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(src);
	mu_card_clear_error(dst);
	int st = mu_card_check_pin(dst, pin1, "new CA PIN 1");
	if (st == MU_SC_OK)
		st = mu_card_check_pin(dst, pin2, "new CA PIN 2");
	if (st != MU_SC_OK)
		return both(dst, src, st);
	st = begin_pair(src, dst);
	if (st != MU_SC_OK)
		return st;
	st = backup_locked(src, dst, pin1, pin2);
	mu_card_end(dst);
	mu_card_end(src);
	dst->have_info = false;
	return st;
}

int mu_card_zeroize(mu_card *c)
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_ZEROIZE,
	              .ne = 0,
	              .what = "zeroizing the card",
	              .want_type = -1};
	uint16_t sw = 0;
	int st = mu_card_run_sw(c, &cmd, NULL, 0, NULL, &sw);
	if (st == MU_SC_OK && sw == MU_SW_NOT_VERIFIED)
		st = mu_card_fail(
		    c, MU_SC_ERR_NOT_VERIFIED,
		    "verify the PIN first (both PINs on a CA card) to zeroize the card");
	else if (st == MU_SC_OK && sw != MU_SW_OK)
		st = mu_card_sw_error(c, &cmd, sw);
	c->have_info = false;
	return st;
}
