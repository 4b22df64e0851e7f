/* SPDX-License-Identifier: Apache-2.0 */
/* Master key registers, importer keys, rotation, key storage and recovery
 * units (ARCHITECTURE.md §2, docs/protocol.md §14-§17). */
#include <glib.h>
#include <string.h>

#include "mu-keypart-envelope.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-vp.h"
#include "unitsim-testutil.h"

typedef struct fx {
	tu_env env;
	tu_unit u;
	tu_admin a[3];
	tu_admin *s0[1];
	tu_admin *s01[2];
} fx;

static const uint8_t P1[32] = {1, 2, 3};
static const uint8_t P2[32] = {7, 7, 7, 7};
static const uint8_t P3[32] = {0x30, 0x31};

static void fx_setup(fx *f, gconstpointer user_data)
{
	tu_env_init(&f->env);
	tu_unit_init(&f->u, &f->env, "unit1", 0, MU_UNIT_ROLE_OPERATIONAL);
	tu_admin_init(&f->a[0], "alice");
	tu_admin_init(&f->a[1], "bob");
	tu_admin_init(&f->a[2], "carol");
	f->s0[0] = &f->a[0];
	f->s01[0] = &f->a[0];
	f->s01[1] = &f->a[1];
	/* thresholds: signature 2, revocation 1 */
	tu_admin *all[] = {&f->a[0], &f->a[1], &f->a[2]};
	tu_imprint(&f->u, all, 3, 2, 1);
}

static void fx_teardown(fx *f, gconstpointer user_data)
{
	for (int i = 0; i < 3; i++)
		tu_admin_clear(&f->a[i]);
	tu_unit_clear(&f->u);
	tu_env_clear(&f->env);
}

static mu_unit_status status(fx *f)
{
	mu_unit_status st;
	unitsim_domain_status(f->u.d, &st);
	return st;
}

#define REFUSED(f, call, code)                                                                     \
	do {                                                                                       \
		mu_unit_status b_ = status(f);                                                     \
		g_assert_cmpint((call), ==, (code));                                               \
		mu_unit_status a_ = status(f);                                                     \
		g_assert_cmpuint(a_.counter, ==, b_.counter);                                      \
		g_assert_cmpint(a_.new_state, ==, b_.new_state);                                   \
		g_assert_cmpuint(a_.new_loaded, ==, b_.new_loaded);                                \
		g_assert_cmpint(a_.cur_state, ==, b_.cur_state);                                   \
		g_assert_cmpmem(a_.cur_vp, 32, b_.cur_vp, 32);                                     \
		g_assert_cmpuint(a_.key_count, ==, b_.key_count);                                  \
	} while (0)

static void vp_of_xor(const uint8_t *a, const uint8_t *b, const uint8_t *c, uint8_t vp[32])
{
	uint8_t k[32];
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(a[i] ^ b[i] ^ (c != NULL ? c[i] : 0));
	g_assert_cmpint(mu_vp_compute(k, 32, vp), ==, MU_OK);
}

static int run(fx *f, uint16_t cmd, const void *in, size_t n, tu_admin *const *s, size_t ns)
{
	return tu_admin_cmd(&f->u, cmd, in, n, -1, s, ns, NULL);
}

