/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-pin-dialog.h"

#include <string.h>

#include "mu-gui-util.h"

struct _MuPinDialog {
	GtkDialog parent;
	GtkLabel *guidance;
	GtkGrid *grid;
	GtkWidget *ok;
	GHashTable *fields; /* key -> GtkEntry (borrowed) */
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
	MuPinDialog *d = g_object_new(MU_TYPE_PIN_DIALOG, "use-header-bar", FALSE, "title", title,
	                              "transient-for", parent, "modal", TRUE, NULL);
	gtk_label_set_text(d->guidance, guidance);
	GtkWidget *cancel = gtk_dialog_add_button(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL);
	d->ok = gtk_dialog_add_button(GTK_DIALOG(d), ok_label, GTK_RESPONSE_OK);
	mu_gui_name(cancel, "Cancel", NULL);
	mu_gui_name(d->ok, ok_label, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_OK);
	return d;
}

void mu_pin_dialog_add(MuPinDialog *d, const char *key, const char *label, gboolean secret,
                       const char *initial)
{
	GtkWidget *l = gtk_label_new(label);
	GtkWidget *e = gtk_entry_new();
	gtk_label_set_xalign(GTK_LABEL(l), 1.0f);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), e);
	gtk_widget_set_hexpand(e, TRUE);
	gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
	if (secret) {
		gtk_entry_set_visibility(GTK_ENTRY(e), FALSE);
		gtk_entry_set_input_purpose(GTK_ENTRY(e), GTK_INPUT_PURPOSE_PIN);
		gtk_entry_set_max_length(GTK_ENTRY(e), 16);
	}
	if (initial != NULL)
		gtk_entry_set_text(GTK_ENTRY(e), initial);
	gtk_grid_attach(d->grid, l, 0, d->rows, 1, 1);
	gtk_grid_attach(d->grid, e, 1, d->rows, 1, 1);
	d->rows++;
	mu_gui_name(e, key, label);
	gtk_widget_show(l);
	gtk_widget_show(e);
	g_hash_table_insert(d->fields, g_strdup(key), e);
}

char *mu_pin_dialog_text(MuPinDialog *d, const char *key)
{
	GtkEntry *e = g_hash_table_lookup(d->fields, key);
	return g_strdup(e != NULL ? gtk_entry_get_text(e) : "");
}

gboolean mu_pin_dialog_take_pin(MuPinDialog *d, const char *key, char *buf, size_t cap)
{
	GtkEntry *e = g_hash_table_lookup(d->fields, key);
	if (e == NULL || cap == 0)
		return FALSE;
	const char *t = gtk_entry_get_text(e);
	gboolean ok = strlen(t) < cap;
	if (ok)
		memcpy(buf, t, strlen(t) + 1);
	else
		buf[0] = '\0';
	/* GtkEntryBuffer wipes the deleted text */
	gtk_entry_set_text(e, "");
	return ok;
}
