/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli ceremony plan|run PLAN.ini: the steps from the units' current
 * state to the target of a ceremony plan (tke/mu-tke-plan.h), printed or
 * executed with the cards that stay in the readers the plan names.
 * Documented in docs/cli.md, section "ceremony". */
#include "cmd-ceremony.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-pin.h"
#include "cmd-unit-priv.h"
#include "mu-tke-admin.h"
#include "mu-tke-ceremony.h"
#include "mu-tke-error.h"
#include "mu-tke-plan.h"
#include "mu-tke-status.h"

#define MAX_CARDS  (MU_UNIT_ADMINS_MAX + 3)
#define MAX_ROUNDS 64

/* A card of the plan, opened once per run; its PIN verified when first
 * used. */
typedef struct plan_card {
	char *spec;   /* the reader as the plan names it */
	char *reader; /* full reader name */
	mu_card *card;
	bool logged_in;
} plan_card;

typedef struct run_ctx {
	unit_ctx u;
	cli_global g;
	cli_ctx cc;
	mu_tke_plan *plan;
	const char *plan_path;
	plan_card cards[MAX_CARDS];
	size_t ncards;
	GBytes *certs[MU_UNIT_ADMINS_MAX]; /* admin certificates, read from the cards */
	mu_tke_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners; /* initialised signers (all logged in) */
} run_ctx;

static void run_clear(run_ctx *r)
{
	for (size_t i = 0; i < r->nsigners; i++)
		mu_tke_signer_clear(&r->signers[i]);
	for (size_t i = 0; i < MU_UNIT_ADMINS_MAX; i++)
		g_clear_pointer(&r->certs[i], g_bytes_unref);
	for (size_t i = 0; i < r->ncards; i++) {
		mu_card_free(&r->cards[i].card);
		g_free(r->cards[i].spec);
		g_free(r->cards[i].reader);
	}
	mu_tke_plan_free(&r->plan);
	mu_tke_instance_free(&r->u.inst);
	cli_ctx_clear(&r->cc);
}

