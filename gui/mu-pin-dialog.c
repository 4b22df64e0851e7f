/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-pin-dialog.h"

#include <string.h>

#include "mu-gui-util.h"

struct _MuPinDialog {
	GtkDialog parent;
	GtkLabel *guidance;
	GtkGrid *grid;
	GtkWidget *ok;
	GHashTable *fields; /* key -> GtkEntry, GtkComboBoxText or GtkCheckButton (borrowed) */
	int rows;
};

G_DEFINE_TYPE(MuPinDialog, mu_pin_dialog, GTK_TYPE_DIALOG)

static void mu_pin_dialog_finalize(GObject *obj)
{
	MuPinDialog *d = MU_PIN_DIALOG(obj);
	g_hash_table_unref(d->fields);
	G_OBJECT_CLASS(mu_pin_dialog_parent_class)->finalize(obj);
}

static void mu_pin_dialog_class_init(MuPinDialogClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = mu_pin_dialog_finalize;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-pin-dialog.ui");
	gtk_widget_class_bind_template_child(wc, MuPinDialog, guidance);
	gtk_widget_class_bind_template_child(wc, MuPinDialog, grid);
}

static void mu_pin_dialog_init(MuPinDialog *d)
{
	gtk_widget_init_template(GTK_WIDGET(d));
	d->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	mu_gui_name(GTK_WIDGET(d->guidance), "guidance", NULL);
}

MuPinDialog *mu_pin_dialog_new(GtkWindow *parent, const char *title, const char *guidance,
                               const char *ok_label)
{
	/* destroyed with its window: a dialog left behind would hold typed PINs
	 * behind buttons nobody answers any more */
	MuPinDialog *d = g_object_new(MU_TYPE_PIN_DIALOG, "use-header-bar", FALSE, "title", title,
	                              "transient-for", parent, "modal", TRUE,
	                              "destroy-with-parent", TRUE, NULL);
	gtk_label_set_text(d->guidance, guidance);
	GtkWidget *cancel = gtk_dialog_add_button(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL);
	d->ok = gtk_dialog_add_button(GTK_DIALOG(d), ok_label, GTK_RESPONSE_OK);
	mu_gui_name(cancel, "Cancel", NULL);
	mu_gui_name(d->ok, ok_label, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
	return d;
}

/* Puts an optional label and a widget in the next row of the grid. */
static void add_row(MuPinDialog *d, const char *key, const char *label, GtkWidget *w)
{
	if (label != NULL) {
		GtkWidget *l = gtk_label_new(label);
		gtk_label_set_xalign(GTK_LABEL(l), 1.0f);
		gtk_label_set_mnemonic_widget(GTK_LABEL(l), w);
		gtk_grid_attach(d->grid, l, 0, d->rows, 1, 1);
		gtk_widget_show(l);
	}
	gtk_widget_set_hexpand(w, TRUE);
	gtk_grid_attach(d->grid, w, 1, d->rows, 1, 1);
	d->rows++;
	gtk_widget_show(w);
	g_hash_table_insert(d->fields, g_strdup(key), w);
}

void mu_pin_dialog_add_choice(MuPinDialog *d, const char *key, const char *label,
                              const char *const *options, int initial)
{
	GtkWidget *c = gtk_combo_box_text_new();
	int n = 0;
	for (; options != NULL && options[n] != NULL; n++)
		gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(c), options[n]);
	gtk_combo_box_set_active(GTK_COMBO_BOX(c), initial >= 0 && initial < n ? initial : -1);
	add_row(d, key, label, c);
	mu_gui_name(c, key, label);
}

gboolean mu_pin_dialog_confirmed(MuPinDialog *d)
{
	gboolean all = TRUE;
	GHashTableIter it;
	gpointer w;
	g_hash_table_iter_init(&it, d->fields);
	while (g_hash_table_iter_next(&it, NULL, &w))
		if (GTK_IS_CHECK_BUTTON(w))
			all &= gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w));
	return all;
}

/* OK is sensitive when every confirmation is ticked. */
static void update_ok(MuPinDialog *d)
{
	gtk_widget_set_sensitive(d->ok, mu_pin_dialog_confirmed(d));
}

static void on_confirm_toggled(GtkToggleButton *b, gpointer data)
{
	update_ok(MU_PIN_DIALOG(data));
}

void mu_pin_dialog_add_confirm(MuPinDialog *d, const char *key, const char *label)
{
	GtkWidget *c = gtk_check_button_new_with_label(label);
	GtkWidget *l = gtk_bin_get_child(GTK_BIN(c));
	if (GTK_IS_LABEL(l)) {
		gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
		gtk_label_set_max_width_chars(GTK_LABEL(l), 50);
	}
	add_row(d, key, NULL, c);
	mu_gui_name(c, key, label);
	g_signal_connect(c, "toggled", G_CALLBACK(on_confirm_toggled), d);
	update_ok(d);
}

void mu_pin_dialog_add(MuPinDialog *d, const char *key, const char *label, gboolean secret,
                       const char *initial)
{
	GtkWidget *e = gtk_entry_new();
	gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
	if (secret) {
		gtk_entry_set_visibility(GTK_ENTRY(e), FALSE);
		gtk_entry_set_input_purpose(GTK_ENTRY(e), GTK_INPUT_PURPOSE_PIN);
		gtk_entry_set_max_length(GTK_ENTRY(e), 16);
	}
	if (initial != NULL)
		gtk_entry_set_text(GTK_ENTRY(e), initial);
	add_row(d, key, label, e);
	mu_gui_name(e, key, label);
}

gboolean mu_pin_dialog_has(MuPinDialog *d, const char *key)
{
	return g_hash_table_contains(d->fields, key);
}

char *mu_pin_dialog_text(MuPinDialog *d, const char *key)
{
	GtkWidget *e = g_hash_table_lookup(d->fields, key);
	return g_strdup(GTK_IS_ENTRY(e) ? gtk_entry_get_text(GTK_ENTRY(e)) : "");
}

char *mu_pin_dialog_choice(MuPinDialog *d, const char *key)
{
	GtkWidget *c = g_hash_table_lookup(d->fields, key);
	if (!GTK_IS_COMBO_BOX_TEXT(c))
		return NULL;
	return gtk_combo_box_text_get_active_text(GTK_COMBO_BOX_TEXT(c));
}

int mu_pin_dialog_choice_index(MuPinDialog *d, const char *key)
{
	GtkWidget *c = g_hash_table_lookup(d->fields, key);
	return GTK_IS_COMBO_BOX(c) ? gtk_combo_box_get_active(GTK_COMBO_BOX(c)) : -1;
}

gboolean mu_pin_dialog_take_pin(MuPinDialog *d, const char *key, char *buf, size_t cap)
{
	GtkWidget *w = g_hash_table_lookup(d->fields, key);
	if (cap == 0)
		return FALSE;
	buf[0] = '\0';
	if (!GTK_IS_ENTRY(w))
		return FALSE;
	GtkEntry *e = GTK_ENTRY(w);
	const char *t = gtk_entry_get_text(e);
	gboolean ok = strlen(t) < cap;
	if (ok)
		memcpy(buf, t, strlen(t) + 1);
	/* GtkEntryBuffer wipes the deleted text */
	gtk_entry_set_text(e, "");
	return ok;
}
