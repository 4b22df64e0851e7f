/* SPDX-License-Identifier: Apache-2.0 */
/* BER-TLV decoder: walk, validate, find; re-encode what parses and check the
 * decoder reads back the same values. */
#include <stdlib.h>
#include <string.h>

#include "mu-tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mu_tlv t;
	(void)mu_tlv_validate(data, size, 8);
	(void)mu_tlv_find(data, size, 0x93, &t);

	uint8_t *out = malloc(size + 16);
	if (out == NULL)
		return 0;
	mu_tlv_writer w;
	mu_tlv_reader r;
	mu_tlv_writer_init(&w, out, size + 16);
	mu_tlv_reader_init(&r, data, size);
	size_t count = 0;
	while (mu_tlv_next(&r, &t) == 1) {
		mu_tlv_put(&w, t.tag, t.value, t.len);
		count++;
	}
	size_t n;
	if (mu_tlv_writer_finish(&w, &n) == 0) {
		mu_tlv_reader_init(&r, out, n);
		mu_tlv_reader src;
		mu_tlv a;
		mu_tlv_reader_init(&src, data, size);
		while (count-- > 0) {
			if (mu_tlv_next(&r, &t) != 1 || mu_tlv_next(&src, &a) != 1 || t.tag != a.tag ||
			    t.len != a.len || (t.len > 0 && memcmp(t.value, a.value, t.len) != 0))
				abort();
		}
	}
	free(out);
	return 0;
}
