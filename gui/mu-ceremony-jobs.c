/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-ceremony-jobs.h"

#include <string.h>

#include "mu-card.h"
#include "mu-gui-util.h"
#include "mu-secret.h"
#include "mu-tke-error.h"
#include "mu-tke-instance.h"
#include "mu-tke-plan.h"
#include "mu-tke-runner.h"
#include "mu-tke-status.h"

#define PIN_POLL_US (200 * G_TIME_SPAN_MILLISECOND)

mu_ceremony_setup *mu_ceremony_setup_copy(const mu_ceremony_setup *s)
{
	mu_ceremony_setup *c = g_memdup2(s, sizeof(*s));
	c->instance = g_strdup(s->instance);
	c->journal = g_strdup(s->journal);
	c->plan_path = g_strdup(s->plan_path);
	for (size_t i = 0; i < MU_CEREMONY_ADMINS_MAX; i++)
		c->admin_reader[i] = g_strdup(s->admin_reader[i]);
	for (size_t i = 0; i < 3; i++)
		c->part_reader[i] = g_strdup(s->part_reader[i]);
	return c;
}

void mu_ceremony_setup_free(mu_ceremony_setup *s)
{
	if (s == NULL)
		return;
	g_free(s->instance);
	g_free(s->journal);
	g_free(s->plan_path);
	for (size_t i = 0; i < MU_CEREMONY_ADMINS_MAX; i++)
		g_free(s->admin_reader[i]);
	for (size_t i = 0; i < 3; i++)
		g_free(s->part_reader[i]);
	g_free(s);
}

void mu_ceremony_preview_free(mu_ceremony_preview *p)
{
	if (p == NULL)
		return;
	g_free(p->cards);
	g_strfreev(p->steps);
	g_free(p->signing);
	g_free(p);
}

static void readers_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	GError *error = NULL;
	mu_reader_info *list = NULL;
	size_t n = 0;
	mu_backend *b = mu_gui_readers(&list, &n, &error);
	if (b == NULL) {
		g_task_return_error(task, error);
		return;
	}
	char **names = g_new0(char *, n + 1);
	for (size_t i = 0; i < n; i++)
		names[i] = g_strdup(list[i].name);
	g_task_return_pointer(task, names, (GDestroyNotify)g_strfreev);
	mu_reader_info_free(list, n);
	mu_backend_free(&b);
}

void mu_ceremony_readers_async(GCancellable *cancel, GAsyncReadyCallback cb, gpointer data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, data);
	g_task_run_in_thread(task, readers_thread);
}

char **mu_ceremony_readers_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* The admin name on the EP11 card in reader (for a plan from the form). */
static char *admin_name(mu_backend *b, const char *reader, size_t i, GError **error)
{
	mu_card *card = NULL;
	int st = mu_card_open(b, reader, &card);
	g_autofree char *what =
	    g_strdup_printf("the card of admin %zu in reader \"%s\"", i + 1, reader);
	mu_card_info info;
	if (st == MU_SC_OK)
		st = mu_card_info_get(card, &info);
	char *name = NULL;
	if (st != MU_SC_OK)
		mu_gui_sc_error(st, card, what, error);
	else if (info.type != MU_CARD_TYPE_EP11 || !info.has_sigkey)
		g_set_error(error, MU_GUI_ERROR, 1,
		            "%s is not an EP11 card with a signature key: insert the admin's card",
		            what);
	else if (strpbrk(info.admin_name, "[]") != NULL)
		g_set_error(error, MU_GUI_ERROR, 1,
		            "%s: admin name \"%s\" cannot be used in a plan (no [ or ])", what,
		            info.admin_name);
	else
		name = g_strdup(info.admin_name);
	mu_card_free(&card);
	return name;
}

/* The VP of the master key the units hold now (for a form that replaces
 * it): the one VALID current register of the instance. */
