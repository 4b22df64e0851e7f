/* SPDX-License-Identifier: Apache-2.0 */
/* Ceremony plans: strict parsing of the plan file and the steps from the
 * units' statuses to its target (mu-tke-plan.h). */
#include "mu-tke-plan.h"

#include <string.h>

#include "mu-card-proto.h"
#include "mu-tke-error.h"

#define READER_MAX 256u

static gboolean fail(GError **error, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean fail(GError **error, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG, "plan %s: %s", name, msg);
	return FALSE;
}

/* A required value of [group] key: non-empty, at most max bytes. */
static char *get_text(GKeyFile *kf, const char *name, const char *group, const char *key,
                      size_t max, GError **error)
{
	char *v = g_key_file_get_value(kf, group, key, NULL);
	if (v == NULL) {
		fail(error, name, "[%s] needs %s=", group, key);
		return NULL;
	}
	if (v[0] == '\0' || strlen(v) > max || !g_utf8_validate(v, -1, NULL)) {
		g_free(v);
		fail(error, name, "[%s] %s= must be 1 to %zu bytes of text", group, key, max);
		return NULL;
	}
	return v;
}

/* A required decimal integer of [group] key in min..max. */
static gboolean get_uint(GKeyFile *kf, const char *name, const char *group, const char *key,
                         unsigned min, unsigned max, unsigned *out, GError **error)
{
	g_autofree char *v = g_key_file_get_value(kf, group, key, NULL);
	if (v == NULL)
		return fail(error, name, "[%s] needs %s=", group, key);
	unsigned val = 0;
	size_t len = strlen(v);
	gboolean ok = len > 0 && len <= 3;
	for (size_t i = 0; ok && i < len; i++) {
		ok = g_ascii_isdigit(v[i]);
		val = val * 10 + (unsigned)(v[i] - '0');
	}
	if (!ok || val < min || val > max)
		return fail(error, name, "[%s] %s=%s: must be a number from %u to %u", group, key,
		            v, min, max);
	*out = val;
	return TRUE;
}

/* Every key of group must be in allowed (NULL-terminated). */
static gboolean check_keys(GKeyFile *kf, const char *name, const char *group,
                           const char *const *allowed, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		if (!g_strv_contains(allowed, keys[i]))
			return fail(error, name, "[%s] has an unknown key \"%s\"", group, keys[i]);
	return TRUE;
}

static gboolean parse_admin(mu_tke_plan *p, GKeyFile *kf, const char *name, const char *group,
                            GError **error)
{
	static const char *const keys[] = {"reader", NULL};
	const char *admin = group + strlen("admin ");
	if (p->nadmins == MU_UNIT_ADMINS_MAX)
		return fail(error, name, "more than %u [admin NAME] groups", MU_UNIT_ADMINS_MAX);
	if (admin[0] == '\0' || strlen(admin) > MU_UNIT_NAME_MAX)
		return fail(error, name, "[%s]: the admin name must be 1 to %u bytes", group,
		            MU_UNIT_NAME_MAX);
	if (!check_keys(kf, name, group, keys, error))
		return FALSE;
	char *reader = get_text(kf, name, group, "reader", READER_MAX, error);
	if (reader == NULL)
		return FALSE;
	for (size_t i = 0; i < p->nadmins; i++)
		if (strcmp(p->admins[i].reader, reader) == 0) {
			g_free(reader);
			return fail(error, name,
			            "[%s] reader=%s: admin %s is in that reader already "
			            "(one card per admin)",
			            group, p->admins[i].reader, p->admins[i].name);
		}
	p->admins[p->nadmins].name = g_strdup(admin);
	p->admins[p->nadmins].reader = reader;
	p->nadmins++;
	return TRUE;
}

