/* SPDX-License-Identifier: Apache-2.0 */
/* The Crypto Units page proper: reading the units of the instance file in
 * a worker, the status table with its differences and trust indicators,
 * Refresh, the buttons' state, and the page's life cycle. The command
 * dialogs behind the buttons are in mu-unit-commands.c. */
#include "mu-units-page.h"
#include "mu-units-page-priv.h"

#include "mu-gui-util.h"
#include "mu-tke-client.h"
#include "mu-tke-instance.h"
#include "mu-tke-status.h"

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

void mu_units_page_update_buttons(MuUnitsPage *p)
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
		mu_units_page_update_buttons(p);
		clear_grid(p);
		gtk_label_set_text(p->status, error->message);
		mu_gui_report(GTK_WIDGET(p), GTK_MESSAGE_WARNING, error->message);
		return;
	}
	units_job_free(p->shown);
	p->shown = j;
	mu_units_page_update_buttons(p);
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
	mu_units_page_update_buttons(p);
	gtk_label_set_text(p->status, "Reading the units…");
	g_autoptr(GTask) task = g_task_new(p, p->cancel, units_done, NULL);
	g_task_set_task_data(task, g_strdup(p->instance), g_free);
	g_task_run_in_thread(task, units_thread);
}

static void on_refresh(GtkButton *b, gpointer data)
{
	mu_units_page_refresh(data);
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
		gtk_widget_class_bind_template_child_full(wc, mu_units_cmd_defs[i].child, FALSE, 0);
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
		    GTK_WIDGET(p), MU_TYPE_UNITS_PAGE, mu_units_cmd_defs[i].child));
		p->buttons[i] = b;
		mu_gui_name(b, mu_units_cmd_defs[i].name, NULL);
		g_object_set_data(G_OBJECT(b), "mu-cmd", GINT_TO_POINTER(i));
		g_signal_connect(b, "clicked", G_CALLBACK(mu_units_page_on_command), p);
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
