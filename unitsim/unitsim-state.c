/* SPDX-License-Identifier: Apache-2.0 */
#include "unitsim-state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"
#include "unitsim-domain-priv.h"

/* Tags only the state file uses (docs/protocol.md §19). */
enum {
	TAG_TOKEN_HASH = 0xD0,
	TAG_NEW_KEY = 0xD1,
	TAG_CUR_KEY = 0xD2,
	TAG_RECOVERY_PART = 0xD3,
	TAG_SCALAR = 0xD4,
	TAG_NEXT_HANDLE = 0xD5,
	TAG_WRAPPED = 0xD6,
	TAG_IMPORTER_KEY = 0xAB,
};

#define HEADER_LEN  (UNITSIM_STATE_MAGIC_LEN + 8u)
#define TRAILER_LEN 32u

static void put_be(mu_tlv_writer *w, uint32_t tag, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	mu_tlv_put(w, tag, b, n);
}

static size_t bound(const unitsim_domain *d)
{
	size_t n = HEADER_LEN + TRAILER_LEN + 1024;
	for (size_t i = 0; i < d->nadmins; i++)
		n += d->admins[i].cert_len + 128;
	n += MU_UNIT_IMPORTERS_MAX * 128 + 512;
	n += d->nkeys * (sizeof(unitsim_key) + 16);
	return n;
}

static int encode_payload(const unitsim_domain *d, mu_tlv_writer *w)
{
	mu_tlv_put_str(w, MU_UNIT_TAG_NAME, d->id.name);
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, d->id.module_id, MU_UNIT_MODULE_ID_LEN);
	put_be(w, MU_UNIT_TAG_DOMAIN, d->id.domain, 2);
	mu_tlv_put_u8(w, MU_UNIT_TAG_ROLE, d->id.role);
	put_be(w, MU_UNIT_TAG_COUNTER, d->counter, 8);
	mu_tlv_put_u8(w, MU_UNIT_TAG_SIG_THRESHOLD, d->sig_threshold);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REV_THRESHOLD, d->rev_threshold);
	mu_tlv_put(w, TAG_TOKEN_HASH, d->token_hash, 32);
	for (size_t i = 0; i < d->nadmins; i++) {
		size_t m = mu_tlv_begin(w, MU_UNIT_TAG_ADMIN);
		mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, d->admins[i].info.key_id, MU_UNIT_KEY_ID_LEN);
		mu_tlv_put_str(w, MU_UNIT_TAG_NAME, d->admins[i].info.name);
		mu_tlv_put(w, MU_UNIT_TAG_ADMIN_CERT, d->admins[i].cert, d->admins[i].cert_len);
		mu_tlv_end(w, m);
	}
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_NEW_REG);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REG_STATE, d->new_state);
	mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_TOTAL, d->new_total);
	mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_LOADED, d->new_loaded);
	mu_tlv_put(w, TAG_NEW_KEY, d->new_key, MU_UNIT_MK_LEN);
	size_t p = mu_tlv_begin(w, MU_UNIT_TAG_PART_VPS);
	for (size_t i = 0; i < d->new_loaded; i++)
		mu_tlv_put(w, MU_UNIT_TAG_VP, d->part_vps[i], MU_VP_LEN);
	mu_tlv_end(w, p);
	mu_tlv_end(w, m);
	m = mu_tlv_begin(w, MU_UNIT_TAG_CUR_REG);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REG_STATE, d->cur_state);
	if (d->cur_state == MU_UNIT_CUR_VALID)
		mu_tlv_put(w, TAG_CUR_KEY, d->cur_key, MU_UNIT_MK_LEN);
	mu_tlv_end(w, m);
	if (d->recovery_parts > 0) {
		m = mu_tlv_begin(w, MU_UNIT_TAG_RECOVERY_REG);
		mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_TOTAL, d->recovery_parts);
		for (size_t i = 0; i < d->recovery_parts; i++)
			mu_tlv_put(w, TAG_RECOVERY_PART, d->recovery_part[i], MU_UNIT_KEYPART_LEN);
		mu_tlv_end(w, m);
	}
	for (size_t i = 0; i < d->nimporters; i++) {
		uint8_t scalar[MU_UNIT_SCALAR_LEN];
		int rc = mu_unit_p521_scalar(d->importers[i].key, scalar);
		if (rc != MU_OK)
			return rc;
		m = mu_tlv_begin(w, TAG_IMPORTER_KEY);
		mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, d->importers[i].key_id, MU_UNIT_KEY_ID_LEN);
		mu_tlv_put(w, TAG_SCALAR, scalar, sizeof(scalar));
		mu_tlv_end(w, m);
		mu_memzero(scalar, sizeof(scalar));
	}
	put_be(w, TAG_NEXT_HANDLE, d->next_handle, 4);
	for (size_t i = 0; i < d->nkeys; i++) {
		const unitsim_key *k = &d->keys[i];
		m = mu_tlv_begin(w, MU_UNIT_TAG_KEY_ENTRY);
		put_be(w, MU_UNIT_TAG_HANDLE, k->handle, 4);
		mu_tlv_put_str(w, MU_UNIT_TAG_LABEL, k->label);
		mu_tlv_put(w, MU_UNIT_TAG_VP, k->vp, MU_VP_LEN);
		mu_tlv_put(w, TAG_WRAPPED, k->wrapped, UNITSIM_WRAPPED_LEN);
		mu_tlv_end(w, m);
	}
	return MU_OK;
}

