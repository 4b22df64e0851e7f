/* SPDX-License-Identifier: Apache-2.0 */
/* Card-to-card envelopes through APDUs (docs/protocol.md §8): COPY EXPORT
 * and IMPORT inside a zone, CA BACKUP EXPORT and CA RESTORE. Envelopes are
 * also opened and forged here, independently of the applet, with keys read
 * through the test-only secret walk. */
#include <glib.h>
#include <string.h>

#include <openssl/evp.h>

#include "applet-test-ops.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-vp.h"
#include "mu-x509.h"

static void assert_image_unchanged(GBytes *before, const cardsim_card *c)
{
	g_autoptr(GBytes) after = applet_image(c);
	g_assert_true(g_bytes_equal(before, after));
}

static cardsim_card *clone_of(GBytes *img)
{
	cardsim_card *c = NULL;
	g_assert_cmpint(cardsim_card_load(g_bytes_get_data(img, NULL), g_bytes_get_size(img), &c), ==,
	                0);
	applet_select(c);
	g_assert_cmphex(applet_verify(c, MU_PIN_REF_1, "123456"), ==, 0x9000);
	return c;
}

static uint16_t cmd(cardsim_card *c, uint8_t ins, const uint8_t *d, size_t n, applet_resp *r)
{
	applet_cmd(c, MU_CLA_PROP, ins, 0, 0, d, n, r);
	return r->sw;
}

static void test_copy_content(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *src = applet_new_ep11(ca);
	cardsim_card *dst = applet_new_ep11(ca);
	applet_resp cert, ex, r, l1, l2, a1, a2;
	ops_genkey(src);
	for (int i = 0; i < 3; i++)
		g_assert_cmphex(ops_keypart_gen(src, "source part", &r), ==, 0x9000);
	applet_ok(src, MU_CLA_PROP, MU_INS_KEYPART_DELETE, 1, 0, NULL, 0, &r);
	/* the target has content of its own, which the copy replaces */
	ops_genkey(dst);
	for (int i = 0; i < 5; i++)
		g_assert_cmphex(ops_keypart_gen(dst, "old part", &r), ==, 0x9000);

	ops_get_cert(dst, MU_CERT_CARD, &cert);
	(void)cardsim_card_take_dirty(src);
	applet_ok(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, cert.data, cert.len, &ex);
	g_assert_false(cardsim_card_take_dirty(src));

	/* §8 from the outside: the envelope opens with the target card key and
	 * is signed by the source card key over the context and the A2 TLV */
	EVP_PKEY *dst_key = ops_card_secret_key(dst, "card-key");
	size_t plain_len = 0;
	g_autofree uint8_t *plain =
		ops_envelope_open(ex.data, ex.len, MU_COPY_CONTEXT, dst_key, &plain_len);
	g_assert_nonnull(plain);
	mu_tlv t;
	g_assert_cmpint(mu_tlv_find(plain, plain_len, MU_TAG_ADMIN_NAME, &t), ==, 1);
	g_assert_cmpmem(t.value, t.len, "Alice", 5);
	g_assert_cmpint(mu_tlv_find(plain, plain_len, MU_TAG_PRIVKEY, &t), ==, 1);
	g_assert_cmpuint(t.len, ==, 66);
	g_assert_cmpint(mu_tlv_find(plain, plain_len, MU_TAG_ADMIN_CERT, &t), ==, 1);
	unsigned parts = 0;
	mu_tlv_reader rd;
	mu_tlv_reader_init(&rd, plain, plain_len);
	while (mu_tlv_next(&rd, &t) == 1)
		parts += t.tag == MU_TAG_KEYPART;
	g_assert_cmpuint(parts, ==, 2);
	mu_tlv env, sig, scert;
	const uint8_t *env_start = ex.data;
	g_assert_cmpint(mu_tlv_find(ex.data, ex.len, MU_TAG_ENVELOPE, &env), ==, 1);
	g_assert_cmpint(mu_tlv_find(ex.data, ex.len, MU_TAG_SIGNATURE, &sig), ==, 1);
	g_assert_cmpint(mu_tlv_find(env.value, env.len, MU_TAG_CERT, &scert), ==, 1);
	applet_resp own;
	ops_get_cert(src, MU_CERT_CARD, &own);
	g_assert_cmpmem(scert.value, scert.len, own.data, own.len);
	EVP_PKEY *src_pub = NULL;
	g_assert_cmpint(mu_x509_public_key(own.data, own.len, &src_pub), ==, MU_OK);
	g_assert_cmpint(mu_ec_verify(src_pub, MU_COPY_CONTEXT, env_start,
	                             (size_t)(env.value + env.len - env_start), sig.value, sig.len),
	                ==, MU_OK);
	EVP_PKEY_free(src_pub);
	EVP_PKEY_free(dst_key);

	/* import: same parts, same VPs, the same signature key */
	(void)cardsim_card_take_dirty(dst);
	applet_ok(dst, MU_CLA_PROP, MU_INS_COPY_IMPORT, 0, 0, ex.data, ex.len, &r);
	g_assert_true(cardsim_card_take_dirty(dst));
	applet_ok(src, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l1);
	applet_ok(dst, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l2);
	g_assert_cmpmem(l1.data, l1.len, l2.data, l2.len);
	g_assert_cmphex(ops_info_u8(dst, MU_TAG_KEYPART_COUNT), ==, 2);
	ops_get_cert(src, MU_CERT_ADMIN, &a1);
	ops_get_cert(dst, MU_CERT_ADMIN, &a2);
	g_assert_cmpmem(a1.data, a1.len, a2.data, a2.len);
	EVP_PKEY *admin = NULL;
	g_assert_cmpint(mu_x509_public_key(a1.data, a1.len, &admin), ==, MU_OK);
	applet_ok(dst, 0, MU_INS_PSO, MU_PSO_SIGN_P1, MU_PSO_SIGN_P2, "block", 5, &r);
	g_assert_cmpint(mu_ec_verify(admin, NULL, (const uint8_t *)"block", 5, r.data, r.len), ==,
	                MU_OK);
	EVP_PKEY_free(admin);
	/* the copy survives the image */
	g_autoptr(GBytes) img = applet_image(dst);
	cardsim_card *back = clone_of(img);
	applet_ok(back, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l2);
	g_assert_cmpmem(l1.data, l1.len, l2.data, l2.len);
	cardsim_card_free(&back);
	cardsim_card_free(&dst);
	cardsim_card_free(&src);
	cardsim_card_free(&ca);
}

