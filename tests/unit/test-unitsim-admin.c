/* SPDX-License-Identifier: Apache-2.0 */
/* The domain's admin rules (ARCHITECTURE.md §2, docs/protocol.md §14):
 * imprint mode, admins, thresholds, signatures, counter, unit binding. Each
 * refusal asserts its exact status and that nothing changed. */
#include <glib.h>
#include <string.h>

#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "unitsim-testutil.h"

typedef struct fx {
	tu_env env;
	tu_unit u;
	tu_admin a[9];
} fx;

static void fx_setup(fx *f, gconstpointer user_data)
{
	tu_env_init(&f->env);
	tu_unit_init(&f->u, &f->env, "unit1", 3, MU_UNIT_ROLE_OPERATIONAL);
	for (int i = 0; i < 9; i++) {
		char name[16];
		g_snprintf(name, sizeof(name), "admin%d", i);
		tu_admin_init(&f->a[i], name);
	}
}

static void fx_teardown(fx *f, gconstpointer user_data)
{
	for (int i = 0; i < 9; i++)
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

/* Asserts that a refused command left counter and admin count alone. */
#define REFUSED(f, call, code)                                                                     \
	do {                                                                                       \
		mu_unit_status before_ = status(f);                                                \
		g_assert_cmpint((call), ==, (code));                                               \
		mu_unit_status after_ = status(f);                                                 \
		g_assert_cmpuint(after_.counter, ==, before_.counter);                             \
		g_assert_cmpuint(after_.nadmins, ==, before_.nadmins);                             \
		g_assert_cmpuint(after_.sig_threshold, ==, before_.sig_threshold);                 \
		g_assert_cmpuint(after_.rev_threshold, ==, before_.rev_threshold);                 \
		g_assert_cmpint(after_.new_state, ==, before_.new_state);                          \
	} while (0)

static int add(fx *f, int who, tu_admin *const *signers, size_t n)
{
	return tu_admin_cmd(&f->u, MU_UNIT_CMD_ADD_ADMIN, f->a[who].cert, f->a[who].cert_len, -1,
	                    signers, n, NULL);
}

static int thresholds(fx *f, uint8_t sig, uint8_t rev, tu_admin *const *signers, size_t n)
{
	uint8_t in[2];
	mu_admin_input_thresholds(sig, rev, in);
	return tu_admin_cmd(&f->u, MU_UNIT_CMD_SET_THRESHOLDS, in, 2, -1, signers, n, NULL);
}

static int remove_admin(fx *f, int who, tu_admin *const *signers, size_t n)
{
	return tu_admin_cmd(&f->u, MU_UNIT_CMD_REMOVE_ADMIN, f->a[who].key_id, 32, -1, signers, n,
	                    NULL);
}

static void test_imprint_mode(fx *f, gconstpointer user_data)
{
	mu_unit_status st = status(f);
	g_assert_true(st.imprint);
	g_assert_cmpuint(st.sig_threshold, ==, 0);
	g_assert_cmpuint(st.nadmins, ==, 0);
	/* unsigned additions are accepted in imprint mode */
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 1, NULL, 0), ==, MU_OK);
	st = status(f);
	g_assert_cmpuint(st.nadmins, ==, 2);
	g_assert_cmpuint(st.counter, ==, 2);
	g_assert_cmpstr(st.admins[1].name, ==, "admin1");
	g_assert_cmpmem(st.admins[0].key_id, 32, f->a[0].key_id, 32);
	/* every master key command is refused in imprint mode, even signed */
	static const uint16_t mk_cmds[] = {
	    MU_UNIT_CMD_GEN_IMPORTER, MU_UNIT_CMD_SET_IMMEDIATE, MU_UNIT_CMD_ROTATE,
	    MU_UNIT_CMD_CLEAR_NEW,    MU_UNIT_CMD_CLEAR_CURRENT,
	};
	tu_admin *s0[] = {&f->a[0]};
	for (size_t i = 0; i < G_N_ELEMENTS(mk_cmds); i++)
		REFUSED(f, tu_admin_cmd(&f->u, mk_cmds[i], NULL, 0, -1, s0, 1, NULL),
		        MU_UNIT_ERR_IMPRINT);
	uint8_t vp[32] = {0};
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_COMMIT, vp, 32, -1, s0, 1, NULL),
	        MU_UNIT_ERR_IMPRINT);
	uint8_t parts = 2;
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_RECOVERY_GENERATE, &parts, 1, -1, s0, 1, NULL),
	        MU_UNIT_ERR_IMPRINT);
	/* a syntactically valid LOAD PART is refused too (made on a twin unit
	 * that is out of imprint mode) */
	tu_unit twin;
	tu_unit_init(&twin, &f->env, "twin", 3, MU_UNIT_ROLE_OPERATIONAL);
	tu_admin *a0[] = {&f->a[0]};
	tu_imprint(&twin, a0, 1, 1, 1);
	uint8_t part[32] = {1};
	g_autoptr(GBytes) in = tu_sealed_part(&twin, &f->env, &f->a[0], part, 2);
	gsize n;
	const uint8_t *p = g_bytes_get_data(in, &n);
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_LOAD_PART, p, n, -1, s0, 1, NULL),
	        MU_UNIT_ERR_IMPRINT);
	tu_unit_clear(&twin);
}

