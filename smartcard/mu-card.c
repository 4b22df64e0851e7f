/* SPDX-License-Identifier: Apache-2.0 */
/* The card handle: open (SELECT), card info, the command runner and the
 * mapping of status words to errors a user can act on. */
#include "mu-card-priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-sw.h"

int mu_card_fail(mu_card *c, int st, const char *fmt, ...)
{
	if (c == NULL)
		return st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return st;
}

void mu_card_clear_error(mu_card *c)
{
	if (c != NULL)
		c->errmsg[0] = '\0';
}

void mu_card_copy_error(mu_card *to, const mu_card *from)
{
	if (to != NULL && from != NULL && to != from)
		memcpy(to->errmsg, from->errmsg, sizeof(to->errmsg));
}

const char *mu_card_errmsg(const mu_card *c)
{
	return c != NULL ? c->errmsg : "";
}

mu_conn *mu_card_conn(mu_card *c)
{
	return c != NULL ? c->conn : NULL;
}

const char *mu_card_type_name(int type)
{
	switch (type) {
	case MU_CARD_TYPE_BLANK:
		return "blank";
	case MU_CARD_TYPE_CA:
		return "CA";
	case MU_CARD_TYPE_EP11:
		return "EP11";
	default:
		return "unknown";
	}
}

static const char *type_phrase(int type)
{
	switch (type) {
	case MU_CARD_TYPE_BLANK:
		return "a blank card";
	case MU_CARD_TYPE_CA:
		return "a CA card";
	case MU_CARD_TYPE_EP11:
		return "an EP11 card";
	default:
		return "a card of unknown type";
	}
}

int mu_card_wrong_type(mu_card *c, int have, int want)
{
	return mu_card_fail(c, MU_SC_ERR_WRONG_TYPE, "this is %s; the command needs %s",
	                    type_phrase(have), type_phrase(want));
}

int mu_card_open(mu_backend *b, const char *reader, mu_card **out)
{
	if (b == NULL || reader == NULL || out == NULL)
		return MU_SC_ERR_ARG;
	mu_card *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MU_SC_ERR_NOMEM;
	c->info.type = -1;
	int st = mu_conn_open(b, reader, &c->conn);
	if (st != MU_SC_OK) {
		free(c);
		return st;
	}
	uint16_t sw = 0;
	st = mu_conn_command_le(c->conn, MU_CLA_ISO, MU_INS_SELECT, 0x04, 0x00, mu_card_aid,
	                        MU_CARD_AID_LEN, 256, NULL, 0, NULL, &sw);
	if (st == MU_SC_ERR_RESPONSE || (st == MU_SC_OK && sw != MU_SW_OK))
		st = MU_SC_ERR_NOT_OPENMU;
	if (st != MU_SC_OK) {
		mu_card_free(&c);
		return st;
	}
	*out = c;
	return MU_SC_OK;
}

void mu_card_free(mu_card **c)
{
	if (c == NULL || *c == NULL)
		return;
	mu_conn_free(&(*c)->conn);
	mu_memzero(*c, sizeof(**c));
	free(*c);
	*c = NULL;
}

/* ---- running commands ---- */

int mu_card_transport_error(mu_card *c, int st)
{
	const char *reader = mu_conn_reader(c->conn);
	switch (st) {
	case MU_SC_ERR_REMOVED:
		return mu_card_fail(c, st,
		                    "the card was removed from reader %s during the operation; "
		                    "nothing was changed on the workstation: check the card and "
		                    "retry",
		                    reader);
	case MU_SC_ERR_NO_SERVICE:
		return mu_card_fail(c, st,
		                    "the PC/SC service stopped during the operation on reader %s; "
		                    "restart pcscd and retry",
		                    reader);
	case MU_SC_ERR_RESPONSE:
		return mu_card_fail(c, st,
		                    "the card in reader %s sent an answer that is too long or "
		                    "does not end; it may not be a genuine OpenMU card",
		                    reader);
	case MU_SC_ERR_NOMEM:
		return mu_card_fail(c, st, "out of memory");
	case MU_SC_ERR_ARG:
		return mu_card_fail(c, st, "invalid command for the card");
	default:
		return mu_card_fail(c, st,
		                    "the reader %s failed during the operation (%s); check the "
		                    "reader and retry",
		                    reader, mu_sc_strerror(st));
	}
}