static char *current_vp(const char *instance, GError **error)
{
	if (instance == NULL) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "no instance file: start openmu with --instance FILE.ini");
		return NULL;
	}
	g_autoptr(mu_tke_instance) inst = mu_tke_instance_load(instance, error);
	if (inst == NULL)
		return NULL;
	char *vp = NULL;
	for (size_t i = 0; i < mu_tke_instance_n_units(inst); i++) {
		const mu_tke_unit *u = mu_tke_instance_unit(inst, i);
		mu_unit_status st;
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(inst, u, error);
		if (c == NULL || !mu_tke_status_fetch(c, &st, error)) {
			g_prefix_error(error, "%s: ", u->name);
			g_free(vp);
			return NULL;
		}
		if (st.cur_state != MU_UNIT_CUR_VALID)
			continue;
		g_autofree char *hex = mu_tke_hex(st.cur_vp, MU_VP_LEN);
		if (vp == NULL) {
			vp = g_steal_pointer(&hex);
		} else if (strcmp(vp, hex) != 0) {
			g_set_error(error, MU_GUI_ERROR, 1,
			            "the units hold different current master keys (%s has %.16s…, "
			            "not %.16s…): compare them on the Crypto Units page",
			            u->name, hex, vp);
			g_free(vp);
			return NULL;
		}
	}
	if (vp == NULL)
		g_set_error(error, MU_GUI_ERROR, 1,
		            "no unit holds a valid master key to replace: finish with set "
		            "immediate instead");
	return vp;
}

/* The plan text of the assistant's form. */
static char *form_text(const mu_ceremony_setup *s, mu_backend *b, GError **error)
{
	g_autoptr(GString) t = g_string_new("# ceremony plan made by the openmu assistant\n");
	g_autoptr(GString) signers = g_string_new(NULL);
	size_t nadmins = 0;
	for (size_t i = 0; i < MU_CEREMONY_ADMINS_MAX; i++) {
		if (s->admin_reader[i] == NULL)
			continue;
		g_autofree char *name = admin_name(b, s->admin_reader[i], i, error);
		if (name == NULL)
			return NULL;
		g_string_append_printf(t, "\n[admin %s]\nreader=%s\n", name, s->admin_reader[i]);
		if (nadmins++ < (size_t)s->sig_threshold)
			g_string_append_printf(signers, "%s%s", signers->len ? ";" : "",
			                       s->admin_reader[i]);
	}
	g_string_append_printf(t, "\n[thresholds]\nsignature=%d\nrevocation=%d\n", s->sig_threshold,
	                       s->rev_threshold);
	g_string_append_printf(t, "\n[master-key]\nparts=%d\nsigners=%s\n", s->parts, signers->str);
	if (s->rotate) {
		g_autofree char *vp = current_vp(s->instance, error);
		if (vp == NULL)
			return NULL;
		g_string_append_printf(t, "finish=rotate\nreplaces=%s\n", vp);
	}
	for (int i = 0; i < s->parts && i < 3; i++)
		g_string_append_printf(t, "\n[part %d]\nreader=%s\nslot=%u\n", i + 1,
		                       s->part_reader[i] != NULL ? s->part_reader[i] : "",
		                       s->part_slot[i]);
	return g_string_free(g_steal_pointer(&t), FALSE);
}

/* Everything a worker needs to drive the runner; freed by run_env_clear. */
typedef struct run_env {
	mu_backend *b;
	mu_tke_instance *inst;
	mu_tke_plan *plan;
	mu_tke_runner *runner;
} run_env;

static void run_env_clear(run_env *e)
{
	mu_tke_runner_free(&e->runner);
	mu_tke_plan_free(&e->plan);
	mu_tke_instance_free(&e->inst);
	mu_backend_free(&e->b);
}

static gboolean run_env_open(run_env *e, const mu_ceremony_setup *s, const mu_tke_runner_ops *ops,
                             gpointer user_data, GError **error)
{
	memset(e, 0, sizeof(*e));
	if ((e->b = mu_gui_backend_open(error)) == NULL)
		return FALSE;
	const char *name = s->plan_path != NULL ? s->plan_path : "the assistant's plan";
	if (s->plan_path != NULL) {
		e->plan = mu_tke_plan_load(s->plan_path, error);
	} else {
		g_autofree char *text = form_text(s, e->b, error);
		if (text != NULL)
			e->plan = mu_tke_plan_parse(text, strlen(text), name, error);
	}
	if (e->plan == NULL)
		return FALSE;
	g_autofree char *inst = g_strdup(s->instance);
	if (inst == NULL && e->plan->instance != NULL && s->plan_path != NULL &&
	    !g_path_is_absolute(e->plan->instance)) {
		g_autofree char *dir = g_path_get_dirname(s->plan_path);
		inst = g_build_filename(dir, e->plan->instance, NULL);
	} else if (inst == NULL) {
		inst = g_strdup(e->plan->instance);
	}
	if (inst == NULL) {
		g_set_error(
		    error, MU_GUI_ERROR, 1,
		    "no instance file: start openmu with --instance FILE.ini (or name it in "
		    "the plan's [plan] instance=)");
		return FALSE;
	}
	if ((e->inst = mu_tke_instance_load(inst, error)) == NULL)
		return FALSE;
	if (mu_tke_instance_n_units(e->inst) > MU_TKE_PLAN_UNITS_MAX) {
		g_set_error(error, MU_GUI_ERROR, 1, "a plan acts on at most %u units",
		            MU_TKE_PLAN_UNITS_MAX);
		return FALSE;
	}
	e->runner = mu_tke_runner_new(e->b, e->inst, e->plan, name, s->journal, ops, user_data);
	return mu_tke_runner_read_cards(e->runner, error);
}

