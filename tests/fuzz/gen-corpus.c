/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the seed corpora of the applet fuzz targets:
 *   DIR/card-image/NAME  card images of every kind (cardsim_card_save), made
 *                        through APDUs, plus a few damaged ones;
 *   DIR/applet/NAME      inputs of fuzz-applet.c: a selector byte (card 0
 *                        blank, 1 CA, 2 EP11, 3 prepared blank; bit 7 skips
 *                        SELECT, bit 6 the PIN) then APDUs with a 2-byte
 *                        big-endian length each.
 * Built and run by gen-corpus.sh; the output is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cardsim-card.h"
#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-tlv.h"
#include "mu-x509.h"

static const char *out_dir;

static void die(const char *what)
{
	fprintf(stderr, "gen-corpus: %s\n", what);
	exit(1);
}

static void write_file(const char *sub, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

/* ---- driving a card ------------------------------------------------------ */

/* Sends a command (chained), follows 61xx; returns the SW, data in out. */
static uint16_t cmd(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                    const uint8_t *d, size_t n, uint8_t *out, size_t *out_len)
{
	static uint8_t dummy[20480];
	mu_apdu a = {.cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = d, .nc = n, .ne = 256};
	mu_apdu_chain ch;
	mu_apdu piece;
	uint8_t buf[300], r[CARDSIM_RAPDU_MAX];
	size_t bl, rl = 0, got = 0;
	uint16_t sw = 0;
	if (out == NULL)
		out = dummy;
	mu_apdu_chain_init(&ch, &a);
	while (mu_apdu_chain_next(&ch, &piece) == 1) {
		if (mu_apdu_build(&piece, false, buf, sizeof(buf), &bl) != 0)
			die("apdu");
		cardsim_card_process(c, buf, bl, r, &rl);
		sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
	}
	for (;;) {
		memcpy(out + got, r, rl - 2);
		got += rl - 2;
		if ((sw & 0xFF00) != 0x6100)
			break;
		static const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
		cardsim_card_process(c, gr, sizeof(gr), r, &rl);
		sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
	}
	if (out_len != NULL)
		*out_len = got;
	return sw;
}

static void ok(uint16_t sw, const char *what)
{
	if (sw != 0x9000) {
		fprintf(stderr, "gen-corpus: %s answered %04X\n", what, sw);
		exit(1);
	}
}

static const uint8_t *find(const uint8_t *b, size_t n, uint32_t tag, size_t *len)
{
	mu_tlv t;
	if (mu_tlv_find(b, n, tag, &t) != 1)
		die("missing TLV");
	*len = t.len;
	return t.value;
}

static cardsim_card *new_card(const char *label)
{
	cardsim_card *c = NULL;
	if (cardsim_card_new_blank(label, &c) != 0)
		die("new card");
	ok(cmd(c, 0, MU_INS_SELECT, 4, 0, mu_card_aid, MU_CARD_AID_LEN, NULL, NULL), "SELECT");
	return c;
}

static void verify(cardsim_card *c, uint8_t ref, const char *pin)
{
	ok(cmd(c, 0, MU_INS_VERIFY, 0, ref, (const uint8_t *)pin, 6, NULL, NULL), "VERIFY");
}

/* A self-signed P-521 manufacturer root. */
static size_t make_root(uint8_t *der, size_t cap)
{
	EVP_PKEY *k = NULL;
	uint8_t *z = NULL;
	size_t len = 0;
	if (mu_ec_generate(&k) != 0 || mu_x509_make_zone_ca(k, "ROOT", &z, &len) != 0 || len > cap)
		die("root");
	memcpy(der, z, len);
	free(z);
	EVP_PKEY_free(k);
	return len;
}

static cardsim_card *new_ca(const char *zone)
{
	uint8_t buf[8192], root[4096];
	size_t n = 0, rl = make_root(root, sizeof(root));
	mu_tlv_writer w;
	cardsim_card *c = new_card("ca");
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, zone);
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, "fuzz zone");
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root, rl);
	mu_tlv_put_str(&w, MU_TAG_PIN, "111111");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "222222");
	mu_tlv_writer_finish(&w, &n);
	ok(cmd(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, buf, n, NULL, NULL), "INIT CA");
	verify(c, MU_PIN_REF_1, "111111");
	verify(c, MU_PIN_REF_2, "222222");
	return c;
}

