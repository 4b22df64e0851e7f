/* SPDX-License-Identifier: Apache-2.0 */
/* The Journal page: the records of a ceremony journal and the result of
 * verifying its hash chain and countersignatures (mu_tke_journal_verify). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MU_TYPE_JOURNAL_PAGE (mu_journal_page_get_type())
G_DECLARE_FINAL_TYPE(MuJournalPage, mu_journal_page, MU, JOURNAL_PAGE, GtkBox)

/* path may be NULL: the page then says how to give one. */
MuJournalPage *mu_journal_page_new(const char *path);
void mu_journal_page_refresh(MuJournalPage *page);

G_END_DECLS
