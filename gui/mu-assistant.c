/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-assistant.h"

#include <string.h>

#include "mu-ceremony-jobs.h"
#include "mu-gui-util.h"
#include "mu-pin-dialog.h"
#include "mu-secret.h"

struct _MuAssistant {
	GtkAssistant parent;
	GtkWidget *plan_page, *preview_page, *run_page, *summary;
	GtkToggleButton *from_file, *from_scratch;
	GtkEntry *plan_path;
	GtkGrid *form;
	GtkSpinner *preview_spinner, *run_spinner;
	GtkLabel *preview_status, *preview_cards, *preview_steps, *preview_signing;
	GtkWidget *check_again, *resume;
	GtkProgressBar *run_progress;
	GtkLabel *run_status, *run_log;
	/* the form */
	GtkComboBoxText *admin[MU_CEREMONY_ADMINS_MAX], *part[3], *parts, *finish;
	GtkSpinButton *sig, *rev, *slot[3];
	char *instance, *journal;
	GCancellable *cancel;
	GString *log;
	size_t nsteps;   /* steps left when the run (or preview) started: 100 % */
	size_t step_now; /* the step the run is at */
	gboolean busy, closed;
};

G_DEFINE_TYPE(MuAssistant, mu_assistant, GTK_TYPE_ASSISTANT)

static void start_preview(MuAssistant *a);
static void start_run(MuAssistant *a);

/* ---- the plan page ---- */

static void on_plan_changed(GtkWidget *w, gpointer data)
{
	MuAssistant *a = data;
	gboolean file = gtk_toggle_button_get_active(a->from_file);
	gtk_widget_set_sensitive(GTK_WIDGET(a->plan_path), file);
	gtk_widget_set_sensitive(GTK_WIDGET(a->form), !file && a->admin[0] != NULL);
	gboolean ok = file ? *gtk_entry_get_text(a->plan_path) != '\0' : a->admin[0] != NULL;
	gtk_assistant_set_page_complete(GTK_ASSISTANT(a), a->plan_page, ok);
}

static void on_browse(GtkButton *b, gpointer data)
{
	MuAssistant *a = data;
	GtkFileChooserNative *fc = gtk_file_chooser_native_new(
	    "Ceremony plan", GTK_WINDOW(a), GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
	if (gtk_native_dialog_run(GTK_NATIVE_DIALOG(fc)) == GTK_RESPONSE_ACCEPT) {
		g_autofree char *f = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(fc));
		if (f != NULL)
			gtk_entry_set_text(a->plan_path, f);
	}
	g_object_unref(fc);
}

static GtkComboBoxText *form_combo(MuAssistant *a, int row, const char *label, const char *name,
                                   char **readers, gboolean none, int initial)
{
	GtkWidget *l = gtk_label_new(label);
	GtkWidget *c = gtk_combo_box_text_new();
	gtk_label_set_xalign(GTK_LABEL(l), 1.0f);
	if (none)
		gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(c), "", "(none)");
	for (size_t i = 0; readers != NULL && readers[i] != NULL; i++)
		gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(c), readers[i], readers[i]);
	guint n = readers != NULL ? g_strv_length(readers) : 0;
	gtk_combo_box_set_active(GTK_COMBO_BOX(c),
	                         initial < 0 || (guint)initial >= n ? 0 : initial + (none ? 1 : 0));
	gtk_grid_attach(a->form, l, 0, row, 1, 1);
	gtk_grid_attach(a->form, c, 1, row, 1, 1);
	mu_gui_name(c, name, label);
	return GTK_COMBO_BOX_TEXT(c);
}

static GtkSpinButton *form_spin(MuAssistant *a, int row, int col, const char *label,
                                const char *name, int lo, int hi, int value)
{
	GtkWidget *l = gtk_label_new(label);
	GtkWidget *s = gtk_spin_button_new_with_range(lo, hi, 1);
	gtk_spin_button_set_value(GTK_SPIN_BUTTON(s), value);
	gtk_label_set_xalign(GTK_LABEL(l), 1.0f);
	gtk_grid_attach(a->form, l, col, row, 1, 1);
	gtk_grid_attach(a->form, s, col + 1, row, 1, 1);
	mu_gui_name(s, name, label);
	return GTK_SPIN_BUTTON(s);
}

