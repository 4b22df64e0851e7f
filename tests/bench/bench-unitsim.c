/* SPDX-License-Identifier: Apache-2.0 */
/* Figures (not assertions) for the emulated crypto unit:
 *  - ROTATE of 5000 keys inside the domain, and the atomic state write that
 *    makes it durable;
 *  - signed admin commands checked per second (2 signatures each) against a
 *    peer measured in the same run: raw EVP_DigestVerify (P-521, SHA-512)
 *    over the same bytes, and the ratio. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "unitsim-state.h"
#include "unitsim-store.h"
#include "unitsim-testutil.h"

#define KEYS     5000
#define COMMANDS 400

static double now(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static void bench_rotate(tu_env *env, tu_admin *a)
{
	tu_unit u;
	tu_admin *s[] = {a};
	static const uint8_t P1[32] = {1}, P2[32] = {2}, Q1[32] = {3}, Q2[32] = {4};
	uint8_t vp[32], mk[32];
	char err[256];
	tu_unit_init(&u, env, "bench", 0, MU_UNIT_ROLE_OPERATIONAL);
	tu_imprint(&u, s, 1, 1, 1);
	tu_set_master_key(&u, env, s, 1, P1, P2, FALSE);
	for (int i = 0; i < KEYS; i++) {
		mu_unit_key_entry e;
		g_assert_cmpint(unitsim_domain_key_create(u.d, (const uint8_t *)"bench", 5, &e), ==,
		                MU_OK);
	}
	g_assert_cmpint(tu_load_part(&u, env, a, Q1, 2), ==, MU_OK);
	g_assert_cmpint(tu_load_part(&u, env, a, Q2, 2), ==, MU_OK);
	for (int i = 0; i < 32; i++)
		mk[i] = Q1[i] ^ Q2[i];
	g_assert_cmpint(mu_vp_compute(mk, 32, vp), ==, MU_OK);
	g_assert_cmpint(tu_admin_cmd(&u, MU_UNIT_CMD_COMMIT, vp, 32, -1, s, 1, NULL), ==, MU_OK);

	double t0 = now();
	unitsim_domain *next = unitsim_domain_clone(u.d);
	double t1 = now();
	tu_unit work = u;
	work.d = next;
	g_assert_cmpint(tu_admin_cmd(&work, MU_UNIT_CMD_ROTATE, NULL, 0, -1, s, 1, NULL), ==,
	                MU_OK);
	double t2 = now();
	g_autofree char *dir = g_dir_make_tmp("unitsim-bench-XXXXXX", NULL);
	g_assert_cmpint(unitsim_store_save(dir, next, NULL, err, sizeof(err)), ==, MU_OK);
	double t3 = now();
	unitsim_domain *back = NULL;
	g_assert_cmpint(unitsim_store_load(dir, &back, err, sizeof(err)), ==, MU_OK);
	double t4 = now();
	printf("rotate of %d keys: copy %.1f ms, re-encipher %.1f ms, atomic state write "
	       "%.1f ms, total %.1f ms; loading and checking the state %.1f ms\n",
	       KEYS, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t3 - t0) * 1e3,
	       (t4 - t3) * 1e3);
	unitsim_domain_free(&back);
	unitsim_domain_free(&next);
	g_autofree char *state = g_build_filename(dir, UNITSIM_STATE_FILE, NULL);
	g_unlink(state);
	g_rmdir(dir);
	tu_unit_clear(&u);
}

static void bench_admin(tu_env *env, tu_admin *a, tu_admin *b)
{
	tu_unit u;
	tu_admin *s[] = {a, b};
	tu_unit_init(&u, env, "bench", 0, MU_UNIT_ROLE_OPERATIONAL);
	tu_imprint(&u, s, 2, 2, 2);
	/* pre-signed commands (COMMIT needs the signature threshold; it fails
	 * on the empty register after every check of its signatures, so use
	 * CLEAR NEW with 2 signatures, which runs and counts) */
	uint64_t c0 = tu_counter(&u);
	GPtrArray *cmds = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *blocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (int i = 0; i < COMMANDS; i++) {
		GBytes *blk = tu_block(&u, MU_UNIT_CMD_CLEAR_NEW, NULL, 0, c0 + (uint64_t)i);
		mu_admin_cmd *c = g_new0(mu_admin_cmd, 1);
		c->block = g_bytes_get_data(blk, &c->block_len);
		for (int k = 0; k < 2; k++) {
			uint8_t *sig = g_malloc(MU_UNIT_SIG_MAX);
			g_assert_cmpint(mu_admin_sign(s[k]->key, c->block, c->block_len, sig,
			                              MU_UNIT_SIG_MAX, &c->sigs[k].sig_len),
			                ==, MU_OK);
			c->sigs[k].sig = sig;
			c->sigs[k].key_id = s[k]->key_id;
		}
		c->nsigs = 2;
		g_ptr_array_add(blocks, blk);
		g_ptr_array_add(cmds, c);
	}
	unitsim_admin_out *out = g_new(unitsim_admin_out, 1);
	double t0 = now();
	for (int i = 0; i < COMMANDS; i++)
		g_assert_cmpint(unitsim_domain_admin(u.d, g_ptr_array_index(cmds, i), out), ==,
		                MU_OK);
	double unit_s = now() - t0;

	/* the peer: raw EVP_DigestVerify of the same signatures */
	EVP_PKEY *pub[2];
	for (int k = 0; k < 2; k++) {
		uint8_t point[MU_UNIT_POINT_LEN];
		g_assert_cmpint(mu_unit_p521_point(s[k]->key, point), ==, MU_OK);
		pub[k] = mu_unit_p521_from_point(point);
	}
	t0 = now();
	for (int i = 0; i < COMMANDS; i++) {
		const mu_admin_cmd *c = g_ptr_array_index(cmds, i);
		for (int k = 0; k < 2; k++) {
			EVP_MD_CTX *ctx = EVP_MD_CTX_new();
			g_assert_true(EVP_DigestVerifyInit(ctx, NULL, EVP_sha512(), NULL, pub[k]) ==
			              1);
			g_assert_true(EVP_DigestVerify(ctx, c->sigs[k].sig, c->sigs[k].sig_len,
			                               c->block, c->block_len) == 1);
			EVP_MD_CTX_free(ctx);
		}
	}
	double raw_s = now() - t0;
	double cmds_per_s = COMMANDS / unit_s, sigs_per_s = 2 * COMMANDS / unit_s;
	double raw_per_s = 2 * COMMANDS / raw_s;
	printf("signed admin commands (2 signatures each): %.0f commands/s = %.0f signatures/s; "
	       "raw EVP_DigestVerify P-521/SHA-512: %.0f/s; ratio %.2f\n",
	       cmds_per_s, sigs_per_s, raw_per_s, sigs_per_s / raw_per_s);
	for (int k = 0; k < 2; k++)
		EVP_PKEY_free(pub[k]);
	for (int i = 0; i < COMMANDS; i++) {
		mu_admin_cmd *c = g_ptr_array_index(cmds, i);
		for (int k = 0; k < 2; k++)
			g_free((void *)c->sigs[k].sig);
	}
	g_free(out);
	g_ptr_array_unref(cmds);
	g_ptr_array_unref(blocks);
	tu_unit_clear(&u);
}

int main(void)
{
	tu_env env;
	tu_admin a, b;
	tu_env_init(&env);
	tu_admin_init(&a, "alice");
	tu_admin_init(&b, "bob");
	bench_rotate(&env, &a);
	bench_admin(&env, &a, &b);
	tu_admin_clear(&a);
	tu_admin_clear(&b);
	tu_env_clear(&env);
	return 0;
}
