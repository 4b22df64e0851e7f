/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony runner of tke/ (mu-tke-runner.h) up to the units: the cards
 * a plan names are read over the in-process backend without any PIN, and
 * each way one can be wrong is a MU_TKE_CARD_ERROR with the code and the
 * message the CLI and the app show; a run stops before any step (failed
 * step 0, no PIN asked) when its journal is broken or a unit cannot be
 * read. The steps themselves run in tests/stack/test-ceremony-plan.py. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "applet-test-util.h"
#include "inproc-backend.h"
#include "mu-card.h"
#include "mu-tke-error.h"
#include "mu-tke-runner.h"

#define EP11_PIN "123456" /* applet_new_ep11() */

static const char plan_text[] = "[admin alice]\nreader=0\n"
                                "[admin bob]\nreader=1\n"
                                "[thresholds]\nsignature=1\nrevocation=1\n"
                                "[master-key]\nparts=2\nsigners=0\n"
                                "[part 1]\nreader=0\nslot=0\n"
                                "[part 2]\nreader=1\nslot=0\n";

/* Two units nobody listens for. */
static const char inst_text[] = "[instance]\nname=runner\n"
                                "root-certificate=/nonexistent/root-cert.pem\n"
                                "root-fingerprint=00112233445566778899aabbccddeeff"
                                "00112233445566778899aabbccddeeff\n"
                                "units=unit1;unit2\n"
                                "[unit unit1]\naddress=127.0.0.1:1\nrole=operational\n"
                                "module-id=0102030405060708\ndomain=0\n"
                                "[unit unit2]\naddress=127.0.0.1:1\nrole=operational\n"
                                "module-id=0102030405060709\ndomain=1\n";

typedef struct fixture {
	mu_backend *b;
	inproc *ip;
	mu_tke_instance *inst;
	mu_tke_plan *plan;
	cardsim_card *ca;
	unsigned pins_asked;
} fixture;

static gboolean get_pin(gpointer data, const char *what, const char *reader,
                        const char *reader_name, char *pin, size_t cap, GError **error)
{
	fixture *f = data;
	f->pins_asked++;
	g_strlcpy(pin, EP11_PIN, cap);
	return TRUE;
}

static const mu_tke_runner_ops ops = {.get_pin = get_pin};

static void fixture_setup(fixture *f, gconstpointer data)
{
	GError *error = NULL;
	f->b = inproc_backend_new(3, &f->ip);
	f->plan = mu_tke_plan_parse(plan_text, strlen(plan_text), "plan.ini", &error);
	g_assert_no_error(error);
	f->inst = mu_tke_instance_parse(inst_text, strlen(inst_text), "/", "inst.ini", &error);
	g_assert_no_error(error);
	f->ca = applet_new_ca("ZONE-A");
}

static void fixture_teardown(fixture *f, gconstpointer data)
{
	cardsim_card_free(&f->ca);
	mu_tke_instance_free(&f->inst);
	mu_tke_plan_free(&f->plan);
	mu_backend_free(&f->b);
}

/* An EP11 card of the zone in reader, with the admin key of name (NULL:
 * none) and a key part in slot 0 when part is set. */
static void insert_ep11(fixture *f, size_t reader, const char *name, bool part)
{
	inproc_insert(f->ip, reader, applet_new_ep11(f->ca));
	mu_card *c = NULL;
	g_assert_cmpint(mu_card_open(f->b, inproc_reader_name(f->ip, reader), &c), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(c, 1, EP11_PIN), ==, MU_SC_OK);
	uint8_t id[MU_KEY_ID_LEN], vp[32];
	unsigned slot = 0;
	if (name != NULL)
		g_assert_cmpint(mu_card_sigkey_gen(c, name, false, id), ==, MU_SC_OK);
	if (part)
		g_assert_cmpint(mu_card_keypart_gen(c, "part", &slot, vp), ==, MU_SC_OK);
	g_assert_cmpuint(slot, ==, 0);
	mu_card_free(&c);
}

/* read_cards fails with MU_TKE_CARD_ERROR code, its message holding want. */
static void check_read_fails(fixture *f, int code, const char *want)
{
	GError *error = NULL;
	g_autoptr(mu_tke_runner) r =
	    mu_tke_runner_new(f->b, f->inst, f->plan, "plan.ini", NULL, &ops, f);
	g_assert_false(mu_tke_runner_read_cards(r, &error));
	g_assert_error(error, MU_TKE_CARD_ERROR, code);
	if (strstr(error->message, want) == NULL)
		g_error("\"%s\" lacks \"%s\"", error->message, want);
	g_error_free(error);
	g_assert_cmpuint(f->pins_asked, ==, 0);
}

