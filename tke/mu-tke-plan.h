/* SPDX-License-Identifier: Apache-2.0 */
/* Ceremony plans (docs/cli.md, section "ceremony"): the target of an
 * instance — admins, thresholds, a master key made of key parts on named
 * cards — read from a key file, and the steps that take the units from
 * their current STATUS to that target. No I/O beyond reading the plan file:
 * the caller reads the cards (admin key ids, key part VPs) and the units'
 * statuses, and runs the steps (mu-tke-ceremony.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-unit-body.h"
#include "mu-unit-proto.h"

G_BEGIN_DECLS

#define MU_TKE_PLAN_UNITS_MAX 64u /* units a step can name (one bit each) */

typedef struct mu_tke_plan_admin {
	char *name;   /* the [admin NAME] group */
	char *reader; /* reader of the admin's EP11 card (name, prefix or index) */
	bool has_key_id;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN]; /* set by mu_tke_plan_set_admin_key() */
} mu_tke_plan_admin;

/* How a plan makes its master key current ([master-key] finish=). */
typedef enum {
	MU_TKE_PLAN_FINISH_SET_IMMEDIATE, /* first set-up: new -> current (the default) */
	MU_TKE_PLAN_FINISH_ROTATE,        /* replace the current key whose VP is replaces */
} mu_tke_plan_finish;

typedef struct mu_tke_plan_part {
	char *reader;  /* reader of the key-part card */
	unsigned slot; /* key part slot on that card, 0..84 */
	bool has_vp;
	uint8_t vp[MU_VP_LEN]; /* set by mu_tke_plan_set_part_vp() */
} mu_tke_plan_part;

/* A parsed plan. Read-only for callers except through the setters. */
typedef struct mu_tke_plan {
	char *instance; /* [plan] instance=, or NULL */
	mu_tke_plan_admin admins[MU_UNIT_ADMINS_MAX];
	size_t nadmins;
	uint8_t sig_threshold, rev_threshold;
	uint8_t parts;                     /* 2 or 3 */
	mu_tke_plan_part part[3];          /* [part 1] .. [part N] */
	char *signers[MU_UNIT_ADMINS_MAX]; /* readers of the signing cards, in order */
	size_t nsigners;
	mu_tke_plan_finish finish;
	uint8_t replaces[MU_VP_LEN]; /* FINISH_ROTATE: VP of the current key it replaces */
} mu_tke_plan;

/* Parses a plan from len bytes of key-file text (name: for messages).
 * Strict: unknown groups or keys, missing or out-of-range values and
 * impossible targets (a threshold above the number of admins, fewer signers
 * than the signature threshold, a signer that is not an admin's reader, two
 * admins on one card, two parts in one slot of one card...) are
 * MU_TKE_ERROR_CONFIG naming the group and key. Returns a new plan (free
 * with mu_tke_plan_free) or NULL. */
mu_tke_plan *mu_tke_plan_parse(const char *data, size_t len, const char *name, GError **error);
/* mu_tke_plan_parse() of a file; an unreadable file is MU_TKE_ERROR_CONFIG. */
mu_tke_plan *mu_tke_plan_load(const char *path, GError **error);
void mu_tke_plan_free(mu_tke_plan **plan);

/* Records the key id read from admin i's card. */
void mu_tke_plan_set_admin_key(mu_tke_plan *plan, size_t i,
                               const uint8_t key_id[MU_UNIT_KEY_ID_LEN]);
/* Records the VP of part i (0-based) read from its card. */
void mu_tke_plan_set_part_vp(mu_tke_plan *plan, size_t i, const uint8_t vp[MU_VP_LEN]);

typedef enum {
	MU_TKE_PLAN_ADD_ADMIN_IMPRINT, /* index: admin; unsigned, imprint mode */
	MU_TKE_PLAN_ADD_ADMIN,         /* index: admin; signed */
	MU_TKE_PLAN_REMOVE_ADMIN,      /* key_id: an admin the plan does not name */
	MU_TKE_PLAN_SET_THRESHOLDS,
	MU_TKE_PLAN_CLEAR_NEW, /* a new register the plan did not load */
	MU_TKE_PLAN_LOAD_PART, /* index: part (0-based) */
	MU_TKE_PLAN_COMMIT,
	MU_TKE_PLAN_SET_IMMEDIATE,
	MU_TKE_PLAN_ROTATE, /* finish=rotate: re-encipher key storage, new -> current */
} mu_tke_plan_kind;

/* One step: a command and the units (bit i: unit i) that need it. */
typedef struct mu_tke_plan_step {
	mu_tke_plan_kind kind;
	size_t index;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
	guint64 units;
} mu_tke_plan_step;

/* The steps, in order, from the statuses of the n units of the instance
 * (n <= MU_TKE_PLAN_UNITS_MAX) to the plan's target; every admin's key id
 * must be set. names (may be NULL: "unit 1", ...) name the units in
 * messages. A new register whose loaded part VPs are not the plan's (when
 * known) is cleared first; parts are loaded, committed, then the key made
 * current by the plan's finish:
 *  - set-immediate: a unit is done with a VALID current register and an
 *    EMPTY new register; any other unit gets clear/load/commit and SET
 *    IMMEDIATE.
 *  - rotate: a unit with an EMPTY current register gets clear/load/commit
 *    and SET IMMEDIATE; a VALID one whose VP is replaces gets
 *    clear/load/commit and ROTATE; a VALID one with another VP is done when
 *    its new register is EMPTY (rotated already) and refused otherwise
 *    (MU_TKE_ERROR_STATE naming the unit: the plan neither rotates away
 *    from a key it does not replace nor sets immediate over a VALID key),
 *    and so is a unit whose new register holds the plan's parts with the
 *    VP replaces (rotating would change nothing).
 * Besides, the target has the plan's admins and no other and the plan's
 * thresholds. Returns an array of mu_tke_plan_step (free with
 * g_array_unref; empty: nothing to do), or NULL with MU_TKE_ERROR_ARG (bad
 * arguments) or MU_TKE_ERROR_STATE. */
GArray *mu_tke_plan_steps(const mu_tke_plan *plan, size_t n, const mu_unit_status *const *st,
                          const char *const *names, GError **error);

/* "add admin alice (imprint form)", "load part 2 (reader R, slot 0)", ...
 * (caller frees). */
char *mu_tke_plan_step_text(const mu_tke_plan *plan, const mu_tke_plan_step *s);

static inline void mu_tke_plan_free_ptr(mu_tke_plan *plan)
{
	mu_tke_plan_free(&plan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_plan, mu_tke_plan_free_ptr)

G_END_DECLS
