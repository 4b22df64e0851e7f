/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony assistant's work, in GTask workers over the ceremony runner
 * (tke/mu-tke-runner.h): the plan from a file or from the assistant's form,
 * what it needs (which card goes in which reader, the steps), and the run
 * itself, whose PIN requests and progress come back to the main loop.
 * Every worker opens its own pcsc backend and closes its cards when it
 * ends, so a resumed run asks the PINs again. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MU_CEREMONY_ADMINS_MAX 3
#define MU_CEREMONY_PIN_BUF    32u

/* The assistant's input: a plan file, or a plan built from the form. */
typedef struct mu_ceremony_setup {
	char *instance;                             /* instance file (NULL: the plan's instance=) */
	char *journal;                              /* ceremony journal (NULL: none) */
	char *plan_path;                            /* a plan file, or NULL: the form below */
	char *admin_reader[MU_CEREMONY_ADMINS_MAX]; /* NULL: no such admin */
	int sig_threshold, rev_threshold;
	int parts; /* 2 or 3 */
	char *part_reader[3];
	unsigned part_slot[3];
	gboolean rotate; /* replace the units' current master key (rotate) */
} mu_ceremony_setup;

mu_ceremony_setup *mu_ceremony_setup_copy(const mu_ceremony_setup *s);
void mu_ceremony_setup_free(mu_ceremony_setup *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_ceremony_setup, mu_ceremony_setup_free)

/* The readers of the workstation (names, g_strfreev). */
void mu_ceremony_readers_async(GCancellable *cancel, GAsyncReadyCallback cb, gpointer data);
char **mu_ceremony_readers_finish(GAsyncResult *res, GError **error);

/* What a run of the plan will need and do, read from the cards (no PIN)
 * and the units. */
typedef struct mu_ceremony_preview {
	char *cards;   /* "Alice Admin's EP11 card in reader R", one per line */
	char **steps;  /* "1. add admin ... on unit1, unit2" (NULL-terminated) */
	char *signing; /* who signs the admin commands */
} mu_ceremony_preview;

void mu_ceremony_preview_free(mu_ceremony_preview *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_ceremony_preview, mu_ceremony_preview_free)

void mu_ceremony_preview_async(const mu_ceremony_setup *s, GCancellable *cancel,
                               GAsyncReadyCallback cb, gpointer data);
mu_ceremony_preview *mu_ceremony_preview_finish(GAsyncResult *res, GError **error);

/* A PIN the run waits for: the main loop answers it once with
 * mu_ceremony_pin_answer(). */
typedef struct mu_ceremony_pin_req mu_ceremony_pin_req;

/* pin: the PIN (copied, then the caller wipes its own copy), or NULL when
 * the officers cancel. Main thread; once per request. */
void mu_ceremony_pin_answer(mu_ceremony_pin_req *req, const char *pin);

/* What the run reports, called on the main loop (ui is kept alive by a
 * reference for the run). */
typedef struct mu_ceremony_ui {
	/* The number of steps this run starts with (after reading the units). */
	void (*total)(GObject *ui, size_t nsteps);
	/* A line of progress; step > 0 when a new step starts (its number). */
	void (*progress)(GObject *ui, size_t step, const char *line);
	/* Show a PIN dialog for what (the card) in reader; answer req. */
	void (*ask_pin)(GObject *ui, mu_ceremony_pin_req *req, const char *what,
	                const char *reader);
} mu_ceremony_ui;

/* Runs the plan to its end. The result: the number of steps run. On
 * failure the error says which step failed on which unit and why; a new
 * run resumes from the units' state. */
void mu_ceremony_run_async(const mu_ceremony_setup *s, GObject *ui, const mu_ceremony_ui *ops,
                           GCancellable *cancel, GAsyncReadyCallback cb, gpointer data);
gssize mu_ceremony_run_finish(GAsyncResult *res, GError **error);

G_END_DECLS
