/* SPDX-License-Identifier: Apache-2.0 */
/* Card image parser: anything it accepts must save back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "cardsim-card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cardsim_card *card = NULL;
	if (cardsim_card_load(data, size, &card) != 0) {
		if (card != NULL)
			abort();
		return 0;
	}
	uint8_t *img = NULL;
	size_t len = 0;
	if (cardsim_card_save(card, &img, &len) != 0 || len != size || memcmp(img, data, size) != 0)
		abort();
	free(img);
	cardsim_card_free(&card);
	return 0;
}
