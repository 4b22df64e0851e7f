/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate files (mu_x509_from_pem_or_der: the manufacturer root, admin
 * certificates, instance roots): any bytes in, one DER certificate or an
 * error out; what parses is one DER certificate that parses again to the
 * same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "mu-status.h"
#include "mu-x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *der = NULL;
	size_t len = 0;
	if (mu_x509_from_pem_or_der(data, size, &der, &len) != MU_OK) {
		if (der != NULL)
			abort();
		return 0;
	}
	X509 *x = NULL;
	if (len == 0 || mu_x509_parse(der, len, &x) != MU_OK)
		abort();
	X509_free(x);
	uint8_t *again = NULL;
	size_t again_len = 0;
	if (mu_x509_from_pem_or_der(der, len, &again, &again_len) != MU_OK || again_len != len ||
	    memcmp(again, der, len) != 0)
		abort();
	free(again);
	free(der);
	return 0;
}
