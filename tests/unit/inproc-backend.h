/* SPDX-License-Identifier: Apache-2.0 */
/* A test backend that hands APDUs straight to cardsim_card objects: N
 * virtual readers named "OpenMU Test Reader K", cards inserted and pulled
 * at will, the card image "saved" after every APDU that changed the card (as
 * openmu-cardsim writes its image file), APDU and transaction counters per
 * reader, and a fault hook that pulls the card after a number of APDUs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cardsim-card.h"
#include "mu-reader.h"

typedef struct inproc inproc;

/* Makes a backend with n readers (at most 8). *ip stays valid until the
 * backend is freed (mu_backend_free), which also frees every card it holds. */
mu_backend *inproc_backend_new(size_t n, inproc **ip);

/* Inserts card into reader (a card already there is freed); the backend
 * takes ownership, resets the card and saves its image. */
void inproc_insert(inproc *ip, size_t reader, cardsim_card *card);
/* Takes the card out of reader, or the card the fault hook pulled out of
 * it, and gives it back to the caller (it loses its PIN status); NULL when
 * there is none. Open connections to it fail with MU_SC_ERR_REMOVED. */
cardsim_card *inproc_remove(inproc *ip, size_t reader);
/* The card in reader (still owned by the backend), or NULL. */
cardsim_card *inproc_card(inproc *ip, size_t reader);
/* The reader's name as listed. */
const char *inproc_reader_name(inproc *ip, size_t reader);

/* Pulls the card out of reader when an APDU arrives after k more have been
 * processed (k = 0: the next APDU finds no card). k < 0 disarms. */
void inproc_remove_after(inproc *ip, size_t reader, long k);
/* The same, counting only APDUs with instruction ins: the card is pulled
 * when the (k+1)-th of them arrives, e.g. in the middle of a chain. */
void inproc_remove_at(inproc *ip, size_t reader, uint8_t ins, long k);

/* A malloc'ed copy of the last saved image of the card of reader (kept
 * after the card is pulled, until another card is inserted). Returns 0, or
 * -1 when no image was saved. Wipe and free it. */
int inproc_image(inproc *ip, size_t reader, uint8_t **img, size_t *len);

/* APDUs transmitted to a reader since the last reset of its counter, and
 * how many of them were sent outside a transaction (begin/end). */
unsigned long inproc_apdu_count(inproc *ip, size_t reader);
unsigned long inproc_apdus_outside_tx(inproc *ip, size_t reader);
/* Transactions begun on a reader since the last reset. */
unsigned long inproc_tx_count(inproc *ip, size_t reader);
void inproc_reset_count(inproc *ip, size_t reader);
