/* SPDX-License-Identifier: Apache-2.0 */
/* Unit status: fetching a unit's OA-signed STATUS, and comparing the
 * statuses of the units of one instance field by field (docs/protocol.md
 * §13; ARCHITECTURE.md §2 "Compare"). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-tke-client.h"
#include "mu-unit-body.h"

G_BEGIN_DECLS

/* Fetches the verified STATUS of the unit c talks to into *out. Returns
 * FALSE with the client's errors, or MU_TKE_ERROR_PROTOCOL when the body
 * does not parse or names another module or domain. */
gboolean mu_tke_status_fetch(mu_tke_client *c, mu_unit_status *out, GError **error);

/* "EMPTY", "PARTIAL", "FULL-UNCOMMITTED", "FULL-COMMITTED" (new register). */
const char *mu_tke_new_state_name(uint8_t state);
/* "EMPTY", "VALID" (current register). */
const char *mu_tke_cur_state_name(uint8_t state);
/* The new register as officers read it: "EMPTY", "PARTIAL 1 of 3",
 * "FULL-UNCOMMITTED", ... (caller frees). */
char *mu_tke_new_register_text(const mu_unit_status *st);
/* Lower-case hex of len bytes (caller frees). */
char *mu_tke_hex(const uint8_t *buf, size_t len);

/* One row of a comparison: the value of one field on every unit. */
typedef struct mu_tke_compare_row {
	char *key;         /* stable machine name: "imprint", "admin:<key id hex>", ... */
	char *label;       /* what a person reads: "signature threshold", ... */
	char **values;     /* one per unit; NULL where the unit's status is unknown */
	gboolean compared; /* FALSE for identity rows (module id, domain, role) and
	                      per-unit contents (key count, recovery key) */
	gboolean differs;  /* compared and two known values differ */
} mu_tke_compare_row;

typedef struct mu_tke_compare mu_tke_compare;

/* Compares the statuses of n units (names[i], statuses[i]; a NULL status is
 * a unit that could not be read: its values are NULL and it takes no part in
 * the comparison). Rows, in this order: module id, domain, role, imprint
 * mode, signature threshold, revocation threshold, transaction counter,
 * admin count, one row per admin key id found on any unit (value: the admin
 * name where it is installed, "-" where not), new register state, VP of
 * each loaded part, new register VP, current register state and VP, the
 * recovery key when any unit has one, key count. Returns a new comparison
 * (free with mu_tke_compare_free). */
mu_tke_compare *mu_tke_compare_new(size_t n, const char *const *names,
                                   const mu_unit_status *const *statuses);
void mu_tke_compare_free(mu_tke_compare **cmp);

size_t mu_tke_compare_n_units(const mu_tke_compare *cmp);
const char *mu_tke_compare_unit_name(const mu_tke_compare *cmp, size_t i);
size_t mu_tke_compare_n_rows(const mu_tke_compare *cmp);
const mu_tke_compare_row *mu_tke_compare_row_at(const mu_tke_compare *cmp, size_t i);
/* Number of rows that differ. */
size_t mu_tke_compare_n_differences(const mu_tke_compare *cmp);

static inline void mu_tke_compare_free_ptr(mu_tke_compare *cmp)
{
	mu_tke_compare_free(&cmp);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_compare, mu_tke_compare_free_ptr)

G_END_DECLS
