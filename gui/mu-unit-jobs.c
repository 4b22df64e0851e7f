/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-jobs.h"

#include <stdlib.h>
#include <string.h>

#include "mu-admin-block.h"
#include "mu-gui-util.h"
#include "mu-secret.h"
#include "mu-tke-admin.h"
#include "mu-tke-error.h"
#include "mu-tke-instance.h"
#include "mu-tke-journal.h"
#include "mu-tke-status.h"
#include "mu-unit-proto.h"

#define MAX_CARDS (MU_UNIT_ADMINS_MAX + 1)

void mu_unit_card_free(mu_unit_card *c)
{
	if (c == NULL)
		return;
	g_free(c->reader);
	free(c->parts);
	g_free(c);
}

/* ---- the cards in the readers ---- */

static void cards_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	GError *error = NULL;
	mu_reader_info *list = NULL;
	size_t n = 0;
	mu_backend *b = mu_gui_readers(&list, &n, &error);
	if (b == NULL) {
		g_task_return_error(task, error);
		return;
	}
	int st;
	GPtrArray *cards = g_ptr_array_new_with_free_func((GDestroyNotify)mu_unit_card_free);
	for (size_t i = 0; i < n && !g_cancellable_is_cancelled(cancel); i++) {
		mu_unit_card *uc = g_new0(mu_unit_card, 1);
		uc->reader = g_strdup(list[i].name);
		g_ptr_array_add(cards, uc);
		if (!list[i].card_present)
			continue;
		mu_card *c = NULL;
		st = mu_card_open(b, uc->reader, &c);
		if (st == MU_SC_OK)
			st = mu_card_info_get(c, &uc->info);
		if (st == MU_SC_OK && uc->info.type == MU_CARD_TYPE_EP11)
			st = mu_card_keypart_list(c, &uc->parts, &uc->nparts);
		uc->readable = st == MU_SC_OK;
		mu_card_free(&c);
	}
	mu_reader_info_free(list, n);
	mu_backend_free(&b);
	g_task_return_pointer(task, cards, (GDestroyNotify)g_ptr_array_unref);
}

void mu_unit_cards_async(GCancellable *cancel, GAsyncReadyCallback cb, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, user_data);
	g_task_run_in_thread(task, cards_thread);
}

GPtrArray *mu_unit_cards_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* ---- the job ---- */

mu_unit_job *mu_unit_job_new(mu_unit_job_kind kind, const char *instance, const char *journal,
                             const char *unit)
{
	mu_unit_job *j = g_new0(mu_unit_job, 1);
	j->kind = kind;
	j->instance = g_strdup(instance);
	j->journal = g_strdup(journal);
	j->unit = g_strdup(unit);
	j->parts = 3;
	return j;
}

void mu_unit_job_free(mu_unit_job *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nsigners; i++) {
		mu_memzero(j->signers[i].pin, sizeof(j->signers[i].pin));
		g_free(j->signers[i].reader);
	}
	mu_memzero(j->card_pin, sizeof(j->card_pin));
	g_free(j->instance);
	g_free(j->journal);
	g_free(j->unit);
	g_free(j->card_reader);
	g_free(j);
}

gboolean mu_unit_job_copy_pin(char buf[MU_UNIT_JOB_PIN_BUF], const char *pin)
{
	size_t len = strlen(pin);
	if (len >= MU_UNIT_JOB_PIN_BUF) {
		buf[0] = '\0';
		return FALSE;
	}
	memcpy(buf, pin, len + 1);
	return TRUE;
}

gboolean mu_unit_job_add_signer(mu_unit_job *j, const char *reader, const char *pin)
{
	if (j->nsigners == MU_UNIT_ADMINS_MAX)
		return FALSE;
	mu_unit_job_signer *s = &j->signers[j->nsigners];
	if (!mu_unit_job_copy_pin(s->pin, pin))
		return FALSE;
	s->reader = g_strdup(reader);
	j->nsigners++;
	return TRUE;
}

