/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-cards-page.h"

#include "mu-card-jobs.h"
#include "mu-gui-util.h"
#include "mu-pin-dialog.h"
#include "mu-reader-monitor.h"
#include "mu-vp.h"

struct _MuCardsPage {
	GtkBox parent;
	GtkLabel *status;
	GtkListBox *readers;
	GtkLabel *card_type, *zone, *label, *pin_tries, *admin;
	GtkListBox *keyparts;
	GtkWidget *init_ca, *enroll, *keypart_gen;
	GtkSpinner *spinner;
	mu_reader_monitor *monitor;
	GCancellable *cancel; /* the page's card work */
	char *selected;       /* selected reader name */
	GPtrArray *states;    /* last mu_reader_state list (names) */
	gboolean busy;
	guint read_serial;
};

G_DEFINE_TYPE(MuCardsPage, mu_cards_page, GTK_TYPE_BOX)

static void show_card(MuCardsPage *p, const mu_card_view *v, const char *why);

static void update_buttons(MuCardsPage *p)
{
	gboolean can = p->selected != NULL && !p->busy;
	gtk_widget_set_sensitive(p->init_ca, can);
	gtk_widget_set_sensitive(p->enroll, can);
	gtk_widget_set_sensitive(p->keypart_gen, can);
	if (p->busy)
		gtk_spinner_start(p->spinner);
	else
		gtk_spinner_stop(p->spinner);
}

typedef struct {
	MuCardsPage *page; /* weak */
	guint serial;
} read_ctx;

static void read_done(GObject *src, GAsyncResult *res, gpointer data)
{
	read_ctx *rc = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(mu_card_view) v = mu_card_read_finish(res, &error);
	MuCardsPage *p = rc->page;
	if (p != NULL) {
		g_object_remove_weak_pointer(G_OBJECT(p), (gpointer *)&rc->page);
		if (rc->serial == p->read_serial)
			show_card(p, v, error != NULL ? error->message : NULL);
	}
	g_free(rc);
}

static void read_selected(MuCardsPage *p)
{
	p->read_serial++;
	if (p->selected == NULL) {
		show_card(p, NULL, "Select a reader.");
		return;
	}
	gtk_label_set_text(p->card_type, "reading…");
	read_ctx *rc = g_new0(read_ctx, 1);
	rc->page = p;
	rc->serial = p->read_serial;
	g_object_add_weak_pointer(G_OBJECT(p), (gpointer *)&rc->page);
	mu_card_read_async(p->selected, p->cancel, read_done, rc);
}

static void set_pair(GtkLabel *l, const char *text)
{
	gtk_label_set_text(l, text != NULL && *text != '\0' ? text : "–");
}

static void show_card(MuCardsPage *p, const mu_card_view *v, const char *why)
{
	GList *kids = gtk_container_get_children(GTK_CONTAINER(p->keyparts));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
	if (v == NULL) {
		set_pair(p->card_type, why);
		set_pair(p->zone, NULL);
		set_pair(p->label, NULL);
		set_pair(p->pin_tries, NULL);
		set_pair(p->admin, NULL);
		return;
	}
	const mu_card_info *i = &v->info;
	set_pair(p->card_type, mu_card_type_name(i->type));
	g_autofree char *zone = i->zone_id[0] != '\0'
	                            ? g_strdup_printf("%s %s", i->zone_id, i->zone_desc)
	                            : NULL;
	set_pair(p->zone, zone);
	set_pair(p->label, i->label);
	g_autofree char *tries = NULL;
	if (i->pin1_tries >= 0 && i->pin2_tries >= 0)
		tries = g_strdup_printf("PIN 1: %d, PIN 2: %d%s", i->pin1_tries, i->pin2_tries,
		                        i->blocked ? " (blocked)" : "");
	else if (i->pin1_tries >= 0)
		tries = g_strdup_printf("%d%s", i->pin1_tries, i->blocked ? " (blocked)" : "");
	set_pair(p->pin_tries, tries);
	set_pair(p->admin, i->admin_name);
	for (size_t k = 0; k < v->nparts; k++) {
		char hex[2 * MU_VP_LEN + 1];
		mu_vp_to_hex(v->parts[k].vp, hex);
		g_autofree char *text =
		    g_strdup_printf("slot %u: %s — VP %s", v->parts[k].slot, v->parts[k].desc, hex);
		GtkWidget *l = gtk_label_new(text);
		gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
		gtk_label_set_selectable(GTK_LABEL(l), TRUE);
		g_autofree char *name = g_strdup_printf("key part %u", v->parts[k].slot);
		mu_gui_name(l, name, NULL);
		gtk_widget_show(l);
		gtk_container_add(GTK_CONTAINER(p->keyparts), l);
	}
}

