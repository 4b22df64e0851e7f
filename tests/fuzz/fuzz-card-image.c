/* SPDX-License-Identifier: Apache-2.0 */
/* The card image parser, cardsim_card_load. Each input is tried as it is and
 * once more with its body length and SHA-256 checksum made right, so that
 * the body parser is reached (a random input never has a valid checksum).
 * Whatever the parser accepts must save back to the same bytes and leave
 * nothing allocated when refused. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cardsim-card.h"

#define HEADER_LEN 17u /* "OPENMU-CARD\0", version, body length */
#define SUM_LEN 32u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_load(const uint8_t *data, size_t size)
{
	cardsim_card *card = NULL;
	if (cardsim_card_load(data, size, &card) != 0) {
		if (card != NULL)
			abort();
		return;
	}
	uint8_t *img = NULL;
	size_t len = 0;
	if (cardsim_card_save(card, &img, &len) != 0 || len != size || memcmp(img, data, size) != 0)
		abort();
	free(img);
	cardsim_card_free(&card);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_load(data, size);
	if (size < HEADER_LEN + SUM_LEN || size > 65536)
		return 0;
	uint8_t *fixed = malloc(size);
	if (fixed == NULL)
		return 0;
	memcpy(fixed, data, size);
	size_t body = size - HEADER_LEN - SUM_LEN;
	fixed[13] = (uint8_t)(body >> 24);
	fixed[14] = (uint8_t)(body >> 16);
	fixed[15] = (uint8_t)(body >> 8);
	fixed[16] = (uint8_t)body;
	unsigned int n = 0;
	if (EVP_Digest(fixed, size - SUM_LEN, fixed + size - SUM_LEN, &n, EVP_sha256(), NULL) == 1)
		try_load(fixed, size);
	free(fixed);
	return 0;
}
