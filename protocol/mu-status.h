/* SPDX-License-Identifier: Apache-2.0 */
/* Status codes shared by the pure protocol layer. */
#pragma once

enum {
	MU_OK = 0,
	MU_ERR_ARG = -1,      /* an argument is out of range or NULL */
	MU_ERR_MALFORMED = -2, /* input bytes do not follow the format */
	MU_ERR_TOO_LONG = -3, /* input or output exceeds a fixed bound */
	MU_ERR_NOMEM = -4,    /* allocation failed */
	MU_ERR_CRYPTO = -5,   /* an OpenSSL operation failed */
	MU_ERR_VERIFY = -6,   /* a signature or certificate did not verify */
};

/* Returns a static, user-readable text for a protocol status code. */
const char *mu_strerror(int status);
