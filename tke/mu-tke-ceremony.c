/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-ceremony.h"

#include <stdlib.h>
#include <string.h>

#include "mu-admin-block.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-tke-admin.h"
#include "mu-tke-error.h"
#include "mu-tke-status.h"
#include "mu-unit-proto.h"

#define ENVELOPE_MAX 1024u

gboolean mu_tke_signer_init(mu_tke_signer *s, mu_card *card, const char *what, GError **error)
{
	mu_card_info info;
	memset(s, 0, sizeof(*s));
	int st = mu_card_info_get(card, &info);
	if (st != MU_SC_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "%s: %s", what,
		            mu_card_errmsg(card));
		return FALSE;
	}
	if (info.type != MU_CARD_TYPE_EP11 || !info.has_sigkey) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "%s is not an EP11 card with an administrator signature key", what);
		return FALSE;
	}
	s->card = card;
	s->what = g_strdup(what);
	g_strlcpy(s->name, info.admin_name, sizeof(s->name));
	memcpy(s->key_id, info.admin_key_id, MU_UNIT_KEY_ID_LEN);
	return TRUE;
}

void mu_tke_signer_clear(mu_tke_signer *s)
{
	g_clear_pointer(&s->what, g_free);
	s->card = NULL;
}

const char *mu_tke_step_name(mu_tke_step step)
{
	static const char *const names[] = {
	    [MU_TKE_STEP_ADD_ADMIN] = "add-admin",
	    [MU_TKE_STEP_REMOVE_ADMIN] = "remove-admin",
	    [MU_TKE_STEP_SET_THRESHOLDS] = "set-thresholds",
	    [MU_TKE_STEP_COMMIT] = "commit",
	    [MU_TKE_STEP_SET_IMMEDIATE] = "set-immediate",
	    [MU_TKE_STEP_ROTATE] = "rotate",
	    [MU_TKE_STEP_CLEAR_NEW] = "clear-new",
	    [MU_TKE_STEP_CLEAR_CURRENT] = "clear-current",
	    [MU_TKE_STEP_ZEROIZE] = "zeroize",
	};
	return (size_t)step < G_N_ELEMENTS(names) ? names[step] : "unknown";
}

static uint16_t step_cmd(mu_tke_step step)
{
	switch (step) {
	case MU_TKE_STEP_ADD_ADMIN:
		return MU_UNIT_CMD_ADD_ADMIN;
	case MU_TKE_STEP_REMOVE_ADMIN:
		return MU_UNIT_CMD_REMOVE_ADMIN;
	case MU_TKE_STEP_SET_THRESHOLDS:
		return MU_UNIT_CMD_SET_THRESHOLDS;
	case MU_TKE_STEP_COMMIT:
		return MU_UNIT_CMD_COMMIT;
	case MU_TKE_STEP_SET_IMMEDIATE:
		return MU_UNIT_CMD_SET_IMMEDIATE;
	case MU_TKE_STEP_ROTATE:
		return MU_UNIT_CMD_ROTATE;
	case MU_TKE_STEP_CLEAR_NEW:
		return MU_UNIT_CMD_CLEAR_NEW;
	case MU_TKE_STEP_CLEAR_CURRENT:
		return MU_UNIT_CMD_CLEAR_CURRENT;
	case MU_TKE_STEP_ZEROIZE:
	default:
		return MU_UNIT_CMD_ZEROIZE;
	}
}

static gboolean installed(const mu_unit_status *st, const uint8_t key_id[MU_UNIT_KEY_ID_LEN])
{
	for (size_t i = 0; i < st->nadmins; i++)
		if (memcmp(st->admins[i].key_id, key_id, MU_UNIT_KEY_ID_LEN) == 0)
			return TRUE;
	return FALSE;
}

/* Builds the block of cmd for the unit's fresh status, checks the signers,
 * signs with as many as needed and sends it. */