static void test_load_commit(fx *f, gconstpointer user_data)
{
	uint8_t vp[32], part_vp[32];
	vp_of_xor(P1, P2, P3, vp);
	/* commit of an empty register */
	REFUSED(f, run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s01, 2), MU_UNIT_ERR_NEW_INCOMPLETE);
	g_assert_cmpint(tu_load_part(&f->u, &f->env, &f->a[0], P1, 3), ==, MU_OK);
	mu_unit_status st = status(f);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_PARTIAL);
	g_assert_cmpuint(st.new_loaded, ==, 1);
	g_assert_cmpuint(st.new_total, ==, 3);
	g_assert_cmpint(mu_vp_compute(P1, 32, part_vp), ==, MU_OK);
	g_assert_cmpmem(st.part_vps[0], 32, part_vp, 32);
	/* commit of a partial register */
	REFUSED(f, run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s01, 2), MU_UNIT_ERR_NEW_INCOMPLETE);
	/* the part count is fixed by the first part */
	g_autoptr(GBytes) two = tu_sealed_part(&f->u, &f->env, &f->a[0], P2, 2);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(two, NULL), g_bytes_get_size(two),
	            f->s0, 1),
	        MU_UNIT_ERR_PARTS_MISMATCH);
	/* the same envelope twice: the importer key is single-use */
	g_autoptr(GBytes) p2 = tu_sealed_part(&f->u, &f->env, &f->a[0], P2, 3);
	g_assert_cmpint(run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p2, NULL),
	                    g_bytes_get_size(p2), f->s0, 1),
	                ==, MU_OK);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p2, NULL), g_bytes_get_size(p2),
	            f->s0, 1),
	        MU_UNIT_ERR_IMPORTER);
	g_autoptr(GBytes) p3 = tu_sealed_part(&f->u, &f->env, &f->a[0], P3, 3);
	g_assert_cmpint(run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p3, NULL),
	                    g_bytes_get_size(p3), f->s0, 1),
	                ==, MU_OK);
	st = status(f);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_UNCOMMITTED);
	g_assert_true(st.new_has_vp);
	g_assert_cmpmem(st.new_vp, 32, vp, 32);
	/* a third part loaded twice, even with a fresh importer: the register
	 * is full */
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p3, NULL), g_bytes_get_size(p3),
	            f->s0, 1),
	        MU_UNIT_ERR_NEW_FULL);
	g_autoptr(GBytes) p3b = tu_sealed_part(&f->u, &f->env, &f->a[0], P3, 3);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p3b, NULL), g_bytes_get_size(p3b),
	            f->s0, 1),
	        MU_UNIT_ERR_NEW_FULL);
	/* set immediate from an uncommitted register */
	REFUSED(f, run(f, MU_UNIT_CMD_SET_IMMEDIATE, NULL, 0, f->s0, 1),
	        MU_UNIT_ERR_NEW_UNCOMMITTED);
	/* commit needs the signature threshold and the right VP */
	REFUSED(f, run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s0, 1), MU_UNIT_ERR_QUORUM);
	uint8_t wrong[32];
	memcpy(wrong, vp, 32);
	wrong[0] ^= 1;
	REFUSED(f, run(f, MU_UNIT_CMD_COMMIT, wrong, 32, f->s01, 2), MU_UNIT_ERR_VP_MISMATCH);
	g_assert_cmpint(run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s01, 2), ==, MU_OK);
	g_assert_cmpint(status(f).new_state, ==, MU_UNIT_NEW_COMMITTED);
	REFUSED(f, run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s01, 2), MU_UNIT_ERR_NEW_FULL);
	/* rotate needs a current key */
	REFUSED(f, run(f, MU_UNIT_CMD_ROTATE, NULL, 0, f->s0, 1), MU_UNIT_ERR_NO_CURRENT);
	g_assert_cmpint(run(f, MU_UNIT_CMD_SET_IMMEDIATE, NULL, 0, f->s0, 1), ==, MU_OK);
	st = status(f);
	g_assert_cmpint(st.cur_state, ==, MU_UNIT_CUR_VALID);
	g_assert_cmpmem(st.cur_vp, 32, vp, 32);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_EMPTY);
	/* rotate needs a committed new register */
	REFUSED(f, run(f, MU_UNIT_CMD_ROTATE, NULL, 0, f->s0, 1), MU_UNIT_ERR_NEW_UNCOMMITTED);
}

