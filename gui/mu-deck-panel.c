/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-deck-panel.h"

#include <string.h>

#include "cardsim-ctl-parse.h"
#include "mu-gui-util.h"

struct _MuDeckPanel {
	GtkBox parent;
	GtkLabel *status;
	GtkListBox *cards;
	GtkListBox *slots;
	char *ctl;
	GCancellable *cancel;
	guint nreaders;
	guint writes; /* insert and remove requests under way */
};

G_DEFINE_TYPE(MuDeckPanel, mu_deck_panel, GTK_TYPE_BOX)

/* ---- worker: one or more control requests ---- */

typedef struct {
	char *ctl;
	char *request; /* NULL: only read the deck */
	char **cards;  /* reply of "cards" */
	char **held;   /* reply of "list" */
} ctl_job;

static void ctl_job_free(gpointer p)
{
	ctl_job *j = p;
	g_free(j->ctl);
	g_free(j->request);
	g_strfreev(j->cards);
	g_strfreev(j->held);
	g_free(j);
}

static void ctl_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	ctl_job *j = data;
	GError *error = NULL;
	char **r = NULL;
	if (j->request != NULL && (r = mu_gui_ctl_request(j->ctl, j->request, &error)) == NULL) {
		g_task_return_error(task, error);
		return;
	}
	g_strfreev(r);
	if ((j->cards = mu_gui_ctl_request(j->ctl, "cards", &error)) == NULL ||
	    (j->held = mu_gui_ctl_request(j->ctl, "list", &error)) == NULL) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_boolean(task, TRUE);
}

static void clear_box(GtkListBox *box)
{
	GList *kids = gtk_container_get_children(GTK_CONTAINER(box));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
}

static void send_request(MuDeckPanel *p, char *request);

static void on_insert(GtkButton *b, gpointer data)
{
	MuDeckPanel *p = data;
	send_request(p, g_strdup_printf("insert %s %s",
	                                (const char *)g_object_get_data(G_OBJECT(b), "card"),
	                                (const char *)g_object_get_data(G_OBJECT(b), "reader")));
}

static void on_remove(GtkButton *b, gpointer data)
{
	MuDeckPanel *p = data;
	send_request(p, g_strdup_printf("remove %s",
	                                (const char *)g_object_get_data(G_OBJECT(b), "reader")));
}

static GtkWidget *button(const char *label, const char *a11y, GCallback cb, MuDeckPanel *p)
{
	GtkWidget *b = gtk_button_new_with_label(label);
	mu_gui_name(b, a11y, NULL);
	g_signal_connect(b, "clicked", cb, p);
	return b;
}

static void show_deck(MuDeckPanel *p, ctl_job *j)
{
	clear_box(p->slots);
	clear_box(p->cards);
	p->nreaders = 0;
	for (char **l = j->held; *l != NULL; l++) {
		cardsim_ctl_slot slot;
		if (cardsim_ctl_parse_slot(*l, strlen(*l), &slot) != 0 ||
		    slot.reader != p->nreaders) {
			g_warning(
			    "the virtual deck sent a reader line that does not parse: skipped");
			continue;
		}
		char f0[4];
		g_snprintf(f0, sizeof(f0), "%u", slot.reader);
		gboolean empty = !slot.held;
		GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
		g_autofree char *text =
		    g_strdup_printf("Reader %s: %s", f0, empty ? "empty" : slot.name);
		GtkWidget *l1 = gtk_label_new(text);
		gtk_label_set_xalign(GTK_LABEL(l1), 0.0f);
		gtk_widget_set_hexpand(l1, TRUE);
		g_autofree char *lname = g_strdup_printf("virtual reader %s", f0);
		mu_gui_name(l1, lname, NULL);
		gtk_container_add(GTK_CONTAINER(row), l1);
		if (!empty) {
			g_autofree char *bname = g_strdup_printf("remove from %s", f0);
			GtkWidget *b = button("Remove", bname, G_CALLBACK(on_remove), p);
			g_object_set_data_full(G_OBJECT(b), "reader", g_strdup(f0), g_free);
			gtk_container_add(GTK_CONTAINER(row), b);
		}
		g_object_set(row, "margin", 4, NULL);
		gtk_widget_show_all(row);
		gtk_container_add(GTK_CONTAINER(p->slots), row);
		p->nreaders++;
	}
	for (char **c = j->cards; *c != NULL; c++) {
		if (!cardsim_ctl_name_valid(*c, strlen(*c))) {
			g_warning("the virtual deck sent a card name that is not valid: skipped");
			continue;
		}
		GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
		GtkWidget *l1 = gtk_label_new(*c);
		gtk_label_set_xalign(GTK_LABEL(l1), 0.0f);
		gtk_widget_set_hexpand(l1, TRUE);
		g_autofree char *cname = g_strdup_printf("deck card %s", *c);
		mu_gui_name(l1, cname, NULL);
		gtk_container_add(GTK_CONTAINER(row), l1);
		for (guint r = 0; r < p->nreaders; r++) {
			g_autofree char *label = g_strdup_printf("→ %u", r);
			g_autofree char *a11y = g_strdup_printf("insert %s into %u", *c, r);
			GtkWidget *b = button(label, a11y, G_CALLBACK(on_insert), p);
			gtk_widget_set_tooltip_text(b, a11y);
			g_object_set_data_full(G_OBJECT(b), "card", g_strdup(*c), g_free);
			g_object_set_data_full(G_OBJECT(b), "reader", g_strdup_printf("%u", r),
			                       g_free);
			gtk_container_add(GTK_CONTAINER(row), b);
		}
		g_object_set(row, "margin", 4, NULL);
		gtk_widget_show_all(row);
		gtk_container_add(GTK_CONTAINER(p->cards), row);
	}
	g_autofree char *st =
	    g_strdup_printf("%u cards, %u virtual readers", g_strv_length(j->cards), p->nreaders);
	gtk_label_set_text(p->status, st);
}

