/* SPDX-License-Identifier: Apache-2.0 */
/* Starting cards for the applet fuzz target: built once, through APDUs, then
 * cloned from their images for every input. */
#pragma once

#include <stdint.h>

#include "cardsim-card.h"

/* Clones starting card number sel % 4: blank, CA (both PINs verified),
 * EP11 with a signature key and key parts (PIN verified), prepared blank. */
int fuzz_applet_card(uint8_t sel, cardsim_card **out);
