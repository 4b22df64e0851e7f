/* SPDX-License-Identifier: Apache-2.0 */
/* Ceremony plans of tke/: the [master-key] finish= and replaces= keys
 * (refused with a message naming group and key when they do not go
 * together), and the master key steps computed from unit statuses for
 * each finish: set-immediate as it always was, rotate for every state a
 * unit can be in, refusals naming the unit. The parser's other refusals
 * are replayed by the plan fuzz corpus; the steps run in
 * tests/stack/test-ceremony-plan.py and test-ceremony-rotate.py. */
#include <glib.h>
#include <string.h>

#include "mu-tke-error.h"
#include "mu-tke-plan.h"

#define VP_OLD "5b0f7c1e9d2a33c4e6f1a8b7c9d0e2f3a4b5c6d7e8f90a1b2c3d4e5f00000000"

static const char plan_fmt[] = "[admin alice]\nreader=1\n"
                               "[admin bob]\nreader=2\n"
                               "[thresholds]\nsignature=2\nrevocation=2\n"
                               "[master-key]\nparts=3\nsigners=1;2\n%s"
                               "[part 1]\nreader=1\nslot=1\n"
                               "[part 2]\nreader=2\nslot=1\n"
                               "[part 3]\nreader=3\nslot=1\n";

static const char *const names[] = {"u-one", "u-two", "u-three", "u-four"};

/* The plan with extra lines in [master-key]; admin key ids and part VPs
 * set as the runner sets them from the cards. */
static mu_tke_plan *plan_with(const char *mk_extra, GError **error)
{
	g_autofree char *text = g_strdup_printf(plan_fmt, mk_extra);
	mu_tke_plan *p = mu_tke_plan_parse(text, strlen(text), "plan.ini", error);
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < p->nadmins; i++) {
		uint8_t id[MU_UNIT_KEY_ID_LEN];
		memset(id, (int)i + 1, sizeof(id));
		mu_tke_plan_set_admin_key(p, i, id);
	}
	for (size_t i = 0; i < p->parts; i++) {
		uint8_t vp[MU_VP_LEN];
		memset(vp, 0x10 + (int)i, sizeof(vp));
		mu_tke_plan_set_part_vp(p, i, vp);
	}
	return p;
}

static mu_tke_plan *rotate_plan(void)
{
	GError *error = NULL;
	mu_tke_plan *p = plan_with("finish=rotate\nreplaces=" VP_OLD "\n", &error);
	g_assert_no_error(error);
	return p;
}

static void vp_of(const char *hex, uint8_t vp[MU_VP_LEN])
{
	for (size_t i = 0; i < MU_VP_LEN; i++)
		vp[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
		                  g_ascii_xdigit_value(hex[2 * i + 1]));
}

/* A unit with the plan's admins and thresholds, a current register VALID
 * with VP_OLD (or EMPTY) and an EMPTY new register. */
static void unit_at_target(const mu_tke_plan *p, mu_unit_status *st, bool valid)
{
	memset(st, 0, sizeof(*st));
	st->sig_threshold = p->sig_threshold;
	st->rev_threshold = p->rev_threshold;
	st->nadmins = p->nadmins;
	for (size_t i = 0; i < p->nadmins; i++) {
		memcpy(st->admins[i].key_id, p->admins[i].key_id, MU_UNIT_KEY_ID_LEN);
		g_strlcpy(st->admins[i].name, p->admins[i].name, sizeof(st->admins[i].name));
	}
	st->cur_state = valid ? MU_UNIT_CUR_VALID : MU_UNIT_CUR_EMPTY;
	if (valid)
		vp_of(VP_OLD, st->cur_vp);
}

/* The plan's first loaded parts in st's new register; committed when all
 * are there (register VP: vp, or 0xee... when NULL). */