static mu_tke_reply *signed_send(mu_tke_client *c, uint16_t cmd, const uint8_t *input,
                                 size_t input_len, uint8_t new_sig, const mu_tke_signer *signers,
                                 size_t nsigners, mu_unit_admin_result *res, size_t *nsent,
                                 GError **error)
{
	const char *unit = mu_tke_client_unit(c)->name;
	mu_unit_status st;
	uint8_t block[MU_UNIT_BLOCK_MAX];
	size_t block_len = 0;
	if (!mu_tke_status_fetch(c, &st, error))
		return NULL;
	int need = mu_unit_cmd_required_sigs(cmd, st.sig_threshold, st.rev_threshold, new_sig);
	if (need < 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "unknown admin command %04x", cmd);
		return NULL;
	}
	size_t use = (size_t)need < nsigners ? (size_t)need : nsigners;
	/* a card the unit does not know never signs for it: refuse before
	 * anything is signed or sent */
	for (size_t i = 0; i < use; i++) {
		if (!installed(&st, signers[i].key_id)) {
			g_autofree char *id = mu_tke_hex(signers[i].key_id, 8);
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
			            "unit %s: the admin key of %s (admin \"%s\", key id %s...) is not "
			            "installed on this unit; nothing was signed or sent",
			            unit, signers[i].what, signers[i].name, id);
			return NULL;
		}
	}
	if (!mu_tke_admin_block(&st, cmd, input, input_len, block, sizeof(block), &block_len,
	                        error))
		return NULL;
	mu_admin_sig sigs[MU_UNIT_ADMINS_MAX];
	uint8_t *der[MU_UNIT_ADMINS_MAX] = {NULL};
	mu_tke_reply *reply = NULL;
	size_t made = 0;
	for (; made < use && made < MU_UNIT_ADMINS_MAX; made++) {
		size_t len = 0;
		int rc = mu_card_sign(signers[made].card, block, block_len, &der[made], &len);
		if (rc != MU_SC_OK) {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "unit %s: %s could not sign the %s block: %s", unit,
			            signers[made].what, mu_unit_cmd_name(cmd),
			            mu_card_errmsg(signers[made].card));
			goto out;
		}
		sigs[made].key_id = signers[made].key_id;
		sigs[made].sig = der[made];
		sigs[made].sig_len = len;
	}
	reply = mu_tke_admin_send(c, block, block_len, sigs, made, res, error);
	if (reply == NULL && error != NULL && *error != NULL &&
	    (*error)->domain == MU_TKE_UNIT_ERROR && (*error)->code == MU_UNIT_ERR_QUORUM) {
		g_prefix_error(error, "(%zu signature(s) sent, %d needed: more admins' cards must sign) ",
		               made, need);
	}
	if (nsent != NULL)
		*nsent = made;
out:
	for (size_t i = 0; i < MU_UNIT_ADMINS_MAX; i++)
		free(der[i]);
	return reply;
}

static void outcome_from(const mu_unit_admin_result *res, size_t nsigs, mu_tke_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->counter = res->counter;
	out->nsigs = nsigs;
	out->has_vp = res->has_vp;
	if (res->has_vp)
		memcpy(out->vp, res->vp, MU_VP_LEN);
	out->part_index = res->part_index;
	out->parts_total = res->parts_total;
	out->has_key_count = res->has_key_count;
	out->key_count = res->key_count;
}

gboolean mu_tke_ceremony_step(mu_tke_client *c, mu_tke_step step, const mu_tke_step_args *args,
                              const mu_tke_signer *signers, size_t nsigners,
                              mu_tke_outcome *out, GError **error)
{
	static const mu_tke_step_args none;
	const char *unit = mu_tke_client_unit(c)->name;
	uint8_t input[MU_UNIT_BLOCK_MAX];
	size_t input_len = 0;
	uint8_t new_sig = 0;
	if (args == NULL)
		args = &none;
	uint16_t cmd = step_cmd(step);
	switch (step) {
	case MU_TKE_STEP_ADD_ADMIN:
	case MU_TKE_STEP_REMOVE_ADMIN:
		if (args->input == NULL || args->input_len > MU_ADMIN_INPUT_MAX ||
		    (step == MU_TKE_STEP_REMOVE_ADMIN && args->input_len != MU_UNIT_KEY_ID_LEN)) {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "%s: bad input",
			            mu_tke_step_name(step));
			return FALSE;
		}
		memcpy(input, args->input, args->input_len);
		input_len = args->input_len;
		break;
	case MU_TKE_STEP_SET_THRESHOLDS:
		mu_admin_input_thresholds(args->sig_threshold, args->rev_threshold, input);
		input_len = 2;
		new_sig = args->sig_threshold;
		break;
	case MU_TKE_STEP_COMMIT: {
		/* COMMIT names the VP the officers agreed on: the register's own,
		 * checked against the expected one when given */
		mu_unit_status st;
		if (!mu_tke_status_fetch(c, &st, error))
			return FALSE;
		if (!st.new_has_vp || st.new_state != MU_UNIT_NEW_UNCOMMITTED) {
			g_autofree char *reg = mu_tke_new_register_text(&st);
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
			            "unit %s: the new register is %s; commit needs all parts loaded "
			            "(FULL-UNCOMMITTED)",
			            unit, reg);
			return FALSE;
		}
		if (args->has_expect_vp && memcmp(st.new_vp, args->expect_vp, MU_VP_LEN) != 0) {
			g_autofree char *have = mu_tke_hex(st.new_vp, MU_VP_LEN);
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
			            "unit %s: the new register has VP %s, not the expected one; "
			            "nothing was committed",
			            unit, have);
			return FALSE;
		}
		memcpy(input, st.new_vp, MU_VP_LEN);
		input_len = MU_VP_LEN;
		break;
	}
	default:
		break;
	}
	mu_unit_admin_result res;
	size_t nsent = 0;
	mu_tke_reply *reply = signed_send(c, cmd, input, input_len, new_sig, signers, nsigners,
	                                  &res, &nsent, error);
	if (reply == NULL)
		return FALSE;
	if (out != NULL)
		outcome_from(&res, nsent, out);
	mu_tke_reply_free(&reply);
	return TRUE;
}

