/* SPDX-License-Identifier: Apache-2.0 */
/* Domain lifecycle, status and the checks every signed admin command goes
 * through (docs/protocol.md §14), plus the admin and threshold commands. */
#include "unitsim-domain-priv.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mu-keypart-envelope.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"

unitsim_domain *unitsim_domain_new(const unitsim_identity *id, const uint8_t token_hash[32])
{
	if (id == NULL || token_hash == NULL || id->name[0] == '\0' ||
	    id->role > MU_UNIT_ROLE_RECOVERY)
		return NULL;
	unitsim_domain *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->id = *id;
	memcpy(d->token_hash, token_hash, 32);
	d->next_handle = 1;
	return d;
}

void unitsim_admin_clear(unitsim_admin *a)
{
	free(a->cert);
	EVP_PKEY_free(a->pub);
	memset(a, 0, sizeof(*a));
}

void unitsim_importer_drop(unitsim_domain *d, size_t i)
{
	EVP_PKEY_free(d->importers[i].key);
	memmove(&d->importers[i], &d->importers[i + 1],
	        (d->nimporters - i - 1) * sizeof(d->importers[0]));
	d->nimporters--;
	memset(&d->importers[d->nimporters], 0, sizeof(d->importers[0]));
}

void unitsim_domain_free(unitsim_domain **pd)
{
	if (pd == NULL || *pd == NULL)
		return;
	unitsim_domain *d = *pd;
	for (size_t i = 0; i < d->nadmins; i++)
		unitsim_admin_clear(&d->admins[i]);
	while (d->nimporters > 0)
		unitsim_importer_drop(d, d->nimporters - 1);
	if (d->keys != NULL) {
		mu_memzero(d->keys, d->keys_cap * sizeof(d->keys[0]));
		free(d->keys);
	}
	EVP_PKEY_free(d->oa_key);
	free(d->root_der);
	mu_memzero(d, sizeof(*d));
	free(d);
	*pd = NULL;
}

unitsim_domain *unitsim_domain_clone(const unitsim_domain *s)
{
	unitsim_domain *d = malloc(sizeof(*d));
	if (d == NULL)
		return NULL;
	*d = *s;
	/* references first, so that a failure below can free d safely */
	for (size_t i = 0; i < d->nadmins; i++) {
		d->admins[i].cert = NULL;
		EVP_PKEY_up_ref(d->admins[i].pub);
	}
	for (size_t i = 0; i < d->nimporters; i++)
		EVP_PKEY_up_ref(d->importers[i].key);
	if (d->oa_key != NULL)
		EVP_PKEY_up_ref(d->oa_key);
	d->keys = NULL;
	d->keys_cap = 0;
	d->root_der = NULL;
	bool ok = true;
	for (size_t i = 0; i < d->nadmins; i++) {
		d->admins[i].cert = malloc(s->admins[i].cert_len);
		if (d->admins[i].cert == NULL)
			ok = false;
		else
			memcpy(d->admins[i].cert, s->admins[i].cert, s->admins[i].cert_len);
	}
	if (ok && s->root_der != NULL) {
		d->root_der = malloc(s->root_len);
		if (d->root_der == NULL)
			ok = false;
		else
			memcpy(d->root_der, s->root_der, s->root_len);
	}
	if (ok && s->nkeys > 0) {
		if (unitsim_keys_reserve(d, s->nkeys) != MU_OK)
			ok = false;
		else
			memcpy(d->keys, s->keys, s->nkeys * sizeof(s->keys[0]));
	}
	if (!ok) {
		unitsim_domain_free(&d);
		return NULL;
	}
	return d;
}

int unitsim_domain_set_oa_key(unitsim_domain *d, EVP_PKEY *oa_key)
{
	if (oa_key == NULL || EVP_PKEY_up_ref(oa_key) != 1)
		return MU_ERR_ARG;
	EVP_PKEY_free(d->oa_key);
	d->oa_key = oa_key;
	return MU_OK;
}

int unitsim_domain_set_root(unitsim_domain *d, const uint8_t *root_der, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		return MU_ERR_NOMEM;
	memcpy(copy, root_der, len);
	free(d->root_der);
	d->root_der = copy;
	d->root_len = len;
	return MU_OK;
}

void unitsim_domain_identity(const unitsim_domain *d, unitsim_identity *id)
{
	*id = d->id;
}

