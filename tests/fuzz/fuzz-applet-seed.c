/* SPDX-License-Identifier: Apache-2.0 */
#include "fuzz-applet-seed.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-tlv.h"

static uint8_t *images[4];
static size_t image_len[4];

/* Sends a command with chaining and GET RESPONSE; returns the data. */
static size_t send(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                   const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	mu_apdu a = {.cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = d, .nc = n, .ne = 256};
	mu_apdu_chain ch;
	mu_apdu piece;
	uint8_t buf[300], r[CARDSIM_RAPDU_MAX];
	size_t bl, rl = 0, got = 0;
	uint16_t sw = 0;
	mu_apdu_chain_init(&ch, &a);
	while (mu_apdu_chain_next(&ch, &piece) == 1) {
		if (mu_apdu_build(&piece, false, buf, sizeof(buf), &bl) != 0)
			abort();
		cardsim_card_process(c, buf, bl, r, &rl);
		sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
	}
	for (;;) {
		if (got + rl - 2 > cap)
			abort();
		memcpy(out + got, r, rl - 2);
		got += rl - 2;
		if ((sw & 0xFF00) != 0x6100)
			break;
		static const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
		cardsim_card_process(c, gr, sizeof(gr), r, &rl);
		sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
	}
	if (sw != 0x9000)
		abort();
	return got;
}

static const uint8_t *find(const uint8_t *b, size_t n, uint32_t tag, size_t *len)
{
	mu_tlv t;
	if (mu_tlv_find(b, n, tag, &t) != 1)
		abort();
	*len = t.len;
	return t.value;
}

static size_t root_der(uint8_t *out, size_t cap)
{
	EVP_PKEY *k = EVP_EC_gen("P-521");
	X509 *x = X509_new();
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz root", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha512());
	unsigned char *p = out;
	int n = i2d_X509(x, NULL);
	if (n <= 0 || (size_t)n > cap)
		abort();
	i2d_X509(x, &p);
	X509_free(x);
	EVP_PKEY_free(k);
	return (size_t)n;
}

static void keep(int i, const cardsim_card *c)
{
	if (cardsim_card_save(c, &images[i], &image_len[i]) != 0)
		abort();
}

static void build(void)
{
	static uint8_t buf[20480], out[20480];
	mu_tlv_writer w;
	size_t n, l1, l2;
	cardsim_card *blank = NULL, *ca = NULL, *ep = NULL;
	if (cardsim_card_new_blank("fuzz", &blank) != 0 || cardsim_card_new_blank("ca", &ca) != 0 ||
	    cardsim_card_new_blank("ep11", &ep) != 0)
		abort();
	keep(0, blank);
	send(ca, 0, MU_INS_SELECT, 4, 0, mu_card_aid, MU_CARD_AID_LEN, out, sizeof(out));
	uint8_t root[4096];
	size_t root_len = root_der(root, sizeof(root));
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, "FUZZ");
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, "fuzz zone");
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root, root_len);
	mu_tlv_put_str(&w, MU_TAG_PIN, "111111");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "222222");
	mu_tlv_writer_finish(&w, &n);
	send(ca, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, buf, n, out, sizeof(out));
	send(ca, 0, MU_INS_VERIFY, 0, MU_PIN_REF_1, (const uint8_t *)"111111", 6, out, sizeof(out));
	send(ca, 0, MU_INS_VERIFY, 0, MU_PIN_REF_2, (const uint8_t *)"222222", 6, out, sizeof(out));

	send(ep, 0, MU_INS_SELECT, 4, 0, mu_card_aid, MU_CARD_AID_LEN, out, sizeof(out));
	size_t pl = send(ep, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, out, sizeof(out));
	keep(3, ep);
	const uint8_t *serial = find(out, pl, MU_TAG_SERIAL, &l1);
	const uint8_t *point = find(out, pl, MU_TAG_PUBKEY, &l2);
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, l1);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point, l2);
	mu_tlv_writer_finish(&w, &n);
	size_t pkg = send(ca, MU_CLA_PROP, MU_INS_CERTIFY_CARD, 0, 0, buf, n, out, sizeof(out));
	memcpy(buf, out, pkg);
	mu_tlv_writer_init(&w, buf + pkg, sizeof(buf) - pkg);
	mu_tlv_put_str(&w, MU_TAG_PIN, "123456");
	mu_tlv_writer_finish(&w, &n);
	send(ep, MU_CLA_PROP, MU_INS_ENROLL, 0, 0, buf, pkg + n, out, sizeof(out));
	send(ep, 0, MU_INS_VERIFY, 0, MU_PIN_REF_1, (const uint8_t *)"123456", 6, out, sizeof(out));
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put_str(&w, MU_TAG_ADMIN_NAME, "fuzz admin");
	mu_tlv_writer_finish(&w, &n);
	send(ep, 0, MU_INS_GEN_KEYPAIR, 0, 0, buf, n, out, sizeof(out));
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put_str(&w, MU_TAG_DESC, "part");
	mu_tlv_writer_finish(&w, &n);
	send(ep, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, buf, n, out, sizeof(out));
	send(ep, MU_CLA_PROP, MU_INS_KEYPART_GEN, 0, 0, buf, n, out, sizeof(out));
	keep(1, ca);
	keep(2, ep);
	cardsim_card_free(&blank);
	cardsim_card_free(&ca);
	cardsim_card_free(&ep);
}

int fuzz_applet_card(uint8_t sel, cardsim_card **out)
{
	if (images[0] == NULL)
		build();
	unsigned i = sel % 4u;
	if (cardsim_card_load(images[i], image_len[i], out) != 0)
		abort();
	/* select the applet and, for personalized cards, verify the PINs so
	 * that deep commands are reachable */
	static const uint8_t select[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 'O', 'P', 'E', 'N', 'M', 'U', 0x01};
	static const uint8_t v1ca[] = {0x00, 0x20, 0x00, 0x81, 0x06, '1', '1', '1', '1', '1', '1'};
	static const uint8_t v2ca[] = {0x00, 0x20, 0x00, 0x82, 0x06, '2', '2', '2', '2', '2', '2'};
	static const uint8_t v1ep[] = {0x00, 0x20, 0x00, 0x81, 0x06, '1', '2', '3', '4', '5', '6'};
	uint8_t r[CARDSIM_RAPDU_MAX];
	size_t rl;
	if ((sel & 0x80) == 0)
		cardsim_card_process(*out, select, sizeof(select), r, &rl);
	if (i == 1 && (sel & 0x40) == 0) {
		cardsim_card_process(*out, v1ca, sizeof(v1ca), r, &rl);
		cardsim_card_process(*out, v2ca, sizeof(v2ca), r, &rl);
	} else if (i == 2 && (sel & 0x40) == 0) {
		cardsim_card_process(*out, v1ep, sizeof(v1ep), r, &rl);
	}
	return 0;
}