/* What the worker holds while it runs a job. */
typedef struct run_ctx {
	mu_unit_job *job;
	mu_tke_instance *inst;
	mu_backend *b;
	mu_card *cards[MAX_CARDS];
	size_t ncards;
	mu_tke_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners;
	mu_card *part_card; /* LOAD_PART, one of cards[] */
	char *part_what;
	GBytes *cert; /* ADD_ADMIN */
	mu_admin_cert_info cert_info;
	mu_tke_journal *journal;
	mu_card *countersign;
	const char *step_name;
} run_ctx;

static void run_ctx_clear(run_ctx *rc)
{
	for (size_t i = 0; i < rc->nsigners; i++)
		mu_tke_signer_clear(&rc->signers[i]);
	for (size_t i = 0; i < rc->ncards; i++)
		mu_card_free(&rc->cards[i]);
	g_free(rc->part_what);
	if (rc->cert != NULL)
		g_bytes_unref(rc->cert);
	mu_tke_journal_free(&rc->journal);
	mu_backend_free(&rc->b);
	mu_tke_instance_free(&rc->inst);
}

/* Opens the EP11 card in reader, verifies pin and wipes it at once. */
static mu_card *open_verified(run_ctx *rc, const char *reader, char pin[MU_UNIT_JOB_PIN_BUF],
                              const char *what, GError **error)
{
	mu_card *c = NULL;
	mu_card_info info;
	g_autofree char *where = g_strdup_printf("%s in reader \"%s\"", what, reader);
	int st = mu_card_open(rc->b, reader, &c);
	if (st == MU_SC_OK)
		st = mu_card_info_get(c, &info);
	if (st != MU_SC_OK) {
		mu_memzero(pin, MU_UNIT_JOB_PIN_BUF);
		mu_gui_sc_error(st, c, where, error);
		mu_card_free(&c);
		return NULL;
	}
	rc->cards[rc->ncards++] = c; /* closed by run_ctx_clear from now on */
	if (info.type != MU_CARD_TYPE_EP11 || info.blocked) {
		mu_memzero(pin, MU_UNIT_JOB_PIN_BUF);
		g_set_error(error, MU_GUI_ERROR, 1, "%s holds %s: insert the admin's EP11 card",
		            where,
		            info.blocked ? "a blocked card (unblock it with the zone's CA card)"
		                         : "no EP11 card");
		return NULL;
	}
	st = mu_card_verify(c, 1, pin);
	mu_memzero(pin, MU_UNIT_JOB_PIN_BUF);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, where, error);
		return NULL;
	}
	return c;
}

/* The new admin's certificate, read from the card without a PIN. */
static gboolean read_admin_cert(run_ctx *rc, GError **error)
{
	const char *reader = rc->job->card_reader;
	mu_card *c = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	int st = mu_card_open(rc->b, reader, &c);
	if (st == MU_SC_OK)
		st = mu_card_get_cert(c, MU_CERT_ADMIN, &der, &len);
	if (st != MU_SC_OK) {
		g_autofree char *what =
		    g_strdup_printf("reading the admin certificate in reader \"%s\"", reader);
		mu_gui_sc_error(st, c, what, error);
		mu_card_free(&c);
		return FALSE;
	}
	mu_card_free(&c);
	rc->cert = g_bytes_new_take(der, len);
	if (mu_admin_cert_check(der, len, &rc->cert_info, NULL) != 0) {
		g_set_error(
		    error, MU_GUI_ERROR, 1,
		    "the card in reader \"%s\" holds no usable admin certificate: give it a "
		    "signature key first",
		    reader);
		return FALSE;
	}
	return TRUE;
}