static gboolean parse_part(mu_tke_plan *p, GKeyFile *kf, const char *name, const char *group,
                           GError **error)
{
	static const char *const keys[] = {"reader", "slot", NULL};
	const char *num = group + strlen("part ");
	if (strlen(num) != 1 || num[0] < '1' || num[0] > '3')
		return fail(error, name, "[%s]: parts are numbered [part 1] to [part 3]", group);
	mu_tke_plan_part *part = &p->part[num[0] - '1'];
	if (part->reader != NULL)
		return fail(error, name, "[%s] appears twice", group);
	if (!check_keys(kf, name, group, keys, error) ||
	    !get_uint(kf, name, group, "slot", 0, MU_KEYPARTS_MAX - 1, &part->slot, error))
		return FALSE;
	part->reader = get_text(kf, name, group, "reader", READER_MAX, error);
	return part->reader != NULL;
}

static gboolean parse_singletons(mu_tke_plan *p, GKeyFile *kf, const char *name, GError **error)
{
	static const char *const plan_keys[] = {"instance", NULL};
	static const char *const thr_keys[] = {"signature", "revocation", NULL};
	static const char *const mk_keys[] = {"parts", "signers", "finish", "replaces", NULL};
	unsigned v;
	if (g_key_file_has_group(kf, "plan")) {
		if (!check_keys(kf, name, "plan", plan_keys, error))
			return FALSE;
		if (g_key_file_has_key(kf, "plan", "instance", NULL) &&
		    (p->instance = get_text(kf, name, "plan", "instance", 4096, error)) == NULL)
			return FALSE;
	}
	if (!g_key_file_has_group(kf, "thresholds"))
		return fail(error, name, "no [thresholds] group (signature=N revocation=N)");
	if (!check_keys(kf, name, "thresholds", thr_keys, error) ||
	    !get_uint(kf, name, "thresholds", "signature", 1, 8, &v, error))
		return FALSE;
	p->sig_threshold = (uint8_t)v;
	if (!get_uint(kf, name, "thresholds", "revocation", 1, 8, &v, error))
		return FALSE;
	p->rev_threshold = (uint8_t)v;
	if (!g_key_file_has_group(kf, "master-key"))
		return fail(error, name, "no [master-key] group (parts=N signers=R1;R2)");
	if (!check_keys(kf, name, "master-key", mk_keys, error) ||
	    !get_uint(kf, name, "master-key", "parts", 2, 3, &v, error))
		return FALSE;
	p->parts = (uint8_t)v;
	return TRUE;
}

/* finish= and replaces= of [master-key]: replaces=VP goes with, and only
 * with, finish=rotate. */
static gboolean parse_finish(mu_tke_plan *p, GKeyFile *kf, const char *name, GError **error)
{
	g_autofree char *finish = g_key_file_get_value(kf, "master-key", "finish", NULL);
	g_autofree char *vp = g_key_file_get_value(kf, "master-key", "replaces", NULL);
	if (finish == NULL || strcmp(finish, "set-immediate") == 0)
		p->finish = MU_TKE_PLAN_FINISH_SET_IMMEDIATE;
	else if (strcmp(finish, "rotate") == 0)
		p->finish = MU_TKE_PLAN_FINISH_ROTATE;
	else
		return fail(error, name, "[master-key] finish=%s: must be set-immediate or rotate",
		            finish);
	if (p->finish != MU_TKE_PLAN_FINISH_ROTATE) {
		if (vp != NULL)
			return fail(error, name,
			            "[master-key] replaces= goes with finish=rotate only (set "
			            "immediate replaces no key)");
		return TRUE;
	}
	if (vp == NULL)
		return fail(error, name,
		            "[master-key] finish=rotate needs replaces=VP: the current register "
		            "VP of the units, as 'openmu-cli unit status' prints it");
	gboolean ok = strlen(vp) == 2 * MU_VP_LEN;
	for (size_t i = 0; ok && i < MU_VP_LEN; i++) {
		int hi = g_ascii_xdigit_value(vp[2 * i]), lo = g_ascii_xdigit_value(vp[2 * i + 1]);
		ok = hi >= 0 && lo >= 0;
		p->replaces[i] = (uint8_t)(hi << 4 | lo);
	}
	/* a VP always ends with 4 zero bytes: anything else is a typo */
	static const uint8_t zero[4] = {0};
	if (!ok || memcmp(p->replaces + MU_VP_LEN - 4, zero, 4) != 0)
		return fail(error, name,
		            "[master-key] replaces=%s: must be a VP, 64 hex digits ending in "
		            "00000000 (see 'openmu-cli unit status')",
		            vp);
	return TRUE;
}

