/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli ceremony plan|run PLAN.ini: the steps from the units' current
 * state to the target of a ceremony plan (tke/mu-tke-plan.h), printed or
 * executed by the ceremony runner (tke/mu-tke-runner.h) with the cards that
 * stay in the readers the plan names. This file only supplies the PINs and
 * prints. Documented in docs/cli.md, section "ceremony". */
#include "cmd-ceremony.h"

#include <stdio.h>
#include <string.h>

#include "cli-pin.h"
#include "cmd-unit-priv.h"
#include "mu-tke-runner.h"

typedef struct ceremony_run {
	unit_ctx u;
	cli_global g;
	cli_ctx cc;
	mu_tke_plan *plan;
	const char *plan_path;
	int pin_rc;        /* the exit code of a PIN that could not be read */
	char *failed_on;   /* the unit the run stopped on */
	char *failed_text; /* the text of the step it stopped at */
	char *step_text;   /* the text of the step running */
} ceremony_run;

static void ceremony_run_clear(ceremony_run *cr)
{
	g_free(cr->failed_on);
	g_free(cr->failed_text);
	g_free(cr->step_text);
	mu_tke_plan_free(&cr->plan);
	mu_tke_instance_free(&cr->u.inst);
	cli_ctx_clear(&cr->cc);
}

/* OPENMU_PIN_<READER> (the plan's reader, upper case, other than letters and
 * digits as '_') when set, else OPENMU_PIN. */
static char *pin_env(const char *spec)
{
	g_autofree char *up = g_ascii_strup(spec, -1);
	for (char *p = up; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p))
			*p = '_';
	char *env = g_strconcat("OPENMU_PIN_", up, NULL);
	if (g_getenv(env) == NULL) {
		g_free(env);
		env = g_strdup("OPENMU_PIN");
	}
	return env;
}

/* mu_tke_runner_ops.get_pin: --pin-fd, the environment or the terminal.
 * cli_get_pin has printed why it failed; pin_rc keeps its exit code. */
static gboolean get_pin(gpointer data, const char *what, const char *reader,
                        const char *reader_name, char *pin, size_t cap, GError **error)
{
	ceremony_run *cr = data;
	(void)reader_name;
	g_autofree char *env = pin_env(reader);
	g_autofree char *prompt = g_strdup_printf("PIN of %s (reader %s)", what, reader);
	g_auto(cli_pin) p = {{0}};
	cr->pin_rc = cli_get_pin(&cr->cc, env, prompt, false, &p);
	if (cr->pin_rc != CLI_EXIT_OK || g_strlcpy(pin, p.s, cap) >= cap) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no PIN of %s", what);
		return FALSE;
	}
	return TRUE;
}

static void step_started(gpointer data, size_t number, const char *text, const char *units)
{
	ceremony_run *cr = data;
	g_free(cr->step_text);
	cr->step_text = g_strdup(text);
	printf("step %zu: %s on %s\n", number, text, units);
	fflush(stdout);
}

static void unit_done(gpointer data, size_t number, const char *unit, guint64 counter)
{
	(void)data;
	(void)number;
	printf("  %s: done, transaction counter %" G_GUINT64_FORMAT "\n", unit, counter);
	fflush(stdout);
}

/* Prints the cause as the card and unit commands do. */
static void unit_failed(gpointer data, size_t number, const char *unit, const GError *error)
{
	ceremony_run *cr = data;
	(void)number;
	g_free(cr->failed_on);
	g_free(cr->failed_text);
	cr->failed_on = g_strdup(unit);
	cr->failed_text = g_strdup(cr->step_text);
	if (cr->pin_rc != CLI_EXIT_OK)
		return;
	fflush(stdout);
	if (error->domain == MU_TKE_CARD_ERROR)
		fprintf(stderr, "openmu-cli: %s\n", error->message);
	else
		fprintf(stderr, "openmu-cli: %s: %s\n", unit, error->message);
}

