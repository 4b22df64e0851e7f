/* SPDX-License-Identifier: Apache-2.0 */
/* Command APDU parser: whatever parses must re-encode to a command that
 * parses to the same fields. */
#include <stdlib.h>
#include <string.h>

#include "mu-apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mu_apdu a, b;
	const uint8_t *rd;
	size_t rl;
	uint16_t sw;
	(void)mu_apdu_parse_response(data, size, &rd, &rl, &sw);
	if (mu_apdu_parse(data, size, &a) != 0)
		return 0;
	size_t cap = size + 16;
	uint8_t *out = malloc(cap);
	if (out == NULL)
		return 0;
	size_t n;
	if (mu_apdu_build(&a, a.extended, out, cap, &n) != 0 || mu_apdu_parse(out, n, &b) != 0 ||
	    a.cla != b.cla || a.ins != b.ins || a.p1 != b.p1 || a.p2 != b.p2 || a.nc != b.nc ||
	    a.ne != b.ne || (a.nc > 0 && memcmp(a.data, b.data, a.nc) != 0))
		abort();
	mu_apdu_chain c;
	mu_apdu piece;
	size_t total = 0;
	mu_apdu_chain_init(&c, &a);
	while (mu_apdu_chain_next(&c, &piece) == 1)
		total += piece.nc;
	if (total != a.nc)
		abort();
	free(out);
	return 0;
}
