/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 7816-4 command and response APDUs: build and parse, short and
 * extended forms, command chaining. Pure code, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MU_APDU_SHORT_MAX 255u      /* largest Lc of a short APDU */
#define MU_APDU_EXT_MAX 65535u      /* largest Lc of an extended APDU */
#define MU_APDU_CLA_CHAIN 0x10u     /* CLA bit: more command data follows */
#define MU_APDU_HEADER_LEN 4u

typedef struct mu_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data; /* NULL when nc == 0; points into the parsed buffer */
	size_t nc;           /* command data length */
	size_t ne;           /* expected response length; 0 = none, 256 or 65536 = all */
	bool extended;
} mu_apdu;

/* Parses a command APDU in any of the ISO cases 1, 2S, 3S, 4S, 2E, 3E, 4E.
 * Returns 0 or MU_ERR_MALFORMED (lengths that do not add up). */
int mu_apdu_parse(const uint8_t *buf, size_t len, mu_apdu *out);

/* Encodes a command APDU into out (cap bytes). The short form is used when
 * nc <= 255 and ne <= 256 unless force_extended; otherwise the extended form.
 * Returns 0 and *len, MU_ERR_TOO_LONG if out is too small, MU_ERR_ARG on
 * impossible lengths. */
int mu_apdu_build(const mu_apdu *a, bool force_extended, uint8_t *out, size_t cap,
                  size_t *len);

/* Splits a response APDU into data and status word. Returns 0 or
 * MU_ERR_MALFORMED when shorter than 2 bytes. */
int mu_apdu_parse_response(const uint8_t *buf, size_t len, const uint8_t **data,
                           size_t *data_len, uint16_t *sw);

/* Iterates over the short APDUs of a command chain: the data is cut into
 * pieces of at most MU_APDU_SHORT_MAX bytes, every piece but the last has
 * the chaining bit set in CLA. */
typedef struct mu_apdu_chain {
	mu_apdu base;
	size_t offset;
	bool done;
} mu_apdu_chain;

void mu_apdu_chain_init(mu_apdu_chain *c, const mu_apdu *a);
/* Fills *piece with the next link. Returns 1 while links remain, 0 when done. */
int mu_apdu_chain_next(mu_apdu_chain *c, mu_apdu *piece);
