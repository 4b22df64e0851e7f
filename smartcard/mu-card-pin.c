/* SPDX-License-Identifier: Apache-2.0 */
/* PINs: VERIFY, CHANGE REFERENCE DATA and the unblock flow across an EP11
 * card and its zone's CA card (docs §4, §7). */
#include "mu-card-priv.h"

#include <string.h>

#include "mu-secret.h"
#include "mu-sw.h"

static int pin_ref(int which)
{
	return which == 2 ? MU_PIN_REF_2 : MU_PIN_REF_1;
}

int mu_card_verify(mu_card *c, int which, const char *pin)
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (which != 1 && which != 2)
		return mu_card_fail(c, MU_SC_ERR_ARG, "PIN number %d does not exist", which);
	int st = mu_card_check_pin(c, pin, "PIN");
	if (st != MU_SC_OK)
		return st;
	mu_cmd cmd = {.cla = MU_CLA_ISO,
	              .ins = MU_INS_VERIFY,
	              .p2 = (uint8_t)pin_ref(which),
	              .data = (const uint8_t *)pin,
	              .len = MU_PIN_LEN,
	              .ne = 0,
	              .what = "checking the PIN",
	              .pin = which,
	              .want_type = -1};
	return mu_card_run(c, &cmd, NULL, 0, NULL);
}

int mu_card_change_pin(mu_card *c, int which, const char *old_pin, const char *new_pin)
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (which != 1 && which != 2)
		return mu_card_fail(c, MU_SC_ERR_ARG, "PIN number %d does not exist", which);
	int st = mu_card_check_pin(c, old_pin, "current PIN");
	if (st == MU_SC_OK)
		st = mu_card_check_pin(c, new_pin, "new PIN");
	if (st != MU_SC_OK)
		return st;
	uint8_t data[2 * MU_PIN_LEN];
	memcpy(data, old_pin, MU_PIN_LEN);
	memcpy(data + MU_PIN_LEN, new_pin, MU_PIN_LEN);
	mu_cmd cmd = {.cla = MU_CLA_ISO,
	              .ins = MU_INS_CHANGE_REF,
	              .p2 = (uint8_t)pin_ref(which),
	              .data = data,
	              .len = sizeof(data),
	              .ne = 0,
	              .what = "changing the PIN",
	              .pin = which,
	              .want_type = -1};
	st = mu_card_run(c, &cmd, NULL, 0, NULL);
	mu_memzero(data, sizeof(data));
	return st;
}

/* Reports a failure of one card of a two-card operation on both handles. */
static int both(mu_card *failed, mu_card *other, int st)
{
	mu_card_copy_error(other, failed);
	return st;
}

