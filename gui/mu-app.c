/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-app.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "mu-window.h"

#define STALL_TICK_MS 10

struct _MuApp {
	GtkApplication parent;
	char *instance, *journal, *cardsim_ctl, *plan;
	GSettings *settings; /* NULL when the schema is not installed */
	/* test mode: main-loop lateness of a high-priority 10 ms tick */
	char *stall_log;
	guint stall_source;
	gint64 stall_last;
	gint64 stall_max_us;
	guint64 stall_ticks;
};

G_DEFINE_TYPE(MuApp, mu_app, GTK_TYPE_APPLICATION)

static gboolean settings_save(GtkWidget *win, GdkEvent *ev, gpointer user_data);

static void quit_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	GtkApplication *app = user_data;
	GtkWindow *active = gtk_application_get_active_window(app);
	if (active != NULL)
		settings_save(GTK_WIDGET(active), NULL, app);
	for (GList *l = gtk_application_get_windows(app); l != NULL;) {
		GList *next = l->next;
		gtk_widget_destroy(GTK_WIDGET(l->data));
		l = next;
	}
}

static void about_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	GtkApplication *app = user_data;
	gtk_show_about_dialog(gtk_application_get_active_window(app), "program-name", "OpenMU",
	                      "comments", "Management Utilities for smart cards and crypto units",
	                      "license-type", GTK_LICENSE_APACHE_2_0, NULL);
}

static const GActionEntry app_actions[] = {
    {"quit", quit_activated, NULL, NULL, NULL, {0}},
    {"about", about_activated, NULL, NULL, NULL, {0}},
};

static gboolean stall_tick(gpointer user_data)
{
	MuApp *self = user_data;
	gint64 now = g_get_monotonic_time();
	gint64 late = now - self->stall_last - STALL_TICK_MS * 1000;
	if (late > self->stall_max_us)
		self->stall_max_us = late;
	self->stall_last = now;
	self->stall_ticks++;
	return G_SOURCE_CONTINUE;
}

/* Started once the window is up, so that building it is not counted. */
static gboolean stall_start(gpointer user_data)
{
	MuApp *self = user_data;
	self->stall_last = g_get_monotonic_time();
	self->stall_source =
	    g_timeout_add_full(G_PRIORITY_HIGH, STALL_TICK_MS, stall_tick, self, NULL);
	return G_SOURCE_REMOVE;
}

static void stall_write(MuApp *self)
{
	if (self->stall_log == NULL)
		return;
	if (self->stall_source != 0) {
		g_source_remove(self->stall_source);
		self->stall_source = 0;
	}
	FILE *f = fopen(self->stall_log, "w");
	if (f == NULL) {
		g_warning("cannot write %s", self->stall_log);
		return;
	}
	fprintf(f, "max_stall_ms=%.1f\nticks=%" G_GUINT64_FORMAT "\n",
	        (double)self->stall_max_us / 1000.0, self->stall_ticks);
	fclose(f);
}

/* SIGTERM and SIGINT end the app as Ctrl+Q does (shutdown runs). */
static gboolean on_signal(gpointer user_data)
{
	GtkWindow *active = gtk_application_get_active_window(user_data);
	if (active != NULL)
		settings_save(GTK_WIDGET(active), NULL, user_data);
	g_application_quit(G_APPLICATION(user_data));
	return G_SOURCE_CONTINUE;
}

/* The app's settings, or NULL when the schema is not installed (then
 * nothing is remembered). */
static GSettings *app_settings(void)
{
	GSettingsSchemaSource *src = g_settings_schema_source_get_default();
	if (src == NULL)
		return NULL;
	g_autoptr(GSettingsSchema) schema =
	    g_settings_schema_source_lookup(src, "org.openmu.Openmu", TRUE);
	if (schema == NULL || !g_settings_schema_has_key(schema, "window-maximized"))
		return NULL;
	return g_settings_new_full(schema, NULL, NULL);
}