static void load_parts(const mu_tke_plan *p, mu_unit_status *st, unsigned loaded, const uint8_t *vp)
{
	st->new_total = p->parts;
	st->new_loaded = (uint8_t)loaded;
	for (unsigned k = 0; k < loaded; k++)
		memcpy(st->part_vps[k], p->part[k].vp, MU_VP_LEN);
	st->new_state = loaded < p->parts ? MU_UNIT_NEW_PARTIAL : MU_UNIT_NEW_COMMITTED;
	st->new_has_vp = loaded == p->parts;
	if (vp != NULL)
		memcpy(st->new_vp, vp, MU_VP_LEN);
	else
		memset(st->new_vp, 0xee, MU_VP_LEN);
}

/* The steps as "kind:index:units" words, e.g. "6:0:5 7:0:5 9:0:2". */
static char *steps_text(const mu_tke_plan *p, size_t n, const mu_unit_status *st, GError **error)
{
	const mu_unit_status *ptr[4];
	for (size_t i = 0; i < n; i++)
		ptr[i] = &st[i];
	g_autoptr(GArray) steps = mu_tke_plan_steps(p, n, ptr, names, error);
	if (steps == NULL)
		return NULL;
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < steps->len; i++) {
		const mu_tke_plan_step *x = &g_array_index(steps, mu_tke_plan_step, i);
		g_autofree char *text = mu_tke_plan_step_text(p, x);
		g_assert_true(text[0] != '?');
		g_string_append_printf(s, "%s%d:%zu:%" G_GUINT64_FORMAT, i ? " " : "", (int)x->kind,
		                       x->index, x->units);
	}
	return g_string_free(s, FALSE);
}

#define LOAD   MU_TKE_PLAN_LOAD_PART
#define COMMIT MU_TKE_PLAN_COMMIT
#define SETIMM MU_TKE_PLAN_SET_IMMEDIATE
#define ROTATE MU_TKE_PLAN_ROTATE
#define CLEAR  MU_TKE_PLAN_CLEAR_NEW

static void assert_steps(const mu_tke_plan *p, size_t n, const mu_unit_status *st, const char *want)
{
	GError *error = NULL;
	g_autofree char *got = steps_text(p, n, st, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got, ==, want);
}

static void assert_refused(const mu_tke_plan *p, size_t n, const mu_unit_status *st,
                           const char *unit, const char *why)
{
	GError *error = NULL;
	g_autofree char *got = steps_text(p, n, st, &error);
	g_assert_null(got);
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE);
	g_assert_true(g_str_has_prefix(error->message, unit));
	g_assert_nonnull(strstr(error->message, why));
	g_error_free(error);
}

static void test_parse(void)
{
	GError *error = NULL;
	g_autoptr(mu_tke_plan) p = plan_with("", &error);
	g_assert_no_error(error);
	g_assert_cmpint(p->finish, ==, MU_TKE_PLAN_FINISH_SET_IMMEDIATE);
	g_autoptr(mu_tke_plan) q = plan_with("finish=set-immediate\n", &error);
	g_assert_no_error(error);
	g_assert_cmpint(q->finish, ==, MU_TKE_PLAN_FINISH_SET_IMMEDIATE);
	g_autoptr(mu_tke_plan) r = plan_with(
	    "finish=rotate\nreplaces=5B0F7C1E9D2A33C4E6F1A8B7C9D0E2F3A4B5C6D7E8F90A1B2C3D4E5F"
	    "00000000\n",
	    &error);
	g_assert_no_error(error);
	g_assert_cmpint(r->finish, ==, MU_TKE_PLAN_FINISH_ROTATE);
	uint8_t vp[MU_VP_LEN];
	vp_of(VP_OLD, vp);
	g_assert_cmpmem(r->replaces, MU_VP_LEN, vp, MU_VP_LEN);
}

