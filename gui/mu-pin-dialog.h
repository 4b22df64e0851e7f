/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog that asks the officers for what a card operation needs: a
 * guidance text ("insert the CA card in another reader"), text fields, PIN
 * fields, choices (which reader, which PIN) and confirmations. A PIN is
 * copied out and its entry cleared in one call. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_PIN_DIALOG (mu_pin_dialog_get_type())
G_DECLARE_FINAL_TYPE(MuPinDialog, mu_pin_dialog, MU, PIN_DIALOG, GtkDialog)

/* A modal dialog over parent with Cancel and ok_label (GTK_RESPONSE_OK),
 * destroyed with parent. */
MuPinDialog *mu_pin_dialog_new(GtkWindow *parent, const char *title, const char *guidance,
                               const char *ok_label);
/* Adds a field; key is also its accessible name. secret: a PIN field
 * (hidden, digits). initial may be NULL. */
void mu_pin_dialog_add(MuPinDialog *d, const char *key, const char *label, gboolean secret,
                       const char *initial);
/* Adds a drop-down choice named key among options (NULL-terminated, copied;
 * may be empty). initial: the index chosen at first, -1 for none. */
void mu_pin_dialog_add_choice(MuPinDialog *d, const char *key, const char *label,
                              const char *const *options, int initial);
/* Adds a check box named key that the officers must tick: the OK button
 * stays insensitive until every confirmation of the dialog is ticked. */
void mu_pin_dialog_add_confirm(MuPinDialog *d, const char *key, const char *label);
/* TRUE when every confirmation of the dialog is ticked (or it has none). */
gboolean mu_pin_dialog_confirmed(MuPinDialog *d);
/* TRUE when the dialog has a field, choice or confirmation named key. */
gboolean mu_pin_dialog_has(MuPinDialog *d, const char *key);
/* The text of field key (a copy, caller frees). */
char *mu_pin_dialog_text(MuPinDialog *d, const char *key);
/* The chosen option of choice key (a copy, caller frees), NULL when none. */
char *mu_pin_dialog_choice(MuPinDialog *d, const char *key);
/* The index of the chosen option of choice key, -1 when none. */
int mu_pin_dialog_choice_index(MuPinDialog *d, const char *key);
/* Copies PIN field key into buf (cap bytes, NUL-terminated) and clears the
 * entry at once. FALSE when it does not fit or there is no such field. */
gboolean mu_pin_dialog_take_pin(MuPinDialog *d, const char *key, char *buf, size_t cap);

G_END_DECLS