int unitsim_vp(const uint8_t *key, size_t len, uint8_t vp[MU_VP_LEN])
{
	return mu_vp_compute(key, len, vp);
}

void unitsim_domain_status(const unitsim_domain *d, mu_unit_status *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->module_id, d->id.module_id, MU_UNIT_MODULE_ID_LEN);
	st->domain = d->id.domain;
	st->role = d->id.role;
	st->imprint = d->sig_threshold == 0;
	st->sig_threshold = d->sig_threshold;
	st->rev_threshold = d->rev_threshold;
	st->counter = d->counter;
	st->nadmins = d->nadmins;
	for (size_t i = 0; i < d->nadmins; i++) {
		memcpy(st->admins[i].key_id, d->admins[i].info.key_id, MU_UNIT_KEY_ID_LEN);
		memcpy(st->admins[i].name, d->admins[i].info.name, sizeof(st->admins[i].name));
	}
	st->new_state = d->new_state;
	st->new_loaded = d->new_loaded;
	st->new_total = d->new_total;
	memcpy(st->part_vps, d->part_vps, sizeof(st->part_vps));
	st->new_has_vp = d->new_state >= MU_UNIT_NEW_UNCOMMITTED;
	if (st->new_has_vp)
		(void)unitsim_vp(d->new_key, MU_UNIT_MK_LEN, st->new_vp);
	st->cur_state = d->cur_state;
	if (d->cur_state == MU_UNIT_CUR_VALID)
		(void)unitsim_vp(d->cur_key, MU_UNIT_MK_LEN, st->cur_vp);
	if (d->recovery_parts > 0) {
		uint8_t k[MU_UNIT_MK_LEN] = {0};
		for (size_t p = 0; p < d->recovery_parts; p++)
			for (size_t i = 0; i < MU_UNIT_MK_LEN; i++)
				k[i] ^= d->recovery_part[p][i];
		st->has_recovery = true;
		st->recovery_parts = d->recovery_parts;
		(void)unitsim_vp(k, sizeof(k), st->recovery_vp);
		mu_memzero(k, sizeof(k));
	}
	st->key_count = (uint32_t)d->nkeys;
}

bool unitsim_domain_token_ok(const unitsim_domain *d, const uint8_t *token, size_t len)
{
	uint8_t h[32];
	if (token == NULL || len != MU_UNIT_TOKEN_LEN || mu_unit_sha256(token, len, h) != MU_OK)
		return false;
	return CRYPTO_memcmp(h, d->token_hash, sizeof(h)) == 0;
}

int unitsim_admin_set(unitsim_admin *a, const uint8_t *der, size_t len)
{
	unitsim_admin n;
	memset(&n, 0, sizeof(n));
	if (mu_admin_cert_check(der, len, &n.info, &n.pub) != MU_OK)
		return MU_UNIT_ERR_BAD_CERT;
	n.cert = malloc(len);
	if (n.cert == NULL) {
		EVP_PKEY_free(n.pub);
		return MU_ERR_NOMEM;
	}
	memcpy(n.cert, der, len);
	n.cert_len = len;
	*a = n;
	return MU_OK;
}

static int find_admin(const unitsim_domain *d, const uint8_t key_id[MU_UNIT_KEY_ID_LEN])
{
	for (size_t i = 0; i < d->nadmins; i++)
		if (memcmp(d->admins[i].info.key_id, key_id, MU_UNIT_KEY_ID_LEN) == 0)
			return (int)i;
	return -1;
}

/* Step 6 and the count of step 7: every signature by an admin and valid. */
static int check_signatures(const unitsim_domain *d, const mu_admin_cmd *cmd, size_t *valid)
{
	if (cmd->nsigs > MU_UNIT_ADMINS_MAX)
		return MU_ERR_MALFORMED;
	/* one admin counts once: two signatures with one key id are malformed */
	for (size_t i = 0; i < cmd->nsigs; i++)
		for (size_t k = 0; k < i; k++)
			if (memcmp(cmd->sigs[i].key_id, cmd->sigs[k].key_id, MU_UNIT_KEY_ID_LEN) ==
			    0)
				return MU_ERR_MALFORMED;
	for (size_t i = 0; i < cmd->nsigs; i++) {
		int a = find_admin(d, cmd->sigs[i].key_id);
		if (a < 0)
			return MU_UNIT_ERR_NOT_ADMIN;
		int rc = mu_admin_verify(d->admins[a].pub, cmd->block, cmd->block_len,
		                         cmd->sigs[i].sig, cmd->sigs[i].sig_len);
		if (rc == MU_ERR_VERIFY)
			return MU_UNIT_ERR_BAD_SIGNATURE;
		if (rc != MU_OK)
			return rc;
	}
	*valid = cmd->nsigs;
	return MU_OK;
}

