/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony journal (docs/protocol.md §21): an append-only, hash-chained
 * text file with one secret-free record per ceremony step and unit, each
 * countersigned by the admin card that authorized the step. Records that
 * introduce an admin certificate make the file self-contained, so that
 * mu_tke_journal_verify needs nothing else.
 *
 * Parsing and verification are pure (no I/O); mu_tke_journal_open and
 * _append do file I/O. Errors are MU_TKE_ERROR_INPUT (malformed or broken
 * journal, message naming the line; file errors), MU_TKE_ERROR_ARG
 * (bad record to append) and whatever the signing callback reports. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "mu-card.h"
#include "mu-tke-ceremony.h"
#include "mu-tke-client.h"
#include "mu-unit-body.h"

G_BEGIN_DECLS

#define MU_TKE_JOURNAL_LINE_MAX 8192u /* bytes of a line, newline included */
#define MU_TKE_JOURNAL_SIGNERS_MAX 8u
#define MU_TKE_JOURNAL_TEXT_MAX 1024u /* decoded bytes of step, unit or result */

typedef enum {
	MU_TKE_JOURNAL_CERT, /* introduces an admin certificate */
	MU_TKE_JOURNAL_STEP, /* one step on one unit */
} mu_tke_journal_type;

/* One record as parsed. Strings are NUL-terminated copies. */
typedef struct mu_tke_journal_record {
	mu_tke_journal_type type;
	uint64_t seq; /* 1, 2, ... */
	/* CERT */
	uint8_t cert_key_id[MU_UNIT_KEY_ID_LEN];
	uint8_t *cert; /* DER */
	size_t cert_len;
	/* STEP */
	gint64 time; /* seconds since 1970-01-01 UTC */
	char *step;  /* "add-admin", "load-part", ... */
	char *unit;  /* unit name in the instance file */
	bool has_module;
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	bool has_counter;
	uint64_t counter; /* the transaction counter after the command */
	size_t nsigners;  /* key ids of the admins that signed the admin block */
	uint8_t signers[MU_TKE_JOURNAL_SIGNERS_MAX][MU_UNIT_KEY_ID_LEN];
	bool has_vp;
	uint8_t vp[MU_VP_LEN];
	bool ok;
	char *result; /* "ok", or the refusal's message */
	bool has_by;  /* countersigned */
	uint8_t by[MU_UNIT_KEY_ID_LEN];
	uint8_t *sig; /* DER ECDSA signature, NULL when not countersigned */
	size_t sig_len;
	/* both */
	uint8_t prev[32];
	uint8_t hash[32];
} mu_tke_journal_record;

/* Frees what r owns and zeroes it. */
void mu_tke_journal_record_clear(mu_tke_journal_record *r);

/* Parses one line (without its newline) strictly, as §21 defines it, and
 * checks that its hash is the SHA-256 of its hashed part. Nothing about the
 * chain or the signature. Fills *out on success (clear it after). */
gboolean mu_tke_journal_parse_line(const char *line, size_t len, mu_tke_journal_record *out,
                                   GError **error);

/* What mu_tke_journal_verify found. */
typedef struct mu_tke_journal_summary {
	size_t records;      /* lines */
	size_t steps;        /* STEP records */
	size_t countersigned;
	size_t refusals;     /* STEP records whose result is not ok */
	size_t bad_line;     /* 1-based line of the first failure, 0 when none */
} mu_tke_journal_summary;

/* Verifies a whole journal: every line parses, sequence numbers run 1, 2,
 * ..., each record's prev is the previous record's hash (the genesis hash
 * for the first), certificates are valid admin certificates whose key id is
 * SHA-256 of their point and are not introduced twice, and every
 * countersignature verifies with the certificate introduced earlier for its
 * key id. An empty journal verifies. On failure MU_TKE_ERROR_INPUT with
 * "line N: ..." and sum->bad_line = N. records, when not NULL, receives the
 * parsed records (mu_tke_journal_record *, freed by the array) up to the
 * failure. sum may be NULL. */
gboolean mu_tke_journal_verify(const char *data, size_t len, mu_tke_journal_summary *sum,
                               GPtrArray **records, GError **error);

/* The message a countersigner signs for a record hash:
 * "OPENMU-JOURNAL-V1" || hash (49 bytes). */
#define MU_TKE_JOURNAL_SIG_CONTEXT "OPENMU-JOURNAL-V1"
#define MU_TKE_JOURNAL_TBS_LEN (sizeof(MU_TKE_JOURNAL_SIG_CONTEXT) - 1 + 32)
void mu_tke_journal_tbs(const uint8_t hash[32], uint8_t tbs[MU_TKE_JOURNAL_TBS_LEN]);

/* A countersigner: the admin certificate and a function that signs
 * (ECDSA P-521/SHA-512, DER, *sig malloc'ed) with the matching key. */
typedef gboolean (*mu_tke_journal_sign_fn)(void *ctx, const uint8_t *msg, size_t len,
                                           uint8_t **sig, size_t *sig_len, GError **error);
typedef struct mu_tke_journal_signer {
	const uint8_t *cert; /* DER admin certificate, borrowed */
	size_t cert_len;
	mu_tke_journal_sign_fn sign;
	void *ctx;
} mu_tke_journal_signer;

/* A sign function for an EP11 card whose PIN is verified (ctx: mu_card *). */
gboolean mu_tke_journal_sign_card(void *ctx, const uint8_t *msg, size_t len, uint8_t **sig,
                                  size_t *sig_len, GError **error);

typedef struct mu_tke_journal mu_tke_journal;

/* Opens (creates when missing, mode 0644) the journal at path for
 * appending: takes an exclusive lock on it for the handle's life, reads and
 * verifies what is there (a broken journal is refused: nothing is appended
 * to it) and remembers its last hash and the certificates it introduced. */
mu_tke_journal *mu_tke_journal_open(const char *path, GError **error);
/* Closes the file, frees *j and sets it to NULL. */
void mu_tke_journal_free(mu_tke_journal **j);
static inline void mu_tke_journal_free_ptr(mu_tke_journal *j)
{
	mu_tke_journal_free(&j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_journal, mu_tke_journal_free_ptr)

/* Appends a STEP record built from r (type, seq, prev, by, sig and hash are
 * set here; time is taken now when r->time is 0). With signer: writes a CERT
 * record first when its key id is new to the journal, then countersigns.
 * Each record is one write() of the whole line on an O_APPEND descriptor,
 * followed by fsync. */
gboolean mu_tke_journal_append(mu_tke_journal *j, const mu_tke_journal_record *r,
                               const mu_tke_journal_signer *signer, GError **error);

/* The ceremony helper: appends the record of one step on one unit. c may be
 * NULL (no connection); out is read when ok; step_error is the refusal when
 * not ok. signers are the cards that signed the admin block (their key ids
 * are recorded, at most out->nsigs of them when ok); countersign is the card
 * that countersigns (NULL: the record is not countersigned). The card's
 * admin certificate is read from it (GET CERT) once per handle and card. */
gboolean mu_tke_journal_record_step(mu_tke_journal *j, const char *step, const char *unit,
                                    mu_tke_client *c, gboolean ok, const mu_tke_outcome *out,
                                    const GError *step_error, const mu_tke_signer *signers,
                                    size_t nsigners, mu_card *countersign, GError **error);

G_END_DECLS
