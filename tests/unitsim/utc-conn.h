/* SPDX-License-Identifier: Apache-2.0 */
/* TEST ONLY: a minimal unit client for the unitsim stack tests (the
 * workstation's real client lives in tke/). TLS 1.3 against the instance
 * root, OA check after INFO, every response verified. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <openssl/types.h>

#include "mu-unit-body.h"
#include "mu-unit-msg.h"
#include "mu-unit-trust.h"

enum {
	UTC_OK = 0,
	UTC_FAIL = 1, /* I/O error or a wrong answer */
	UTC_USAGE = 2,
	UTC_REFUSED = 3, /* the unit answered with an error status */
	UTC_TRUST = 4,   /* TLS or OA verification failed */
};

typedef struct utc_conn {
	char *name;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	EVP_PKEY *oa_pub;
	GBytes *oa_cert;
	mu_unit_identity id;
	uint8_t role;
	uint8_t token[MU_UNIT_TOKEN_LEN];
	bool has_token;
	uint8_t *last;                       /* the last response payload */
	uint8_t last_hash[MU_UNIT_HASH_LEN]; /* hash of the last request */
	mu_unit_response resp;               /* parsed from last */
} utc_conn;

typedef struct utc_target {
	const char *instance; /* instance.ini */
	const char *unit;     /* unit name */
	const char *root;     /* PEM root to trust instead of the instance's */
	bool skip_tls_verify; /* test only: rely on the OA check alone */
	bool no_token;
} utc_target;

/* Connects, runs INFO and checks the OA certificate and identity.
 * Returns UTC_OK, UTC_FAIL or UTC_TRUST (message on stderr). */
int utc_connect(const utc_target *t, utc_conn *c);
void utc_close(utc_conn *c);
/* Sends req (nonce filled here) and verifies the answer; the parsed
 * response is in c->resp. Returns UTC_OK (status may be an error) or
 * UTC_FAIL when the exchange or the verification failed. */
int utc_request(utc_conn *c, mu_unit_request *req);
/* Sends a raw payload and reads one verified response. */
int utc_raw(utc_conn *c, const uint8_t *payload, size_t len);
/* Sends only a frame header with this length (a bad one) and reads the
 * verified error response. */
int utc_frame_len(utc_conn *c, uint32_t frame_len);
/* Fills req's token for service ops (unless the target said no_token). */
void utc_set_token(utc_conn *c, mu_unit_request *req);
/* STATUS into st. */
int utc_status(utc_conn *c, mu_unit_status *st);