/* signers= of [master-key], or every admin's reader in order. */
static gboolean parse_signers(mu_tke_plan *p, GKeyFile *kf, const char *name, GError **error)
{
	gsize n = 0;
	g_auto(GStrv) list = NULL;
	if (g_key_file_has_key(kf, "master-key", "signers", NULL)) {
		list = g_key_file_get_string_list(kf, "master-key", "signers", &n, NULL);
		if (list == NULL || n == 0)
			return fail(error, name, "[master-key] signers= must list readers: R1;R2");
	}
	if (n > MU_UNIT_ADMINS_MAX)
		return fail(error, name, "[master-key] signers= lists more than %u readers",
		            MU_UNIT_ADMINS_MAX);
	for (size_t i = 0; i < (list != NULL ? n : p->nadmins); i++) {
		const char *r = list != NULL ? list[i] : p->admins[i].reader;
		gboolean admin = FALSE;
		for (size_t k = 0; k < p->nadmins; k++)
			admin = admin || strcmp(p->admins[k].reader, r) == 0;
		if (!admin)
			return fail(error, name,
			            "[master-key] signers=: reader \"%s\" holds none of "
			            "the plan's admins ([admin NAME] reader=)",
			            r);
		for (size_t k = 0; k < p->nsigners; k++)
			if (strcmp(p->signers[k], r) == 0)
				return fail(error, name,
				            "[master-key] signers= names reader \"%s\" "
				            "twice (one signature per admin)",
				            r);
		p->signers[p->nsigners++] = g_strdup(r);
	}
	return TRUE;
}

/* The impossible targets that no unit could reach. */
static gboolean check_target(const mu_tke_plan *p, const char *name, GError **error)
{
	if (p->nadmins == 0)
		return fail(error, name,
		            "no [admin NAME] group: the plan needs at least one admin");
	if (p->sig_threshold > p->nadmins || p->rev_threshold > p->nadmins)
		return fail(error, name,
		            "[thresholds] signature=%u revocation=%u: impossible with "
		            "%zu admin%s (a threshold cannot exceed the number of admins)",
		            p->sig_threshold, p->rev_threshold, p->nadmins,
		            p->nadmins == 1 ? "" : "s");
	unsigned need = MAX(p->sig_threshold, p->rev_threshold);
	if (p->nsigners < need)
		return fail(error, name,
		            "[master-key] signers= names %zu card%s but the thresholds "
		            "need %u signatures",
		            p->nsigners, p->nsigners == 1 ? "" : "s", need);
	for (size_t i = 0; i < 3; i++) {
		if (i < p->parts && p->part[i].reader == NULL)
			return fail(error, name, "[master-key] parts=%u but there is no [part %zu]",
			            p->parts, i + 1);
		if (i >= p->parts && p->part[i].reader != NULL)
			return fail(error, name, "[part %zu] but [master-key] parts=%u", i + 1,
			            p->parts);
		for (size_t k = 0; k < i && i < p->parts; k++)
			if (strcmp(p->part[k].reader, p->part[i].reader) == 0 &&
			    p->part[k].slot == p->part[i].slot)
				return fail(error, name,
				            "[part %zu] and [part %zu] name the same slot "
				            "%u of reader \"%s\"",
				            k + 1, i + 1, p->part[i].slot, p->part[i].reader);
	}
	return TRUE;
}

mu_tke_plan *mu_tke_plan_parse(const char *data, size_t len, const char *name, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	GError *e = NULL;
	if (memchr(data, '\0', len) != NULL) {
		fail(error, name, "not a text file");
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &e)) {
		fail(error, name, "%s", e->message);
		g_error_free(e);
		return NULL;
	}
	mu_tke_plan *p = g_new0(mu_tke_plan, 1);
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	gboolean ok = TRUE;
	for (size_t i = 0; ok && groups[i] != NULL; i++) {
		const char *g = groups[i];
		if (g_str_has_prefix(g, "admin "))
			ok = parse_admin(p, kf, name, g, error);
		else if (g_str_has_prefix(g, "part "))
			ok = parse_part(p, kf, name, g, error);
		else if (strcmp(g, "plan") != 0 && strcmp(g, "thresholds") != 0 &&
		         strcmp(g, "master-key") != 0)
			ok = fail(error, name,
			          "unknown group [%s] (plan, admin NAME, thresholds, "
			          "master-key, part N)",
			          g);
	}
	ok = ok && parse_singletons(p, kf, name, error) && parse_finish(p, kf, name, error) &&
	     parse_signers(p, kf, name, error) && check_target(p, name, error);
	if (!ok)
		mu_tke_plan_free(&p);
	return p;
}

