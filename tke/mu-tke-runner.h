/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony runner: executes a ceremony plan (mu-tke-plan.h) on the
 * units of an instance with the cards that stay in the readers the plan
 * names, one step at a time, each step computed from freshly read unit
 * statuses, so that a run stopped by a failure resumes where it stopped.
 * Shared by `openmu-cli ceremony plan|run` and the app's ceremony
 * assistant: the caller only supplies PINs (a callback) and shows progress
 * (callbacks); the cards, the units and the journal are handled here.
 *
 * Blocking (cards and network): run it off any GUI main loop. Callbacks
 * are called in the thread that called into the runner. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gio/gio.h>
#include <glib.h>

#include "mu-reader.h"
#include "mu-tke-instance.h"
#include "mu-tke-plan.h"

G_BEGIN_DECLS

/* Errors of the cards (as opposed to MU_TKE_ERROR / MU_TKE_UNIT_ERROR of the
 * units): code is the MU_SC_* status of the card layer (mu-sc-status.h) or
 * MU_TKE_RUNNER_WRONG_CARD; the message names the reader and says what to
 * do ("wrong PIN, 2 tries left", "insert the card of admin alice in reader
 * R", ...). */
#define MU_TKE_CARD_ERROR (mu_tke_card_error_quark())
GQuark mu_tke_card_error_quark(void);
#define MU_TKE_RUNNER_WRONG_CARD 1 /* a card is there but not the one the plan names */

typedef struct mu_tke_runner_ops {
	/* Asks for the PIN of the card what ("the card of admin alice") in
	 * reader (the plan's reader spec; full name in reader_name). Writes a
	 * NUL-terminated PIN into pin (cap bytes); the runner wipes it after
	 * the card checked it. FALSE with error set stops the run with that
	 * error (G_IO_ERROR_CANCELLED when the user cancels). Required. */
	gboolean (*get_pin)(gpointer user_data, const char *what, const char *reader,
	                    const char *reader_name, char *pin, size_t cap, GError **error);
	/* Before step number (1-based) runs: its text and the units it runs on
	 * ("unit1, unit2"). Optional. */
	void (*step_started)(gpointer user_data, size_t number, const char *text,
	                     const char *units);
	/* After the step ran on one unit: counter is the unit's transaction
	 * counter afterwards. Optional. */
	void (*unit_done)(gpointer user_data, size_t number, const char *unit, guint64 counter);
	/* Step number failed on unit (its cards, the unit, or its journal
	 * record): error is the cause, not prefixed, as it is about to be
	 * returned by mu_tke_runner_run. Optional. */
	void (*unit_failed)(gpointer user_data, size_t number, const char *unit,
	                    const GError *error);
} mu_tke_runner_ops;

typedef struct mu_tke_runner mu_tke_runner;

/* A runner for plan on inst (both borrowed; they must outlive it), over
 * backend b (borrowed). journal_path: the ceremony journal that gets one
 * countersigned record per step and unit (NULL: none). ops is copied.
 * The cards stay open, and verified once their PIN is, for the runner's
 * life: after a card was removed or swapped, make a new runner (it reads
 * the cards again). */
mu_tke_runner *mu_tke_runner_new(mu_backend *b, mu_tke_instance *inst, mu_tke_plan *plan,
                                 const char *plan_name, const char *journal_path,
                                 const mu_tke_runner_ops *ops, gpointer user_data);
/* Closes the cards (their verified state ends), wipes and frees *r. */
void mu_tke_runner_free(mu_tke_runner **r);
static inline void mu_tke_runner_free_ptr(mu_tke_runner *r)
{
	mu_tke_runner_free(&r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_runner, mu_tke_runner_free_ptr)

/* Reads from the plan's cards, without PIN, what the plan needs: each
 * admin's certificate and key id (the admin name on the card must be the
 * plan's), each part's VP. MU_TKE_CARD_ERROR when a card is missing or not
 * the one the plan names. Call once before steps/run. */
gboolean mu_tke_runner_read_cards(mu_tke_runner *r, GError **error);

/* The steps from the units' current statuses to the plan's target (a
 * GArray of mu_tke_plan_step; empty: nothing to do), or NULL with a unit's
 * error ("UNIT: " prefixed) or mu_tke_plan_steps()'s. */
GArray *mu_tke_runner_steps(mu_tke_runner *r, GError **error);

/* "unit1, unit3" for a step's unit bits (caller frees). */
char *mu_tke_runner_units_text(mu_tke_runner *r, guint64 units);

/* Runs steps until every unit matches the plan. A PIN is asked (get_pin)
 * the first time a card is needed, once per runner; the cards of a step are
 * made ready (PINs verified) before it goes to its first unit. *nsteps (may
 * be NULL) is the number of steps run. On failure: FALSE with the cause
 * (card, unit or journal error as it came, its message prefixed by "step N
 * (TEXT) on UNIT: ") and *failed_step (may be NULL) the number of the step
 * that failed; calling again resumes from the units' state. A wrong PIN is
 * MU_TKE_CARD_ERROR MU_SC_ERR_WRONG_PIN ("... wrong PIN, 2 tries left"), a
 * blocked card MU_SC_ERR_BLOCKED. A failure outside a step sets
 * *failed_step to 0 and is not prefixed by a step: the journal cannot be
 * opened (MU_TKE_ERROR_INPUT; nothing is sent to any unit), a unit's status
 * cannot be read (its MU_TKE_ERROR, prefixed "UNIT: "), the plan refuses a
 * unit's state (MU_TKE_ERROR_STATE naming it, see mu_tke_plan_steps), the
 * run stops by itself (G_IO_ERROR_FAILED: a step succeeded but changed
 * nothing, or more than 64 steps), cancel was set between steps. cancel
 * (may be NULL) is checked between steps and units (G_IO_ERROR_CANCELLED).
 *
 * Journal records (one per unit a step reached, refusals included) use the
 * step names of `openmu-cli unit`: add-admin-imprint, add-admin,
 * remove-admin, set-thresholds, clear-new, load-part, commit, set-immediate,
 * rotate; countersigned by the first card that signed the step (a key part:
 * its card when it holds an admin key; the imprint form: the new admin's
 * card if its PIN was verified, else none). */
gboolean mu_tke_runner_run(mu_tke_runner *r, GCancellable *cancel, size_t *nsteps,
                           size_t *failed_step, GError **error);

G_END_DECLS