static void test_envelope_binding(fx *f, gconstpointer user_data)
{
	/* an envelope for another unit's importer: the envelope names it */
	tu_unit other;
	tu_unit_init(&other, &f->env, "unit2", 1, MU_UNIT_ROLE_OPERATIONAL);
	tu_admin *a0[] = {&f->a[0]};
	tu_imprint(&other, a0, 1, 1, 1);
	g_autoptr(GBytes) foreign = tu_sealed_part(&other, &f->env, &f->a[0], P1, 2);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(foreign, NULL),
	            g_bytes_get_size(foreign), f->s0, 1),
	        MU_UNIT_ERR_ENVELOPE);
	tu_unit_clear(&other);
	/* a tampered ciphertext does not open; the importer stays usable */
	g_autoptr(GBytes) good = tu_sealed_part(&f->u, &f->env, &f->a[0], P1, 2);
	gsize n = g_bytes_get_size(good);
	g_autofree uint8_t *bad = tu_memdup(g_bytes_get_data(good, NULL), n);
	bad[n - 1] ^= 0x80;
	REFUSED(f, run(f, MU_UNIT_CMD_LOAD_PART, bad, n, f->s0, 1), MU_UNIT_ERR_ENVELOPE);
	g_assert_cmpint(run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(good, NULL), n, f->s0, 1),
	                ==, MU_OK);
	/* load part needs one signature */
	g_autoptr(GBytes) p2 = tu_sealed_part(&f->u, &f->env, &f->a[0], P2, 2);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(p2, NULL), g_bytes_get_size(p2),
	            NULL, 0),
	        MU_UNIT_ERR_QUORUM);
	/* clear new discards a partial register */
	g_assert_cmpint(run(f, MU_UNIT_CMD_CLEAR_NEW, NULL, 0, f->s0, 1), ==, MU_OK);
	g_assert_cmpint(status(f).new_state, ==, MU_UNIT_NEW_EMPTY);
}

static void test_importer_limit(fx *f, gconstpointer user_data)
{
	/* nine importers: the first is pushed out */
	g_autoptr(GBytes) first = tu_sealed_part(&f->u, &f->env, &f->a[0], P1, 2);
	for (int i = 0; i < 8; i++)
		g_assert_cmpint(run(f, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, f->s0, 1), ==, MU_OK);
	REFUSED(f,
	        run(f, MU_UNIT_CMD_LOAD_PART, g_bytes_get_data(first, NULL),
	            g_bytes_get_size(first), f->s0, 1),
	        MU_UNIT_ERR_IMPORTER);
	/* gen importer needs one signature */
	REFUSED(f, run(f, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, NULL, 0), MU_UNIT_ERR_QUORUM);
}

