/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-units-page.h"

#include <string.h>

#include "mu-gui-util.h"
#include "mu-signers-dialog.h"
#include "mu-tke-client.h"
#include "mu-tke-instance.h"
#include "mu-tke-status.h"
#include "mu-unit-jobs.h"
#include "mu-unit-proto.h"

/* The page's commands, in the order of their buttons. */
typedef enum {
	CMD_ADD_ADMIN,
	CMD_REMOVE_ADMIN,
	CMD_THRESHOLDS,
	CMD_LOAD_PART,
	CMD_COMMIT,
	CMD_SET_IMMEDIATE,
	CMD_ROTATE,
	CMD_CLEAR_NEW,
	CMD_CLEAR_CURRENT,
	CMD_ZEROIZE,
	N_CMDS,
} page_cmd;

static const struct cmd_def {
	const char *name;  /* button label and accessible name, dialog title */
	const char *child; /* template id of the button */
	mu_tke_step step;
	uint16_t unit_cmd; /* for the signature count */
	const char *does;  /* what the signed command does, for the dialog */
} cmd_defs[N_CMDS] = {
    [CMD_ADD_ADMIN] = {"Add admin", "add_admin", MU_TKE_STEP_ADD_ADMIN, MU_UNIT_CMD_ADD_ADMIN,
                       NULL},
    [CMD_REMOVE_ADMIN] = {"Remove admin", "remove_admin", MU_TKE_STEP_REMOVE_ADMIN,
                          MU_UNIT_CMD_REMOVE_ADMIN, NULL},
    [CMD_THRESHOLDS] = {"Set thresholds", "thresholds", MU_TKE_STEP_SET_THRESHOLDS,
                        MU_UNIT_CMD_SET_THRESHOLDS, NULL},
    [CMD_LOAD_PART] = {"Load key part", "load_part", MU_TKE_STEP_COMMIT, MU_UNIT_CMD_LOAD_PART,
                       NULL},
    [CMD_COMMIT] = {"Commit", "commit", MU_TKE_STEP_COMMIT, MU_UNIT_CMD_COMMIT,
                    "COMMIT: commit the fully loaded new master key register, with its VP"},
    [CMD_SET_IMMEDIATE] = {"Set immediate", "set_immediate", MU_TKE_STEP_SET_IMMEDIATE,
                           MU_UNIT_CMD_SET_IMMEDIATE,
                           "SET IMMEDIATE: the committed new master key becomes current "
                           "(first set-up)"},
    [CMD_ROTATE] = {"Rotate", "rotate", MU_TKE_STEP_ROTATE, MU_UNIT_CMD_ROTATE,
                    "ROTATE: re-encipher every stored key under the new master key, which "
                    "then becomes current"},
    [CMD_CLEAR_NEW] = {"Clear new", "clear_new", MU_TKE_STEP_CLEAR_NEW, MU_UNIT_CMD_CLEAR_NEW,
                       "CLEAR NEW: empty the new master key register"},
    [CMD_CLEAR_CURRENT] = {"Clear current", "clear_current", MU_TKE_STEP_CLEAR_CURRENT,
                           MU_UNIT_CMD_CLEAR_CURRENT,
                           "CLEAR CURRENT: empty the current master key register"},
    [CMD_ZEROIZE] = {"Zeroize", "zeroize", MU_TKE_STEP_ZEROIZE, MU_UNIT_CMD_ZEROIZE,
                     "ZEROIZE: wipe admins, thresholds, both master key registers and key "
                     "storage; the unit returns to imprint mode"},
};

/* What the last read of the units found. */
typedef struct {
	char *instance;
	char *name;
	GPtrArray *units;   /* char * */
	GPtrArray *trust;   /* char *: "verified ..." or the error */
	GArray *trusted;    /* gboolean */
	mu_unit_status *st; /* one per unit, valid where trusted */
	mu_tke_compare *cmp;
} units_job;

struct _MuUnitsPage {
	GtkBox parent;
	GtkLabel *status;
	GtkGrid *grid;
	GtkWidget *refresh;
	GtkSpinner *spinner;
	GtkWidget *buttons[N_CMDS];
	char *instance, *journal;
	GCancellable *cancel;
	units_job *shown; /* the last successful read, NULL before */
	gboolean loading, busy;
};

G_DEFINE_TYPE(MuUnitsPage, mu_units_page, GTK_TYPE_BOX)