/* Opens the EP11 card the plan names by spec (once), without PIN. */
static int plan_card_open(run_ctx *r, const char *spec, const char *what, plan_card **out,
                          mu_card_info *info)
{
	for (size_t i = 0; i < r->ncards; i++)
		if (strcmp(r->cards[i].spec, spec) == 0) {
			int st = mu_card_info_get(r->cards[i].card, info);
			if (st != MU_SC_OK)
				return cli_fail_card(&r->cc, r->cards[i].card, st,
				                     "reading the card");
			*out = &r->cards[i];
			return CLI_EXIT_OK;
		}
	mu_card *card = NULL;
	char *name = NULL;
	int rc = cli_open_card(&r->cc, spec, NULL, what, &card, &name, info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(&r->cc, info, name, MU_CARD_TYPE_EP11, what);
	for (size_t i = 0; rc == CLI_EXIT_OK && i < r->ncards; i++)
		if (strcmp(r->cards[i].reader, name) == 0) {
			mu_card_free(&card);
			g_free(name);
			*out = &r->cards[i];
			return CLI_EXIT_OK;
		}
	if (rc != CLI_EXIT_OK || r->ncards == MAX_CARDS) {
		mu_card_free(&card);
		g_free(name);
		return rc != CLI_EXIT_OK ? rc : cli_fail(&r->cc, CLI_EXIT_USAGE, "too many cards");
	}
	plan_card *pc = &r->cards[r->ncards++];
	pc->spec = g_strdup(spec);
	pc->reader = name;
	pc->card = card;
	*out = pc;
	return CLI_EXIT_OK;
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

static int plan_card_login(run_ctx *r, plan_card *pc, const char *what)
{
	if (pc->logged_in)
		return CLI_EXIT_OK;
	mu_card_info info;
	int st = mu_card_info_get(pc->card, &info);
	if (st != MU_SC_OK)
		return cli_fail_card(&r->cc, pc->card, st, "reading the card");
	if (info.blocked)
		return cli_blocked(&r->cc, &info, pc->reader);
	g_autofree char *env = pin_env(pc->spec);
	g_autofree char *prompt = g_strdup_printf("PIN of %s (reader %s)", what, pc->spec);
	g_auto(cli_pin) pin = {{0}};
	int rc = cli_get_pin(&r->cc, env, prompt, false, &pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(&r->cc, pc->card, pc->reader, 1, &pin);
	pc->logged_in = rc == CLI_EXIT_OK;
	return rc;
}

/* Reads what the plan needs from its cards: each admin's certificate and
 * key id (the admin name on the card must be the plan's), each part's VP. */
static int read_cards(run_ctx *r)
{
	mu_tke_plan *p = r->plan;
	for (size_t i = 0; i < p->nadmins; i++) {
		plan_card *pc = NULL;
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("the card of admin %s", p->admins[i].name);
		int rc = plan_card_open(r, p->admins[i].reader, what, &pc, &info);
		if (rc != CLI_EXIT_OK)
			return rc;
		if (!info.has_sigkey || strcmp(info.admin_name, p->admins[i].name) != 0)
			return cli_fail(
			    &r->cc, CLI_EXIT_WRONG_CARD,
			    "%s: the card in reader %s holds %s%s%s, not admin %s "
			    "([admin %s] reader=)",
			    r->plan_path, pc->reader, info.has_sigkey ? "admin \"" : "no admin key",
			    info.has_sigkey ? info.admin_name : "", info.has_sigkey ? "\"" : "",
			    p->admins[i].name, p->admins[i].name);
		uint8_t *der = NULL;
		size_t len = 0;
		int st = mu_card_get_cert(pc->card, MU_CERT_ADMIN, &der, &len);
		if (st != MU_SC_OK)
			return cli_fail_card(&r->cc, pc->card, st, "reading the admin certificate");
		r->certs[i] = g_bytes_new_take(der, len);
		mu_tke_plan_set_admin_key(p, i, info.admin_key_id);
	}
	for (size_t i = 0; i < p->parts; i++) {
		plan_card *pc = NULL;
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("the card of key part %zu", i + 1);
		int rc = plan_card_open(r, p->part[i].reader, what, &pc, &info);
		if (rc != CLI_EXIT_OK)
			return rc;
		mu_keypart_info *parts = NULL;
		size_t n = 0;
		int st = mu_card_keypart_list(pc->card, &parts, &n);
		if (st != MU_SC_OK)
			return cli_fail_card(&r->cc, pc->card, st, "listing the key parts");
		for (size_t k = 0; k < n; k++)
			if (parts[k].slot == p->part[i].slot)
				mu_tke_plan_set_part_vp(p, i, parts[k].vp);
		free(parts);
		if (!p->part[i].has_vp)
			return cli_fail(&r->cc, CLI_EXIT_FAILED,
			                "%s: the card in reader %s holds no key part in slot %u "
			                "([part %zu])",
			                r->plan_path, pc->reader, p->part[i].slot, i + 1);
	}
	return CLI_EXIT_OK;
}

/* Logs in the signing cards of the plan (once). */
static int open_signers(run_ctx *r)
{
	if (r->nsigners == r->plan->nsigners)
		return CLI_EXIT_OK;
	for (size_t i = 0; i < r->plan->nsigners; i++) {
		plan_card *pc = NULL;
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("signing card %zu", i + 1);
		int rc = plan_card_open(r, r->plan->signers[i], what, &pc, &info);
		if (rc == CLI_EXIT_OK)
			rc = plan_card_login(r, pc, what);
		if (rc != CLI_EXIT_OK)
			return rc;
		GError *e = NULL;
		g_autofree char *label =
		    g_strdup_printf("the signing card in reader \"%s\"", pc->reader);
		if (!mu_tke_signer_init(&r->signers[r->nsigners], pc->card, label, &e))
			return unit_fail(&r->u, e);
		r->nsigners++;
	}
	return CLI_EXIT_OK;
}

/* The statuses of every unit; FALSE with the first unit's error. */
static gboolean fetch_all(run_ctx *r, mu_unit_status *st, GError **error)
{
	for (size_t i = 0; i < mu_tke_instance_n_units(r->u.inst); i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(r->u.inst, i);
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(r->u.inst, unit, error);
		if (c == NULL || !mu_tke_status_fetch(c, &st[i], error)) {
			g_prefix_error(error, "%s: ", unit->name);
			return FALSE;
		}
	}
	return TRUE;
}

static GArray *compute(run_ctx *r, GError **error)
{
	size_t n = mu_tke_instance_n_units(r->u.inst);
	g_autofree mu_unit_status *st = g_new0(mu_unit_status, n);
	g_autofree const mu_unit_status **ptr = g_new0(const mu_unit_status *, n);
	for (size_t i = 0; i < n; i++)
		ptr[i] = &st[i];
	if (!fetch_all(r, st, error))
		return NULL;
	return mu_tke_plan_steps(r->plan, n, ptr, error);
}

static char *units_text(run_ctx *r, guint64 units)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < mu_tke_instance_n_units(r->u.inst); i++)
		if (units & G_GUINT64_CONSTANT(1) << i)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "",
			                       mu_tke_instance_unit(r->u.inst, i)->name);
	return g_string_free(s, FALSE);
}

