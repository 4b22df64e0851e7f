/* SPDX-License-Identifier: Apache-2.0 */
/* A test backend that hands APDUs straight to cardsim_card objects: N
 * virtual readers named "OpenMU Test Reader K", cards inserted and pulled
 * at will, an APDU counter per reader and a fault hook that pulls the card
 * after a number of APDUs. */
#pragma once

#include <stddef.h>

#include "cardsim-card.h"
#include "mu-reader.h"

typedef struct inproc inproc;

/* Makes a backend with n readers. *ip stays valid until the backend is
 * freed (mu_backend_free), which also frees every card it holds. */
mu_backend *inproc_backend_new(size_t n, inproc **ip);

/* Inserts card into an empty reader; the backend takes ownership. */
void inproc_insert(inproc *ip, size_t reader, cardsim_card *card);
/* Pulls the card out (it loses its PIN status) and gives it back to the
 * caller; NULL when the reader is empty. */
cardsim_card *inproc_remove(inproc *ip, size_t reader);
/* The card in reader (still owned by the backend), or NULL. */
cardsim_card *inproc_card(inproc *ip, size_t reader);
/* The reader's name as listed. */
const char *inproc_reader_name(inproc *ip, size_t reader);

/* Pulls the card out of reader when an APDU arrives after k more have been
 * processed (k = 0: the next APDU finds no card). k < 0 disarms. */
void inproc_remove_after(inproc *ip, size_t reader, long k);

/* APDUs transmitted to a reader since the last reset of its counter. */
unsigned long inproc_apdu_count(inproc *ip, size_t reader);
void inproc_reset_count(inproc *ip, size_t reader);