static void on_readers(GPtrArray *readers, const GError *error, gpointer data)
{
	MuCardsPage *p = data;
	gboolean selected_changed = FALSE;
	gboolean selected_seen = FALSE;
	GList *kids = gtk_container_get_children(GTK_CONTAINER(p->readers));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
	guint with_card = 0;
	GtkListBoxRow *select = NULL;
	for (guint i = 0; i < readers->len; i++) {
		mu_reader_state *s = readers->pdata[i];
		g_autofree char *text = g_strdup_printf("%s: %s", s->name,
		                                        s->present ? "card inserted" : "empty");
		GtkWidget *row = gtk_list_box_row_new();
		GtkWidget *l = gtk_label_new(text);
		gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
		g_object_set(l, "margin", 6, NULL);
		gtk_container_add(GTK_CONTAINER(row), l);
		g_object_set_data_full(G_OBJECT(row), "reader", g_strdup(s->name), g_free);
		g_autofree char *name = g_strdup_printf("reader %u", i);
		mu_gui_name(row, name, text);
		gtk_widget_show_all(row);
		gtk_container_add(GTK_CONTAINER(p->readers), row);
		with_card += s->present ? 1 : 0;
		if (g_strcmp0(s->name, p->selected) == 0) {
			select = GTK_LIST_BOX_ROW(row);
			selected_seen = TRUE;
			gboolean was = FALSE;
			for (guint k = 0; p->states != NULL && k < p->states->len; k++) {
				mu_reader_state *o = p->states->pdata[k];
				if (g_strcmp0(o->name, s->name) == 0)
					was = o->present;
			}
			selected_changed = was != s->present;
		}
	}
	if (select == NULL && readers->len > 0) {
		select = gtk_list_box_get_row_at_index(p->readers, 0);
		g_free(p->selected);
		p->selected = g_strdup(g_object_get_data(G_OBJECT(select), "reader"));
		selected_changed = TRUE;
	} else if (!selected_seen) {
		g_clear_pointer(&p->selected, g_free);
		selected_changed = TRUE;
	}
	g_clear_pointer(&p->states, g_ptr_array_unref);
	p->states = g_ptr_array_ref(readers);
	g_autofree char *status = NULL;
	if (error != NULL)
		status = g_strdup(error->message);
	else if (readers->len == 0)
		status = g_strdup("No smart card reader: plug in a reader (or start the virtual "
		                  "deck with scripts/demo).");
	else
		status = g_strdup_printf("%u reader%s, %u with a card", readers->len,
		                         readers->len == 1 ? "" : "s", with_card);
	gtk_label_set_text(p->status, status);
	if (select != NULL) {
		g_signal_handlers_block_matched(p->readers, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, p);
		gtk_list_box_select_row(p->readers, select);
		g_signal_handlers_unblock_matched(p->readers, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
		                                  p);
	}
	update_buttons(p);
	if (selected_changed)
		read_selected(p);
}

static void on_row_selected(GtkListBox *box, GtkListBoxRow *row, gpointer data)
{
	MuCardsPage *p = data;
	if (row == NULL)
		return;
	const char *name = g_object_get_data(G_OBJECT(row), "reader");
	if (g_strcmp0(name, p->selected) == 0)
		return;
	g_free(p->selected);
	p->selected = g_strdup(name);
	update_buttons(p);
	read_selected(p);
}

