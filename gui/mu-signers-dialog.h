/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog of an admin or master-key command on the Crypto Units page:
 * what the command will sign and how many admin signatures it needs, the
 * command's own fields, the unit choice (every unit, or one), and the
 * signing cards — one row per reader holding an EP11 card with an admin
 * key: a tick box and the card's PIN (hidden, PIN input purpose). PINs are
 * handed out once and every PIN entry is cleared in the same call. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_SIGNERS_DIALOG (mu_signers_dialog_get_type())
G_DECLARE_FINAL_TYPE(MuSignersDialog, mu_signers_dialog, MU, SIGNERS_DIALOG, GtkDialog)

/* A modal dialog over parent with Cancel and ok_label (GTK_RESPONSE_OK). */
MuSignersDialog *mu_signers_dialog_new(GtkWindow *parent, const char *title, const char *ok_label);

/* Adds a row of the command's own fields: label and widget (a11y names the
 * widget). Widgets that change what is signed should call
 * mu_signers_dialog_update() from their change signal. */
void mu_signers_dialog_add_param(MuSignersDialog *d, const char *label, GtkWidget *w,
                                 const char *a11y);
/* Adds a PIN field to the command's fields (a card that is not a signing
 * card); key is its accessible name. Returns the entry (borrowed). */
GtkWidget *mu_signers_dialog_add_pin(MuSignersDialog *d, const char *key, const char *label);

/* The command's one choice list (the new admin's card, the admin to
 * remove, the key part): a radio button per entry, packed in a field row
 * labelled label when the first entry is added; none is chosen at first.
 * Returns the entry's index. A change calls the update function. */
int mu_signers_dialog_add_choice(MuSignersDialog *d, const char *label, const char *text,
                                 const char *a11y);
/* The number of entries, and the chosen one (-1: none). */
int mu_signers_dialog_n_choices(MuSignersDialog *d);
int mu_signers_dialog_choice(MuSignersDialog *d);

/* The unit choice: "all units" (default) or one of names. */
void mu_signers_dialog_set_units(MuSignersDialog *d, const char *const *names, size_t n);
/* The chosen unit, or NULL for every unit. */
const char *mu_signers_dialog_unit(MuSignersDialog *d);

/* Adds a signing card row (unticked). */
void mu_signers_dialog_add_card(MuSignersDialog *d, const char *reader, const char *admin_name);
/* TRUE when the card in reader is ticked (and signatures are asked). */
gboolean mu_signers_dialog_ticked(MuSignersDialog *d, const char *reader);

/* Called whenever the unit choice or a tick changes, and by
 * mu_signers_dialog_update(): it recomputes the text with
 * mu_signers_dialog_set_need(). */
typedef void (*MuSignersUpdateFunc)(MuSignersDialog *d, gpointer data);
void mu_signers_dialog_set_update(MuSignersDialog *d, MuSignersUpdateFunc fn, gpointer data);
void mu_signers_dialog_update(MuSignersDialog *d);

/* Shows what the command will sign, and how many signatures it needs
 * (needed 0: none, the signing cards are not asked; why says where the
 * number comes from). needed < 0: the command cannot run as it stands (why
 * says what is missing); OK is off. */
void mu_signers_dialog_set_need(MuSignersDialog *d, const char *what, int needed, const char *why);

/* After OK: calls fn(reader, pin) for each ticked card, in order (none
 * when no signature is needed), then clears every PIN entry of the dialog,
 * field PINs included. Returns FALSE as soon as fn does (the entries are
 * cleared all the same). */
typedef gboolean (*MuSignersTakeFunc)(const char *reader, const char *pin, gpointer data);
gboolean mu_signers_dialog_take(MuSignersDialog *d, MuSignersTakeFunc fn, gpointer data);

G_END_DECLS