static void units_job_free(gpointer p)
{
	units_job *j = p;
	if (j == NULL)
		return;
	g_free(j->instance);
	g_free(j->name);
	if (j->units != NULL)
		g_ptr_array_unref(j->units);
	if (j->trust != NULL)
		g_ptr_array_unref(j->trust);
	if (j->trusted != NULL)
		g_array_unref(j->trusted);
	g_free(j->st);
	mu_tke_compare_free(&j->cmp);
	g_free(j);
}

static void units_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	units_job *j = g_new0(units_job, 1);
	j->instance = g_strdup(data);
	GError *error = NULL;
	g_autoptr(mu_tke_instance) inst = mu_tke_instance_load(j->instance, &error);
	if (inst == NULL) {
		g_prefix_error(&error, "instance file %s: ", j->instance);
		units_job_free(j);
		g_task_return_error(task, error);
		return;
	}
	j->name = g_strdup(mu_tke_instance_name(inst));
	size_t n = mu_tke_instance_n_units(inst);
	j->units = g_ptr_array_new_with_free_func(g_free);
	j->trust = g_ptr_array_new_with_free_func(g_free);
	j->trusted = g_array_new(FALSE, TRUE, sizeof(gboolean));
	j->st = g_new0(mu_unit_status, n);
	const mu_unit_status **sts = g_new0(const mu_unit_status *, n);
	for (size_t i = 0; i < n; i++) {
		const mu_tke_unit *u = mu_tke_instance_unit(inst, i);
		g_autoptr(GError) e = NULL;
		if (g_task_return_error_if_cancelled(task)) {
			/* the page is gone: do not wait for the other units */
			g_free(sts);
			units_job_free(j);
			return;
		}
		g_ptr_array_add(j->units, g_strdup(u->name));
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(inst, u, &e);
		gboolean ok = c != NULL && mu_tke_status_fetch(c, &j->st[i], &e);
		if (ok) {
			sts[i] = &j->st[i];
			g_ptr_array_add(j->trust, g_strdup("✓ OA chain verified"));
		} else {
			g_ptr_array_add(j->trust, g_strdup_printf("✗ not verified: %s",
			                                          e != NULL ? e->message : "?"));
		}
		g_array_append_val(j->trusted, ok);
	}
	j->cmp = mu_tke_compare_new(n, (const char *const *)j->units->pdata, sts);
	g_free(sts);
	g_task_return_pointer(task, j, units_job_free);
}

static void update_buttons(MuUnitsPage *p)
{
	gboolean can = p->shown != NULL && !p->busy && !p->loading;
	for (int i = 0; i < N_CMDS; i++)
		gtk_widget_set_sensitive(p->buttons[i], can);
	gtk_widget_set_sensitive(p->refresh, !p->busy && !p->loading);
	if (p->busy || p->loading)
		gtk_spinner_start(p->spinner);
	else
		gtk_spinner_stop(p->spinner);
}

static GtkWidget *cell(const char *text, const char *a11y, gboolean differs)
{
	GtkWidget *l = gtk_label_new(text != NULL ? text : "?");
	gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
	gtk_label_set_selectable(GTK_LABEL(l), TRUE);
	gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_MIDDLE);
	gtk_label_set_max_width_chars(GTK_LABEL(l), 40);
	if (differs)
		gtk_style_context_add_class(gtk_widget_get_style_context(l), "mu-differs");
	if (a11y != NULL)
		mu_gui_name(l, a11y, text);
	return l;
}

static void clear_grid(MuUnitsPage *p)
{
	GList *kids = gtk_container_get_children(GTK_CONTAINER(p->grid));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
}

