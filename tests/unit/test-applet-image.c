/* SPDX-License-Identifier: Apache-2.0 */
/* Card images: the bytes (cardsim_card_save / cardsim_card_load) and the
 * files (cardsim_image_save / cardsim_image_load). Damaged or malformed
 * images are refused, also when their checksum has been recomputed. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "applet-test-ops.h"
#include "cardsim-image.h"
#include "mu-card-proto.h"
#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-tlv.h"

#define HEADER_LEN 17u /* "OPENMU-CARD\0", version, body length */

static GBytes *image_of(const cardsim_card *c)
{
	return applet_image(c);
}

static int load(GBytes *img, cardsim_card **out)
{
	return cardsim_card_load(g_bytes_get_data(img, NULL), g_bytes_get_size(img), out);
}

/* The body of an image as a list of whole top-level TLVs (GBytes). */
static GPtrArray *body_fields(GBytes *img)
{
	gsize len;
	const uint8_t *p = g_bytes_get_data(img, &len);
	GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	mu_tlv_reader r;
	mu_tlv t;
	mu_tlv_reader_init(&r, p + HEADER_LEN, len - HEADER_LEN - 32);
	const uint8_t *at = r.p;
	while (mu_tlv_next(&r, &t) == 1) {
		g_ptr_array_add(a, g_bytes_new(at, (gsize)(r.p - at)));
		at = r.p;
	}
	return a;
}

/* An image with the given body, header and a valid checksum. */
static GBytes *rebuild(GPtrArray *fields, uint8_t version, int len_delta)
{
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, (const guint8 *)"OPENMU-CARD\0", 12);
	g_byte_array_append(b, &version, 1);
	uint8_t lenbuf[4] = {0};
	g_byte_array_append(b, lenbuf, 4);
	for (guint i = 0; i < fields->len; i++) {
		gsize n;
		const guint8 *p = g_bytes_get_data(g_ptr_array_index(fields, i), &n);
		g_byte_array_append(b, p, (guint)n);
	}
	size_t body = b->len - HEADER_LEN + (size_t)len_delta;
	b->data[13] = (uint8_t)(body >> 24);
	b->data[14] = (uint8_t)(body >> 16);
	b->data[15] = (uint8_t)(body >> 8);
	b->data[16] = (uint8_t)body;
	uint8_t sum[32];
	g_assert_cmpint(mu_sha256(b->data, b->len, sum), ==, MU_OK);
	g_byte_array_append(b, sum, 32);
	return g_byte_array_free_to_bytes(b);
}

static GBytes *tlv(uint32_t tag, const void *value, size_t len)
{
	uint8_t buf[8192];
	mu_tlv_writer w;
	size_t n = 0;
	mu_tlv_writer_init(&w, buf, sizeof(buf));
	mu_tlv_put(&w, tag, value, len);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	return g_bytes_new(buf, n);
}

static int field_index(GPtrArray *fields, uint8_t tag)
{
	for (guint i = 0; i < fields->len; i++)
		if (((const uint8_t *)g_bytes_get_data(g_ptr_array_index(fields, i), NULL))[0] == tag)
			return (int)i;
	return -1;
}

static void replace_field(GPtrArray *fields, uint8_t tag, GBytes *with)
{
	int i = field_index(fields, tag);
	g_assert_cmpint(i, >=, 0);
	g_bytes_unref(g_ptr_array_index(fields, (guint)i));
	g_ptr_array_index(fields, (guint)i) = with;
}

static void assert_refused(GBytes *img, const char *what)
{
	cardsim_card *c = NULL;
	g_test_message("%s", what);
	g_assert_cmpint(load(img, &c), ==, MU_ERR_MALFORMED);
	g_assert_null(c);
}

/* A personalized EP11 card with a signature key and two key parts, and
 * its CA card. */
static cardsim_card *full_ep11(cardsim_card **ca)
{
	applet_resp r;
	*ca = applet_new_ca("ZONE-A");
	cardsim_card *c = applet_new_ep11(*ca);
	ops_genkey(c);
	g_assert_cmphex(ops_keypart_gen(c, "one", &r), ==, 0x9000);
	g_assert_cmphex(ops_keypart_gen(c, "two", &r), ==, 0x9000);
	return c;
}