static void test_parse_refused(void)
{
	static const struct {
		const char *extra, *msg;
	} cases[] = {
	    {"finish=later\n", "[master-key] finish=later: must be set-immediate or rotate"},
	    {"finish=\n", "[master-key] finish=: must be"},
	    {"finish=rotate\n", "[master-key] finish=rotate needs replaces=VP"},
	    {"replaces=" VP_OLD "\n", "[master-key] replaces= goes with finish=rotate only"},
	    {"finish=set-immediate\nreplaces=" VP_OLD "\n",
	     "[master-key] replaces= goes with finish=rotate only"},
	    {"finish=rotate\nreplaces=5b0f\n", "[master-key] replaces=5b0f: must be a VP"},
	    {"finish=rotate\nreplaces=" VP_OLD "0\n", "[master-key] replaces="},
	    {"finish=rotate\nreplaces=5b0f7c1e9d2a33c4e6f1a8b7c9d0e2f3a4b5c6d7e8f90a1b2c3d4e5f"
	     "0000000g\n",
	     "must be a VP"},
	    {"finish=rotate\nreplaces=5b0f7c1e9d2a33c4e6f1a8b7c9d0e2f3a4b5c6d7e8f90a1b2c3d4e5f"
	     "00000001\n",
	     "ending in 00000000"},
	    {"finish=rotate\nreplaces=" VP_OLD "\nrotate=yes\n",
	     "[master-key] has an unknown key \"rotate\""},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GError *error = NULL;
		g_autoptr(mu_tke_plan) p = plan_with(cases[i].extra, &error);
		g_assert_null(p);
		g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
		if (strstr(error->message, cases[i].msg) == NULL)
			g_error("case %zu: \"%s\" lacks \"%s\"", i, error->message, cases[i].msg);
		g_error_free(error);
	}
}

/* finish=set-immediate (the default) keeps the steps it always had. */
static void test_set_immediate(void)
{
	GError *error = NULL;
	g_autoptr(mu_tke_plan) p = plan_with("", &error);
	g_assert_no_error(error);
	mu_unit_status st[3];
	unit_at_target(p, &st[0], false);
	unit_at_target(p, &st[1], true);
	unit_at_target(p, &st[2], true);
	load_parts(p, &st[2], 1, NULL);
	/* a VALID unit with parts loaded is finished by set immediate, as before */
	g_autofree char *want =
	    g_strdup_printf("%d:0:1 %d:1:5 %d:2:5 %d:0:5 %d:0:5", LOAD, LOAD, LOAD, COMMIT, SETIMM);
	assert_steps(p, 3, st, want);
	unit_at_target(p, &st[0], true);
	unit_at_target(p, &st[2], true);
	assert_steps(p, 3, st, "");
	/* an imprint unit: both admins, thresholds, three parts, commit, set immediate */
	memset(&st[0], 0, sizeof(st[0]));
	st[0].imprint = true;
	g_autofree char *imprint =
	    g_strdup_printf("%d:0:1 %d:1:1 %d:0:1 %d:0:1 %d:1:1 %d:2:1 %d:0:1 %d:0:1",
	                    MU_TKE_PLAN_ADD_ADMIN_IMPRINT, MU_TKE_PLAN_ADD_ADMIN_IMPRINT,
	                    MU_TKE_PLAN_SET_THRESHOLDS, LOAD, LOAD, LOAD, COMMIT, SETIMM);
	assert_steps(p, 1, st, imprint);
}

