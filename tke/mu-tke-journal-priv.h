/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the journal's reader/verifier (mu-tke-journal.c) and
 * its appender (mu-tke-journal-append.c). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include <openssl/types.h>

#include "mu-tke-journal.h"
#include "mu-unit-proto.h"

#define MAGIC "OMJ1"
#define GENESIS "OPENMU-JOURNAL-V1 genesis"
#define SIG_MAX 160u
#define CERT_MAX 4096u
#define STEP_FIELDS 16
#define CERT_FIELDS 7

/* An admin key introduced by a certificate record. */
typedef struct known_key {
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
	EVP_PKEY *pub;
} known_key;

/* Sets an input error with what; returns FALSE. */
gboolean mu_tke_journal_bad(GError **error, const char *what);
/* An empty array of known_key that frees its keys. */
GArray *mu_tke_journal_keys_new(void);
known_key *mu_tke_journal_find_key(GArray *keys, const uint8_t *id);
/* Computes r->hash over the hashed part of r; returns that part. */
GString *mu_tke_journal_record_hash(mu_tke_journal_record *r);
/* The full line of r (hash already set), newline included; consumes hashed. */
char *mu_tke_journal_record_line(const mu_tke_journal_record *r, GString *hashed);
/* Verifies a whole journal; fills sum, keys, the last hash and, when not
 * NULL, the records. */
gboolean mu_tke_journal_walk(const char *data, size_t len, mu_tke_journal_summary *sum,
                             GArray *keys, uint8_t last[32], GPtrArray *records,
                             GError **error);