/* ---- operations ---- */

typedef struct {
	MuCardsPage *page; /* weak */
} job_ctx;

static void job_done(GObject *src, GAsyncResult *res, gpointer data)
{
	job_ctx *jc = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *msg = mu_card_job_run_finish(res, &error);
	MuCardsPage *p = jc->page;
	if (p != NULL) {
		g_object_remove_weak_pointer(G_OBJECT(p), (gpointer *)&jc->page);
		p->busy = FALSE;
		update_buttons(p);
		if (error != NULL)
			mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		else
			mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_INFO, msg);
		read_selected(p);
	}
	g_free(jc);
}

static void run_job(MuCardsPage *p, mu_card_job *job)
{
	job_ctx *jc = g_new0(job_ctx, 1);
	jc->page = p;
	g_object_add_weak_pointer(G_OBJECT(p), (gpointer *)&jc->page);
	p->busy = TRUE;
	update_buttons(p);
	mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_INFO, "Working with the card…");
	mu_card_job_run_async(job, p->cancel, job_done, jc);
}

static void on_dialog_response(GtkDialog *dialog, int response, gpointer data)
{
	MuCardsPage *p = data;
	MuPinDialog *d = MU_PIN_DIALOG(dialog);
	mu_card_job_kind kind = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(d), "kind"));
	mu_card_job *job = mu_card_job_new(kind, p->selected);
	/* the PINs leave the entries first, whatever the answer */
	gboolean fit = mu_pin_dialog_take_pin(d, "pin1", job->pin1, sizeof(job->pin1));
	if (kind != MU_CARD_JOB_KEYPART)
		fit &= mu_pin_dialog_take_pin(d, "pin2", job->pin2, sizeof(job->pin2));
	if (kind == MU_CARD_JOB_ENROLL)
		fit &= mu_pin_dialog_take_pin(d, "new-pin", job->new_pin, sizeof(job->new_pin));
	job->root_path = mu_pin_dialog_text(d, "root");
	job->zone = mu_pin_dialog_text(d, "zone");
	job->zone_desc = mu_pin_dialog_text(d, "zone-description");
	job->label = mu_pin_dialog_text(d, "label");
	job->desc = mu_pin_dialog_text(d, "description");
	gtk_widget_destroy(GTK_WIDGET(d));
	if (response != GTK_RESPONSE_OK || p->selected == NULL) {
		mu_card_job_free(job);
		return;
	}
	if (!fit) {
		mu_card_job_free(job);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, "A PIN is too long: PINs have 6 digits.");
		return;
	}
	run_job(p, job);
}

