/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-status.h"

const char *mu_strerror(int status)
{
	switch (status) {
	case MU_OK:
		return "success";
	case MU_ERR_ARG:
		return "invalid argument";
	case MU_ERR_MALFORMED:
		return "malformed data";
	case MU_ERR_TOO_LONG:
		return "data exceeds its size limit";
	case MU_ERR_NOMEM:
		return "out of memory";
	case MU_ERR_CRYPTO:
		return "cryptographic operation failed";
	case MU_ERR_VERIFY:
		return "signature or certificate verification failed";
	default:
		return "unknown error";
	}
}
