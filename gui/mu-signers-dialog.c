/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-signers-dialog.h"

#include "mu-gui-util.h"

/* One signing card row. */
typedef struct signer_row {
	char *reader;
	GtkToggleButton *tick;
	GtkEntry *pin;
} signer_row;

struct _MuSignersDialog {
	GtkDialog parent;
	GtkLabel *summary, *needed, *no_cards;
	GtkGrid *params, *cards;
	GtkBox *units;
	GtkWidget *cards_frame;
	GtkWidget *ok;
	GPtrArray *rows;        /* signer_row * */
	GPtrArray *field_pins;  /* GtkEntry * (borrowed) */
	GPtrArray *unit_names;  /* char *, parallel to unit_radios */
	GPtrArray *unit_radios; /* GtkToggleButton * (borrowed) */
	GPtrArray *choices;     /* GtkToggleButton * (borrowed); [0] is a hidden "none" */
	GtkBox *choice_box;
	int nparams;
	int needed_sigs;
	MuSignersUpdateFunc update;
	gpointer update_data;
};

G_DEFINE_TYPE(MuSignersDialog, mu_signers_dialog, GTK_TYPE_DIALOG)

static void signer_row_free(gpointer p)
{
	signer_row *r = p;
	g_free(r->reader);
	g_free(r);
}

static void mu_signers_dialog_finalize(GObject *obj)
{
	MuSignersDialog *d = MU_SIGNERS_DIALOG(obj);
	g_ptr_array_unref(d->rows);
	g_ptr_array_unref(d->field_pins);
	g_ptr_array_unref(d->unit_names);
	g_ptr_array_unref(d->unit_radios);
	if (d->choices->len > 0)
		g_object_unref(d->choices->pdata[0]);
	g_ptr_array_unref(d->choices);
	G_OBJECT_CLASS(mu_signers_dialog_parent_class)->finalize(obj);
}

/* OK only when every PIN that will be used is there. */
static void update_ok(MuSignersDialog *d)
{
	gboolean ok = d->needed_sigs >= 0;
	for (guint i = 0; i < d->rows->len; i++) {
		signer_row *r = d->rows->pdata[i];
		gboolean on = d->needed_sigs != 0 && gtk_toggle_button_get_active(r->tick);
		gtk_widget_set_sensitive(GTK_WIDGET(r->pin), on);
		if (on && gtk_entry_get_text_length(r->pin) == 0)
			ok = FALSE;
	}
	for (guint i = 0; i < d->field_pins->len; i++) {
		GtkWidget *e = d->field_pins->pdata[i];
		if (gtk_widget_get_sensitive(e) && gtk_entry_get_text_length(GTK_ENTRY(e)) == 0)
			ok = FALSE;
	}
	if (d->ok != NULL)
		gtk_widget_set_sensitive(d->ok, ok);
}

void mu_signers_dialog_update(MuSignersDialog *d)
{
	if (d->update != NULL)
		d->update(d, d->update_data);
	update_ok(d);
}

static void on_changed(GtkWidget *w, gpointer data)
{
	mu_signers_dialog_update(data);
}

static void on_pin_changed(GtkEditable *e, gpointer data)
{
	update_ok(data);
}

static void mu_signers_dialog_class_init(MuSignersDialogClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = mu_signers_dialog_finalize;
	gtk_widget_class_set_template_from_resource(wc,
	                                            "/org/openmu/Openmu/ui/mu-signers-dialog.ui");
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, summary);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, needed);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, no_cards);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, params);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, cards);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, units);
	gtk_widget_class_bind_template_child(wc, MuSignersDialog, cards_frame);
}

static void mu_signers_dialog_init(MuSignersDialog *d)
{
	gtk_widget_init_template(GTK_WIDGET(d));
	d->rows = g_ptr_array_new_with_free_func(signer_row_free);
	d->field_pins = g_ptr_array_new();
	d->unit_names = g_ptr_array_new_with_free_func(g_free);
	d->unit_radios = g_ptr_array_new();
	d->choices = g_ptr_array_new();
	d->needed_sigs = 1;
	mu_gui_name(GTK_WIDGET(d->summary), "command summary", NULL);
	mu_gui_name(GTK_WIDGET(d->needed), "signatures needed", NULL);
	mu_gui_name(GTK_WIDGET(d->no_cards), "no signing cards", NULL);
	mu_gui_name(d->cards_frame, "signing cards", NULL);
	mu_gui_name(GTK_WIDGET(d->units), "units choice", NULL);
	mu_gui_name(GTK_WIDGET(d->params), "command fields", NULL);
	mu_gui_name(GTK_WIDGET(d->cards), "signing card list", NULL);
	gtk_widget_show(GTK_WIDGET(d->no_cards));
}

