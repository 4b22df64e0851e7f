/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-status.h"

#include <string.h>

#include "mu-status.h"
#include "mu-tke-error.h"

#define NOT_INSTALLED "-"
#define NO_VALUE      "-"

struct mu_tke_compare {
	size_t n_units;
	char **names;
	GPtrArray *rows; /* mu_tke_compare_row * */
	size_t n_differences;
};

gboolean mu_tke_status_fetch(mu_tke_client *c, mu_unit_status *out, GError **error)
{
	mu_unit_request req;
	mu_unit_status st;
	size_t len = 0;
	memset(&req, 0, sizeof(req));
	req.op = MU_UNIT_OP_STATUS;
	g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return FALSE;
	const uint8_t *body = mu_tke_reply_body(reply, &len);
	if (mu_unit_status_parse(body, len, &st) != MU_OK) {
		mu_tke_client_body_error(c, "STATUS", error);
		return FALSE;
	}
	const mu_unit_info *info = mu_tke_client_info(c);
	if (memcmp(st.module_id, info->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    st.domain != info->domain || st.role != info->role) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_PROTOCOL,
		            "unit %s: its STATUS names another module, domain or role than its "
		            "INFO",
		            mu_tke_client_unit(c)->name);
		return FALSE;
	}
	*out = st;
	return TRUE;
}

const char *mu_tke_new_state_name(uint8_t state)
{
	switch (state) {
	case MU_UNIT_NEW_EMPTY:
		return "EMPTY";
	case MU_UNIT_NEW_PARTIAL:
		return "PARTIAL";
	case MU_UNIT_NEW_UNCOMMITTED:
		return "FULL-UNCOMMITTED";
	case MU_UNIT_NEW_COMMITTED:
		return "FULL-COMMITTED";
	default:
		return "UNKNOWN";
	}
}

const char *mu_tke_cur_state_name(uint8_t state)
{
	switch (state) {
	case MU_UNIT_CUR_EMPTY:
		return "EMPTY";
	case MU_UNIT_CUR_VALID:
		return "VALID";
	default:
		return "UNKNOWN";
	}
}

char *mu_tke_new_register_text(const mu_unit_status *st)
{
	if (st->new_state == MU_UNIT_NEW_PARTIAL)
		return g_strdup_printf("PARTIAL %u of %u", (unsigned)st->new_loaded,
		                       (unsigned)st->new_total);
	return g_strdup(mu_tke_new_state_name(st->new_state));
}

char *mu_tke_hex(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = g_malloc(2 * len + 1);
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 0x0f];
	}
	s[2 * len] = '\0';
	return s;
}

/* ---- comparison ---- */

/* values may hold NULL holes (unknown statuses): freed by index */
static void row_free(mu_tke_compare_row *r, size_t n_units)
{
	for (size_t u = 0; u < n_units; u++)
		g_free(r->values[u]);
	g_free(r->values);
	g_free(r->key);
	g_free(r->label);
	g_free(r);
}

typedef struct builder {
	mu_tke_compare *cmp;
	const mu_unit_status *const *st;
} builder;

/* Adds a row; value(st, user) returns a new string for a unit's status. */
typedef char *(*value_fn)(const mu_unit_status *st, const void *user);

static void add_row(builder *b, const char *key, const char *label, gboolean compared, value_fn fn,
                    const void *user)
{
	mu_tke_compare *cmp = b->cmp;
	mu_tke_compare_row *r = g_new0(mu_tke_compare_row, 1);
	const char *first = NULL;
	r->key = g_strdup(key);
	r->label = g_strdup(label);
	r->values = g_new0(char *, cmp->n_units + 1);
	r->compared = compared;
	for (size_t i = 0; i < cmp->n_units; i++) {
		if (b->st[i] == NULL)
			continue;
		r->values[i] = fn(b->st[i], user);
		if (first == NULL)
			first = r->values[i];
		else if (compared && strcmp(first, r->values[i]) != 0)
			r->differs = TRUE;
	}
	if (r->differs)
		cmp->n_differences++;
	g_ptr_array_add(cmp->rows, r);
}