/* PREPARE: serial and point of the card. */
static void prepare(cardsim_card *c, uint8_t *req, size_t *req_len)
{
	uint8_t out[512];
	size_t n, l1, l2;
	mu_tlv_writer w;
	ok(cmd(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, out, &n), "PREPARE");
	const uint8_t *serial = find(out, n, MU_TAG_SERIAL, &l1);
	const uint8_t *point = find(out, n, MU_TAG_PUBKEY, &l2);
	mu_tlv_writer_init(&w, req, 512);
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, l1);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point, l2);
	mu_tlv_writer_finish(&w, req_len);
}

static cardsim_card *new_ep11(cardsim_card *ca)
{
	static uint8_t buf[20480];
	uint8_t req[512];
	size_t rn, pkg, n;
	mu_tlv_writer w;
	cardsim_card *c = new_card("ep11");
	prepare(c, req, &rn);
	ok(cmd(ca, MU_CLA_PROP, MU_INS_CERTIFY_CARD, 0, 0, req, rn, buf, &pkg), "CERTIFY");
	mu_tlv_writer_init(&w, buf + pkg, sizeof(buf) - pkg);
	mu_tlv_put_str(&w, MU_TAG_PIN, "123456");
	mu_tlv_writer_finish(&w, &n);
	ok(cmd(c, MU_CLA_PROP, MU_INS_ENROLL, 0, 0, buf, pkg + n, NULL, NULL), "ENROLL");
	verify(c, MU_PIN_REF_1, "123456");
	return c;
}

static void keypart(cardsim_card *c, const char *desc)
{
	uint8_t d[80];
	size_t n;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_DESC, desc);
	mu_tlv_writer_finish(&w, &n);
	ok(cmd(c, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, d, n, NULL, NULL), "KEYPART GENERATE");
}

static void genkey(cardsim_card *c)
{
	static const uint8_t d[] = {MU_TAG_ADMIN_NAME, 5, 'A', 'l', 'i', 'c', 'e'};
	ok(cmd(c, 0, MU_INS_GEN_KEYPAIR, 0, 0, d, sizeof(d), NULL, NULL), "GENERATE KEY PAIR");
}

static void save_image(const cardsim_card *c, const char *name)
{
	uint8_t *img = NULL;
	size_t len = 0;
	if (cardsim_card_save(c, &img, &len) != 0)
		die("save");
	write_file("card-image", name, img, len);
	if (strcmp(name, "ep11-full") == 0) {
		/* damaged copies: truncated, checksum off, a body byte changed */
		write_file("card-image", "damaged-truncated", img, len / 2);
		img[len - 1] ^= 0x01;
		write_file("card-image", "damaged-checksum", img, len);
		img[len - 1] ^= 0x01;
		img[40] ^= 0x01;
		write_file("card-image", "damaged-body", img, len);
	}
	free(img);
}

static void gen_images(void)
{
	cardsim_card *blank = new_card("");
	save_image(blank, "blank");
	cardsim_card *labelled = new_card("deck1 card 7");
	save_image(labelled, "blank-labelled");
	uint8_t req[512];
	size_t rn;
	cardsim_card *prepared = new_card("prepared");
	prepare(prepared, req, &rn);
	save_image(prepared, "prepared");

	cardsim_card *ca = new_ca("FUZZ-ZONE");
	save_image(ca, "ca");
	cardsim_card *ep = new_ep11(ca);
	save_image(ep, "ep11-enrolled");
	genkey(ep);
	keypart(ep, "part one");
	keypart(ep, "part two");
	keypart(ep, "part three");
	save_image(ep, "ep11-full");

	/* a CA backup restored onto the prepared card (it keeps its card key) */
	static uint8_t env[20480];
	size_t en = 0, n = 0;
	mu_tlv_writer w;
	ok(cmd(ca, MU_CLA_PROP, MU_INS_CA_BACKUP_EXPORT, 0, 0, req, rn, env, &en), "BACKUP");
	mu_tlv_writer_init(&w, env + en, sizeof(env) - en);
	mu_tlv_put_str(&w, MU_TAG_PIN, "333333");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "444444");
	mu_tlv_writer_finish(&w, &n);
	ok(cmd(prepared, MU_CLA_PROP, MU_INS_CA_RESTORE, 0, 0, env, en + n, NULL, NULL), "RESTORE");
	save_image(prepared, "ca-restored");

	/* blocked cards */
	for (int i = 0; i < 3; i++)
		cmd(ep, 0, MU_INS_VERIFY, 0, MU_PIN_REF_1, (const uint8_t *)"000000", 6, NULL, NULL);
	save_image(ep, "ep11-blocked");
	for (int i = 0; i < 5; i++)
		cmd(ca, 0, MU_INS_VERIFY, 0, MU_PIN_REF_2, (const uint8_t *)"000000", 6, NULL, NULL);
	save_image(ca, "ca-blocked");

	/* the fullest card: 85 key parts */
	verify(prepared, MU_PIN_REF_1, "333333");
	verify(prepared, MU_PIN_REF_2, "444444");
	cardsim_card *full = new_ep11(prepared);
	genkey(full);
	for (int i = 0; i < 85; i++)
		keypart(full, "a key part with a description of sixty-four bytes, the most .");
	save_image(full, "ep11-85-parts");

	cardsim_card_free(&full);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
	cardsim_card_free(&prepared);
	cardsim_card_free(&labelled);
	cardsim_card_free(&blank);
}

