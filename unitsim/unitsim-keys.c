/* SPDX-License-Identifier: Apache-2.0 */
/* Key storage of a domain: random AES-256 keys stored wrapped under the
 * current master key, and the service API over them (docs/protocol.md §17). */
#include "unitsim-domain-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"

#define STORAGE_CTX_LEN (sizeof(UNITSIM_STORAGE_CONTEXT) - 1)
#define WRAP_CTX_LEN    (sizeof(UNITSIM_WRAP_CONTEXT) - 1)

int unitsim_keys_reserve(unitsim_domain *d, size_t n)
{
	if (n <= d->keys_cap)
		return MU_OK;
	if (n > MU_UNIT_KEYS_MAX)
		return MU_UNIT_ERR_STORAGE_FULL;
	size_t cap = d->keys_cap > 0 ? d->keys_cap : 64;
	while (cap < n)
		cap *= 2;
	if (cap > MU_UNIT_KEYS_MAX)
		cap = MU_UNIT_KEYS_MAX;
	/* a fresh block so that the old one can be wiped */
	unitsim_key *k = calloc(cap, sizeof(*k));
	if (k == NULL)
		return MU_ERR_NOMEM;
	if (d->keys != NULL) {
		memcpy(k, d->keys, d->nkeys * sizeof(*k));
		mu_memzero(d->keys, d->keys_cap * sizeof(*k));
		free(d->keys);
	}
	d->keys = k;
	d->keys_cap = cap;
	return MU_OK;
}

static void aad_for(const char *ctx, size_t ctx_len, uint32_t handle, uint8_t *aad)
{
	memcpy(aad, ctx, ctx_len);
	mu_unit_put_be32(aad + ctx_len, handle);
}

int unitsim_key_seal(const uint8_t mk[MU_UNIT_MK_LEN], uint32_t handle, const uint8_t key[32],
                     uint8_t wrapped[UNITSIM_WRAPPED_LEN])
{
	uint8_t aad[STORAGE_CTX_LEN + 4];
	aad_for(UNITSIM_STORAGE_CONTEXT, STORAGE_CTX_LEN, handle, aad);
	int rc = mu_unit_random(wrapped, MU_UNIT_GCM_NONCE_LEN);
	if (rc != MU_OK)
		return rc;
	return mu_unit_gcm_seal(mk, wrapped, aad, sizeof(aad), key, 32,
	                        wrapped + MU_UNIT_GCM_NONCE_LEN);
}

int unitsim_key_open(const uint8_t mk[MU_UNIT_MK_LEN], uint32_t handle,
                     const uint8_t wrapped[UNITSIM_WRAPPED_LEN], uint8_t key[32])
{
	uint8_t aad[STORAGE_CTX_LEN + 4];
	aad_for(UNITSIM_STORAGE_CONTEXT, STORAGE_CTX_LEN, handle, aad);
	return mu_unit_gcm_open(mk, wrapped, aad, sizeof(aad), wrapped + MU_UNIT_GCM_NONCE_LEN,
	                        32 + MU_UNIT_GCM_TAG_LEN, key);
}

