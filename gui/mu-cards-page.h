/* SPDX-License-Identifier: Apache-2.0 */
/* The Smart Cards page: the readers (live, from the reader monitor), the
 * selected reader's card, and the card operations with their dialogs. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_CARDS_PAGE (mu_cards_page_get_type())
G_DECLARE_FINAL_TYPE(MuCardsPage, mu_cards_page, MU, CARDS_PAGE, GtkBox)

MuCardsPage *mu_cards_page_new(void);
/* Reads the selected reader's card again. */
void mu_cards_page_refresh(MuCardsPage *page);

G_END_DECLS