/* The exit code of a runner error: the card commands' for the cards, the
 * unit commands' for the units. */
static int run_exit_code(const ceremony_run *cr, const GError *e)
{
	int rc;
	if (cr->pin_rc != CLI_EXIT_OK)
		rc = cr->pin_rc;
	else if (e->domain == MU_TKE_CARD_ERROR && e->code == MU_TKE_RUNNER_WRONG_CARD)
		rc = CLI_EXIT_WRONG_CARD;
	else if (e->domain == MU_TKE_CARD_ERROR)
		rc = cli_exit_code(e->code);
	else
		rc = unit_exit_code(e);
	return rc != CLI_EXIT_OK ? rc : UNIT_EXIT_FAILURE;
}

/* Reports a runner error that did not stop a step (the causes of a step's
 * failure were printed by unit_failed) and returns its exit code. */
static int runner_fail(const ceremony_run *cr, GError *e)
{
	int rc = run_exit_code(cr, e);
	if (cr->pin_rc == CLI_EXIT_OK) {
		fflush(stdout);
		fprintf(stderr, "openmu-cli: %s\n", e->message);
	}
	g_error_free(e);
	return rc;
}

static int do_plan(ceremony_run *cr, mu_tke_runner *r)
{
	GError *e = NULL;
	g_autoptr(GArray) steps = mu_tke_runner_steps(r, &e);
	if (steps == NULL)
		return runner_fail(cr, e);
	if (steps->len == 0) {
		printf("nothing to do: every unit matches %s\n", cr->plan_path);
		return CLI_EXIT_OK;
	}
	printf("%u step%s to reach %s:\n", steps->len, steps->len == 1 ? "" : "s", cr->plan_path);
	for (guint i = 0; i < steps->len; i++) {
		const mu_tke_plan_step *s = &g_array_index(steps, mu_tke_plan_step, i);
		g_autofree char *text = mu_tke_plan_step_text(cr->plan, s);
		g_autofree char *on = mu_tke_runner_units_text(r, s->units);
		printf("  %u. %s on %s\n", i + 1, text, on);
	}
	return CLI_EXIT_OK;
}

static int do_run(ceremony_run *cr, mu_tke_runner *r)
{
	GError *e = NULL;
	size_t nsteps = 0, failed = 0;
	if (mu_tke_runner_run(r, NULL, &nsteps, &failed, &e)) {
		printf("%s: every unit matches %s\n", nsteps == 0 ? "nothing to do" : "done",
		       cr->plan_path);
		return CLI_EXIT_OK;
	}
	if (failed == 0)
		return runner_fail(cr, e);
	int rc = run_exit_code(cr, e);
	g_error_free(e);
	fprintf(stderr,
	        "openmu-cli: ceremony stopped at step %zu (%s) on %s. Fix the cause "
	        "above, then run 'openmu-cli ceremony run %s' again: it resumes from the "
	        "units' current state.\n",
	        failed, cr->failed_text != NULL ? cr->failed_text : "?",
	        cr->failed_on != NULL ? cr->failed_on : "?", cr->plan_path);
	return rc;
}

static void help(FILE *out)
{
	fprintf(out, "Usage: openmu-cli [--instance FILE.ini] ceremony plan|run PLAN.ini "
	             "[--instance FILE.ini] [--pin-fd N] [--journal FILE]\n\n"
	             "  plan   print the steps from the units' current state to the plan's "
	             "target\n"
	             "  run    execute them, one at a time, re-reading the units before each;\n"
	             "         stops at the first failure, and a new run resumes\n\n"
	             "  --journal FILE  (run) append a countersigned record per step and unit\n"
	             "                  to this ceremony journal (default: $OPENMU_JOURNAL)\n\n"
	             "PINs: OPENMU_PIN_<READER> (the reader as the plan names it, e.g. "
	             "OPENMU_PIN_1),\nelse OPENMU_PIN, else asked on the terminal. See "
	             "docs/cli.md, section \"ceremony\".\n");
}