static int find_key(const unitsim_domain *d, uint32_t handle)
{
	size_t lo = 0, hi = d->nkeys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->keys[mid].handle == handle)
			return (int)mid;
		if (d->keys[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int unitsim_domain_key_create(unitsim_domain *d, const uint8_t *label, size_t label_len,
                              mu_unit_key_entry *out)
{
	uint8_t key[32];
	unitsim_key k;
	if (d->cur_state != MU_UNIT_CUR_VALID)
		return MU_UNIT_ERR_NO_CURRENT;
	if (label_len > MU_UNIT_LABEL_MAX || (label_len > 0 && !mu_unit_utf8_ok(label, label_len)))
		return MU_ERR_MALFORMED;
	if (d->nkeys >= MU_UNIT_KEYS_MAX || d->next_handle == UINT32_MAX)
		return MU_UNIT_ERR_STORAGE_FULL;
	int rc = unitsim_keys_reserve(d, d->nkeys + 1);
	if (rc != MU_OK)
		return rc;
	memset(&k, 0, sizeof(k));
	k.handle = d->next_handle;
	if (label_len > 0)
		memcpy(k.label, label, label_len);
	rc = mu_unit_random(key, sizeof(key));
	if (rc == MU_OK)
		rc = unitsim_vp(key, sizeof(key), k.vp);
	if (rc == MU_OK)
		rc = unitsim_key_seal(d->cur_key, k.handle, key, k.wrapped);
	mu_memzero(key, sizeof(key));
	if (rc != MU_OK)
		return rc;
	/* handles only grow, so appending keeps the array sorted */
	d->keys[d->nkeys++] = k;
	d->next_handle++;
	out->handle = k.handle;
	memcpy(out->label, k.label, sizeof(out->label));
	memcpy(out->vp, k.vp, MU_VP_LEN);
	return MU_OK;
}

int unitsim_domain_service_ready(const unitsim_domain *d)
{
	return d->cur_state == MU_UNIT_CUR_VALID ? MU_OK : MU_UNIT_ERR_NO_CURRENT;
}

size_t unitsim_domain_key_count(const unitsim_domain *d)
{
	return d->nkeys;
}

/* The VP is computed from the key as it unwraps under the current master
 * key now, not taken from storage: a listing after a rotate proves that
 * every key still opens to the same value. */
int unitsim_domain_key_at(const unitsim_domain *d, size_t index, mu_unit_key_entry *out)
{
	uint8_t key[32];
	if (index >= d->nkeys)
		return MU_ERR_ARG;
	if (d->cur_state != MU_UNIT_CUR_VALID)
		return MU_UNIT_ERR_NO_CURRENT;
	const unitsim_key *k = &d->keys[index];
	int rc = unitsim_key_open(d->cur_key, k->handle, k->wrapped, key);
	if (rc == MU_OK)
		rc = unitsim_vp(key, sizeof(key), out->vp);
	mu_memzero(key, sizeof(key));
	if (rc != MU_OK)
		return rc == MU_ERR_VERIFY ? MU_UNIT_ERR_INTERNAL : rc;
	out->handle = k->handle;
	memcpy(out->label, k->label, sizeof(out->label));
	return MU_OK;
}

/* Unwraps the storage key of handle into key. */
static int storage_key(const unitsim_domain *d, uint32_t handle, uint8_t key[32])
{
	if (d->cur_state != MU_UNIT_CUR_VALID)
		return MU_UNIT_ERR_NO_CURRENT;
	int i = find_key(d, handle);
	if (i < 0)
		return MU_UNIT_ERR_KEY_UNKNOWN;
	int rc = unitsim_key_open(d->cur_key, handle, d->keys[i].wrapped, key);
	return rc == MU_ERR_VERIFY ? MU_UNIT_ERR_INTERNAL : rc;
}

int unitsim_domain_key_wrap(const unitsim_domain *d, uint32_t handle, const uint8_t *data,
                            size_t len, uint8_t *blob, size_t cap, size_t *blob_len)
{
	uint8_t key[32];
	uint8_t aad[WRAP_CTX_LEN + 4];
	if (len > MU_UNIT_DATA_MAX || cap < len + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN)
		return MU_ERR_ARG;
	int rc = storage_key(d, handle, key);
	if (rc != MU_OK)
		return rc;
	aad_for(UNITSIM_WRAP_CONTEXT, WRAP_CTX_LEN, handle, aad);
	rc = mu_unit_random(blob, MU_UNIT_GCM_NONCE_LEN);
	if (rc == MU_OK)
		rc = mu_unit_gcm_seal(key, blob, aad, sizeof(aad), data, len,
		                      blob + MU_UNIT_GCM_NONCE_LEN);
	mu_memzero(key, sizeof(key));
	if (rc != MU_OK)
		return rc;
	*blob_len = len + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN;
	return MU_OK;
}

int unitsim_domain_key_unwrap(const unitsim_domain *d, uint32_t handle, const uint8_t *blob,
                              size_t blob_len, uint8_t *data, size_t cap, size_t *len)
{
	uint8_t key[32];
	uint8_t aad[WRAP_CTX_LEN + 4];
	if (blob_len < MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN ||
	    cap < blob_len - MU_UNIT_GCM_NONCE_LEN - MU_UNIT_GCM_TAG_LEN)
		return MU_ERR_ARG;
	int rc = storage_key(d, handle, key);
	if (rc != MU_OK)
		return rc;
	aad_for(UNITSIM_WRAP_CONTEXT, WRAP_CTX_LEN, handle, aad);
	rc = mu_unit_gcm_open(key, blob, aad, sizeof(aad), blob + MU_UNIT_GCM_NONCE_LEN,
	                      blob_len - MU_UNIT_GCM_NONCE_LEN, data);
	mu_memzero(key, sizeof(key));
	if (rc == MU_ERR_VERIFY)
		return MU_UNIT_ERR_UNWRAP;
	if (rc != MU_OK)
		return rc;
	*len = blob_len - MU_UNIT_GCM_NONCE_LEN - MU_UNIT_GCM_TAG_LEN;
	return MU_OK;
}

int unitsim_domain_key_delete(unitsim_domain *d, uint32_t handle)
{
	if (d->cur_state != MU_UNIT_CUR_VALID)
		return MU_UNIT_ERR_NO_CURRENT;
	int i = find_key(d, handle);
	if (i < 0)
		return MU_UNIT_ERR_KEY_UNKNOWN;
	memmove(&d->keys[i], &d->keys[i + 1], (d->nkeys - (size_t)i - 1) * sizeof(d->keys[0]));
	d->nkeys--;
	mu_memzero(&d->keys[d->nkeys], sizeof(d->keys[0]));
	return MU_OK;
}
