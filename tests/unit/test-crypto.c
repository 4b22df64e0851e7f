/* SPDX-License-Identifier: Apache-2.0 */
/* mu-crypto.h: P-521 keys, signatures with a context, ECDH, the envelope
 * KDF, AES-256-GCM and hashes. */
#include <glib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"

/* The order n of P-521, big-endian in 66 bytes. */
static const uint8_t p521_order[MU_EC_SCALAR_LEN] = {
	0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFA, 0x51, 0x86,
	0x87, 0x83, 0xBF, 0x2F, 0x96, 0x6B, 0x7F, 0xCC, 0x01, 0x48, 0xF7, 0x09,
	0xA5, 0xD0, 0x3B, 0xB5, 0xC9, 0xB8, 0x89, 0x9C, 0x47, 0xAE, 0xBB, 0x6F,
	0xB7, 0x1E, 0x91, 0x38, 0x64, 0x09,
};

static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = NULL;
	g_assert_cmpint(mu_ec_generate(&k), ==, MU_OK);
	g_assert_true(mu_ec_is_p521(k));
	return k;
}

static void test_hashes(void)
{
	static const uint8_t sha256_abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	static const uint8_t sha512_abc_head[8] = {0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba};
	uint8_t out[64];
	g_assert_cmpint(mu_sha256((const uint8_t *)"abc", 3, out), ==, MU_OK);
	g_assert_cmpmem(out, 32, sha256_abc, 32);
	g_assert_cmpint(mu_sha512((const uint8_t *)"abc", 3, out), ==, MU_OK);
	g_assert_cmpmem(out, 8, sha512_abc_head, 8);
	g_assert_cmpint(mu_sha256(NULL, 0, out), ==, MU_OK);
	g_assert_cmpint(mu_sha256(NULL, 1, out), ==, MU_ERR_ARG);

	uint8_t a[32] = {0}, b[32] = {0};
	g_assert_cmpint(mu_random(a, sizeof(a)), ==, MU_OK);
	g_assert_cmpint(mu_random(b, sizeof(b)), ==, MU_OK);
	g_assert_true(memcmp(a, b, sizeof(a)) != 0);
}

static void test_keys(void)
{
	uint8_t point[MU_EC_POINT_LEN], point2[MU_EC_POINT_LEN], scalar[MU_EC_SCALAR_LEN];
	uint8_t id[MU_EC_KEY_ID_LEN], want[32];
	EVP_PKEY *k = new_key(), *pub = NULL, *again = NULL;
	g_assert_cmpint(mu_ec_public_point(k, point), ==, MU_OK);
	g_assert_cmphex(point[0], ==, 0x04);
	g_assert_cmpint(mu_ec_private_scalar(k, scalar), ==, MU_OK);

	/* scalar -> the same key pair, and the same point */
	g_assert_cmpint(mu_ec_from_scalar(scalar, sizeof(scalar), &again), ==, MU_OK);
	g_assert_cmpint(mu_ec_public_point(again, point2), ==, MU_OK);
	g_assert_cmpmem(point, sizeof(point), point2, sizeof(point2));
	g_assert_cmpint(mu_ec_scalar_point(scalar, point2), ==, MU_OK);
	g_assert_cmpmem(point, sizeof(point), point2, sizeof(point2));
	g_assert_cmpint(EVP_PKEY_eq(k, again), ==, 1);

	/* point -> a public key without a scalar */
	g_assert_cmpint(mu_ec_from_point(point, sizeof(point), &pub), ==, MU_OK);
	g_assert_cmpint(EVP_PKEY_eq(k, pub), ==, 1);
	g_assert_cmpint(mu_ec_private_scalar(pub, scalar), ==, MU_ERR_ARG);

	/* key id */
	g_assert_cmpint(mu_ec_key_id(point, id), ==, MU_OK);
	g_assert_cmpint(mu_sha256(point, sizeof(point), want), ==, MU_OK);
	g_assert_cmpmem(id, sizeof(id), want, sizeof(want));

	mu_memzero(scalar, sizeof(scalar));
	EVP_PKEY_free(k);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(again);
}

