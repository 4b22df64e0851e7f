/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-cards-page.h"

#include "mu-card-dialogs.h"
#include "mu-card-jobs.h"
#include "mu-gui-util.h"
#include "mu-pin-dialog.h"
#include "mu-reader-monitor.h"
#include "mu-vp.h"

/* The operations, as buttons in two rows: the card as a whole, and its
 * keys and PINs. name is the accessible name (and the dialog's title). */
static const struct card_action {
	mu_card_job_kind kind;
	const char *label, *name, *tip;
	gboolean keys_row;
} actions[] = {
    {MU_CARD_JOB_INIT_CA, "Initialize CA card…", "Initialize CA card",
     "Make the blank card the CA card of a new zone", FALSE},
    {MU_CARD_JOB_ENROLL, "Enroll EP11 card…", "Enroll EP11 card",
     "Enroll the blank card into the zone of a CA card in another reader", FALSE},
    {MU_CARD_JOB_CA_BACKUP, "Back up CA card…", "Back up CA card",
     "Make a blank card in another reader a second CA card of this zone", FALSE},
    {MU_CARD_JOB_COPY, "Copy card…", "Copy card",
     "Copy the signature key and key parts to another EP11 card of the zone", FALSE},
    {MU_CARD_JOB_ZEROIZE, "Zeroize…", "Zeroize card", "Wipe the card back to blank", FALSE},
    {MU_CARD_JOB_KEYPART, "Generate key part…", "Generate key part",
     "Generate a master key part on the EP11 card", TRUE},
    {MU_CARD_JOB_KEYPART_DELETE, "Delete key part…", "Delete key part",
     "Delete the key part selected in the list", TRUE},
    {MU_CARD_JOB_SIGKEY, "Generate signature key…", "Generate signature key",
     "Generate the administrator signature key on the EP11 card", TRUE},
    {MU_CARD_JOB_CHANGE_PIN, "Change PIN…", "Change PIN", "Change a PIN of the card", TRUE},
    {MU_CARD_JOB_UNBLOCK, "Unblock PIN…", "Unblock PIN",
     "Give the EP11 card a new PIN with the zone's CA card", TRUE},
};

struct _MuCardsPage {
	GtkBox parent;
	GtkLabel *status;
	GtkListBox *readers;
	GtkLabel *card_type, *serial, *zone, *label, *pin_tries, *admin;
	GtkListBox *keyparts;
	GtkFlowBox *card_actions, *key_actions;
	GtkWidget *buttons[G_N_ELEMENTS(actions)];
	GtkSpinner *spinner;
	mu_reader_monitor *monitor;
	GCancellable *cancel; /* the page's card work */
	char *selected;       /* selected reader name */
	mu_card_view *view;   /* the card read in it, NULL while unknown */
	GPtrArray *states;    /* last mu_reader_state list (names) */
	gboolean busy;
	guint read_serial;
};

G_DEFINE_TYPE(MuCardsPage, mu_cards_page, GTK_TYPE_BOX)

/* Shows the card v (taken; NULL: no card, why says so). */
static void show_card(MuCardsPage *p, mu_card_view *v, const char *why);

/* The slot of the key part selected in the list, -1 when none. */
static int selected_slot(MuCardsPage *p)
{
	GtkListBoxRow *row = gtk_list_box_get_selected_row(p->keyparts);
	if (row == NULL)
		return -1;
	return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(row), "slot")) - 1;
}

static void update_buttons(MuCardsPage *p)
{
	int slot = selected_slot(p);
	for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
		gboolean can = p->selected != NULL && !p->busy &&
		               mu_card_op_applies(actions[i].kind, p->view, slot);
		gtk_widget_set_sensitive(p->buttons[i], can);
	}
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
			show_card(p, g_steal_pointer(&v), error != NULL ? error->message : NULL);
	}
	g_free(rc);
}

static void read_selected(MuCardsPage *p)
{
	p->read_serial++;
	g_clear_pointer(&p->view, mu_card_view_free);
	update_buttons(p);
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

static void show_card(MuCardsPage *p, mu_card_view *v, const char *why)
{
	GList *kids = gtk_container_get_children(GTK_CONTAINER(p->keyparts));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
	g_clear_pointer(&p->view, mu_card_view_free);
	if (v == NULL) {
		set_pair(p->card_type, why);
		set_pair(p->serial, NULL);
		set_pair(p->zone, NULL);
		set_pair(p->label, NULL);
		set_pair(p->pin_tries, NULL);
		set_pair(p->admin, NULL);
		update_buttons(p);
		return;
	}
	const mu_card_info *i = &v->info;
	set_pair(p->card_type, mu_card_type_name(i->type));
	char serial[2 * MU_SERIAL_LEN + 1];
	for (size_t k = 0; k < MU_SERIAL_LEN; k++)
		g_snprintf(serial + 2 * k, 3, "%02x", i->serial[k]);
	set_pair(p->serial, serial);
	g_autofree char *zone =
	    i->zone_id[0] != '\0' ? g_strdup_printf("%s %s", i->zone_id, i->zone_desc) : NULL;
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
		GtkWidget *row = gtk_list_box_row_new();
		GtkWidget *l = gtk_label_new(text);
		gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
		/* a VP is read out whole: wrap it rather than cut it */
		gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
		gtk_label_set_line_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
		g_object_set(l, "margin", 3, NULL);
		g_autofree char *name = g_strdup_printf("key part %u", v->parts[k].slot);
		mu_gui_name(l, name, NULL);
		g_autofree char *row_name = g_strdup_printf("slot %u", v->parts[k].slot);
		mu_gui_name(row, row_name, text);
		g_object_set_data(G_OBJECT(row), "slot",
		                  GINT_TO_POINTER((int)v->parts[k].slot + 1));
		gtk_container_add(GTK_CONTAINER(row), l);
		gtk_widget_show_all(row);
		gtk_container_add(GTK_CONTAINER(p->keyparts), row);
	}
	p->view = v;
	update_buttons(p);
}

