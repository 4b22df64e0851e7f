/* SPDX-License-Identifier: Apache-2.0 */
#include "unitsim-testutil.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mu-keypart-envelope.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-trust.h"
#include "mu-vp.h"
#include "unitsim-certs.h"

uint8_t *tu_memdup(const void *p, size_t n)
{
	uint8_t *c = g_malloc(n > 0 ? n : 1);
	memcpy(c, p, n);
	return c;
}

void tu_env_init(tu_env *env)
{
	env->root_key = mu_unit_p521_generate();
	g_assert_nonnull(env->root_key);
	env->root = unitsim_cert_root(env->root_key);
	g_assert_nonnull(env->root);
	env->root_der = unitsim_cert_der(env->root);
}

void tu_env_clear(tu_env *env)
{
	g_bytes_unref(env->root_der);
	X509_free(env->root);
	EVP_PKEY_free(env->root_key);
	memset(env, 0, sizeof(*env));
}

void tu_unit_init(tu_unit *u, const tu_env *env, const char *name, uint16_t domain, uint8_t role)
{
	uint8_t token_hash[32] = {0};
	memset(u, 0, sizeof(*u));
	g_strlcpy(u->id.name, name, sizeof(u->id.name));
	g_assert_cmpint(mu_unit_random(u->id.module_id, sizeof(u->id.module_id)), ==, MU_OK);
	u->id.domain = domain;
	u->id.role = role;
	u->oa_key = mu_unit_p521_generate();
	X509 *oa =
	    unitsim_cert_oa(u->oa_key, name, u->id.module_id, domain, env->root, env->root_key);
	g_assert_nonnull(oa);
	u->oa_cert = unitsim_cert_der(oa);
	X509_free(oa);
	/* token = 32 bytes of 0x5A */
	uint8_t token[MU_UNIT_TOKEN_LEN];
	memset(token, 0x5A, sizeof(token));
	g_assert_cmpint(mu_unit_sha256(token, sizeof(token), token_hash), ==, MU_OK);
	u->d = unitsim_domain_new(&u->id, token_hash);
	g_assert_nonnull(u->d);
	g_assert_cmpint(unitsim_domain_set_oa_key(u->d, u->oa_key), ==, MU_OK);
	g_assert_cmpint(unitsim_domain_set_root(u->d, g_bytes_get_data(env->root_der, NULL),
	                                        g_bytes_get_size(env->root_der)),
	                ==, MU_OK);
}

void tu_unit_clear(tu_unit *u)
{
	unitsim_domain_free(&u->d);
	EVP_PKEY_free(u->oa_key);
	g_bytes_unref(u->oa_cert);
	memset(u, 0, sizeof(*u));
}

void tu_admin_init(tu_admin *a, const char *name)
{
	mu_admin_cert_info info;
	a->key = mu_unit_p521_generate();
	g_assert_nonnull(a->key);
	g_assert_cmpint(mu_admin_cert_make(a->key, name, &a->cert, &a->cert_len), ==, MU_OK);
	g_assert_cmpint(mu_admin_cert_check(a->cert, a->cert_len, &info, NULL), ==, MU_OK);
	g_assert_cmpstr(info.name, ==, name);
	memcpy(a->key_id, info.key_id, sizeof(a->key_id));
}

void tu_admin_clear(tu_admin *a)
{
	EVP_PKEY_free(a->key);
	OPENSSL_free(a->cert);
	memset(a, 0, sizeof(*a));
}

uint64_t tu_counter(const tu_unit *u)
{
	mu_unit_status st;
	unitsim_domain_status(u->d, &st);
	return st.counter;
}

GBytes *tu_block(const tu_unit *u, uint16_t cmd, const void *input, size_t input_len,
                 uint64_t counter)
{
	uint8_t buf[MU_UNIT_BLOCK_MAX];
	size_t n;
	mu_admin_block b = {.cmd = cmd,
	                    .domain = u->id.domain,
	                    .counter = counter,
	                    .input = input,
	                    .input_len = input_len};
	memcpy(b.module_id, u->id.module_id, MU_UNIT_MODULE_ID_LEN);
	g_assert_cmpint(mu_admin_block_encode(&b, buf, sizeof(buf), &n), ==, MU_OK);
	return g_bytes_new(buf, n);
}

int tu_run_block(tu_unit *u, GBytes *block, GBytes *sign_block, tu_admin *const *signers,
                 size_t nsigners, unitsim_admin_out *out)
{
	uint8_t sigs[MU_UNIT_ADMINS_MAX][MU_UNIT_SIG_MAX];
	unitsim_admin_out local;
	mu_admin_cmd c;
	memset(&c, 0, sizeof(c));
	c.block = g_bytes_get_data(block, &c.block_len);
	g_assert_cmpuint(nsigners, <=, MU_UNIT_ADMINS_MAX);
	for (size_t i = 0; i < nsigners; i++) {
		size_t sn;
		gsize bl;
		const uint8_t *bb = g_bytes_get_data(sign_block, &bl);
		g_assert_cmpint(
		    mu_admin_sign(signers[i]->key, bb, bl, sigs[i], sizeof(sigs[i]), &sn), ==,
		    MU_OK);
		c.sigs[i].key_id = signers[i]->key_id;
		c.sigs[i].sig = sigs[i];
		c.sigs[i].sig_len = sn;
	}
	c.nsigs = nsigners;
	return unitsim_domain_admin(u->d, &c, out != NULL ? out : &local);
}