static void test_roundtrip(void)
{
	cardsim_card *ca = NULL, *blank = NULL;
	cardsim_card *ep = full_ep11(&ca);
	uint8_t serial[8], point[133];
	cardsim_card *prepared = ops_new_prepared(serial, point);
	g_assert_cmpint(cardsim_card_new_blank("", &blank), ==, 0);
	applet_select(blank);
	cardsim_card *cards[] = {blank, prepared, ca, ep};
	for (size_t i = 0; i < G_N_ELEMENTS(cards); i++) {
		g_autoptr(GBytes) img = image_of(cards[i]);
		cardsim_card *back = NULL;
		g_assert_cmpint(load(img, &back), ==, MU_OK);
		g_autoptr(GBytes) again = image_of(back);
		g_assert_true(g_bytes_equal(img, again));
		g_assert_cmpint(cardsim_card_type(back), ==, cardsim_card_type(cards[i]));
		g_assert_cmpstr(cardsim_card_label(back), ==, cardsim_card_label(cards[i]));
		/* the same card, but the PIN status is not part of an image */
		applet_resp a, b;
		applet_select(back);
		applet_ok(cards[i], 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &a);
		applet_ok(back, 0, MU_INS_GET_DATA, 1, 0, NULL, 0, &b);
		if (i >= 2) {
			g_assert_cmphex(ops_info_u8(back, MU_TAG_VERIFIED), ==, 0);
			g_assert_cmphex(ops_info_u8(cards[i], MU_TAG_VERIFIED), !=, 0);
		} else {
			g_assert_cmpmem(a.data, a.len, b.data, b.len);
		}
		cardsim_card_free(&back);
	}
	applet_resp l1, l2;
	applet_ok(ep, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l1);
	g_autoptr(GBytes) img = image_of(ep);
	cardsim_card *back = NULL;
	g_assert_cmpint(load(img, &back), ==, MU_OK);
	applet_select(back);
	applet_ok(back, MU_CLA_PROP, MU_INS_KEYPART_LIST, 0, 0, NULL, 0, &l2);
	g_assert_cmpmem(l1.data, l1.len, l2.data, l2.len);
	cardsim_card_free(&back);
	cardsim_card_free(&blank);
	cardsim_card_free(&prepared);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

static void test_damaged(void)
{
	cardsim_card *ca = NULL, *c = NULL;
	cardsim_card *ep = full_ep11(&ca);
	g_autoptr(GBytes) img = image_of(ep);
	gsize len;
	const uint8_t *p = g_bytes_get_data(img, &len);
	g_autofree uint8_t *copy = g_malloc(len + 1);
	memcpy(copy, p, len);
	/* every flipped byte, every truncation, a byte more */
	for (size_t i = 0; i < len; i++) {
		copy[i] ^= 0x01;
		g_assert_cmpint(cardsim_card_load(copy, len, &c), ==, MU_ERR_MALFORMED);
		g_assert_null(c);
		copy[i] ^= 0x01;
	}
	for (size_t n = 0; n < len; n++) {
		g_assert_cmpint(cardsim_card_load(copy, n, &c), ==, MU_ERR_MALFORMED);
		g_assert_null(c);
	}
	copy[len] = 0;
	g_assert_cmpint(cardsim_card_load(copy, len + 1, &c), ==, MU_ERR_MALFORMED);
	g_assert_cmpint(cardsim_card_load(copy, len, &c), ==, MU_OK);
	cardsim_card_free(&c);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

static void test_malformed_with_checksum(void)
{
	cardsim_card *ca = NULL, *c = NULL;
	cardsim_card *ep = full_ep11(&ca);
	cardsim_card *other_ca = NULL;
	cardsim_card *other = full_ep11(&other_ca);
	g_autoptr(GBytes) img = image_of(ep);
	g_autoptr(GBytes) ca_img = image_of(ca);
	g_autoptr(GBytes) other_img = image_of(other);

	/* the rebuilder itself makes a loadable image */
	g_autoptr(GPtrArray) f = body_fields(img);
	g_autoptr(GBytes) same = rebuild(f, 1, 0);
	g_assert_true(g_bytes_equal(same, img));
	g_assert_cmpint(load(same, &c), ==, MU_OK);
	cardsim_card_free(&c);

	g_autoptr(GBytes) v2 = rebuild(f, 2, 0);
	assert_refused(v2, "version 2");
	g_autoptr(GBytes) longer = rebuild(f, 1, 1);
	assert_refused(longer, "body length one more");
	g_autoptr(GBytes) shorter = rebuild(f, 1, -1);
	assert_refused(shorter, "body length one less");
	gsize ilen;
	const uint8_t *ip = g_bytes_get_data(img, &ilen);
	g_autofree uint8_t *magic = g_memdup2(ip, ilen);
	magic[0] = 'X';
	g_assert_cmpint(mu_sha256(magic, ilen - 32, magic + ilen - 32), ==, MU_OK);
	g_assert_cmpint(cardsim_card_load(magic, ilen, &c), ==, MU_ERR_MALFORMED);

	/* each edit of a fresh copy of the body must be refused */
	enum { REPLACE, REMOVE, INSERT_AFTER, APPEND };
	const struct {
		const char *what;
		int op;
		uint8_t tag; /* field replaced, removed, or inserted after */
		uint8_t value[72];
		size_t len;
	} edits[] = {
		{"card type 3", REPLACE, 0x80, {3}, 1},
		{"card type CA without its fields", REPLACE, 0x80, {1}, 1},
		{"card type blank with a zone", REPLACE, 0x80, {0}, 1},
		{"serial of 7 bytes", REPLACE, 0x81, {1, 2, 3, 4, 5, 6, 7}, 7},
		{"zone with a slash", REPLACE, 0x83, {'a', '/', 'b'}, 3},
		{"PIN with a letter", REPLACE, 0xC1, {'1', '2', '3', '4', '5', 'x'}, 6},
		{"4 tries on an EP11 card", REPLACE, 0xC3, {4}, 1},
		{"zero card key", REPLACE, 0xC5, {0}, 66},
		{"card key of 65 bytes", REPLACE, 0xC5, {1}, 65},
		{"card key above the order", REPLACE, 0xC5, {0x02}, 66},
		{"empty admin name", REPLACE, 0x88, {0}, 0},
		{"garbage card certificate", REPLACE, 0x8E, {0x30, 0x03, 0x02, 0x01, 0x01}, 5},
		{"no label", REMOVE, 0x82, {0}, 0},
		{"no PIN", REMOVE, 0xC1, {0}, 0},
		{"no tries", REMOVE, 0xC3, {0}, 0},
		{"no card key", REMOVE, 0xC5, {0}, 0},
		{"admin key without a name", REMOVE, 0x88, {0}, 0},
		{"admin name without a key", REMOVE, 0xC7, {0}, 0},
		{"admin key without a certificate", REMOVE, 0x9C, {0}, 0},
		{"no card certificate", REMOVE, 0x8E, {0}, 0},
		{"no zone CA certificate", REMOVE, 0x9A, {0}, 0},
		{"no root", REMOVE, 0x9B, {0}, 0},
		{"PIN 2 on an EP11 card", INSERT_AFTER, 0xC1, {0xC2, 0x06, '1', '1', '1', '1', '1', '1'}, 8},
		{"tries of PIN 2 on an EP11 card", INSERT_AFTER, 0xC3, {0xC4, 0x01, 0x03}, 3},
		{"a serial twice", INSERT_AFTER, 0x81, {0x81, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}, 10},
		{"unknown field", APPEND, 0, {0xC8, 0x01, 0x00}, 3},
		{"key part of slot 85", APPEND, 0, {0xA0, 0x28, 0x90, 0x01, 85, 0x91, 0x01, 'x', 0x97, 0x20}, 42},
		{"key part again in slot 1", APPEND, 0, {0xA0, 0x28, 0x90, 0x01, 1, 0x91, 0x01, 'x', 0x97, 0x20}, 42},
		{"key part with an empty description", APPEND, 0, {0xA0, 0x27, 0x90, 0x01, 7, 0x91, 0x00, 0x97, 0x20}, 41},
		{"key part without a value", APPEND, 0, {0xA0, 0x06, 0x90, 0x01, 7, 0x91, 0x01, 'x'}, 8},
		{"key part with a VP", APPEND, 0, {0xA0, 0x2C, 0x90, 0x01, 7, 0x91, 0x01, 'x', 0x97, 0x20, [42] = 0x92, 0x02}, 46},
		{"key part value of 31 bytes", APPEND, 0, {0xA0, 0x27, 0x90, 0x01, 7, 0x91, 0x01, 'x', 0x97, 0x1F}, 41},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
		g_autoptr(GPtrArray) e = body_fields(img);
		int at = edits[i].op == APPEND ? 0 : field_index(e, edits[i].tag);
		g_assert_cmpint(at, >=, 0);
		switch (edits[i].op) {
		case REPLACE:
			replace_field(e, edits[i].tag, tlv(edits[i].tag, edits[i].value, edits[i].len));
			break;
		case REMOVE:
			g_ptr_array_remove_index(e, (guint)at);
			break;
		case INSERT_AFTER:
			g_ptr_array_insert(e, at + 1, g_bytes_new(edits[i].value, edits[i].len));
			break;
		default:
			g_ptr_array_add(e, g_bytes_new(edits[i].value, edits[i].len));
		}
		g_autoptr(GBytes) bad = rebuild(e, 1, 0);
		assert_refused(bad, edits[i].what);
	}
	/* the zone CA key (copied in the right place) on an EP11 card */
	g_autoptr(GPtrArray) zk = body_fields(img);
	GBytes *card_key = g_ptr_array_index(zk, (guint)field_index(zk, 0xC5));
	g_ptr_array_insert(zk, field_index(zk, 0xC5) + 1,
	                   tlv(0xC6, (const uint8_t *)g_bytes_get_data(card_key, NULL) + 2, 66));
	g_autoptr(GBytes) with_ca_key = rebuild(zk, 1, 0);
	assert_refused(with_ca_key, "zone CA key on an EP11 card");

	/* fields out of order: the label before the serial */
	g_autoptr(GPtrArray) o = body_fields(img);
	GBytes *tmp = g_ptr_array_index(o, 1);
	g_ptr_array_index(o, 1) = g_ptr_array_index(o, 2);
	g_ptr_array_index(o, 2) = tmp;
	g_autoptr(GBytes) swapped = rebuild(o, 1, 0);
	assert_refused(swapped, "label before serial");
	/* key parts in falling slot order */
	g_autoptr(GPtrArray) kp = body_fields(img);
	guint last = kp->len - 1;
	tmp = g_ptr_array_index(kp, last);
	g_ptr_array_index(kp, last) = g_ptr_array_index(kp, last - 1);
	g_ptr_array_index(kp, last - 1) = tmp;
	g_autoptr(GBytes) falling = rebuild(kp, 1, 0);
	assert_refused(falling, "key parts falling");

	/* certificates that do not name the keys stored beside them */
	g_autoptr(GPtrArray) of = body_fields(other_img);
	const char *swaps[] = {"\x8E", "\x9C"};
	for (size_t i = 0; i < G_N_ELEMENTS(swaps); i++) {
		uint8_t tag = (uint8_t)swaps[i][0];
		g_autoptr(GPtrArray) e = body_fields(img);
		replace_field(e, tag, g_bytes_ref(g_ptr_array_index(of, (guint)field_index(of, tag))));
		g_autoptr(GBytes) bad = rebuild(e, 1, 0);
		assert_refused(bad, tag == 0x8E ? "card certificate of another card"
		                                : "admin certificate of another key");
	}
	g_autoptr(GPtrArray) cf = body_fields(ca_img);
	g_autoptr(GPtrArray) cf2 = body_fields(ca_img);
	GBytes *foreign = g_ptr_array_index(of, (guint)field_index(of, 0xC5));
	replace_field(cf2, 0xC6, tlv(0xC6, (const uint8_t *)g_bytes_get_data(foreign, NULL) + 2, 66));
	g_autoptr(GBytes) bad_ca = rebuild(cf2, 1, 0);
	assert_refused(bad_ca, "zone CA key that is not the certificate's");
	int pin2 = field_index(cf, 0xC2);
	g_ptr_array_remove_index(cf, (guint)pin2);
	g_autoptr(GBytes) no_pin2 = rebuild(cf, 1, 0);
	assert_refused(no_pin2, "CA card without PIN 2");

	cardsim_card_free(&other);
	cardsim_card_free(&other_ca);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

static void test_85_parts(void)
{
	cardsim_card *ca = applet_new_ca("ZONE-A");
	cardsim_card *ep = applet_new_ep11(ca);
	applet_resp r;
	char desc[65];
	memset(desc, 'd', 64);
	desc[64] = '\0';
	for (int i = 0; i < 85; i++)
		g_assert_cmphex(ops_keypart_gen(ep, desc, &r), ==, 0x9000);
	g_assert_cmphex(ops_keypart_gen(ep, desc, &r), ==, MU_SW_NO_SPACE);
	ops_genkey(ep);
	/* the fullest card still saves and loads */
	g_autoptr(GBytes) img = image_of(ep);
	cardsim_card *back = NULL;
	g_assert_cmpint(load(img, &back), ==, MU_OK);
	applet_select(back);
	g_assert_cmphex(ops_info_u8(back, MU_TAG_KEYPART_COUNT), ==, 85);
	cardsim_card_free(&back);
	/* an 86th part cannot be written into the image */
	g_autoptr(GPtrArray) f = body_fields(img);
	uint8_t part[] = {0xA0, 0x27, 0x90, 0x01, 84, 0x91, 0x01, 'x', 0x97, 0x20};
	uint8_t extra[sizeof(part) + 32] = {0};
	memcpy(extra, part, sizeof(part));
	extra[1] = (uint8_t)(sizeof(extra) - 2);
	g_ptr_array_add(f, g_bytes_new(extra, sizeof(extra)));
	g_autoptr(GBytes) bad = rebuild(f, 1, 0);
	assert_refused(bad, "86 key parts");
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

typedef struct kinds {
	GString *s;
} kinds;

static void on_secret(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	kinds *k = user;
	g_assert_cmpuint(len, >, 0);
	g_assert_nonnull(secret);
	g_string_append_printf(k->s, "%s,", kind);
}

static void test_secrets_and_files(void)
{
	cardsim_card *ca = NULL;
	cardsim_card *ep = full_ep11(&ca);
	kinds k = {g_string_new(NULL)};
	cardsim_card_foreach_secret(ca, on_secret, &k);
	g_assert_cmpstr(k.s->str, ==, "pin1,pin2,zone-ca-key,");
	g_string_truncate(k.s, 0);
	cardsim_card_foreach_secret(ep, on_secret, &k);
	g_assert_cmpstr(k.s->str, ==, "pin1,card-key,admin-key,keypart,keypart,");
	g_string_free(k.s, TRUE);

	g_autofree char *dir = g_dir_make_tmp("openmu-image-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "card" CARDSIM_IMAGE_EXT, NULL);
	g_autofree char *missing = g_build_filename(dir, "nope", "card.card", NULL);
	g_assert_cmpint(cardsim_image_save(ca, path), ==, 0);
	/* replaced in place, private, nothing left beside it */
	g_assert_cmpint(cardsim_image_save(ep, path), ==, 0);
	struct stat st;
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	unsigned files = 0;
	while ((name = g_dir_read_name(d)) != NULL)
		files++;
	g_dir_close(d);
	g_assert_cmpuint(files, ==, 1);
	cardsim_card *back = NULL;
	g_assert_cmpint(cardsim_image_load(path, &back), ==, 0);
	g_autoptr(GBytes) a = image_of(ep);
	g_autoptr(GBytes) b = image_of(back);
	g_assert_true(g_bytes_equal(a, b));
	cardsim_card_free(&back);

	/* I/O errors and damaged files */
	errno = 0;
	g_assert_cmpint(cardsim_image_load(missing, &back), ==, CARDSIM_ERR_IO);
	g_assert_cmpint(errno, ==, ENOENT);
	g_assert_cmpint(cardsim_image_load(dir, &back), ==, CARDSIM_ERR_IO);
	g_assert_cmpint(cardsim_image_save(ep, missing), ==, CARDSIM_ERR_IO);
	g_autofree char *bytes = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
	bytes[len / 2] ^= 0x10;
	g_assert_true(g_file_set_contents(path, bytes, (gssize)len, NULL));
	g_assert_cmpint(cardsim_image_load(path, &back), ==, MU_ERR_MALFORMED);
	g_assert_null(back);
	g_unlink(path);
	g_rmdir(dir);
	cardsim_card_free(&ep);
	cardsim_card_free(&ca);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/applet-image/roundtrip", test_roundtrip);
	g_test_add_func("/applet-image/damaged", test_damaged);
	g_test_add_func("/applet-image/malformed-with-checksum", test_malformed_with_checksum);
	g_test_add_func("/applet-image/85-parts", test_85_parts);
	g_test_add_func("/applet-image/secrets-and-files", test_secrets_and_files);
	return g_test_run();
}
