/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-runner.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mu-card.h"
#include "mu-secret.h"
#include "mu-tke-admin.h"
#include "mu-tke-ceremony.h"
#include "mu-tke-client.h"
#include "mu-tke-error.h"
#include "mu-tke-journal.h"
#include "mu-tke-status.h"

#define MAX_CARDS  (MU_UNIT_ADMINS_MAX + 3)
#define MAX_ROUNDS 64
#define PIN_CAP    64 /* what get_pin may write; the card takes 6 digits */

/* Journal step names of the plan steps that are not mu_tke_step_name()'s,
 * as `openmu-cli unit admin-add` and `mk-load` write them. */
#define STEP_NAME_ADD_IMPRINT "add-admin-imprint"
#define STEP_NAME_LOAD_PART   "load-part"

/* A card of the plan, opened once per runner; its PIN verified when first
 * used. */
typedef struct runner_card {
	char *spec;   /* the reader as the plan names it */
	char *reader; /* full reader name */
	mu_card *card;
	bool logged_in;
} runner_card;

struct mu_tke_runner {
	mu_backend *backend;
	mu_tke_instance *inst;
	mu_tke_plan *plan;
	char *plan_name;
	char *journal_path;
	mu_tke_journal *journal;
	mu_tke_runner_ops ops;
	gpointer user_data;
	runner_card cards[MAX_CARDS];
	size_t ncards;
	runner_card *admin_cards[MU_UNIT_ADMINS_MAX]; /* into cards, by plan admin */
	GBytes *certs[MU_UNIT_ADMINS_MAX];            /* admin certificates, from the cards */
	mu_tke_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners; /* initialised signers (all logged in) */
};

/* How one step goes to its units: the cards that sign it, the key-part
 * card, and what the journal records. */
typedef struct step_plan {
	const mu_tke_plan_step *s;
	size_t number;
	char *text;
	mu_tke_step step;
	const char *name; /* in the journal */
	mu_tke_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners;
	runner_card *part; /* LOAD_PART */
	char *part_label;
	mu_card *countersign;
} step_plan;

GQuark mu_tke_card_error_quark(void)
{
	return g_quark_from_static_string("mu-tke-card-error-quark");
}

static gboolean card_fail(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean card_fail(GError **error, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, MU_TKE_CARD_ERROR, code, msg);
	return FALSE;
}

/* A failed call on an open card: its own message, prefixed by what. */
static gboolean card_call_fail(GError **error, mu_card *card, int st, const char *what)
{
	const char *detail = mu_card_errmsg(card);
	if (st == MU_SC_ERR_NO_SERVICE)
		detail = "pcscd (the PC/SC daemon) stopped answering: restart it and retry";
	else if (st == MU_SC_ERR_REMOVED && detail[0] == '\0')
		detail = "the card was removed: insert it again and start again";
	else if (detail[0] == '\0')
		detail = mu_sc_strerror(st);
	return card_fail(error, st, "%s: %s", what, detail);
}

mu_tke_runner *mu_tke_runner_new(mu_backend *b, mu_tke_instance *inst, mu_tke_plan *plan,
                                 const char *plan_name, const char *journal_path,
                                 const mu_tke_runner_ops *ops, gpointer user_data)
{
	g_return_val_if_fail(ops != NULL && ops->get_pin != NULL, NULL);
	mu_tke_runner *r = g_new0(mu_tke_runner, 1);
	r->backend = b;
	r->inst = inst;
	r->plan = plan;
	r->plan_name = g_strdup(plan_name);
	r->journal_path = g_strdup(journal_path);
	r->ops = *ops;
	r->user_data = user_data;
	return r;
}

void mu_tke_runner_free(mu_tke_runner **rp)
{
	mu_tke_runner *r = *rp;
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nsigners; i++)
		mu_tke_signer_clear(&r->signers[i]);
	for (size_t i = 0; i < MU_UNIT_ADMINS_MAX; i++)
		g_clear_pointer(&r->certs[i], g_bytes_unref);
	for (size_t i = 0; i < r->ncards; i++) {
		mu_card_free(&r->cards[i].card);
		g_free(r->cards[i].spec);
		g_free(r->cards[i].reader);
	}
	mu_tke_journal_free(&r->journal);
	g_free(r->journal_path);
	g_free(r->plan_name);
	mu_memzero(r, sizeof(*r));
	g_free(r);
	*rp = NULL;
}

