/* SPDX-License-Identifier: Apache-2.0 */
/* The unit state file codec (docs/protocol.md §19): the whole persisted
 * state of a domain as one byte string, and its strict parser. No I/O. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "unitsim-domain.h"

#define UNITSIM_STATE_MAGIC     "OPENMU-UNITSTATE"
#define UNITSIM_STATE_MAGIC_LEN 16u
#define UNITSIM_STATE_VERSION   1u
#define UNITSIM_STATE_MAX       (4u * 1024u * 1024u)

/* Encodes d. Returns 0 with *out (malloc'd: wipe with mu_memzero and free)
 * and *len, or MU_ERR_NOMEM / MU_ERR_TOO_LONG. */
int unitsim_state_encode(const unitsim_domain *d, uint8_t **out, size_t *len);
/* Parses a state file strictly: magic, version, length, checksum, every
 * field in order and consistent (thresholds, registers, admins' certificates,
 * importer keys, every storage key opens under the current master key and
 * matches its VP). Returns 0 with a new domain in *out (no OA key, no root
 * yet), or MU_ERR_MALFORMED / MU_ERR_NOMEM with a reason in err. */
int unitsim_state_decode(const uint8_t *buf, size_t len, unitsim_domain **out, char *err,
                         size_t errlen);