gboolean mu_tke_ceremony_load_part(mu_tke_client *c, mu_card *keypart_card, const char *card_what,
                                   unsigned slot, uint8_t parts_total,
                                   const mu_tke_signer *signers, size_t nsigners,
                                   mu_tke_outcome *out, GError **error)
{
	const char *unit = mu_tke_client_unit(c)->name;
	const mu_unit_info *info = mu_tke_client_info(c);
	mu_unit_admin_result res;
	size_t nsent = 0;
	if (parts_total < MU_UNIT_PARTS_MIN || parts_total > MU_UNIT_PARTS_MAX) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "a master key has 2 or 3 parts, not %u", parts_total);
		return FALSE;
	}
	mu_tke_reply *imp = signed_send(c, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, 0, signers, nsigners,
	                                &res, &nsent, error);
	if (imp == NULL)
		return FALSE;
	if (res.importer_stmt.p == NULL || res.importer_sig.p == NULL) {
		mu_tke_reply_free(&imp);
		mu_tke_client_body_error(c, "GENERATE IMPORTER (no statement)", error);
		return FALSE;
	}
	/* the card verifies all of this itself; the workstation only relays */
	mu_card_export_target t;
	memset(&t, 0, sizeof(t));
	t.slot = slot;
	memcpy(t.module_id, info->module_id, MU_UNIT_MODULE_ID_LEN);
	t.domain = info->domain;
	t.oa_cert = info->oa_cert.p;
	t.oa_cert_len = info->oa_cert.len;
	t.stmt = res.importer_stmt.p;
	t.stmt_len = res.importer_stmt.len;
	t.stmt_sig = res.importer_sig.p;
	t.stmt_sig_len = res.importer_sig.len;
	uint8_t *env = NULL;
	size_t env_len = 0;
	int rc = mu_card_keypart_export(keypart_card, &t, &env, &env_len, NULL);
	mu_tke_reply_free(&imp);
	if (rc != MU_SC_OK) {
		g_set_error(error, MU_TKE_ERROR,
		            rc == MU_SC_ERR_CARD ? MU_TKE_ERROR_TRUST : MU_TKE_ERROR_INPUT,
		            "unit %s: %s: %s", unit, card_what, mu_card_errmsg(keypart_card));
		return FALSE;
	}
	uint8_t input[ENVELOPE_MAX + 8];
	size_t in_len = 0;
	rc = mu_admin_input_load_part(parts_total, env, env_len, input, sizeof(input), &in_len);
	free(env);
	if (rc != MU_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_PROTOCOL,
		            "unit %s: the card's envelope does not fit a LOAD PART command", unit);
		return FALSE;
	}
	mu_tke_reply *reply = signed_send(c, MU_UNIT_CMD_LOAD_PART, input, in_len, 0, signers,
	                                  nsigners, &res, &nsent, error);
	if (reply == NULL)
		return FALSE;
	if (out != NULL)
		outcome_from(&res, nsent, out);
	mu_tke_reply_free(&reply);
	return TRUE;
}