static void test_bad_keys(void)
{
	uint8_t s[MU_EC_SCALAR_LEN], point[MU_EC_POINT_LEN];
	EVP_PKEY *k = NULL, *out = NULL;

	/* scalars outside 1..n-1, or of another length */
	memset(s, 0, sizeof(s));
	g_assert_cmpint(mu_ec_from_scalar(s, sizeof(s), &out), ==, MU_ERR_MALFORMED);
	g_assert_cmpint(mu_ec_scalar_point(s, point), ==, MU_ERR_MALFORMED);
	memcpy(s, p521_order, sizeof(s));
	g_assert_cmpint(mu_ec_from_scalar(s, sizeof(s), &out), ==, MU_ERR_MALFORMED);
	memset(s, 0xFF, sizeof(s));
	g_assert_cmpint(mu_ec_from_scalar(s, sizeof(s), &out), ==, MU_ERR_MALFORMED);
	memcpy(s, p521_order, sizeof(s));
	s[sizeof(s) - 1]--; /* n - 1 is the largest valid scalar */
	g_assert_cmpint(mu_ec_from_scalar(s, sizeof(s), &out), ==, MU_OK);
	EVP_PKEY_free(out);
	out = NULL;
	g_assert_cmpint(mu_ec_from_scalar(s, sizeof(s) - 1, &out), ==, MU_ERR_MALFORMED);
	g_assert_null(out);

	/* points: off the curve, compressed, wrong length */
	k = new_key();
	g_assert_cmpint(mu_ec_public_point(k, point), ==, MU_OK);
	point[100] ^= 0x01;
	g_assert_cmpint(mu_ec_from_point(point, sizeof(point), &out), ==, MU_ERR_MALFORMED);
	point[100] ^= 0x01;
	point[0] = 0x02;
	g_assert_cmpint(mu_ec_from_point(point, sizeof(point), &out), ==, MU_ERR_MALFORMED);
	point[0] = 0x04;
	g_assert_cmpint(mu_ec_from_point(point, 67, &out), ==, MU_ERR_MALFORMED);
	g_assert_null(out);

	/* another curve is not P-521 */
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	g_assert_false(mu_ec_is_p521(p256));
	g_assert_cmpint(mu_ec_public_point(p256, point), ==, MU_ERR_ARG);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(k);
}

