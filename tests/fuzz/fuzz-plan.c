/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony plan parser of tke/: any bytes are either refused with a
 * config error or give a plan whose target is possible (thresholds within
 * the admins, enough signers, every part named, replaces= with and only
 * with finish=rotate); its steps from an imprint unit can be computed and
 * described, and so can those from a unit at the plan's admins and
 * thresholds: a rotate plan rotates the key it replaces, leaves another
 * one alone and refuses another one with a new register in use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mu-tke-error.h"
#include "mu-tke-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The steps from st (a unit at the plan's admins and thresholds) are
 * nsteps, the last of kind last; nsteps < 0: refused (MU_TKE_ERROR_STATE). */
static void expect_steps(const mu_tke_plan *p, const mu_unit_status *st, int nsteps,
                         mu_tke_plan_kind last)
{
	const mu_unit_status *sts[1] = {st};
	GError *error = NULL;
	GArray *steps = mu_tke_plan_steps(p, 1, sts, NULL, &error);
	if (nsteps < 0) {
		if (steps != NULL || !g_error_matches(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE))
			abort();
		g_error_free(error);
		return;
	}
	if (steps == NULL || steps->len != (guint)nsteps ||
	    (nsteps > 0 && g_array_index(steps, mu_tke_plan_step, nsteps - 1).kind != last))
		abort();
	g_array_unref(steps);
}

static void check_finish(const mu_tke_plan *p)
{
	mu_unit_status st;
	memset(&st, 0, sizeof(st));
	st.sig_threshold = p->sig_threshold;
	st.rev_threshold = p->rev_threshold;
	st.nadmins = p->nadmins;
	for (size_t i = 0; i < p->nadmins; i++)
		memcpy(st.admins[i].key_id, p->admins[i].key_id, MU_UNIT_KEY_ID_LEN);
	bool rotate = p->finish == MU_TKE_PLAN_FINISH_ROTATE;
	st.cur_state = MU_UNIT_CUR_VALID;
	memcpy(st.cur_vp, p->replaces, MU_VP_LEN);
	expect_steps(p, &st, rotate ? p->parts + 2 : 0, MU_TKE_PLAN_ROTATE);
	st.cur_vp[0] ^= 1;
	expect_steps(p, &st, 0, MU_TKE_PLAN_ROTATE);
	st.new_state = MU_UNIT_NEW_PARTIAL;
	st.new_loaded = 1;
	st.new_total = p->parts;
	expect_steps(p, &st, rotate ? -1 : (int)p->parts + 1, MU_TKE_PLAN_SET_IMMEDIATE);
}

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
	    p->nsigners < p->sig_threshold ||
	    (p->finish != MU_TKE_PLAN_FINISH_SET_IMMEDIATE &&
	     p->finish != MU_TKE_PLAN_FINISH_ROTATE) ||
	    (p->finish == MU_TKE_PLAN_FINISH_ROTATE && p->replaces[MU_VP_LEN - 1] != 0))
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
	GArray *steps = mu_tke_plan_steps(p, 1, sts, NULL, NULL);
	if (steps == NULL || steps->len != p->nadmins + 1u + p->parts + 2u)
		abort();
	for (guint i = 0; i < steps->len; i++)
		g_free(mu_tke_plan_step_text(p, &g_array_index(steps, mu_tke_plan_step, i)));
	g_array_unref(steps);
	check_finish(p);
	mu_tke_plan_free(&p);
	if (p != NULL)
		abort();
	return 0;
}