static void test_leave_imprint(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]}, *s01[] = {&f->a[0], &f->a[1]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 1, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 2, NULL, 0), ==, MU_OK);
	/* in imprint mode SET THRESHOLDS needs as many signatures as the new
	 * signature threshold */
	REFUSED(f, thresholds(f, 2, 1, NULL, 0), MU_UNIT_ERR_QUORUM);
	REFUSED(f, thresholds(f, 2, 1, s0, 1), MU_UNIT_ERR_QUORUM);
	/* thresholds are 1..8 and not above the admin count */
	REFUSED(f, thresholds(f, 0, 1, NULL, 0), MU_UNIT_ERR_THRESHOLD);
	REFUSED(f, thresholds(f, 1, 0, s0, 1), MU_UNIT_ERR_THRESHOLD);
	REFUSED(f, thresholds(f, 2, 4, s01, 2), MU_UNIT_ERR_THRESHOLD);
	REFUSED(f, thresholds(f, 1, 9, s0, 1), MU_UNIT_ERR_THRESHOLD);
	g_assert_cmpint(thresholds(f, 2, 3, s01, 2), ==, MU_OK);
	mu_unit_status st = status(f);
	g_assert_false(st.imprint);
	g_assert_cmpuint(st.sig_threshold, ==, 2);
	g_assert_cmpuint(st.rev_threshold, ==, 3);
	/* afterwards the current signature threshold applies */
	REFUSED(f, thresholds(f, 1, 1, s0, 1), MU_UNIT_ERR_QUORUM);
	tu_admin *s012[] = {&f->a[0], &f->a[1], &f->a[2]};
	REFUSED(f, thresholds(f, 3, 4, s012, 3), MU_UNIT_ERR_THRESHOLD);
	g_assert_cmpint(thresholds(f, 1, 1, s01, 2), ==, MU_OK);
}

static void test_add_remove(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]}, *s01[] = {&f->a[0], &f->a[1]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 1, NULL, 0), ==, MU_OK);
	REFUSED(f, add(f, 1, NULL, 0), MU_UNIT_ERR_ADMIN_EXISTS);
	/* a certificate that is not a self-signed P-521 admin certificate */
	uint8_t junk[64];
	memset(junk, 0x30, sizeof(junk));
	REFUSED(f,
	        tu_admin_cmd(&f->u, MU_UNIT_CMD_ADD_ADMIN, junk, sizeof(junk), -1, NULL, 0, NULL),
	        MU_UNIT_ERR_BAD_CERT);
	g_autofree uint8_t *bad = tu_memdup(f->a[2].cert, f->a[2].cert_len);
	bad[f->a[2].cert_len - 3] ^= 0x01; /* inside the signature */
	REFUSED(
	    f, tu_admin_cmd(&f->u, MU_UNIT_CMD_ADD_ADMIN, bad, f->a[2].cert_len, -1, NULL, 0, NULL),
	    MU_UNIT_ERR_BAD_CERT);
	g_assert_cmpint(thresholds(f, 2, 2, s01, 2), ==, MU_OK);
	/* adding needs the signature threshold */
	REFUSED(f, add(f, 2, s0, 1), MU_UNIT_ERR_QUORUM);
	g_assert_cmpint(add(f, 2, s01, 2), ==, MU_OK);
	/* removing needs the revocation threshold */
	REFUSED(f, remove_admin(f, 2, s0, 1), MU_UNIT_ERR_QUORUM);
	REFUSED(f, remove_admin(f, 5, s01, 2), MU_UNIT_ERR_ADMIN_UNKNOWN);
	g_assert_cmpint(remove_admin(f, 2, s01, 2), ==, MU_OK);
	/* two admins, thresholds 2: no removal may leave fewer than 2 */
	REFUSED(f, remove_admin(f, 1, s01, 2), MU_UNIT_ERR_ADMIN_MIN);
	/* signature 1, revocation 2: still refused because of the revocation
	 * threshold alone */
	uint8_t in[2];
	mu_admin_input_thresholds(1, 2, in);
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_SET_THRESHOLDS, in, 2, -1, s01, 2, NULL),
	                ==, MU_OK);
	REFUSED(f, remove_admin(f, 1, s01, 2), MU_UNIT_ERR_ADMIN_MIN);
	mu_admin_input_thresholds(2, 1, in);
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_SET_THRESHOLDS, in, 2, -1, s0, 1, NULL), ==,
	                MU_OK);
	REFUSED(f, remove_admin(f, 1, s0, 1), MU_UNIT_ERR_ADMIN_MIN);
	mu_admin_input_thresholds(1, 1, in);
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_SET_THRESHOLDS, in, 2, -1, s01, 2, NULL),
	                ==, MU_OK);
	g_assert_cmpint(remove_admin(f, 1, s0, 1), ==, MU_OK);
	g_assert_cmpuint(status(f).nadmins, ==, 1);
}

