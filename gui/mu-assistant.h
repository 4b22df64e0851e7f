/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony assistant: from a plan file or from a form, shows which card
 * goes in which reader and the steps the units still need, then runs them
 * (mu-ceremony-jobs.h), asking each card's PIN when it is first needed,
 * with a progress view and Resume after a failed step. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_ASSISTANT (mu_assistant_get_type())
G_DECLARE_FINAL_TYPE(MuAssistant, mu_assistant, MU, ASSISTANT, GtkAssistant)

/* A modal assistant over parent. instance, journal, plan may be NULL
 * (plan: the file proposed on the first page). */
MuAssistant *mu_assistant_new(GtkWindow *parent, const char *instance, const char *journal,
                              const char *plan);

G_END_DECLS
