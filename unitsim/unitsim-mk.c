/* SPDX-License-Identifier: Apache-2.0 */
/* Master key registers, importer keys, rotation and the recovery commands
 * of a domain. Each function checks its rules first and changes the domain
 * only once nothing can fail any more. */
#include "unitsim-domain-priv.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-keypart-envelope.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-trust.h"

int unitsim_mk_gen_importer(unitsim_domain *d, unitsim_admin_out *out)
{
	mu_unit_importer imp;
	mu_tlv_writer w;
	size_t len, sig_len;
	if (d->oa_key == NULL)
		return MU_UNIT_ERR_INTERNAL;
	EVP_PKEY *key = mu_unit_p521_generate();
	if (key == NULL)
		return MU_ERR_CRYPTO;
	memcpy(imp.module_id, d->id.module_id, MU_UNIT_MODULE_ID_LEN);
	imp.domain = d->id.domain;
	int rc = mu_unit_p521_point(key, imp.point);
	if (rc == MU_OK)
		rc = mu_unit_key_id(imp.point, imp.key_id);
	if (rc != MU_OK)
		goto fail;
	mu_tlv_writer_init(&w, out->stmt, sizeof(out->stmt));
	mu_importer_stmt_encode(&imp, &w);
	rc = mu_tlv_writer_finish(&w, &len);
	if (rc == MU_OK)
		rc = mu_importer_stmt_sign(d->oa_key, out->stmt, len, out->stmt_sig,
		                           sizeof(out->stmt_sig), &sig_len);
	if (rc != MU_OK)
		goto fail;
	/* the ninth pending importer key pushes out the oldest */
	if (d->nimporters == MU_UNIT_IMPORTERS_MAX)
		unitsim_importer_drop(d, 0);
	memcpy(d->importers[d->nimporters].key_id, imp.key_id, MU_UNIT_KEY_ID_LEN);
	d->importers[d->nimporters].key = key;
	d->nimporters++;
	out->res.importer_stmt.p = out->stmt;
	out->res.importer_stmt.len = len;
	out->res.importer_sig.p = out->stmt_sig;
	out->res.importer_sig.len = sig_len;
	return MU_OK;
fail:
	EVP_PKEY_free(key);
	return rc;
}

