/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-body.h"

#include <string.h>

#include "mu-status.h"
#include "mu-unit-fields.h"

static void put_be(mu_tlv_writer *w, uint32_t tag, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	mu_tlv_put(w, tag, b, n);
}

void mu_unit_info_encode(const mu_unit_info *info, mu_tlv_writer *w)
{
	mu_tlv_put_str(w, MU_UNIT_TAG_NAME, info->name);
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, info->module_id, MU_UNIT_MODULE_ID_LEN);
	put_be(w, MU_UNIT_TAG_DOMAIN, info->domain, 2);
	mu_tlv_put_u8(w, MU_UNIT_TAG_ROLE, info->role);
	mu_tlv_put(w, MU_UNIT_TAG_OA_CERT, info->oa_cert.p, info->oa_cert.len);
}

int mu_unit_info_parse(const uint8_t *body, size_t len, mu_unit_info *out)
{
	mu_unit_fields f;
	mu_tlv t;
	mu_unit_info i;
	memset(&i, 0, sizeof(i));
	mu_unit_fields_init(&f, body, len);
	if (mu_unit_fields_text(&f, MU_UNIT_TAG_NAME, 1, MU_UNIT_NAME_MAX, i.name) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, i.module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, &i.domain) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_ROLE, &i.role) != MU_OK ||
	    i.role > MU_UNIT_ROLE_RECOVERY ||
	    mu_unit_fields_take(&f, MU_UNIT_TAG_OA_CERT, 1, MU_UNIT_CERT_MAX, &t) != MU_OK ||
	    mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	i.oa_cert.p = t.value;
	i.oa_cert.len = t.len;
	*out = i;
	return MU_OK;
}

void mu_unit_status_encode(const mu_unit_status *st, mu_tlv_writer *w)
{
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, st->module_id, MU_UNIT_MODULE_ID_LEN);
	put_be(w, MU_UNIT_TAG_DOMAIN, st->domain, 2);
	mu_tlv_put_u8(w, MU_UNIT_TAG_ROLE, st->role);
	mu_tlv_put_u8(w, MU_UNIT_TAG_IMPRINT, st->imprint ? 1 : 0);
	mu_tlv_put_u8(w, MU_UNIT_TAG_SIG_THRESHOLD, st->sig_threshold);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REV_THRESHOLD, st->rev_threshold);
	put_be(w, MU_UNIT_TAG_COUNTER, st->counter, 8);
	for (size_t i = 0; i < st->nadmins && i < MU_UNIT_ADMINS_MAX; i++) {
		size_t m = mu_tlv_begin(w, MU_UNIT_TAG_ADMIN);
		mu_tlv_put(w, MU_UNIT_TAG_KEY_ID, st->admins[i].key_id, MU_UNIT_KEY_ID_LEN);
		mu_tlv_put_str(w, MU_UNIT_TAG_NAME, st->admins[i].name);
		mu_tlv_end(w, m);
	}
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_NEW_REG);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REG_STATE, st->new_state);
	mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_LOADED, st->new_loaded);
	mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_TOTAL, st->new_total);
	size_t p = mu_tlv_begin(w, MU_UNIT_TAG_PART_VPS);
	for (size_t i = 0; i < st->new_loaded && i < MU_UNIT_PARTS_MAX; i++)
		mu_tlv_put(w, MU_UNIT_TAG_VP, st->part_vps[i], MU_VP_LEN);
	mu_tlv_end(w, p);
	if (st->new_has_vp)
		mu_tlv_put(w, MU_UNIT_TAG_VP, st->new_vp, MU_VP_LEN);
	mu_tlv_end(w, m);
	m = mu_tlv_begin(w, MU_UNIT_TAG_CUR_REG);
	mu_tlv_put_u8(w, MU_UNIT_TAG_REG_STATE, st->cur_state);
	if (st->cur_state == MU_UNIT_CUR_VALID)
		mu_tlv_put(w, MU_UNIT_TAG_VP, st->cur_vp, MU_VP_LEN);
	mu_tlv_end(w, m);
	if (st->has_recovery) {
		m = mu_tlv_begin(w, MU_UNIT_TAG_RECOVERY_REG);
		mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_TOTAL, st->recovery_parts);
		mu_tlv_put(w, MU_UNIT_TAG_VP, st->recovery_vp, MU_VP_LEN);
		mu_tlv_end(w, m);
	}
	put_be(w, MU_UNIT_TAG_KEY_COUNT, st->key_count, 4);
}

