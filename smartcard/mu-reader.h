/* SPDX-License-Identifier: Apache-2.0 */
/* Reader backends: how the workstation reaches cards. A backend is an ops
 * table plus its private context; the pcsc-lite backend is the real one,
 * tests plug in an in-process backend that calls the applet directly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mu-sc-status.h"

#define MU_ATR_MAX 33u

typedef struct mu_reader_info {
	char *name;
	bool card_present;
	uint8_t atr[MU_ATR_MAX];
	size_t atr_len;
} mu_reader_info;

/* Frees an array returned by mu_backend_list(). NULL-safe. */
void mu_reader_info_free(mu_reader_info *list, size_t n);

typedef struct mu_conn mu_conn; /* a connection to the card in one reader */

typedef struct mu_backend_ops {
	const char *name;
	int (*list)(void *ctx, mu_reader_info **list, size_t *n);
	/* Blocks until a reader or card changes, timeout_ms passes (returns
	 * MU_SC_ERR_TIMEOUT) or cancel is called (MU_SC_ERR_CANCELLED). */
	int (*wait_change)(void *ctx, unsigned timeout_ms);
	/* Thread-safe: wakes a wait_change running in another thread. */
	void (*cancel)(void *ctx);
	int (*connect)(void *ctx, const char *reader, void **conn_ctx);
	/* One APDU exchange, no chaining or GET RESPONSE handling. */
	int (*transmit)(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
	                size_t rcap, size_t *rlen);
	int (*begin)(void *conn_ctx); /* exclusive use of the card; may be NULL */
	void (*end)(void *conn_ctx);  /* may be NULL */
	void (*disconnect)(void *conn_ctx);
	void (*free)(void *ctx);
} mu_backend_ops;

typedef struct mu_backend mu_backend;

/* Wraps ops and ctx; the backend owns ctx and frees it with ops->free. */
mu_backend *mu_backend_new(const mu_backend_ops *ops, void *ctx);
void mu_backend_free(mu_backend **b);

/* Opens the pcsc-lite backend (its own SCARDCONTEXT; use one backend per
 * thread). Returns MU_SC_ERR_NO_SERVICE when pcscd is not running. */
int mu_backend_pcsc_open(mu_backend **out);

int mu_backend_list(mu_backend *b, mu_reader_info **list, size_t *n);
int mu_backend_wait_change(mu_backend *b, unsigned timeout_ms);
void mu_backend_cancel(mu_backend *b);

/* Resolves a reader given by exact name, unique name prefix or decimal index
 * into its full name (caller frees). MU_SC_ERR_NO_READER if none matches. */
int mu_backend_resolve_reader(mu_backend *b, const char *name_or_index, char **out);

/* Connects to the card in reader. MU_SC_ERR_NO_CARD when the reader is empty. */
int mu_conn_open(mu_backend *b, const char *reader, mu_conn **out);
void mu_conn_free(mu_conn **c);
const char *mu_conn_reader(const mu_conn *c);

/* Sends one command APDU and returns the complete response: data longer than
 * 255 bytes goes by command chaining, 61xx is followed by GET RESPONSE and
 * 6Cxx by a resend with the right Le. *sw receives the final status word,
 * data (up to rcap bytes) the response data. Transport failures return
 * MU_SC_ERR_REMOVED when the card was pulled, MU_SC_ERR_NO_SERVICE when
 * pcscd went away, MU_SC_ERR_TRANSPORT otherwise; a response longer than
 * rcap (or 64 KiB) or a GET RESPONSE sequence that does not end returns
 * MU_SC_ERR_RESPONSE. The APDU buffers are wiped after every exchange. */
int mu_conn_command(mu_conn *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                    const uint8_t *data, size_t len, uint8_t *resp, size_t rcap, size_t *rlen,
                    uint16_t *sw);

/* Like mu_conn_command() with an explicit Le for the last (or only) link:
 * ne = 0 sends no Le (commands that return no data), 1..256 a short Le
 * (256 is sent as 00). mu_conn_command() uses ne = 256. */
int mu_conn_command_le(mu_conn *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                       const uint8_t *data, size_t len, size_t ne, uint8_t *resp, size_t rcap,
                       size_t *rlen, uint16_t *sw);

/* Exclusive use of the card for a multi-APDU operation. Calls nest; only the
 * outermost pair reaches the backend. mu_conn_begin() returns MU_SC_OK,
 * MU_SC_ERR_REMOVED or MU_SC_ERR_TRANSPORT; every successful begin needs
 * one mu_conn_end(). */
int mu_conn_begin(mu_conn *c);
void mu_conn_end(mu_conn *c);

/* APDU trace: when OPENMU_APDU_TRACE names a file at mu_conn_open(), or a
 * stream is given here, every exchange is appended as "> CLA INS P1 P2 Lc"
 * and "< SW len" lines plus the data in hex. The data of commands that carry
 * a PIN or import keys (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
 * INIT CA, ENROLL, CA RESTORE, COPY IMPORT) is replaced by "[redacted]".
 * The caller keeps ownership of trace (NULL stops tracing); a trace the
 * connection opened itself from OPENMU_APDU_TRACE is closed. */
void mu_conn_set_trace(mu_conn *c, FILE *trace);