/* The unblock itself, inside transactions on both cards. */
static int unblock_locked(mu_card *ep11, mu_card *ca, const char *new_pin)
{
	mu_card_info ei, ci;
	int st = mu_card_refresh(ep11, &ei);
	if (st != MU_SC_OK)
		return both(ep11, ca, st);
	st = mu_card_refresh(ca, &ci);
	if (st != MU_SC_OK)
		return both(ca, ep11, st);
	if (ei.type != MU_CARD_TYPE_EP11)
		return both(ep11, ca, mu_card_wrong_type(ep11, ei.type, MU_CARD_TYPE_EP11));
	if (ci.type != MU_CARD_TYPE_CA)
		return both(ca, ep11, mu_card_wrong_type(ca, ci.type, MU_CARD_TYPE_CA));
	if (strcmp(ei.zone_id, ci.zone_id) != 0)
		return both(ep11, ca,
		            mu_card_fail(ep11, MU_SC_ERR_ZONE,
		                         "this card belongs to zone %s, the CA card to zone %s",
		                         ei.zone_id, ci.zone_id));

	uint8_t chal[64], req[128], resp[512], rrc[512];
	size_t chal_len = 0, req_len = 0, resp_len = 0, rrc_len = 0;
	mu_tlv sig;
	mu_cmd gc = {.cla = MU_CLA_ISO,
	             .ins = MU_INS_GET_CHALLENGE,
	             .ne = MU_CHALLENGE_LEN,
	             .what = "getting an unblock challenge",
	             .want_type = MU_CARD_TYPE_EP11};
	st = mu_card_run(ep11, &gc, chal, sizeof(chal), &chal_len);
	if (st != MU_SC_OK) {
		both(ep11, ca, st);
		goto out;
	}
	if (chal_len != MU_CHALLENGE_LEN) {
		st = both(ep11, ca,
		          mu_card_fail(ep11, MU_SC_ERR_RESPONSE,
		                       "the card sent a challenge of %zu bytes instead of 32",
		                       chal_len));
		goto out;
	}

	mu_tlv_writer w;
	mu_tlv_writer_init(&w, req, sizeof(req));
	mu_tlv_put(&w, MU_TAG_SERIAL, ei.serial, MU_SERIAL_LEN);
	mu_tlv_put(&w, MU_TAG_CHALLENGE, chal, MU_CHALLENGE_LEN);
	mu_tlv_writer_finish(&w, &req_len);
	mu_cmd su = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_SIGN_UNBLOCK,
	             .data = req,
	             .len = req_len,
	             .ne = 256,
	             .what = "signing the unblock request on the CA card",
	             .want_type = MU_CARD_TYPE_CA};
	st = mu_card_run(ca, &su, resp, sizeof(resp), &resp_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(ca, resp, resp_len, MU_TAG_SIGNATURE, 8, 160, &sig, NULL,
		                      NULL);
	if (st != MU_SC_OK) {
		both(ca, ep11, st);
		goto out;
	}

	mu_tlv_writer_init(&w, rrc, sizeof(rrc));
	mu_tlv_put(&w, MU_TAG_SIGNATURE, sig.value, sig.len);
	mu_tlv_put(&w, MU_TAG_PIN, new_pin, MU_PIN_LEN);
	mu_tlv_writer_finish(&w, &rrc_len);
	mu_cmd rr = {.cla = MU_CLA_ISO,
	             .ins = MU_INS_RESET_RETRY,
	             .p2 = MU_PIN_REF_1,
	             .data = rrc,
	             .len = rrc_len,
	             .ne = 0,
	             .what = "unblocking the PIN",
	             .want_type = MU_CARD_TYPE_EP11};
	uint16_t sw = 0;
	st = mu_card_run_sw(ep11, &rr, NULL, 0, NULL, &sw);
	mu_memzero(rrc, sizeof(rrc));
	if (st == MU_SC_OK && sw == MU_SW_NOT_VERIFIED)
		st = mu_card_fail(
		    ep11, MU_SC_ERR_ZONE,
		    "the card refused the unblock signature: the CA card is not the CA "
		    "card of zone %s",
		    ei.zone_id);
	else if (st == MU_SC_OK && sw == MU_SW_WRONG_DATA)
		st = mu_card_fail(ep11, MU_SC_ERR_ARG, "the new PIN must be exactly 6 digits");
	else if (st == MU_SC_OK && sw != MU_SW_OK)
		st = mu_card_sw_error(ep11, &rr, sw);
	if (st != MU_SC_OK)
		both(ep11, ca, st);
out:
	mu_memzero(chal, sizeof(chal));
	return st;
}

int mu_card_unblock(mu_card *ep11, mu_card *ca, const char *new_pin)
{
	if (ep11 == NULL || ca == NULL || ep11 == ca)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(ep11);
	mu_card_clear_error(ca);
	int st = mu_card_check_pin(ep11, new_pin, "new PIN");
	if (st != MU_SC_OK)
		return both(ep11, ca, st);
	st = mu_card_begin(ep11);
	if (st != MU_SC_OK)
		return both(ep11, ca, st);
	st = mu_card_begin(ca);
	if (st != MU_SC_OK) {
		mu_card_end(ep11);
		return both(ca, ep11, st);
	}
	st = unblock_locked(ep11, ca, new_pin);
	mu_card_end(ca);
	mu_card_end(ep11);
	ep11->have_info = false;
	return st;
}