MuSignersDialog *mu_signers_dialog_new(GtkWindow *parent, const char *title, const char *ok_label)
{
	MuSignersDialog *d =
	    g_object_new(MU_TYPE_SIGNERS_DIALOG, "use-header-bar", FALSE, "title", title,
	                 "transient-for", parent, "modal", TRUE, "destroy-with-parent", TRUE, NULL);
	GtkWidget *cancel = gtk_dialog_add_button(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL);
	d->ok = gtk_dialog_add_button(GTK_DIALOG(d), ok_label, GTK_RESPONSE_OK);
	mu_gui_name(cancel, "Cancel", NULL);
	mu_gui_name(d->ok, ok_label, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
	return d;
}

void mu_signers_dialog_add_param(MuSignersDialog *d, const char *label, GtkWidget *w,
                                 const char *a11y)
{
	GtkWidget *l = gtk_label_new(label);
	gtk_label_set_xalign(GTK_LABEL(l), 1.0f);
	gtk_label_set_yalign(GTK_LABEL(l), 0.0f);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), w);
	gtk_widget_set_hexpand(w, TRUE);
	gtk_grid_attach(d->params, l, 0, d->nparams, 1, 1);
	gtk_grid_attach(d->params, w, 1, d->nparams, 1, 1);
	d->nparams++;
	if (a11y != NULL)
		mu_gui_name(w, a11y, label);
	gtk_widget_show(l);
	gtk_widget_show(w);
}

static GtkWidget *pin_entry(MuSignersDialog *d)
{
	GtkWidget *e = gtk_entry_new();
	gtk_entry_set_visibility(GTK_ENTRY(e), FALSE);
	gtk_entry_set_input_purpose(GTK_ENTRY(e), GTK_INPUT_PURPOSE_PIN);
	gtk_entry_set_max_length(GTK_ENTRY(e), 16);
	gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
	g_signal_connect(e, "changed", G_CALLBACK(on_pin_changed), d);
	return e;
}

GtkWidget *mu_signers_dialog_add_pin(MuSignersDialog *d, const char *key, const char *label)
{
	GtkWidget *e = pin_entry(d);
	mu_signers_dialog_add_param(d, label, e, key);
	g_ptr_array_add(d->field_pins, e);
	update_ok(d);
	return e;
}

int mu_signers_dialog_add_choice(MuSignersDialog *d, const char *label, const char *text,
                                 const char *a11y)
{
	if (d->choice_box == NULL) {
		d->choice_box = GTK_BOX(gtk_box_new(GTK_ORIENTATION_VERTICAL, 4));
		mu_signers_dialog_add_param(d, label, GTK_WIDGET(d->choice_box), "choices");
		/* a group member that is never shown: no entry is chosen at first */
		g_ptr_array_add(d->choices, g_object_ref_sink(gtk_radio_button_new(NULL)));
	}
	GtkWidget *r = gtk_radio_button_new_with_label_from_widget(d->choices->pdata[0], text);
	mu_gui_name(r, a11y, NULL);
	g_signal_connect(r, "toggled", G_CALLBACK(on_changed), d);
	gtk_box_pack_start(d->choice_box, r, FALSE, FALSE, 0);
	gtk_widget_show(r);
	g_ptr_array_add(d->choices, r);
	return (int)d->choices->len - 2;
}

int mu_signers_dialog_n_choices(MuSignersDialog *d)
{
	return d->choices->len > 0 ? (int)d->choices->len - 1 : 0;
}

int mu_signers_dialog_choice(MuSignersDialog *d)
{
	for (guint i = 1; i < d->choices->len; i++)
		if (gtk_toggle_button_get_active(d->choices->pdata[i]))
			return (int)i - 1;
	return -1;
}

void mu_signers_dialog_set_units(MuSignersDialog *d, const char *const *names, size_t n)
{
	GtkWidget *all = gtk_radio_button_new_with_label(NULL, "all units");
	GtkRadioButton *group = GTK_RADIO_BUTTON(all);
	mu_gui_name(all, "on all units", NULL);
	g_signal_connect(all, "toggled", G_CALLBACK(on_changed), d);
	gtk_box_pack_start(d->units, all, FALSE, FALSE, 0);
	gtk_widget_show(all);
	for (size_t i = 0; i < n; i++) {
		GtkWidget *r = gtk_radio_button_new_with_label_from_widget(group, names[i]);
		g_autofree char *a11y = g_strdup_printf("on %s", names[i]);
		mu_gui_name(r, a11y, NULL);
		g_signal_connect(r, "toggled", G_CALLBACK(on_changed), d);
		gtk_box_pack_start(d->units, r, FALSE, FALSE, 0);
		gtk_widget_show(r);
		g_ptr_array_add(d->unit_names, g_strdup(names[i]));
		g_ptr_array_add(d->unit_radios, r);
	}
}