static void test_rotate_keys(fx *f, gconstpointer user_data)
{
	static const uint8_t Q1[32] = {0xAA}, Q2[32] = {0xBB, 1};
	uint8_t blob[100][64];
	size_t blob_len[100];
	mu_unit_key_entry e[100];
	/* no storage without a current master key */
	REFUSED(f, unitsim_domain_key_create(f->u.d, (const uint8_t *)"k", 1, &e[0]),
	        MU_UNIT_ERR_NO_CURRENT);
	tu_set_master_key(&f->u, &f->env, f->s01, 2, P1, P2, FALSE);
	for (int i = 0; i < 100; i++) {
		char label[16];
		g_snprintf(label, sizeof(label), "key%d", i);
		g_assert_cmpint(
		    unitsim_domain_key_create(f->u.d, (const uint8_t *)label, strlen(label), &e[i]),
		    ==, MU_OK);
		g_assert_cmpint(unitsim_domain_key_wrap(f->u.d, e[i].handle, (const uint8_t *)label,
		                                        strlen(label), blob[i], 64, &blob_len[i]),
		                ==, MU_OK);
	}
	/* with keys in storage: no set immediate, no clear current */
	g_assert_cmpint(tu_load_part(&f->u, &f->env, &f->a[0], Q1, 2), ==, MU_OK);
	g_assert_cmpint(tu_load_part(&f->u, &f->env, &f->a[0], Q2, 2), ==, MU_OK);
	uint8_t vp[32];
	vp_of_xor(Q1, Q2, NULL, vp);
	g_assert_cmpint(run(f, MU_UNIT_CMD_COMMIT, vp, 32, f->s01, 2), ==, MU_OK);
	REFUSED(f, run(f, MU_UNIT_CMD_SET_IMMEDIATE, NULL, 0, f->s0, 1), MU_UNIT_ERR_KEYS_EXIST);
	REFUSED(f, run(f, MU_UNIT_CMD_CLEAR_CURRENT, NULL, 0, f->s0, 1), MU_UNIT_ERR_KEYS_EXIST);
	unitsim_admin_out out;
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_ROTATE, NULL, 0, -1, f->s0, 1, &out), ==,
	                MU_OK);
	g_assert_true(out.res.has_key_count);
	g_assert_cmpuint(out.res.key_count, ==, 100);
	mu_unit_status st = status(f);
	g_assert_cmpmem(st.cur_vp, 32, vp, 32);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_EMPTY);
	/* the same keys: same VPs, old blobs unwrap */
	for (int i = 0; i < 100; i++) {
		mu_unit_key_entry now;
		uint8_t data[64];
		size_t n;
		g_assert_cmpint(unitsim_domain_key_at(f->u.d, (size_t)i, &now), ==, MU_OK);
		g_assert_cmpuint(now.handle, ==, e[i].handle);
		g_assert_cmpmem(now.vp, 32, e[i].vp, 32);
		g_assert_cmpint(unitsim_domain_key_unwrap(f->u.d, e[i].handle, blob[i], blob_len[i],
		                                          data, sizeof(data), &n),
		                ==, MU_OK);
		g_assert_cmpmem(data, n, e[i].label, strlen(e[i].label));
	}
	/* service refusals */
	uint8_t data[64];
	size_t n;
	blob[0][20] ^= 1;
	g_assert_cmpint(unitsim_domain_key_unwrap(f->u.d, e[0].handle, blob[0], blob_len[0], data,
	                                          sizeof(data), &n),
	                ==, MU_UNIT_ERR_UNWRAP);
	g_assert_cmpint(unitsim_domain_key_unwrap(f->u.d, e[1].handle, blob[2], blob_len[2], data,
	                                          sizeof(data), &n),
	                ==, MU_UNIT_ERR_UNWRAP);
	g_assert_cmpint(unitsim_domain_key_wrap(f->u.d, 4242, data, 4, blob[0], 64, &n), ==,
	                MU_UNIT_ERR_KEY_UNKNOWN);
	g_assert_cmpint(unitsim_domain_key_delete(f->u.d, e[5].handle), ==, MU_OK);
	g_assert_cmpint(unitsim_domain_key_delete(f->u.d, e[5].handle), ==,
	                MU_UNIT_ERR_KEY_UNKNOWN);
	g_assert_cmpuint(unitsim_domain_key_count(f->u.d), ==, 99);
	/* rotate with no new key */
	REFUSED(f, run(f, MU_UNIT_CMD_ROTATE, NULL, 0, f->s0, 1), MU_UNIT_ERR_NEW_UNCOMMITTED);
}

static void test_storage_full(fx *f, gconstpointer user_data)
{
	mu_unit_key_entry e;
	tu_set_master_key(&f->u, &f->env, f->s01, 2, P1, P2, FALSE);
	for (unsigned i = 0; i < MU_UNIT_KEYS_MAX; i++)
		g_assert_cmpint(unitsim_domain_key_create(f->u.d, NULL, 0, &e), ==, MU_OK);
	g_assert_cmpint(unitsim_domain_key_create(f->u.d, NULL, 0, &e), ==,
	                MU_UNIT_ERR_STORAGE_FULL);
	g_assert_cmpuint(unitsim_domain_key_count(f->u.d), ==, MU_UNIT_KEYS_MAX);
	/* clone keeps every key */
	unitsim_domain *c = unitsim_domain_clone(f->u.d);
	g_assert_nonnull(c);
	g_assert_cmpuint(unitsim_domain_key_count(c), ==, MU_UNIT_KEYS_MAX);
	unitsim_domain_free(&c);
	g_assert_null(c);
}

