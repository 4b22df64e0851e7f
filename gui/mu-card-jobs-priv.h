/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the card jobs (mu-card-jobs.c, mu-card-jobs-admin.c), worker
 * threads only: opening the job's cards and checking PINs, with errors as
 * GError in the card layer's words. */
#pragma once

#include "mu-card-jobs.h"

G_BEGIN_DECLS

/* Opens the card in reader and checks its type (-1: any OpenMU card); want
 * names the card for the message ("a blank card"). Fills info. */
mu_card *mu_card_job_open(mu_backend *b, const char *reader, int type, const char *want,
                          mu_card_info *info, GError **error);

/* Opens the job's own card (j->reader) like mu_card_job_open() and, when
 * j->check_serial, refuses another card than the one the page showed. */
mu_card *mu_card_job_open_own(mu_backend *b, const mu_card_job *j, int type, const char *want,
                              mu_card_info *info, GError **error);

/* The second card of a two-card job: the card in j->other_reader when the
 * officers chose one, else the card of that type in the other readers (the
 * first found, or when unique the only one: several are an error asking to
 * choose). want names it ("the zone's CA card"). *reader gets its reader
 * (caller frees). */
mu_card *mu_card_job_other(mu_backend *b, const mu_card_job *j, int type, const char *want,
                           gboolean unique, char **reader, mu_card_info *info, GError **error);

/* VERIFY of PIN which; FALSE with the card's words ("what: wrong PIN, 2
 * tries left") on error. */
gboolean mu_card_job_verify(mu_card *c, int which, const char *pin, const char *what,
                            GError **error);

/* The jobs of mu-card-jobs-admin.c (every kind but INIT_CA, ENROLL and
 * KEYPART): the message for the officers, or NULL with error set. */
char *mu_card_job_run_admin(mu_backend *b, mu_card_job *j, GError **error);

G_END_DECLS
