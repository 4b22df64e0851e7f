/* SPDX-License-Identifier: Apache-2.0 */
/* Admin blocks and signed admin commands: the block parser (re-encoding
 * what parses), the A1 command parser and the parsers of command inputs,
 * key-part envelopes and importer statements. */
#include <stdlib.h>
#include <string.h>

#include "mu-admin-block.h"
#include "mu-keypart-envelope.h"
#include "mu-status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mu_admin_block b;
	if (mu_admin_block_parse(data, size, &b) == MU_OK) {
		uint8_t out[MU_UNIT_BLOCK_MAX];
		size_t n;
		if (mu_admin_block_encode(&b, out, sizeof(out), &n) != MU_OK || n != size ||
		    memcmp(out, data, size) != 0)
			abort();
		/* the input of every command, as the unit would parse it */
		uint8_t total;
		const uint8_t *env;
		size_t env_len;
		mu_keypart_envelope e;
		mu_admin_export_input ei;
		mu_unit_importer imp;
		if (mu_admin_input_load_part_parse(b.input, b.input_len, &total, &env, &env_len) ==
		    MU_OK)
			(void)mu_keypart_envelope_parse(env, env_len, &e);
		if (mu_admin_input_export_parse(b.input, b.input_len, &ei) == MU_OK)
			(void)mu_importer_stmt_parse(ei.stmt_tlv, ei.stmt_len, &imp);
		mu_admin_cert_info info;
		(void)mu_admin_cert_check(b.input, b.input_len, &info, NULL);
	}
	mu_admin_cmd c;
	if (mu_admin_cmd_parse(data, size, &c) == MU_OK) {
		if (c.nsigs > MU_UNIT_ADMINS_MAX)
			abort();
		for (size_t i = 0; i < c.nsigs; i++)
			for (size_t k = 0; k < i; k++)
				if (memcmp(c.sigs[i].key_id, c.sigs[k].key_id,
				           MU_UNIT_KEY_ID_LEN) == 0)
					abort();
		(void)mu_admin_block_parse(c.block, c.block_len, &b);
	}
	mu_keypart_envelope e;
	(void)mu_keypart_envelope_parse(data, size, &e);
	return 0;
}
