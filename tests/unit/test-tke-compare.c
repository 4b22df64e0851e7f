/* SPDX-License-Identifier: Apache-2.0 */
/* Status comparison of tke/: equal units show no difference, and each kind
 * of difference is marked on exactly its row. */
#include <glib.h>
#include <string.h>

#include "mu-tke-status.h"

static const char *const names[] = {"unit1", "unit2", "unit3"};

static void status_init(mu_unit_status *st, uint8_t module_last, uint16_t domain)
{
	memset(st, 0, sizeof(*st));
	st->module_id[7] = module_last;
	st->domain = domain;
	st->imprint = true;
	st->new_state = MU_UNIT_NEW_EMPTY;
	st->cur_state = MU_UNIT_CUR_EMPTY;
}

static void add_admin(mu_unit_status *st, uint8_t id, const char *name)
{
	mu_unit_status_admin *a = &st->admins[st->nadmins++];
	memset(a->key_id, id, sizeof(a->key_id));
	g_strlcpy(a->name, name, sizeof(a->name));
}

static const mu_tke_compare_row *row(const mu_tke_compare *cmp, const char *key)
{
	for (size_t i = 0; i < mu_tke_compare_n_rows(cmp); i++)
		if (strcmp(mu_tke_compare_row_at(cmp, i)->key, key) == 0)
			return mu_tke_compare_row_at(cmp, i);
	return NULL;
}

/* The keys of the rows that differ, joined by ','. */
static char *differing(const mu_tke_compare *cmp)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < mu_tke_compare_n_rows(cmp); i++) {
		const mu_tke_compare_row *r = mu_tke_compare_row_at(cmp, i);
		if (r->differs)
			g_string_append_printf(s, "%s%s", s->len ? "," : "", r->key);
	}
	return g_string_free(s, FALSE);
}

static void test_equal(void)
{
	mu_unit_status st[3];
	for (size_t i = 0; i < 3; i++) {
		status_init(&st[i], (uint8_t)(i + 1), (uint16_t)i);
		add_admin(&st[i], 0x11, "alice");
		add_admin(&st[i], 0x22, "bob");
		st[i].counter = 2;
	}
	/* installation order does not matter */
	mu_unit_status_admin tmp = st[2].admins[0];
	st[2].admins[0] = st[2].admins[1];
	st[2].admins[1] = tmp;
	st[2].key_count = 7; /* per-unit contents: shown, not compared */
	const mu_unit_status *const sp[] = {&st[0], &st[1], &st[2]};
	g_autoptr(mu_tke_compare) cmp = mu_tke_compare_new(3, names, sp);

	g_assert_cmpuint(mu_tke_compare_n_units(cmp), ==, 3);
	g_assert_cmpstr(mu_tke_compare_unit_name(cmp, 1), ==, "unit2");
	g_assert_cmpuint(mu_tke_compare_n_differences(cmp), ==, 0);
	g_autofree char *d = differing(cmp);
	g_assert_cmpstr(d, ==, "");

	/* identity rows are shown, never compared */
	const mu_tke_compare_row *r = row(cmp, "module-id");
	g_assert_nonnull(r);
	g_assert_false(r->compared);
	g_assert_cmpstr(r->values[0], ==, "0000000000000001");
	g_assert_cmpstr(r->values[2], ==, "0000000000000003");
	g_assert_cmpstr(row(cmp, "domain")->values[1], ==, "1");
	g_assert_false(row(cmp, "key-count")->compared);
	g_assert_cmpstr(row(cmp, "key-count")->values[2], ==, "7");

	r = row(cmp, "admin:1111111111111111111111111111111111111111111111111111111111111111");
	g_assert_nonnull(r);
	g_assert_true(r->compared);
	g_assert_cmpstr(r->values[0], ==, "alice");
	g_assert_cmpstr(r->label, ==, "admin 1111111111111111");
	g_assert_cmpstr(row(cmp, "imprint")->values[0], ==, "yes");
	g_assert_cmpstr(row(cmp, "new-register")->values[0], ==, "EMPTY");
	g_assert_cmpstr(row(cmp, "current-register-vp")->values[0], ==, "-");
	g_assert_null(row(cmp, "new-part-1-vp"));
	g_assert_null(row(cmp, "recovery-key"));
}

static void test_admin_on_one_unit(void)
{
	mu_unit_status st[3];
	for (size_t i = 0; i < 3; i++) {
		status_init(&st[i], (uint8_t)(i + 1), 0);
		add_admin(&st[i], 0x11, "alice");
		st[i].counter = 1;
	}
	add_admin(&st[0], 0x33, "carol");
	st[0].counter = 2;
	const mu_unit_status *const sp[] = {&st[0], &st[1], &st[2]};
	g_autoptr(mu_tke_compare) cmp = mu_tke_compare_new(3, names, sp);
	g_autofree char *d = differing(cmp);
	g_assert_cmpstr(d, ==,
	                "transaction-counter,admins,"
	                "admin:3333333333333333333333333333333333333333333333333333333333333333");
	g_assert_cmpuint(mu_tke_compare_n_differences(cmp), ==, 3);
	const mu_tke_compare_row *r =
	    row(cmp, "admin:3333333333333333333333333333333333333333333333333333333333333333");
	g_assert_cmpstr(r->values[0], ==, "carol");
	g_assert_cmpstr(r->values[1], ==, "-");
	g_assert_cmpstr(r->values[2], ==, "-");
}