static int cmd_add_admin(unitsim_domain *d, const uint8_t *der, size_t len)
{
	unitsim_admin a;
	if (d->nadmins == MU_UNIT_ADMINS_MAX)
		return MU_UNIT_ERR_ADMINS_FULL;
	int rc = unitsim_admin_set(&a, der, len);
	if (rc != MU_OK)
		return rc;
	if (find_admin(d, a.info.key_id) >= 0) {
		unitsim_admin_clear(&a);
		return MU_UNIT_ERR_ADMIN_EXISTS;
	}
	d->admins[d->nadmins++] = a;
	return MU_OK;
}

static int cmd_remove_admin(unitsim_domain *d, const uint8_t key_id[MU_UNIT_KEY_ID_LEN])
{
	int a = find_admin(d, key_id);
	if (a < 0)
		return MU_UNIT_ERR_ADMIN_UNKNOWN;
	if (d->nadmins - 1 < d->sig_threshold || d->nadmins - 1 < d->rev_threshold)
		return MU_UNIT_ERR_ADMIN_MIN;
	unitsim_admin_clear(&d->admins[a]);
	memmove(&d->admins[a], &d->admins[a + 1],
	        (d->nadmins - (size_t)a - 1) * sizeof(d->admins[0]));
	d->nadmins--;
	memset(&d->admins[d->nadmins], 0, sizeof(d->admins[0]));
	return MU_OK;
}

static int cmd_set_thresholds(unitsim_domain *d, uint8_t sig, uint8_t rev)
{
	if (sig < 1 || sig > MU_UNIT_THRESHOLD_MAX || rev < 1 || rev > MU_UNIT_THRESHOLD_MAX ||
	    sig > d->nadmins || rev > d->nadmins)
		return MU_UNIT_ERR_THRESHOLD;
	d->sig_threshold = sig;
	d->rev_threshold = rev;
	return MU_OK;
}

static void cmd_zeroize(unitsim_domain *d)
{
	for (size_t i = 0; i < d->nadmins; i++)
		unitsim_admin_clear(&d->admins[i]);
	d->nadmins = 0;
	d->sig_threshold = 0;
	d->rev_threshold = 0;
	(void)unitsim_mk_clear_new(d);
	d->cur_state = MU_UNIT_CUR_EMPTY;
	mu_memzero(d->cur_key, sizeof(d->cur_key));
	mu_memzero(d->recovery_part, sizeof(d->recovery_part));
	d->recovery_parts = 0;
	while (d->nimporters > 0)
		unitsim_importer_drop(d, d->nimporters - 1);
	if (d->keys != NULL)
		mu_memzero(d->keys, d->keys_cap * sizeof(d->keys[0]));
	d->nkeys = 0;
}

/* Step 4: the input's format per command; returns the new signature
 * threshold of SET THRESHOLDS in *new_sig. */
static int check_input(const mu_admin_block *b, uint8_t *new_sig)
{
	size_t n = b->input_len;
	*new_sig = 0;
	switch (b->cmd) {
	case MU_UNIT_CMD_ADD_ADMIN:
		return n >= 1 && n <= MU_UNIT_CERT_MAX ? MU_OK : MU_ERR_MALFORMED;
	case MU_UNIT_CMD_REMOVE_ADMIN:
		return n == MU_UNIT_KEY_ID_LEN ? MU_OK : MU_ERR_MALFORMED;
	case MU_UNIT_CMD_SET_THRESHOLDS:
		if (n != 2)
			return MU_ERR_MALFORMED;
		*new_sig = b->input[0];
		return MU_OK;
	case MU_UNIT_CMD_COMMIT:
		return n == MU_VP_LEN ? MU_OK : MU_ERR_MALFORMED;
	case MU_UNIT_CMD_RECOVERY_GENERATE:
		return n == 1 && b->input[0] >= MU_UNIT_PARTS_MIN &&
		               b->input[0] <= MU_UNIT_PARTS_MAX
		           ? MU_OK
		           : MU_ERR_MALFORMED;
	case MU_UNIT_CMD_LOAD_PART: {
		uint8_t total;
		const uint8_t *env;
		size_t env_len;
		mu_keypart_envelope e;
		if (mu_admin_input_load_part_parse(b->input, n, &total, &env, &env_len) != MU_OK ||
		    total < MU_UNIT_PARTS_MIN || total > MU_UNIT_PARTS_MAX ||
		    mu_keypart_envelope_parse(env, env_len, &e) != MU_OK)
			return MU_ERR_MALFORMED;
		return MU_OK;
	}
	case MU_UNIT_CMD_RECOVERY_EXPORT: {
		mu_admin_export_input in;
		return mu_admin_input_export_parse(b->input, n, &in);
	}
	default: /* the commands without input */
		return n == 0 ? MU_OK : MU_ERR_MALFORMED;
	}
}