static void test_admins_full(fx *f, gconstpointer user_data)
{
	for (int i = 0; i < 8; i++)
		g_assert_cmpint(add(f, i, NULL, 0), ==, MU_OK);
	REFUSED(f, add(f, 8, NULL, 0), MU_UNIT_ERR_ADMINS_FULL);
	tu_admin *all[8];
	for (int i = 0; i < 8; i++)
		all[i] = &f->a[i];
	/* threshold 8 with 8 signatures is the maximum */
	g_assert_cmpint(thresholds(f, 8, 8, all, 8), ==, MU_OK);
	g_assert_cmpuint(status(f).sig_threshold, ==, 8);
}

static void test_signature_rules(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]}, *s01[] = {&f->a[0], &f->a[1]};
	tu_admin *outsider[] = {&f->a[0], &f->a[5]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 1, NULL, 0), ==, MU_OK);
	g_assert_cmpint(thresholds(f, 1, 1, s0, 1), ==, MU_OK);
	/* a signature by a key that is not an installed admin */
	REFUSED(f, add(f, 2, outsider, 2), MU_UNIT_ERR_NOT_ADMIN);
	/* even in imprint mode a present signature must be by an admin: tested
	 * through ZEROIZE below */
	/* a signature over other bytes does not verify */
	uint64_t c = tu_counter(&f->u);
	g_autoptr(GBytes) block =
	    tu_block(&f->u, MU_UNIT_CMD_ADD_ADMIN, f->a[2].cert, f->a[2].cert_len, c);
	g_autoptr(GBytes) other =
	    tu_block(&f->u, MU_UNIT_CMD_ADD_ADMIN, f->a[3].cert, f->a[3].cert_len, c);
	REFUSED(f, tu_run_block(&f->u, block, other, s0, 1, NULL), MU_UNIT_ERR_BAD_SIGNATURE);
	/* one good and one bad signature: refused as a whole */
	REFUSED(f, tu_run_block(&f->u, block, other, s01, 2, NULL), MU_UNIT_ERR_BAD_SIGNATURE);
	g_assert_cmpint(tu_run_block(&f->u, block, block, s0, 1, NULL), ==, MU_OK);
	/* the same block again: a replay */
	REFUSED(f, tu_run_block(&f->u, block, block, s0, 1, NULL), MU_UNIT_ERR_COUNTER);
	/* a block for a future counter is refused as well */
	REFUSED(f,
	        tu_admin_cmd(&f->u, MU_UNIT_CMD_CLEAR_NEW, NULL, 0, (int64_t)tu_counter(&f->u) + 1,
	                     s0, 1, NULL),
	        MU_UNIT_ERR_COUNTER);
	/* duplicate signatures by one admin are a malformed command */
	tu_admin *dup[] = {&f->a[0], &f->a[0]};
	REFUSED(f, add(f, 3, dup, 2), MU_ERR_MALFORMED);
}

