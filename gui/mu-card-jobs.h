/* SPDX-License-Identifier: Apache-2.0 */
/* Card work for the Smart Cards page, run in GTask worker threads, each on
 * a pcsc backend of its own: reading a card, and the personalization and
 * key part operations. Errors come back as GError with the card layer's
 * message (what happened and what to do). */
#pragma once

#include <gio/gio.h>

#include "mu-card.h"

G_BEGIN_DECLS

/* What the page shows of the card in one reader. */
typedef struct mu_card_view {
	char *reader;
	mu_card_info info;
	mu_keypart_info *parts; /* malloc'ed; EP11 cards */
	size_t nparts;
} mu_card_view;

void mu_card_view_free(mu_card_view *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_card_view, mu_card_view_free)

void mu_card_read_async(const char *reader, GCancellable *cancel, GAsyncReadyCallback cb,
                        gpointer user_data);
mu_card_view *mu_card_read_finish(GAsyncResult *res, GError **error);

typedef enum {
	MU_CARD_JOB_INIT_CA,  /* blank card in reader -> CA card of zone */
	MU_CARD_JOB_ENROLL,   /* blank card in reader -> EP11, CA card in another reader */
	MU_CARD_JOB_KEYPART,  /* EP11 card in reader: new key part desc */
} mu_card_job_kind;

#define MU_GUI_PIN_BUF 32u

/* One operation; PIN buffers are wiped by mu_card_job_free(). */
typedef struct mu_card_job {
	mu_card_job_kind kind;
	char *reader;
	char *root_path; /* INIT_CA: manufacturer root certificate (PEM or DER) */
	char *zone, *zone_desc, *label, *desc;
	char pin1[MU_GUI_PIN_BUF]; /* CA PIN 1, or the EP11 PIN for KEYPART */
	char pin2[MU_GUI_PIN_BUF]; /* CA PIN 2 */
	char new_pin[MU_GUI_PIN_BUF]; /* ENROLL: PIN of the new card */
} mu_card_job;

mu_card_job *mu_card_job_new(mu_card_job_kind kind, const char *reader);
void mu_card_job_free(mu_card_job *job);

/* Runs job (taken) in a worker; the result is a message for the officers. */
void mu_card_job_run_async(mu_card_job *job, GCancellable *cancel, GAsyncReadyCallback cb,
                           gpointer user_data);
char *mu_card_job_run_finish(GAsyncResult *res, GError **error);

G_END_DECLS