int unitsim_state_encode(const unitsim_domain *d, uint8_t **out, size_t *len)
{
	size_t cap = bound(d);
	uint8_t *buf = malloc(cap);
	mu_tlv_writer w;
	size_t payload;
	if (buf == NULL)
		return MU_ERR_NOMEM;
	mu_tlv_writer_init(&w, buf + HEADER_LEN, cap - HEADER_LEN - TRAILER_LEN);
	int rc = encode_payload(d, &w);
	if (rc == MU_OK)
		rc = mu_tlv_writer_finish(&w, &payload);
	if (rc == MU_OK && payload > UINT32_MAX)
		rc = MU_ERR_TOO_LONG;
	if (rc == MU_OK) {
		memcpy(buf, UNITSIM_STATE_MAGIC, UNITSIM_STATE_MAGIC_LEN);
		mu_unit_put_be32(buf + UNITSIM_STATE_MAGIC_LEN, UNITSIM_STATE_VERSION);
		mu_unit_put_be32(buf + UNITSIM_STATE_MAGIC_LEN + 4, (uint32_t)payload);
		rc = mu_unit_sha256(buf, HEADER_LEN + payload, buf + HEADER_LEN + payload);
	}
	if (rc != MU_OK) {
		mu_memzero(buf, cap);
		free(buf);
		return rc;
	}
	*out = buf;
	*len = HEADER_LEN + payload + TRAILER_LEN;
	return MU_OK;
}

/* ---- decoding ---- */

typedef struct dec {
	unitsim_domain *d;
	char *err;
	size_t errlen;
} dec;