/* finish=rotate: each state a unit can be in, in one instance. */
static void test_rotate(void)
{
	g_autoptr(mu_tke_plan) p = rotate_plan();
	mu_unit_status st[4];
	unit_at_target(p, &st[0], true); /* the key it replaces: load, commit, rotate */
	unit_at_target(p, &st[1], true); /* the key it replaces, parts committed: rotate */
	load_parts(p, &st[1], 3, NULL);
	unit_at_target(p, &st[2], false); /* no current key: set immediate */
	unit_at_target(p, &st[3], true);  /* another key, new EMPTY: done */
	st[3].cur_vp[0] ^= 0xff;
	g_autofree char *want = g_strdup_printf("%d:0:5 %d:1:5 %d:2:5 %d:0:5 %d:0:4 %d:0:3", LOAD,
	                                        LOAD, LOAD, COMMIT, SETIMM, ROTATE);
	assert_steps(p, 4, st, want);

	/* resumed after a rotate that reached u-one only */
	unit_at_target(p, &st[0], true);
	st[0].cur_vp[0] ^= 0xff;
	unit_at_target(p, &st[2], true);
	st[2].cur_vp[0] ^= 0xff;
	g_autofree char *resume = g_strdup_printf("%d:0:2", ROTATE);
	assert_steps(p, 4, st, resume);
	/* every unit rotated: nothing to do */
	unit_at_target(p, &st[1], true);
	st[1].cur_vp[0] ^= 0xff;
	assert_steps(p, 4, st, "");
}

/* finish=rotate with new registers in every state on the replaced key. */
static void test_rotate_new_register(void)
{
	g_autoptr(mu_tke_plan) p = rotate_plan();
	mu_unit_status st[3];
	unit_at_target(p, &st[0], true); /* two of the plan's parts */
	load_parts(p, &st[0], 2, NULL);
	unit_at_target(p, &st[1], true); /* a foreign part: cleared first */
	load_parts(p, &st[1], 1, NULL);
	st[1].part_vps[0][3] ^= 1;
	unit_at_target(p, &st[2], true); /* full, not committed */
	load_parts(p, &st[2], 3, NULL);
	st[2].new_state = MU_UNIT_NEW_UNCOMMITTED;
	g_autofree char *want = g_strdup_printf("%d:0:2 %d:0:2 %d:1:2 %d:2:3 %d:0:7 %d:0:7", CLEAR,
	                                        LOAD, LOAD, LOAD, COMMIT, ROTATE);
	assert_steps(p, 3, st, want);
}

/* finish=rotate never rotates away from another key nor sets immediate
 * over a VALID one: such a unit with a new register in use is refused. */
static void test_rotate_refused(void)
{
	g_autoptr(mu_tke_plan) p = rotate_plan();
	mu_unit_status st[2];
	unit_at_target(p, &st[0], true);
	unit_at_target(p, &st[1], true);
	st[1].cur_vp[5] ^= 1;
	load_parts(p, &st[1], 1, NULL);
	assert_refused(p, 2, st, "u-two: ", "is not the one [master-key] replaces= names");
	load_parts(p, &st[1], 3, NULL); /* the plan's parts, committed */
	assert_refused(p, 2, st, "u-two: ", "mk-clrnew --unit u-two");
	st[1].part_vps[0][0] ^= 1; /* a foreign register */
	assert_refused(p, 2, st, "u-two: ", "nor sets immediate over a valid key");

	/* unnamed units are numbered */
	const mu_unit_status *ptr[2] = {&st[0], &st[1]};
	GError *error = NULL;
	g_assert_null(mu_tke_plan_steps(p, 2, ptr, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE);
	g_assert_true(g_str_has_prefix(error->message, "unit 2: "));
	g_clear_error(&error);

	/* the plan's parts make the very key they would replace */
	unit_at_target(p, &st[1], true);
	uint8_t old[MU_VP_LEN];
	vp_of(VP_OLD, old);
	load_parts(p, &st[1], 3, old);
	assert_refused(p, 2, st, "u-two: ", "rotating would change nothing");
	st[1].new_state = MU_UNIT_NEW_UNCOMMITTED;
	assert_refused(p, 2, st, "u-two: ", "rotating would change nothing");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tke/plan/parse", test_parse);
	g_test_add_func("/tke/plan/parse-refused", test_parse_refused);
	g_test_add_func("/tke/plan/set-immediate", test_set_immediate);
	g_test_add_func("/tke/plan/rotate", test_rotate);
	g_test_add_func("/tke/plan/rotate-new-register", test_rotate_new_register);
	g_test_add_func("/tke/plan/rotate-refused", test_rotate_refused);
	return g_test_run();
}
