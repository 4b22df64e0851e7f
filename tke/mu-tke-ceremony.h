/* SPDX-License-Identifier: Apache-2.0 */
/* Ceremony steps that join the admins' cards and the crypto units
 * (ARCHITECTURE.md §1, §2; docs/protocol.md §14, §15, §20): every admin
 * command is built for the unit's fresh transaction counter and signed by
 * the admins' EP11 cards (PSO), and key parts travel from a card to a unit
 * only as envelopes the card sealed after verifying the unit. The
 * workstation relays ciphertext and signed blocks; it never holds a key part
 * or a private key.
 *
 * One call acts on one unit (a connected client); callers loop over the
 * units of the instance. Blocking (cards and network): run off any GUI main
 * loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-card.h"
#include "mu-tke-client.h"
#include "mu-unit-body.h"

G_BEGIN_DECLS

/* An admin's signing card: an opened EP11 card whose PIN the caller has
 * verified (one PIN entry, then any number of signatures). */
typedef struct mu_tke_signer {
	mu_card *card;                      /* borrowed */
	char *what;                         /* "card alice in reader R", for messages */
	char name[MU_UNIT_NAME_MAX + 1];    /* admin name on the card */
	uint8_t key_id[MU_UNIT_KEY_ID_LEN]; /* SHA-256 of the admin public point */
} mu_tke_signer;

/* Fills s from the card's info. FALSE with MU_TKE_ERROR_INPUT when the card
 * is not an EP11 card with a signature key. what is copied. */
gboolean mu_tke_signer_init(mu_tke_signer *s, mu_card *card, const char *what, GError **error);
/* Frees what s owns (not the card). */
void mu_tke_signer_clear(mu_tke_signer *s);

/* The ceremony steps. */
typedef enum {
	MU_TKE_STEP_ADD_ADMIN,      /* input: admin certificate DER */
	MU_TKE_STEP_REMOVE_ADMIN,   /* input: key id (32) */
	MU_TKE_STEP_SET_THRESHOLDS, /* sig_threshold, rev_threshold */
	MU_TKE_STEP_COMMIT,         /* expect_vp optional */
	MU_TKE_STEP_SET_IMMEDIATE,
	MU_TKE_STEP_ROTATE,
	MU_TKE_STEP_CLEAR_NEW,
	MU_TKE_STEP_CLEAR_CURRENT,
	MU_TKE_STEP_ZEROIZE,
} mu_tke_step;

typedef struct mu_tke_step_args {
	const uint8_t *input; /* ADD_ADMIN: certificate; REMOVE_ADMIN: key id */
	size_t input_len;
	uint8_t sig_threshold, rev_threshold; /* SET_THRESHOLDS */
	bool has_expect_vp;                   /* COMMIT: refuse unless the register has it */
	uint8_t expect_vp[MU_VP_LEN];
} mu_tke_step_args;

/* What a unit answered to a step. */
typedef struct mu_tke_outcome {
	uint64_t counter;      /* the transaction counter after the command */
	size_t nsigs;          /* signatures sent */
	bool has_vp;           /* COMMIT: register VP; LOAD: part VP */
	uint8_t vp[MU_VP_LEN];
	uint8_t part_index;    /* LOAD: 1-based */
	uint8_t parts_total;   /* LOAD */
	bool has_key_count;    /* ROTATE: keys re-enciphered */
	uint32_t key_count;
} mu_tke_outcome;

/* Runs step on the unit c talks to: reads its STATUS (fresh counter),
 * works out how many signatures the command needs there, checks BEFORE
 * anything is signed or sent that every signer's admin key is installed on
 * the unit (MU_TKE_ERROR_STATE naming the card otherwise), lets the first
 * signers sign the block with their cards, and sends it. Fewer signers than
 * needed are sent as they are: the unit refuses (quorum). A refusal of the
 * unit is MU_TKE_UNIT_ERROR; card failures are MU_TKE_ERROR_INPUT with the
 * card's message. */
gboolean mu_tke_ceremony_step(mu_tke_client *c, mu_tke_step step, const mu_tke_step_args *args,
                              const mu_tke_signer *signers, size_t nsigners,
                              mu_tke_outcome *out, GError **error);

/* Loads key part slot of keypart_card (EP11, PIN verified) into the unit c
 * talks to: GENERATE IMPORTER (signed by signers[0]), KEYPART EXPORT on the
 * card (the card verifies OA certificate <- its root, the statement and the
 * identity, and seals the part), LOAD PART with the envelope (signed by
 * signers[0]). parts_total is 2 or 3. A card refusal (foreign root, ...) is
 * MU_TKE_ERROR_TRUST with the card's message: nothing was loaded. */
gboolean mu_tke_ceremony_load_part(mu_tke_client *c, mu_card *keypart_card, const char *card_what,
                                   unsigned slot, uint8_t parts_total,
                                   const mu_tke_signer *signers, size_t nsigners,
                                   mu_tke_outcome *out, GError **error);

/* Short name of a step ("add-admin", ...). */
const char *mu_tke_step_name(mu_tke_step step);

G_END_DECLS