static void test_copy_export_refusals(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *twin = applet_new_ca("ZONE-A");
	cardsim_card *cb = applet_new_ca("ZONE-B");
	cardsim_card *src = applet_new_ep11(ca);
	cardsim_card *t_twin = applet_new_ep11(twin);
	cardsim_card *t_other = applet_new_ep11(cb);
	applet_resp cert, r;
	g_assert_cmphex(ops_keypart_gen(src, "p", &r), ==, 0x9000);
	g_autoptr(GBytes) before = applet_image(src);

	ops_get_cert(t_other, MU_CERT_CARD, &cert);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, cert.data, cert.len, &r), ==,
	                MU_SW_REF_NOT_USABLE);
	ops_get_cert(t_twin, MU_CERT_CARD, &cert);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, cert.data, cert.len, &r), ==,
	                MU_SW_REF_NOT_USABLE);
	/* the zone CA certificate is not a card certificate */
	ops_get_cert(ca, MU_CERT_CARD, &cert);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, cert.data, cert.len, &r), ==,
	                MU_SW_REF_NOT_USABLE);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, (const uint8_t *)"\x30\x03\x02\x01\x00", 5, &r),
	                ==, MU_SW_REF_NOT_USABLE);
	/* to itself */
	ops_get_cert(src, MU_CERT_CARD, &cert);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, cert.data, cert.len, &r), ==, MU_SW_CONDITIONS);
	/* without the PIN */
	cardsim_card *dst = applet_new_ep11(ca);
	ops_get_cert(dst, MU_CERT_CARD, &cert);
	cardsim_card_reset(src);
	applet_select(src);
	g_assert_cmphex(cmd(src, MU_INS_COPY_EXPORT, cert.data, cert.len, &r), ==, MU_SW_NOT_VERIFIED);
	applet_cmd(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 1, 0, cert.data, cert.len, &r);
	g_assert_cmphex(r.sw, ==, MU_SW_WRONG_P1P2);
	assert_image_unchanged(before, src);
	cardsim_card_free(&dst);
	cardsim_card_free(&t_other);
	cardsim_card_free(&t_twin);
	cardsim_card_free(&src);
	cardsim_card_free(&cb);
	cardsim_card_free(&twin);
	cardsim_card_free(&ca);
}