mu_tke_plan *mu_tke_plan_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG, "plan %s: %s", path,
		            e->message);
		g_error_free(e);
		return NULL;
	}
	return mu_tke_plan_parse(data, len, path, error);
}

void mu_tke_plan_free(mu_tke_plan **plan)
{
	mu_tke_plan *p = *plan;
	if (p == NULL)
		return;
	g_free(p->instance);
	for (size_t i = 0; i < p->nadmins; i++) {
		g_free(p->admins[i].name);
		g_free(p->admins[i].reader);
	}
	for (size_t i = 0; i < 3; i++)
		g_free(p->part[i].reader);
	for (size_t i = 0; i < p->nsigners; i++)
		g_free(p->signers[i]);
	g_free(p);
	*plan = NULL;
}

void mu_tke_plan_set_admin_key(mu_tke_plan *plan, size_t i,
                               const uint8_t key_id[MU_UNIT_KEY_ID_LEN])
{
	g_return_if_fail(i < plan->nadmins);
	memcpy(plan->admins[i].key_id, key_id, MU_UNIT_KEY_ID_LEN);
	plan->admins[i].has_key_id = true;
}

void mu_tke_plan_set_part_vp(mu_tke_plan *plan, size_t i, const uint8_t vp[MU_VP_LEN])
{
	g_return_if_fail(i < plan->parts);
	memcpy(plan->part[i].vp, vp, MU_VP_LEN);
	plan->part[i].has_vp = true;
}

/* ---- steps ---- */

static void add_step(GArray *a, mu_tke_plan_kind kind, size_t index, const uint8_t *key_id,
                     guint64 units)
{
	if (units == 0)
		return;
	mu_tke_plan_step s = {.kind = kind, .index = index, .units = units};
	if (key_id != NULL)
		memcpy(s.key_id, key_id, MU_UNIT_KEY_ID_LEN);
	g_array_append_val(a, s);
}

static bool has_admin(const mu_unit_status *st, const uint8_t *key_id)
{
	for (size_t i = 0; i < st->nadmins; i++)
		if (memcmp(st->admins[i].key_id, key_id, MU_UNIT_KEY_ID_LEN) == 0)
			return true;
	return false;
}

static bool plan_has_admin(const mu_tke_plan *p, const uint8_t *key_id)
{
	for (size_t i = 0; i < p->nadmins; i++)
		if (memcmp(p->admins[i].key_id, key_id, MU_UNIT_KEY_ID_LEN) == 0)
			return true;
	return false;
}

/* Parts of the plan already in the unit's new register (0: none, or a
 * register the plan did not load, see *foreign). */
static unsigned parts_loaded(const mu_tke_plan *p, const mu_unit_status *st, bool *foreign)
{
	*foreign = false;
	if (st->new_state == MU_UNIT_NEW_EMPTY)
		return 0;
	if (st->new_total != p->parts) {
		*foreign = true;
		return 0;
	}
	unsigned loaded = st->new_state == MU_UNIT_NEW_PARTIAL ? st->new_loaded : p->parts;
	for (unsigned k = 0; k < loaded && k < MU_UNIT_PARTS_MAX; k++)
		if (p->part[k].has_vp && memcmp(p->part[k].vp, st->part_vps[k], MU_VP_LEN) != 0) {
			*foreign = true;
			return 0;
		}
	return loaded;
}

/* How a unit's master key is made current, once its new register holds
 * the plan's parts committed (mu-tke-plan.h, mu_tke_plan_steps). */
