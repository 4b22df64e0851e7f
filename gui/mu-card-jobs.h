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
	MU_CARD_JOB_INIT_CA,        /* blank card in reader -> CA card of zone */
	MU_CARD_JOB_ENROLL,         /* blank card in reader -> EP11, CA card in another reader */
	MU_CARD_JOB_KEYPART,        /* EP11 card in reader: new key part desc */
	MU_CARD_JOB_KEYPART_DELETE, /* EP11 card: delete key part slot */
	MU_CARD_JOB_SIGKEY,         /* EP11 card: signature key for admin name (replace) */
	MU_CARD_JOB_CHANGE_PIN,     /* CA or EP11 card: PIN `which` from pin1 to new_pin */
	MU_CARD_JOB_UNBLOCK,        /* EP11 card: new_pin, by the zone's CA card in other_reader */
	MU_CARD_JOB_COPY,           /* EP11 card -> the EP11 card in other_reader (target_pin) */
	MU_CARD_JOB_CA_BACKUP, /* CA card -> the blank card in other_reader (new_pin, new_pin2) */
	MU_CARD_JOB_ZEROIZE,   /* any card -> blank; PINs unless the card is blocked */
} mu_card_job_kind;

#define MU_GUI_PIN_BUF 32u

/* One operation; PIN buffers are wiped by mu_card_job_free(). */
typedef struct mu_card_job {
	mu_card_job_kind kind;
	char *reader;
	/* when set, the card in reader must have this serial (the card shown) */
	gboolean check_serial;
	uint8_t serial[MU_SERIAL_LEN];
	char *root_path; /* INIT_CA: manufacturer root certificate (PEM or DER) */
	char *zone, *zone_desc, *label, *desc;
	char *admin_name; /* SIGKEY */
	gboolean replace; /* SIGKEY: replace the existing key */
	unsigned slot;    /* KEYPART_DELETE */
	int which;        /* CHANGE_PIN: 1 or 2 (CA PIN 2) */
	/* UNBLOCK, COPY, CA_BACKUP: the reader of the other card, or NULL to
	 * look for it among the other readers */
	char *other_reader;
	char pin1[MU_GUI_PIN_BUF];     /* CA PIN 1, the EP11 PIN, the current PIN, the source PIN */
	char pin2[MU_GUI_PIN_BUF];     /* CA PIN 2 */
	char new_pin[MU_GUI_PIN_BUF];  /* the new PIN; CA_BACKUP: PIN 1 of the backup */
	char new_pin2[MU_GUI_PIN_BUF]; /* CA_BACKUP: PIN 2 of the backup */
	char target_pin[MU_GUI_PIN_BUF]; /* COPY: PIN of the target card */
} mu_card_job;

mu_card_job *mu_card_job_new(mu_card_job_kind kind, const char *reader);
void mu_card_job_free(mu_card_job *job);
/* Wipes every PIN buffer of job (mu_card_job_free() does it too). */
void mu_card_job_wipe_pins(mu_card_job *job);

/* Runs job (taken) in a worker; the result is a message for the officers. */
void mu_card_job_run_async(mu_card_job *job, GCancellable *cancel, GAsyncReadyCallback cb,
                           gpointer user_data);
char *mu_card_job_run_finish(GAsyncResult *res, GError **error);

G_END_DECLS
