/* SPDX-License-Identifier: Apache-2.0 */
/* The applet's APDU processor. The input is a selector byte and then APDUs,
 * each with a 2-byte big-endian length. The selector picks the starting card
 * (fuzz-applet-seed.h: blank, CA, EP11 with a signature key and key parts,
 * prepared blank; personalized ones are built once through APDUs and cloned
 * from their images); its bit 7 skips SELECT and bit 6 the PIN verification.
 * The applet must never crash, every response must end with a status word,
 * and the card must always save to an image that loads back to the same
 * bytes. tests/fuzz/gen-corpus.c writes the seeds. */
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
	/* whatever the commands did, the state must save and load back as is */
	uint8_t *img = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	cardsim_card *back = NULL;
	if (cardsim_card_save(card, &img, &len) != 0 || cardsim_card_load(img, len, &back) != 0 ||
	    cardsim_card_save(back, &again, &len2) != 0 || len2 != len || memcmp(img, again, len) != 0)
		abort();
	free(img);
	free(again);
	cardsim_card_free(&back);
	cardsim_card_free(&card);
	return 0;
}