static gboolean no_pin(gpointer user_data, const char *what, const char *reader,
                       const char *reader_name, char *pin, size_t cap, GError **error)
{
	g_set_error(error, MU_GUI_ERROR, 1, "no PIN is asked in a preview");
	return FALSE;
}

static const mu_tke_runner_ops preview_ops = {.get_pin = no_pin};

static char *preview_cards(const mu_tke_plan *p)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < p->nadmins; i++)
		g_string_append_printf(s, "%sthe EP11 card of admin %s goes in reader %s",
		                       s->len ? "\n" : "", p->admins[i].name, p->admins[i].reader);
	for (size_t i = 0; i < p->parts; i++)
		g_string_append_printf(s, "\nkey part %zu: slot %u of the card in reader %s", i + 1,
		                       p->part[i].slot, p->part[i].reader);
	return g_string_free(s, FALSE);
}

static void preview_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	const mu_ceremony_setup *s = data;
	run_env e;
	GError *error = NULL;
	g_autoptr(GArray) steps = NULL;
	if (run_env_open(&e, s, &preview_ops, NULL, &error))
		steps = mu_tke_runner_steps(e.runner, &error);
	if (steps == NULL) {
		run_env_clear(&e);
		g_task_return_error(task, error);
		return;
	}
	mu_ceremony_preview *p = g_new0(mu_ceremony_preview, 1);
	p->cards = preview_cards(e.plan);
	p->steps = g_new0(char *, steps->len + 1);
	for (guint i = 0; i < steps->len; i++) {
		const mu_tke_plan_step *st = &g_array_index(steps, mu_tke_plan_step, i);
		g_autofree char *text = mu_tke_plan_step_text(e.plan, st);
		g_autofree char *units = mu_tke_runner_units_text(e.runner, st->units);
		p->steps[i] = g_strdup_printf("%u. %s on %s", i + 1, text, units);
	}
	g_autofree char *readers = g_strjoinv(", ", e.plan->signers);
	p->signing = g_strdup_printf(
	    "Every signed command carries the signatures of the cards in reader%s %s; "
	    "key parts travel sealed by their card for each unit's importer key.",
	    e.plan->nsigners == 1 ? "" : "s", readers);
	run_env_clear(&e);
	g_task_return_pointer(task, p, (GDestroyNotify)mu_ceremony_preview_free);
}

void mu_ceremony_preview_async(const mu_ceremony_setup *s, GCancellable *cancel,
                               GAsyncReadyCallback cb, gpointer data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, data);
	g_task_set_task_data(task, mu_ceremony_setup_copy(s),
	                     (GDestroyNotify)mu_ceremony_setup_free);
	g_task_run_in_thread(task, preview_thread);
}

mu_ceremony_preview *mu_ceremony_preview_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* ---- the run ---- */

struct mu_ceremony_pin_req {
	gint refs;
	GMutex lock;
	GCond cond;
	gboolean answered, given;
	char pin[MU_CEREMONY_PIN_BUF];
};

static void pin_req_unref(mu_ceremony_pin_req *r)
{
	if (!g_atomic_int_dec_and_test(&r->refs))
		return;
	mu_memzero(r->pin, sizeof(r->pin));
	g_mutex_clear(&r->lock);
	g_cond_clear(&r->cond);
	g_free(r);
}

void mu_ceremony_pin_answer(mu_ceremony_pin_req *req, const char *pin)
{
	g_mutex_lock(&req->lock);
	if (!req->answered) {
		req->answered = TRUE;
		req->given = pin != NULL && strlen(pin) < sizeof(req->pin);
		if (req->given)
			memcpy(req->pin, pin, strlen(pin) + 1);
		g_cond_signal(&req->cond);
	}
	g_mutex_unlock(&req->lock);
	pin_req_unref(req);
}

typedef struct run_job {
	mu_ceremony_setup *setup;
	GObject *ui;
	const mu_ceremony_ui *ops;
	GCancellable *cancel;
} run_job;

static void run_job_free(run_job *j)
{
	mu_ceremony_setup_free(j->setup);
	g_object_unref(j->ui);
	g_clear_object(&j->cancel);
	g_free(j);
}

