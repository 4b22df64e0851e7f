/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenMU card applet as a pure state machine: APDU in, APDU out, over a
 * card state that can be saved to and loaded from an image (bytes). No I/O;
 * files are handled by cardsim-image.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cardsim_card cardsim_card;

/* Largest response APDU the applet produces (256 data bytes + SW). */
#define CARDSIM_RAPDU_MAX 258u

/* Makes a blank card with a random serial and the given label (may be "").
 * Returns 0 or a negative MU_ERR_* status. */
int cardsim_card_new_blank(const char *label, cardsim_card **out);

/* Parses a card image. Malformed images (bad magic, version, checksum,
 * lengths, keys) are refused with MU_ERR_MALFORMED and nothing is
 * allocated. */
int cardsim_card_load(const uint8_t *img, size_t len, cardsim_card **out);

/* Serializes the persistent state. *img is malloc'ed and holds secrets:
 * wipe it (mu_memzero) before freeing. */
int cardsim_card_save(const cardsim_card *card, uint8_t **img, size_t *len);

/* Wipes and frees the card; NULL-safe; sets *card to NULL. */
void cardsim_card_free(cardsim_card **card);

/* Power cycle / warm reset: deselects the applet, forgets PIN status,
 * chain and response buffers and the challenge. */
void cardsim_card_reset(cardsim_card *card);

/* Processes one command APDU and writes the response APDU (data + SW) into
 * rapdu (at least CARDSIM_RAPDU_MAX bytes). Never fails: malformed input gets
 * an ISO status word and leaves the persistent state unchanged. */
void cardsim_card_process(cardsim_card *card, const uint8_t *capdu, size_t clen,
                          uint8_t *rapdu, size_t *rlen);

/* True when the last cardsim_card_process() changed persistent state (the
 * caller must save the image before it delivers the response). Reading it
 * clears it. */
bool cardsim_card_take_dirty(cardsim_card *card);

/* Label and serial, for listings. */
const char *cardsim_card_label(const cardsim_card *card);
void cardsim_card_serial(const cardsim_card *card, uint8_t serial[8]);
int cardsim_card_type(const cardsim_card *card);

/* Test-only white-box access: calls fn for every secret the card holds
 * (private key scalars, key parts, PINs) with a short kind name. Used by
 * tests that prove no secret leaves the card. */
typedef void (*cardsim_secret_fn)(const char *kind, const uint8_t *secret, size_t len,
                                  void *user);
void cardsim_card_foreach_secret(const cardsim_card *card, cardsim_secret_fn fn, void *user);
