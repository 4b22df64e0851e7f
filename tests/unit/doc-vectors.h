/* SPDX-License-Identifier: Apache-2.0 */
/* Checks the test vectors of a document against the code: every block
 * "```KIND NAME" ... "```" of hex bytes must equal what the table's maker
 * for NAME produces, and every name of the table must appear in the
 * document. Fails the running GLib test otherwise. */
#pragma once

#include <glib.h>

typedef struct doc_vector {
	const char *name;
	GBytes *(*make)(void);
} doc_vector;

void doc_vectors_check(const char *doc_path, const char *kind, const doc_vector *table,
                       size_t n);