/* ---- applet inputs ------------------------------------------------------- */

typedef struct input {
	uint8_t buf[8192];
	size_t len;
} input;

static void in_start(input *in, uint8_t sel)
{
	in->buf[0] = sel;
	in->len = 1;
}

static void in_raw(input *in, const uint8_t *apdu, size_t n)
{
	if (in->len + 2 + n > sizeof(in->buf))
		die("input too long");
	in->buf[in->len++] = (uint8_t)(n >> 8);
	in->buf[in->len++] = (uint8_t)n;
	memcpy(in->buf + in->len, apdu, n);
	in->len += n;
}

/* One command, chained into short APDUs when long (or extended). */
static void in_cmd(input *in, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *d,
                   size_t n, bool extended)
{
	uint8_t buf[4200];
	size_t bl;
	mu_apdu a = {.cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = d, .nc = n, .ne = 256};
	if (extended || n <= 255) {
		if (mu_apdu_build(&a, extended, buf, sizeof(buf), &bl) != 0)
			die("apdu");
		in_raw(in, buf, bl);
		return;
	}
	mu_apdu_chain ch;
	mu_apdu piece;
	mu_apdu_chain_init(&ch, &a);
	while (mu_apdu_chain_next(&ch, &piece) == 1) {
		if (mu_apdu_build(&piece, false, buf, sizeof(buf), &bl) != 0)
			die("apdu");
		in_raw(in, buf, bl);
	}
}

static void in_save(const input *in, const char *name)
{
	write_file("applet", name, in->buf, in->len);
}

/* A2 { 81 src, 81 dst, 9D point, 95 nonce, 96 ct, <cred_tag cred> } 93 sig,
 * all well formed and none of it authentic. */
static size_t fake_envelope(uint8_t *d, size_t cap, uint32_t cred_tag, const uint8_t serial[8],
                            const uint8_t point[MU_EC_POINT_LEN], const uint8_t *filler,
                            const uint8_t *cred, size_t cred_len)
{
	mu_tlv_writer w;
	size_t n = 0;
	mu_tlv_writer_init(&w, d, cap);
	size_t mark = mu_tlv_begin(&w, MU_TAG_ENVELOPE);
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&w, MU_TAG_EPH_PUBKEY, point, MU_EC_POINT_LEN);
	mu_tlv_put(&w, MU_TAG_NONCE, filler, 12);
	mu_tlv_put(&w, MU_TAG_CIPHERTEXT, filler, 64);
	mu_tlv_put(&w, cred_tag, cred, cred_len);
	mu_tlv_end(&w, mark);
	mu_tlv_put(&w, MU_TAG_SIGNATURE, filler, 70);
	if (mu_tlv_writer_finish(&w, &n) != 0)
		die("envelope");
	return n;
}

static const uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
static const uint8_t get_info[] = {0x00, 0xCA, 0x01, 0x00, 0x00};

