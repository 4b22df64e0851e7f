/* SPDX-License-Identifier: Apache-2.0 */
/* The virtual deck panel: the cards of an openmu-cardsim deck and its
 * virtual readers, with buttons that insert a card into a reader or remove
 * it, through the emulator's control socket (in worker threads). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_DECK_PANEL (mu_deck_panel_get_type())
G_DECLARE_FINAL_TYPE(MuDeckPanel, mu_deck_panel, MU, DECK_PANEL, GtkBox)

MuDeckPanel *mu_deck_panel_new(const char *ctl_path);
/* Reads the deck and the readers again. */
void mu_deck_panel_refresh(MuDeckPanel *panel);

G_END_DECLS