static char *v_module(const mu_unit_status *st, const void *u)
{
	return mu_tke_hex(st->module_id, MU_UNIT_MODULE_ID_LEN);
}

static char *v_domain(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%u", (unsigned)st->domain);
}

static char *v_role(const mu_unit_status *st, const void *u)
{
	return g_strdup(st->role == MU_UNIT_ROLE_RECOVERY ? "recovery" : "operational");
}

static char *v_imprint(const mu_unit_status *st, const void *u)
{
	return g_strdup(st->imprint ? "yes" : "no");
}

static char *v_sig(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%u", (unsigned)st->sig_threshold);
}

static char *v_rev(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%u", (unsigned)st->rev_threshold);
}

static char *v_counter(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)st->counter);
}

static char *v_nadmins(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%zu", st->nadmins);
}

static char *v_admin(const mu_unit_status *st, const void *u)
{
	const uint8_t *key_id = u;
	for (size_t i = 0; i < st->nadmins; i++)
		if (memcmp(st->admins[i].key_id, key_id, MU_UNIT_KEY_ID_LEN) == 0)
			return g_strdup(st->admins[i].name);
	return g_strdup(NOT_INSTALLED);
}

static char *v_new(const mu_unit_status *st, const void *u)
{
	return mu_tke_new_register_text(st);
}

static char *v_part_vp(const mu_unit_status *st, const void *u)
{
	size_t idx = *(const size_t *)u;
	if (idx >= st->new_loaded || idx >= MU_UNIT_PARTS_MAX)
		return g_strdup(NO_VALUE);
	return mu_tke_hex(st->part_vps[idx], MU_VP_LEN);
}

static char *v_new_vp(const mu_unit_status *st, const void *u)
{
	return st->new_has_vp ? mu_tke_hex(st->new_vp, MU_VP_LEN) : g_strdup(NO_VALUE);
}

static char *v_cur(const mu_unit_status *st, const void *u)
{
	return g_strdup(mu_tke_cur_state_name(st->cur_state));
}

static char *v_cur_vp(const mu_unit_status *st, const void *u)
{
	return st->cur_state == MU_UNIT_CUR_VALID ? mu_tke_hex(st->cur_vp, MU_VP_LEN)
	                                          : g_strdup(NO_VALUE);
}

static char *v_recovery(const mu_unit_status *st, const void *u)
{
	if (!st->has_recovery)
		return g_strdup(NO_VALUE);
	g_autofree char *vp = mu_tke_hex(st->recovery_vp, MU_VP_LEN);
	return g_strdup_printf("%u parts, VP %s", (unsigned)st->recovery_parts, vp);
}

static char *v_keys(const mu_unit_status *st, const void *u)
{
	return g_strdup_printf("%u", (unsigned)st->key_count);
}

/* Admin key ids of every unit, in order of first appearance. */
static void add_admin_rows(builder *b)
{
	const mu_tke_compare *cmp = b->cmp;
	g_autoptr(GPtrArray) seen = g_ptr_array_new();
	for (size_t i = 0; i < cmp->n_units; i++) {
		const mu_unit_status *st = b->st[i];
		if (st == NULL)
			continue;
		for (size_t a = 0; a < st->nadmins && a < MU_UNIT_ADMINS_MAX; a++) {
			const mu_unit_status_admin *ad = &st->admins[a];
			gboolean dup = FALSE;
			for (guint k = 0; k < seen->len && !dup; k++)
				dup = memcmp(((const mu_unit_status_admin *)seen->pdata[k])->key_id,
				             ad->key_id, MU_UNIT_KEY_ID_LEN) == 0;
			if (!dup)
				g_ptr_array_add(seen, (gpointer)ad);
		}
	}
	for (guint k = 0; k < seen->len; k++) {
		const mu_unit_status_admin *ad = seen->pdata[k];
		g_autofree char *hex = mu_tke_hex(ad->key_id, MU_UNIT_KEY_ID_LEN);
		g_autofree char *key = g_strconcat("admin:", hex, NULL);
		g_autofree char *label = g_strdup_printf("admin %.16s", hex);
		add_row(b, key, label, TRUE, v_admin, ad->key_id);
	}
}

