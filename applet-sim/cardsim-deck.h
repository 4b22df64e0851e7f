/* SPDX-License-Identifier: Apache-2.0 */
/* A deck: a folder holding one NAME.card image per virtual card. */
#pragma once

#include <glib.h>

/* Returns DIR/NAME.card, newly allocated (g_free). */
char *cardsim_deck_path(const char *deck, const char *name);

/* Returns the sorted names of the deck's cards (files NAME.card with a
 * valid name) as a NULL-terminated vector (g_strfreev), or NULL and an error
 * when the folder cannot be read. */
char **cardsim_deck_list(const char *deck, GError **error);
