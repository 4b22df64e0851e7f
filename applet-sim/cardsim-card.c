/* SPDX-License-Identifier: Apache-2.0 */
/* The applet's dispatcher: APDU parsing, command chaining, GET RESPONSE,
 * SELECT and GET DATA, and the helpers every command shares. */
#include "cardsim-private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-crypto.h"
#include "mu-x509.h"

static int alloc_buffers(cardsim_card *c)
{
	c->chain_buf = malloc(MU_CHAIN_BUF_MAX);
	c->resp = malloc(CARDSIM_RESP_MAX);
	return c->chain_buf != NULL && c->resp != NULL ? 0 : MU_ERR_NOMEM;
}

cardsim_card *cardsim_card_alloc(void)
{
	cardsim_card *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (alloc_buffers(c) != 0) {
		cardsim_card_free(&c);
		return NULL;
	}
	return c;
}

int cardsim_card_new_blank(const char *label, cardsim_card **out)
{
	if (label == NULL || out == NULL ||
	    !cardsim_text_ok((const uint8_t *)label, strlen(label), MU_LABEL_MAX, true))
		return MU_ERR_ARG;
	cardsim_card *c = cardsim_card_alloc();
	if (c == NULL)
		return MU_ERR_NOMEM;
	if (mu_random(c->serial, sizeof(c->serial)) != MU_OK) {
		cardsim_card_free(&c);
		return MU_ERR_CRYPTO;
	}
	c->type = MU_CARD_TYPE_BLANK;
	cardsim_text_copy(c->label, (const uint8_t *)label, strlen(label));
	*out = c;
	return MU_OK;
}

void cardsim_card_free(cardsim_card **card)
{
	if (card == NULL || *card == NULL)
		return;
	cardsim_card *c = *card;
	cardsim_wipe_personalization(c);
	if (c->chain_buf != NULL)
		mu_memzero(c->chain_buf, MU_CHAIN_BUF_MAX);
	if (c->resp != NULL)
		mu_memzero(c->resp, CARDSIM_RESP_MAX);
	free(c->chain_buf);
	free(c->resp);
	mu_memzero(c, sizeof(*c));
	free(c);
	*card = NULL;
}

void cardsim_card_reset(cardsim_card *c)
{
	c->selected = c->v1 = c->v2 = false;
	c->has_challenge = false;
	mu_memzero(c->challenge, sizeof(c->challenge));
	c->chaining = false;
	mu_memzero(c->chain_buf, c->chain_len);
	c->chain_len = 0;
	mu_memzero(c->resp, c->resp_len);
	c->resp_len = c->resp_off = 0;
}

bool cardsim_card_take_dirty(cardsim_card *c)
{
	bool d = c->dirty;
	c->dirty = false;
	return d;
}

const char *cardsim_card_label(const cardsim_card *c)
{
	return c->label;
}

void cardsim_card_serial(const cardsim_card *c, uint8_t serial[8])
{
	memcpy(serial, c->serial, MU_SERIAL_LEN);
}

int cardsim_card_type(const cardsim_card *c)
{
	return c->type;
}

void cardsim_card_foreach_secret(const cardsim_card *c, cardsim_secret_fn fn, void *user)
{
	if (c->type != MU_CARD_TYPE_BLANK) {
		fn("pin1", c->pin1, MU_PIN_LEN, user);
		if (c->type == MU_CARD_TYPE_CA)
			fn("pin2", c->pin2, MU_PIN_LEN, user);
	}
	if (c->has_card_key)
		fn("card-key", c->card_key, MU_P521_SCALAR_LEN, user);
	if (c->has_ca_key)
		fn("zone-ca-key", c->ca_key, MU_P521_SCALAR_LEN, user);
	if (c->has_sigkey)
		fn("admin-key", c->sig_key, MU_P521_SCALAR_LEN, user);
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++)
		if (c->parts[i].used)
			fn("keypart", c->parts[i].value, MU_KEYPART_LEN, user);
}

/* ---- shared helpers ---------------------------------------------------- */

bool cardsim_is_blocked(const cardsim_card *c)
{
	if (c->type == MU_CARD_TYPE_EP11)
		return c->tries1 == 0;
	if (c->type == MU_CARD_TYPE_CA)
		return c->tries1 == 0 || c->tries2 == 0;
	return false;
}

uint16_t cardsim_need_user(const cardsim_card *c)
{
	if (c->tries1 == 0)
		return MU_SW_PIN_BLOCKED;
	return c->v1 ? MU_SW_OK : MU_SW_NOT_VERIFIED;
}