/* Runs step s on unit c. Card problems are reported here (*card_rc). */
static gboolean run_on_unit(run_ctx *r, const mu_tke_plan_step *s, mu_tke_client *c,
                            mu_tke_outcome *out, int *card_rc, GError **error)
{
	mu_tke_plan *p = r->plan;
	mu_tke_step_args args;
	memset(&args, 0, sizeof(args));
	if (s->kind == MU_TKE_PLAN_ADD_ADMIN_IMPRINT)
		return mu_tke_admin_add_imprint(c, g_bytes_get_data(r->certs[s->index], NULL),
		                                g_bytes_get_size(r->certs[s->index]), &out->counter,
		                                error);
	if ((*card_rc = open_signers(r)) != CLI_EXIT_OK)
		return FALSE;
	mu_tke_step step;
	switch (s->kind) {
	case MU_TKE_PLAN_LOAD_PART: {
		plan_card *pc = NULL;
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("the card of key part %zu", s->index + 1);
		*card_rc = plan_card_open(r, p->part[s->index].reader, what, &pc, &info);
		if (*card_rc == CLI_EXIT_OK)
			*card_rc = plan_card_login(r, pc, what);
		if (*card_rc != CLI_EXIT_OK)
			return FALSE;
		g_autofree char *label =
		    g_strdup_printf("the key-part card in reader \"%s\"", pc->reader);
		return mu_tke_ceremony_load_part(c, pc->card, label, p->part[s->index].slot,
		                                 p->parts, r->signers, r->nsigners, out, error);
	}
	case MU_TKE_PLAN_ADD_ADMIN: {
		/* the new admin's own card cannot sign its installation */
		mu_tke_signer others[MU_UNIT_ADMINS_MAX];
		size_t n = 0;
		for (size_t i = 0; i < r->nsigners; i++)
			if (memcmp(r->signers[i].key_id, p->admins[s->index].key_id,
			           MU_UNIT_KEY_ID_LEN) != 0)
				others[n++] = r->signers[i];
		args.input = g_bytes_get_data(r->certs[s->index], &args.input_len);
		return mu_tke_ceremony_step(c, MU_TKE_STEP_ADD_ADMIN, &args, others, n, out, error);
	}
	case MU_TKE_PLAN_REMOVE_ADMIN:
		step = MU_TKE_STEP_REMOVE_ADMIN;
		args.input = s->key_id;
		args.input_len = MU_UNIT_KEY_ID_LEN;
		break;
	case MU_TKE_PLAN_SET_THRESHOLDS:
		step = MU_TKE_STEP_SET_THRESHOLDS;
		args.sig_threshold = p->sig_threshold;
		args.rev_threshold = p->rev_threshold;
		break;
	case MU_TKE_PLAN_CLEAR_NEW:
		step = MU_TKE_STEP_CLEAR_NEW;
		break;
	case MU_TKE_PLAN_COMMIT:
		step = MU_TKE_STEP_COMMIT;
		break;
	default:
		step = MU_TKE_STEP_SET_IMMEDIATE;
		break;
	}
	return mu_tke_ceremony_step(c, step, &args, r->signers, r->nsigners, out, error);
}