typedef enum { MK_DONE, MK_SET_IMMEDIATE, MK_ROTATE } mk_finish;

static gboolean unit_finish(const mu_tke_plan *p, const mu_unit_status *st, const char *unit,
                            mk_finish *out, GError **error)
{
	bool valid = st->cur_state == MU_UNIT_CUR_VALID;
	bool empty = st->new_state == MU_UNIT_NEW_EMPTY;
	if (p->finish == MU_TKE_PLAN_FINISH_SET_IMMEDIATE || !valid) {
		*out = valid && empty ? MK_DONE : MK_SET_IMMEDIATE;
		return TRUE;
	}
	char hex[2 * MU_VP_LEN + 1];
	mu_vp_to_hex(st->cur_vp, hex);
	if (memcmp(st->cur_vp, p->replaces, MU_VP_LEN) != 0) {
		if (empty) {
			*out = MK_DONE; /* rotated already, or never held that key */
			return TRUE;
		}
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
		            "%s: its current master key (VP %.16s...) is not the one [master-key] "
		            "replaces= names and its new register is not empty: a plan neither "
		            "rotates away from a key it does not replace nor sets immediate over "
		            "a valid key. Check replaces=, or clear the unit's new register "
		            "('openmu-cli unit mk-clrnew --unit %s') if nobody is loading it",
		            unit, hex, unit);
		return FALSE;
	}
	bool foreign;
	(void)parts_loaded(p, st, &foreign);
	if (!foreign && st->new_has_vp && memcmp(st->new_vp, p->replaces, MU_VP_LEN) == 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
		            "%s: the plan's key parts make the master key it replaces (VP "
		            "%.16s...): rotating would change nothing. Name the new key parts in "
		            "[part N]",
		            unit, hex);
		return FALSE;
	}
	*out = MK_ROTATE;
	return TRUE;
}

/* The master key steps: clear, load, commit, set immediate or rotate. */
static gboolean mk_steps(const mu_tke_plan *p, size_t n, const mu_unit_status *const *st,
                         const char *const *names, GArray *out, GError **error)
{
	guint64 clear = 0, load[3] = {0, 0, 0}, commit = 0, setimm = 0, rotate = 0;
	for (size_t i = 0; i < n; i++) {
		guint64 bit = G_GUINT64_CONSTANT(1) << i;
		g_autofree char *unit =
		    names != NULL ? g_strdup(names[i]) : g_strdup_printf("unit %zu", i + 1);
		mk_finish finish;
		if (!unit_finish(p, st[i], unit, &finish, error))
			return FALSE;
		if (finish == MK_DONE)
			continue;
		bool foreign;
		unsigned loaded = parts_loaded(p, st[i], &foreign);
		if (foreign)
			clear |= bit;
		for (unsigned k = loaded; k < p->parts; k++)
			load[k] |= bit;
		if (foreign || st[i]->new_state != MU_UNIT_NEW_COMMITTED)
			commit |= bit;
		if (finish == MK_ROTATE)
			rotate |= bit;
		else
			setimm |= bit;
	}
	add_step(out, MU_TKE_PLAN_CLEAR_NEW, 0, NULL, clear);
	for (size_t k = 0; k < p->parts; k++)
		add_step(out, MU_TKE_PLAN_LOAD_PART, k, NULL, load[k]);
	add_step(out, MU_TKE_PLAN_COMMIT, 0, NULL, commit);
	add_step(out, MU_TKE_PLAN_SET_IMMEDIATE, 0, NULL, setimm);
	add_step(out, MU_TKE_PLAN_ROTATE, 0, NULL, rotate);
	return TRUE;
}