int unitsim_mk_load_part(unitsim_domain *d, const uint8_t *input, size_t len,
                         unitsim_admin_out *out)
{
	uint8_t total;
	const uint8_t *env_tlv;
	size_t env_len;
	mu_keypart_envelope env;
	uint8_t part[MU_UNIT_KEYPART_LEN];
	uint8_t vp[MU_VP_LEN];
	if (mu_admin_input_load_part_parse(input, len, &total, &env_tlv, &env_len) != MU_OK ||
	    mu_keypart_envelope_parse(env_tlv, env_len, &env) != MU_OK)
		return MU_ERR_MALFORMED;
	if (d->new_state == MU_UNIT_NEW_UNCOMMITTED || d->new_state == MU_UNIT_NEW_COMMITTED)
		return MU_UNIT_ERR_NEW_FULL;
	if (d->new_state == MU_UNIT_NEW_PARTIAL && total != d->new_total)
		return MU_UNIT_ERR_PARTS_MISMATCH;
	if (memcmp(env.module_id, d->id.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    env.domain != d->id.domain)
		return MU_UNIT_ERR_ENVELOPE;
	size_t i;
	for (i = 0; i < d->nimporters; i++)
		if (memcmp(d->importers[i].key_id, env.importer_id, MU_UNIT_KEY_ID_LEN) == 0)
			break;
	if (i == d->nimporters)
		return MU_UNIT_ERR_IMPORTER;
	int rc = mu_keypart_open(d->importers[i].key, &env, part);
	if (rc == MU_ERR_VERIFY || rc == MU_ERR_MALFORMED)
		return MU_UNIT_ERR_ENVELOPE;
	if (rc != MU_OK)
		return rc;
	rc = unitsim_vp(part, sizeof(part), vp);
	if (rc != MU_OK) {
		mu_memzero(part, sizeof(part));
		return rc;
	}
	/* the importer key is single-use: a second load of this envelope fails */
	unitsim_importer_drop(d, i);
	for (size_t k = 0; k < MU_UNIT_MK_LEN; k++)
		d->new_key[k] ^= part[k];
	mu_memzero(part, sizeof(part));
	memcpy(d->part_vps[d->new_loaded], vp, MU_VP_LEN);
	d->new_loaded++;
	d->new_total = total;
	d->new_state = d->new_loaded == total ? MU_UNIT_NEW_UNCOMMITTED : MU_UNIT_NEW_PARTIAL;
	out->res.part_index = d->new_loaded;
	out->res.parts_total = total;
	out->res.has_vp = true;
	memcpy(out->res.vp, vp, MU_VP_LEN);
	return MU_OK;
}

int unitsim_mk_commit(unitsim_domain *d, const uint8_t vp[MU_VP_LEN], unitsim_admin_out *out)
{
	uint8_t have[MU_VP_LEN];
	if (d->new_state == MU_UNIT_NEW_EMPTY || d->new_state == MU_UNIT_NEW_PARTIAL)
		return MU_UNIT_ERR_NEW_INCOMPLETE;
	if (d->new_state == MU_UNIT_NEW_COMMITTED)
		return MU_UNIT_ERR_NEW_FULL;
	int rc = unitsim_vp(d->new_key, MU_UNIT_MK_LEN, have);
	if (rc != MU_OK)
		return rc;
	if (memcmp(have, vp, MU_VP_LEN) != 0)
		return MU_UNIT_ERR_VP_MISMATCH;
	d->new_state = MU_UNIT_NEW_COMMITTED;
	out->res.has_vp = true;
	memcpy(out->res.vp, have, MU_VP_LEN);
	return MU_OK;
}

int unitsim_mk_clear_new(unitsim_domain *d)
{
	d->new_state = MU_UNIT_NEW_EMPTY;
	d->new_total = 0;
	d->new_loaded = 0;
	mu_memzero(d->new_key, sizeof(d->new_key));
	memset(d->part_vps, 0, sizeof(d->part_vps));
	return MU_OK;
}

/* new -> current, new -> EMPTY */
static void promote_new(unitsim_domain *d)
{
	memcpy(d->cur_key, d->new_key, MU_UNIT_MK_LEN);
	d->cur_state = MU_UNIT_CUR_VALID;
	(void)unitsim_mk_clear_new(d);
}

int unitsim_mk_set_immediate(unitsim_domain *d)
{
	if (d->new_state != MU_UNIT_NEW_COMMITTED)
		return MU_UNIT_ERR_NEW_UNCOMMITTED;
	if (d->nkeys > 0)
		return MU_UNIT_ERR_KEYS_EXIST;
	promote_new(d);
	return MU_OK;
}

int unitsim_mk_rotate(unitsim_domain *d, unitsim_admin_out *out)
{
	uint8_t key[32];
	if (d->new_state != MU_UNIT_NEW_COMMITTED)
		return MU_UNIT_ERR_NEW_UNCOMMITTED;
	if (d->cur_state != MU_UNIT_CUR_VALID)
		return MU_UNIT_ERR_NO_CURRENT;
	/* re-encipher into a fresh array; the old one stays intact on failure */
	unitsim_key *fresh = NULL;
	if (d->nkeys > 0) {
		fresh = calloc(d->keys_cap, sizeof(*fresh));
		if (fresh == NULL)
			return MU_ERR_NOMEM;
	}
	int rc = MU_OK;
	for (size_t i = 0; i < d->nkeys && rc == MU_OK; i++) {
		fresh[i] = d->keys[i];
		rc = unitsim_key_open(d->cur_key, d->keys[i].handle, d->keys[i].wrapped, key);
		if (rc == MU_OK)
			rc = unitsim_key_seal(d->new_key, d->keys[i].handle, key, fresh[i].wrapped);
	}
	mu_memzero(key, sizeof(key));
	if (rc != MU_OK) {
		if (fresh != NULL) {
			mu_memzero(fresh, d->keys_cap * sizeof(*fresh));
			free(fresh);
		}
		/* a key that does not open under the current key is damage */
		return rc == MU_ERR_VERIFY ? MU_UNIT_ERR_INTERNAL : rc;
	}
	if (fresh != NULL) {
		mu_memzero(d->keys, d->keys_cap * sizeof(d->keys[0]));
		free(d->keys);
		d->keys = fresh;
	}
	promote_new(d);
	out->res.has_key_count = true;
	out->res.key_count = (uint32_t)d->nkeys;
	return MU_OK;
}

int unitsim_mk_clear_current(unitsim_domain *d)
{
	if (d->nkeys > 0)
		return MU_UNIT_ERR_KEYS_EXIST;
	d->cur_state = MU_UNIT_CUR_EMPTY;
	mu_memzero(d->cur_key, sizeof(d->cur_key));
	return MU_OK;
}

int unitsim_mk_recovery_generate(unitsim_domain *d, uint8_t parts, unitsim_admin_out *out)
{
	uint8_t fresh[MU_UNIT_PARTS_MAX][MU_UNIT_KEYPART_LEN];
	uint8_t key[MU_UNIT_MK_LEN] = {0};
	if (d->id.role != MU_UNIT_ROLE_RECOVERY)
		return MU_UNIT_ERR_ROLE;
	int rc = mu_unit_random(&fresh[0][0], sizeof(fresh));
	for (size_t p = 0; p < parts; p++)
		for (size_t i = 0; i < MU_UNIT_MK_LEN; i++)
			key[i] ^= fresh[p][i];
	if (rc == MU_OK)
		rc = unitsim_vp(key, sizeof(key), out->res.vp);
	mu_memzero(key, sizeof(key));
	if (rc != MU_OK) {
		mu_memzero(fresh, sizeof(fresh));
		return rc;
	}
	mu_memzero(d->recovery_part, sizeof(d->recovery_part));
	memcpy(d->recovery_part, fresh, (size_t)parts * MU_UNIT_KEYPART_LEN);
	mu_memzero(fresh, sizeof(fresh));
	d->recovery_parts = parts;
	out->res.parts_total = parts;
	out->res.has_vp = true;
	return MU_OK;
}

int unitsim_mk_recovery_export(unitsim_domain *d, const uint8_t *input, size_t len,
                               unitsim_admin_out *out)
{
	mu_admin_export_input in;
	mu_unit_identity target;
	mu_unit_importer imp;
	mu_keypart_envelope env;
	mu_tlv_writer w;
	EVP_PKEY *oa_pub = NULL;
	size_t n;
	if (d->id.role != MU_UNIT_ROLE_RECOVERY)
		return MU_UNIT_ERR_ROLE;
	if (d->recovery_parts == 0)
		return MU_UNIT_ERR_NO_RECOVERY_KEY;
	if (mu_admin_input_export_parse(input, len, &in) != MU_OK || in.part_index == 0 ||
	    in.part_index > d->recovery_parts)
		return MU_ERR_MALFORMED;
	if (d->root_der == NULL)
		return MU_UNIT_ERR_INTERNAL;
	int rc = mu_unit_oa_cert_verify(d->root_der, d->root_len, in.oa_cert, in.oa_cert_len,
	                                &target, &oa_pub);
	if (rc != MU_OK)
		return MU_UNIT_ERR_TRUST;
	rc = mu_importer_stmt_parse(in.stmt_tlv, in.stmt_len, &imp);
	if (rc == MU_OK)
		rc = mu_importer_stmt_verify(oa_pub, in.stmt_tlv, in.stmt_len, in.stmt_sig,
		                             in.stmt_sig_len);
	EVP_PKEY_free(oa_pub);
	if (rc != MU_OK || memcmp(imp.module_id, target.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    imp.domain != target.domain)
		return MU_UNIT_ERR_TRUST;
	rc = mu_keypart_seal(&imp, d->recovery_part[in.part_index - 1], &env);
	if (rc != MU_OK)
		return rc;
	mu_tlv_writer_init(&w, out->envelope, sizeof(out->envelope));
	mu_keypart_envelope_encode(&env, &w);
	rc = mu_tlv_writer_finish(&w, &n);
	if (rc != MU_OK)
		return rc;
	out->res.envelope.p = out->envelope;
	out->res.envelope.len = n;
	return MU_OK;
}
