/* SPDX-License-Identifier: Apache-2.0 */
/* The unit client: one TLS 1.3 connection to one crypto unit of an
 * instance, requests and OA-signed responses (docs/protocol.md §11–§13,
 * §16).
 *
 * Trust is checked before anything is returned:
 *  - the TLS server certificate chains to the instance root (and to nothing
 *    else), is valid for the unit's address and names the unit
 *    (CN "<unit name> TLS");
 *  - INFO's OA certificate chains to the same root and names the module id,
 *    domain and unit name of the instance file;
 *  - every response is signed by that OA key, answers the request just sent
 *    (request hash, which covers a fresh random nonce) and comes from that
 *    module id and domain.
 * Anything else is refused with MU_TKE_ERROR_TRUST or _PROTOCOL and a
 * message naming the unit and the instance file.
 *
 * Blocking I/O (connect 10 s, each answer 120 s): run it off any GUI main
 * loop. Writing to a unit that closed the connection raises SIGPIPE: the
 * program ignores SIGPIPE (the CLI does). A client is used by one thread at a
 * time. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <openssl/types.h>

#include "mu-tke-instance.h"
#include "mu-unit-body.h"
#include "mu-unit-msg.h"

G_BEGIN_DECLS

typedef struct mu_tke_client mu_tke_client;

/* Connects to unit (one of inst's units; inst must come from
 * mu_tke_instance_load and outlive the client), completes the verified TLS
 * handshake and INFO. Returns a new client or NULL with MU_TKE_ERROR_CONNECT
 * (unreachable), _TLS (handshake failed), _TRUST (a certificate does not
 * chain to the instance root, names another unit, or a signature does not
 * verify), _PROTOCOL (malformed answer) or MU_TKE_UNIT_ERROR. */
mu_tke_client *mu_tke_client_connect(const mu_tke_instance *inst, const mu_tke_unit *unit,
                                     GError **error);

/* Closes the connection, frees *c and sets it to NULL; NULL-safe. */
void mu_tke_client_free(mu_tke_client **c);

/* The unit as the instance file describes it. */
const mu_tke_unit *mu_tke_client_unit(const mu_tke_client *c);
/* The verified INFO of the unit (oa_cert points into the client). */
const mu_unit_info *mu_tke_client_info(const mu_tke_client *c);
/* SHA-256 of the unit's OA certificate DER, as 64 lower-case hex digits. */
const char *mu_tke_client_oa_fingerprint_hex(const mu_tke_client *c);
/* The unit's verified OA public key (owned by the client), e.g. to check an
 * importer statement. */
EVP_PKEY *mu_tke_client_oa_key(const mu_tke_client *c);

/* A verified, successful response; owns its bytes. */
typedef struct mu_tke_reply mu_tke_reply;

/* Sends req (its nonce is replaced by fresh random bytes) and returns the
 * verified response. A correctly signed refusal of the unit is NULL with
 * MU_TKE_UNIT_ERROR (code = the unit status); other failures as for
 * connect. After a _CONNECT, _TLS, _TRUST or _PROTOCOL error the client is
 * closed: every later call fails. */
mu_tke_reply *mu_tke_client_call(mu_tke_client *c, const mu_unit_request *req, GError **error);

/* The op-specific body (TLVs) of a reply. */
const uint8_t *mu_tke_reply_body(const mu_tke_reply *r, size_t *len);
/* Frees *r and sets it to NULL; wipes the bytes (they may hold data the
 * service API returned); NULL-safe. */
void mu_tke_reply_free(mu_tke_reply **r);

/* Sets a MU_TKE_ERROR_PROTOCOL error for a body of op that did not parse. */
void mu_tke_client_body_error(const mu_tke_client *c, const char *what, GError **error);

static inline void mu_tke_client_free_ptr(mu_tke_client *c)
{
	mu_tke_client_free(&c);
}
static inline void mu_tke_reply_free_ptr(mu_tke_reply *r)
{
	mu_tke_reply_free(&r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_client, mu_tke_client_free_ptr)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mu_tke_reply, mu_tke_reply_free_ptr)

G_END_DECLS