/* Opens and verifies the signing cards, then the key-part card. */
static gboolean open_cards(run_ctx *rc, GError **error)
{
	mu_unit_job *j = rc->job;
	for (size_t i = 0; i < j->nsigners; i++) {
		mu_card *c = open_verified(rc, j->signers[i].reader, j->signers[i].pin,
		                           "the signing card", error);
		if (c == NULL)
			return FALSE;
		g_autofree char *what =
		    g_strdup_printf("the signing card in reader \"%s\"", j->signers[i].reader);
		mu_tke_signer *s = &rc->signers[rc->nsigners];
		if (!mu_tke_signer_init(s, c, what, error))
			return FALSE;
		for (size_t k = 0; k < rc->nsigners; k++) {
			if (memcmp(rc->signers[k].key_id, s->key_id, MU_UNIT_KEY_ID_LEN) == 0) {
				g_set_error(
				    error, MU_GUI_ERROR, 1,
				    "%s and %s hold the same admin key: one signature per admin",
				    s->what, rc->signers[k].what);
				mu_tke_signer_clear(s);
				return FALSE;
			}
		}
		rc->nsigners++;
	}
	if (j->kind != MU_UNIT_JOB_LOAD_PART)
		return TRUE;
	rc->part_what = g_strdup_printf("the key-part card in reader \"%s\"", j->card_reader);
	for (size_t i = 0; i < j->nsigners; i++)
		if (strcmp(j->signers[i].reader, j->card_reader) == 0)
			rc->part_card = rc->signers[i].card; /* already verified: one PIN */
	if (rc->part_card == NULL) {
		rc->part_card =
		    open_verified(rc, j->card_reader, j->card_pin, "the key-part card", error);
		if (rc->part_card == NULL)
			return FALSE;
	}
	mu_memzero(j->card_pin, sizeof(j->card_pin));
	return TRUE;
}

/* Runs the job's command on the unit c talks to. */
static gboolean run_on_unit(run_ctx *rc, mu_tke_client *c, mu_tke_outcome *out, GError **error)
{
	mu_unit_job *j = rc->job;
	mu_tke_step_args args;
	memset(&args, 0, sizeof(args));
	switch (j->kind) {
	case MU_UNIT_JOB_ADD_ADMIN:
		args.input = g_bytes_get_data(rc->cert, &args.input_len);
		if (j->imprint) {
			out->nsigs = 0;
			return mu_tke_admin_add_imprint(c, args.input, args.input_len,
			                                &out->counter, error);
		}
		return mu_tke_ceremony_step(c, MU_TKE_STEP_ADD_ADMIN, &args, rc->signers,
		                            rc->nsigners, out, error);
	case MU_UNIT_JOB_LOAD_PART:
		return mu_tke_ceremony_load_part(c, rc->part_card, rc->part_what, j->slot, j->parts,
		                                 rc->signers, rc->nsigners, out, error);
	case MU_UNIT_JOB_STEP:
	default:
		break;
	}
	if (j->step == MU_TKE_STEP_REMOVE_ADMIN) {
		args.input = j->key_id;
		args.input_len = sizeof(j->key_id);
	}
	args.sig_threshold = j->sig_threshold;
	args.rev_threshold = j->rev_threshold;
	return mu_tke_ceremony_step(c, j->step, &args, rc->signers, rc->nsigners, out, error);
}

/* What was done, for the officers. */
static char *done_text(const run_ctx *rc)
{
	const mu_unit_job *j = rc->job;
	if (j->kind == MU_UNIT_JOB_ADD_ADMIN)
		return g_strdup_printf("admin %s installed%s", rc->cert_info.name,
		                       j->imprint ? " (imprint mode, unsigned)" : "");
	if (j->kind == MU_UNIT_JOB_LOAD_PART)
		return g_strdup("key part loaded");
	switch (j->step) {
	case MU_TKE_STEP_REMOVE_ADMIN:
		return g_strdup("admin removed");
	case MU_TKE_STEP_SET_THRESHOLDS:
		return g_strdup_printf("thresholds set: signature %u, revocation %u",
		                       j->sig_threshold, j->rev_threshold);
	case MU_TKE_STEP_COMMIT:
		return g_strdup("new master key committed");
	case MU_TKE_STEP_SET_IMMEDIATE:
		return g_strdup("new master key made current (set immediate)");
	case MU_TKE_STEP_ROTATE:
		return g_strdup("master key rotated");
	case MU_TKE_STEP_CLEAR_NEW:
		return g_strdup("new master key register cleared");
	case MU_TKE_STEP_CLEAR_CURRENT:
		return g_strdup("current master key register cleared");
	case MU_TKE_STEP_ZEROIZE:
		return g_strdup("zeroized: back in imprint mode");
	case MU_TKE_STEP_ADD_ADMIN:
	default:
		return g_strdup(mu_tke_step_name(j->step));
	}
}

/* A failure in plain words: a unit's refusal in its own words, without the
 * command-line hints the ceremony layer puts in front of it. */