/* The copy plaintext of §8 with one part, and optionally a signature key. */
static size_t copy_plain(uint8_t *buf, size_t cap, const uint8_t value[32], const uint8_t vp[32],
                         uint8_t slot, const uint8_t *admin_key, const uint8_t *admin_cert,
                         size_t cert_len)
{
	mu_tlv_writer w;
	size_t n = 0;
	mu_tlv_writer_init(&w, buf, cap);
	if (admin_key != NULL) {
		mu_tlv_put_str(&w, MU_TAG_ADMIN_NAME, "Mallory");
		mu_tlv_put(&w, MU_TAG_PRIVKEY, admin_key, 66);
		mu_tlv_put(&w, MU_TAG_ADMIN_CERT, admin_cert, cert_len);
	}
	size_t mark = mu_tlv_begin(&w, MU_TAG_KEYPART);
	mu_tlv_put_u8(&w, MU_TAG_SLOT, slot);
	mu_tlv_put_str(&w, MU_TAG_DESC, "forged");
	mu_tlv_put(&w, MU_TAG_VP, vp, 32);
	mu_tlv_put(&w, MU_TAG_KEYPART_VALUE, value, 32);
	mu_tlv_end(&w, mark);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return n;
}

static void test_copy_import_refusals(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *src = applet_new_ep11(ca);
	cardsim_card *dst = applet_new_ep11(ca);
	applet_resp r, scert;
	ops_data d;
	uint8_t src_serial[8], dst_serial[8], plain[4096], value[32], vp[32];
	g_assert_cmphex(ops_keypart_gen(dst, "mine", &r), ==, 0x9000);
	ops_serial(src, src_serial);
	ops_serial(dst, dst_serial);
	ops_get_cert(src, MU_CERT_CARD, &scert);
	EVP_PKEY *src_key = ops_card_secret_key(src, "card-key");
	EVP_PKEY *dst_key = ops_card_secret_key(dst, "card-key");
	EVP_PKEY *stranger = NULL;
	g_assert_cmpint(mu_ec_generate(&stranger), ==, MU_OK);
	memset(value, 0x5A, sizeof(value));
	g_assert_cmpint(mu_vp_compute(value, 32, vp), ==, MU_OK);
	g_autoptr(GBytes) before = applet_image(dst);

	/* the forger's own envelope is good: tried on a clone */
	size_t n = copy_plain(plain, sizeof(plain), value, vp, 4, NULL, NULL, 0);
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, n, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	cardsim_card *clone = clone_of(before);
	g_assert_cmphex(cmd(clone, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==, 0x9000);
	applet_ok(clone, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &r);
	mu_tlv part, slot;
	g_assert_cmpint(mu_tlv_find(r.data, r.len, MU_TAG_KEYPART, &part), ==, 1);
	g_assert_cmpint(mu_tlv_find(part.value, part.len, MU_TAG_SLOT, &slot), ==, 1);
	g_assert_cmpuint(slot.value[0], ==, 4);
	cardsim_card_free(&clone);
	/* without the PIN */
	cardsim_card_reset(dst);
	applet_select(dst);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_NOT_VERIFIED);
	g_assert_cmphex(applet_verify(dst, MU_PIN_REF_1, "123456"), ==, 0x9000);

	/* signed by a key that is not the source card's */
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, n, MU_TAG_CERT,
	             scert.data, scert.len, stranger);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_REF_NOT_USABLE);
	/* signed for the backup context */
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, src_serial, dst_serial, dst_key, plain, n, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_REF_NOT_USABLE);
	/* a source serial that is not the one of the certificate */
	uint8_t fake[8];
	memcpy(fake, src_serial, 8);
	fake[7] ^= 1;
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, fake, dst_serial, dst_key, plain, n, MU_TAG_CERT, scert.data,
	             scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_REF_NOT_USABLE);
	/* encrypted for another key: it does not open */
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, stranger, plain, n, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	/* a VP that is not the value's */
	uint8_t bad_vp[32];
	memcpy(bad_vp, vp, 32);
	bad_vp[0] ^= 1;
	size_t bn = copy_plain(plain, sizeof(plain), value, bad_vp, 4, NULL, NULL, 0);
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, bn, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	/* an admin key that is not the key of the admin certificate */
	ops_genkey(src);
	applet_resp acert;
	ops_get_cert(src, MU_CERT_ADMIN, &acert);
	uint8_t wrong_scalar[66];
	g_assert_cmpint(mu_ec_private_scalar(stranger, wrong_scalar), ==, MU_OK);
	bn = copy_plain(plain, sizeof(plain), value, vp, 4, wrong_scalar, acert.data, acert.len);
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, bn, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	/* a slot out of range, or an unknown field */
	bn = copy_plain(plain, sizeof(plain), value, vp, 85, NULL, NULL, 0);
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, bn, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	bn = copy_plain(plain, sizeof(plain), value, vp, 4, NULL, NULL, 0);
	plain[bn++] = 0x5F;
	plain[bn++] = 0x00;
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, bn, MU_TAG_CERT,
	             scert.data, scert.len, src_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	/* a zone CA envelope (credential 9A) is not a copy */
	applet_resp zca;
	ops_get_cert(ca, MU_CERT_CARD, &zca);
	EVP_PKEY *ca_key = ops_card_secret_key(ca, "zone-ca-key");
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, src_serial, dst_serial, dst_key, plain, n, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);
	/* the card's own export, with one byte of the ciphertext changed */
	applet_resp dcert, ex;
	ops_get_cert(dst, MU_CERT_CARD, &dcert);
	applet_ok(src, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, dcert.data, dcert.len, &ex);
	mu_tlv env, ct;
	g_assert_cmpint(mu_tlv_find(ex.data, ex.len, MU_TAG_ENVELOPE, &env), ==, 1);
	g_assert_cmpint(mu_tlv_find(env.value, env.len, MU_TAG_CIPHERTEXT, &ct), ==, 1);
	ex.data[ct.value - ex.data + 3] ^= 0x80;
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, ex.data, ex.len, &r), ==, MU_SW_REF_NOT_USABLE);
	/* no signature at all */
	g_assert_cmphex(cmd(dst, MU_INS_COPY_IMPORT, ex.data, (size_t)(env.value + env.len - ex.data),
	                    &r),
	                ==, MU_SW_WRONG_DATA);
	assert_image_unchanged(before, dst);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(stranger);
	EVP_PKEY_free(src_key);
	EVP_PKEY_free(dst_key);
	cardsim_card_free(&dst);
	cardsim_card_free(&src);
	cardsim_card_free(&ca);
}

