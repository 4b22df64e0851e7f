/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the card API: the card handle, command runner, status-word
 * mapping and bounded response parsing shared by the mu-card-*.c files. */
#pragma once

#include <stdarg.h>

#include "mu-card.h"
#include "mu-tlv.h"

#define MU_CARD_ERRMSG_MAX 384u
/* Largest response data collected for one command. */
#define MU_CARD_RESP_MAX 65536u

struct mu_card {
	mu_conn *conn;
	char errmsg[MU_CARD_ERRMSG_MAX];
	/* from the last GET DATA; type -1 until one succeeded */
	mu_card_info info;
	bool have_info;
};

/* One card command and the context its errors are reported in. */
typedef struct mu_cmd {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t len;
	size_t ne;        /* 0: no Le; 256: Le 00 */
	const char *what; /* "generating a key part": used in messages */
	int pin;          /* 1 or 2 for PIN commands, else 0 */
	int want_type;    /* MU_CARD_TYPE_* the command needs, -1 when any */
} mu_cmd;

/* Sets the handle's message and returns st. */
int mu_card_fail(mu_card *c, int st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mu_card_clear_error(mu_card *c);
/* Copies the message of from into to (two-card operations report on both). */
void mu_card_copy_error(mu_card *to, const mu_card *from);

/* Runs cmd. Returns MU_SC_OK on 9000 (resp/rlen filled when given), else
 * the mapped error with its message set. */
int mu_card_run(mu_card *c, const mu_cmd *cmd, uint8_t *resp, size_t rcap, size_t *rlen);
/* PREPARE on a blank card, and the {81 serial, 8F card public point} request
 * that CERTIFY CARD and CA BACKUP EXPORT take, written to req. */
int mu_card_prepare(mu_card *blank, uint8_t *req, size_t cap, size_t *req_len);
/* Like mu_card_run() but returns the status word instead of mapping it
 * (MU_SC_OK with *sw set, or a transport error). */
int mu_card_run_sw(mu_card *c, const mu_cmd *cmd, uint8_t *resp, size_t rcap, size_t *rlen,
                   uint16_t *sw);
/* Maps a refused status word to a status code and message. */
int mu_card_sw_error(mu_card *c, const mu_cmd *cmd, uint16_t sw);
/* Sets the message for a transport failure (removal, pcscd, reader). */
int mu_card_transport_error(mu_card *c, int st);

/* Reads and parses the card info into c->info and *out (may be NULL). */
int mu_card_refresh(mu_card *c, mu_card_info *out);

/* Transactions with the error message set on failure. */
int mu_card_begin(mu_card *c);
void mu_card_end(mu_card *c);

/* Argument checks; MU_SC_ERR_ARG with a message. */
int mu_card_check_pin(mu_card *c, const char *pin, const char *which);
int mu_card_check_text(mu_card *c, const char *s, size_t min, size_t max, const char *what);

/* Finds tag at the top level of a response, with its whole encoding in
 * *raw and *raw_len (may be NULL) and a value length in [min, max];
 * MU_SC_ERR_RESPONSE with a message otherwise. */
int mu_card_resp_tlv(mu_card *c, const uint8_t *buf, size_t len, uint32_t tag, size_t min,
                     size_t max, mu_tlv *out, const uint8_t **raw, size_t *raw_len);

/* Message of a wrong or missing type: "this is a CA card; the command needs
 * an EP11 card". */
int mu_card_wrong_type(mu_card *c, int have, int want);

/* Allocation of a response buffer of MU_CARD_RESP_MAX bytes; NOMEM with a
 * message. free with mu_card_resp_free (wipes). */
int mu_card_resp_new(mu_card *c, uint8_t **buf);
void mu_card_resp_free(uint8_t **buf);