static char *failure_text(const run_ctx *rc, const char *unit, const GError *e)
{
	const char *msg = e->message;
	if (e->domain != MU_TKE_UNIT_ERROR)
		return g_strdup(msg);
	g_autofree char *from = g_strdup_printf("unit %s refused", unit);
	const char *at = strstr(msg, from);
	if (at != NULL)
		msg = at;
	if (e->code == MU_UNIT_ERR_QUORUM)
		return g_strdup_printf("%s. Nothing was changed: tick more signing cards (%zu "
		                       "ticked).",
		                       msg, rc->nsigners);
	return g_strdup_printf("%s. Nothing was changed.", msg);
}

static void outcome_text(GString *s, const mu_tke_outcome *out)
{
	g_string_append(s, " (");
	if (out->nsigs > 0)
		g_string_append_printf(s, "%zu signature%s, ", out->nsigs,
		                       out->nsigs == 1 ? "" : "s");
	g_string_append_printf(s, "transaction counter %" G_GUINT64_FORMAT, (guint64)out->counter);
	if (out->part_index != 0)
		g_string_append_printf(s, ", part %u of %u", out->part_index, out->parts_total);
	if (out->has_vp) {
		g_autofree char *vp = mu_tke_hex(out->vp, MU_VP_LEN);
		g_string_append_printf(s, ", VP %.16s…", vp);
	}
	if (out->has_key_count)
		g_string_append_printf(s, ", %u keys re-enciphered", out->key_count);
	g_string_append_c(s, ')');
}

/* Keeps the signers this command uses, in order: none for the unsigned
 * imprint form, and for a signed ADD ADMIN every card but the new admin's
 * own, which cannot sign its installation. Returns TRUE when that card was
 * left out. */
static gboolean keep_signers(run_ctx *rc)
{
	const mu_unit_job *j = rc->job;
	gboolean own = FALSE;
	size_t n = 0;
	for (size_t i = 0; i < rc->nsigners; i++) {
		gboolean drop = FALSE;
		if (j->kind == MU_UNIT_JOB_ADD_ADMIN) {
			own = own || memcmp(rc->signers[i].key_id, rc->cert_info.key_id,
			                    MU_UNIT_KEY_ID_LEN) == 0;
			drop = j->imprint || memcmp(rc->signers[i].key_id, rc->cert_info.key_id,
			                            MU_UNIT_KEY_ID_LEN) == 0;
		}
		if (drop) {
			mu_tke_signer_clear(&rc->signers[i]);
			continue;
		}
		if (n != i) {
			rc->signers[n] = rc->signers[i];
			memset(&rc->signers[i], 0, sizeof(rc->signers[i]));
		}
		n++;
	}
	rc->nsigners = n;
	return own && !j->imprint;
}

/* Runs the command on every unit (or the chosen one); one line each. */
static gboolean run_units(run_ctx *rc, GString *report, GCancellable *cancel, GError **error)
{
	mu_unit_job *j = rc->job;
	const mu_tke_unit *only = NULL;
	if (j->unit != NULL && (only = mu_tke_instance_find_unit(rc->inst, j->unit, error)) == NULL)
		return FALSE;
	if (keep_signers(rc))
		g_string_append(report,
		                "The new admin's own card does not sign its installation.\n");
	if (rc->countersign == NULL && rc->nsigners > 0)
		rc->countersign = rc->signers[0].card;
	g_autofree char *done = done_text(rc);
	gboolean all_ok = TRUE;
	for (size_t i = 0; i < mu_tke_instance_n_units(rc->inst); i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(rc->inst, i);
		if (only != NULL && unit != only)
			continue;
		if (g_cancellable_is_cancelled(cancel)) {
			g_string_append_printf(report, "%s: not done, the window was closed.\n",
			                       unit->name);
			all_ok = FALSE;
			continue;
		}
		mu_tke_outcome out;
		memset(&out, 0, sizeof(out));
		g_autoptr(GError) e = NULL;
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(rc->inst, unit, &e);
		gboolean ok = c != NULL && run_on_unit(rc, c, &out, &e);
		g_autoptr(GError) je = NULL;
		gboolean journaled =
		    rc->journal == NULL ||
		    mu_tke_journal_record_step(rc->journal, rc->step_name, unit->name, c, ok, &out,
		                               e, rc->signers, rc->nsigners, rc->countersign, &je);
		if (ok) {
			g_string_append_printf(report, "%s: %s", unit->name, done);
			outcome_text(report, &out);
			g_string_append(report, ".\n");
		} else {
			g_autofree char *why = failure_text(rc, unit->name, e);
			g_string_append_printf(report, "%s: not done. %s\n", unit->name, why);
			all_ok = FALSE;
		}
		if (!journaled) {
			/* no step without its record: stop before the next unit */
			g_string_append_printf(report,
			                       "Stopped: the journal record for %s could not be "
			                       "written: %s\n",
			                       unit->name, je->message);
			all_ok = FALSE;
			break;
		}
	}
	return all_ok;
}