__attribute__((format(printf, 2, 3))) static int fail(dec *x, const char *fmt, ...)
{
	if (x->err != NULL && x->errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	return MU_ERR_MALFORMED;
}

static int dec_identity(dec *x, mu_unit_fields *f, unitsim_identity *id, uint64_t *counter,
                        uint8_t *sig, uint8_t *rev, uint8_t token_hash[32])
{
	memset(id, 0, sizeof(*id));
	if (mu_unit_fields_text(f, MU_UNIT_TAG_NAME, 1, MU_UNIT_NAME_MAX, id->name) != MU_OK)
		return fail(x, "unit name missing or invalid");
	if (mu_unit_fields_copy(f, MU_UNIT_TAG_MODULE_ID, id->module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(f, MU_UNIT_TAG_DOMAIN, &id->domain) != MU_OK)
		return fail(x, "module id or domain missing");
	if (mu_unit_fields_u8(f, MU_UNIT_TAG_ROLE, &id->role) != MU_OK ||
	    id->role > MU_UNIT_ROLE_RECOVERY)
		return fail(x, "role missing or unknown");
	if (mu_unit_fields_u64(f, MU_UNIT_TAG_COUNTER, counter) != MU_OK)
		return fail(x, "transaction counter missing");
	if (mu_unit_fields_u8(f, MU_UNIT_TAG_SIG_THRESHOLD, sig) != MU_OK ||
	    mu_unit_fields_u8(f, MU_UNIT_TAG_REV_THRESHOLD, rev) != MU_OK)
		return fail(x, "thresholds missing");
	if (mu_unit_fields_copy(f, TAG_TOKEN_HASH, token_hash, 32) != MU_OK)
		return fail(x, "service token hash missing");
	return MU_OK;
}

static int dec_admins(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_tlv t;
	int rc;
	while ((rc = mu_unit_fields_opt(f, MU_UNIT_TAG_ADMIN, 1, MU_TLV_MAX_LEN, &t)) == 1) {
		mu_unit_fields a;
		mu_tlv kid, cert;
		char name[MU_UNIT_NAME_MAX + 1];
		if (d->nadmins == MU_UNIT_ADMINS_MAX)
			return fail(x, "more than %u admins", MU_UNIT_ADMINS_MAX);
		mu_unit_fields_init(&a, t.value, t.len);
		if (mu_unit_fields_take(&a, MU_UNIT_TAG_KEY_ID, 32, 32, &kid) != MU_OK ||
		    mu_unit_fields_text(&a, MU_UNIT_TAG_NAME, 1, MU_UNIT_NAME_MAX, name) != MU_OK ||
		    mu_unit_fields_take(&a, MU_UNIT_TAG_ADMIN_CERT, 1, MU_UNIT_CERT_MAX, &cert) !=
		        MU_OK ||
		    mu_unit_fields_end(&a) != MU_OK)
			return fail(x, "admin %zu is malformed", d->nadmins + 1);
		unitsim_admin *ad = &d->admins[d->nadmins];
		rc = unitsim_admin_set(ad, cert.value, cert.len);
		if (rc == MU_ERR_NOMEM)
			return rc;
		if (rc != MU_OK)
			return fail(x, "admin %zu has an invalid certificate", d->nadmins + 1);
		d->nadmins++;
		if (memcmp(ad->info.key_id, kid.value, 32) != 0 || strcmp(ad->info.name, name) != 0)
			return fail(x, "admin %zu does not match its certificate", d->nadmins);
		for (size_t i = 0; i + 1 < d->nadmins; i++)
			if (memcmp(d->admins[i].info.key_id, ad->info.key_id, 32) == 0)
				return fail(x, "admin %zu is installed twice", d->nadmins);
	}
	return rc < 0 ? fail(x, "admin list is malformed") : MU_OK;
}

static int dec_new_reg(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_unit_fields r, v;
	mu_tlv t, vps;
	if (mu_unit_fields_take(f, MU_UNIT_TAG_NEW_REG, 1, 1024, &t) != MU_OK)
		return fail(x, "new master key register missing");
	mu_unit_fields_init(&r, t.value, t.len);
	if (mu_unit_fields_u8(&r, MU_UNIT_TAG_REG_STATE, &d->new_state) != MU_OK ||
	    mu_unit_fields_u8(&r, MU_UNIT_TAG_PARTS_TOTAL, &d->new_total) != MU_OK ||
	    mu_unit_fields_u8(&r, MU_UNIT_TAG_PARTS_LOADED, &d->new_loaded) != MU_OK ||
	    mu_unit_fields_copy(&r, TAG_NEW_KEY, d->new_key, MU_UNIT_MK_LEN) != MU_OK ||
	    mu_unit_fields_take(&r, MU_UNIT_TAG_PART_VPS, 0, 255, &vps) != MU_OK ||
	    mu_unit_fields_end(&r) != MU_OK)
		return fail(x, "new master key register is malformed");
	bool ok;
	switch (d->new_state) {
	case MU_UNIT_NEW_EMPTY:
		ok = d->new_total == 0 && d->new_loaded == 0;
		break;
	case MU_UNIT_NEW_PARTIAL:
		ok = d->new_total >= MU_UNIT_PARTS_MIN && d->new_total <= MU_UNIT_PARTS_MAX &&
		     d->new_loaded >= 1 && d->new_loaded < d->new_total;
		break;
	case MU_UNIT_NEW_UNCOMMITTED:
	case MU_UNIT_NEW_COMMITTED:
		ok = d->new_total >= MU_UNIT_PARTS_MIN && d->new_total <= MU_UNIT_PARTS_MAX &&
		     d->new_loaded == d->new_total;
		break;
	default:
		ok = false;
	}
	if (!ok)
		return fail(x,
		            "new master key register state %u with %u of %u parts is inconsistent",
		            d->new_state, d->new_loaded, d->new_total);
	if (d->new_state == MU_UNIT_NEW_EMPTY) {
		static const uint8_t zero[MU_UNIT_MK_LEN];
		if (CRYPTO_memcmp(d->new_key, zero, sizeof(zero)) != 0)
			return fail(x, "empty new master key register holds a key");
	}
	mu_unit_fields_init(&v, vps.value, vps.len);
	for (size_t i = 0; i < d->new_loaded; i++)
		if (mu_unit_fields_copy(&v, MU_UNIT_TAG_VP, d->part_vps[i], MU_VP_LEN) != MU_OK)
			return fail(x, "part VP %zu of the new register missing", i + 1);
	if (mu_unit_fields_end(&v) != MU_OK)
		return fail(x, "new register lists more part VPs than parts");
	return MU_OK;
}

static int dec_cur_reg(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_unit_fields r;
	mu_tlv t;
	if (mu_unit_fields_take(f, MU_UNIT_TAG_CUR_REG, 1, 255, &t) != MU_OK)
		return fail(x, "current master key register missing");
	mu_unit_fields_init(&r, t.value, t.len);
	if (mu_unit_fields_u8(&r, MU_UNIT_TAG_REG_STATE, &d->cur_state) != MU_OK ||
	    d->cur_state > MU_UNIT_CUR_VALID ||
	    (d->cur_state == MU_UNIT_CUR_VALID &&
	     mu_unit_fields_copy(&r, TAG_CUR_KEY, d->cur_key, MU_UNIT_MK_LEN) != MU_OK) ||
	    mu_unit_fields_end(&r) != MU_OK)
		return fail(x, "current master key register is malformed");
	return MU_OK;
}

static int dec_recovery(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_unit_fields r;
	mu_tlv t;
	int rc = mu_unit_fields_opt(f, MU_UNIT_TAG_RECOVERY_REG, 1, 255, &t);
	if (rc <= 0)
		return rc < 0 ? fail(x, "recovery register is malformed") : MU_OK;
	if (d->id.role != MU_UNIT_ROLE_RECOVERY)
		return fail(x, "an operational unit holds a recovery key");
	mu_unit_fields_init(&r, t.value, t.len);
	if (mu_unit_fields_u8(&r, MU_UNIT_TAG_PARTS_TOTAL, &d->recovery_parts) != MU_OK ||
	    d->recovery_parts < MU_UNIT_PARTS_MIN || d->recovery_parts > MU_UNIT_PARTS_MAX)
		return fail(x, "recovery register part count is invalid");
	for (size_t i = 0; i < d->recovery_parts; i++)
		if (mu_unit_fields_copy(&r, TAG_RECOVERY_PART, d->recovery_part[i],
		                        MU_UNIT_KEYPART_LEN) != MU_OK)
			return fail(x, "recovery part %zu missing", i + 1);
	if (mu_unit_fields_end(&r) != MU_OK)
		return fail(x, "recovery register is malformed");
	return MU_OK;
}

static int dec_importers(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_tlv t;
	int rc;
	while ((rc = mu_unit_fields_opt(f, TAG_IMPORTER_KEY, 1, 255, &t)) == 1) {
		mu_unit_fields r;
		mu_tlv kid, scalar;
		uint8_t point[MU_UNIT_POINT_LEN], id[MU_UNIT_KEY_ID_LEN];
		if (d->nimporters == MU_UNIT_IMPORTERS_MAX)
			return fail(x, "more than %u importer keys", MU_UNIT_IMPORTERS_MAX);
		mu_unit_fields_init(&r, t.value, t.len);
		if (mu_unit_fields_take(&r, MU_UNIT_TAG_KEY_ID, 32, 32, &kid) != MU_OK ||
		    mu_unit_fields_take(&r, TAG_SCALAR, MU_UNIT_SCALAR_LEN, MU_UNIT_SCALAR_LEN,
		                        &scalar) != MU_OK ||
		    mu_unit_fields_end(&r) != MU_OK)
			return fail(x, "importer key %zu is malformed", d->nimporters + 1);
		EVP_PKEY *k = mu_unit_p521_from_scalar(scalar.value);
		if (k == NULL)
			return fail(x, "importer key %zu is not a P-521 key", d->nimporters + 1);
		d->importers[d->nimporters].key = k;
		memcpy(d->importers[d->nimporters].key_id, kid.value, 32);
		d->nimporters++;
		if (mu_unit_p521_point(k, point) != MU_OK || mu_unit_key_id(point, id) != MU_OK ||
		    memcmp(id, kid.value, 32) != 0)
			return fail(x, "importer key %zu does not match its key id", d->nimporters);
	}
	return rc < 0 ? fail(x, "importer key list is malformed") : MU_OK;
}

static int dec_keys(dec *x, mu_unit_fields *f)
{
	unitsim_domain *d = x->d;
	mu_tlv t;
	int rc;
	uint8_t key[32], vp[MU_VP_LEN];
	if (mu_unit_fields_u32(f, TAG_NEXT_HANDLE, &d->next_handle) != MU_OK || d->next_handle == 0)
		return fail(x, "next key handle missing");
	while ((rc = mu_unit_fields_opt(f, MU_UNIT_TAG_KEY_ENTRY, 1, 255, &t)) == 1) {
		mu_unit_fields r;
		unitsim_key k;
		memset(&k, 0, sizeof(k));
		if (d->nkeys == MU_UNIT_KEYS_MAX)
			return fail(x, "more than %u storage keys", MU_UNIT_KEYS_MAX);
		mu_unit_fields_init(&r, t.value, t.len);
		if (mu_unit_fields_u32(&r, MU_UNIT_TAG_HANDLE, &k.handle) != MU_OK ||
		    mu_unit_fields_text(&r, MU_UNIT_TAG_LABEL, 0, MU_UNIT_LABEL_MAX, k.label) !=
		        MU_OK ||
		    mu_unit_fields_copy(&r, MU_UNIT_TAG_VP, k.vp, MU_VP_LEN) != MU_OK ||
		    mu_unit_fields_copy(&r, TAG_WRAPPED, k.wrapped, UNITSIM_WRAPPED_LEN) != MU_OK ||
		    mu_unit_fields_end(&r) != MU_OK)
			return fail(x, "storage key %zu is malformed", d->nkeys + 1);
		if (k.handle == 0 || k.handle >= d->next_handle ||
		    (d->nkeys > 0 && k.handle <= d->keys[d->nkeys - 1].handle))
			return fail(x, "storage key %zu has an out-of-order handle %u",
			            d->nkeys + 1, k.handle);
		if (d->cur_state != MU_UNIT_CUR_VALID)
			return fail(x, "storage keys without a current master key");
		/* each key must open under the current master key and match its
		 * VP: a half re-enciphered storage is refused, not served */
		rc = unitsim_key_open(d->cur_key, k.handle, k.wrapped, key);
		if (rc == MU_OK)
			rc = unitsim_vp(key, sizeof(key), vp);
		mu_memzero(key, sizeof(key));
		if (rc == MU_ERR_NOMEM)
			return rc;
		if (rc != MU_OK || memcmp(vp, k.vp, MU_VP_LEN) != 0)
			return fail(x, "storage key %u does not open under the current master key",
			            k.handle);
		rc = unitsim_keys_reserve(d, d->nkeys + 1);
		if (rc != MU_OK)
			return rc;
		d->keys[d->nkeys++] = k;
	}
	return rc < 0 ? fail(x, "storage key list is malformed") : MU_OK;
}

int unitsim_state_decode(const uint8_t *buf, size_t len, unitsim_domain **out, char *err,
                         size_t errlen)
{
	dec x = {.d = NULL, .err = err, .errlen = errlen};
	unitsim_identity id;
	uint64_t counter;
	uint8_t sig, rev, token_hash[32], sum[32];
	mu_unit_fields f;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (buf == NULL || len < HEADER_LEN + TRAILER_LEN)
		return fail(&x, "file too short (%zu bytes)", len);
	if (len > UNITSIM_STATE_MAX)
		return fail(&x, "file too long (%zu bytes)", len);
	if (memcmp(buf, UNITSIM_STATE_MAGIC, UNITSIM_STATE_MAGIC_LEN) != 0)
		return fail(&x, "not a unit state file (bad magic)");
	uint32_t version = mu_unit_get_be32(buf + UNITSIM_STATE_MAGIC_LEN);
	if (version != UNITSIM_STATE_VERSION)
		return fail(&x, "unsupported state version %u", version);
	uint32_t payload = mu_unit_get_be32(buf + UNITSIM_STATE_MAGIC_LEN + 4);
	if ((size_t)payload != len - HEADER_LEN - TRAILER_LEN)
		return fail(&x, "payload length %u does not match the file size", payload);
	if (mu_unit_sha256(buf, HEADER_LEN + payload, sum) != MU_OK ||
	    CRYPTO_memcmp(sum, buf + HEADER_LEN + payload, 32) != 0)
		return fail(&x, "checksum mismatch (file truncated or damaged)");

	mu_unit_fields_init(&f, buf + HEADER_LEN, payload);
	int rc = dec_identity(&x, &f, &id, &counter, &sig, &rev, token_hash);
	if (rc != MU_OK)
		return rc;
	x.d = unitsim_domain_new(&id, token_hash);
	if (x.d == NULL)
		return fail(&x, "invalid identity");
	x.d->counter = counter;
	x.d->sig_threshold = sig;
	x.d->rev_threshold = rev;
	rc = dec_admins(&x, &f);
	if (rc == MU_OK && ((sig == 0) != (rev == 0) || sig > x.d->nadmins || rev > x.d->nadmins))
		rc = fail(&x, "thresholds %u/%u do not fit %zu admins", sig, rev, x.d->nadmins);
	if (rc == MU_OK)
		rc = dec_new_reg(&x, &f);
	if (rc == MU_OK)
		rc = dec_cur_reg(&x, &f);
	if (rc == MU_OK)
		rc = dec_recovery(&x, &f);
	if (rc == MU_OK)
		rc = dec_importers(&x, &f);
	if (rc == MU_OK)
		rc = dec_keys(&x, &f);
	if (rc == MU_OK && mu_unit_fields_end(&f) != MU_OK)
		rc = fail(&x, "unexpected data after the storage keys");
	if (rc != MU_OK) {
		unitsim_domain_free(&x.d);
		return rc;
	}
	*out = x.d;
	return MU_OK;
}
