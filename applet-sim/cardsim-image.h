/* SPDX-License-Identifier: Apache-2.0 */
/* Card images on disk: one file per virtual card in a deck folder, written
 * atomically (temp file in the same folder, fsync, rename, fsync of the
 * folder) so a crash or a pulled card never leaves a half-written image. */
#pragma once

#include "cardsim-card.h"

/* Loads DIR/NAME.card (path given in full). Returns 0, MU_ERR_MALFORMED for
 * a damaged image, or a negative errno-style -ENOENT/-EACCES... as
 * CARDSIM_ERR_IO with the OS error in errno. */
int cardsim_image_load(const char *path, cardsim_card **out);
/* Saves the card atomically to path. Returns 0 or CARDSIM_ERR_IO. */
int cardsim_image_save(const cardsim_card *card, const char *path);

#define CARDSIM_ERR_IO (-50)
#define CARDSIM_IMAGE_EXT ".card"
