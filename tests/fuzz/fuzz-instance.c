/* SPDX-License-Identifier: Apache-2.0 */
/* The instance file parser of tke/: any bytes are either refused with a
 * config error or give an instance whose every field holds what the checks
 * promise (names, ports, roles, resolved paths). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mu-tke-error.h"
#include "mu-tke-instance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	mu_tke_instance *inst =
	    mu_tke_instance_parse((const char *)data, size, "/base", "fuzz.ini", &error);
	if (inst == NULL) {
		if (error == NULL || error->domain != MU_TKE_ERROR ||
		    error->code != MU_TKE_ERROR_CONFIG || error->message[0] == '\0')
			abort();
		g_error_free(error);
		return 0;
	}
	if (error != NULL || mu_tke_instance_n_units(inst) == 0 ||
	    mu_tke_instance_n_units(inst) > MU_TKE_INSTANCE_UNITS_MAX ||
	    strlen(mu_tke_instance_root_fingerprint_hex(inst)) != 64 ||
	    mu_tke_instance_root_path(inst)[0] != '/')
		abort();
	for (size_t i = 0; i < mu_tke_instance_n_units(inst); i++) {
		const mu_tke_unit *u = mu_tke_instance_unit(inst, i);
		if (u->name == NULL || u->name[0] == '\0' || u->host == NULL ||
		    u->host[0] == '\0' || u->port == 0 || u->role > MU_UNIT_ROLE_RECOVERY ||
		    (u->token_file != NULL && u->token_file[0] != '/'))
			abort();
		if (mu_tke_instance_find_unit(inst, u->name, NULL) != u)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(mu_tke_instance_unit(inst, j)->name, u->name) == 0)
				abort();
	}
	mu_tke_instance_free(&inst);
	return 0;
}