const char *mu_signers_dialog_unit(MuSignersDialog *d)
{
	for (guint i = 0; i < d->unit_radios->len; i++)
		if (gtk_toggle_button_get_active(d->unit_radios->pdata[i]))
			return d->unit_names->pdata[i];
	return NULL;
}

void mu_signers_dialog_add_card(MuSignersDialog *d, const char *reader, const char *admin_name)
{
	signer_row *r = g_new0(signer_row, 1);
	int row = (int)d->rows->len;
	r->reader = g_strdup(reader);
	g_autofree char *text = g_strdup_printf("%s (reader %s)", admin_name, reader);
	r->tick = GTK_TOGGLE_BUTTON(gtk_check_button_new_with_label(text));
	r->pin = GTK_ENTRY(pin_entry(d));
	g_autofree char *tick_name = g_strdup_printf("signer %s", admin_name);
	g_autofree char *pin_name = g_strdup_printf("PIN of %s", admin_name);
	g_autofree char *desc = g_strdup_printf("the EP11 card in reader %s", reader);
	mu_gui_name(GTK_WIDGET(r->tick), tick_name, desc);
	mu_gui_name(GTK_WIDGET(r->pin), pin_name, desc);
	gtk_entry_set_placeholder_text(r->pin, "PIN");
	g_signal_connect(r->tick, "toggled", G_CALLBACK(on_changed), d);
	gtk_grid_attach(d->cards, GTK_WIDGET(r->tick), 0, row, 1, 1);
	gtk_grid_attach(d->cards, GTK_WIDGET(r->pin), 1, row, 1, 1);
	gtk_widget_show(GTK_WIDGET(r->tick));
	gtk_widget_show(GTK_WIDGET(r->pin));
	gtk_widget_hide(GTK_WIDGET(d->no_cards));
	g_ptr_array_add(d->rows, r);
	update_ok(d);
}

gboolean mu_signers_dialog_ticked(MuSignersDialog *d, const char *reader)
{
	if (d->needed_sigs == 0)
		return FALSE;
	for (guint i = 0; i < d->rows->len; i++) {
		signer_row *r = d->rows->pdata[i];
		if (g_strcmp0(r->reader, reader) == 0)
			return gtk_toggle_button_get_active(r->tick);
	}
	return FALSE;
}

void mu_signers_dialog_set_update(MuSignersDialog *d, MuSignersUpdateFunc fn, gpointer data)
{
	d->update = fn;
	d->update_data = data;
}

void mu_signers_dialog_set_need(MuSignersDialog *d, const char *what, int needed, const char *why)
{
	d->needed_sigs = needed;
	gtk_label_set_text(d->summary, what);
	g_autofree char *text = NULL;
	if (needed < 0)
		text = g_strdup(why != NULL ? why : "This command cannot run now.");
	else if (needed == 0)
		text = g_strdup_printf("No admin signature needed%s%s.", why != NULL ? ": " : "",
		                       why != NULL ? why : "");
	else
		text = g_strdup_printf("Needs %d admin signature%s%s%s. Tick the signing cards and "
		                       "enter each card's PIN.",
		                       needed, needed == 1 ? "" : "s", why != NULL ? " — " : "",
		                       why != NULL ? why : "");
	gtk_label_set_text(d->needed, text);
	for (guint i = 0; i < d->rows->len; i++) {
		signer_row *r = d->rows->pdata[i];
		gtk_widget_set_sensitive(GTK_WIDGET(r->tick), needed != 0);
	}
	update_ok(d);
}

gboolean mu_signers_dialog_take(MuSignersDialog *d, MuSignersTakeFunc fn, gpointer data)
{
	gboolean ok = TRUE;
	for (guint i = 0; i < d->rows->len && ok; i++) {
		signer_row *r = d->rows->pdata[i];
		if (fn != NULL && d->needed_sigs > 0 && gtk_toggle_button_get_active(r->tick))
			ok = fn(r->reader, gtk_entry_get_text(r->pin), data);
	}
	/* GtkEntryBuffer wipes the text it deletes */
	for (guint i = 0; i < d->rows->len; i++)
		gtk_entry_set_text(((signer_row *)d->rows->pdata[i])->pin, "");
	for (guint i = 0; i < d->field_pins->len; i++)
		gtk_entry_set_text(GTK_ENTRY(d->field_pins->pdata[i]), "");
	return ok;
}
