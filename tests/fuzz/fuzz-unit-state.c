/* SPDX-License-Identifier: Apache-2.0 */
/* The unit state file parser. The input gets a valid SHA-256 trailer
 * appended so that the fuzzer reaches the payload checks; what parses must
 * encode back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "unitsim-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	unitsim_domain *d = NULL;
	if (size > UNITSIM_STATE_MAX)
		return 0;
	/* as given, then with the checksum made valid */
	if (unitsim_state_decode(data, size, &d, err, sizeof(err)) == MU_OK)
		unitsim_domain_free(&d);
	uint8_t *buf = malloc(size + 32);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (mu_unit_sha256(buf, size, buf + size) != MU_OK)
		abort();
	if (unitsim_state_decode(buf, size + 32, &d, err, sizeof(err)) == MU_OK) {
		uint8_t *out = NULL;
		size_t n = 0;
		if (unitsim_state_encode(d, &out, &n) != MU_OK || n != size + 32 ||
		    memcmp(out, buf, n) != 0)
			abort();
		mu_memzero(out, n);
		free(out);
		unitsim_domain_free(&d);
	} else if (err[0] == '\0') {
		abort(); /* every refusal says why */
	}
	free(buf);
	return 0;
}