static void gen_inputs(void)
{
	input in;
	uint8_t d[4096], root[4096], point[MU_EC_POINT_LEN];
	size_t n = 0;
	mu_tlv_writer w;
	EVP_PKEY *k = NULL;
	if (mu_ec_generate(&k) != 0 || mu_ec_public_point(k, point) != 0)
		die("key");
	EVP_PKEY_free(k);
	static const uint8_t serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	in_start(&in, 0);
	in_raw(&in, get_info, sizeof(get_info));
	in_cmd(&in, 0x80, MU_INS_PREPARE, 0, 0, NULL, 0, false);
	in_cmd(&in, 0x80, MU_INS_PREPARE, 0, 0, NULL, 0, false);
	in_raw(&in, get_info, sizeof(get_info));
	in_save(&in, "blank-prepare");

	in_start(&in, 0);
	size_t rl = make_root(root, sizeof(root));
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, "Z1");
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, "zone");
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root, rl);
	mu_tlv_put_str(&w, MU_TAG_PIN, "111111");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "222222");
	mu_tlv_put_str(&w, MU_TAG_LABEL, "new ca");
	mu_tlv_writer_finish(&w, &n);
	in_cmd(&in, 0x80, MU_INS_INIT_CA, 0, 0, d, n, false);
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x81, (const uint8_t *)"111111", 6, false);
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x82, (const uint8_t *)"222222", 6, false);
	in_cmd(&in, 0x80, MU_INS_GET_CERT, 0, 0, NULL, 0, false);
	in_raw(&in, get_response, sizeof(get_response));
	in_save(&in, "blank-init-ca");

	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point, sizeof(point));
	mu_tlv_writer_finish(&w, &n);
	in_start(&in, 1);
	in_cmd(&in, 0x80, MU_INS_CERTIFY_CARD, 0, 0, d, n, false);
	for (int i = 0; i < 8; i++)
		in_raw(&in, get_response, sizeof(get_response));
	in_save(&in, "ca-certify");
	in_start(&in, 1);
	in_cmd(&in, 0x80, MU_INS_CA_BACKUP_EXPORT, 0, 0, d, n, false);
	for (int i = 0; i < 12; i++)
		in_raw(&in, get_response, sizeof(get_response));
	in_save(&in, "ca-backup");

	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&w, MU_TAG_CHALLENGE, point + 1, 32);
	mu_tlv_writer_finish(&w, &n);
	in_start(&in, 1);
	in_cmd(&in, 0x80, MU_INS_SIGN_UNBLOCK, 0, 0, d, n, false);
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x82, (const uint8_t *)"000000", 6, false);
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x82, NULL, 0, false);
	in_cmd(&in, 0x00, MU_INS_CHANGE_REF, 0, 0x81, (const uint8_t *)"111111123123", 12, false);
	in_cmd(&in, 0x80, MU_INS_ZEROIZE, 0, 0, NULL, 0, false);
	in_save(&in, "ca-unblock-pins-zeroize");

	in_start(&in, 2);
	static const uint8_t desc[] = {MU_TAG_DESC, 6, 'p', 'a', 'r', 't', ' ', 'A'};
	in_cmd(&in, 0x80, MU_INS_KEYPART_GEN, 0, 0, desc, sizeof(desc), false);
	in_cmd(&in, 0x80, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, false);
	in_cmd(&in, 0x80, MU_INS_KEYPART_DELETE, 0, 0, NULL, 0, false);
	in_cmd(&in, 0x80, MU_INS_KEYPART_DELETE, 1, 0, NULL, 0, false);
	in_cmd(&in, 0x80, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, false);
	in_raw(&in, get_info, sizeof(get_info));
	in_save(&in, "ep11-keyparts");

	uint8_t block[600];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)i;
	in_start(&in, 2);
	in_cmd(&in, 0x00, MU_INS_PSO, 0x9E, 0x9A, block, 300, false);
	in_cmd(&in, 0x00, MU_INS_PSO, 0x9E, 0x9A, block, sizeof(block), true);
	in_cmd(&in, 0x00, MU_INS_PSO, 0x9E, 0x9A, block, 16, false);
	in_save(&in, "ep11-sign-chain");

	in_start(&in, 2);
	static const uint8_t name[] = {MU_TAG_ADMIN_NAME, 3, 'B', 'o', 'b'};
	in_cmd(&in, 0x00, MU_INS_GEN_KEYPAIR, 1, 0, name, sizeof(name), false);
	in_cmd(&in, 0x80, MU_INS_GET_CERT, 3, 0, NULL, 0, false);
	in_raw(&in, get_response, sizeof(get_response));
	in_cmd(&in, 0x00, MU_INS_PSO, 0x9E, 0x9A, block, 32, false);
	in_save(&in, "ep11-genkey-sign");

	in_start(&in, 0x42); /* EP11, PIN not verified */
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x81, (const uint8_t *)"000000", 6, false);
	in_cmd(&in, 0x00, MU_INS_VERIFY, 0, 0x81, NULL, 0, false);
	in_cmd(&in, 0x00, MU_INS_CHANGE_REF, 0, 0x81, (const uint8_t *)"123456654321", 12, false);
	in_cmd(&in, 0x00, MU_INS_GET_CHALLENGE, 0, 0, NULL, 0, false);
	mu_tlv_writer_init(&w, d, sizeof(d));
	mu_tlv_put(&w, MU_TAG_SIGNATURE, block, 70);
	mu_tlv_put_str(&w, MU_TAG_PIN, "999999");
	mu_tlv_writer_finish(&w, &n);
	in_cmd(&in, 0x00, MU_INS_RESET_RETRY, 0, 0x81, d, n, false);
	in_save(&in, "ep11-pins");

	/* envelopes: well formed, not authentic */
	size_t copy_len = fake_envelope(d, sizeof(d), MU_TAG_CERT, serial, point, block, root, rl);
	in_start(&in, 2);
	in_cmd(&in, 0x80, MU_INS_COPY_IMPORT, 0, 0, d, copy_len, false);
	in_cmd(&in, 0x80, MU_INS_COPY_EXPORT, 0, 0, root, rl, false);
	in_cmd(&in, 0x80, MU_INS_GET_CERT, 0, 0, NULL, 0, false);
	in_save(&in, "ep11-copy");
	n = fake_envelope(d, sizeof(d), MU_TAG_CA_CERT, serial, point, block, root, rl);
	mu_tlv_writer_init(&w, d + n, sizeof(d) - n);
	mu_tlv_put_str(&w, MU_TAG_PIN, "333333");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "444444");
	size_t extra = 0;
	mu_tlv_writer_finish(&w, &extra);
	in_start(&in, 3);
	in_cmd(&in, 0x80, MU_INS_CA_RESTORE, 0, 0, d, n + extra, false);
	static const uint8_t pkg[] = {0xA1, 0x03, 0x83, 0x01, 'Z', 0x93, 0x01, 0x00,
	                              0x8C, 0x06, '1',  '2',  '3', '4',  '5',  '6'};
	in_cmd(&in, 0x80, MU_INS_ENROLL, 0, 0, pkg, sizeof(pkg), false);
	in_raw(&in, get_info, sizeof(get_info));
	in_save(&in, "prepared-restore-enroll");

	in_start(&in, 0x80); /* blank, not selected */
	in_raw(&in, get_info, sizeof(get_info));
	in_raw(&in, get_response, sizeof(get_response));
	in_cmd(&in, 0x00, MU_INS_SELECT, 4, 0, mu_card_aid, MU_CARD_AID_LEN, false);
	in_raw(&in, get_info, sizeof(get_info));
	in_save(&in, "unselected");

	in_start(&in, 2);
	static const uint8_t cert_le5[] = {0x80, 0x18, 0x02, 0x00, 0x00};
	static const uint8_t gr5[] = {0x00, 0xC0, 0x00, 0x00, 0x05};
	static const uint8_t grff[] = {0x00, 0xC0, 0x00, 0x00, 0xFF};
	static const uint8_t link[] = {0x90, 0x20, 0x00, 0x00, 0x03, 0x91, 0x02, 'a'};
	static const uint8_t other[] = {0x80, 0x22, 0x00, 0x00, 0x00};
	in_raw(&in, cert_le5, sizeof(cert_le5));
	in_raw(&in, gr5, sizeof(gr5));
	in_raw(&in, grff, sizeof(grff));
	in_raw(&in, get_response, sizeof(get_response));
	in_raw(&in, link, sizeof(link));
	in_raw(&in, other, sizeof(other));
	in_raw(&in, (const uint8_t *)"\x80\x20\x00", 3);
	in_save(&in, "ep11-transport");

	in_start(&in, 2);
	in_cmd(&in, 0x80, MU_INS_ZEROIZE, 0, 0, NULL, 0, false);
	in_raw(&in, get_info, sizeof(get_info));
	in_cmd(&in, 0x80, MU_INS_PREPARE, 0, 0, NULL, 0, false);
	in_save(&in, "ep11-zeroize");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	gen_images();
	gen_inputs();
	return 0;
}