/* A remembered path, when it is set and still exists. */
static char *settings_path(GSettings *s, const char *key)
{
	char *v = s != NULL ? g_settings_get_string(s, key) : NULL;
	if (v != NULL && (*v == '\0' || !g_file_test(v, G_FILE_TEST_EXISTS)))
		g_clear_pointer(&v, g_free);
	return v;
}

static void settings_restore(MuApp *self, GtkWindow *win)
{
	if (self->settings == NULL)
		return;
	int w = g_settings_get_int(self->settings, "window-width");
	int h = g_settings_get_int(self->settings, "window-height");
	if (w >= 400 && h >= 300)
		gtk_window_set_default_size(win, w, h);
	if (g_settings_get_boolean(self->settings, "window-maximized"))
		gtk_window_maximize(win);
}

/* On close: window size, instance file and deck, for the next start. */
static gboolean settings_save(GtkWidget *win, GdkEvent *ev, gpointer user_data)
{
	MuApp *self = user_data;
	if (self->settings == NULL)
		return FALSE;
	gboolean max = gtk_window_is_maximized(GTK_WINDOW(win));
	g_settings_set_boolean(self->settings, "window-maximized", max);
	if (!max) {
		int w = 0, h = 0;
		gtk_window_get_size(GTK_WINDOW(win), &w, &h);
		g_settings_set_int(self->settings, "window-width", w);
		g_settings_set_int(self->settings, "window-height", h);
	}
	if (self->instance != NULL)
		g_settings_set_string(self->settings, "instance-file", self->instance);
	if (self->cardsim_ctl != NULL)
		g_settings_set_string(self->settings, "last-deck", self->cardsim_ctl);
	return FALSE;
}

static void pick(char **slot, const char *env)
{
	if (*slot == NULL && g_getenv(env) != NULL && *g_getenv(env) != '\0')
		*slot = g_strdup(g_getenv(env));
}

static int mu_app_handle_local_options(GApplication *app, GVariantDict *opts)
{
	MuApp *self = MU_APP(app);
	if (g_variant_dict_contains(opts, "non-unique"))
		g_application_set_flags(app,
		                        g_application_get_flags(app) | G_APPLICATION_NON_UNIQUE);
	g_variant_dict_lookup(opts, "instance", "^ay", &self->instance);
	g_variant_dict_lookup(opts, "journal", "^ay", &self->journal);
	g_variant_dict_lookup(opts, "cardsim-ctl", "^ay", &self->cardsim_ctl);
	g_variant_dict_lookup(opts, "plan", "^ay", &self->plan);
	pick(&self->instance, "OPENMU_INSTANCE");
	pick(&self->journal, "OPENMU_JOURNAL");
	pick(&self->cardsim_ctl, "OPENMU_CARDSIM_CTL");
	pick(&self->plan, "OPENMU_PLAN");
	return -1;
}

static void mu_app_startup(GApplication *app)
{
	MuApp *self = MU_APP(app);
	G_APPLICATION_CLASS(mu_app_parent_class)->startup(app);
	g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions),
	                                app);
	static const char *const quit[] = {"<Control>q", NULL};
	static const char *const refresh[] = {"F5", NULL};
	static const char *const ceremony[] = {"<Control>e", NULL};
	static const char *const p1[] = {"<Alt>1", NULL};
	static const char *const p2[] = {"<Alt>2", NULL};
	static const char *const p3[] = {"<Alt>3", NULL};
	GtkApplication *gapp = GTK_APPLICATION(app);
	gtk_application_set_accels_for_action(gapp, "app.quit", quit);
	gtk_application_set_accels_for_action(gapp, "win.refresh", refresh);
	gtk_application_set_accels_for_action(gapp, "win.ceremony", ceremony);
	gtk_application_set_accels_for_action(gapp, "win.page::cards", p1);
	gtk_application_set_accels_for_action(gapp, "win.page::units", p2);
	gtk_application_set_accels_for_action(gapp, "win.page::journal", p3);
	self->settings = app_settings();
	if (self->instance == NULL)
		self->instance = settings_path(self->settings, "instance-file");
	if (self->cardsim_ctl == NULL)
		self->cardsim_ctl = settings_path(self->settings, "last-deck");
	/* a unit or pcscd that drops a connection must not kill the app
	 * (mu-tke-client.h): a write then fails with EPIPE */
	signal(SIGPIPE, SIG_IGN);
	g_unix_signal_add(SIGTERM, on_signal, app);
	g_unix_signal_add(SIGINT, on_signal, app);
	const char *log = g_getenv("OPENMU_TEST_STALL_LOG");
	if (log != NULL && *log != '\0')
		self->stall_log = g_strdup(log);
}

