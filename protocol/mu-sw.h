/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 7816-4 status words as used by the OpenMU applet, with one table of
 * user-readable messages. */
#pragma once

#include <stdint.h>

enum {
	MU_SW_OK = 0x9000,
	MU_SW_BYTES_REMAINING = 0x6100,  /* 61xx: GET RESPONSE for xx more bytes */
	MU_SW_WRONG_PIN = 0x63C0,        /* 63Cx: wrong PIN, x tries left */
	MU_SW_MEMORY_FAILURE = 0x6581,
	MU_SW_WRONG_LENGTH = 0x6700,
	MU_SW_LAST_CHAIN_EXPECTED = 0x6883,
	MU_SW_CHAINING_UNSUPPORTED = 0x6884,
	MU_SW_INCOMPATIBLE_FILE = 0x6981, /* wrong card type for the command */
	MU_SW_NOT_VERIFIED = 0x6982,
	MU_SW_PIN_BLOCKED = 0x6983,
	MU_SW_REF_NOT_USABLE = 0x6984,    /* a certificate or token was refused */
	MU_SW_CONDITIONS = 0x6985,
	MU_SW_WRONG_DATA = 0x6A80,
	MU_SW_FUNC_UNSUPPORTED = 0x6A81,
	MU_SW_FILE_NOT_FOUND = 0x6A82,    /* SELECT of an unknown application */
	MU_SW_NO_SPACE = 0x6A84,
	MU_SW_WRONG_P1P2 = 0x6A86,
	MU_SW_NOT_FOUND = 0x6A88,
	MU_SW_EXISTS = 0x6A89,
	MU_SW_WRONG_LE = 0x6C00,          /* 6Cxx: resend with Le = xx */
	MU_SW_INS_UNSUPPORTED = 0x6D00,
	MU_SW_CLA_UNSUPPORTED = 0x6E00,
	MU_SW_UNKNOWN = 0x6F00,
};

/* Returns a static message for a status word; 61xx, 63Cx and 6Cxx are
 * matched on their first byte (and nibble). Never NULL. */
const char *mu_sw_message(uint16_t sw);
/* For 63Cx returns x, for anything else -1. */
int mu_sw_tries_left(uint16_t sw);