int mu_card_run_sw(mu_card *c, const mu_cmd *cmd, uint8_t *resp, size_t rcap, size_t *rlen,
                   uint16_t *sw)
{
	size_t got = 0;
	/* one command may take several APDUs (chaining, GET RESPONSE): keep
	 * other applications off the card meanwhile (nests in the callers'
	 * transactions) */
	int st = mu_conn_begin(c->conn);
	if (st == MU_SC_OK) {
		st = mu_conn_command_le(c->conn, cmd->cla, cmd->ins, cmd->p1, cmd->p2, cmd->data,
		                        cmd->len, cmd->ne, resp, resp != NULL ? rcap : 0, &got, sw);
		mu_conn_end(c->conn);
	}
	if (st != MU_SC_OK)
		return mu_card_transport_error(c, st);
	if (rlen != NULL)
		*rlen = got;
	return MU_SC_OK;
}

int mu_card_run(mu_card *c, const mu_cmd *cmd, uint8_t *resp, size_t rcap, size_t *rlen)
{
	uint16_t sw = 0;
	int st = mu_card_run_sw(c, cmd, resp, rcap, rlen, &sw);
	if (st != MU_SC_OK)
		return st;
	if (sw != MU_SW_OK)
		return mu_card_sw_error(c, cmd, sw);
	return MU_SC_OK;
}

int mu_card_begin(mu_card *c)
{
	int st = mu_conn_begin(c->conn);
	if (st != MU_SC_OK)
		return mu_card_transport_error(c, st);
	return MU_SC_OK;
}

void mu_card_end(mu_card *c)
{
	mu_conn_end(c->conn);
}

/* The current card info for an error message; false when unreadable. */
static bool error_info(mu_card *c, mu_card_info *info)
{
	char saved[MU_CARD_ERRMSG_MAX];
	memcpy(saved, c->errmsg, sizeof(saved));
	bool ok = mu_card_refresh(c, info) == MU_SC_OK;
	memcpy(c->errmsg, saved, sizeof(saved));
	return ok;
}

static int blocked_error(mu_card *c, const mu_cmd *cmd, const mu_card_info *info, bool have,
                         const char *prefix)
{
	if (have && info->type == MU_CARD_TYPE_CA) {
		int n = cmd->pin > 0 ? cmd->pin : (info->pin1_tries == 0 ? 1 : 2);
		return mu_card_fail(c, MU_SC_ERR_BLOCKED,
		                    "%sCA card PIN %d is blocked for good: the card can only be "
		                    "zeroized",
		                    prefix, n);
	}
	if (have && info->zone_id[0] != '\0')
		return mu_card_fail(c, MU_SC_ERR_BLOCKED,
		                    "%scard is blocked: unblock it with the CA card of zone %s",
		                    prefix, info->zone_id);
	return mu_card_fail(c, MU_SC_ERR_BLOCKED,
	                    "%scard is blocked: unblock it with the CA card of its zone", prefix);
}

int mu_card_sw_error(mu_card *c, const mu_cmd *cmd, uint16_t sw)
{
	const char *what = cmd->what != NULL ? cmd->what : "the command";
	mu_card_info info;
	bool have = false;
	int tries = mu_sw_tries_left(sw);

	if (tries > 0) {
		have = error_info(c, &info);
		const char *unit = tries == 1 ? "try" : "tries";
		if (have && info.type == MU_CARD_TYPE_CA)
			return mu_card_fail(c, MU_SC_ERR_WRONG_PIN, "wrong CA PIN %d, %d %s left",
			                    cmd->pin > 0 ? cmd->pin : 1, tries, unit);
		return mu_card_fail(c, MU_SC_ERR_WRONG_PIN, "wrong PIN, %d %s left", tries, unit);
	}
	if (tries == 0 || sw == MU_SW_PIN_BLOCKED) {
		have = error_info(c, &info);
		return blocked_error(c, cmd, &info, have,
		                     tries == 0 ? "wrong PIN, no try left: " : "");
	}

	switch (sw) {
	case MU_SW_NOT_VERIFIED:
		if (c->have_info && c->info.type == MU_CARD_TYPE_CA)
			return mu_card_fail(c, MU_SC_ERR_NOT_VERIFIED,
			                    "both PINs of the CA card must be verified before %s",
			                    what);
		return mu_card_fail(c, MU_SC_ERR_NOT_VERIFIED,
		                    "the PIN of the card must be verified before %s", what);
	case MU_SW_INCOMPATIBLE_FILE:
		have = error_info(c, &info);
		if (have && cmd->want_type >= 0)
			return mu_card_wrong_type(c, info.type, cmd->want_type);
		return mu_card_fail(c, MU_SC_ERR_WRONG_TYPE, "%s: %s", what,
		                    have ? type_phrase(info.type) : "wrong type of card");
	case MU_SW_NOT_FOUND:
		return mu_card_fail(c, MU_SC_ERR_NOT_FOUND, "%s: the card does not hold that item",
		                    what);
	case MU_SW_EXISTS:
		return mu_card_fail(c, MU_SC_ERR_EXISTS, "%s: the card already holds that item",
		                    what);
	case MU_SW_NO_SPACE:
		have = error_info(c, &info);
		if (have && info.keypart_count >= 0 && info.type == MU_CARD_TYPE_EP11)
			return mu_card_fail(c, MU_SC_ERR_FULL,
			                    "the card holds %d key parts already",
			                    info.keypart_count);
		return mu_card_fail(c, MU_SC_ERR_FULL, "%s: the card is full", what);
	case MU_SW_REF_NOT_USABLE:
		return mu_card_fail(
		    c, MU_SC_ERR_ZONE,
		    "%s: the card refused the other card's certificate or signature "
		    "(it is not of the same zone)",
		    what);
	case MU_SW_WRONG_DATA:
		if (cmd->pin > 0)
			return mu_card_fail(c, MU_SC_ERR_ARG, "the PIN must be exactly 6 digits");
		break;
	default:
		break;
	}
	return mu_card_fail(c, MU_SC_ERR_CARD, "%s failed: %s (status %04X)", what,
	                    mu_sw_message(sw), sw);
}