static void test_registers(void)
{
	mu_unit_status st[3];
	for (size_t i = 0; i < 3; i++) {
		status_init(&st[i], (uint8_t)(i + 1), 0);
		st[i].imprint = false;
		st[i].sig_threshold = 2;
		st[i].rev_threshold = 1;
		st[i].new_state = MU_UNIT_NEW_PARTIAL;
		st[i].new_loaded = 1;
		st[i].new_total = 2;
		memset(st[i].part_vps[0], 0xab, MU_VP_LEN);
		st[i].cur_state = MU_UNIT_CUR_VALID;
		memset(st[i].cur_vp, 0xcd, MU_VP_LEN);
	}
	st[1].new_loaded = 2;
	st[1].new_state = MU_UNIT_NEW_UNCOMMITTED;
	st[1].new_has_vp = true;
	memset(st[1].part_vps[1], 0xef, MU_VP_LEN);
	memset(st[1].new_vp, 0x01, MU_VP_LEN);
	st[2].cur_vp[31] = 0x00;
	st[2].rev_threshold = 2;
	const mu_unit_status *const sp[] = {&st[0], &st[1], &st[2]};
	g_autoptr(mu_tke_compare) cmp = mu_tke_compare_new(3, names, sp);
	g_autofree char *d = differing(cmp);
	g_assert_cmpstr(d, ==,
	                "revocation-threshold,new-register,new-part-2-vp,new-register-vp,"
	                "current-register-vp");
	g_assert_cmpstr(row(cmp, "new-register")->values[0], ==, "PARTIAL 1 of 2");
	g_assert_cmpstr(row(cmp, "new-register")->values[1], ==, "FULL-UNCOMMITTED");
	g_assert_cmpstr(row(cmp, "new-part-1-vp")->values[2], ==,
	                "abababababababababababababababababababababababababababababababab");
	g_assert_cmpstr(row(cmp, "new-part-2-vp")->values[0], ==, "-");
	g_assert_cmpstr(row(cmp, "current-register")->values[0], ==, "VALID");
}

/* A unit whose status could not be read takes no part. */
static void test_unknown_unit(void)
{
	mu_unit_status st[2];
	status_init(&st[0], 1, 0);
	status_init(&st[1], 2, 0);
	st[1].has_recovery = true;
	st[1].role = MU_UNIT_ROLE_RECOVERY;
	st[1].recovery_parts = 3;
	const mu_unit_status *const sp[] = {&st[0], NULL, &st[1]};
	g_autoptr(mu_tke_compare) cmp = mu_tke_compare_new(3, names, sp);
	g_assert_cmpuint(mu_tke_compare_n_differences(cmp), ==, 0);
	const mu_tke_compare_row *r = row(cmp, "imprint");
	g_assert_cmpstr(r->values[0], ==, "yes");
	g_assert_null(r->values[1]);
	r = row(cmp, "recovery-key");
	g_assert_nonnull(r);
	g_assert_false(r->compared);
	g_assert_cmpstr(r->values[0], ==, "-");
	g_assert_true(g_str_has_prefix(r->values[2], "3 parts, VP 0000"));
	g_assert_cmpstr(row(cmp, "role")->values[2], ==, "recovery");

	/* no unit at all */
	mu_tke_compare *none = mu_tke_compare_new(0, NULL, NULL);
	g_assert_cmpuint(mu_tke_compare_n_differences(none), ==, 0);
	mu_tke_compare_free(&none);
	g_assert_null(none);
}

static void test_text_helpers(void)
{
	static const uint8_t b[] = {0x00, 0x7f, 0xff};
	g_autofree char *h = mu_tke_hex(b, sizeof(b));
	g_assert_cmpstr(h, ==, "007fff");
	g_assert_cmpstr(mu_tke_new_state_name(MU_UNIT_NEW_COMMITTED), ==, "FULL-COMMITTED");
	g_assert_cmpstr(mu_tke_new_state_name(9), ==, "UNKNOWN");
	g_assert_cmpstr(mu_tke_cur_state_name(MU_UNIT_CUR_VALID), ==, "VALID");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tke/compare/equal", test_equal);
	g_test_add_func("/tke/compare/admin-on-one-unit", test_admin_on_one_unit);
	g_test_add_func("/tke/compare/registers", test_registers);
	g_test_add_func("/tke/compare/unknown-unit", test_unknown_unit);
	g_test_add_func("/tke/compare/text-helpers", test_text_helpers);
	return g_test_run();
}
