/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony plan parser of tke/: any bytes are either refused with a
 * config error or give a plan whose target is possible (thresholds within
 * the admins, enough signers, every part named); its steps from an imprint
 * unit can be computed and described. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mu-tke-error.h"
#include "mu-tke-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	mu_tke_plan *p = mu_tke_plan_parse((const char *)data, size, "fuzz.ini", &error);
	if (p == NULL) {
		if (error == NULL || error->domain != MU_TKE_ERROR ||
		    error->code != MU_TKE_ERROR_CONFIG || error->message[0] == '\0')
			abort();
		g_error_free(error);
		return 0;
	}
	if (error != NULL || p->nadmins == 0 || p->nadmins > MU_UNIT_ADMINS_MAX ||
	    p->sig_threshold < 1 || p->sig_threshold > p->nadmins || p->rev_threshold < 1 ||
	    p->rev_threshold > p->nadmins || p->parts < 2 || p->parts > 3 ||
	    p->nsigners < p->sig_threshold)
		abort();
	for (size_t i = 0; i < p->parts; i++)
		if (p->part[i].reader == NULL || p->part[i].slot >= 85)
			abort();
	for (size_t i = 0; i < p->nadmins; i++) {
		uint8_t id[MU_UNIT_KEY_ID_LEN];
		memset(id, (int)i + 1, sizeof(id));
		mu_tke_plan_set_admin_key(p, i, id);
	}
	mu_unit_status st;
	memset(&st, 0, sizeof(st));
	st.imprint = true;
	const mu_unit_status *sts[1] = {&st};
	GArray *steps = mu_tke_plan_steps(p, 1, sts, NULL);
	if (steps == NULL || steps->len != p->nadmins + 1u + p->parts + 2u)
		abort();
	for (guint i = 0; i < steps->len; i++)
		g_free(mu_tke_plan_step_text(p, &g_array_index(steps, mu_tke_plan_step, i)));
	g_array_unref(steps);
	mu_tke_plan_free(&p);
	if (p != NULL)
		abort();
	return 0;
}