/* The form, once the readers are known: the demo deck's layout (admins in
 * readers 1 and 2, parts in readers 1, 2 and 3) is proposed. */
static void build_form(MuAssistant *a, char **readers)
{
	int row = 0;
	for (int i = 0; i < MU_CEREMONY_ADMINS_MAX; i++) {
		g_autofree char *label = g_strdup_printf("Admin %d: EP11 card in reader", i + 1);
		g_autofree char *name = g_strdup_printf("admin %d reader", i + 1);
		a->admin[i] = form_combo(a, row++, label, name, readers, TRUE, i < 2 ? i + 1 : -1);
	}
	a->sig = form_spin(a, row, 0, "Signature threshold", "signature threshold", 1, 3, 2);
	a->rev = form_spin(a, row++, 2, "Revocation threshold", "revocation threshold", 1, 3, 2);
	char *counts[] = {"2", "3", NULL};
	a->parts = form_combo(a, row++, "Key parts", "key parts", counts, FALSE, 1);
	for (int i = 0; i < 3; i++) {
		g_autofree char *label = g_strdup_printf("Key part %d: card in reader", i + 1);
		g_autofree char *name = g_strdup_printf("part %d reader", i + 1);
		g_autofree char *slot = g_strdup_printf("part %d slot", i + 1);
		a->part[i] = form_combo(a, row, label, name, readers, FALSE, i + 1);
		a->slot[i] = form_spin(a, row++, 2, "slot", slot, 0, 84, 0);
	}
	char *finishes[] = {"set immediate (a first master key)",
	                    "rotate (replace the current master key)", NULL};
	a->finish = form_combo(a, row++, "Finish with", "finish", finishes, FALSE, 0);
	gtk_widget_show_all(GTK_WIDGET(a->form));
	on_plan_changed(NULL, a);
}

static void readers_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuAssistant *a = data;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) readers = mu_ceremony_readers_finish(res, &error);
	if (!a->closed) {
		if (readers != NULL && readers[0] != NULL)
			build_form(a, readers);
		else
			gtk_widget_set_tooltip_text(GTK_WIDGET(a->from_scratch),
			                            error != NULL ? error->message
			                                          : "no reader found");
	}
	g_object_unref(a);
}

/* ---- the setup both workers take ---- */

static char *combo_id(GtkComboBoxText *c)
{
	const char *id = gtk_combo_box_get_active_id(GTK_COMBO_BOX(c));
	return id != NULL && *id != '\0' ? g_strdup(id) : NULL;
}

static void fill_setup(MuAssistant *a, mu_ceremony_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->instance = a->instance;
	s->journal = a->journal;
	if (gtk_toggle_button_get_active(a->from_file)) {
		s->plan_path = g_strdup(gtk_entry_get_text(a->plan_path));
		return;
	}
	size_t n = 0;
	for (int i = 0; i < MU_CEREMONY_ADMINS_MAX; i++) {
		char *r = combo_id(a->admin[i]);
		if (r != NULL)
			s->admin_reader[n++] = r;
	}
	s->sig_threshold = gtk_spin_button_get_value_as_int(a->sig);
	s->rev_threshold = gtk_spin_button_get_value_as_int(a->rev);
	s->parts = gtk_combo_box_get_active(GTK_COMBO_BOX(a->parts)) == 0 ? 2 : 3;
	for (int i = 0; i < s->parts; i++) {
		s->part_reader[i] = combo_id(a->part[i]);
		s->part_slot[i] = (unsigned)gtk_spin_button_get_value_as_int(a->slot[i]);
	}
	s->rotate = gtk_combo_box_get_active(GTK_COMBO_BOX(a->finish)) == 1;
}

static void clear_setup(mu_ceremony_setup *s)
{
	s->instance = s->journal = NULL; /* borrowed from the assistant */
	g_free(s->plan_path);
	for (int i = 0; i < MU_CEREMONY_ADMINS_MAX; i++)
		g_free(s->admin_reader[i]);
	for (int i = 0; i < 3; i++)
		g_free(s->part_reader[i]);
}

/* ---- the preview page ---- */

static void set_busy(MuAssistant *a, GtkSpinner *spinner, gboolean busy)
{
	a->busy = busy;
	if (busy)
		gtk_spinner_start(spinner);
	else
		gtk_spinner_stop(spinner);
}

