/* SPDX-License-Identifier: Apache-2.0 */
/* Test-only white-box tool: prints every secret the given card images hold,
 * one "<kind> <hex>" line each, so stack tests can prove that none of them
 * ever crossed PC/SC or reached a log. */
#include <stdio.h>

#include "cardsim-image.h"
#include "mu-status.h"

static void print_secret(const char *kind, const uint8_t *secret, size_t len, void *user)
{
	(void)user;
	printf("%s ", kind);
	for (size_t i = 0; i < len; i++)
		printf("%02x", secret[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s IMAGE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		cardsim_card *card = NULL;
		int rc = cardsim_image_load(argv[i], &card);
		if (rc != 0) {
			fprintf(stderr, "%s: cannot load card image (%d)\n", argv[i], rc);
			return 1;
		}
		cardsim_card_foreach_secret(card, print_secret, NULL);
		cardsim_card_free(&card);
	}
	return 0;
}