/* ---- argument checks ---- */

int mu_card_check_pin(mu_card *c, const char *pin, const char *which)
{
	bool ok = pin != NULL && strlen(pin) == MU_PIN_LEN;
	for (size_t i = 0; ok && i < MU_PIN_LEN; i++)
		ok = pin[i] >= '0' && pin[i] <= '9';
	if (!ok)
		return mu_card_fail(c, MU_SC_ERR_ARG, "the %s must be exactly 6 digits", which);
	return MU_SC_OK;
}

int mu_card_check_text(mu_card *c, const char *s, size_t min, size_t max, const char *what)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (s == NULL || n < min || n > max)
		return mu_card_fail(c, MU_SC_ERR_ARG, "the %s must have %zu to %zu bytes", what,
		                    min, max);
	return MU_SC_OK;
}

/* ---- responses ---- */

int mu_card_resp_new(mu_card *c, uint8_t **buf)
{
	*buf = malloc(MU_CARD_RESP_MAX);
	if (*buf == NULL)
		return mu_card_fail(c, MU_SC_ERR_NOMEM, "out of memory");
	return MU_SC_OK;
}

void mu_card_resp_free(uint8_t **buf)
{
	if (buf == NULL || *buf == NULL)
		return;
	mu_memzero(*buf, MU_CARD_RESP_MAX);
	free(*buf);
	*buf = NULL;
}

static int bad_response(mu_card *c, uint32_t tag)
{
	return mu_card_fail(c, MU_SC_ERR_RESPONSE,
	                    "the card in reader %s sent a malformed answer (field %02X); it may "
	                    "not be a genuine OpenMU card",
	                    mu_conn_reader(c->conn), (unsigned)tag);
}

int mu_card_resp_tlv(mu_card *c, const uint8_t *buf, size_t len, uint32_t tag, size_t min,
                     size_t max, mu_tlv *out, const uint8_t **raw, size_t *raw_len)
{
	mu_tlv_reader r;
	mu_tlv t;
	mu_tlv_reader_init(&r, buf, len);
	for (;;) {
		const uint8_t *start = r.p;
		int rv = mu_tlv_next(&r, &t);
		if (rv != 1)
			return bad_response(c, tag);
		if (t.tag != tag)
			continue;
		if (t.len < min || t.len > max)
			return bad_response(c, tag);
		if (out != NULL)
			*out = t;
		if (raw != NULL)
			*raw = start;
		if (raw_len != NULL)
			*raw_len = (size_t)(r.p - start);
		return MU_SC_OK;
	}
}

/* ---- card info ---- */

static void copy_text(char *dst, size_t cap, const mu_tlv *t)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;
	memcpy(dst, t->value, n);
	dst[n] = '\0';
}

static bool has_nul(const mu_tlv *t)
{
	return memchr(t->value, '\0', t->len) != NULL;
}