/* Step 8 and 9: the command's own rules, then its effect. */
static int run_cmd(unitsim_domain *d, const mu_admin_block *b, unitsim_admin_out *out)
{
	switch (b->cmd) {
	case MU_UNIT_CMD_ADD_ADMIN:
		return cmd_add_admin(d, b->input, b->input_len);
	case MU_UNIT_CMD_REMOVE_ADMIN:
		return cmd_remove_admin(d, b->input);
	case MU_UNIT_CMD_SET_THRESHOLDS:
		return cmd_set_thresholds(d, b->input[0], b->input[1]);
	case MU_UNIT_CMD_GEN_IMPORTER:
		return unitsim_mk_gen_importer(d, out);
	case MU_UNIT_CMD_LOAD_PART:
		return unitsim_mk_load_part(d, b->input, b->input_len, out);
	case MU_UNIT_CMD_COMMIT:
		return unitsim_mk_commit(d, b->input, out);
	case MU_UNIT_CMD_SET_IMMEDIATE:
		return unitsim_mk_set_immediate(d);
	case MU_UNIT_CMD_ROTATE:
		return unitsim_mk_rotate(d, out);
	case MU_UNIT_CMD_CLEAR_NEW:
		return unitsim_mk_clear_new(d);
	case MU_UNIT_CMD_CLEAR_CURRENT:
		return unitsim_mk_clear_current(d);
	case MU_UNIT_CMD_ZEROIZE:
		cmd_zeroize(d);
		return MU_OK;
	case MU_UNIT_CMD_RECOVERY_GENERATE:
		return unitsim_mk_recovery_generate(d, b->input[0], out);
	case MU_UNIT_CMD_RECOVERY_EXPORT:
		return unitsim_mk_recovery_export(d, b->input, b->input_len, out);
	default:
		return MU_UNIT_ERR_UNKNOWN_OP;
	}
}

int unitsim_domain_admin(unitsim_domain *d, const mu_admin_cmd *cmd, unitsim_admin_out *out)
{
	mu_admin_block b;
	uint8_t new_sig;
	size_t valid = 0;
	if (d == NULL || cmd == NULL || out == NULL)
		return MU_ERR_ARG;
	memset(out, 0, sizeof(*out));
	int rc = mu_admin_block_parse(cmd->block, cmd->block_len, &b);
	if (rc != MU_OK)
		return rc;
	if (mu_unit_cmd_name(b.cmd) == NULL)
		return MU_UNIT_ERR_UNKNOWN_OP;
	if (memcmp(b.module_id, d->id.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    b.domain != d->id.domain)
		return MU_UNIT_ERR_WRONG_UNIT;
	if (b.counter != d->counter)
		return MU_UNIT_ERR_COUNTER;
	rc = check_input(&b, &new_sig);
	if (rc != MU_OK)
		return rc;
	if (d->sig_threshold == 0 && mu_unit_cmd_is_mk_op(b.cmd))
		return MU_UNIT_ERR_IMPRINT;
	rc = check_signatures(d, cmd, &valid);
	if (rc != MU_OK)
		return rc;
	int need = mu_unit_cmd_required_sigs(b.cmd, d->sig_threshold, d->rev_threshold, new_sig);
	if (need < 0)
		return MU_UNIT_ERR_UNKNOWN_OP;
	if (valid < (size_t)need)
		return MU_UNIT_ERR_QUORUM;
	/* every command below validates before it changes anything */
	rc = run_cmd(d, &b, out);
	if (rc != MU_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	d->counter++;
	out->res.counter = d->counter;
	return MU_OK;
}