/* Runs s on each of its units; on the first failure reports what to fix. */
static int run_step(run_ctx *r, const mu_tke_plan_step *s, size_t number)
{
	g_autofree char *text = mu_tke_plan_step_text(r->plan, s);
	g_autofree char *on = units_text(r, s->units);
	printf("step %zu: %s on %s\n", number, text, on);
	fflush(stdout);
	for (size_t i = 0; i < mu_tke_instance_n_units(r->u.inst); i++) {
		if (!(s->units & G_GUINT64_CONSTANT(1) << i))
			continue;
		const mu_tke_unit *unit = mu_tke_instance_unit(r->u.inst, i);
		mu_tke_outcome out;
		memset(&out, 0, sizeof(out));
		GError *e = NULL;
		int card_rc = CLI_EXIT_OK;
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(r->u.inst, unit, &e);
		if (c != NULL && run_on_unit(r, s, c, &out, &card_rc, &e)) {
			printf("  %s: done, transaction counter %" G_GUINT64_FORMAT "\n",
			       unit->name, (guint64)out.counter);
			continue;
		}
		int rc = card_rc;
		if (e != NULL) {
			rc = unit_exit_code(e);
			fprintf(stderr, "openmu-cli: %s: %s\n", unit->name, e->message);
			g_error_free(e);
		}
		fprintf(stderr,
		        "openmu-cli: ceremony stopped at step %zu (%s) on %s. Fix the cause "
		        "above, then run 'openmu-cli ceremony run %s' again: it resumes from the "
		        "units' current state.\n",
		        number, text, unit->name, r->plan_path);
		return rc != CLI_EXIT_OK ? rc : UNIT_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static bool same_step(const mu_tke_plan_step *a, const mu_tke_plan_step *b)
{
	return a->kind == b->kind && a->index == b->index && a->units == b->units &&
	       memcmp(a->key_id, b->key_id, MU_UNIT_KEY_ID_LEN) == 0;
}

static int do_plan(run_ctx *r)
{
	GError *e = NULL;
	g_autoptr(GArray) steps = compute(r, &e);
	if (steps == NULL)
		return unit_fail(&r->u, e);
	if (steps->len == 0) {
		printf("nothing to do: every unit matches %s\n", r->plan_path);
		return CLI_EXIT_OK;
	}
	printf("%u step%s to reach %s:\n", steps->len, steps->len == 1 ? "" : "s", r->plan_path);
	for (guint i = 0; i < steps->len; i++) {
		const mu_tke_plan_step *s = &g_array_index(steps, mu_tke_plan_step, i);
		g_autofree char *text = mu_tke_plan_step_text(r->plan, s);
		g_autofree char *on = units_text(r, s->units);
		printf("  %u. %s on %s\n", i + 1, text, on);
	}
	return CLI_EXIT_OK;
}

/* One step at a time, each computed from freshly read statuses. */
static int do_run(run_ctx *r)
{
	mu_tke_plan_step last;
	bool has_last = false;
	for (size_t round = 1; round <= MAX_ROUNDS; round++) {
		GError *e = NULL;
		g_autoptr(GArray) steps = compute(r, &e);
		if (steps == NULL)
			return unit_fail(&r->u, e);
		if (steps->len == 0) {
			if (round == 1)
				printf("nothing to do: every unit matches %s\n", r->plan_path);
			else
				printf("done: every unit matches %s\n", r->plan_path);
			return CLI_EXIT_OK;
		}
		const mu_tke_plan_step *s = &g_array_index(steps, mu_tke_plan_step, 0);
		if (has_last && same_step(s, &last)) {
			g_autofree char *text = mu_tke_plan_step_text(r->plan, s);
			return cli_fail(
			    &r->cc, UNIT_EXIT_FAILURE,
			    "step \"%s\" succeeded but the units' status did not change: "
			    "stopped (check 'openmu-cli unit status')",
			    text);
		}
		last = *s;
		has_last = true;
		int rc = run_step(r, s, round);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	return cli_fail(&r->cc, UNIT_EXIT_FAILURE, "more than %d steps: stopped", MAX_ROUNDS);
}

static void help(FILE *out)
{
	fprintf(out, "Usage: openmu-cli [--instance FILE.ini] ceremony plan|run PLAN.ini "
	             "[--instance FILE.ini] [--pin-fd N]\n\n"
	             "  plan   print the steps from the units' current state to the plan's "
	             "target\n"
	             "  run    execute them, one at a time, re-reading the units before each;\n"
	             "         stops at the first failure, and a new run resumes\n\n"
	             "PINs: OPENMU_PIN_<READER> (the reader as the plan names it, e.g. "
	             "OPENMU_PIN_1),\nelse OPENMU_PIN, else asked on the terminal. See "
	             "docs/cli.md, section \"ceremony\".\n");
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
	g_autofree char *instance = NULL;
	int pin_fd = g->pin_fd;
	GOptionEntry entries[] = {
	    {"instance", 'i', 0, G_OPTION_ARG_FILENAME, &instance, "Instance file", "FILE.ini"},
	    {"pin-fd", 0, 0, G_OPTION_ARG_INT, &pin_fd, "Read the PINs from this fd", "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("PLAN.ini");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *e = NULL;
	int ac = argc - 1;
	char **av = argv + 1;
	if (!g_option_context_parse(ctx, &ac, &av, &e) || ac != 2) {
		fprintf(stderr, "openmu-cli: ceremony %s: %s\n", argv[1],
		        e != NULL ? e->message : "needs one PLAN.ini");
		g_clear_error(&e);
		return CLI_EXIT_USAGE;
	}
	g_autofree char *plan_inst = NULL, *inst_path = NULL;
	run_ctx r;
	memset(&r, 0, sizeof(r));
	r.g.pin_fd = pin_fd;
	r.u.pin_fd = pin_fd;
	cli_ctx_init(&r.cc, &r.g);
	r.plan_path = av[1];
	int rc;
	r.plan = mu_tke_plan_load(r.plan_path, &e);
	if (r.plan == NULL) {
		rc = unit_fail(&r.u, e);
		goto done;
	}
	if (r.plan->instance != NULL && !g_path_is_absolute(r.plan->instance)) {
		g_autofree char *dir = g_path_get_dirname(r.plan_path);
		plan_inst = g_build_filename(dir, r.plan->instance, NULL);
	} else {
		plan_inst = g_strdup(r.plan->instance);
	}
	const char *gi = cli_global_instance(g);
	inst_path = g_strdup(instance != NULL ? instance : gi != NULL ? gi : plan_inst);
	r.u.instance_path = inst_path;
	if (!unit_load_instance(&r.u, &e)) {
		rc = unit_fail(&r.u, e);
		goto done;
	}
	if (mu_tke_instance_n_units(r.u.inst) > MU_TKE_PLAN_UNITS_MAX) {
		rc = unit_usage("a plan acts on at most %u units", MU_TKE_PLAN_UNITS_MAX);
		goto done;
	}
	rc = read_cards(&r);
	if (rc == CLI_EXIT_OK)
		rc = run ? do_run(&r) : do_plan(&r);
done:
	r.u.instance_path = NULL;
	run_clear(&r);
	return rc;
}