static void test_recovery(fx *f, gconstpointer user_data)
{
	tu_unit rec;
	tu_admin *all[] = {&f->a[0], &f->a[1], &f->a[2]};
	unitsim_admin_out out;
	uint8_t parts = 2;
	/* operational units have no recovery commands */
	REFUSED(f, run(f, MU_UNIT_CMD_RECOVERY_GENERATE, &parts, 1, f->s01, 2), MU_UNIT_ERR_ROLE);
	tu_unit_init(&rec, &f->env, "recovery1", 9, MU_UNIT_ROLE_RECOVERY);
	tu_imprint(&rec, all, 3, 2, 1);
	/* export before generate */
	g_autoptr(GBytes) stmt_in = NULL;
	{
		unitsim_admin_out imp;
		g_assert_cmpint(
		    tu_admin_cmd(&f->u, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1, f->s0, 1, &imp), ==,
		    MU_OK);
		mu_admin_export_input ei = {
		    .part_index = 1,
		    .stmt_tlv = imp.res.importer_stmt.p,
		    .stmt_len = imp.res.importer_stmt.len,
		    .stmt_sig = imp.res.importer_sig.p,
		    .stmt_sig_len = imp.res.importer_sig.len,
		    .oa_cert = g_bytes_get_data(f->u.oa_cert, NULL),
		    .oa_cert_len = g_bytes_get_size(f->u.oa_cert),
		};
		uint8_t buf[2048];
		size_t n;
		g_assert_cmpint(mu_admin_input_export(&ei, buf, sizeof(buf), &n), ==, MU_OK);
		stmt_in = g_bytes_new(buf, n);
	}
	gsize in_len;
	const uint8_t *in = g_bytes_get_data(stmt_in, &in_len);
	g_assert_cmpint(
	    tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_EXPORT, in, in_len, -1, f->s0, 1, NULL), ==,
	    MU_UNIT_ERR_NO_RECOVERY_KEY);
	/* generate needs the signature threshold */
	g_assert_cmpint(
	    tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_GENERATE, &parts, 1, -1, f->s0, 1, NULL), ==,
	    MU_UNIT_ERR_QUORUM);
	g_assert_cmpint(
	    tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_GENERATE, &parts, 1, -1, f->s01, 2, &out), ==,
	    MU_OK);
	uint8_t rec_vp[32];
	memcpy(rec_vp, out.res.vp, 32);
	mu_unit_status rs;
	unitsim_domain_status(rec.d, &rs);
	g_assert_true(rs.has_recovery);
	g_assert_cmpmem(rs.recovery_vp, 32, rec_vp, 32);
	/* export part 1 to unit1's importer, then part 2 to a fresh one */
	for (uint8_t idx = 1; idx <= 2; idx++) {
		g_autoptr(GBytes) ein = NULL;
		if (idx == 1) {
			ein = g_bytes_ref(stmt_in);
		} else {
			unitsim_admin_out imp;
			g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1,
			                             f->s0, 1, &imp),
			                ==, MU_OK);
			mu_admin_export_input ei = {
			    .part_index = idx,
			    .stmt_tlv = imp.res.importer_stmt.p,
			    .stmt_len = imp.res.importer_stmt.len,
			    .stmt_sig = imp.res.importer_sig.p,
			    .stmt_sig_len = imp.res.importer_sig.len,
			    .oa_cert = g_bytes_get_data(f->u.oa_cert, NULL),
			    .oa_cert_len = g_bytes_get_size(f->u.oa_cert),
			};
			uint8_t buf[2048];
			size_t n;
			g_assert_cmpint(mu_admin_input_export(&ei, buf, sizeof(buf), &n), ==,
			                MU_OK);
			ein = g_bytes_new(buf, n);
		}
		gsize el;
		const uint8_t *ep = g_bytes_get_data(ein, &el);
		g_assert_cmpint(
		    tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_EXPORT, ep, el, -1, f->s0, 1, &out), ==,
		    MU_OK);
		uint8_t load[600];
		size_t ln;
		g_assert_cmpint(mu_admin_input_load_part(2, out.res.envelope.p,
		                                         out.res.envelope.len, load, sizeof(load),
		                                         &ln),
		                ==, MU_OK);
		g_assert_cmpint(run(f, MU_UNIT_CMD_LOAD_PART, load, ln, f->s0, 1), ==, MU_OK);
	}
	mu_unit_status st = status(f);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_UNCOMMITTED);
	g_assert_cmpmem(st.new_vp, 32, rec_vp, 32);
	/* a target from another instance (other root) is refused */
	tu_env other_env;
	tu_unit stranger;
	tu_env_init(&other_env);
	tu_unit_init(&stranger, &other_env, "stranger", 0, MU_UNIT_ROLE_OPERATIONAL);
	tu_admin *a0[] = {&f->a[0]};
	tu_imprint(&stranger, a0, 1, 1, 1);
	unitsim_admin_out imp;
	g_assert_cmpint(tu_admin_cmd(&stranger, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1, a0, 1, &imp),
	                ==, MU_OK);
	mu_admin_export_input ei = {
	    .part_index = 1,
	    .stmt_tlv = imp.res.importer_stmt.p,
	    .stmt_len = imp.res.importer_stmt.len,
	    .stmt_sig = imp.res.importer_sig.p,
	    .stmt_sig_len = imp.res.importer_sig.len,
	    .oa_cert = g_bytes_get_data(stranger.oa_cert, NULL),
	    .oa_cert_len = g_bytes_get_size(stranger.oa_cert),
	};
	uint8_t buf[2048];
	size_t n;
	g_assert_cmpint(mu_admin_input_export(&ei, buf, sizeof(buf), &n), ==, MU_OK);
	uint64_t c = tu_counter(&rec);
	g_assert_cmpint(tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_EXPORT, buf, n, -1, f->s0, 1, NULL),
	                ==, MU_UNIT_ERR_TRUST);
	/* a statement of one unit presented with another unit's certificate */
	ei.oa_cert = g_bytes_get_data(f->u.oa_cert, NULL);
	ei.oa_cert_len = g_bytes_get_size(f->u.oa_cert);
	g_assert_cmpint(mu_admin_input_export(&ei, buf, sizeof(buf), &n), ==, MU_OK);
	g_assert_cmpint(tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_EXPORT, buf, n, -1, f->s0, 1, NULL),
	                ==, MU_UNIT_ERR_TRUST);
	/* a statement signed by unit1's OA key that names another module:
	 * signature fine, identity wrong */
	{
		unitsim_admin_out imp1;
		mu_unit_importer st1;
		uint8_t stmt[512], sig[MU_UNIT_SIG_MAX];
		size_t sn, sl;
		mu_tlv_writer w;
		g_assert_cmpint(
		    tu_admin_cmd(&f->u, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1, f->s0, 1, &imp1), ==,
		    MU_OK);
		g_assert_cmpint(mu_importer_stmt_parse(imp1.res.importer_stmt.p,
		                                       imp1.res.importer_stmt.len, &st1),
		                ==, MU_OK);
		st1.module_id[0] ^= 0xFF;
		mu_tlv_writer_init(&w, stmt, sizeof(stmt));
		mu_importer_stmt_encode(&st1, &w);
		g_assert_cmpint(mu_tlv_writer_finish(&w, &sn), ==, MU_OK);
		g_assert_cmpint(mu_importer_stmt_sign(f->u.oa_key, stmt, sn, sig, sizeof(sig), &sl),
		                ==, MU_OK);
		mu_admin_export_input forged = ei;
		forged.stmt_tlv = stmt;
		forged.stmt_len = sn;
		forged.stmt_sig = sig;
		forged.stmt_sig_len = sl;
		g_assert_cmpint(mu_admin_input_export(&forged, buf, sizeof(buf), &n), ==, MU_OK);
		g_assert_cmpint(
		    tu_admin_cmd(&rec, MU_UNIT_CMD_RECOVERY_EXPORT, buf, n, -1, f->s0, 1, NULL), ==,
		    MU_UNIT_ERR_TRUST);
	}
	g_assert_cmpuint(tu_counter(&rec), ==, c);
	tu_unit_clear(&stranger);
	tu_env_clear(&other_env);
	tu_unit_clear(&rec);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fx, NULL, fx_setup, fn, fx_teardown)
	ADD("/unitsim/mk/load-commit", test_load_commit);
	ADD("/unitsim/mk/envelope-binding", test_envelope_binding);
	ADD("/unitsim/mk/importer-limit", test_importer_limit);
	ADD("/unitsim/mk/rotate-keys", test_rotate_keys);
	ADD("/unitsim/mk/storage-full", test_storage_full);
	ADD("/unitsim/mk/recovery", test_recovery);
	return g_test_run();
}