static void preview_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuAssistant *a = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(mu_ceremony_preview) p = mu_ceremony_preview_finish(res, &error);
	if (!a->closed) {
		set_busy(a, a->preview_spinner, FALSE);
		gtk_widget_set_sensitive(a->check_again, TRUE);
		if (p == NULL) {
			gtk_label_set_text(a->preview_status, error->message);
		} else {
			a->nsteps = g_strv_length(p->steps);
			g_autofree char *steps = g_strjoinv("\n", p->steps);
			g_autofree char *status =
			    a->nsteps == 0
			        ? g_strdup("Nothing to do: every unit already matches the plan.")
			        : g_strdup_printf(
			              "%zu step%s to run. Put the cards in their readers, "
			              "then press Apply.",
			              a->nsteps, a->nsteps == 1 ? "" : "s");
			gtk_label_set_text(a->preview_status, status);
			gtk_label_set_text(a->preview_cards, p->cards);
			gtk_label_set_text(a->preview_steps, a->nsteps ? steps : "(none)");
			gtk_label_set_text(a->preview_signing, p->signing);
		}
		gtk_assistant_set_page_complete(GTK_ASSISTANT(a), a->preview_page, p != NULL);
	}
	g_object_unref(a);
}

static void start_preview(MuAssistant *a)
{
	gtk_assistant_set_page_complete(GTK_ASSISTANT(a), a->preview_page, FALSE);
	gtk_widget_set_sensitive(a->check_again, FALSE);
	gtk_label_set_text(a->preview_status, "Reading the cards and the units…");
	gtk_label_set_text(a->preview_cards, "");
	gtk_label_set_text(a->preview_steps, "");
	gtk_label_set_text(a->preview_signing, "");
	set_busy(a, a->preview_spinner, TRUE);
	mu_ceremony_setup s;
	fill_setup(a, &s);
	mu_ceremony_preview_async(&s, a->cancel, preview_done, g_object_ref(a));
	clear_setup(&s);
}

static void on_check_again(GtkButton *b, gpointer data)
{
	start_preview(data);
}

/* ---- the run page ---- */

static void log_line(MuAssistant *a, const char *line)
{
	g_string_append_printf(a->log, "%s%s", a->log->len ? "\n" : "", line);
	gtk_label_set_text(a->run_log, a->log->str);
}

static void run_progress(GObject *ui, size_t step, const char *line)
{
	MuAssistant *a = MU_ASSISTANT(ui);
	if (a->closed)
		return;
	log_line(a, line);
	if (step == 0)
		return;
	a->step_now = step;
	size_t total = a->nsteps > step ? a->nsteps : step;
	g_autofree char *text = g_strdup_printf("step %zu of %zu", step, total);
	gtk_progress_bar_set_fraction(a->run_progress, (double)(step - 1) / (double)total);
	gtk_progress_bar_set_text(a->run_progress, text);
	gtk_label_set_text(a->run_status, line);
}

static void run_total(GObject *ui, size_t nsteps)
{
	MuAssistant *a = MU_ASSISTANT(ui);
	if (a->closed)
		return;
	a->nsteps = nsteps;
	g_autofree char *text =
	    g_strdup_printf("%zu step%s to run", nsteps, nsteps == 1 ? "" : "s");
	gtk_progress_bar_set_fraction(a->run_progress, 0.0);
	gtk_progress_bar_set_text(a->run_progress, text);
}

static void on_pin_response(GtkDialog *dialog, int response, gpointer data)
{
	mu_ceremony_pin_req *req = data;
	char pin[MU_CEREMONY_PIN_BUF];
	gboolean fit = mu_pin_dialog_take_pin(MU_PIN_DIALOG(dialog), "pin", pin, sizeof(pin));
	g_object_set_data(G_OBJECT(dialog), "req", NULL);
	mu_ceremony_pin_answer(req, response == GTK_RESPONSE_OK && fit ? pin : NULL);
	mu_memzero(pin, sizeof(pin));
	gtk_widget_destroy(GTK_WIDGET(dialog));
}

