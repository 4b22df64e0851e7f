/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog that asks the officers for what a card operation needs: a
 * guidance text ("insert the CA card in another reader"), text fields and
 * PIN fields. A PIN is copied out and its entry cleared in one call. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_PIN_DIALOG (mu_pin_dialog_get_type())
G_DECLARE_FINAL_TYPE(MuPinDialog, mu_pin_dialog, MU, PIN_DIALOG, GtkDialog)

/* A modal dialog over parent with Cancel and ok_label (GTK_RESPONSE_OK). */
MuPinDialog *mu_pin_dialog_new(GtkWindow *parent, const char *title, const char *guidance,
                               const char *ok_label);
/* Adds a field; key is also its accessible name. secret: a PIN field
 * (hidden, digits). initial may be NULL. */
void mu_pin_dialog_add(MuPinDialog *d, const char *key, const char *label, gboolean secret,
                       const char *initial);
/* The text of field key (a copy, caller frees). */
char *mu_pin_dialog_text(MuPinDialog *d, const char *key);
/* Copies PIN field key into buf (cap bytes, NUL-terminated) and clears the
 * entry at once. FALSE when it does not fit. */
gboolean mu_pin_dialog_take_pin(MuPinDialog *d, const char *key, char *buf, size_t cap);

G_END_DECLS