static void show_units(MuUnitsPage *p, units_job *j)
{
	clear_grid(p);
	size_t n = j->units->len;
	gtk_grid_attach(p->grid, cell("", NULL, FALSE), 0, 0, 1, 1);
	for (size_t u = 0; u < n; u++) {
		g_autofree char *h = g_strdup_printf("<b>%s</b>", (char *)j->units->pdata[u]);
		GtkWidget *l = cell(NULL, NULL, FALSE);
		gtk_label_set_markup(GTK_LABEL(l), h);
		gtk_grid_attach(p->grid, l, (int)u + 1, 0, 1, 1);
		g_autofree char *tn = g_strdup_printf("trust %s", (char *)j->units->pdata[u]);
		GtkWidget *t = cell(j->trust->pdata[u], tn, FALSE);
		gtk_style_context_add_class(
		    gtk_widget_get_style_context(t),
		    g_array_index(j->trusted, gboolean, u) ? "mu-trusted" : "mu-untrusted");
		gtk_grid_attach(p->grid, t, (int)u + 1, 1, 1, 1);
	}
	gtk_grid_attach(p->grid, cell("trust", NULL, FALSE), 0, 1, 1, 1);
	size_t rows = mu_tke_compare_n_rows(j->cmp);
	for (size_t r = 0; r < rows; r++) {
		const mu_tke_compare_row *row = mu_tke_compare_row_at(j->cmp, r);
		g_autofree char *label =
		    g_strdup_printf("%s%s", row->label, row->differs ? "  ≠" : "");
		gtk_grid_attach(p->grid, cell(label, NULL, row->differs), 0, (int)r + 2, 1, 1);
		for (size_t u = 0; u < n; u++) {
			g_autofree char *a11y =
			    g_strdup_printf("%s %s", (char *)j->units->pdata[u], row->key);
			gtk_grid_attach(p->grid, cell(row->values[u], a11y, row->differs),
			                (int)u + 1, (int)r + 2, 1, 1);
		}
	}
	gtk_widget_show_all(GTK_WIDGET(p->grid));
	size_t diffs = mu_tke_compare_n_differences(j->cmp);
	g_autofree char *st = NULL;
	if (diffs == 0)
		st = g_strdup_printf("Instance %s: %zu units, no differences", j->name, n);
	else if (diffs == 1)
		st = g_strdup_printf("Instance %s: %zu units, 1 difference (highlighted)", j->name,
		                     n);
	else
		st = g_strdup_printf("Instance %s: %zu units, %zu differences (highlighted)",
		                     j->name, n, diffs);
	gtk_label_set_text(p->status, st);
}

static void units_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuUnitsPage *p = MU_UNITS_PAGE(src);
	g_autoptr(GError) error = NULL;
	units_job *j = g_task_propagate_pointer(G_TASK(res), &error);
	p->loading = FALSE;
	if (j == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return;
		g_clear_pointer(&p->shown, units_job_free);
		update_buttons(p);
		clear_grid(p);
		gtk_label_set_text(p->status, error->message);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_WARNING, error->message);
		return;
	}
	units_job_free(p->shown);
	p->shown = j;
	update_buttons(p);
	show_units(p, j);
}

void mu_units_page_refresh(MuUnitsPage *p)
{
	if (p->instance == NULL) {
		gtk_label_set_text(p->status,
		                   "No instance file: start openmu with --instance FILE, set "
		                   "$OPENMU_INSTANCE, or set the instance-file setting "
		                   "(gsettings set org.openmu.Openmu instance-file FILE).");
		return;
	}
	if (p->loading || p->busy)
		return;
	p->loading = TRUE;
	update_buttons(p);
	gtk_label_set_text(p->status, "Reading the units…");
	g_autoptr(GTask) task = g_task_new(p, p->cancel, units_done, NULL);
	g_task_set_task_data(task, g_strdup(p->instance), g_free);
	g_task_run_in_thread(task, units_thread);
}

static void on_refresh(GtkButton *b, gpointer data)
{
	mu_units_page_refresh(data);
}

/* ---- commands ---- */

/* TRUE once the page is being destroyed: completions touch nothing then. */
static gboolean page_gone(MuUnitsPage *p)
{
	return p->cancel == NULL || g_cancellable_is_cancelled(p->cancel);
}

/* One open command dialog: the cards read for it and its fields. */
typedef struct cmd_ctx {
	MuUnitsPage *page; /* a reference */
	page_cmd cmd;
	MuSignersDialog *dlg;
	GPtrArray *cards;             /* mu_unit_card * */
	GPtrArray *values;            /* per choice: mu_unit_card * (ADD, LOAD) or admin (REMOVE) */
	GArray *slots;                /* LOAD: per choice, the slot */
	GtkSpinButton *spin1, *spin2; /* THRESHOLDS: sig, rev; LOAD: parts (spin1) */
	GtkWidget *part_pin;          /* LOAD: the key-part card's PIN */
	gboolean imprint;             /* every unit acted on is in imprint mode */
} cmd_ctx;

static void cmd_ctx_free(gpointer p)
{
	cmd_ctx *c = p;
	g_ptr_array_unref(c->cards);
	g_ptr_array_unref(c->values);
	g_array_unref(c->slots);
	g_object_unref(c->page);
	g_free(c);
}

static int chosen(const cmd_ctx *c)
{
	return mu_signers_dialog_choice(c->dlg);
}

/* The units the command acts on: indexes into shown (all, or the chosen). */
static GArray *targets(const cmd_ctx *c)
{
	const units_job *j = c->page->shown;
	const char *only = mu_signers_dialog_unit(c->dlg);
	GArray *t = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint i = 0; i < j->units->len; i++)
		if (only == NULL || strcmp(only, j->units->pdata[i]) == 0)
			g_array_append_val(t, i);
	return t;
}