/* ---- cards ---- */

static runner_card *find_card(mu_tke_runner *r, const char *spec, const char *reader)
{
	for (size_t i = 0; i < r->ncards; i++)
		if ((spec != NULL && strcmp(r->cards[i].spec, spec) == 0) ||
		    (reader != NULL && strcmp(r->cards[i].reader, reader) == 0))
			return &r->cards[i];
	return NULL;
}

/* Opens the card in the reader connected as name, checks it is an EP11
 * card and fills info. */
static mu_card *open_ep11(mu_tke_runner *r, const char *name, const char *what, mu_card_info *info,
                          GError **error)
{
	mu_card *card = NULL;
	int st = mu_card_open(r->backend, name, &card);
	if (st == MU_SC_ERR_NO_CARD)
		card_fail(error, st, "no card in reader \"%s\": insert %s", name, what);
	else if (st == MU_SC_ERR_NOT_OPENMU)
		card_fail(error, st, "the card in reader \"%s\" is not an OpenMU card: insert %s",
		          name, what);
	else if (st != MU_SC_OK)
		card_fail(error, st, "cannot use the card in reader \"%s\": %s", name,
		          mu_sc_strerror(st));
	if (st != MU_SC_OK)
		return NULL;
	st = mu_card_info_get(card, info);
	if (st != MU_SC_OK)
		card_call_fail(error, card, st, "reading the card information");
	else if (info->type != MU_CARD_TYPE_EP11)
		card_fail(error, MU_SC_ERR_WRONG_TYPE,
		          "the card in reader \"%s\" is a %s card, not an EP11 card: insert %s",
		          name, mu_card_type_name(info->type), what);
	if (st != MU_SC_OK || info->type != MU_CARD_TYPE_EP11)
		mu_card_free(&card);
	return card;
}

/* The EP11 card the plan names by spec, opened once (a reader named twice
 * is one card), without PIN; info filled. */
static runner_card *card_open(mu_tke_runner *r, const char *spec, const char *what,
                              mu_card_info *info, GError **error)
{
	runner_card *pc = find_card(r, spec, NULL);
	g_autofree char *name = NULL;
	if (pc == NULL) {
		char *raw = NULL; /* malloc'ed */
		int st = mu_backend_resolve_reader(r->backend, spec, &raw);
		name = g_strdup(raw);
		free(raw);
		if (st == MU_SC_ERR_NO_READER) {
			card_fail(
			    error, st,
			    "no reader \"%s\": give a full name, a unique prefix or an index of a "
			    "connected reader",
			    spec);
			return NULL;
		}
		if (st != MU_SC_OK) {
			card_fail(error, st, "cannot find reader \"%s\": %s", spec,
			          mu_sc_strerror(st));
			return NULL;
		}
		pc = find_card(r, NULL, name);
	}
	if (pc != NULL) {
		int st = mu_card_info_get(pc->card, info);
		if (st == MU_SC_OK)
			return pc;
		card_call_fail(error, pc->card, st, "reading the card");
		return NULL;
	}
	if (r->ncards == MAX_CARDS) {
		card_fail(error, MU_SC_ERR_ARG, "a plan uses at most %u cards",
		          (unsigned)MAX_CARDS);
		return NULL;
	}
	mu_card *card = open_ep11(r, name, what, info, error);
	if (card == NULL)
		return NULL;
	pc = &r->cards[r->ncards++];
	pc->spec = g_strdup(spec);
	pc->reader = g_steal_pointer(&name);
	pc->card = card;
	return pc;
}