mu_tke_compare *mu_tke_compare_new(size_t n, const char *const *names,
                                   const mu_unit_status *const *statuses)
{
	static const size_t part_idx[MU_UNIT_PARTS_MAX] = {0, 1, 2};
	mu_tke_compare *cmp = g_new0(mu_tke_compare, 1);
	builder b = {cmp, statuses};
	uint8_t max_loaded = 0;
	gboolean any_recovery = FALSE;
	cmp->n_units = n;
	cmp->names = g_new0(char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		cmp->names[i] = g_strdup(names[i]);
		if (statuses[i] != NULL) {
			max_loaded =
			    MAX(max_loaded, MIN(statuses[i]->new_loaded, MU_UNIT_PARTS_MAX));
			any_recovery = any_recovery || statuses[i]->has_recovery;
		}
	}
	cmp->rows = g_ptr_array_new();

	add_row(&b, "module-id", "module id", FALSE, v_module, NULL);
	add_row(&b, "domain", "domain", FALSE, v_domain, NULL);
	add_row(&b, "role", "role", FALSE, v_role, NULL);
	add_row(&b, "imprint", "imprint mode", TRUE, v_imprint, NULL);
	add_row(&b, "signature-threshold", "signature threshold", TRUE, v_sig, NULL);
	add_row(&b, "revocation-threshold", "revocation threshold", TRUE, v_rev, NULL);
	add_row(&b, "transaction-counter", "transaction counter", TRUE, v_counter, NULL);
	add_row(&b, "admins", "admins", TRUE, v_nadmins, NULL);
	add_admin_rows(&b);
	add_row(&b, "new-register", "new register", TRUE, v_new, NULL);
	for (size_t p = 0; p < max_loaded; p++) {
		char key[32], label[32];
		g_snprintf(key, sizeof(key), "new-part-%zu-vp", p + 1);
		g_snprintf(label, sizeof(label), "new register part %zu VP", p + 1);
		add_row(&b, key, label, TRUE, v_part_vp, &part_idx[p]);
	}
	add_row(&b, "new-register-vp", "new register VP", TRUE, v_new_vp, NULL);
	add_row(&b, "current-register", "current register", TRUE, v_cur, NULL);
	add_row(&b, "current-register-vp", "current register VP", TRUE, v_cur_vp, NULL);
	if (any_recovery)
		add_row(&b, "recovery-key", "recovery key", FALSE, v_recovery, NULL);
	add_row(&b, "key-count", "storage keys", FALSE, v_keys, NULL);
	return cmp;
}

void mu_tke_compare_free(mu_tke_compare **cmp)
{
	if (cmp == NULL || *cmp == NULL)
		return;
	mu_tke_compare *c = *cmp;
	for (guint i = 0; i < c->rows->len; i++)
		row_free(c->rows->pdata[i], c->n_units);
	g_ptr_array_free(c->rows, TRUE);
	g_strfreev(c->names);
	g_free(c);
	*cmp = NULL;
}

size_t mu_tke_compare_n_units(const mu_tke_compare *cmp)
{
	return cmp->n_units;
}

const char *mu_tke_compare_unit_name(const mu_tke_compare *cmp, size_t i)
{
	return i < cmp->n_units ? cmp->names[i] : NULL;
}

size_t mu_tke_compare_n_rows(const mu_tke_compare *cmp)
{
	return cmp->rows->len;
}

const mu_tke_compare_row *mu_tke_compare_row_at(const mu_tke_compare *cmp, size_t i)
{
	return i < cmp->rows->len ? cmp->rows->pdata[i] : NULL;
}

size_t mu_tke_compare_n_differences(const mu_tke_compare *cmp)
{
	return cmp->n_differences;
}