static char *targets_text(const cmd_ctx *c, const GArray *t)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < t->len; k++) {
		if (k > 0)
			g_string_append(s, k + 1 == t->len ? " and " : ", ");
		g_string_append(s, c->page->shown->units->pdata[g_array_index(t, guint, k)]);
	}
	return g_string_free(s, FALSE);
}

/* What the command will sign, for the chosen fields. */
static char *what_text(const cmd_ctx *c, const char *on, gboolean imprint)
{
	int k = chosen(c);
	switch (c->cmd) {
	case CMD_ADD_ADMIN: {
		if (k < 0)
			return g_strdup_printf("ADD ADMIN on %s: choose the new admin's card.", on);
		const mu_unit_card *uc = c->values->pdata[k];
		g_autofree char *id = mu_tke_hex(uc->info.admin_key_id, 8);
		return g_strdup_printf("ADD ADMIN on %s: install admin %s (key id %s…), "
		                       "certificate read from the card in reader %s.%s",
		                       on, uc->info.admin_name, id, uc->reader,
		                       imprint ? " In imprint mode: the unsigned form is sent."
		                               : " The new admin's own card does not sign.");
	}
	case CMD_REMOVE_ADMIN: {
		if (k < 0)
			return g_strdup_printf("REMOVE ADMIN on %s: choose the admin.", on);
		const mu_unit_status_admin *a = c->values->pdata[k];
		g_autofree char *id = mu_tke_hex(a->key_id, 8);
		return g_strdup_printf("REMOVE ADMIN on %s: remove admin %s (key id %s…).", on,
		                       a->name, id);
	}
	case CMD_THRESHOLDS:
		return g_strdup_printf("SET THRESHOLDS on %s: signature threshold %d, revocation "
		                       "threshold %d.%s",
		                       on, gtk_spin_button_get_value_as_int(c->spin1),
		                       gtk_spin_button_get_value_as_int(c->spin2),
		                       imprint ? " This ends imprint mode." : "");
	case CMD_LOAD_PART: {
		if (k < 0)
			return g_strdup_printf("LOAD PART on %s: choose the key part.", on);
		const mu_unit_card *uc = c->values->pdata[k];
		return g_strdup_printf(
		    "GENERATE IMPORTER and LOAD PART on %s: key part in slot %u of the card in "
		    "reader %s, one of %d parts. The card checks each unit before it seals the "
		    "part for it.",
		    on, g_array_index(c->slots, unsigned, k), uc->reader,
		    gtk_spin_button_get_value_as_int(c->spin1));
	}
	default:
		return g_strdup_printf("%s, on %s.", cmd_defs[c->cmd].does, on);
	}
}

/* Recomputes what is signed and the signatures needed (from the STATUS
 * shown), ARCHITECTURE.md §2. */
static void dialog_update(MuSignersDialog *d, gpointer data)
{
	cmd_ctx *c = data;
	const units_job *j = c->page->shown;
	g_autoptr(GArray) t = targets(c);
	g_autofree char *on = targets_text(c, t);
	int need = 0;
	gboolean imprint = t->len > 0;
	uint8_t new_sig =
	    c->cmd == CMD_THRESHOLDS ? (uint8_t)gtk_spin_button_get_value_as_int(c->spin1) : 0;
	for (guint k = 0; k < t->len; k++) {
		guint u = g_array_index(t, guint, k);
		const mu_unit_status *st = &j->st[u];
		imprint = imprint && g_array_index(j->trusted, gboolean, u) && st->imprint;
		if (!g_array_index(j->trusted, gboolean, u))
			continue;
		int n = mu_unit_cmd_required_sigs(cmd_defs[c->cmd].unit_cmd, st->sig_threshold,
		                                  st->rev_threshold, new_sig);
		need = MAX(need, n);
	}
	const char *why = NULL;
	if (c->cmd == CMD_ADD_ADMIN || c->cmd == CMD_COMMIT)
		why = "the signature threshold";
	else if (c->cmd == CMD_REMOVE_ADMIN)
		why = "the revocation threshold";
	else if (c->cmd == CMD_THRESHOLDS)
		why = imprint ? "in imprint mode, the new signature threshold"
		              : "the signature threshold";
	else
		why = "one admin signs this command";
	if (c->cmd == CMD_ADD_ADMIN && imprint)
		why = "the units are in imprint mode";
	if (c->cmd == CMD_ZEROIZE && need == 0)
		why = "the units are in imprint mode";
	if (c->values->len > 0 && chosen(c) < 0) {
		need = -1;
		why = "Choose one of the above first.";
	} else if ((c->cmd == CMD_ADD_ADMIN || c->cmd == CMD_REMOVE_ADMIN ||
	            c->cmd == CMD_LOAD_PART) &&
	           c->values->len == 0) {
		need = -1;
		why =
		    c->cmd == CMD_REMOVE_ADMIN
		        ? "No admin is installed on these units."
		        : "No suitable EP11 card is in a reader: insert it, then open this again.";
	}
	c->imprint = imprint;
	g_autofree char *what = what_text(c, on, imprint);
	mu_signers_dialog_set_need(d, what, need, why);
	if (c->part_pin != NULL) {
		int k = chosen(c);
		const mu_unit_card *uc = k >= 0 ? c->values->pdata[k] : NULL;
		/* a key-part card that also signs gives its PIN once, as a signer */
		gtk_widget_set_sensitive(c->part_pin,
		                         uc != NULL && !mu_signers_dialog_ticked(d, uc->reader));
	}
}