/* Verifies the PIN of pc (once), asked through ops->get_pin. */
static gboolean card_login(mu_tke_runner *r, runner_card *pc, const char *what, GError **error)
{
	if (pc->logged_in)
		return TRUE;
	mu_card_info info;
	int st = mu_card_info_get(pc->card, &info);
	if (st != MU_SC_OK)
		return card_call_fail(error, pc->card, st, "reading the card");
	if (info.blocked)
		return card_fail(
		    error, MU_SC_ERR_BLOCKED,
		    "the PIN of %s in reader \"%s\" is blocked: unblock it with the CA "
		    "card of zone %s",
		    what, pc->reader, info.zone_id);
	char pin[PIN_CAP];
	memset(pin, 0, sizeof(pin));
	GError *e = NULL;
	gboolean ok =
	    r->ops.get_pin(r->user_data, what, pc->spec, pc->reader, pin, sizeof(pin), &e);
	pin[sizeof(pin) - 1] = '\0';
	if (ok)
		st = mu_card_verify(pc->card, 1, pin);
	mu_memzero(pin, sizeof(pin));
	if (!ok) {
		if (e == NULL)
			g_set_error(&e, G_IO_ERROR, G_IO_ERROR_CANCELLED, "no PIN for %s", what);
		g_propagate_error(error, e);
		return FALSE;
	}
	if (st != MU_SC_OK) {
		g_autofree char *where = g_strdup_printf("%s in reader \"%s\"", what, pc->reader);
		return card_call_fail(error, pc->card, st, where);
	}
	pc->logged_in = true;
	return TRUE;
}

gboolean mu_tke_runner_read_cards(mu_tke_runner *r, GError **error)
{
	mu_tke_plan *p = r->plan;
	for (size_t i = 0; i < p->nadmins; i++) {
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("the card of admin %s", p->admins[i].name);
		runner_card *pc = card_open(r, p->admins[i].reader, what, &info, error);
		if (pc == NULL)
			return FALSE;
		if (!info.has_sigkey || strcmp(info.admin_name, p->admins[i].name) != 0)
			return card_fail(
			    error, MU_TKE_RUNNER_WRONG_CARD,
			    "%s: the card in reader %s holds %s%s%s, not admin %s "
			    "([admin %s] reader=)",
			    r->plan_name, pc->reader, info.has_sigkey ? "admin \"" : "no admin key",
			    info.has_sigkey ? info.admin_name : "", info.has_sigkey ? "\"" : "",
			    p->admins[i].name, p->admins[i].name);
		uint8_t *der = NULL;
		size_t len = 0;
		int st = mu_card_get_cert(pc->card, MU_CERT_ADMIN, &der, &len);
		if (st != MU_SC_OK)
			return card_call_fail(error, pc->card, st, "reading the admin certificate");
		g_clear_pointer(&r->certs[i], g_bytes_unref);
		r->certs[i] = g_bytes_new(der, len);
		free(der);
		r->admin_cards[i] = pc;
		mu_tke_plan_set_admin_key(p, i, info.admin_key_id);
	}
	for (size_t i = 0; i < p->parts; i++) {
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("the card of key part %zu", i + 1);
		runner_card *pc = card_open(r, p->part[i].reader, what, &info, error);
		if (pc == NULL)
			return FALSE;
		mu_keypart_info *parts = NULL;
		size_t n = 0;
		int st = mu_card_keypart_list(pc->card, &parts, &n);
		if (st != MU_SC_OK)
			return card_call_fail(error, pc->card, st, "listing the key parts");
		for (size_t k = 0; k < n; k++)
			if (parts[k].slot == p->part[i].slot)
				mu_tke_plan_set_part_vp(p, i, parts[k].vp);
		free(parts);
		if (!p->part[i].has_vp)
			return card_fail(error, MU_SC_ERR_NOT_FOUND,
			                 "%s: the card in reader %s holds no key part in slot %u "
			                 "([part %zu])",
			                 r->plan_name, pc->reader, p->part[i].slot, i + 1);
	}
	return TRUE;
}

/* Opens and logs in the signing cards of the plan (once). */
static gboolean open_signers(mu_tke_runner *r, GError **error)
{
	for (size_t i = r->nsigners; i < r->plan->nsigners; i++) {
		mu_card_info info;
		g_autofree char *what = g_strdup_printf("signing card %zu", i + 1);
		runner_card *pc = card_open(r, r->plan->signers[i], what, &info, error);
		if (pc == NULL || !card_login(r, pc, what, error))
			return FALSE;
		g_autofree char *label =
		    g_strdup_printf("the signing card in reader \"%s\"", pc->reader);
		if (!mu_tke_signer_init(&r->signers[i], pc->card, label, error))
			return FALSE;
		r->nsigners++;
	}
	return TRUE;
}