static void open_dialog(MuCardsPage *p, mu_card_job_kind kind)
{
	if (p->selected == NULL)
		return;
	GtkWindow *top = GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(p)));
	MuPinDialog *d = NULL;
	g_autofree char *guide = NULL;
	switch (kind) {
	case MU_CARD_JOB_INIT_CA:
		guide = g_strdup_printf("The blank card in reader \"%s\" becomes the CA card of a "
		                        "zone. Two officers each choose a PIN of 6 digits.",
		                        p->selected);
		d = mu_pin_dialog_new(top, "Initialize CA card", guide, "Initialize");
		mu_pin_dialog_add(d, "root", "Manufacturer root certificate (file)", FALSE,
		                  g_getenv("OPENMU_ROOT_CERT"));
		mu_pin_dialog_add(d, "zone", "Zone id", FALSE, NULL);
		mu_pin_dialog_add(d, "zone-description", "Zone description", FALSE, NULL);
		mu_pin_dialog_add(d, "label", "Card label", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1 (first officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2 (second officer)", TRUE, NULL);
		break;
	case MU_CARD_JOB_ENROLL:
		guide = g_strdup_printf("The blank card in reader \"%s\" becomes an EP11 card. "
		                        "Insert the zone's CA card in another reader; both CA "
		                        "officers enter their PINs.",
		                        p->selected);
		d = mu_pin_dialog_new(top, "Enroll EP11 card", guide, "Enroll");
		mu_pin_dialog_add(d, "label", "Card label", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin", "PIN of the new EP11 card", TRUE, NULL);
		break;
	case MU_CARD_JOB_KEYPART:
		guide = g_strdup_printf("A new key part is generated on the EP11 card in reader "
		                        "\"%s\".",
		                        p->selected);
		d = mu_pin_dialog_new(top, "Generate key part", guide, "Generate");
		mu_pin_dialog_add(d, "description", "Key part description", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "Card PIN", TRUE, NULL);
		break;
	}
	g_object_set_data(G_OBJECT(d), "kind", GINT_TO_POINTER(kind));
	g_signal_connect(d, "response", G_CALLBACK(on_dialog_response), p);
	gtk_widget_show(GTK_WIDGET(d));
}

static void on_init_ca(GtkButton *b, gpointer p)
{
	open_dialog(p, MU_CARD_JOB_INIT_CA);
}

static void on_enroll(GtkButton *b, gpointer p)
{
	open_dialog(p, MU_CARD_JOB_ENROLL);
}

static void on_keypart_gen(GtkButton *b, gpointer p)
{
	open_dialog(p, MU_CARD_JOB_KEYPART);
}

/* ---- life cycle ---- */

static void mu_cards_page_dispose(GObject *obj)
{
	MuCardsPage *p = MU_CARDS_PAGE(obj);
	mu_reader_monitor_stop(&p->monitor);
	if (p->cancel != NULL)
		g_cancellable_cancel(p->cancel);
	g_clear_object(&p->cancel);
	g_clear_pointer(&p->selected, g_free);
	g_clear_pointer(&p->states, g_ptr_array_unref);
	G_OBJECT_CLASS(mu_cards_page_parent_class)->dispose(obj);
}

static void mu_cards_page_class_init(MuCardsPageClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = mu_cards_page_dispose;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-cards-page.ui");
	gtk_widget_class_bind_template_child(wc, MuCardsPage, status);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, readers);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, card_type);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, zone);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, label);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, pin_tries);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, admin);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, keyparts);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, init_ca);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, enroll);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, keypart_gen);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, spinner);
	gtk_widget_class_bind_template_callback(wc, on_row_selected);
	gtk_widget_class_bind_template_callback(wc, on_init_ca);
	gtk_widget_class_bind_template_callback(wc, on_enroll);
	gtk_widget_class_bind_template_callback(wc, on_keypart_gen);
}

static void mu_cards_page_init(MuCardsPage *p)
{
	gtk_widget_init_template(GTK_WIDGET(p));
	p->cancel = g_cancellable_new();
	mu_gui_name(GTK_WIDGET(p->status), "readers status", NULL);
	mu_gui_name(GTK_WIDGET(p->readers), "readers", NULL);
	mu_gui_name(GTK_WIDGET(p->card_type), "card type", NULL);
	mu_gui_name(GTK_WIDGET(p->zone), "card zone", NULL);
	mu_gui_name(GTK_WIDGET(p->label), "card label", NULL);
	mu_gui_name(GTK_WIDGET(p->pin_tries), "card PIN tries", NULL);
	mu_gui_name(GTK_WIDGET(p->admin), "card admin", NULL);
	mu_gui_name(GTK_WIDGET(p->keyparts), "key parts", NULL);
	mu_gui_name(p->init_ca, "Initialize CA card", NULL);
	mu_gui_name(p->enroll, "Enroll EP11 card", NULL);
	mu_gui_name(p->keypart_gen, "Generate key part", NULL);
	update_buttons(p);
	p->monitor = mu_reader_monitor_start(on_readers, p);
}

MuCardsPage *mu_cards_page_new(void)
{
	return g_object_new(MU_TYPE_CARDS_PAGE, NULL);
}

void mu_cards_page_refresh(MuCardsPage *p)
{
	read_selected(p);
}
