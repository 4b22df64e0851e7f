/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-window.h"

#include "mu-assistant.h"
#include "mu-cards-page.h"
#include "mu-deck-panel.h"
#include "mu-gui-util.h"
#include "mu-journal-page.h"
#include "mu-units-page.h"

struct _MuWindow {
	GtkApplicationWindow parent;
	GtkInfoBar *infobar;
	GtkLabel *info_label;
	GtkStack *stack;
	GtkStackSwitcher *switcher;
	GtkBox *content;
	GtkWidget *ceremony;
	MuCardsPage *cards;
	MuUnitsPage *units;
	MuJournalPage *journal;
	MuDeckPanel *deck;
	char *instance, *journal_path, *plan;
};

G_DEFINE_TYPE(MuWindow, mu_window, GTK_TYPE_APPLICATION_WINDOW)

static void on_infobar_response(GtkInfoBar *bar, int response, gpointer user_data)
{
	gtk_widget_hide(GTK_WIDGET(bar));
}

static void page_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	MuWindow *win = user_data;
	const char *name = g_variant_get_string(param, NULL);
	if (gtk_stack_get_child_by_name(win->stack, name) != NULL)
		gtk_stack_set_visible_child_name(win->stack, name);
}

static void refresh_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	MuWindow *win = user_data;
	const char *name = gtk_stack_get_visible_child_name(win->stack);
	if (g_strcmp0(name, "cards") == 0)
		mu_cards_page_refresh(win->cards);
	else if (g_strcmp0(name, "units") == 0)
		mu_units_page_refresh(win->units);
	else if (g_strcmp0(name, "journal") == 0)
		mu_journal_page_refresh(win->journal);
	if (win->deck != NULL)
		mu_deck_panel_refresh(win->deck);
}

/* A page shows what is true now: the units and the journal are read again
 * whenever their page is shown (a ceremony may have changed them). */
static void on_page_shown(GObject *stack, GParamSpec *pspec, gpointer user_data)
{
	MuWindow *win = user_data;
	const char *name = gtk_stack_get_visible_child_name(win->stack);
	if (g_strcmp0(name, "units") == 0 && win->units != NULL)
		mu_units_page_refresh(win->units);
	else if (g_strcmp0(name, "journal") == 0 && win->journal != NULL)
		mu_journal_page_refresh(win->journal);
}

static void ceremony_activated(GSimpleAction *action, GVariant *param, gpointer user_data)
{
	MuWindow *win = user_data;
	MuAssistant *a =
	    mu_assistant_new(GTK_WINDOW(win), win->instance, win->journal_path, win->plan);
	gtk_window_present(GTK_WINDOW(a));
}

static void mu_window_finalize(GObject *obj)
{
	MuWindow *win = MU_WINDOW(obj);
	g_free(win->instance);
	g_free(win->journal_path);
	g_free(win->plan);
	G_OBJECT_CLASS(mu_window_parent_class)->finalize(obj);
}

static const GActionEntry win_actions[] = {
    {"page", page_activated, "s", NULL, NULL, {0}},
    {"ceremony", ceremony_activated, NULL, NULL, NULL, {0}},
    {"refresh", refresh_activated, NULL, NULL, NULL, {0}},
};

static void mu_window_class_init(MuWindowClass *klass)
{
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = mu_window_finalize;
	gtk_widget_class_set_template_from_resource(wc, "/org/openmu/Openmu/ui/mu-window.ui");
	gtk_widget_class_bind_template_child(wc, MuWindow, infobar);
	gtk_widget_class_bind_template_child(wc, MuWindow, info_label);
	gtk_widget_class_bind_template_child(wc, MuWindow, stack);
	gtk_widget_class_bind_template_child(wc, MuWindow, switcher);
	gtk_widget_class_bind_template_child(wc, MuWindow, content);
	gtk_widget_class_bind_template_child(wc, MuWindow, ceremony);
	gtk_widget_class_bind_template_callback(wc, on_infobar_response);
}

static void mu_window_init(MuWindow *win)
{
	gtk_widget_init_template(GTK_WIDGET(win));
	g_action_map_add_action_entries(G_ACTION_MAP(win), win_actions, G_N_ELEMENTS(win_actions),
	                                win);
	mu_gui_name(GTK_WIDGET(win->info_label), "message", NULL);
	mu_gui_name(GTK_WIDGET(win->infobar), "message bar", NULL);
	mu_gui_name(GTK_WIDGET(win->switcher), "pages", NULL);
	mu_gui_name(win->ceremony, "Ceremony assistant", NULL);
	g_signal_connect(win->stack, "notify::visible-child", G_CALLBACK(on_page_shown), win);
}

MuWindow *mu_window_new(GtkApplication *app, const char *instance, const char *journal,
                        const char *cardsim_ctl, const char *plan)
{
	MuWindow *win = g_object_new(MU_TYPE_WINDOW, "application", app, NULL);
	win->instance = g_strdup(instance);
	win->journal_path = g_strdup(journal);
	win->plan = g_strdup(plan);
	win->cards = mu_cards_page_new();
	win->units = mu_units_page_new(instance, journal);
	win->journal = mu_journal_page_new(journal);
	gtk_stack_add_titled(win->stack, GTK_WIDGET(win->cards), "cards", "Smart Cards");
	gtk_stack_add_titled(win->stack, GTK_WIDGET(win->units), "units", "Crypto Units");
	gtk_stack_add_titled(win->stack, GTK_WIDGET(win->journal), "journal", "Journal");
	if (cardsim_ctl != NULL && *cardsim_ctl != '\0') {
		win->deck = mu_deck_panel_new(cardsim_ctl);
		gtk_box_pack_end(win->content, gtk_separator_new(GTK_ORIENTATION_VERTICAL), FALSE,
		                 FALSE, 0);
		gtk_box_pack_end(win->content, GTK_WIDGET(win->deck), FALSE, FALSE, 0);
		gtk_box_reorder_child(win->content, GTK_WIDGET(win->deck), -1);
	}
	gtk_widget_show_all(GTK_WIDGET(win));
	gtk_widget_hide(GTK_WIDGET(win->infobar));
	return win;
}

void mu_window_report(MuWindow *win, GtkMessageType type, const char *msg)
{
	g_return_if_fail(MU_IS_WINDOW(win));
	gtk_info_bar_set_message_type(win->infobar, type);
	gtk_label_set_text(win->info_label, msg);
	gtk_widget_show(GTK_WIDGET(win->infobar));
}