/* Parses GET DATA 01 00 (docs §3). false on anything malformed. */
static bool parse_info(const uint8_t *buf, size_t len, mu_card_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = -1;
	info->pin1_tries = -1;
	info->pin2_tries = -1;
	info->keypart_count = -1;
	info->keypart_max = -1;
	bool seen_serial = false, seen_label = false, seen_state = false;

	mu_tlv_reader r;
	mu_tlv t;
	int rv;
	mu_tlv_reader_init(&r, buf, len);
	while ((rv = mu_tlv_next(&r, &t)) == 1) {
		bool one = t.len == 1;
		uint8_t v = t.len > 0 ? t.value[0] : 0;
		switch (t.tag) {
		case MU_TAG_CARD_TYPE:
			if (!one || v > MU_CARD_TYPE_EP11)
				return false;
			info->type = v;
			break;
		case MU_TAG_SERIAL:
			if (t.len != MU_SERIAL_LEN)
				return false;
			memcpy(info->serial, t.value, MU_SERIAL_LEN);
			seen_serial = true;
			break;
		case MU_TAG_LABEL:
			if (t.len > MU_LABEL_MAX || has_nul(&t))
				return false;
			copy_text(info->label, sizeof(info->label), &t);
			seen_label = true;
			break;
		case MU_TAG_STATE:
			if (!one)
				return false;
			info->blocked = (v & MU_STATE_BLOCKED) != 0;
			info->prepared = (v & MU_STATE_HAS_CARD_KEY) != 0;
			info->has_sigkey = (v & MU_STATE_HAS_SIGKEY) != 0;
			seen_state = true;
			break;
		case MU_TAG_ZONE_ID:
			if (t.len < 1 || t.len > MU_ZONE_ID_MAX || has_nul(&t))
				return false;
			copy_text(info->zone_id, sizeof(info->zone_id), &t);
			break;
		case MU_TAG_ZONE_DESC:
			if (t.len > MU_DESC_MAX || has_nul(&t))
				return false;
			copy_text(info->zone_desc, sizeof(info->zone_desc), &t);
			break;
		case MU_TAG_ROOT_FPR:
			if (t.len != sizeof(info->root_fpr))
				return false;
			memcpy(info->root_fpr, t.value, sizeof(info->root_fpr));
			info->has_root_fpr = true;
			break;
		case MU_TAG_PIN1_TRIES:
		case MU_TAG_PIN2_TRIES:
			if (!one || v > 15)
				return false;
			if (t.tag == MU_TAG_PIN1_TRIES)
				info->pin1_tries = v;
			else
				info->pin2_tries = v;
			break;
		case MU_TAG_VERIFIED:
			if (!one)
				return false;
			info->pin1_verified = (v & 1u) != 0;
			info->pin2_verified = (v & 2u) != 0;
			break;
		case MU_TAG_KEYPART_COUNT:
		case MU_TAG_MAX_KEYPARTS:
			if (!one)
				return false;
			if (t.tag == MU_TAG_KEYPART_COUNT)
				info->keypart_count = v;
			else
				info->keypart_max = v;
			break;
		case MU_TAG_ADMIN_NAME:
			if (t.len < 1 || t.len > MU_NAME_MAX || has_nul(&t))
				return false;
			copy_text(info->admin_name, sizeof(info->admin_name), &t);
			break;
		case MU_TAG_KEY_ID:
			if (t.len != MU_KEY_ID_LEN)
				return false;
			memcpy(info->admin_key_id, t.value, MU_KEY_ID_LEN);
			break;
		default:
			break; /* fields of later versions are skipped */
		}
	}
	if (rv != 0 || info->type < 0 || !seen_serial || !seen_label || !seen_state)
		return false;
	if (info->type != MU_CARD_TYPE_BLANK && (info->zone_id[0] == '\0' || info->pin1_tries < 0))
		return false;
	if (info->type == MU_CARD_TYPE_CA && info->pin2_tries < 0)
		return false;
	if (info->type == MU_CARD_TYPE_EP11 && info->keypart_count < 0)
		info->keypart_count = 0;
	return true;
}

int mu_card_refresh(mu_card *c, mu_card_info *out)
{
	uint8_t buf[1024];
	size_t n = 0;
	uint16_t sw = 0;
	mu_cmd cmd = {.cla = MU_CLA_ISO,
	              .ins = MU_INS_GET_DATA,
	              .p1 = 0x01,
	              .p2 = 0x00,
	              .ne = 256,
	              .what = "reading the card information",
	              .want_type = -1};
	int st = mu_card_run_sw(c, &cmd, buf, sizeof(buf), &n, &sw);
	if (st != MU_SC_OK)
		return st;
	if (sw != MU_SW_OK)
		return mu_card_fail(c, MU_SC_ERR_CARD,
		                    "the card in reader %s did not give its information: %s "
		                    "(status %04X)",
		                    mu_conn_reader(c->conn), mu_sw_message(sw), sw);
	mu_card_info info;
	if (!parse_info(buf, n, &info))
		return mu_card_fail(c, MU_SC_ERR_RESPONSE,
		                    "the card in reader %s sent malformed card information",
		                    mu_conn_reader(c->conn));
	c->info = info;
	c->have_info = true;
	if (out != NULL)
		*out = info;
	return MU_SC_OK;
}

int mu_card_info_get(mu_card *c, mu_card_info *out)
{
	if (c == NULL || out == NULL)
		return MU_SC_ERR_ARG;
	mu_card_clear_error(c);
	return mu_card_refresh(c, out);
}