/* CA BACKUP EXPORT for the prepared blank target. */
static void backup_export(cardsim_card *ca, const uint8_t serial[8], const uint8_t point[133],
                          applet_resp *ex)
{
	ops_data d;
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&d.w, MU_TAG_PUBKEY, point, 133);
	applet_ok(ca, MU_CLA_PROP, MU_INS_CA_BACKUP_EXPORT, 0, 0, d.buf, ops_data_len(&d), ex);
}

static uint16_t restore(cardsim_card *c, const uint8_t *env, size_t len)
{
	ops_data d;
	applet_resp r;
	ops_data_init(&d);
	ops_data_raw(&d, env, len);
	mu_tlv_put_str(&d.w, MU_TAG_PIN, "333333");
	mu_tlv_put_str(&d.w, MU_TAG_PIN2, "444444");
	return cmd(c, MU_INS_CA_RESTORE, d.buf, ops_data_len(&d), &r);
}

/* The backup plaintext of §8. */
static size_t backup_plain(uint8_t *buf, size_t cap, const char *zone, const uint8_t scalar[66],
                           const applet_resp *ca_cert, const applet_resp *root)
{
	mu_tlv_writer w;
	size_t n = 0;
	mu_tlv_writer_init(&w, buf, cap);
	mu_tlv_put_str(&w, MU_TAG_ZONE_ID, zone);
	mu_tlv_put_str(&w, MU_TAG_ZONE_DESC, "zone");
	mu_tlv_put(&w, MU_TAG_PRIVKEY, scalar, 66);
	mu_tlv_put(&w, MU_TAG_CA_CERT, ca_cert->data, ca_cert->len);
	mu_tlv_put(&w, MU_TAG_ROOT_CERT, root->data, root->len);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return n;
}

