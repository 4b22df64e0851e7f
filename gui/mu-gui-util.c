/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-gui-util.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "mu-window.h"

G_DEFINE_QUARK(mu - gui - error - quark, mu_gui_error)

void mu_gui_name(GtkWidget *w, const char *name, const char *desc)
{
	AtkObject *a = gtk_widget_get_accessible(w);
	if (a == NULL)
		return;
	atk_object_set_name(a, name);
	if (desc != NULL)
		atk_object_set_description(a, desc);
}

void mu_gui_report(GtkWidget *w, GtkMessageType type, const char *msg)
{
	GtkWidget *top = gtk_widget_get_toplevel(w);
	if (GTK_IS_WINDOW(top) && !MU_IS_WINDOW(top))
		top = GTK_WIDGET(gtk_window_get_transient_for(GTK_WINDOW(top)));
	if (top != NULL && MU_IS_WINDOW(top))
		mu_window_report(MU_WINDOW(top), type, msg);
	else
		g_warning("%s", msg);
}

void mu_gui_sc_error(int st, mu_card *c, const char *what, GError **error)
{
	const char *msg = c != NULL ? mu_card_errmsg(c) : mu_sc_strerror(st);
	if (msg == NULL || *msg == '\0')
		msg = mu_sc_strerror(st);
	g_set_error(error, MU_GUI_ERROR, -st, "%s: %s", what, msg);
}

mu_backend *mu_gui_backend_open(GError **error)
{
	mu_backend *b = NULL;
	int st = mu_backend_pcsc_open(&b);
	if (st == MU_SC_ERR_NO_SERVICE)
		g_set_error(error, MU_GUI_ERROR, -st,
		            "cannot reach pcscd, the PC/SC daemon: start it (e.g. 'systemctl start "
		            "pcscd.socket') and try again");
	else if (st != MU_SC_OK)
		g_set_error(error, MU_GUI_ERROR, -st, "cannot open PC/SC: %s", mu_sc_strerror(st));
	return st == MU_SC_OK ? b : NULL;
}

mu_backend *mu_gui_readers(mu_reader_info **list, size_t *n, GError **error)
{
	mu_backend *b = mu_gui_backend_open(error);
	if (b == NULL)
		return NULL;
	int st = mu_backend_list(b, list, n);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, NULL, "listing the readers", error);
		mu_backend_free(&b);
	}
	return b;
}

char **mu_gui_ctl_request(const char *path, const char *line, GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_socket_client_set_timeout(client, 30);
	g_autoptr(GSocketConnection) conn =
	    g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, error);
	if (conn == NULL) {
		g_prefix_error(error,
		               "the virtual deck (openmu-cardsim at %s) does not answer: ", path);
		return NULL;
	}
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_autofree char *req = g_strdup_printf("%s\n", line);
	if (!g_output_stream_write_all(out, req, strlen(req), NULL, NULL, error))
		return NULL;
	g_autoptr(GDataInputStream) in =
	    g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		GError *local = NULL;
		char *l = g_data_input_stream_read_line_utf8(in, NULL, NULL, &local);
		if (l == NULL) {
			if (local != NULL)
				g_propagate_error(error, local);
			else
				g_set_error(
				    error, MU_GUI_ERROR, 1,
				    "openmu-cardsim closed the connection without an answer");
			return NULL;
		}
		if (strcmp(l, "ok") == 0) {
			g_free(l);
			break;
		}
		if (g_str_has_prefix(l, "error: ")) {
			g_set_error(error, MU_GUI_ERROR, 2, "the virtual deck refused: %s", l + 7);
			g_free(l);
			return NULL;
		}
		g_ptr_array_add(lines, l);
	}
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&lines), FALSE);
}
