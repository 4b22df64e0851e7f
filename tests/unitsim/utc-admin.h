/* SPDX-License-Identifier: Apache-2.0 */
/* TEST ONLY: signed admin commands with software admin keys, key-part
 * loading (the client plays the card) and the recovery auto-init path. */
#pragma once

#include <stdint.h>

#include <glib.h>

#include "mu-unit-body.h"
#include "utc-conn.h"

typedef struct utc_signers {
	EVP_PKEY *keys[MU_UNIT_ADMINS_MAX];
	size_t n;
} utc_signers;

/* Loads PEM private keys. Returns UTC_OK or UTC_FAIL. */
int utc_signers_load(utc_signers *s, char **paths);
void utc_signers_clear(utc_signers *s);
/* Builds the block for the unit's current counter (or counter >= 0),
 * signs it by the first nsign signers and sends it. On UTC_OK, *status is
 * the unit's status and res (when status is 0) the parsed result. */
int utc_admin(utc_conn *c, uint16_t cmd, const uint8_t *input, size_t len, const utc_signers *s,
              size_t nsign, int64_t counter, int *status, mu_unit_admin_result *res);
/* Generates an importer key on c, checks it as a card would against root
 * (DER) and seals part. Returns the LOAD PART input in *input. */
int utc_seal_for(utc_conn *c, GBytes *root, const utc_signers *s, const uint8_t part[32],
                 uint8_t parts_total, GBytes **input);
/* Loads all parts and commits (VP computed from the parts). */
int utc_load_key(utc_conn *c, GBytes *root, const utc_signers *s, uint8_t (*parts)[32],
                 size_t nparts, uint8_t vp[32]);
/* The recovery unit rec generates a key of nparts parts and exports each
 * to target, which loads and commits it. */
int utc_auto_init(utc_conn *rec, utc_conn *target, const utc_signers *s, uint8_t nparts,
                  uint8_t vp[32]);
