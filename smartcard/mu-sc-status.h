/* SPDX-License-Identifier: Apache-2.0 */
/* Status codes of the smartcard layer (negative, below the protocol ones). */
#pragma once

enum {
	MU_SC_OK = 0,
	MU_SC_ERR_NO_SERVICE = -100, /* pcscd is not running or not reachable */
	MU_SC_ERR_NO_READER = -101,  /* no such reader */
	MU_SC_ERR_NO_CARD = -102,    /* the reader is empty */
	MU_SC_ERR_REMOVED = -103,    /* the card was removed during the operation */
	MU_SC_ERR_TRANSPORT = -104,  /* the reader or PC/SC failed */
	MU_SC_ERR_TIMEOUT = -105,
	MU_SC_ERR_CANCELLED = -106,
	MU_SC_ERR_NOT_OPENMU = -107, /* SELECT of the OpenMU AID failed */
	MU_SC_ERR_CARD = -108,       /* the card refused: see the status word */
	MU_SC_ERR_WRONG_PIN = -109,  /* tries left in the detail message */
	MU_SC_ERR_BLOCKED = -110,
	MU_SC_ERR_NOT_VERIFIED = -111,
	MU_SC_ERR_WRONG_TYPE = -112, /* e.g. an EP11 command on a CA card */
	MU_SC_ERR_ZONE = -113,       /* the two cards belong to different zones */
	MU_SC_ERR_RESPONSE = -114,   /* the card's answer does not parse */
	MU_SC_ERR_ARG = -115,
	MU_SC_ERR_NOMEM = -116,
	MU_SC_ERR_CRYPTO = -117,
	MU_SC_ERR_NOT_FOUND = -118,  /* no such key part, certificate, ... */
	MU_SC_ERR_EXISTS = -119,
	MU_SC_ERR_FULL = -120,
};

/* Returns a static text for a smartcard status code (or a protocol one). */
const char *mu_sc_strerror(int status);