static void test_no_reader(fixture *f, gconstpointer data)
{
	GError *error = NULL;
	const char *text = "[admin alice]\nreader=9\n[thresholds]\nsignature=1\nrevocation=1\n"
	                   "[master-key]\nparts=2\n[part 1]\nreader=9\nslot=0\n"
	                   "[part 2]\nreader=9\nslot=1\n";
	mu_tke_plan_free(&f->plan);
	f->plan = mu_tke_plan_parse(text, strlen(text), "plan.ini", &error);
	g_assert_no_error(error);
	check_read_fails(f, MU_SC_ERR_NO_READER, "no reader \"9\"");
}

static void test_no_card(fixture *f, gconstpointer data)
{
	check_read_fails(f, MU_SC_ERR_NO_CARD,
	                 "no card in reader \"OpenMU Test Reader 0\": insert the card of admin "
	                 "alice");
}

static void test_blank(fixture *f, gconstpointer data)
{
	cardsim_card *blank = NULL;
	g_assert_cmpint(cardsim_card_new_blank("blank", &blank), ==, 0);
	inproc_insert(f->ip, 0, blank);
	check_read_fails(f, MU_SC_ERR_WRONG_TYPE, "is a blank card, not an EP11 card");
}

static void test_wrong_admin(fixture *f, gconstpointer data)
{
	insert_ep11(f, 0, "bob", true);
	check_read_fails(f, MU_TKE_RUNNER_WRONG_CARD,
	                 "plan.ini: the card in reader OpenMU Test Reader 0 holds admin \"bob\", "
	                 "not admin alice ([admin alice] reader=)");
}

static void test_no_part(fixture *f, gconstpointer data)
{
	insert_ep11(f, 0, "alice", true);
	insert_ep11(f, 1, "bob", false);
	check_read_fails(f, MU_SC_ERR_NOT_FOUND, "holds no key part in slot 0 ([part 2])");
}

/* The cards read, a run stops before any step: at a broken journal
 * (nothing sent), then at the first unit that cannot be reached. */
static void test_run_stops(fixture *f, gconstpointer data)
{
	insert_ep11(f, 0, "alice", true);
	insert_ep11(f, 1, "bob", true);
	g_autofree char *dir = g_dir_make_tmp("runner-XXXXXX", NULL);
	g_assert_nonnull(dir);
	g_autofree char *journal = g_build_filename(dir, "broken.journal", NULL);
	g_assert_true(g_file_set_contents(journal, "not a journal\n", -1, NULL));

	GError *error = NULL;
	g_autoptr(mu_tke_runner) r =
	    mu_tke_runner_new(f->b, f->inst, f->plan, "plan.ini", journal, &ops, f);
	g_assert_true(mu_tke_runner_read_cards(r, &error));
	g_assert_no_error(error);
	g_assert_true(f->plan->admins[0].has_key_id && f->plan->admins[1].has_key_id);
	g_assert_true(f->plan->part[0].has_vp && f->plan->part[1].has_vp);
	g_autofree char *units = mu_tke_runner_units_text(r, 3);
	g_assert_cmpstr(units, ==, "unit1, unit2");

	size_t nsteps = 99, failed = 99;
	g_assert_false(mu_tke_runner_run(r, NULL, &nsteps, &failed, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT);
	g_clear_error(&error);
	g_assert_cmpuint(nsteps, ==, 0);
	g_assert_cmpuint(failed, ==, 0);

	g_autoptr(mu_tke_runner) r2 =
	    mu_tke_runner_new(f->b, f->inst, f->plan, "plan.ini", NULL, &ops, f);
	g_assert_true(mu_tke_runner_read_cards(r2, &error));
	failed = 99;
	g_assert_false(mu_tke_runner_run(r2, NULL, NULL, &failed, &error));
	g_assert_nonnull(error);
	g_assert_true(error->domain == MU_TKE_ERROR);
	g_assert_true(g_str_has_prefix(error->message, "unit1: "));
	g_clear_error(&error);
	g_assert_cmpuint(failed, ==, 0);
	g_assert_cmpuint(f->pins_asked, ==, 0);

	g_assert_cmpint(g_unlink(journal), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/tke-runner/no-reader", test_no_reader);
	ADD("/tke-runner/no-card", test_no_card);
	ADD("/tke-runner/blank", test_blank);
	ADD("/tke-runner/wrong-admin", test_wrong_admin);
	ADD("/tke-runner/no-part", test_no_part);
	ADD("/tke-runner/run-stops", test_run_stops);
#undef ADD
	return g_test_run();
}
