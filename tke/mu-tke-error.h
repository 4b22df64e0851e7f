/* SPDX-License-Identifier: Apache-2.0 */
/* Error domains of the workstation side of crypto units (tke/).
 *
 * MU_TKE_ERROR carries the workstation's own failures (configuration,
 * network, trust, protocol). MU_TKE_UNIT_ERROR carries a refusal the unit
 * answered in a correctly signed response: its code is the unit status
 * (negative, MU_ERR_* or MU_UNIT_ERR_* of mu-unit-proto.h). Every message
 * names the unit and says what to do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MU_TKE_ERROR      (mu_tke_error_quark())
#define MU_TKE_UNIT_ERROR (mu_tke_unit_error_quark())

GQuark mu_tke_error_quark(void);
GQuark mu_tke_unit_error_quark(void);

typedef enum {
	MU_TKE_ERROR_ARG,      /* invalid argument (a caller's or a user's) */
	MU_TKE_ERROR_CONFIG,   /* instance file missing, unreadable or malformed */
	MU_TKE_ERROR_CONNECT,  /* unit unreachable, or the connection was lost */
	MU_TKE_ERROR_TLS,      /* TLS handshake failed for a reason other than trust */
	MU_TKE_ERROR_TRUST,    /* certificate chain, unit identity or OA signature refused */
	MU_TKE_ERROR_PROTOCOL, /* the unit sent a malformed or unexpected response */
	MU_TKE_ERROR_TOKEN,    /* service token file missing, unreadable or malformed */
	MU_TKE_ERROR_INPUT,    /* an input file (certificate, data) is unreadable or invalid */
	MU_TKE_ERROR_STATE,    /* the unit's state does not allow the operation */
} MuTkeError;

/* Short symbolic name of a MU_TKE_ERROR code ("trust", "config", ...). */
const char *mu_tke_error_name(int code);

G_END_DECLS
