/* SPDX-License-Identifier: Apache-2.0 */
/* The openmu GtkApplication: command-line options (--instance, --journal,
 * --cardsim-ctl, --non-unique), application actions with accelerators, and
 * the test mode that logs the longest main-loop stall
 * (OPENMU_TEST_STALL_LOG=FILE). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_APP (mu_app_get_type())
G_DECLARE_FINAL_TYPE(MuApp, mu_app, MU, APP, GtkApplication)

MuApp *mu_app_new(void);

G_END_DECLS
