/* SPDX-License-Identifier: Apache-2.0 */
#include "applet-test-util.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-secret.h"
#include "mu-tlv.h"

uint16_t applet_raw(cardsim_card *c, const uint8_t *apdu, size_t len)
{
	uint8_t r[CARDSIM_RAPDU_MAX];
	size_t rl = 0;
	cardsim_card_process(c, apdu, len, r, &rl);
	g_assert_cmpuint(rl, >=, 2);
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

static uint16_t exchange(cardsim_card *c, const mu_apdu *a, applet_resp *out)
{
	uint8_t buf[300], r[CARDSIM_RAPDU_MAX];
	size_t n, rl = 0;
	g_assert_cmpint(mu_apdu_build(a, false, buf, sizeof(buf), &n), ==, 0);
	cardsim_card_process(c, buf, n, r, &rl);
	g_assert_cmpuint(rl, >=, 2);
	g_assert_cmpuint(out->len + rl - 2, <=, sizeof(out->data));
	memcpy(out->data + out->len, r, rl - 2);
	out->len += rl - 2;
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

void applet_cmd(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                const void *data, size_t len, applet_resp *r)
{
	mu_apdu a = {.cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = data, .nc = len, .ne = 256};
	mu_apdu_chain ch;
	mu_apdu piece;
	uint16_t sw = 0;
	r->len = 0;
	mu_apdu_chain_init(&ch, &a);
	while (mu_apdu_chain_next(&ch, &piece) == 1) {
		if (piece.cla & MU_APDU_CLA_CHAIN)
			piece.ne = 0;
		sw = exchange(c, &piece, r);
		if ((piece.cla & MU_APDU_CLA_CHAIN) && sw != 0x9000)
			break;
	}
	while ((sw & 0xFF00) == 0x6100) {
		mu_apdu gr = {.cla = 0, .ins = MU_INS_GET_RESPONSE, .ne = (sw & 0xFF) ? (sw & 0xFF) : 256};
		sw = exchange(c, &gr, r);
	}
	r->sw = sw;
}

void applet_ok(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
               const void *data, size_t len, applet_resp *r)
{
	applet_cmd(c, cla, ins, p1, p2, data, len, r);
	g_assert_cmphex(r->sw, ==, 0x9000);
}

void applet_select(cardsim_card *c)
{
	applet_resp r;
	applet_ok(c, 0, MU_INS_SELECT, 4, 0, mu_card_aid, MU_CARD_AID_LEN, &r);
}

uint16_t applet_verify(cardsim_card *c, uint8_t ref, const char *pin)
{
	applet_resp r;
	applet_cmd(c, 0, MU_INS_VERIFY, 0, ref, pin, pin ? strlen(pin) : 0, &r);
	return r.sw;
}

uint8_t *applet_make_root(size_t *len)
{
	EVP_PKEY *k = EVP_EC_gen("P-521");
	X509 *x = X509_new();
	g_assert_nonnull(k);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Test root", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_set_pubkey(x, k);
	g_assert_cmpint(X509_sign(x, k, EVP_sha512()), >, 0);
	unsigned char *der = NULL;
	int l = i2d_X509(x, &der);
	g_assert_cmpint(l, >, 0);
	uint8_t *out = g_memdup2(der, (gsize)l);
	*len = (size_t)l;
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	return out;
}

const uint8_t *applet_tlv(const applet_resp *r, uint32_t tag, size_t *len)
{
	mu_tlv t;
	g_assert_cmpint(mu_tlv_find(r->data, r->len, tag, &t), ==, 1);
	*len = t.len;
	return t.value;
}

cardsim_card *applet_new_ca(const char *zone)
{
	size_t root_len;
	g_autofree uint8_t *root = applet_make_root(&root_len);
	return applet_new_ca_with_root(zone, root, root_len);
}

cardsim_card *applet_new_ca_with_root(const char *zone, const uint8_t *root, size_t root_len)
{
	cardsim_card *c = NULL;
	size_t n;
	uint8_t buf[4096];
	mu_tlv_writer w;
	applet_resp r;
	g_assert_cmpint(cardsim_card_new_blank("ca", &c), ==, 0);
	applet_select(c);
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, zone);
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, "test zone");
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root, root_len);
	mu_tlv_put_str(&w, MU_TAG_PIN, "111111");
	mu_tlv_put_str(&w, MU_TAG_PIN2, "222222");
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, 0);
	applet_ok(c, MU_CLA_PROP, MU_INS_INIT_CA, 0, 0, buf, n, &r);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "111111"), ==, 0x9000);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_2, "222222"), ==, 0x9000);
	return c;
}

cardsim_card *applet_new_ep11(cardsim_card *ca)
{
	cardsim_card *c = NULL;
	applet_resp r, pkg;
	uint8_t buf[8192];
	size_t n, l1, l2;
	mu_tlv_writer w;
	g_assert_cmpint(cardsim_card_new_blank("ep11", &c), ==, 0);
	applet_select(c);
	applet_ok(c, MU_CLA_PROP, MU_INS_PREPARE, 0, 0, NULL, 0, &r);
	const uint8_t *serial = applet_tlv(&r, MU_TAG_SERIAL, &l1);
	const uint8_t *point = applet_tlv(&r, MU_TAG_PUBKEY, &l2);
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put(&w, MU_TAG_SERIAL, serial, l1);
	mu_tlv_put(&w, MU_TAG_PUBKEY, point, l2);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, 0);
	applet_ok(ca, MU_CLA_PROP, MU_INS_CERTIFY_CARD, 0, 0, buf, n, &pkg);
	g_assert_cmpuint(pkg.len + 16, <, sizeof(buf));
	memcpy(buf, pkg.data, pkg.len);
	mu_tlv_writer_init(&w, buf + pkg.len, sizeof(buf) - pkg.len);
	mu_tlv_put_str(&w, MU_TAG_PIN, "123456");
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, 0);
	applet_ok(c, MU_CLA_PROP, MU_INS_ENROLL, 0, 0, buf, pkg.len + n, &r);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	return c;
}

GBytes *applet_image(const cardsim_card *c)
{
	uint8_t *img = NULL;
	size_t len = 0;
	g_assert_cmpint(cardsim_card_save(c, &img, &len), ==, 0);
	GBytes *b = g_bytes_new(img, len);
	mu_memzero(img, len);
	g_free(img);
	return b;
}
