/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-journal-page.h"

#include "mu-gui-util.h"
#include "mu-tke-journal.h"

struct _MuJournalPage {
	GtkBox parent;
	GtkLabel *status;
	GtkListBox *records;
	char *path;
	GCancellable *cancel;
};

G_DEFINE_TYPE(MuJournalPage, mu_journal_page, GTK_TYPE_BOX)

typedef struct {
	char *path;
	gboolean ok;
	char *verdict;
	GPtrArray *lines; /* char *: one per record */
} journal_job;

static void journal_job_free(gpointer p)
{
	journal_job *j = p;
	g_free(j->path);
	g_free(j->verdict);
	if (j->lines != NULL)
		g_ptr_array_unref(j->lines);
	g_free(j);
}

static char *record_text(const mu_tke_journal_record *r)
{
	if (r->type == MU_TKE_JOURNAL_CERT)
		return g_strdup_printf("%" G_GUINT64_FORMAT "  certificate of an admin", r->seq);
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(r->time);
	g_autofree char *when = t != NULL ? g_date_time_format(t, "%F %T UTC") : g_strdup("?");
	return g_strdup_printf("%" G_GUINT64_FORMAT "  %s  %s on %s: %s%s", r->seq, when, r->step,
	                       r->unit, r->result, r->has_by ? " (countersigned)" : "");
}

static void journal_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	journal_job *j = data;
	g_autofree char *text = NULL;
	gsize len = 0;
	GError *error = NULL;
	if (!g_file_get_contents(j->path, &text, &len, &error)) {
		if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_clear_error(&error);
			g_set_error(
			    &error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "No records yet: the journal %s is written by the first ceremony "
			    "step.",
			    j->path);
		} else {
			g_prefix_error(&error, "journal: ");
		}
		g_task_return_error(task, error);
		return;
	}
	mu_tke_journal_summary sum = {0};
	g_autoptr(GPtrArray) records = NULL;
	j->ok = mu_tke_journal_verify(text, len, &sum, &records, &error);
	j->lines = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; records != NULL && i < records->len; i++)
		g_ptr_array_add(j->lines, record_text(records->pdata[i]));
	if (j->ok)
		j->verdict =
		    g_strdup_printf("Journal verified: %zu records, %zu steps, %zu "
		                    "countersigned, %zu refusals.",
		                    sum.records, sum.steps, sum.countersigned, sum.refusals);
	else
		j->verdict =
		    g_strdup_printf("Journal does NOT verify: %s. Do not trust the records "
		                    "from that line on.",
		                    error->message);
	g_clear_error(&error);
	g_task_return_boolean(task, TRUE);
}

static void journal_done(GObject *src, GAsyncResult *res, gpointer data)
{
	MuJournalPage *p = MU_JOURNAL_PAGE(src);
	g_autoptr(GError) error = NULL;
	GList *kids = gtk_container_get_children(GTK_CONTAINER(p->records));
	for (GList *l = kids; l != NULL; l = l->next)
		gtk_widget_destroy(l->data);
	g_list_free(kids);
	if (!g_task_propagate_boolean(G_TASK(res), &error)) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			gtk_label_set_text(p->status, error->message);
		return;
	}
	journal_job *j = g_task_get_task_data(G_TASK(res));
	gtk_label_set_text(p->status, j->verdict);
	for (guint i = 0; i < j->lines->len; i++) {
		GtkWidget *l = gtk_label_new(j->lines->pdata[i]);
		gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
		g_object_set(l, "margin", 3, NULL);
		gtk_widget_show(l);
		gtk_container_add(GTK_CONTAINER(p->records), l);
	}
	if (!j->ok)
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_WARNING, j->verdict);
}

void mu_journal_page_refresh(MuJournalPage *p)
{
	if (p->path == NULL) {
		gtk_label_set_text(p->status, "No journal: start openmu with --journal FILE or set "
		                              "$OPENMU_JOURNAL.");
		return;
	}
	journal_job *j = g_new0(journal_job, 1);
	j->path = g_strdup(p->path);
	g_autoptr(GTask) task = g_task_new(p, p->cancel, journal_done, NULL);
	g_task_set_task_data(task, j, journal_job_free);
	g_task_run_in_thread(task, journal_thread);
}

static void mu_journal_page_dispose(GObject *obj)
{
	MuJournalPage *p = MU_JOURNAL_PAGE(obj);
	if (p->cancel != NULL)
		g_cancellable_cancel(p->cancel);
	g_clear_object(&p->cancel);
	g_clear_pointer(&p->path, g_free);
	G_OBJECT_CLASS(mu_journal_page_parent_class)->dispose(obj);
}

static void mu_journal_page_class_init(MuJournalPageClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->dispose = mu_journal_page_dispose;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-journal-page.ui");
	gtk_widget_class_bind_template_child(wc, MuJournalPage, status);
	gtk_widget_class_bind_template_child(wc, MuJournalPage, records);
}

static void mu_journal_page_init(MuJournalPage *p)
{
	gtk_widget_init_template(GTK_WIDGET(p));
	p->cancel = g_cancellable_new();
	mu_gui_name(GTK_WIDGET(p->status), "journal status", NULL);
	mu_gui_name(GTK_WIDGET(p->records), "journal records", NULL);
}

MuJournalPage *mu_journal_page_new(const char *path)
{
	MuJournalPage *p = g_object_new(MU_TYPE_JOURNAL_PAGE, NULL);
	p->path = g_strdup(path);
	mu_journal_page_refresh(p);
	return p;
}