uint16_t cardsim_need_officers(const cardsim_card *c)
{
	if (cardsim_is_blocked(c))
		return MU_SW_PIN_BLOCKED;
	return c->v1 && c->v2 ? MU_SW_OK : MU_SW_NOT_VERIFIED;
}

bool cardsim_pin_ok(const uint8_t *pin, size_t len)
{
	if (len != MU_PIN_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	return true;
}

/* Printable UTF-8 without control characters. */
bool cardsim_text_ok(const uint8_t *s, size_t len, size_t max, bool allow_empty)
{
	if (len > max || (len == 0 && !allow_empty))
		return false;
	size_t i = 0;
	while (i < len) {
		uint8_t b = s[i];
		size_t n;
		if (b < 0x20 || b == 0x7F)
			return false;
		if (b < 0x80)
			n = 1;
		else if ((b & 0xE0) == 0xC0 && b >= 0xC2)
			n = 2;
		else if ((b & 0xF0) == 0xE0)
			n = 3;
		else if ((b & 0xF8) == 0xF0 && b <= 0xF4)
			n = 4;
		else
			return false;
		if (n > len - i)
			return false;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

bool cardsim_zone_ok(const uint8_t *s, size_t len)
{
	if (len == 0 || len > MU_ZONE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = s[i];
		bool ok = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
		          b == '.' || b == '_' || b == '-';
		if (!ok)
			return false;
	}
	return true;
}

void cardsim_text_copy(char *dst, const uint8_t *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int cardsim_cert_set(cardsim_cert *cert, const uint8_t *der, size_t len)
{
	if (len == 0 || len > CARDSIM_CERT_MAX)
		return MU_ERR_ARG;
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return MU_ERR_NOMEM;
	memcpy(copy, der, len);
	cardsim_cert_clear(cert);
	cert->der = copy;
	cert->len = len;
	return MU_OK;
}

void cardsim_cert_take(cardsim_cert *cert, uint8_t *der, size_t len)
{
	cardsim_cert_clear(cert);
	cert->der = der;
	cert->len = len;
}

void cardsim_cert_clear(cardsim_cert *cert)
{
	free(cert->der);
	cert->der = NULL;
	cert->len = 0;
}

void cardsim_wipe_personalization(cardsim_card *c)
{
	c->type = MU_CARD_TYPE_BLANK;
	mu_memzero(c->zone_id, sizeof(c->zone_id));
	mu_memzero(c->zone_desc, sizeof(c->zone_desc));
	mu_memzero(c->pin1, sizeof(c->pin1));
	mu_memzero(c->pin2, sizeof(c->pin2));
	c->tries1 = c->tries2 = 0;
	mu_memzero(c->card_key, sizeof(c->card_key));
	mu_memzero(c->ca_key, sizeof(c->ca_key));
	mu_memzero(c->sig_key, sizeof(c->sig_key));
	c->has_card_key = c->has_ca_key = c->has_sigkey = false;
	mu_memzero(c->admin_name, sizeof(c->admin_name));
	cardsim_cert_clear(&c->card_cert);
	cardsim_cert_clear(&c->ca_cert);
	cardsim_cert_clear(&c->root_cert);
	cardsim_cert_clear(&c->admin_cert);
	mu_memzero(c->parts, sizeof(c->parts));
	c->v1 = c->v2 = false;
	c->has_challenge = false;
}

int cardsim_tlv_span(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out,
                     const uint8_t **start, size_t *total)
{
	mu_tlv_reader r;
	mu_tlv t;
	int rc, found = 0;
	mu_tlv_reader_init(&r, buf, len);
	for (;;) {
		const uint8_t *at = r.p;
		rc = mu_tlv_next(&r, &t);
		if (rc != 1)
			break;
		if (t.tag != tag)
			continue;
		if (found)
			return -1;
		*out = t;
		if (start != NULL) {
			*start = at;
			*total = (size_t)(t.value + t.len - at);
		}
		found = 1;
	}
	return rc < 0 ? -1 : found;
}

int cardsim_tlv_get(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out)
{
	return cardsim_tlv_span(buf, len, tag, out, NULL, NULL);
}

EVP_PKEY *cardsim_key(const uint8_t scalar[MU_P521_SCALAR_LEN])
{
	EVP_PKEY *k = NULL;
	return mu_ec_from_scalar(scalar, MU_P521_SCALAR_LEN, &k) == MU_OK ? k : NULL;
}

int cardsim_generate(uint8_t scalar[MU_P521_SCALAR_LEN])
{
	EVP_PKEY *k = NULL;
	if (mu_ec_generate(&k) != MU_OK)
		return -1;
	int rc = mu_ec_private_scalar(k, scalar) == MU_OK ? 0 : -1;
	EVP_PKEY_free(k);
	return rc;
}

int cardsim_point(const uint8_t scalar[MU_P521_SCALAR_LEN], uint8_t point[MU_P521_POINT_LEN])
{
	return mu_ec_scalar_point(scalar, point) == MU_OK ? 0 : -1;
}

uint16_t cardsim_sign_tlv(const uint8_t scalar[MU_P521_SCALAR_LEN], const char *context,
                          const uint8_t *msg, size_t len, mu_tlv_writer *out)
{
	uint8_t sig[MU_EC_SIG_MAX];
	size_t sig_len = 0;
	EVP_PKEY *k = cardsim_key(scalar);
	if (k == NULL)
		return MU_SW_UNKNOWN;
	int rc = mu_ec_sign(k, context, msg, len, sig, sizeof(sig), &sig_len);
	EVP_PKEY_free(k);
	if (rc != MU_OK)
		return MU_SW_UNKNOWN;
	mu_tlv_put(out, MU_TAG_SIGNATURE, sig, sig_len);
	return out->overflow ? MU_SW_UNKNOWN : MU_SW_OK;
}

bool cardsim_verify(EVP_PKEY *pub, const char *context, const uint8_t *msg, size_t len,
                    const mu_tlv *sig)
{
	return mu_ec_verify(pub, context, msg, len, sig->value, sig->len) == MU_OK;
}

bool cardsim_put_raw(mu_tlv_writer *o, const uint8_t *p, size_t n)
{
	if (o->overflow || n > o->cap - o->len)
		return false;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return true;
}

/* ---- SELECT and GET DATA ----------------------------------------------- */

static uint16_t cmd_select(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                           mu_tlv_writer *o)
{
	(void)o;
	if (a->p1 != 0x04 || (a->p2 != 0x00 && a->p2 != 0x0C))
		return MU_SW_WRONG_P1P2;
	if (n != MU_CARD_AID_LEN || memcmp(d, mu_card_aid, n) != 0) {
		c->selected = false;
		return MU_SW_FILE_NOT_FOUND;
	}
	c->selected = true;
	return MU_SW_OK;
}

static uint16_t cmd_get_data(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                             mu_tlv_writer *o)
{
	(void)d;
	if (((unsigned)a->p1 << 8 | a->p2) != MU_P1P2_GET_DATA_INFO)
		return MU_SW_NOT_FOUND;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	uint8_t state = 0;
	if (cardsim_is_blocked(c))
		state |= MU_STATE_BLOCKED;
	if (c->has_card_key)
		state |= MU_STATE_HAS_CARD_KEY;
	if (c->has_sigkey)
		state |= MU_STATE_HAS_SIGKEY;
	mu_tlv_put_u8(o, MU_TAG_CARD_TYPE, (uint8_t)c->type);
	mu_tlv_put(o, MU_TAG_SERIAL, c->serial, sizeof(c->serial));
	mu_tlv_put_str(o, MU_TAG_LABEL, c->label);
	mu_tlv_put_u8(o, MU_TAG_STATE, state);
	if (c->type == MU_CARD_TYPE_BLANK)
		return MU_SW_OK;
	uint8_t fpr[32];
	if (mu_x509_fingerprint(c->root_cert.der, c->root_cert.len, fpr) != MU_OK)
		return MU_SW_UNKNOWN;
	mu_tlv_put_str(o, MU_TAG_ZONE_ID, c->zone_id);
	mu_tlv_put_str(o, MU_TAG_ZONE_DESC, c->zone_desc);
	mu_tlv_put(o, MU_TAG_ROOT_FPR, fpr, sizeof(fpr));
	mu_tlv_put_u8(o, MU_TAG_PIN1_TRIES, c->tries1);
	if (c->type == MU_CARD_TYPE_CA)
		mu_tlv_put_u8(o, MU_TAG_PIN2_TRIES, c->tries2);
	mu_tlv_put_u8(o, MU_TAG_VERIFIED, (uint8_t)((c->v1 ? 1 : 0) | (c->v2 ? 2 : 0)));
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_OK;
	uint8_t count = 0;
	for (size_t i = 0; i < MU_KEYPARTS_MAX; i++)
		count = (uint8_t)(count + (c->parts[i].used ? 1 : 0));
	mu_tlv_put_u8(o, MU_TAG_KEYPART_COUNT, count);
	mu_tlv_put_u8(o, MU_TAG_MAX_KEYPARTS, MU_KEYPARTS_MAX);
	if (c->has_sigkey) {
		uint8_t point[MU_P521_POINT_LEN], id[MU_KEY_ID_LEN];
		if (cardsim_point(c->sig_key, point) != 0 || mu_ec_key_id(point, id) != MU_OK)
			return MU_SW_UNKNOWN;
		mu_tlv_put_str(o, MU_TAG_ADMIN_NAME, c->admin_name);
		mu_tlv_put(o, MU_TAG_KEY_ID, id, sizeof(id));
	}
	return MU_SW_OK;
}

/* ---- dispatch ----------------------------------------------------------- */

typedef struct command {
	uint8_t cla, ins;
	cardsim_handler fn;
} command;

static const command commands[] = {
	{MU_CLA_ISO, MU_INS_SELECT, cmd_select},
	{MU_CLA_ISO, MU_INS_GET_DATA, cmd_get_data},
	{MU_CLA_ISO, MU_INS_VERIFY, cardsim_cmd_verify},
	{MU_CLA_ISO, MU_INS_CHANGE_REF, cardsim_cmd_change_pin},
	{MU_CLA_ISO, MU_INS_GET_CHALLENGE, cardsim_cmd_get_challenge},
	{MU_CLA_ISO, MU_INS_RESET_RETRY, cardsim_cmd_reset_retry},
	{MU_CLA_ISO, MU_INS_GEN_KEYPAIR, cardsim_cmd_genkey},
	{MU_CLA_ISO, MU_INS_PSO, cardsim_cmd_pso},
	{MU_CLA_PROP, MU_INS_INIT_CA, cardsim_cmd_init_ca},
	{MU_CLA_PROP, MU_INS_PREPARE, cardsim_cmd_prepare},
	{MU_CLA_PROP, MU_INS_CERTIFY_CARD, cardsim_cmd_certify},
	{MU_CLA_PROP, MU_INS_ENROLL, cardsim_cmd_enroll},
	{MU_CLA_PROP, MU_INS_GET_CERT, cardsim_cmd_get_cert},
	{MU_CLA_PROP, MU_INS_SIGN_UNBLOCK, cardsim_cmd_sign_unblock},
	{MU_CLA_PROP, MU_INS_KEYPART_GEN, cardsim_cmd_keypart_gen},
	{MU_CLA_PROP, MU_INS_KEYPART_LIST, cardsim_cmd_keypart_list},
	{MU_CLA_PROP, MU_INS_KEYPART_DELETE, cardsim_cmd_keypart_delete},
	{MU_CLA_PROP, MU_INS_KEYPART_EXPORT, cardsim_cmd_keypart_export},
	{MU_CLA_PROP, MU_INS_COPY_EXPORT, cardsim_cmd_copy_export},
	{MU_CLA_PROP, MU_INS_COPY_IMPORT, cardsim_cmd_copy_import},
	{MU_CLA_PROP, MU_INS_CA_BACKUP_EXPORT, cardsim_cmd_backup_export},
	{MU_CLA_PROP, MU_INS_CA_RESTORE, cardsim_cmd_restore},
	{MU_CLA_PROP, MU_INS_ZEROIZE, cardsim_cmd_zeroize},
};

static void put_sw(uint8_t *r, size_t *rlen, size_t off, uint16_t sw)
{
	r[off] = (uint8_t)(sw >> 8);
	r[off + 1] = (uint8_t)sw;
	*rlen = off + 2;
}

/* Sends the next piece of the waiting response (at most ne bytes). */
static void deliver(cardsim_card *c, size_t ne, uint8_t *r, size_t *rlen)
{
	size_t left = c->resp_len - c->resp_off;
	size_t max = CARDSIM_RAPDU_MAX - 2;
	size_t n = left;
	if (ne == 0 || ne > max)
		ne = max;
	if (n > ne)
		n = ne;
	memcpy(r, c->resp + c->resp_off, n);
	c->resp_off += n;
	left -= n;
	if (left == 0) {
		mu_memzero(c->resp, c->resp_len);
		c->resp_len = c->resp_off = 0;
		put_sw(r, rlen, n, MU_SW_OK);
	} else {
		put_sw(r, rlen, n, (uint16_t)(MU_SW_BYTES_REMAINING | (left > 0xFF ? 0 : left)));
	}
}

static uint16_t get_response(cardsim_card *c, const mu_apdu *a, uint8_t *r, size_t *rlen)
{
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (c->resp_len == 0)
		return MU_SW_CONDITIONS;
	size_t left = c->resp_len - c->resp_off;
	/* An explicit Le larger than what is left, below 256: say how many. */
	if (a->ne != 0 && a->ne < 256 && a->ne > left)
		return (uint16_t)(MU_SW_WRONG_LE | left);
	deliver(c, a->ne, r, rlen);
	return 0;
}

static void drop_chain(cardsim_card *c)
{
	mu_memzero(c->chain_buf, c->chain_len);
	c->chain_len = 0;
	c->chaining = false;
}

/* Collects command chaining. Returns 0 when the full command is ready in
 * *data and *len, or a status word to answer right away. */
static uint16_t collect_chain(cardsim_card *c, const mu_apdu *a, uint8_t base_cla,
                              const uint8_t **data, size_t *len)
{
	bool more = (a->cla & MU_APDU_CLA_CHAIN) != 0;
	if (c->chaining && (c->chain_cla != base_cla || c->chain_ins != a->ins ||
	                    c->chain_p1 != a->p1 || c->chain_p2 != a->p2)) {
		drop_chain(c);
		return MU_SW_LAST_CHAIN_EXPECTED;
	}
	if (!more && !c->chaining) {
		*data = a->data;
		*len = a->nc;
		return 0;
	}
	if (a->nc > MU_CHAIN_BUF_MAX - c->chain_len) {
		drop_chain(c);
		return MU_SW_WRONG_LENGTH;
	}
	if (!c->chaining) {
		c->chaining = true;
		c->chain_cla = base_cla;
		c->chain_ins = a->ins;
		c->chain_p1 = a->p1;
		c->chain_p2 = a->p2;
	}
	if (a->nc > 0)
		memcpy(c->chain_buf + c->chain_len, a->data, a->nc);
	c->chain_len += a->nc;
	if (more)
		return MU_SW_OK;
	c->chaining = false;
	*data = c->chain_buf;
	*len = c->chain_len;
	return 0;
}

void cardsim_card_process(cardsim_card *c, const uint8_t *capdu, size_t clen, uint8_t *r,
                          size_t *rlen)
{
	mu_apdu a;
	uint16_t sw;
	*rlen = 0;
	if (mu_apdu_parse(capdu, clen, &a) != MU_OK) {
		put_sw(r, rlen, 0, MU_SW_WRONG_LENGTH);
		return;
	}
	uint8_t base_cla = (uint8_t)(a.cla & ~MU_APDU_CLA_CHAIN);
	if (base_cla != MU_CLA_ISO && base_cla != MU_CLA_PROP) {
		put_sw(r, rlen, 0, MU_SW_CLA_UNSUPPORTED);
		return;
	}
	if (a.cla == MU_CLA_ISO && a.ins == MU_INS_GET_RESPONSE && c->selected) {
		sw = get_response(c, &a, r, rlen);
		if (sw != 0)
			put_sw(r, rlen, 0, sw);
		return;
	}
	/* Any other command drops a response nobody fetched. */
	mu_memzero(c->resp, c->resp_len);
	c->resp_len = c->resp_off = 0;

	const command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cla == base_cla && commands[i].ins == a.ins)
			cmd = &commands[i];
	if (cmd == NULL) {
		drop_chain(c);
		put_sw(r, rlen, 0, MU_SW_INS_UNSUPPORTED);
		return;
	}
	if (!c->selected && a.ins != MU_INS_SELECT) {
		drop_chain(c);
		put_sw(r, rlen, 0, MU_SW_INS_UNSUPPORTED);
		return;
	}
	if (a.nc > MU_CHAIN_BUF_MAX) {
		drop_chain(c);
		put_sw(r, rlen, 0, MU_SW_WRONG_LENGTH);
		return;
	}
	const uint8_t *data;
	size_t len;
	sw = collect_chain(c, &a, base_cla, &data, &len);
	if (sw != 0) {
		put_sw(r, rlen, 0, sw);
		return;
	}
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, c->resp, CARDSIM_RESP_MAX);
	sw = cmd->fn(c, &a, data, len, &w);
	if (data == c->chain_buf)
		drop_chain(c);
	size_t out_len = 0;
	if (sw == MU_SW_OK && mu_tlv_writer_finish(&w, &out_len) != MU_OK)
		sw = MU_SW_UNKNOWN;
	if (sw != MU_SW_OK) {
		mu_memzero(c->resp, w.len);
		put_sw(r, rlen, 0, sw);
		return;
	}
	c->resp_len = out_len;
	c->resp_off = 0;
	if (out_len == 0) {
		put_sw(r, rlen, 0, MU_SW_OK);
		return;
	}
	deliver(c, a.ne, r, rlen);
}
