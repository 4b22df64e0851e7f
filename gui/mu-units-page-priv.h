/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the Crypto Units page (mu-units-page.c: the status table, its
 * refresh and the page's life cycle) and its command dialogs
 * (mu-unit-commands.c): the page's state, what a read of the units found,
 * and the table of the commands. */
#pragma once

#include <stdint.h>

#include "mu-tke-ceremony.h"
#include "mu-tke-status.h"
#include "mu-units-page.h"

G_BEGIN_DECLS

/* The page's commands, in the order of their buttons. */
typedef enum {
	CMD_ADD_ADMIN,
	CMD_REMOVE_ADMIN,
	CMD_THRESHOLDS,
	CMD_LOAD_PART,
	CMD_COMMIT,
	CMD_SET_IMMEDIATE,
	CMD_ROTATE,
	CMD_CLEAR_NEW,
	CMD_CLEAR_CURRENT,
	CMD_ZEROIZE,
	N_CMDS,
} page_cmd;

struct cmd_def {
	const char *name;  /* button label and accessible name, dialog title */
	const char *child; /* template id of the button */
	mu_tke_step step;
	uint16_t unit_cmd; /* for the signature count */
	const char *does;  /* what the signed command does, for the dialog */
};

/* One entry per command, indexed by page_cmd (mu-unit-commands.c). */
extern const struct cmd_def mu_units_cmd_defs[N_CMDS];

/* What the last read of the units found. */
typedef struct {
	char *instance;
	char *name;
	GPtrArray *units;   /* char * */
	GPtrArray *trust;   /* char *: "verified ..." or the error */
	GArray *trusted;    /* gboolean */
	mu_unit_status *st; /* one per unit, valid where trusted */
	mu_tke_compare *cmp;
} units_job;

struct _MuUnitsPage {
	GtkBox parent;
	GtkLabel *status;
	GtkGrid *grid;
	GtkWidget *refresh;
	GtkSpinner *spinner;
	GtkWidget *buttons[N_CMDS];
	char *instance, *journal;
	GCancellable *cancel;
	units_job *shown; /* the last successful read, NULL before */
	gboolean loading, busy;
};

/* Makes the command buttons and Refresh sensitive, and the spinner spin,
 * as p->shown, p->busy and p->loading say. */
void mu_units_page_update_buttons(MuUnitsPage *p);

/* "clicked" of a command button (its "mu-cmd" data is the page_cmd; data
 * is the page): reads the cards in the readers, then opens the command's
 * dialog. */
void mu_units_page_on_command(GtkButton *b, gpointer data);

G_END_DECLS