int tu_admin_cmd(tu_unit *u, uint16_t cmd, const void *input, size_t input_len, int64_t counter,
                 tu_admin *const *signers, size_t nsigners, unitsim_admin_out *out)
{
	uint64_t ctr = counter < 0 ? tu_counter(u) : (uint64_t)counter;
	g_autoptr(GBytes) block = tu_block(u, cmd, input, input_len, ctr);
	return tu_run_block(u, block, block, signers, nsigners, out);
}

GBytes *tu_sealed_part(tu_unit *u, const tu_env *env, tu_admin *signer, const uint8_t part[32],
                       uint8_t parts_total)
{
	unitsim_admin_out out;
	mu_unit_importer imp;
	mu_unit_identity id;
	mu_keypart_envelope env_;
	EVP_PKEY *oa_pub = NULL;
	uint8_t tlv[512], input[600];
	size_t n, in_len;
	mu_tlv_writer w;
	tu_admin *signers[] = {signer};
	g_assert_cmpint(tu_admin_cmd(u, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1, signers, 1, &out),
	                ==, MU_OK);
	/* what a card checks before a part leaves it */
	g_assert_cmpint(mu_unit_oa_cert_verify(g_bytes_get_data(env->root_der, NULL),
	                                       g_bytes_get_size(env->root_der),
	                                       g_bytes_get_data(u->oa_cert, NULL),
	                                       g_bytes_get_size(u->oa_cert), &id, &oa_pub),
	                ==, MU_OK);
	g_assert_cmpint(mu_importer_stmt_verify(oa_pub, out.res.importer_stmt.p,
	                                        out.res.importer_stmt.len, out.res.importer_sig.p,
	                                        out.res.importer_sig.len),
	                ==, MU_OK);
	EVP_PKEY_free(oa_pub);
	g_assert_cmpint(
	    mu_importer_stmt_parse(out.res.importer_stmt.p, out.res.importer_stmt.len, &imp), ==,
	    MU_OK);
	g_assert_cmpmem(imp.module_id, 8, id.module_id, 8);
	g_assert_cmpint(mu_keypart_seal(&imp, part, &env_), ==, MU_OK);
	mu_tlv_writer_init(&w, tlv, sizeof(tlv));
	mu_keypart_envelope_encode(&env_, &w);
	g_assert_cmpint(mu_tlv_writer_finish(&w, &n), ==, MU_OK);
	g_assert_cmpint(
	    mu_admin_input_load_part(parts_total, tlv, n, input, sizeof(input), &in_len), ==,
	    MU_OK);
	return g_bytes_new(input, in_len);
}

int tu_load_part(tu_unit *u, const tu_env *env, tu_admin *signer, const uint8_t part[32],
                 uint8_t parts_total)
{
	g_autoptr(GBytes) in = tu_sealed_part(u, env, signer, part, parts_total);
	tu_admin *signers[] = {signer};
	gsize n;
	const uint8_t *p = g_bytes_get_data(in, &n);
	return tu_admin_cmd(u, MU_UNIT_CMD_LOAD_PART, p, n, -1, signers, 1, NULL);
}

void tu_imprint(tu_unit *u, tu_admin *const *admins, size_t n, uint8_t sig, uint8_t rev)
{
	uint8_t th[2];
	for (size_t i = 0; i < n; i++)
		g_assert_cmpint(tu_admin_cmd(u, MU_UNIT_CMD_ADD_ADMIN, admins[i]->cert,
		                             admins[i]->cert_len, -1, NULL, 0, NULL),
		                ==, MU_OK);
	mu_admin_input_thresholds(sig, rev, th);
	g_assert_cmpint(tu_admin_cmd(u, MU_UNIT_CMD_SET_THRESHOLDS, th, 2, -1, admins, sig, NULL),
	                ==, MU_OK);
}

void tu_set_master_key(tu_unit *u, const tu_env *env, tu_admin *const *signers, size_t n,
                       const uint8_t p1[32], const uint8_t p2[32], gboolean rotate)
{
	uint8_t mk[32], vp[MU_VP_LEN];
	for (size_t i = 0; i < 32; i++)
		mk[i] = p1[i] ^ p2[i];
	g_assert_cmpint(mu_vp_compute(mk, sizeof(mk), vp), ==, MU_OK);
	g_assert_cmpint(tu_load_part(u, env, signers[0], p1, 2), ==, MU_OK);
	g_assert_cmpint(tu_load_part(u, env, signers[0], p2, 2), ==, MU_OK);
	g_assert_cmpint(tu_admin_cmd(u, MU_UNIT_CMD_COMMIT, vp, sizeof(vp), -1, signers, n, NULL),
	                ==, MU_OK);
	g_assert_cmpint(tu_admin_cmd(u, rotate ? MU_UNIT_CMD_ROTATE : MU_UNIT_CMD_SET_IMMEDIATE,
	                             NULL, 0, -1, signers, 1, NULL),
	                ==, MU_OK);
	mu_unit_status st;
	unitsim_domain_status(u->d, &st);
	g_assert_cmpint(st.cur_state, ==, MU_UNIT_CUR_VALID);
	g_assert_cmpmem(st.cur_vp, sizeof(st.cur_vp), vp, sizeof(vp));
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_EMPTY);
}