static int parse_new_reg(const uint8_t *buf, size_t len, mu_unit_status *s)
{
	mu_unit_fields f, v;
	mu_tlv t;
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_REG_STATE, &s->new_state) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_PARTS_LOADED, &s->new_loaded) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_PARTS_TOTAL, &s->new_total) != MU_OK ||
	    mu_unit_fields_take(&f, MU_UNIT_TAG_PART_VPS, 0, 255, &t) != MU_OK)
		return MU_ERR_MALFORMED;
	/* the state must agree with the counts */
	switch (s->new_state) {
	case MU_UNIT_NEW_EMPTY:
		if (s->new_loaded != 0 || s->new_total != 0)
			return MU_ERR_MALFORMED;
		break;
	case MU_UNIT_NEW_PARTIAL:
		if (s->new_total < MU_UNIT_PARTS_MIN || s->new_total > MU_UNIT_PARTS_MAX ||
		    s->new_loaded == 0 || s->new_loaded >= s->new_total)
			return MU_ERR_MALFORMED;
		break;
	case MU_UNIT_NEW_UNCOMMITTED:
	case MU_UNIT_NEW_COMMITTED:
		if (s->new_total < MU_UNIT_PARTS_MIN || s->new_total > MU_UNIT_PARTS_MAX ||
		    s->new_loaded != s->new_total)
			return MU_ERR_MALFORMED;
		break;
	default:
		return MU_ERR_MALFORMED;
	}
	mu_unit_fields_init(&v, t.value, t.len);
	for (size_t i = 0; i < s->new_loaded; i++)
		if (mu_unit_fields_copy(&v, MU_UNIT_TAG_VP, s->part_vps[i], MU_VP_LEN) != MU_OK)
			return MU_ERR_MALFORMED;
	if (mu_unit_fields_end(&v) != MU_OK)
		return MU_ERR_MALFORMED;
	s->new_has_vp = s->new_state >= MU_UNIT_NEW_UNCOMMITTED;
	if (s->new_has_vp && mu_unit_fields_copy(&f, MU_UNIT_TAG_VP, s->new_vp, MU_VP_LEN) != MU_OK)
		return MU_ERR_MALFORMED;
	return mu_unit_fields_end(&f);
}

static int parse_cur_reg(const uint8_t *buf, size_t len, mu_unit_status *s)
{
	mu_unit_fields f;
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_REG_STATE, &s->cur_state) != MU_OK ||
	    s->cur_state > MU_UNIT_CUR_VALID)
		return MU_ERR_MALFORMED;
	if (s->cur_state == MU_UNIT_CUR_VALID &&
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_VP, s->cur_vp, MU_VP_LEN) != MU_OK)
		return MU_ERR_MALFORMED;
	return mu_unit_fields_end(&f);
}

int mu_unit_status_parse(const uint8_t *body, size_t len, mu_unit_status *out)
{
	mu_unit_fields f;
	mu_tlv t;
	uint8_t imprint;
	mu_unit_status s;
	int rc;
	memset(&s, 0, sizeof(s));
	mu_unit_fields_init(&f, body, len);
	if (mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, s.module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, &s.domain) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_ROLE, &s.role) != MU_OK ||
	    s.role > MU_UNIT_ROLE_RECOVERY ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_IMPRINT, &imprint) != MU_OK || imprint > 1 ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_SIG_THRESHOLD, &s.sig_threshold) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_REV_THRESHOLD, &s.rev_threshold) != MU_OK ||
	    s.sig_threshold > MU_UNIT_THRESHOLD_MAX || s.rev_threshold > MU_UNIT_THRESHOLD_MAX ||
	    mu_unit_fields_u64(&f, MU_UNIT_TAG_COUNTER, &s.counter) != MU_OK)
		return MU_ERR_MALFORMED;
	s.imprint = imprint == 1;
	while ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_ADMIN, 1, 255, &t)) == 1) {
		mu_unit_fields a;
		if (s.nadmins == MU_UNIT_ADMINS_MAX)
			return MU_ERR_MALFORMED;
		mu_unit_status_admin *ad = &s.admins[s.nadmins++];
		mu_unit_fields_init(&a, t.value, t.len);
		if (mu_unit_fields_copy(&a, MU_UNIT_TAG_KEY_ID, ad->key_id, MU_UNIT_KEY_ID_LEN) !=
		        MU_OK ||
		    mu_unit_fields_text(&a, MU_UNIT_TAG_NAME, 1, MU_UNIT_NAME_MAX, ad->name) !=
		        MU_OK ||
		    mu_unit_fields_end(&a) != MU_OK)
			return MU_ERR_MALFORMED;
	}
	if (rc < 0 || mu_unit_fields_take(&f, MU_UNIT_TAG_NEW_REG, 1, 255, &t) != MU_OK ||
	    parse_new_reg(t.value, t.len, &s) != MU_OK ||
	    mu_unit_fields_take(&f, MU_UNIT_TAG_CUR_REG, 1, 255, &t) != MU_OK ||
	    parse_cur_reg(t.value, t.len, &s) != MU_OK)
		return MU_ERR_MALFORMED;
	rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_RECOVERY_REG, 1, 255, &t);
	if (rc < 0)
		return MU_ERR_MALFORMED;
	if (rc == 1) {
		mu_unit_fields r;
		mu_unit_fields_init(&r, t.value, t.len);
		if (mu_unit_fields_u8(&r, MU_UNIT_TAG_PARTS_TOTAL, &s.recovery_parts) != MU_OK ||
		    s.recovery_parts < MU_UNIT_PARTS_MIN || s.recovery_parts > MU_UNIT_PARTS_MAX ||
		    mu_unit_fields_copy(&r, MU_UNIT_TAG_VP, s.recovery_vp, MU_VP_LEN) != MU_OK ||
		    mu_unit_fields_end(&r) != MU_OK)
			return MU_ERR_MALFORMED;
		s.has_recovery = true;
	}
	if (mu_unit_fields_u32(&f, MU_UNIT_TAG_KEY_COUNT, &s.key_count) != MU_OK ||
	    s.key_count > MU_UNIT_KEYS_MAX || mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	*out = s;
	return MU_OK;
}

