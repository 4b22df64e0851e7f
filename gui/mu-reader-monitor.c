/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-reader-monitor.h"

#include "mu-reader.h"

#define WAIT_MS 5000u
#define RETRY_US (500 * G_TIME_SPAN_MILLISECOND)
#define POLL_US (200 * G_TIME_SPAN_MILLISECOND)

struct mu_reader_monitor {
	gatomicrefcount ref;
	GMutex lock;
	mu_backend *backend; /* the thread's, while it exists; under lock */
	GCancellable *cancel;
	gulong cancel_id;
	GMainContext *ctx;
	/* main thread only */
	mu_reader_monitor_fn fn;
	gpointer user_data;
};

typedef struct {
	mu_reader_monitor *m;
	GPtrArray *readers;
	GError *error;
} report;

static mu_reader_monitor *mon_ref(mu_reader_monitor *m)
{
	g_atomic_ref_count_inc(&m->ref);
	return m;
}

static void mon_unref(mu_reader_monitor *m)
{
	if (!g_atomic_ref_count_dec(&m->ref))
		return;
	g_mutex_clear(&m->lock);
	g_object_unref(m->cancel);
	g_main_context_unref(m->ctx);
	g_free(m);
}

static void state_free(gpointer p)
{
	mu_reader_state *s = p;
	g_free(s->name);
	g_free(s);
}

static void report_free(gpointer p)
{
	report *r = p;
	mon_unref(r->m);
	if (r->readers != NULL)
		g_ptr_array_unref(r->readers);
	g_clear_error(&r->error);
	g_free(r);
}

static gboolean report_dispatch(gpointer p)
{
	report *r = p;
	if (r->m->fn != NULL)
		r->m->fn(r->readers, r->error, r->m->user_data);
	return G_SOURCE_REMOVE;
}

static void post(mu_reader_monitor *m, GPtrArray *readers, GError *error)
{
	report *r = g_new0(report, 1);
	r->m = mon_ref(m);
	r->readers = readers != NULL ? readers : g_ptr_array_new_with_free_func(state_free);
	r->error = error;
	g_main_context_invoke_full(m->ctx, G_PRIORITY_DEFAULT, report_dispatch, r, report_free);
}

static gboolean same(GPtrArray *a, GPtrArray *b)
{
	if (a == NULL || b == NULL || a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		mu_reader_state *x = a->pdata[i], *y = b->pdata[i];
		if (g_strcmp0(x->name, y->name) != 0 || x->present != y->present)
			return FALSE;
	}
	return TRUE;
}

static void on_cancelled(GCancellable *c, gpointer user_data)
{
	mu_reader_monitor *m = user_data;
	g_mutex_lock(&m->lock);
	if (m->backend != NULL)
		mu_backend_cancel(m->backend);
	g_mutex_unlock(&m->lock);
}

static void sleep_cancellable(GCancellable *c)
{
	for (int i = 0; i < 10 && !g_cancellable_is_cancelled(c); i++)
		g_usleep(RETRY_US / 10);
}

static gpointer monitor_thread(gpointer data)
{
	mu_reader_monitor *m = data;
	GPtrArray *last = NULL;
	int last_err = 1;
	while (!g_cancellable_is_cancelled(m->cancel)) {
		mu_backend *b = NULL;
		int st = mu_backend_pcsc_open(&b);
		if (st != MU_SC_OK) {
			if (st != last_err)
				post(m, NULL,
				     g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
				                 "No smart card service: %s (systemctl start "
				                 "pcscd.socket), then plug in a reader.",
				                 mu_sc_strerror(st)));
			last_err = st;
			g_clear_pointer(&last, g_ptr_array_unref);
			sleep_cancellable(m->cancel);
			continue;
		}
		g_mutex_lock(&m->lock);
		m->backend = b;
		g_mutex_unlock(&m->lock);
		while (!g_cancellable_is_cancelled(m->cancel)) {
			mu_reader_info *list = NULL;
			size_t n = 0;
			st = mu_backend_list(b, &list, &n);
			if (st != MU_SC_OK && st != MU_SC_ERR_NO_READER)
				break;
			GPtrArray *now = g_ptr_array_new_with_free_func(state_free);
			for (size_t i = 0; i < n; i++) {
				mu_reader_state *s = g_new0(mu_reader_state, 1);
				s->name = g_strdup(list[i].name);
				s->present = list[i].card_present;
				g_ptr_array_add(now, s);
			}
			mu_reader_info_free(list, n);
			if (!same(now, last) || last_err != 0) {
				GPtrArray *copy = g_ptr_array_new_with_free_func(state_free);
				for (guint i = 0; i < now->len; i++) {
					mu_reader_state *s = now->pdata[i], *c = g_new0(mu_reader_state, 1);
					c->name = g_strdup(s->name);
					c->present = s->present;
					g_ptr_array_add(copy, c);
				}
				post(m, copy, NULL);
			}
			last_err = 0;
			g_clear_pointer(&last, g_ptr_array_unref);
			last = now;
			st = mu_backend_wait_change(b, WAIT_MS);
			if (st == MU_SC_ERR_NO_SERVICE)
				break;
			if (st != MU_SC_OK && st != MU_SC_ERR_TIMEOUT && st != MU_SC_ERR_CANCELLED) {
				/* pcsc-lite returns at once with no reader, and a reader
				 * state can fail to read while a card is busy: poll */
				g_usleep(POLL_US);
				st = MU_SC_OK;
			}
		}
		g_mutex_lock(&m->lock);
		m->backend = NULL;
		g_mutex_unlock(&m->lock);
		mu_backend_free(&b);
		if (st != MU_SC_OK && st != MU_SC_ERR_CANCELLED &&
		    !g_cancellable_is_cancelled(m->cancel)) {
			post(m, NULL,
			     g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED,
			                 "lost PC/SC (%s); retrying: check that pcscd runs",
			                 mu_sc_strerror(st)));
			last_err = st;
			sleep_cancellable(m->cancel);
		}
	}
	g_clear_pointer(&last, g_ptr_array_unref);
	mon_unref(m);
	return NULL;
}

mu_reader_monitor *mu_reader_monitor_start(mu_reader_monitor_fn fn, gpointer user_data)
{
	mu_reader_monitor *m = g_new0(mu_reader_monitor, 1);
	g_atomic_ref_count_init(&m->ref);
	g_mutex_init(&m->lock);
	m->cancel = g_cancellable_new();
	m->ctx = g_main_context_ref_thread_default();
	m->fn = fn;
	m->user_data = user_data;
	m->cancel_id = g_cancellable_connect(m->cancel, G_CALLBACK(on_cancelled), m, NULL);
	GThread *t = g_thread_new("openmu-readers", monitor_thread, mon_ref(m));
	g_thread_unref(t);
	return m;
}

void mu_reader_monitor_stop(mu_reader_monitor **mp)
{
	mu_reader_monitor *m = *mp;
	if (m == NULL)
		return;
	*mp = NULL;
	m->fn = NULL;
	g_cancellable_cancel(m->cancel);
	g_cancellable_disconnect(m->cancel, m->cancel_id);
	mon_unref(m);
}