static void test_sign_verify(void)
{
	static const uint8_t msg[] = "the block";
	uint8_t sig[MU_EC_SIG_MAX], small[16];
	size_t len = 0, slen = 0;
	EVP_PKEY *k = new_key(), *other = new_key();
	g_assert_cmpint(mu_ec_sign(k, "CTX", msg, sizeof(msg), sig, sizeof(sig), &len), ==, MU_OK);
	g_assert_cmpuint(len, <=, MU_EC_SIG_MAX);
	g_assert_cmphex(sig[0], ==, 0x30);
	g_assert_cmpint(mu_ec_verify(k, "CTX", msg, sizeof(msg), sig, len), ==, MU_OK);

	/* the context is part of what is signed */
	g_assert_cmpint(mu_ec_verify(k, "CTY", msg, sizeof(msg), sig, len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_ec_verify(k, NULL, msg, sizeof(msg), sig, len), ==, MU_ERR_VERIFY);
	/* prefixing the context to the message is the same signature */
	uint8_t joined[3 + sizeof(msg)];
	memcpy(joined, "CTX", 3);
	memcpy(joined + 3, msg, sizeof(msg));
	g_assert_cmpint(mu_ec_verify(k, NULL, joined, sizeof(joined), sig, len), ==, MU_OK);
	g_assert_cmpint(mu_ec_verify(k, "", joined, sizeof(joined), sig, len), ==, MU_OK);

	/* another message, key, or a damaged signature */
	g_assert_cmpint(mu_ec_verify(k, "CTX", msg, sizeof(msg) - 1, sig, len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_ec_verify(other, "CTX", msg, sizeof(msg), sig, len), ==, MU_ERR_VERIFY);
	sig[len / 2] ^= 0x40;
	g_assert_cmpint(mu_ec_verify(k, "CTX", msg, sizeof(msg), sig, len), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_ec_verify(k, "CTX", msg, sizeof(msg), sig, 0), ==, MU_ERR_VERIFY);
	g_assert_cmpint(mu_ec_verify(k, "CTX", msg, sizeof(msg), sig, 3), ==, MU_ERR_VERIFY);

	/* an output that does not fit */
	g_assert_cmpint(mu_ec_sign(k, NULL, msg, sizeof(msg), small, sizeof(small), &slen), ==,
	                MU_ERR_TOO_LONG);
	g_assert_cmpuint(slen, ==, 0);
	/* a public key cannot sign */
	uint8_t point[MU_EC_POINT_LEN];
	EVP_PKEY *pub = NULL;
	g_assert_cmpint(mu_ec_public_point(k, point), ==, MU_OK);
	g_assert_cmpint(mu_ec_from_point(point, sizeof(point), &pub), ==, MU_OK);
	g_assert_cmpint(mu_ec_sign(pub, NULL, msg, sizeof(msg), sig, sizeof(sig), &len), !=, MU_OK);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void test_ecdh_kdf(void)
{
	uint8_t z1[MU_EC_SHARED_LEN], z2[MU_EC_SHARED_LEN], k1[32], k2[32], want[32];
	static const uint8_t info[] = {1, 2, 3, 4};
	EVP_PKEY *a = new_key(), *b = new_key();
	g_assert_cmpint(mu_ecdh(a, b, z1), ==, MU_OK);
	g_assert_cmpint(mu_ecdh(b, a, z2), ==, MU_OK);
	g_assert_cmpmem(z1, sizeof(z1), z2, sizeof(z2));

	/* K = SHA-256(Z || 00000001 || context || info) */
	g_assert_cmpint(mu_kdf_sha256(z1, "CTX", info, sizeof(info), k1), ==, MU_OK);
	uint8_t buf[MU_EC_SHARED_LEN + 4 + 3 + sizeof(info)];
	memcpy(buf, z1, sizeof(z1));
	memcpy(buf + 66, "\x00\x00\x00\x01", 4);
	memcpy(buf + 70, "CTX", 3);
	memcpy(buf + 73, info, sizeof(info));
	g_assert_cmpint(mu_sha256(buf, sizeof(buf), want), ==, MU_OK);
	g_assert_cmpmem(k1, sizeof(k1), want, sizeof(want));
	g_assert_cmpint(mu_kdf_sha256(z1, "CTY", info, sizeof(info), k2), ==, MU_OK);
	g_assert_true(memcmp(k1, k2, sizeof(k1)) != 0);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_gcm(void)
{
	uint8_t key[32], nonce[12], pt[40], ct[40 + 16], back[40];
	static const uint8_t aad[] = "bound";
	memset(key, 7, sizeof(key));
	memset(nonce, 9, sizeof(nonce));
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)i;
	g_assert_cmpint(mu_gcm_seal(key, nonce, aad, sizeof(aad), pt, sizeof(pt), ct), ==, MU_OK);
	g_assert_true(memcmp(ct, pt, sizeof(pt)) != 0);
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), back), ==, MU_OK);
	g_assert_cmpmem(back, sizeof(back), pt, sizeof(pt));

	/* every bound input matters; a failed open leaves no plaintext */
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad) - 1, ct, sizeof(ct), back), ==,
	                MU_ERR_VERIFY);
	uint8_t zero[40] = {0};
	g_assert_cmpmem(back, sizeof(back), zero, sizeof(zero));
	ct[sizeof(ct) - 1] ^= 1;
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), back), ==,
	                MU_ERR_VERIFY);
	ct[sizeof(ct) - 1] ^= 1;
	ct[0] ^= 1;
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), back), ==,
	                MU_ERR_VERIFY);
	ct[0] ^= 1;
	nonce[0] ^= 1;
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), back), ==,
	                MU_ERR_VERIFY);
	g_assert_cmpint(mu_gcm_open(key, nonce, aad, sizeof(aad), ct, 15, back), ==, MU_ERR_VERIFY);

	/* empty plaintext: only the tag */
	uint8_t tag[16];
	g_assert_cmpint(mu_gcm_seal(key, nonce, NULL, 0, NULL, 0, tag), ==, MU_OK);
	g_assert_cmpint(mu_gcm_open(key, nonce, NULL, 0, tag, sizeof(tag), NULL), ==, MU_OK);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crypto/hashes-random", test_hashes);
	g_test_add_func("/crypto/keys", test_keys);
	g_test_add_func("/crypto/bad-keys", test_bad_keys);
	g_test_add_func("/crypto/sign-verify", test_sign_verify);
	g_test_add_func("/crypto/ecdh-kdf", test_ecdh_kdf);
	g_test_add_func("/crypto/gcm", test_gcm);
	return g_test_run();
}