static void on_field_changed(GtkWidget *w, gpointer data)
{
	cmd_ctx *c = data;
	mu_signers_dialog_update(c->dlg);
}

/* An entry of the command's choice list, with what it stands for. */
static void add_choice(cmd_ctx *c, const char *label, const char *text, const char *a11y,
                       gconstpointer value, unsigned slot)
{
	mu_signers_dialog_add_choice(c->dlg, label, text, a11y);
	g_ptr_array_add(c->values, (gpointer)value);
	g_array_append_val(c->slots, slot);
}

static GtkSpinButton *add_spin(cmd_ctx *c, const char *label, const char *a11y, int lo, int hi,
                               int value)
{
	GtkWidget *s = gtk_spin_button_new_with_range(lo, hi, 1);
	gtk_spin_button_set_value(GTK_SPIN_BUTTON(s), CLAMP(value, lo, hi));
	gtk_widget_set_hexpand(s, FALSE);
	g_signal_connect(s, "value-changed", G_CALLBACK(on_field_changed), c);
	mu_signers_dialog_add_param(c->dlg, label, s, a11y);
	return GTK_SPIN_BUTTON(s);
}

/* The fields of each command. */
static void add_fields(cmd_ctx *c)
{
	const units_job *j = c->page->shown;
	const char *what = c->cmd == CMD_ADD_ADMIN ? "New admin's card:" : "Key part:";
	const mu_unit_status *first = NULL;
	for (guint u = 0; u < j->units->len && first == NULL; u++)
		if (g_array_index(j->trusted, gboolean, u))
			first = &j->st[u];
	switch (c->cmd) {
	case CMD_ADD_ADMIN:
	case CMD_LOAD_PART:
		for (guint i = 0; i < c->cards->len; i++) {
			mu_unit_card *uc = c->cards->pdata[i];
			if (!uc->readable || uc->info.type != MU_CARD_TYPE_EP11)
				continue;
			if (c->cmd == CMD_ADD_ADMIN && uc->info.has_sigkey) {
				g_autofree char *t = g_strdup_printf(
				    "%s (reader %s)", uc->info.admin_name, uc->reader);
				g_autofree char *a =
				    g_strdup_printf("new admin %s", uc->info.admin_name);
				add_choice(c, what, t, a, uc, 0);
			}
			for (size_t k = 0; c->cmd == CMD_LOAD_PART && k < uc->nparts; k++) {
				const mu_keypart_info *kp = &uc->parts[k];
				g_autofree char *vp = mu_tke_hex(kp->vp, 8);
				g_autofree char *t = g_strdup_printf(
				    "slot %u: %s — VP %s… (card %s, reader %s)", kp->slot, kp->desc,
				    vp, uc->info.label, uc->reader);
				g_autofree char *a = g_strdup_printf("key part %s", kp->desc);
				add_choice(c, what, t, a, uc, kp->slot);
			}
		}
		if (c->cmd == CMD_LOAD_PART) {
			int total = first != NULL && first->new_total != 0 ? first->new_total : 3;
			c->spin1 =
			    add_spin(c, "Parts of the master key:", "parts total", 2, 3, total);
			c->part_pin = mu_signers_dialog_add_pin(c->dlg, "key-part card PIN",
			                                        "PIN of the key-part card:");
		}
		break;
	case CMD_REMOVE_ADMIN:
		/* every admin installed on any unit, once */
		for (guint u = 0; u < j->units->len; u++) {
			if (!g_array_index(j->trusted, gboolean, u))
				continue;
			for (size_t a = 0; a < j->st[u].nadmins; a++) {
				const mu_unit_status_admin *ad = &j->st[u].admins[a];
				gboolean seen = FALSE;
				for (guint k = 0; k < c->values->len && !seen; k++)
					seen = memcmp(((mu_unit_status_admin *)c->values->pdata[k])
					                  ->key_id,
					              ad->key_id, MU_UNIT_KEY_ID_LEN) == 0;
				if (seen)
					continue;
				g_autofree char *id = mu_tke_hex(ad->key_id, 8);
				g_autofree char *t =
				    g_strdup_printf("%s (key id %s…)", ad->name, id);
				g_autofree char *n = g_strdup_printf("remove admin %s", ad->name);
				add_choice(c, "Admin:", t, n, ad, 0);
			}
		}
		break;
	case CMD_THRESHOLDS:
		c->spin1 = add_spin(c, "Signature threshold:", "signature threshold", 1, 8,
		                    first != NULL ? first->sig_threshold : 1);
		c->spin2 = add_spin(c, "Revocation threshold:", "revocation threshold", 1, 8,
		                    first != NULL ? first->rev_threshold : 1);
		break;
	default:
		break;
	}
}