GArray *mu_tke_plan_steps(const mu_tke_plan *p, size_t n, const mu_unit_status *const *st,
                          const char *const *names, GError **error)
{
	if (n == 0 || n > MU_TKE_PLAN_UNITS_MAX) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "a plan acts on 1 to %u units",
		            MU_TKE_PLAN_UNITS_MAX);
		return NULL;
	}
	for (size_t a = 0; a < p->nadmins; a++)
		if (!p->admins[a].has_key_id) {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
			            "the key id of admin %s is not known", p->admins[a].name);
			return NULL;
		}
	g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(mu_tke_plan_step));
	for (size_t a = 0; a < p->nadmins; a++) {
		guint64 imprint = 0, is_signed = 0;
		for (size_t i = 0; i < n; i++)
			if (!has_admin(st[i], p->admins[a].key_id)) {
				if (st[i]->imprint)
					imprint |= G_GUINT64_CONSTANT(1) << i;
				else
					is_signed |= G_GUINT64_CONSTANT(1) << i;
			}
		add_step(out, MU_TKE_PLAN_ADD_ADMIN_IMPRINT, a, NULL, imprint);
		add_step(out, MU_TKE_PLAN_ADD_ADMIN, a, NULL, is_signed);
	}
	guint64 thr = 0;
	for (size_t i = 0; i < n; i++)
		if (st[i]->imprint || st[i]->sig_threshold != p->sig_threshold ||
		    st[i]->rev_threshold != p->rev_threshold)
			thr |= G_GUINT64_CONSTANT(1) << i;
	add_step(out, MU_TKE_PLAN_SET_THRESHOLDS, 0, NULL, thr);
	/* admins the plan does not name, one step per key id */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < st[i]->nadmins; k++) {
			const uint8_t *id = st[i]->admins[k].key_id;
			bool seen = plan_has_admin(p, id);
			for (guint j = 0; !seen && j < out->len; j++) {
				mu_tke_plan_step *s = &g_array_index(out, mu_tke_plan_step, j);
				seen = s->kind == MU_TKE_PLAN_REMOVE_ADMIN &&
				       memcmp(s->key_id, id, MU_UNIT_KEY_ID_LEN) == 0;
			}
			if (seen)
				continue;
			guint64 units = 0;
			for (size_t j = i; j < n; j++)
				if (has_admin(st[j], id))
					units |= G_GUINT64_CONSTANT(1) << j;
			add_step(out, MU_TKE_PLAN_REMOVE_ADMIN, 0, id, units);
		}
	if (!mk_steps(p, n, st, names, out, error))
		return NULL;
	return g_steal_pointer(&out);
}

char *mu_tke_plan_step_text(const mu_tke_plan *p, const mu_tke_plan_step *s)
{
	switch (s->kind) {
	case MU_TKE_PLAN_ADD_ADMIN_IMPRINT:
		return g_strdup_printf("add admin %s from the card in reader %s (imprint form, "
		                       "unsigned)",
		                       p->admins[s->index].name, p->admins[s->index].reader);
	case MU_TKE_PLAN_ADD_ADMIN:
		return g_strdup_printf("add admin %s from the card in reader %s (signed)",
		                       p->admins[s->index].name, p->admins[s->index].reader);
	case MU_TKE_PLAN_REMOVE_ADMIN: {
		g_autofree char *hex = g_malloc(2 * MU_UNIT_KEY_ID_LEN + 1);
		for (size_t i = 0; i < MU_UNIT_KEY_ID_LEN; i++)
			g_snprintf(hex + 2 * i, 3, "%02x", s->key_id[i]);
		return g_strdup_printf("remove admin %s (not in the plan)", hex);
	}
	case MU_TKE_PLAN_SET_THRESHOLDS:
		return g_strdup_printf("set thresholds: signature %u, revocation %u",
		                       p->sig_threshold, p->rev_threshold);
	case MU_TKE_PLAN_CLEAR_NEW:
		return g_strdup("clear the new master key register (parts the plan did not load)");
	case MU_TKE_PLAN_LOAD_PART:
		return g_strdup_printf("load key part %zu of %u from slot %u of the card in "
		                       "reader %s",
		                       s->index + 1, p->parts, p->part[s->index].slot,
		                       p->part[s->index].reader);
	case MU_TKE_PLAN_COMMIT:
		return g_strdup("commit the new master key register");
	case MU_TKE_PLAN_SET_IMMEDIATE:
		return g_strdup("set immediate: the new master key becomes current");
	case MU_TKE_PLAN_ROTATE:
		return g_strdup("rotate: re-encipher the key storage under the new master key");
	}
	return g_strdup("?");
}
