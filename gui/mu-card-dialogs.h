/* SPDX-License-Identifier: Apache-2.0 */
/* The card operations of the Smart Cards page as dialogs: which operations
 * apply to the card shown, the MuPinDialog each one asks with (guidance in
 * plain words, the fields, the reader of a second card, a confirmation),
 * and the job made of the officers' answer. Main thread only. */
#pragma once

#include "mu-card-jobs.h"
#include "mu-pin-dialog.h"

G_BEGIN_DECLS

/* What the page knows when an operation starts (all borrowed). */
typedef struct mu_card_dialog_ctx {
	const char *reader;        /* the selected reader */
	const mu_card_view *view;  /* the card read there */
	const char *const *others; /* the other readers holding a card, NULL-terminated */
	int slot;                  /* the selected key part's slot, -1 when none */
} mu_card_dialog_ctx;

/* TRUE when kind applies to the card in v (NULL: not read) and the
 * selected key part slot (-1: none). */
gboolean mu_card_op_applies(mu_card_job_kind kind, const mu_card_view *v, int slot);

/* The dialog of kind for the card in ctx, modal over parent, not shown
 * yet. It holds the job being prepared. */
MuPinDialog *mu_card_dialog_new(GtkWindow *parent, mu_card_job_kind kind,
                                const mu_card_dialog_ctx *ctx);

/* Takes the officers' answer out of d: every PIN entry is cleared first,
 * whatever the response. Returns the job (caller owns it) when ok, NULL
 * when cancelled (error unset), or NULL with error set when the answer is
 * refused without touching the card (new PINs that differ, a PIN too
 * long). Call it once. */
mu_card_job *mu_card_dialog_take_job(MuPinDialog *d, gboolean ok, GError **error);

G_END_DECLS
