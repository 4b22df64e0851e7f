/* SPDX-License-Identifier: Apache-2.0 */
/* Unit messages: the request parser (and re-encoding of what parses), the
 * response parser and every response body parser, on the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_entry(const mu_unit_key_entry *e, void *user)
{
	(*(size_t *)user)++;
	return e->handle == 0 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mu_unit_request req;
	if (mu_unit_request_parse(data, size, &req) == MU_OK) {
		/* what parses encodes back to the same bytes */
		uint8_t *out = malloc(size + 16);
		size_t n;
		if (out == NULL)
			return 0;
		if (mu_unit_request_encode(&req, out, size + 16, &n) != MU_OK || n != size ||
		    memcmp(out, data, size) != 0)
			abort();
		free(out);
	}
	mu_unit_response resp;
	if (mu_unit_response_parse(data, size, &resp) == MU_OK &&
	    (resp.signed_part.len + resp.signature.len > size || resp.body.len > size))
		abort();

	mu_unit_info info;
	mu_unit_status st;
	mu_unit_admin_result ar;
	mu_unit_key_entry e;
	mu_unit_bytes b;
	uint32_t total, next;
	bool more;
	size_t entries = 0;
	(void)mu_unit_info_parse(data, size, &info);
	if (mu_unit_status_parse(data, size, &st) == MU_OK &&
	    (st.nadmins > MU_UNIT_ADMINS_MAX || st.new_loaded > MU_UNIT_PARTS_MAX))
		abort();
	(void)mu_unit_admin_result_parse(data, size, &ar);
	(void)mu_unit_key_created_parse(data, size, &e);
	if (mu_unit_key_list_parse(data, size, &total, &more, &next, count_entry, &entries) ==
	        MU_OK &&
	    entries > MU_UNIT_LIST_MAX)
		abort();
	(void)mu_unit_body_single_parse(data, size, MU_UNIT_TAG_BLOB, MU_UNIT_DATA_MAX + 28, &b);
	return 0;
}