/* ---- units ---- */

/* The statuses of every unit; FALSE with the first unit's error. */
static gboolean fetch_all(mu_tke_runner *r, mu_unit_status *st, GError **error)
{
	for (size_t i = 0; i < mu_tke_instance_n_units(r->inst); i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(r->inst, i);
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(r->inst, unit, error);
		if (c == NULL || !mu_tke_status_fetch(c, &st[i], error)) {
			g_prefix_error(error, "%s: ", unit->name);
			return FALSE;
		}
	}
	return TRUE;
}

GArray *mu_tke_runner_steps(mu_tke_runner *r, GError **error)
{
	size_t n = mu_tke_instance_n_units(r->inst);
	g_autofree mu_unit_status *st = g_new0(mu_unit_status, n);
	g_autofree const mu_unit_status **ptr = g_new0(const mu_unit_status *, n);
	for (size_t i = 0; i < n; i++)
		ptr[i] = &st[i];
	g_autofree const char **names = g_new0(const char *, n);
	for (size_t i = 0; i < n; i++)
		names[i] = mu_tke_instance_unit(r->inst, i)->name;
	if (!fetch_all(r, st, error))
		return NULL;
	return mu_tke_plan_steps(r->plan, n, ptr, names, error);
}

static bool has_unit(guint64 units, size_t i)
{
	return i < 64 && (units & G_GUINT64_CONSTANT(1) << i) != 0;
}

char *mu_tke_runner_units_text(mu_tke_runner *r, guint64 units)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < mu_tke_instance_n_units(r->inst); i++)
		if (has_unit(units, i))
			g_string_append_printf(s, "%s%s", s->len ? ", " : "",
			                       mu_tke_instance_unit(r->inst, i)->name);
	return g_string_free(s, FALSE);
}

/* ---- steps ---- */