static void mu_app_activate(GApplication *app)
{
	MuApp *self = MU_APP(app);
	GtkWindow *win = gtk_application_get_active_window(GTK_APPLICATION(app));
	if (win == NULL) {
		win = GTK_WINDOW(mu_window_new(GTK_APPLICATION(app), self->instance, self->journal,
		                               self->cardsim_ctl, self->plan));
		settings_restore(self, win);
		g_signal_connect(win, "delete-event", G_CALLBACK(settings_save), self);
		if (self->stall_log != NULL && self->stall_source == 0)
			g_idle_add_full(G_PRIORITY_LOW, stall_start, self, NULL);
	}
	gtk_window_present(win);
}

static void mu_app_shutdown(GApplication *app)
{
	stall_write(MU_APP(app));
	G_APPLICATION_CLASS(mu_app_parent_class)->shutdown(app);
}

static void mu_app_finalize(GObject *obj)
{
	MuApp *self = MU_APP(obj);
	g_free(self->instance);
	g_free(self->journal);
	g_free(self->cardsim_ctl);
	g_free(self->plan);
	g_clear_object(&self->settings);
	g_free(self->stall_log);
	G_OBJECT_CLASS(mu_app_parent_class)->finalize(obj);
}

static void mu_app_class_init(MuAppClass *klass)
{
	GApplicationClass *ac = G_APPLICATION_CLASS(klass);
	ac->handle_local_options = mu_app_handle_local_options;
	ac->startup = mu_app_startup;
	ac->activate = mu_app_activate;
	ac->shutdown = mu_app_shutdown;
	G_OBJECT_CLASS(klass)->finalize = mu_app_finalize;
}

static void mu_app_init(MuApp *self)
{
	static const GOptionEntry entries[] = {
	    {"instance", 'i', 0, G_OPTION_ARG_FILENAME, NULL,
	     "Instance file of the crypto units (else $OPENMU_INSTANCE or the setting)", "FILE"},
	    {"journal", 'j', 0, G_OPTION_ARG_FILENAME, NULL,
	     "Ceremony journal: shown, and a record appended per step and unit (else "
	     "$OPENMU_JOURNAL)",
	     "FILE"},
	    {"cardsim-ctl", 0, 0, G_OPTION_ARG_FILENAME, NULL,
	     "Control socket of openmu-cardsim: shows the virtual deck (else the last one, "
	     "while it exists)",
	     "SOCKET"},
	    {"plan", 'p', 0, G_OPTION_ARG_FILENAME, NULL,
	     "Ceremony plan the assistant proposes (else $OPENMU_PLAN)", "PLAN.ini"},
	    {"non-unique", 0, 0, G_OPTION_ARG_NONE, NULL, "Run a separate instance (tests)", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_application_add_main_option_entries(G_APPLICATION(self), entries);
}

MuApp *mu_app_new(void)
{
	return g_object_new(MU_TYPE_APP, "application-id", "org.openmu.Openmu", "flags",
	                    (GApplicationFlags)0, NULL);
}