/* A call to the main loop: a progress line or a PIN request. */
typedef struct ui_call {
	const mu_ceremony_ui *ops;
	GObject *ui;
	size_t step, total; /* total: a total call */
	char *line, *what, *reader;
	mu_ceremony_pin_req *req;
} ui_call;

static gboolean ui_call_run(gpointer data)
{
	ui_call *c = data;
	if (c->req != NULL)
		c->ops->ask_pin(c->ui, c->req, c->what, c->reader);
	else if (c->line == NULL)
		c->ops->total(c->ui, c->total);
	else
		c->ops->progress(c->ui, c->step, c->line);
	g_object_unref(c->ui);
	g_free(c->line);
	g_free(c->what);
	g_free(c->reader);
	g_free(c);
	return G_SOURCE_REMOVE;
}

static void ui_post(run_job *j, ui_call *c)
{
	c->ops = j->ops;
	c->ui = g_object_ref(j->ui);
	g_main_context_invoke(NULL, ui_call_run, c);
}

static gboolean run_get_pin(gpointer user_data, const char *what, const char *reader,
                            const char *reader_name, char *pin, size_t cap, GError **error)
{
	run_job *j = user_data;
	mu_ceremony_pin_req *req = g_new0(mu_ceremony_pin_req, 1);
	req->refs = 2; /* this thread and the main loop's answer */
	g_mutex_init(&req->lock);
	g_cond_init(&req->cond);
	ui_call *c = g_new0(ui_call, 1);
	c->req = req;
	c->what = g_strdup(what);
	c->reader = g_strdup(reader_name);
	ui_post(j, c);
	g_mutex_lock(&req->lock);
	while (!req->answered && !g_cancellable_is_cancelled(j->cancel))
		g_cond_wait_until(&req->cond, &req->lock, g_get_monotonic_time() + PIN_POLL_US);
	gboolean ok = req->answered && req->given && strlen(req->pin) < cap;
	if (ok)
		memcpy(pin, req->pin, strlen(req->pin) + 1);
	mu_memzero(req->pin, sizeof(req->pin));
	g_mutex_unlock(&req->lock);
	pin_req_unref(req);
	if (!ok)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
		            "no PIN was entered for %s: the ceremony stopped", what);
	return ok;
}

static void run_step_started(gpointer user_data, size_t number, const char *text, const char *units)
{
	ui_call *c = g_new0(ui_call, 1);
	c->step = number;
	c->line = g_strdup_printf("step %zu: %s on %s", number, text, units);
	ui_post(user_data, c);
}

static void run_unit_done(gpointer user_data, size_t number, const char *unit, guint64 counter)
{
	ui_call *c = g_new0(ui_call, 1);
	c->line =
	    g_strdup_printf("    %s: done, transaction counter %" G_GUINT64_FORMAT, unit, counter);
	ui_post(user_data, c);
}

static const mu_tke_runner_ops run_ops = {
    .get_pin = run_get_pin,
    .step_started = run_step_started,
    .unit_done = run_unit_done,
};

static void run_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	run_job *j = data;
	run_env e;
	GError *error = NULL;
	size_t n = 0;
	gboolean ok = run_env_open(&e, j->setup, &run_ops, j, &error);
	g_autoptr(GArray) steps = ok ? mu_tke_runner_steps(e.runner, &error) : NULL;
	if (steps != NULL) {
		ui_call *c = g_new0(ui_call, 1);
		c->total = steps->len;
		ui_post(j, c);
	}
	ok = steps != NULL && mu_tke_runner_run(e.runner, cancel, &n, NULL, &error);
	run_env_clear(&e);
	if (ok)
		g_task_return_int(task, (gssize)n);
	else
		g_task_return_error(task, error);
}

void mu_ceremony_run_async(const mu_ceremony_setup *s, GObject *ui, const mu_ceremony_ui *ops,
                           GCancellable *cancel, GAsyncReadyCallback cb, gpointer data)
{
	run_job *j = g_new0(run_job, 1);
	j->setup = mu_ceremony_setup_copy(s);
	j->ui = g_object_ref(ui);
	j->ops = ops;
	j->cancel = cancel != NULL ? g_object_ref(cancel) : g_cancellable_new();
	g_autoptr(GTask) task = g_task_new(NULL, j->cancel, cb, data);
	g_task_set_task_data(task, j, (GDestroyNotify)run_job_free);
	g_task_run_in_thread(task, run_thread);
}

gssize mu_ceremony_run_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_int(G_TASK(res), error);
}