static void test_ca_backup_restore(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *other_ca = applet_new_ca("ZONE-B");
	uint8_t serial[8], point[133], s2[8], p2[133], ca_serial[8];
	cardsim_card *target = ops_new_prepared(serial, point);
	cardsim_card *elsewhere = ops_new_prepared(s2, p2);
	applet_resp ex, r, zca, root, ocert;
	ops_serial(ca, ca_serial);
	ops_get_cert(ca, MU_CERT_CARD, &zca);
	ops_get_cert(ca, MU_CERT_ROOT, &root);

	/* export refusals: to itself, a point off the curve */
	ops_data d;
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, ca_serial, 8);
	mu_tlv_put(&d.w, MU_TAG_PUBKEY, point, 133);
	g_assert_cmphex(cmd(ca, MU_INS_CA_BACKUP_EXPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_CONDITIONS);
	uint8_t bad_point[133];
	memcpy(bad_point, point, 133);
	bad_point[70] ^= 1;
	ops_data_init(&d);
	mu_tlv_put(&d.w, MU_TAG_SERIAL, serial, 8);
	mu_tlv_put(&d.w, MU_TAG_PUBKEY, bad_point, 133);
	g_assert_cmphex(cmd(ca, MU_INS_CA_BACKUP_EXPORT, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);

	/* the envelope opens with the target key and holds the zone CA key */
	backup_export(ca, serial, point, &ex);
	EVP_PKEY *target_key = ops_card_secret_key(target, "card-key");
	size_t plain_len = 0;
	g_autofree uint8_t *plain =
		ops_envelope_open(ex.data, ex.len, MU_BACKUP_CONTEXT, target_key, &plain_len);
	g_assert_nonnull(plain);
	mu_tlv t;
	g_assert_cmpint(mu_tlv_find(plain, plain_len, MU_TAG_PRIVKEY, &t), ==, 1);
	uint8_t derived[133], ca_point[133];
	g_assert_cmpint(mu_ec_scalar_point(t.value, derived), ==, MU_OK);
	g_assert_cmpint(mu_x509_public_point(zca.data, zca.len, ca_point), ==, MU_OK);
	g_assert_cmpmem(derived, 133, ca_point, 133);

	/* restore refusals on the prepared target, which stays blank */
	g_autoptr(GBytes) before = applet_image(target);
	(void)cardsim_card_take_dirty(target);
	applet_resp ex2;
	backup_export(ca, s2, p2, &ex2);
	g_assert_cmphex(restore(target, ex2.data, ex2.len), ==, MU_SW_REF_NOT_USABLE);
	ex.data[40] ^= 1;
	g_assert_cmphex(restore(target, ex.data, ex.len), !=, 0x9000);
	ex.data[40] ^= 1;
	ops_data_init(&d);
	ops_data_raw(&d, ex.data, ex.len);
	mu_tlv_put_str(&d.w, MU_TAG_PIN, "333333");
	g_assert_cmphex(cmd(target, MU_INS_CA_RESTORE, d.buf, ops_data_len(&d), &r), ==,
	                MU_SW_WRONG_DATA);

	/* forged envelopes, signed with the zone CA key itself */
	EVP_PKEY *ca_key = ops_card_secret_key(ca, "zone-ca-key");
	uint8_t scalar[66], other_scalar[66];
	g_assert_cmpint(mu_ec_private_scalar(ca_key, scalar), ==, MU_OK);
	EVP_PKEY *other_key = ops_card_secret_key(other_ca, "zone-ca-key");
	g_assert_cmpint(mu_ec_private_scalar(other_key, other_scalar), ==, MU_OK);
	ops_get_cert(other_ca, MU_CERT_CARD, &ocert);
	uint8_t pbuf[8192];
	size_t pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-A", scalar, &zca, &root);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	cardsim_card *clone = NULL;
	g_assert_cmpint(cardsim_card_load(g_bytes_get_data(before, NULL), g_bytes_get_size(before),
	                                  &clone),
	                ==, 0);
	applet_select(clone);
	g_assert_cmphex(restore(clone, d.buf, ops_data_len(&d)), ==, 0x9000);
	cardsim_card_free(&clone);
	/* a key that is not the certificate's */
	pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-A", other_scalar, &zca, &root);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_WRONG_DATA);
	/* a zone that is not the certificate's */
	pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-B", scalar, &zca, &root);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_WRONG_DATA);
	/* a CA certificate inside that is not the credential */
	pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-B", other_scalar, &ocert, &root);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_WRONG_DATA);
	/* a root that is not self-signed */
	pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-A", scalar, &zca, &zca);
	pbuf[pn - 5] ^= 1; /* the signature of the "root" */
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_WRONG_DATA);
	/* signed by another key than the credential's */
	pn = backup_plain(pbuf, sizeof(pbuf), "ZONE-A", scalar, &zca, &root);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, other_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_REF_NOT_USABLE);
	/* a credential that is not self-signed (a card certificate) */
	cardsim_card *ep = applet_new_ep11(ca);
	applet_resp ecert;
	ops_get_cert(ep, MU_CERT_CARD, &ecert);
	ops_data_init(&d);
	ops_envelope(&d, MU_BACKUP_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             ecert.data, ecert.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_REF_NOT_USABLE);
	/* a copy envelope is not a backup */
	ops_data_init(&d);
	ops_envelope(&d, MU_COPY_CONTEXT, ca_serial, serial, target_key, pbuf, pn, MU_TAG_CA_CERT,
	             zca.data, zca.len, ca_key);
	g_assert_cmphex(restore(target, d.buf, ops_data_len(&d)), ==, MU_SW_REF_NOT_USABLE);
	assert_image_unchanged(before, target);
	g_assert_false(cardsim_card_take_dirty(target));

	/* the real restore makes a CA card of the zone with the new PINs */
	backup_export(ca, serial, point, &ex);
	g_assert_cmphex(restore(target, ex.data, ex.len), ==, 0x9000);
	g_assert_true(cardsim_card_take_dirty(target));
	g_assert_cmphex(ops_info_u8(target, MU_TAG_CARD_TYPE), ==, MU_CARD_TYPE_CA);
	g_assert_cmphex(ops_info_u8(target, MU_TAG_PIN1_TRIES), ==, 5);
	g_assert_cmphex(ops_info_u8(target, MU_TAG_VERIFIED), ==, 0);
	applet_ok(target, MU_CLA_PROP, MU_INS_GET_CERT, MU_CERT_ZONE_CA, 0, NULL, 0, &r);
	g_assert_cmpmem(r.data, r.len, zca.data, zca.len);
	g_assert_cmphex(restore(target, ex.data, ex.len), ==, MU_SW_INCOMPATIBLE_FILE);
	g_assert_cmphex(applet_verify(target, MU_PIN_REF_1, "333333"), ==, 0x9000);
	g_assert_cmphex(applet_verify(target, MU_PIN_REF_2, "444444"), ==, 0x9000);
	/* a card enrolled by the backup belongs to the original zone */
	cardsim_card *b = applet_new_ep11(target);
	applet_resp bcert;
	ops_get_cert(b, MU_CERT_CARD, &bcert);
	g_assert_cmpint(mu_x509_check_issued_by(bcert.data, bcert.len, zca.data, zca.len), ==, MU_OK);
	applet_ok(ep, MU_CLA_PROP, MU_INS_COPY_EXPORT, 0, 0, bcert.data, bcert.len, &r);

	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(target_key);
	cardsim_card_free(&b);
	cardsim_card_free(&ep);
	cardsim_card_free(&elsewhere);
	cardsim_card_free(&target);
	cardsim_card_free(&other_ca);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet-envelope/copy-content", test_copy_content);
	g_test_add_func("/applet-envelope/copy-export-refusals", test_copy_export_refusals);
	g_test_add_func("/applet-envelope/copy-import-refusals", test_copy_import_refusals);
	g_test_add_func("/applet-envelope/ca-backup-restore", test_ca_backup_restore);
	return g_test_run();
}
