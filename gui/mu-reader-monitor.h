/* SPDX-License-Identifier: Apache-2.0 */
/* The reader monitor: a worker thread with its own pcsc backend that waits
 * in mu_backend_wait_change() and reports every change of the reader list
 * (names and card presence) to a callback on the main loop. Stopped by
 * cancelling its GCancellable, which calls mu_backend_cancel(). */
#pragma once

#include <glib.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct mu_reader_state {
	char *name;
	gboolean present;
} mu_reader_state;

/* Called on the main loop: readers (mu_reader_state *, borrowed for the
 * call) or, when PC/SC is unusable, error set (readers then empty). */
typedef void (*mu_reader_monitor_fn)(GPtrArray *readers, const GError *error,
                                     gpointer user_data);

typedef struct mu_reader_monitor mu_reader_monitor;

/* Starts the thread. The callback runs until mu_reader_monitor_stop(). */
mu_reader_monitor *mu_reader_monitor_start(mu_reader_monitor_fn fn, gpointer user_data);
/* Cancels the wait, stops calling fn at once, lets the thread end by
 * itself and frees *m (sets it to NULL). NULL-safe. Main thread. */
void mu_reader_monitor_stop(mu_reader_monitor **m);

G_END_DECLS
