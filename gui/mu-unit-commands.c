/* SPDX-License-Identifier: Apache-2.0 */
/* The command dialogs of the Crypto Units page (mu-units-page.c): for the
 * button pressed, the cards in the readers are read, a signers dialog
 * offers the command's fields and counts the signatures it needs from the
 * STATUS shown, and the job is built (PINs taken out of the dialog) and run
 * on the chosen units (mu-unit-jobs.h); zeroize asks once more. */
#include "mu-units-page-priv.h"

#include <string.h>

#include "mu-gui-util.h"
#include "mu-signers-dialog.h"
#include "mu-unit-jobs.h"
#include "mu-unit-proto.h"

const struct cmd_def mu_units_cmd_defs[N_CMDS] = {
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
		return g_strdup_printf("%s, on %s.", mu_units_cmd_defs[c->cmd].does, on);
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
		int n = mu_unit_cmd_required_sigs(mu_units_cmd_defs[c->cmd].unit_cmd,
		                                  st->sig_threshold, st->rev_threshold, new_sig);
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
	job->step = mu_units_cmd_defs[c->cmd].step;
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
		mu_units_page_update_buttons(p);
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
	mu_units_page_update_buttons(p);
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
		mu_units_page_update_buttons(p);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_INFO,
		              "Zeroize cancelled: nothing was done.");
		return;
	}
	start_job(p, job, mu_units_cmd_defs[CMD_ZEROIZE].name);
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
		mu_units_page_update_buttons(p);
		if (error != NULL)
			mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		return;
	}
	if (cmd == CMD_ZEROIZE)
		confirm_zeroize(p, job, on, t->len);
	else
		start_job(p, job, mu_units_cmd_defs[cmd].name);
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
			mu_units_page_update_buttons(p);
			if (error != NULL)
				mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		}
		cmd_ctx_free(c);
		return;
	}
	const struct cmd_def *def = &mu_units_cmd_defs[c->cmd];
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

void mu_units_page_on_command(GtkButton *b, gpointer data)
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
	mu_units_page_update_buttons(p);
	/* the dialog offers the cards that are in the readers now */
	mu_unit_cards_async(p->cancel, cards_done, c);
}