static void step_plan_clear(step_plan *sp)
{
	g_free(sp->text);
	g_free(sp->part_label);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(step_plan, step_plan_clear)

static mu_tke_step plan_kind_step(mu_tke_plan_kind kind)
{
	switch (kind) {
	case MU_TKE_PLAN_ADD_ADMIN:
		return MU_TKE_STEP_ADD_ADMIN;
	case MU_TKE_PLAN_REMOVE_ADMIN:
		return MU_TKE_STEP_REMOVE_ADMIN;
	case MU_TKE_PLAN_SET_THRESHOLDS:
		return MU_TKE_STEP_SET_THRESHOLDS;
	case MU_TKE_PLAN_CLEAR_NEW:
		return MU_TKE_STEP_CLEAR_NEW;
	case MU_TKE_PLAN_COMMIT:
		return MU_TKE_STEP_COMMIT;
	case MU_TKE_PLAN_ROTATE:
		return MU_TKE_STEP_ROTATE;
	default:
		return MU_TKE_STEP_SET_IMMEDIATE;
	}
}

/* Gets the cards of step sp->s ready (PINs verified) and works out who
 * signs and who countersigns, as `openmu-cli unit` does: the first signing
 * card; for a key part, its card when it holds an admin key; for the
 * imprint form (no signer), the new admin's card once its PIN is verified. */
static gboolean step_prepare(mu_tke_runner *r, step_plan *sp, GError **error)
{
	const mu_tke_plan_step *s = sp->s;
	mu_tke_plan *p = r->plan;
	if (s->kind == MU_TKE_PLAN_ADD_ADMIN_IMPRINT) {
		runner_card *own = r->admin_cards[s->index];
		sp->name = STEP_NAME_ADD_IMPRINT;
		sp->countersign = own != NULL && own->logged_in ? own->card : NULL;
		return TRUE;
	}
	if (!open_signers(r, error))
		return FALSE;
	sp->step = plan_kind_step(s->kind);
	sp->name = mu_tke_step_name(sp->step);
	/* the new admin's own card does not sign its installation */
	const uint8_t *added = s->kind == MU_TKE_PLAN_ADD_ADMIN ? p->admins[s->index].key_id : NULL;
	for (size_t i = 0; i < r->nsigners; i++)
		if (added == NULL || memcmp(r->signers[i].key_id, added, MU_UNIT_KEY_ID_LEN) != 0)
			sp->signers[sp->nsigners++] = r->signers[i];
	sp->countersign = sp->nsigners > 0 ? sp->signers[0].card : NULL;
	if (s->kind != MU_TKE_PLAN_LOAD_PART)
		return TRUE;
	mu_card_info info;
	g_autofree char *what = g_strdup_printf("the card of key part %zu", s->index + 1);
	sp->part = card_open(r, p->part[s->index].reader, what, &info, error);
	if (sp->part == NULL || !card_login(r, sp->part, what, error))
		return FALSE;
	sp->name = STEP_NAME_LOAD_PART;
	sp->part_label = g_strdup_printf("the key-part card in reader \"%s\"", sp->part->reader);
	if (info.has_sigkey)
		sp->countersign = sp->part->card;
	return TRUE;
}

/* Runs the prepared step on the unit c talks to. */
static gboolean step_on_unit(mu_tke_runner *r, const step_plan *sp, mu_tke_client *c,
                             mu_tke_outcome *out, GError **error)
{
	const mu_tke_plan_step *s = sp->s;
	mu_tke_plan *p = r->plan;
	mu_tke_step_args args;
	memset(&args, 0, sizeof(args));
	switch (s->kind) {
	case MU_TKE_PLAN_ADD_ADMIN_IMPRINT:
		return mu_tke_admin_add_imprint(c, g_bytes_get_data(r->certs[s->index], NULL),
		                                g_bytes_get_size(r->certs[s->index]), &out->counter,
		                                error);
	case MU_TKE_PLAN_LOAD_PART:
		return mu_tke_ceremony_load_part(c, sp->part->card, sp->part_label,
		                                 p->part[s->index].slot, p->parts, sp->signers,
		                                 sp->nsigners, out, error);
	case MU_TKE_PLAN_ADD_ADMIN:
		args.input = g_bytes_get_data(r->certs[s->index], &args.input_len);
		break;
	case MU_TKE_PLAN_REMOVE_ADMIN:
		args.input = s->key_id;
		args.input_len = MU_UNIT_KEY_ID_LEN;
		break;
	case MU_TKE_PLAN_SET_THRESHOLDS:
		args.sig_threshold = p->sig_threshold;
		args.rev_threshold = p->rev_threshold;
		break;
	default:
		break;
	}
	return mu_tke_ceremony_step(c, sp->step, &args, sp->signers, sp->nsigners, out, error);
}

/* Runs the step on one unit and writes its journal record: no step
 * without its record. */
static gboolean step_unit_journaled(mu_tke_runner *r, const step_plan *sp, const mu_tke_unit *unit,
                                    GError **error)
{
	mu_tke_outcome out;
	memset(&out, 0, sizeof(out));
	GError *e = NULL, *je = NULL;
	g_autoptr(mu_tke_client) c = mu_tke_client_connect(r->inst, unit, &e);
	gboolean ok = c != NULL && step_on_unit(r, sp, c, &out, &e);
	gboolean journaled =
	    r->journal == NULL ||
	    mu_tke_journal_record_step(r->journal, sp->name, unit->name, c, ok, &out, e,
	                               sp->signers, sp->nsigners, sp->countersign, &je);
	if (ok && r->ops.unit_done != NULL)
		r->ops.unit_done(r->user_data, sp->number, unit->name, (guint64)out.counter);
	if (ok && journaled)
		return TRUE;
	if (!ok && !journaled) {
		char *both = g_strdup_printf("%s (and its journal record failed: %s)", e->message,
		                             je->message);
		g_free(e->message);
		e->message = both;
		g_clear_error(&je);
	}
	g_propagate_error(error, ok ? je : e);
	return FALSE;
}

/* Reports a failure of step sp on unit to ops->unit_failed, then prefixes
 * it with the step and the unit. */
static gboolean step_failed(mu_tke_runner *r, const step_plan *sp, const char *unit, GError **error)
{
	if (r->ops.unit_failed != NULL && error != NULL && *error != NULL)
		r->ops.unit_failed(r->user_data, sp->number, unit, *error);
	g_prefix_error(error, "step %zu (%s) on %s: ", sp->number, sp->text, unit);
	return FALSE;
}

/* Runs step s (number) on each of its units; stops at the first failure. */
static gboolean run_step(mu_tke_runner *r, const mu_tke_plan_step *s, size_t number,
                         GCancellable *cancel, GError **error)
{
	g_auto(step_plan) sp;
	memset(&sp, 0, sizeof(sp));
	sp.s = s;
	sp.number = number;
	sp.text = mu_tke_plan_step_text(r->plan, s);
	const mu_tke_unit *first = NULL;
	for (size_t i = 0; first == NULL && i < mu_tke_instance_n_units(r->inst); i++)
		if (has_unit(s->units, i))
			first = mu_tke_instance_unit(r->inst, i);
	if (first == NULL) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "step %zu (%s) names no unit",
		            number, sp.text);
		return FALSE;
	}
	if (r->ops.step_started != NULL) {
		g_autofree char *on = mu_tke_runner_units_text(r, s->units);
		r->ops.step_started(r->user_data, number, sp.text, on);
	}
	if (!step_prepare(r, &sp, error))
		return step_failed(r, &sp, first->name, error);
	for (size_t i = 0; i < mu_tke_instance_n_units(r->inst); i++) {
		if (!has_unit(s->units, i))
			continue;
		const mu_tke_unit *unit = mu_tke_instance_unit(r->inst, i);
		if (g_cancellable_set_error_if_cancelled(cancel, error)) {
			g_prefix_error(error, "step %zu (%s) on %s: ", number, sp.text, unit->name);
			return FALSE;
		}
		if (!step_unit_journaled(r, &sp, unit, error))
			return step_failed(r, &sp, unit->name, error);
	}
	return TRUE;
}

