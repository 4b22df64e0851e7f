/* SPDX-License-Identifier: Apache-2.0 */
/* Personalization: INIT CA, enrollment of an EP11 card (PREPARE, CERTIFY
 * CARD, ENROLL; docs §6) and reading certificates. */
#include "mu-card-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"

/* Zone ids are 1..32 characters of [A-Za-z0-9._-]. */
static bool zone_id_ok(const char *z)
{
	size_t n = z != NULL ? strlen(z) : 0;
	if (n < 1 || n > MU_ZONE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = z[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
		if (!ok)
			return false;
	}
	return true;
}

int mu_card_init_ca(mu_card *c, const char *zone_id, const char *zone_desc, const uint8_t *root_der,
                    size_t root_len, const char *pin1, const char *pin2, const char *label,
                    uint8_t root_fpr[32])
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (!zone_id_ok(zone_id))
		return mu_card_fail(
		    c, MU_SC_ERR_ARG,
		    "the zone id must have 1 to 32 characters among A-Z a-z 0-9 . _ -");
	if (zone_desc == NULL)
		zone_desc = "";
	int st = mu_card_check_text(c, zone_desc, 0, MU_DESC_MAX, "zone description");
	if (st == MU_SC_OK && label != NULL)
		st = mu_card_check_text(c, label, 0, MU_LABEL_MAX, "label");
	if (st == MU_SC_OK)
		st = mu_card_check_pin(c, pin1, "CA PIN 1");
	if (st == MU_SC_OK)
		st = mu_card_check_pin(c, pin2, "CA PIN 2");
	if (st != MU_SC_OK)
		return st;
	if (root_der == NULL || root_len == 0 || root_len > MU_CHAIN_BUF_MAX - 512)
		return mu_card_fail(c, MU_SC_ERR_ARG, "the root certificate is empty or too long");

	size_t cap = root_len + 512;
	uint8_t *data = malloc(cap);
	if (data == NULL)
		return mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
	mu_tlv_writer w;
	size_t len = 0;
	mu_tlv_writer_init(&w, data, cap);
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, zone_id);
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, zone_desc);
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root_der, root_len);
	mu_tlv_put(&w, MU_TAG_PIN, pin1, MU_PIN_LEN);
	mu_tlv_put(&w, MU_TAG_PIN2, pin2, MU_PIN_LEN);
	if (label != NULL)
		mu_tlv_put_str(&w, MU_TAG_LABEL, label);
	if (mu_tlv_writer_finish(&w, &len) != 0) {
		mu_memzero(data, cap);
		free(data);
		return mu_card_fail(c, MU_SC_ERR_ARG, "the INIT CA command is too long");
	}

	uint8_t resp[512];
	size_t rlen = 0;
	mu_tlv fpr;
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_INIT_CA,
	              .data = data,
	              .len = len,
	              .ne = 256,
	              .what = "initializing the CA card",
	              .want_type = MU_CARD_TYPE_BLANK};
	st = mu_card_run(c, &cmd, resp, sizeof(resp), &rlen);
	mu_memzero(data, cap);
	free(data);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_ROOT_FPR, 32, 32, &fpr, NULL, NULL);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(c, resp, rlen, MU_TAG_PUBKEY, MU_P521_POINT_LEN,
		                      MU_P521_POINT_LEN, NULL, NULL, NULL);
	if (st == MU_SC_OK && root_fpr != NULL)
		memcpy(root_fpr, fpr.value, 32);
	c->have_info = false;
	return st;
}

static int both(mu_card *failed, mu_card *other, int st)
{
	mu_card_copy_error(other, failed);
	return st;
}

int mu_card_prepare(mu_card *blank, uint8_t *req, size_t cap, size_t *req_len)
{
	uint8_t prep[512];
	size_t prep_len = 0;
	mu_tlv serial, point;
	mu_cmd pr = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_PREPARE,
	             .ne = 256,
	             .what = "preparing the blank card",
	             .want_type = MU_CARD_TYPE_BLANK};
	int st = mu_card_run(blank, &pr, prep, sizeof(prep), &prep_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(blank, prep, prep_len, MU_TAG_SERIAL, MU_SERIAL_LEN,
		                      MU_SERIAL_LEN, &serial, NULL, NULL);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(blank, prep, prep_len, MU_TAG_PUBKEY, MU_P521_POINT_LEN,
		                      MU_P521_POINT_LEN, &point, NULL, NULL);
	if (st != MU_SC_OK)
		return st;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, req, cap);
	mu_tlv_put(&w, MU_TAG_SERIAL, serial.value, serial.len);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point.value, point.len);
	return mu_tlv_writer_finish(&w, req_len) == MU_OK ? MU_SC_OK : MU_SC_ERR_ARG;
}

