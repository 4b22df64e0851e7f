/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the widgets of the openmu window: accessible
 * names for tests, reporting to the window's info bar, card status codes
 * as GError, and one request on the openmu-cardsim control socket. */
#pragma once

#include <gtk/gtk.h>

#include "mu-card.h"

G_BEGIN_DECLS

#define MU_GUI_ERROR (mu_gui_error_quark())
GQuark mu_gui_error_quark(void);

/* Gives w a stable accessible name (and description, may be NULL). */
void mu_gui_name(GtkWidget *w, const char *name, const char *desc);

/* Shows msg in the info bar of the window that holds w (main thread). */
void mu_gui_report(GtkWidget *w, GtkMessageType type, const char *msg);

/* Sets *error from a card status: the card's message when c is given,
 * else mu_sc_strerror(), prefixed by what ("reading the card: ..."). */
void mu_gui_sc_error(int st, mu_card *c, const char *what, GError **error);

/* Opens a pcsc backend for one worker thread (its own SCARDCONTEXT), or
 * NULL with a message that says how to start pcscd. */
mu_backend *mu_gui_backend_open(GError **error);

/* mu_gui_backend_open() and the list of its readers (*list: free with
 * mu_reader_info_free). Returns the backend (free with mu_backend_free), or
 * NULL with the message. */
mu_backend *mu_gui_readers(mu_reader_info **list, size_t *n, GError **error);

/* Sends line to the control socket at path and returns the reply lines
 * before "ok" (a NULL-terminated array, g_strfreev), or NULL with
 * MU_GUI_ERROR on "error: ..." or a socket failure. Blocks: call it from
 * a worker thread only. */
char **mu_gui_ctl_request(const char *path, const char *line, GError **error);

G_END_DECLS