static bool same_step(const mu_tke_plan_step *a, const mu_tke_plan_step *b)
{
	return a->kind == b->kind && a->index == b->index && a->units == b->units &&
	       memcmp(a->key_id, b->key_id, MU_UNIT_KEY_ID_LEN) == 0;
}

/* One step at a time, each computed from freshly read statuses. */
gboolean mu_tke_runner_run(mu_tke_runner *r, GCancellable *cancel, size_t *nsteps,
                           size_t *failed_step, GError **error)
{
	size_t done = 0, failed = 0;
	gboolean ok = FALSE;
	mu_tke_plan_step last;
	memset(&last, 0, sizeof(last));
	if (r->journal_path != NULL && r->journal == NULL &&
	    (r->journal = mu_tke_journal_open(r->journal_path, error)) == NULL)
		goto out;
	for (size_t round = 1; round <= MAX_ROUNDS + 1; round++) {
		if (g_cancellable_set_error_if_cancelled(cancel, error))
			goto out;
		g_autoptr(GArray) steps = mu_tke_runner_steps(r, error);
		if (steps == NULL)
			goto out;
		if (steps->len == 0) {
			ok = TRUE;
			goto out;
		}
		const mu_tke_plan_step *s = &g_array_index(steps, mu_tke_plan_step, 0);
		if (round > 1 && same_step(s, &last)) {
			g_autofree char *text = mu_tke_plan_step_text(r->plan, s);
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			            "step \"%s\" succeeded but the units' status did not change: "
			            "stopped (check the units' status)",
			            text);
			goto out;
		}
		if (round > MAX_ROUNDS)
			break;
		last = *s;
		if (!run_step(r, s, round, cancel, error)) {
			failed = round;
			goto out;
		}
		done++;
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "more than %d steps: stopped",
	            MAX_ROUNDS);
out:
	if (nsteps != NULL)
		*nsteps = done;
	if (failed_step != NULL)
		*failed_step = failed;
	return ok;
}