int mu_card_enroll(mu_card *blank, mu_card *ca, const char *pin, const char *label)
{
	if (blank == NULL || ca == NULL || blank == ca)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(blank);
	mu_card_clear_error(ca);
	int st = mu_card_check_pin(blank, pin, "PIN");
	if (st == MU_SC_OK && label != NULL)
		st = mu_card_check_text(blank, label, 0, MU_LABEL_MAX, "label");
	if (st != MU_SC_OK)
		return both(blank, ca, st);

	uint8_t *cert_resp = NULL, *enroll = NULL;
	uint8_t req[512];
	size_t req_len = 0, cert_len = 0, enroll_len = 0;
	const uint8_t *pkg_raw = NULL, *sig_raw = NULL;
	size_t pkg_raw_len = 0, sig_raw_len = 0;
	mu_card *failed = blank;

	st = mu_card_begin(blank);
	if (st != MU_SC_OK)
		return both(blank, ca, st);
	st = mu_card_begin(ca);
	if (st != MU_SC_OK) {
		mu_card_end(blank);
		return both(ca, blank, st);
	}

	st = mu_card_prepare(blank, req, sizeof(req), &req_len);
	if (st != MU_SC_OK)
		goto out;

	failed = ca;
	mu_tlv_writer w;
	mu_cmd cc = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_CERTIFY_CARD,
	             .data = req,
	             .len = req_len,
	             .ne = 256,
	             .what = "certifying the card on the CA card",
	             .want_type = MU_CARD_TYPE_CA};
	st = mu_card_resp_new(ca, &cert_resp);
	if (st == MU_SC_OK)
		st = mu_card_run(ca, &cc, cert_resp, MU_CARD_RESP_MAX, &cert_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(ca, cert_resp, cert_len, MU_TAG_ENROLL_PKG, 1,
		                      MU_CHAIN_BUF_MAX, NULL, &pkg_raw, &pkg_raw_len);
	if (st == MU_SC_OK)
		st = mu_card_resp_tlv(ca, cert_resp, cert_len, MU_TAG_SIGNATURE, 8, 160, NULL,
		                      &sig_raw, &sig_raw_len);
	if (st != MU_SC_OK)
		goto out;

	failed = blank;
	size_t cap = pkg_raw_len + sig_raw_len + 64;
	st = mu_card_resp_new(blank, &enroll);
	if (st != MU_SC_OK)
		goto out;
	if (cap > MU_CARD_RESP_MAX) {
		st = mu_card_fail(blank, MU_SC_ERR_RESPONSE, "the enrollment package is too long");
		goto out;
	}
	memcpy(enroll, pkg_raw, pkg_raw_len);
	memcpy(enroll + pkg_raw_len, sig_raw, sig_raw_len);
	mu_tlv_writer_init(&w, enroll + pkg_raw_len + sig_raw_len, 64);
	mu_tlv_put(&w, MU_TAG_PIN, pin, MU_PIN_LEN);
	if (label != NULL)
		mu_tlv_put_str(&w, MU_TAG_LABEL, label);
	mu_tlv_writer_finish(&w, &enroll_len);
	enroll_len += pkg_raw_len + sig_raw_len;
	mu_cmd en = {.cla = MU_CLA_PROP,
	             .ins = MU_INS_ENROLL,
	             .data = enroll,
	             .len = enroll_len,
	             .ne = 0,
	             .what = "enrolling the card",
	             .want_type = MU_CARD_TYPE_BLANK};
	st = mu_card_run(blank, &en, NULL, 0, NULL);
	mu_card_resp_free(&enroll); /* held the PIN */
	if (st == MU_SC_ERR_ZONE || st == MU_SC_ERR_CARD) {
		char detail[MU_CARD_ERRMSG_MAX];
		memcpy(detail, blank->errmsg, sizeof(detail));
		st = mu_card_fail(blank, st,
		                  "the blank card refused the enrollment package of the CA card "
		                  "(%s)",
		                  detail);
	}
out:
	if (st != MU_SC_OK)
		both(failed, failed == blank ? ca : blank, st);
	mu_card_resp_free(&enroll);
	mu_card_resp_free(&cert_resp);
	mu_card_end(ca);
	mu_card_end(blank);
	blank->have_info = false;
	return st;
}

int mu_card_get_cert(mu_card *c, int which, uint8_t **der, size_t *len)
{
	if (c == NULL || der == NULL || len == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	if (which < MU_CERT_CARD || which > MU_CERT_ADMIN)
		return mu_card_fail(c, MU_SC_ERR_ARG, "no certificate number %d", which);
	static const char *const names[] = {"the card certificate", "the zone CA certificate",
	                                    "the manufacturer root certificate",
	                                    "the admin certificate"};
	uint8_t *buf = NULL;
	size_t n = 0;
	uint16_t sw = 0;
	mu_cmd cmd = {.cla = MU_CLA_PROP,
	              .ins = MU_INS_GET_CERT,
	              .p1 = (uint8_t)which,
	              .ne = 256,
	              .what = "reading a certificate",
	              .want_type = -1};
	int st = mu_card_resp_new(c, &buf);
	if (st == MU_SC_OK)
		st = mu_card_run_sw(c, &cmd, buf, MU_CARD_RESP_MAX, &n, &sw);
	if (st == MU_SC_OK && sw == MU_SW_NOT_FOUND)
		st = mu_card_fail(c, MU_SC_ERR_NOT_FOUND, "the card holds no %s", names[which] + 4);
	else if (st == MU_SC_OK && sw != MU_SW_OK)
		st = mu_card_sw_error(c, &cmd, sw);
	/* a DER certificate is one SEQUENCE that fills the answer */
	mu_tlv t;
	mu_tlv_reader r;
	if (st == MU_SC_OK) {
		mu_tlv_reader_init(&r, buf, n);
		if (n < 2 || buf[0] != 0x30 || mu_tlv_next(&r, &t) != 1 || r.left != 0)
			st = mu_card_fail(c, MU_SC_ERR_RESPONSE, "the card sent a malformed %s",
			                  names[which] + 4);
	}
	uint8_t *out = NULL;
	if (st == MU_SC_OK) {
		out = malloc(n);
		if (out == NULL)
			st = mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
	}
	if (st == MU_SC_OK) {
		memcpy(out, buf, n);
		*der = out;
		*len = n;
	}
	mu_card_resp_free(&buf);
	return st;
}