static const char *journal_step_name(const mu_unit_job *j)
{
	if (j->kind == MU_UNIT_JOB_ADD_ADMIN)
		return j->imprint ? "add-admin-imprint" : mu_tke_step_name(MU_TKE_STEP_ADD_ADMIN);
	if (j->kind == MU_UNIT_JOB_LOAD_PART)
		return "load-part";
	return mu_tke_step_name(j->step);
}

/* The task data of a run: the job and what the worker found. */
typedef struct run_data {
	mu_unit_job *job;
	gboolean all_ok;
} run_data;

static void run_data_free(gpointer p)
{
	run_data *d = p;
	mu_unit_job_free(d->job);
	g_free(d);
}

static void run_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	run_data *d = data;
	run_ctx rc;
	memset(&rc, 0, sizeof(rc));
	rc.job = d->job;
	rc.step_name = journal_step_name(rc.job);
	GError *error = NULL;
	gboolean ok = (rc.inst = mu_tke_instance_load(rc.job->instance, &error)) != NULL &&
	              (rc.b = mu_gui_backend_open(&error)) != NULL;
	if (ok && rc.job->kind == MU_UNIT_JOB_ADD_ADMIN)
		ok = read_admin_cert(&rc, &error);
	if (ok)
		ok = open_cards(&rc, &error);
	if (ok && rc.job->kind == MU_UNIT_JOB_LOAD_PART) {
		/* the key-part card countersigns when it holds an admin key */
		mu_card_info info;
		if (mu_card_info_get(rc.part_card, &info) == MU_SC_OK && info.has_sigkey)
			rc.countersign = rc.part_card;
	}
	if (ok && rc.job->journal != NULL &&
	    (rc.journal = mu_tke_journal_open(rc.job->journal, &error)) == NULL) {
		g_prefix_error(&error, "the ceremony journal %s: ", rc.job->journal);
		ok = FALSE;
	}
	/* every PIN is wiped by now, whatever happened */
	for (size_t i = 0; i < rc.job->nsigners; i++)
		mu_memzero(rc.job->signers[i].pin, sizeof(rc.job->signers[i].pin));
	mu_memzero(rc.job->card_pin, sizeof(rc.job->card_pin));
	GString *report = g_string_new(NULL);
	if (ok) {
		d->all_ok = run_units(&rc, report, cancel, &error);
		ok = error == NULL;
	}
	run_ctx_clear(&rc);
	if (!ok) {
		g_string_free(report, TRUE);
		g_prefix_error(&error, "Nothing was sent to the units: ");
		g_task_return_error(task, error);
		return;
	}
	if (report->len > 0 && report->str[report->len - 1] == '\n')
		g_string_truncate(report, report->len - 1);
	g_task_return_pointer(task, g_string_free(report, FALSE), g_free);
}

void mu_unit_job_run_async(mu_unit_job *j, GCancellable *cancel, GAsyncReadyCallback cb,
                           gpointer user_data)
{
	run_data *d = g_new0(run_data, 1);
	d->job = j;
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, user_data);
	/* a started command runs to its end: the result says what each unit did */
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, d, run_data_free);
	g_task_run_in_thread(task, run_thread);
}

char *mu_unit_job_run_finish(GAsyncResult *res, gboolean *all_ok, GError **error)
{
	char *text = g_task_propagate_pointer(G_TASK(res), error);
	const run_data *d = g_task_get_task_data(G_TASK(res));
	if (all_ok != NULL)
		*all_ok = text != NULL && d->all_ok;
	return text;
}
