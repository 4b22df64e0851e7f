/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony journal parser and verifier (docs/protocol.md §21) on
 * arbitrary bytes: whole journals and single lines. */
#include <stddef.h>
#include <stdint.h>

#include "mu-tke-journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mu_tke_journal_summary sum;
	GPtrArray *records = NULL;
	GError *error = NULL;
	if (!mu_tke_journal_verify((const char *)data, size, &sum, &records, &error))
		g_clear_error(&error);
	g_ptr_array_unref(records);
	mu_tke_journal_record r;
	if (mu_tke_journal_parse_line((const char *)data, size, &r, &error))
		mu_tke_journal_record_clear(&r);
	else
		g_clear_error(&error);
	return 0;
}
