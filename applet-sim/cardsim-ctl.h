/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket of openmu-cardsim: a Unix stream socket taking one
 * request per line (see cardsim-ctl-parse.h) and answering zero or more
 * lines followed by "ok" or "error: MESSAGE". */
#pragma once

#include <glib.h>

#include "cardsim-vpcd.h"

/* Creates the control socket at path with mode 0600 and listens on it. A
 * stale socket left by a dead server is replaced; a live server's socket, or
 * any other file, is refused. Returns the listening fd, or -1 and an error.
 * The caller unlinks path when done. */
int cardsim_ctl_listen(const char *path, GError **error);

/* Serves requests on listen_fd until SIGTERM or SIGINT is read from
 * signal_fd (a signalfd); returns the number of that signal. */
int cardsim_ctl_serve(cardsim_readers *rs, const char *deck, int listen_fd, int signal_fd);

/* Sends one request line (no newline) to the server at path and prints the
 * reply lines but the last on stdout. Returns 0 when the server answered
 * ok, 1 otherwise (the message goes to stderr). */
int cardsim_ctl_request(const char *path, const char *line);