void mu_unit_admin_result_encode(const mu_unit_admin_result *r, mu_tlv_writer *w)
{
	put_be(w, MU_UNIT_TAG_COUNTER, r->counter, 8);
	if (r->importer_stmt.len > 0) {
		/* the statement is a whole A7 TLV: copied as is */
		if (r->importer_stmt.len > w->cap - w->len)
			w->overflow = true;
		else if (!w->overflow) {
			memcpy(w->buf + w->len, r->importer_stmt.p, r->importer_stmt.len);
			w->len += r->importer_stmt.len;
		}
		mu_tlv_put(w, MU_UNIT_TAG_SIGNATURE, r->importer_sig.p, r->importer_sig.len);
	}
	if (r->part_index > 0)
		mu_tlv_put_u8(w, MU_UNIT_TAG_PART_INDEX, r->part_index);
	if (r->parts_total > 0)
		mu_tlv_put_u8(w, MU_UNIT_TAG_PARTS_TOTAL, r->parts_total);
	if (r->has_vp)
		mu_tlv_put(w, MU_UNIT_TAG_VP, r->vp, MU_VP_LEN);
	if (r->envelope.len > 0) {
		if (r->envelope.len > w->cap - w->len)
			w->overflow = true;
		else if (!w->overflow) {
			memcpy(w->buf + w->len, r->envelope.p, r->envelope.len);
			w->len += r->envelope.len;
		}
	}
	if (r->has_key_count)
		put_be(w, MU_UNIT_TAG_KEY_COUNT, r->key_count, 4);
}

int mu_unit_admin_result_parse(const uint8_t *body, size_t len, mu_unit_admin_result *out)
{
	mu_unit_fields f;
	mu_tlv t;
	mu_unit_admin_result r;
	int rc;
	memset(&r, 0, sizeof(r));
	mu_unit_fields_init(&f, body, len);
	if (mu_unit_fields_u64(&f, MU_UNIT_TAG_COUNTER, &r.counter) != MU_OK)
		return MU_ERR_MALFORMED;
	if (mu_unit_fields_at(&f, MU_UNIT_TAG_IMPORTER)) {
		if (mu_unit_fields_take_whole(&f, MU_UNIT_TAG_IMPORTER, 1, 1024, &t,
		                              &r.importer_stmt.p, &r.importer_stmt.len) != MU_OK ||
		    mu_unit_fields_take(&f, MU_UNIT_TAG_SIGNATURE, 8, MU_UNIT_SIG_MAX, &t) != MU_OK)
			return MU_ERR_MALFORMED;
		r.importer_sig.p = t.value;
		r.importer_sig.len = t.len;
	}
	if ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_PART_INDEX, 1, 1, &t)) < 0)
		return MU_ERR_MALFORMED;
	if (rc == 1 && (t.value[0] == 0 || t.value[0] > MU_UNIT_PARTS_MAX))
		return MU_ERR_MALFORMED;
	r.part_index = rc == 1 ? t.value[0] : 0;
	if ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_PARTS_TOTAL, 1, 1, &t)) < 0)
		return MU_ERR_MALFORMED;
	if (rc == 1 && (t.value[0] < MU_UNIT_PARTS_MIN || t.value[0] > MU_UNIT_PARTS_MAX))
		return MU_ERR_MALFORMED;
	r.parts_total = rc == 1 ? t.value[0] : 0;
	if ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_VP, MU_VP_LEN, MU_VP_LEN, &t)) < 0)
		return MU_ERR_MALFORMED;
	if (rc == 1) {
		r.has_vp = true;
		memcpy(r.vp, t.value, MU_VP_LEN);
	}
	if (mu_unit_fields_at(&f, MU_UNIT_TAG_ENVELOPE) &&
	    mu_unit_fields_take_whole(&f, MU_UNIT_TAG_ENVELOPE, 1, 1024, &t, &r.envelope.p,
	                              &r.envelope.len) != MU_OK)
		return MU_ERR_MALFORMED;
	if ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_KEY_COUNT, 4, 4, &t)) < 0)
		return MU_ERR_MALFORMED;
	if (rc == 1) {
		r.has_key_count = true;
		r.key_count = mu_unit_get_be32(t.value);
	}
	if (mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	*out = r;
	return MU_OK;
}