static void ctl_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuDeckPanel *p = data; /* ref held by the task's source object */
	g_autoptr(GError) error = NULL;
	ctl_job *j = g_task_get_task_data(G_TASK(res));
	gboolean ok = g_task_propagate_boolean(G_TASK(res), &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* the panel is being destroyed */
	if (j->request != NULL && p->writes > 0)
		p->writes--;
	/* the buttons come back once no insert or remove is under way, even
	 * after a refusal: the panel must not stay frozen */
	gtk_widget_set_sensitive(GTK_WIDGET(p->cards), p->writes == 0);
	gtk_widget_set_sensitive(GTK_WIDGET(p->slots), p->writes == 0);
	if (!ok) {
		if (j->request == NULL) /* a refused insert keeps the deck shown */
			gtk_label_set_text(p->status, "The virtual deck does not answer.");
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_ERROR, error->message);
		return;
	}
	show_deck(p, j);
}

static void send_request(MuDeckPanel *p, char *request)
{
	ctl_job *j = g_new0(ctl_job, 1);
	j->ctl = g_strdup(p->ctl);
	j->request = request;
	if (request != NULL) {
		p->writes++;
		gtk_widget_set_sensitive(GTK_WIDGET(p->cards), FALSE);
		gtk_widget_set_sensitive(GTK_WIDGET(p->slots), FALSE);
	}
	g_autoptr(GTask) task = g_task_new(p, p->cancel, ctl_done, p);
	g_task_set_task_data(task, j, ctl_job_free);
	g_task_run_in_thread(task, ctl_thread);
}

static void on_refresh(GtkButton *b, gpointer data)
{
	mu_deck_panel_refresh(data);
}

static void mu_deck_panel_dispose(GObject *obj)
{
	MuDeckPanel *p = MU_DECK_PANEL(obj);
	if (p->cancel != NULL)
		g_cancellable_cancel(p->cancel);
	g_clear_object(&p->cancel);
	g_clear_pointer(&p->ctl, g_free);
	G_OBJECT_CLASS(mu_deck_panel_parent_class)->dispose(obj);
}

static void mu_deck_panel_class_init(MuDeckPanelClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = mu_deck_panel_dispose;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-deck-panel.ui");
	gtk_widget_class_bind_template_child(wc, MuDeckPanel, status);
	gtk_widget_class_bind_template_child(wc, MuDeckPanel, cards);
	gtk_widget_class_bind_template_child(wc, MuDeckPanel, slots);
	gtk_widget_class_bind_template_callback(wc, on_refresh);
}

static void mu_deck_panel_init(MuDeckPanel *p)
{
	gtk_widget_init_template(GTK_WIDGET(p));
	p->cancel = g_cancellable_new();
	mu_gui_name(GTK_WIDGET(p->status), "deck status", NULL);
	mu_gui_name(GTK_WIDGET(p), "Virtual deck", NULL);
}

MuDeckPanel *mu_deck_panel_new(const char *ctl_path)
{
	MuDeckPanel *p = g_object_new(MU_TYPE_DECK_PANEL, NULL);
	p->ctl = g_strdup(ctl_path);
	mu_deck_panel_refresh(p);
	return p;
}

void mu_deck_panel_refresh(MuDeckPanel *p)
{
	send_request(p, NULL);
}
