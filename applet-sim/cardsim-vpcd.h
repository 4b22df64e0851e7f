/* SPDX-License-Identifier: Apache-2.0 */
/* The virtual readers of openmu-cardsim: one thread per vsmartcard vpcd
 * port. While a card is inserted its thread holds a TCP connection to vpcd
 * and answers vpcd's messages (2-byte big-endian length + payload; 1-byte
 * payloads are power off/on, reset and GET ATR, longer ones are C-APDUs)
 * with the applet of cardsim-card.h, saving the image before every response
 * that follows a state change. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct cardsim_readers cardsim_readers;

typedef struct {
	const char *deck;      /* folder of NAME.card images */
	const char *host;      /* where vpcd listens, e.g. "127.0.0.1" */
	const uint16_t *ports; /* one vpcd port per reader, in reader order */
	size_t n_ports;        /* 1..CARDSIM_READERS_MAX */
	unsigned delay_ms;     /* sleep before answering each C-APDU */
	const char *trace;     /* test-only APDU trace file (records PINs), or NULL */
} cardsim_readers_config;

/* Opens the trace file and starts one idle thread per reader. Returns NULL
 * and an error when the trace cannot be opened or a thread not started. */
cardsim_readers *cardsim_readers_new(const cardsim_readers_config *cfg, GError **error);

/* Removes every card (closing its vpcd connection), stops the threads and
 * frees everything; NULL-safe; sets *rs to NULL. */
void cardsim_readers_free(cardsim_readers **rs);

size_t cardsim_readers_count(const cardsim_readers *rs);

/* Loads DECK/NAME.card and inserts it in reader: its thread connects to vpcd
 * (retrying every 100 ms while vpcd does not listen). Fails when the reader
 * does not exist or holds a card, the card is in another reader, or the
 * image is missing or damaged. */
gboolean cardsim_readers_insert(cardsim_readers *rs, const char *name, unsigned reader,
                                GError **error);

/* Removes the card from reader and waits until its connection is closed and
 * the in-memory card freed. Fails when the reader does not exist or is
 * empty. */
gboolean cardsim_readers_remove(cardsim_readers *rs, unsigned reader, GError **error);

/* Returns "READER PORT NAME", or "READER PORT -" for an empty reader
 * (g_free). */
char *cardsim_readers_describe(cardsim_readers *rs, unsigned reader);

/* Error domain of the openmu-cardsim front end (code is always 0). */
#define CARDSIM_ERROR (cardsim_error_quark())
GQuark cardsim_error_quark(void);
