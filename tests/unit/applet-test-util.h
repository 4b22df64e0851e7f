/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for applet tests: talk to a cardsim_card with APDUs, as a reader
 * would (command chaining, GET RESPONSE), and personalize cards quickly. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "cardsim-card.h"

typedef struct applet_resp {
	uint16_t sw;
	uint8_t data[20480];
	size_t len;
} applet_resp;

/* Sends one command (chained when data > 255 bytes), follows 61xx. */
void applet_cmd(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                const void *data, size_t len, applet_resp *r);
/* The same, asserting 9000. */
void applet_ok(cardsim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
               const void *data, size_t len, applet_resp *r);
/* Sends raw C-APDU bytes, returns the SW of the single R-APDU. */
uint16_t applet_raw(cardsim_card *c, const uint8_t *apdu, size_t len);

void applet_select(cardsim_card *c);
uint16_t applet_verify(cardsim_card *c, uint8_t ref, const char *pin);

/* A self-signed P-521 root certificate (DER, g_free). */
uint8_t *applet_make_root(size_t *len);
/* A fresh CA card of zone with PINs 111111/222222, verified. */
cardsim_card *applet_new_ca(const char *zone);
/* The same with a given manufacturer root certificate (DER). */
cardsim_card *applet_new_ca_with_root(const char *zone, const uint8_t *root, size_t root_len);
/* A fresh EP11 card enrolled by ca (verified) with PIN 123456, verified. */
cardsim_card *applet_new_ep11(cardsim_card *ca);
/* The saved image bytes of a card (g_bytes). */
GBytes *applet_image(const cardsim_card *c);
/* Looks up a top-level TLV of r; asserts it is there. */
const uint8_t *applet_tlv(const applet_resp *r, uint32_t tag, size_t *len);
