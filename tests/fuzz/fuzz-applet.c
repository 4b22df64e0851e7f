/* SPDX-License-Identifier: Apache-2.0 */
/* The applet's APDU processor. The input is a sequence of APDUs, each with
 * a 2-byte big-endian length, fed to a card that starts as one of the
 * personalized images in FUZZ_APPLET_IMAGES order (chosen by the first input
 * byte) or a blank card. The applet must never crash, and every response
 * must end with a status word. */
#include <stdlib.h>
#include <string.h>

#include "cardsim-card.h"
#include "fuzz-applet-seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	cardsim_card *card = NULL;
	if (fuzz_applet_card(data[0], &card) != 0)
		return 0;
	data++;
	size--;
	uint8_t r[CARDSIM_RAPDU_MAX];
	while (size >= 2) {
		size_t n = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		size_t rl = 0;
		cardsim_card_process(card, data, n, r, &rl);
		if (rl < 2 || rl > CARDSIM_RAPDU_MAX)
			abort();
		(void)cardsim_card_take_dirty(card);
		data += n;
		size -= n;
	}
	cardsim_card_free(&card);
	return 0;
}