static void put_entry_fields(const mu_unit_key_entry *e, mu_tlv_writer *w)
{
	put_be(w, MU_UNIT_TAG_HANDLE, e->handle, 4);
	mu_tlv_put_str(w, MU_UNIT_TAG_LABEL, e->label);
	mu_tlv_put(w, MU_UNIT_TAG_VP, e->vp, MU_VP_LEN);
}

static int parse_entry_fields(mu_unit_fields *f, mu_unit_key_entry *e)
{
	if (mu_unit_fields_u32(f, MU_UNIT_TAG_HANDLE, &e->handle) != MU_OK || e->handle == 0 ||
	    mu_unit_fields_text(f, MU_UNIT_TAG_LABEL, 0, MU_UNIT_LABEL_MAX, e->label) != MU_OK ||
	    mu_unit_fields_copy(f, MU_UNIT_TAG_VP, e->vp, MU_VP_LEN) != MU_OK ||
	    mu_unit_fields_end(f) != MU_OK)
		return MU_ERR_MALFORMED;
	return MU_OK;
}

void mu_unit_key_created_encode(const mu_unit_key_entry *e, mu_tlv_writer *w)
{
	put_entry_fields(e, w);
}

int mu_unit_key_created_parse(const uint8_t *body, size_t len, mu_unit_key_entry *out)
{
	mu_unit_fields f;
	mu_unit_key_entry e;
	mu_unit_fields_init(&f, body, len);
	if (parse_entry_fields(&f, &e) != MU_OK)
		return MU_ERR_MALFORMED;
	*out = e;
	return MU_OK;
}

void mu_unit_key_entry_encode(const mu_unit_key_entry *e, mu_tlv_writer *w)
{
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_KEY_ENTRY);
	put_entry_fields(e, w);
	mu_tlv_end(w, m);
}

int mu_unit_key_list_parse(const uint8_t *body, size_t len, uint32_t *total, bool *has_next,
                           uint32_t *next, mu_unit_key_entry_cb cb, void *user)
{
	mu_unit_fields f;
	mu_tlv t;
	uint32_t n;
	int rc;
	size_t count = 0;
	mu_unit_fields_init(&f, body, len);
	if (mu_unit_fields_u32(&f, MU_UNIT_TAG_KEY_COUNT, &n) != MU_OK || n > MU_UNIT_KEYS_MAX)
		return MU_ERR_MALFORMED;
	while ((rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_KEY_ENTRY, 1, 255, &t)) == 1) {
		mu_unit_fields e;
		mu_unit_key_entry entry;
		if (++count > MU_UNIT_LIST_MAX)
			return MU_ERR_MALFORMED;
		mu_unit_fields_init(&e, t.value, t.len);
		if (parse_entry_fields(&e, &entry) != MU_OK)
			return MU_ERR_MALFORMED;
		if (cb != NULL && (rc = cb(&entry, user)) != 0)
			return rc;
	}
	if (rc < 0)
		return MU_ERR_MALFORMED;
	uint32_t nx = 0;
	rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_NEXT, 4, 4, &t);
	if (rc < 0 || mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	if (rc == 1)
		nx = mu_unit_get_be32(t.value);
	*total = n;
	*has_next = rc == 1;
	*next = nx;
	return MU_OK;
}

int mu_unit_body_single_parse(const uint8_t *body, size_t len, uint32_t tag, size_t max,
                              mu_unit_bytes *out)
{
	mu_unit_fields f;
	mu_tlv t;
	mu_unit_fields_init(&f, body, len);
	if (mu_unit_fields_take(&f, tag, 0, max, &t) != MU_OK || mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	out->p = t.value;
	out->len = t.len;
	return MU_OK;
}