static void on_keypart_selected(GtkListBox *box, GtkListBoxRow *row, gpointer data)
{
	if (!gtk_widget_in_destruction(GTK_WIDGET(data)))
		update_buttons(data);
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
		g_autofree char *text =
		    g_strdup_printf("%s: %s", s->name, s->present ? "card inserted" : "empty");
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
		g_signal_handlers_block_matched(p->readers, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
		                                p);
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
	GApplication *app = g_application_get_default();
	if (app != NULL)
		g_application_release(app);
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
	/* closing the window must not end the process in the middle of a card
	 * operation (a half-enrolled or half-copied card) */
	GApplication *app = g_application_get_default();
	if (app != NULL)
		g_application_hold(app);
	mu_card_job_run_async(job, p->cancel, job_done, jc);
}

static void on_dialog_response(GtkDialog *dialog, int response, gpointer data)
{
	MuCardsPage *p = data;
	g_autoptr(GError) error = NULL;
	mu_card_job *job =
	    mu_card_dialog_take_job(MU_PIN_DIALOG(dialog), response == GTK_RESPONSE_OK, &error);
	gtk_widget_destroy(GTK_WIDGET(dialog));
	if (error != NULL)
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
	if (job == NULL)
		return;
	if (p->busy || g_strcmp0(job->reader, p->selected) != 0) {
		mu_card_job_free(job);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR,
		              "The selected reader changed while the dialog was open: nothing was "
		              "done; start again.");
		return;
	}
	run_job(p, job);
}

/* The other readers that hold a card (NULL-terminated, g_strfreev). */
static char **other_readers(MuCardsPage *p)
{
	GPtrArray *out = g_ptr_array_new();
	for (guint k = 0; p->states != NULL && k < p->states->len; k++) {
		mu_reader_state *s = p->states->pdata[k];
		if (s->present && g_strcmp0(s->name, p->selected) != 0)
			g_ptr_array_add(out, g_strdup(s->name));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static void on_action(GtkButton *b, gpointer data)
{
	MuCardsPage *p = data;
	gsize i = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(b), "action"));
	int slot = selected_slot(p);
	if (i == 0 || i > G_N_ELEMENTS(actions) || p->busy ||
	    !mu_card_op_applies(actions[i - 1].kind, p->view, slot))
		return;
	const struct card_action *a = &actions[i - 1];
	g_auto(GStrv) others = other_readers(p);
	mu_card_dialog_ctx ctx = {
	    .reader = p->selected,
	    .view = p->view,
	    .others = (const char *const *)others,
	    .slot = slot,
	};
	GtkWindow *top = GTK_WINDOW(gtk_widget_get_toplevel(GTK_WIDGET(p)));
	MuPinDialog *d = mu_card_dialog_new(top, a->kind, &ctx);
	g_signal_connect_object(d, "response", G_CALLBACK(on_dialog_response), p, 0);
	gtk_widget_show(GTK_WIDGET(d));
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
	g_clear_pointer(&p->view, mu_card_view_free);
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
	gtk_widget_class_bind_template_child(wc, MuCardsPage, serial);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, zone);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, label);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, pin_tries);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, admin);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, keyparts);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, card_actions);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, key_actions);
	gtk_widget_class_bind_template_child(wc, MuCardsPage, spinner);
	gtk_widget_class_bind_template_callback(wc, on_row_selected);
	gtk_widget_class_bind_template_callback(wc, on_keypart_selected);
}

static void mu_cards_page_init(MuCardsPage *p)
{
	gtk_widget_init_template(GTK_WIDGET(p));
	p->cancel = g_cancellable_new();
	mu_gui_name(GTK_WIDGET(p->status), "readers status", NULL);
	mu_gui_name(GTK_WIDGET(p->readers), "readers", NULL);
	mu_gui_name(GTK_WIDGET(p->card_type), "card type", NULL);
	mu_gui_name(GTK_WIDGET(p->serial), "card serial", NULL);
	mu_gui_name(GTK_WIDGET(p->zone), "card zone", NULL);
	mu_gui_name(GTK_WIDGET(p->label), "card label", NULL);
	mu_gui_name(GTK_WIDGET(p->pin_tries), "card PIN tries", NULL);
	mu_gui_name(GTK_WIDGET(p->admin), "card admin", NULL);
	mu_gui_name(GTK_WIDGET(p->keyparts), "key parts", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
		GtkWidget *b = gtk_button_new_with_label(actions[i].label);
		gtk_widget_set_tooltip_text(b, actions[i].tip);
		mu_gui_name(b, actions[i].name, actions[i].tip);
		g_object_set_data(G_OBJECT(b), "action", GSIZE_TO_POINTER(i + 1));
		g_signal_connect(b, "clicked", G_CALLBACK(on_action), p);
		gtk_widget_show(b);
		gtk_flow_box_insert(actions[i].keys_row ? p->key_actions : p->card_actions, b, -1);
		/* the buttons take the focus, not their flow box cells */
		gtk_widget_set_can_focus(gtk_widget_get_parent(b), FALSE);
		p->buttons[i] = b;
	}
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
