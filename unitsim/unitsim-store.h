/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence of one unit: its state file DIR/state, written atomically
 * (DIR/state.tmp, fsync, rename, fsync of DIR). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "unitsim-domain.h"

#define UNITSIM_STATE_FILE "state"
#define UNITSIM_STATE_TMP  "state.tmp"

/* Test-only slowing of state writes (crash tests): the file is written in
 * 64 KiB pieces with slow_write_us microseconds of sleep between them. */
typedef struct unitsim_store_opts {
	unsigned slow_write_us;
} unitsim_store_opts;

/* Encodes d and replaces DIR/state atomically. Returns 0, MU_ERR_NOMEM or
 * MU_UNIT_ERR_PERSIST with a reason in err. */
int unitsim_store_save(const char *dir, const unitsim_domain *d, const unitsim_store_opts *opts,
                       char *err, size_t errlen);
/* Removes a left-over DIR/state.tmp, then reads and decodes DIR/state.
 * Returns 0 with *out, or MU_ERR_MALFORMED / MU_UNIT_ERR_PERSIST with a
 * reason naming the file in err. */
int unitsim_store_load(const char *dir, unitsim_domain **out, char *err, size_t errlen);

/* Reads a whole file (at most max bytes) into a malloc'd buffer. Returns 0,
 * MU_ERR_TOO_LONG or MU_UNIT_ERR_PERSIST (errno kept). */
int unitsim_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);
/* Writes a file atomically with the given mode (temp file, fsync, rename,
 * fsync of its folder). Returns 0 or MU_UNIT_ERR_PERSIST. */
int unitsim_write_file_atomic(const char *path, const uint8_t *buf, size_t len, unsigned mode,
                              unsigned slow_write_us);