static gboolean take_signer(const char *reader, const char *pin, gpointer data)
{
	return mu_unit_job_add_signer(data, reader, pin);
}

/* The job of the dialog's command, with the PINs taken out of it. */
static mu_unit_job *build_job(cmd_ctx *c, GError **error)
{
	MuUnitsPage *p = c->page;
	const char *unit = mu_signers_dialog_unit(c->dlg);
	int k = chosen(c);
	mu_unit_job_kind kind = c->cmd == CMD_ADD_ADMIN   ? MU_UNIT_JOB_ADD_ADMIN
	                        : c->cmd == CMD_LOAD_PART ? MU_UNIT_JOB_LOAD_PART
	                                                  : MU_UNIT_JOB_STEP;
	mu_unit_job *job = mu_unit_job_new(kind, p->instance, p->journal, unit);
	job->step = cmd_defs[c->cmd].step;
	gboolean pin_ok = TRUE;
	if (c->cmd == CMD_ADD_ADMIN) {
		const mu_unit_card *uc = c->values->pdata[k];
		job->card_reader = g_strdup(uc->reader);
		job->imprint = c->imprint;
	} else if (c->cmd == CMD_REMOVE_ADMIN) {
		memcpy(job->key_id, ((mu_unit_status_admin *)c->values->pdata[k])->key_id,
		       MU_UNIT_KEY_ID_LEN);
	} else if (c->cmd == CMD_THRESHOLDS) {
		job->sig_threshold = (uint8_t)gtk_spin_button_get_value_as_int(c->spin1);
		job->rev_threshold = (uint8_t)gtk_spin_button_get_value_as_int(c->spin2);
	} else if (c->cmd == CMD_LOAD_PART) {
		const mu_unit_card *uc = c->values->pdata[k];
		job->card_reader = g_strdup(uc->reader);
		job->slot = g_array_index(c->slots, unsigned, k);
		job->parts = (uint8_t)gtk_spin_button_get_value_as_int(c->spin1);
		if (gtk_widget_get_sensitive(c->part_pin))
			pin_ok = mu_unit_job_copy_pin(job->card_pin,
			                              gtk_entry_get_text(GTK_ENTRY(c->part_pin)));
	}
	/* PINs into the job's buffers; every entry is cleared here */
	if (!mu_signers_dialog_take(c->dlg, take_signer, job) || !pin_ok) {
		mu_unit_job_free(job);
		g_set_error(error, MU_GUI_ERROR, 1, "a PIN is too long: nothing was done");
		return NULL;
	}
	return job;
}

static void job_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuUnitsPage *p = data;
	g_autoptr(GError) error = NULL;
	gboolean all_ok = FALSE;
	g_autofree char *text = mu_unit_job_run_finish(res, &all_ok, &error);
	GApplication *app = g_application_get_default();
	if (app != NULL)
		g_application_release(app);
	p->busy = FALSE;
	if (!page_gone(p)) {
		if (text == NULL)
			mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		else
			mu_gui_report(GTK_WIDGET(p),
			              all_ok ? GTK_MESSAGE_INFO : GTK_MESSAGE_WARNING, text);
		update_buttons(p);
		mu_units_page_refresh(p);
	} else {
		/* the window is closed: what the units did still goes on record */
		g_message("%s", text != NULL ? text : error->message);
	}
	g_object_unref(p);
}