/* A dialog closed another way (the assistant went away) answers "no". */
static void on_pin_destroy(GtkWidget *dialog, gpointer data)
{
	mu_ceremony_pin_req *req = g_object_get_data(G_OBJECT(dialog), "req");
	if (req != NULL) {
		g_object_set_data(G_OBJECT(dialog), "req", NULL);
		mu_ceremony_pin_answer(req, NULL);
	}
}

static void run_ask_pin(GObject *ui, mu_ceremony_pin_req *req, const char *what, const char *reader)
{
	MuAssistant *a = MU_ASSISTANT(ui);
	if (a->closed) {
		mu_ceremony_pin_answer(req, NULL);
		return;
	}
	g_autofree char *guide = g_strdup_printf(
	    "The ceremony needs %s, in reader \"%s\". Its owner enters the card's PIN.", what,
	    reader);
	g_autofree char *status = g_strdup_printf("Waiting for the PIN of %s…", what);
	gtk_label_set_text(a->run_status, status);
	MuPinDialog *d = mu_pin_dialog_new(GTK_WINDOW(a), "Card PIN", guide, "Continue");
	mu_pin_dialog_add(d, "pin", "PIN", TRUE, NULL);
	g_object_set_data(G_OBJECT(d), "req", req);
	g_signal_connect(d, "response", G_CALLBACK(on_pin_response), req);
	g_signal_connect(d, "destroy", G_CALLBACK(on_pin_destroy), NULL);
	gtk_window_set_destroy_with_parent(GTK_WINDOW(d), TRUE);
	gtk_widget_show(GTK_WIDGET(d));
}

static const mu_ceremony_ui run_ui = {
    .total = run_total, .progress = run_progress, .ask_pin = run_ask_pin};

static void run_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuAssistant *a = data;
	g_autoptr(GError) error = NULL;
	gssize n = mu_ceremony_run_finish(res, &error);
	if (!a->closed) {
		set_busy(a, a->run_spinner, FALSE);
		if (n < 0) {
			g_autofree char *msg = g_strdup_printf(
			    "Stopped: %s\nFix the cause, then press Resume: the ceremony goes on "
			    "from the units' current state.",
			    error->message);
			log_line(a, msg);
			gtk_label_set_text(a->run_status, msg);
			gtk_widget_show(a->resume);
			mu_gui_report(GTK_WIDGET(a), GTK_MESSAGE_ERROR, error->message);
		} else {
			g_autofree char *msg = g_strdup_printf(
			    "Done: every unit matches the plan (%zd step%s run). Each unit's "
			    "current "
			    "master key is VALID; compare them on the Crypto Units page.",
			    n, n == 1 ? "" : "s");
			log_line(a, "done: every unit matches the plan");
			gtk_progress_bar_set_fraction(a->run_progress, 1.0);
			gtk_progress_bar_set_text(a->run_progress, "done");
			gtk_label_set_text(a->run_status, msg);
			gtk_label_set_text(GTK_LABEL(a->summary), msg);
			gtk_assistant_set_page_complete(GTK_ASSISTANT(a), a->run_page, TRUE);
			mu_gui_report(GTK_WIDGET(a), GTK_MESSAGE_INFO, msg);
		}
	}
	g_object_unref(a);
}

static void start_run(MuAssistant *a)
{
	gtk_widget_hide(a->resume);
	gtk_assistant_set_page_complete(GTK_ASSISTANT(a), a->run_page, FALSE);
	gtk_label_set_text(a->run_status, "Reading the cards and the units…");
	set_busy(a, a->run_spinner, TRUE);
	mu_ceremony_setup s;
	fill_setup(a, &s);
	mu_ceremony_run_async(&s, G_OBJECT(a), &run_ui, a->cancel, run_done, g_object_ref(a));
	clear_setup(&s);
}

static void on_resume(GtkButton *b, gpointer data)
{
	MuAssistant *a = data;
	log_line(a, "resumed");
	start_run(a);
}

/* ---- the assistant ---- */

static void on_prepare(GtkAssistant *as, GtkWidget *page, gpointer data)
{
	MuAssistant *a = MU_ASSISTANT(as);
	if (page == a->preview_page)
		start_preview(a);
	else if (page == a->run_page && !a->busy)
		start_run(a);
	if (page == a->run_page)
		gtk_assistant_commit(as); /* no way back once cards sign */
}