static void test_other_unit(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(thresholds(f, 1, 1, s0, 1), ==, MU_OK);
	/* a twin with the same admin, another module id */
	tu_unit other;
	tu_unit_init(&other, &f->env, "unit2", 3, MU_UNIT_ROLE_OPERATIONAL);
	g_autoptr(GBytes) block =
	    tu_block(&other, MU_UNIT_CMD_CLEAR_NEW, NULL, 0, tu_counter(&f->u));
	REFUSED(f, tu_run_block(&f->u, block, block, s0, 1, NULL), MU_UNIT_ERR_WRONG_UNIT);
	/* same module id, another domain */
	uint8_t buf[64];
	size_t n;
	mu_admin_block b = {
	    .cmd = MU_UNIT_CMD_CLEAR_NEW, .domain = 4, .counter = tu_counter(&f->u)};
	memcpy(b.module_id, f->u.id.module_id, 8);
	g_assert_cmpint(mu_admin_block_encode(&b, buf, sizeof(buf), &n), ==, MU_OK);
	g_autoptr(GBytes) b2 = g_bytes_new(buf, n);
	REFUSED(f, tu_run_block(&f->u, b2, b2, s0, 1, NULL), MU_UNIT_ERR_WRONG_UNIT);
	tu_unit_clear(&other);
}

static void test_malformed(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(thresholds(f, 1, 1, s0, 1), ==, MU_OK);
	uint8_t x[3] = {1, 2, 3};
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_CLEAR_NEW, x, 1, -1, s0, 1, NULL),
	        MU_ERR_MALFORMED);
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_SET_THRESHOLDS, x, 3, -1, s0, 1, NULL),
	        MU_ERR_MALFORMED);
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_REMOVE_ADMIN, x, 3, -1, s0, 1, NULL),
	        MU_ERR_MALFORMED);
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_LOAD_PART, x, 3, -1, s0, 1, NULL),
	        MU_ERR_MALFORMED);
	REFUSED(f, tu_admin_cmd(&f->u, 0x7777, NULL, 0, -1, s0, 1, NULL), MU_UNIT_ERR_UNKNOWN_OP);
	/* a block with a wrong context string */
	g_autoptr(GBytes) block =
	    tu_block(&f->u, MU_UNIT_CMD_CLEAR_NEW, NULL, 0, tu_counter(&f->u));
	g_autofree uint8_t *bad = tu_memdup(g_bytes_get_data(block, NULL), g_bytes_get_size(block));
	bad[0] ^= 0x20;
	g_autoptr(GBytes) bb = g_bytes_new(bad, g_bytes_get_size(block));
	REFUSED(f, tu_run_block(&f->u, bb, bb, s0, 1, NULL), MU_ERR_MALFORMED);
}

static void test_zeroize(fx *f, gconstpointer user_data)
{
	tu_admin *s0[] = {&f->a[0]};
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
	g_assert_cmpint(add(f, 1, NULL, 0), ==, MU_OK);
	g_assert_cmpint(thresholds(f, 1, 1, s0, 1), ==, MU_OK);
	/* zeroize needs one signature once out of imprint mode */
	REFUSED(f, tu_admin_cmd(&f->u, MU_UNIT_CMD_ZEROIZE, NULL, 0, -1, NULL, 0, NULL),
	        MU_UNIT_ERR_QUORUM);
	uint64_t c = tu_counter(&f->u);
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_ZEROIZE, NULL, 0, -1, s0, 1, NULL), ==,
	                MU_OK);
	mu_unit_status st = status(f);
	g_assert_true(st.imprint);
	g_assert_cmpuint(st.nadmins, ==, 0);
	g_assert_cmpuint(st.sig_threshold, ==, 0);
	g_assert_cmpuint(st.rev_threshold, ==, 0);
	g_assert_cmpint(st.new_state, ==, MU_UNIT_NEW_EMPTY);
	g_assert_cmpint(st.cur_state, ==, MU_UNIT_CUR_EMPTY);
	/* the counter keeps counting: old blocks stay dead */
	g_assert_cmpuint(st.counter, ==, c + 1);
	/* in imprint mode a present signature must still be by an admin */
	REFUSED(f, add(f, 0, s0, 1), MU_UNIT_ERR_NOT_ADMIN);
	g_assert_cmpint(add(f, 0, NULL, 0), ==, MU_OK);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fx, NULL, fx_setup, fn, fx_teardown)
	ADD("/unitsim/admin/imprint-mode", test_imprint_mode);
	ADD("/unitsim/admin/leave-imprint", test_leave_imprint);
	ADD("/unitsim/admin/add-remove", test_add_remove);
	ADD("/unitsim/admin/admins-full", test_admins_full);
	ADD("/unitsim/admin/signature-rules", test_signature_rules);
	ADD("/unitsim/admin/other-unit", test_other_unit);
	ADD("/unitsim/admin/malformed", test_malformed);
	ADD("/unitsim/admin/zeroize", test_zeroize);
	return g_test_run();
}
