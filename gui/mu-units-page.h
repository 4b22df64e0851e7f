/* SPDX-License-Identifier: Apache-2.0 */
/* The Crypto Units page: the units of the instance file side by side, from
 * their verified STATUS, with differences highlighted and a trust
 * indicator per unit; and the admin and master-key commands, run on every
 * unit (or one) with the officers' signing cards (mu-signers-dialog.h,
 * mu-unit-jobs.h). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_UNITS_PAGE (mu_units_page_get_type())
G_DECLARE_FINAL_TYPE(MuUnitsPage, mu_units_page, MU, UNITS_PAGE, GtkBox)

/* instance may be NULL: the page then says how to give one. journal (may
 * be NULL): the ceremony journal that gets one record per unit and
 * command. */
MuUnitsPage *mu_units_page_new(const char *instance, const char *journal);
void mu_units_page_refresh(MuUnitsPage *page);

G_END_DECLS