static void start_job(MuUnitsPage *p, mu_unit_job *job, const char *name)
{
	p->busy = TRUE;
	update_buttons(p);
	g_autofree char *msg = g_strdup_printf("%s: working with the cards and the units…", name);
	mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_INFO, msg);
	/* closing the window must not end the process while a unit is being
	 * changed and its journal record written: the job stops after it */
	GApplication *app = g_application_get_default();
	if (app != NULL)
		g_application_hold(app);
	mu_unit_job_run_async(job, p->cancel, job_done, g_object_ref(p));
}

static void on_confirm(GtkDialog *confirm, int response, gpointer data)
{
	MuUnitsPage *p = data;
	mu_unit_job *job =
	    response == GTK_RESPONSE_OK ? g_object_steal_data(G_OBJECT(confirm), "mu-job") : NULL;
	gtk_widget_destroy(GTK_WIDGET(confirm)); /* wipes and frees a job left there */
	if (job == NULL) {
		p->busy = FALSE;
		update_buttons(p);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_INFO,
		              "Zeroize cancelled: nothing was done.");
		return;
	}
	start_job(p, job, cmd_defs[CMD_ZEROIZE].name);
}

/* Zeroize asks once more, naming the units (on: their names, n: how many). */
static void confirm_zeroize(MuUnitsPage *p, mu_unit_job *job, const char *on, guint n)
{
	GtkWindow *top = GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(p)));
	GtkWidget *d =
	    gtk_message_dialog_new(top, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
	                           GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "Zeroize %s?", on);
	gtk_message_dialog_format_secondary_text(
	    GTK_MESSAGE_DIALOG(d),
	    "This wipes the admins, the thresholds, both master key registers and every stored "
	    "key of %s, and returns %s to imprint mode. It cannot be undone.",
	    on, n == 1 ? "it" : "them");
	gtk_window_set_title(GTK_WINDOW(d), "Zeroize");
	mu_gui_name(d, "Confirm zeroize", NULL);
	GtkWidget *no = gtk_dialog_add_button(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL);
	GtkWidget *yes = gtk_dialog_add_button(GTK_DIALOG(d), "Zeroize", GTK_RESPONSE_OK);
	gtk_style_context_add_class(gtk_widget_get_style_context(yes), "destructive-action");
	mu_gui_name(no, "Cancel", NULL);
	mu_gui_name(yes, "Zeroize now", NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
	g_object_set_data_full(G_OBJECT(d), "mu-job", job, (GDestroyNotify)mu_unit_job_free);
	g_signal_connect_object(d, "response", G_CALLBACK(on_confirm), p, 0);
	gtk_widget_show(d);
}

static void on_dialog_response(GtkDialog *d, int response, gpointer data)
{
	cmd_ctx *c = data;
	g_autoptr(MuUnitsPage) p = g_object_ref(c->page);
	mu_unit_job *job = NULL;
	g_autoptr(GError) error = NULL;
	if (page_gone(p)) {
		/* the units read for the dialog are gone with the page */
		mu_signers_dialog_take(c->dlg, NULL, NULL);
		gtk_widget_destroy(GTK_WIDGET(d));
		return;
	}
	if (response == GTK_RESPONSE_OK)
		job = build_job(c, &error);
	else
		mu_signers_dialog_take(c->dlg, NULL, NULL); /* clears the PIN entries */
	page_cmd cmd = c->cmd;
	g_autoptr(GArray) t = targets(c);
	g_autofree char *on = targets_text(c, t);
	gtk_widget_destroy(GTK_WIDGET(d)); /* frees c */
	if (job == NULL) {
		p->busy = FALSE;
		update_buttons(p);
		if (error != NULL)
			mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		return;
	}
	if (cmd == CMD_ZEROIZE)
		confirm_zeroize(p, job, on, t->len);
	else
		start_job(p, job, cmd_defs[cmd].name);
}

