/* SPDX-License-Identifier: Apache-2.0 */
/* The main window: an info bar for messages, a stack switcher over the
 * Smart Cards, Crypto Units and Journal pages, a button that opens the
 * ceremony assistant, and the virtual deck panel when a cardsim control
 * socket is given. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_WINDOW (mu_window_get_type())
G_DECLARE_FINAL_TYPE(MuWindow, mu_window, MU, WINDOW, GtkApplicationWindow)

/* instance, journal, cardsim_ctl may be NULL (the pages then say what is
 * missing and how to give it); plan: the plan the ceremony assistant
 * proposes (may be NULL). */
MuWindow *mu_window_new(GtkApplication *app, const char *instance, const char *journal,
                        const char *cardsim_ctl, const char *plan);

/* Shows msg in the info bar (replacing what was there). */
void mu_window_report(MuWindow *win, GtkMessageType type, const char *msg);

G_END_DECLS
