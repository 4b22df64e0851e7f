/* SPDX-License-Identifier: Apache-2.0 */
/* The work behind the Crypto Units page's commands, in GTask workers: the
 * cards in the readers (what the command dialogs offer), and one admin or
 * master-key command run on the units of an instance with the officers'
 * signing cards. Each worker opens its own pcsc backend and a fresh unit
 * connection per unit; all card and unit rules live in tke/ (the ceremony
 * steps), this only orchestrates. PINs travel in the job's fixed buffers
 * and are wiped right after each card has verified them. */
#pragma once

#include <gio/gio.h>

#include "mu-card.h"
#include "mu-tke-ceremony.h"

G_BEGIN_DECLS

/* What one reader holds (read without a PIN). */
typedef struct mu_unit_card {
	char *reader;
	gboolean readable; /* an OpenMU card that answered */
	mu_card_info info;
	mu_keypart_info *parts; /* EP11 cards; malloc'ed */
	size_t nparts;
} mu_unit_card;

void mu_unit_card_free(mu_unit_card *c);

/* Lists the readers and reads the card in each. Result: mu_unit_card *
 * (freed by the array); an empty array when there are no readers. Fails
 * with MU_GUI_ERROR when PC/SC is unusable. */
void mu_unit_cards_async(GCancellable *cancel, GAsyncReadyCallback cb, gpointer user_data);
GPtrArray *mu_unit_cards_finish(GAsyncResult *res, GError **error);

typedef enum {
	MU_UNIT_JOB_STEP,      /* mu_tke_ceremony_step(step) */
	MU_UNIT_JOB_ADD_ADMIN, /* the admin certificate of the card in card_reader */
	MU_UNIT_JOB_LOAD_PART, /* key part slot of the card in card_reader */
} mu_unit_job_kind;

#define MU_UNIT_JOB_PIN_BUF 32u

typedef struct mu_unit_job_signer {
	char *reader;
	char pin[MU_UNIT_JOB_PIN_BUF];
} mu_unit_job_signer;

/* One command. Strings are owned; PIN buffers are wiped by the worker after
 * verification and again by mu_unit_job_free(). */
typedef struct mu_unit_job {
	mu_unit_job_kind kind;
	mu_tke_step step;      /* STEP */
	char *instance;        /* instance file */
	char *journal;         /* ceremony journal, or NULL */
	char *unit;            /* one unit, or NULL: every unit */
	uint8_t sig_threshold; /* SET_THRESHOLDS */
	uint8_t rev_threshold;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN]; /* REMOVE_ADMIN */
	char *card_reader; /* ADD_ADMIN: the new admin's card; LOAD_PART: key-part card */
	gboolean imprint;  /* ADD_ADMIN: the unsigned imprint-mode form */
	unsigned slot;     /* LOAD_PART */
	uint8_t parts;     /* LOAD_PART: 2 or 3 */
	char card_pin[MU_UNIT_JOB_PIN_BUF]; /* LOAD_PART: key-part card, unless it signs */
	mu_unit_job_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners;
} mu_unit_job;

mu_unit_job *mu_unit_job_new(mu_unit_job_kind kind, const char *instance, const char *journal,
                             const char *unit);
/* Wipes the PINs and frees j. NULL-safe. */
void mu_unit_job_free(mu_unit_job *j);
/* Appends a signing card: copies pin into the job's buffer. FALSE when the
 * job has MU_UNIT_ADMINS_MAX signers or the PIN does not fit. */
gboolean mu_unit_job_add_signer(mu_unit_job *j, const char *reader, const char *pin);
/* Copies pin into buf (MU_UNIT_JOB_PIN_BUF). FALSE when it does not fit. */
gboolean mu_unit_job_copy_pin(char buf[MU_UNIT_JOB_PIN_BUF], const char *pin);

/* Runs j (taken) in a worker: opens and verifies the cards (a wrong PIN,
 * wrong card or unusable journal fails the job before any unit is
 * touched), then runs the command on each unit in turn with a fresh
 * connection and, with a journal, appends one record per unit. The result
 * is one line per unit in plain words; *all_ok tells whether every unit
 * did it. An error means nothing was sent to any unit. */
void mu_unit_job_run_async(mu_unit_job *j, GCancellable *cancel, GAsyncReadyCallback cb,
                           gpointer user_data);
char *mu_unit_job_run_finish(GAsyncResult *res, gboolean *all_ok, GError **error);

G_END_DECLS