static void cards_done(GObject *src, GAsyncResult *res, gpointer data)
{
	cmd_ctx *c = data;
	MuUnitsPage *p = c->page;
	g_autoptr(GError) error = NULL;
	c->cards = mu_unit_cards_finish(res, &error);
	if (c->cards == NULL || page_gone(p) || p->shown == NULL) {
		if (c->cards == NULL)
			c->cards = g_ptr_array_new();
		if (!page_gone(p)) {
			p->busy = FALSE;
			update_buttons(p);
			if (error != NULL)
				mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		}
		cmd_ctx_free(c);
		return;
	}
	const struct cmd_def *def = &cmd_defs[c->cmd];
	GtkWindow *top = GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(p)));
	c->dlg = mu_signers_dialog_new(top, def->name, def->name);
	g_object_set_data_full(G_OBJECT(c->dlg), "mu-cmd", c, cmd_ctx_free);
	add_fields(c);
	mu_signers_dialog_set_units(c->dlg, (const char *const *)p->shown->units->pdata,
	                            p->shown->units->len);
	for (guint i = 0; i < c->cards->len; i++) {
		const mu_unit_card *uc = c->cards->pdata[i];
		if (uc->readable && uc->info.type == MU_CARD_TYPE_EP11 && uc->info.has_sigkey)
			mu_signers_dialog_add_card(c->dlg, uc->reader, uc->info.admin_name);
	}
	mu_signers_dialog_set_update(c->dlg, dialog_update, c);
	mu_signers_dialog_update(c->dlg);
	g_signal_connect(c->dlg, "response", G_CALLBACK(on_dialog_response), c);
	gtk_widget_show(GTK_WIDGET(c->dlg));
}

static void on_command(GtkButton *b, gpointer data)
{
	MuUnitsPage *p = data;
	if (p->busy || p->loading || p->shown == NULL)
		return;
	cmd_ctx *c = g_new0(cmd_ctx, 1);
	c->page = g_object_ref(p);
	c->cmd = (page_cmd)GPOINTER_TO_INT(g_object_get_data(G_OBJECT(b), "mu-cmd"));
	c->values = g_ptr_array_new();
	c->slots = g_array_new(FALSE, FALSE, sizeof(unsigned));
	p->busy = TRUE;
	update_buttons(p);
	/* the dialog offers the cards that are in the readers now */
	mu_unit_cards_async(p->cancel, cards_done, c);
}

static void mu_units_page_dispose(GObject *obj)
{
	MuUnitsPage *p = MU_UNITS_PAGE(obj);
	if (p->cancel != NULL)
		g_cancellable_cancel(p->cancel);
	g_clear_object(&p->cancel);
	g_clear_pointer(&p->instance, g_free);
	g_clear_pointer(&p->journal, g_free);
	g_clear_pointer(&p->shown, units_job_free);
	G_OBJECT_CLASS(mu_units_page_parent_class)->dispose(obj);
}

static void mu_units_page_class_init(MuUnitsPageClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = mu_units_page_dispose;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-units-page.ui");
	gtk_widget_class_bind_template_child(wc, MuUnitsPage, status);
	gtk_widget_class_bind_template_child(wc, MuUnitsPage, grid);
	gtk_widget_class_bind_template_child(wc, MuUnitsPage, refresh);
	gtk_widget_class_bind_template_child(wc, MuUnitsPage, spinner);
	gtk_widget_class_bind_template_callback(wc, on_refresh);
	for (int i = 0; i < N_CMDS; i++)
		gtk_widget_class_bind_template_child_full(wc, cmd_defs[i].child, FALSE, 0);
}

static void mu_units_page_init(MuUnitsPage *p)
{
	gtk_widget_init_template(GTK_WIDGET(p));
	p->cancel = g_cancellable_new();
	mu_gui_name(GTK_WIDGET(p->status), "units status", NULL);
	mu_gui_name(p->refresh, "Refresh units", NULL);
	mu_gui_name(GTK_WIDGET(p->spinner), "units busy", NULL);
	for (int i = 0; i < N_CMDS; i++) {
		GtkWidget *b = GTK_WIDGET(gtk_widget_get_template_child(
		    GTK_WIDGET(p), MU_TYPE_UNITS_PAGE, cmd_defs[i].child));
		p->buttons[i] = b;
		mu_gui_name(b, cmd_defs[i].name, NULL);
		g_object_set_data(G_OBJECT(b), "mu-cmd", GINT_TO_POINTER(i));
		g_signal_connect(b, "clicked", G_CALLBACK(on_command), p);
	}
	g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
	gtk_css_provider_load_from_resource(css, "/org/openmu/Openmu/ui/openmu.css");
	gtk_style_context_add_provider_for_screen(gdk_screen_get_default(), GTK_STYLE_PROVIDER(css),
	                                          GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

MuUnitsPage *mu_units_page_new(const char *instance, const char *journal)
{
	MuUnitsPage *p = g_object_new(MU_TYPE_UNITS_PAGE, NULL);
	p->instance = g_strdup(instance);
	p->journal = g_strdup(journal);
	mu_units_page_refresh(p);
	return p;
}