/* Loads the plan and its instance (--instance, the global one, the plan's
 * instance= relative to the plan, $OPENMU_INSTANCE). */
static int load(ceremony_run *cr, const char *instance, const cli_global *g)
{
	GError *e = NULL;
	cr->plan = mu_tke_plan_load(cr->plan_path, &e);
	if (cr->plan == NULL)
		return unit_fail(&cr->u, e);
	g_autofree char *plan_inst = NULL;
	if (cr->plan->instance != NULL && !g_path_is_absolute(cr->plan->instance)) {
		g_autofree char *dir = g_path_get_dirname(cr->plan_path);
		plan_inst = g_build_filename(dir, cr->plan->instance, NULL);
	} else {
		plan_inst = g_strdup(cr->plan->instance);
	}
	const char *gi = cli_global_instance(g);
	g_autofree char *path = g_strdup(instance != NULL ? instance : gi != NULL ? gi : plan_inst);
	cr->u.instance_path = path;
	gboolean ok = unit_load_instance(&cr->u, &e);
	cr->u.instance_path = NULL;
	return ok ? CLI_EXIT_OK : unit_fail(&cr->u, e);
}

int cli_cmd_ceremony(int argc, char **argv, const cli_global *g)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	bool run = strcmp(argv[1], "run") == 0;
	if (!run && strcmp(argv[1], "plan") != 0) {
		help(stderr);
		return CLI_EXIT_USAGE;
	}
	g_autofree char *instance = NULL, *journal = NULL;
	int pin_fd = g->pin_fd;
	GOptionEntry entries[] = {
	    {"instance", 'i', 0, G_OPTION_ARG_FILENAME, &instance, "Instance file", "FILE.ini"},
	    {"pin-fd", 0, 0, G_OPTION_ARG_INT, &pin_fd, "Read the PINs from this fd", "N"},
	    {"journal", 0, 0, G_OPTION_ARG_FILENAME, &journal,
	     "(run) Append a countersigned record per step and unit to this ceremony journal "
	     "(default: $OPENMU_JOURNAL)",
	     "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("PLAN.ini");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *e = NULL;
	int ac = argc - 1;
	char **av = argv + 1;
	if (!g_option_context_parse(ctx, &ac, &av, &e) || ac != 2 || (!run && journal != NULL)) {
		fprintf(stderr, "openmu-cli: ceremony %s: %s\n", argv[1],
		        e != NULL ? e->message
		        : ac != 2 ? "needs one PLAN.ini"
		                  : "--journal goes with 'ceremony run'");
		g_clear_error(&e);
		return CLI_EXIT_USAGE;
	}
	const char *env_journal = g_getenv("OPENMU_JOURNAL");
	if (run && journal == NULL && env_journal != NULL && env_journal[0] != '\0')
		journal = g_strdup(env_journal);
	ceremony_run cr;
	memset(&cr, 0, sizeof(cr));
	cr.g.pin_fd = pin_fd;
	cr.u.pin_fd = pin_fd;
	cli_ctx_init(&cr.cc, &cr.g);
	cr.plan_path = av[1];
	int rc = load(&cr, instance, g);
	if (rc == CLI_EXIT_OK)
		rc = cli_backend(&cr.cc);
	if (rc == CLI_EXIT_OK) {
		static const mu_tke_runner_ops ops = {
		    .get_pin = get_pin,
		    .step_started = step_started,
		    .unit_done = unit_done,
		    .unit_failed = unit_failed,
		};
		g_autoptr(mu_tke_runner) r = mu_tke_runner_new(cr.cc.backend, cr.u.inst, cr.plan,
		                                               cr.plan_path, journal, &ops, &cr);
		if (!mu_tke_runner_read_cards(r, &e))
			rc = runner_fail(&cr, e);
		else
			rc = run ? do_run(&cr, r) : do_plan(&cr, r);
	}
	ceremony_run_clear(&cr);
	return rc;
}