static void finish(MuAssistant *a)
{
	a->closed = TRUE;
	g_cancellable_cancel(a->cancel);
	gtk_widget_destroy(GTK_WIDGET(a));
}

static void on_cancel(GtkAssistant *as, gpointer data)
{
	finish(MU_ASSISTANT(as));
}

static void on_close(GtkAssistant *as, gpointer data)
{
	finish(MU_ASSISTANT(as));
}

static void mu_assistant_finalize(GObject *obj)
{
	MuAssistant *a = MU_ASSISTANT(obj);
	g_clear_object(&a->cancel);
	g_free(a->instance);
	g_free(a->journal);
	g_string_free(a->log, TRUE);
	G_OBJECT_CLASS(mu_assistant_parent_class)->finalize(obj);
}

static void mu_assistant_class_init(MuAssistantClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = mu_assistant_finalize;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-assistant.ui");
#define BIND(x) gtk_widget_class_bind_template_child(wc, MuAssistant, x)
	BIND(plan_page);
	BIND(preview_page);
	BIND(run_page);
	BIND(summary);
	BIND(from_file);
	BIND(from_scratch);
	BIND(plan_path);
	BIND(form);
	BIND(preview_spinner);
	BIND(run_spinner);
	BIND(preview_status);
	BIND(preview_cards);
	BIND(preview_steps);
	BIND(preview_signing);
	BIND(check_again);
	BIND(resume);
	BIND(run_progress);
	BIND(run_status);
	BIND(run_log);
#undef BIND
	gtk_widget_class_bind_template_callback(wc, on_plan_changed);
	gtk_widget_class_bind_template_callback(wc, on_browse);
	gtk_widget_class_bind_template_callback(wc, on_check_again);
	gtk_widget_class_bind_template_callback(wc, on_resume);
	gtk_widget_class_bind_template_callback(wc, on_prepare);
	gtk_widget_class_bind_template_callback(wc, on_cancel);
	gtk_widget_class_bind_template_callback(wc, on_close);
}

static void mu_assistant_init(MuAssistant *a)
{
	gtk_widget_init_template(GTK_WIDGET(a));
	a->cancel = g_cancellable_new();
	a->log = g_string_new(NULL);
	/* the window title follows the page; tests find the window by this */
	mu_gui_name(GTK_WIDGET(a), "Ceremony assistant", NULL);
	mu_gui_name(GTK_WIDGET(a->plan_path), "plan file", NULL);
	mu_gui_name(GTK_WIDGET(a->from_file), "From a plan file", NULL);
	mu_gui_name(GTK_WIDGET(a->from_scratch), "From scratch", NULL);
	mu_gui_name(GTK_WIDGET(a->preview_status), "preview status", NULL);
	mu_gui_name(GTK_WIDGET(a->preview_cards), "cards needed", NULL);
	mu_gui_name(GTK_WIDGET(a->preview_steps), "steps", NULL);
	mu_gui_name(GTK_WIDGET(a->preview_signing), "signing", NULL);
	mu_gui_name(a->check_again, "Check again", NULL);
	mu_gui_name(a->resume, "Resume", NULL);
	mu_gui_name(GTK_WIDGET(a->run_progress), "ceremony progress", NULL);
	mu_gui_name(GTK_WIDGET(a->run_status), "ceremony status", NULL);
	mu_gui_name(GTK_WIDGET(a->run_log), "ceremony log", NULL);
	mu_gui_name(a->summary, "ceremony summary", NULL);
	mu_ceremony_readers_async(a->cancel, readers_done, g_object_ref(a));
}

MuAssistant *mu_assistant_new(GtkWindow *parent, const char *instance, const char *journal,
                              const char *plan)
{
	MuAssistant *a = g_object_new(MU_TYPE_ASSISTANT, "transient-for", parent, "modal", TRUE,
	                              "window-position", GTK_WIN_POS_CENTER_ON_PARENT, NULL);
	a->instance = g_strdup(instance);
	a->journal = g_strdup(journal);
	if (plan != NULL)
		gtk_entry_set_text(a->plan_path, plan);
	on_plan_changed(NULL, a);
	gtk_widget_show_all(GTK_WIDGET(a)); /* the Resume button stays hidden (no-show-all) */
	return a;
}
