/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli unit: list, status, compare (key is in cmd-unit-key.c, the
 * ceremony commands with admin-add in cmd-unit-admin.c). */
#include "cmd-unit.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd-unit-priv.h"
#include "mu-admin-block.h"
#include "mu-tke-admin.h"
#include "mu-tke-error.h"
#include "mu-tke-status.h"
#include "mu-unit-proto.h"

#define VP_SHORT 16 /* hex digits of a VP or key id shown in tables */

/* ---- shared helpers ---- */

void unit_common_entries(unit_ctx *u, GOptionContext *ctx)
{
	GOptionEntry entries[] = {
	    {"instance", 'i', 0, G_OPTION_ARG_FILENAME, &u->instance_path,
	     "Instance file (default: $OPENMU_INSTANCE)", "FILE.ini"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &u->json, "Print JSON", NULL},
	    {"unit", 'u', 0, G_OPTION_ARG_STRING, &u->unit, "Only this unit (by name)", "U"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GOptionGroup *group = g_option_group_new(
	    "unit", "Options of every unit command:", "Show the common options", NULL, NULL);
	g_option_group_add_entries(group, entries);
	g_option_context_add_group(ctx, group);
}

int unit_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "openmu-cli unit: %s\n", msg);
	return UNIT_EXIT_USAGE;
}

gboolean unit_parse(unit_ctx *u, GOptionContext *ctx, int *argc, char ***argv)
{
	GError *error = NULL;
	unit_common_entries(u, ctx);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		unit_usage("%s (see --help)", error->message);
		g_error_free(error);
		return FALSE;
	}
	if (*argc > 1) {
		unit_usage("unexpected argument \"%s\" (see --help)", (*argv)[1]);
		return FALSE;
	}
	return TRUE;
}

gboolean unit_load_instance(unit_ctx *u, GError **error)
{
	const char *path = u->instance_path;
	if (path == NULL || path[0] == '\0')
		path = g_getenv("OPENMU_INSTANCE");
	u->inst = mu_tke_instance_load(path, error);
	return u->inst != NULL;
}

const mu_tke_unit *unit_pick_one(unit_ctx *u, GError **error)
{
	if (u->unit != NULL)
		return mu_tke_instance_find_unit(u->inst, u->unit, error);
	if (mu_tke_instance_n_units(u->inst) == 1)
		return mu_tke_instance_unit(u->inst, 0);
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
	            "%s has %zu units: choose one with --unit NAME", mu_tke_instance_path(u->inst),
	            mu_tke_instance_n_units(u->inst));
	return NULL;
}

int unit_exit_code(const GError *error)
{
	if (error == NULL)
		return UNIT_EXIT_OK;
	if (error->domain == MU_TKE_UNIT_ERROR)
		return UNIT_EXIT_REFUSED;
	if (error->domain != MU_TKE_ERROR)
		return UNIT_EXIT_FAILURE;
	switch (error->code) {
	case MU_TKE_ERROR_ARG:
		return UNIT_EXIT_USAGE;
	case MU_TKE_ERROR_CONFIG:
	case MU_TKE_ERROR_INPUT:
	case MU_TKE_ERROR_TOKEN:
		return UNIT_EXIT_INPUT;
	case MU_TKE_ERROR_CONNECT:
	case MU_TKE_ERROR_TLS:
		return UNIT_EXIT_UNREACHABLE;
	case MU_TKE_ERROR_TRUST:
	case MU_TKE_ERROR_PROTOCOL:
		return UNIT_EXIT_TRUST;
	case MU_TKE_ERROR_STATE:
		return UNIT_EXIT_REFUSED;
	default:
		return UNIT_EXIT_FAILURE;
	}
}

/* "unit" for a refusal of the unit, else the tke error kind. */
static const char *error_kind(const GError *error)
{
	if (error->domain == MU_TKE_UNIT_ERROR)
		return "unit";
	if (error->domain == MU_TKE_ERROR)
		return mu_tke_error_name(error->code);
	return "other";
}

void unit_json_error(JsonBuilder *b, const GError *error)
{
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	cli_json_str(b, "kind", error_kind(error));
	if (error->domain == MU_TKE_UNIT_ERROR) {
		cli_json_str(b, "status", mu_unit_status_name(error->code));
		cli_json_int(b, "status_code", -error->code);
	}
	cli_json_int(b, "code", unit_exit_code(error));
	cli_json_str(b, "message", error->message);
	json_builder_end_object(b);
}

void unit_json_print(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}

int unit_fail(const unit_ctx *u, GError *error)
{
	int code = unit_exit_code(error);
	fflush(stdout);
	fprintf(stderr, "openmu-cli: %s\n", error->message);
	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		unit_json_error(b, error);
		json_builder_end_object(b);
		unit_json_print(b);
	}
	g_error_free(error);
	return code;
}

static void json_hex(JsonBuilder *b, const char *name, const uint8_t *buf, size_t len)
{
	g_autofree char *hex = buf != NULL ? mu_tke_hex(buf, len) : NULL;
	cli_json_str(b, name, hex);
}

/* ---- unit list ---- */

static int cmd_list(unit_ctx *u, int argc, char **argv)
{
	gboolean offline = FALSE;
	GOptionEntry entries[] = {
	    {"offline", 0, 0, G_OPTION_ARG_NONE, &offline,
	     "Only read the instance file; do not connect", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list the units of the instance");
	g_option_context_set_description(
	    ctx, "Connects to every unit and verifies it (TLS certificate and OA certificate "
	         "chained to the instance root) unless --offline.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!unit_parse(u, ctx, &argc, &argv))
		return UNIT_EXIT_USAGE;
	GError *error = NULL;
	if (!unit_load_instance(u, &error) ||
	    (u->unit != NULL && mu_tke_instance_find_unit(u->inst, u->unit, &error) == NULL))
		return unit_fail(u, error);

	size_t n = mu_tke_instance_n_units(u->inst);
	int rc = UNIT_EXIT_OK;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "instance");
	json_builder_begin_object(b);
	cli_json_str(b, "name", mu_tke_instance_name(u->inst));
	cli_json_str(b, "file", mu_tke_instance_path(u->inst));
	cli_json_str(b, "root_certificate", mu_tke_instance_root_path(u->inst));
	cli_json_str(b, "root_fingerprint", mu_tke_instance_root_fingerprint_hex(u->inst));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "units");
	json_builder_begin_array(b);
	if (!u->json) {
		printf("instance %s (%s)\nroot fingerprint %s\n\n", mu_tke_instance_name(u->inst),
		       mu_tke_instance_path(u->inst),
		       mu_tke_instance_root_fingerprint_hex(u->inst));
		printf("%-12s %-22s %-12s %-16s %-6s %s\n", "UNIT", "ADDRESS", "ROLE", "MODULE ID",
		       "DOMAIN", offline ? "" : "CHECK");
	}
	for (size_t i = 0; i < n; i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(u->inst, i);
		g_autofree char *mod = mu_tke_hex(unit->module_id, MU_UNIT_MODULE_ID_LEN);
		g_autofree char *check = NULL;
		GError *e = NULL;
		g_autoptr(mu_tke_client) c = NULL;
		if (u->unit != NULL && strcmp(u->unit, unit->name) != 0)
			continue;
		if (!offline)
			c = mu_tke_client_connect(u->inst, unit, &e);
		json_builder_begin_object(b);
		cli_json_str(b, "name", unit->name);
		cli_json_str(b, "address", unit->address);
		cli_json_str(b, "role", mu_tke_role_name(unit->role));
		cli_json_str(b, "module_id", mod);
		cli_json_int(b, "domain", unit->domain);
		cli_json_str(b, "service_token_file", unit->token_file);
		if (!offline) {
			cli_json_bool(b, "verified", c != NULL);
			cli_json_str(b, "oa_fingerprint",
			             c != NULL ? mu_tke_client_oa_fingerprint_hex(c) : NULL);
			if (e != NULL)
				unit_json_error(b, e);
		}
		json_builder_end_object(b);
		if (c != NULL)
			check = g_strdup_printf("ok, verified (OA %.16s)",
			                        mu_tke_client_oa_fingerprint_hex(c));
		else if (e != NULL)
			check = g_strdup_printf("FAILED (%s)", error_kind(e));
		if (!u->json)
			printf("%-12s %-22s %-12s %-16s %-6u %s\n", unit->name, unit->address,
			       mu_tke_role_name(unit->role), mod, (unsigned)unit->domain,
			       check != NULL ? check : "");
		if (e != NULL) {
			fprintf(stderr, "openmu-cli: %s\n", e->message);
			if (rc == UNIT_EXIT_OK)
				rc = unit_exit_code(e);
			g_error_free(e);
		}
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	if (u->json)
		unit_json_print(b);
	return rc;
}

/* ---- status of every (or one) unit, fetched once ---- */

typedef struct fetched {
	size_t n;
	const char **names;
	mu_unit_status *st;        /* n entries */
	const mu_unit_status **sp; /* NULL where the fetch failed */
	GError **errors;           /* n entries */
	int rc;                    /* exit code of the first failure */
} fetched;

static void fetched_free(fetched *f)
{
	for (size_t i = 0; i < f->n; i++)
		g_clear_error(&f->errors[i]);
	g_free(f->errors);
	g_free(f->names);
	g_free(f->st);
	g_free(f->sp);
}

/* Fetches the status of the selected units (all without --unit). Errors
 * are printed on stderr as they happen. */
static gboolean fetch_all(unit_ctx *u, fetched *f, GError **error)
{
	memset(f, 0, sizeof(*f));
	size_t n = mu_tke_instance_n_units(u->inst);
	const mu_tke_unit *only = NULL;
	if (u->unit != NULL && (only = mu_tke_instance_find_unit(u->inst, u->unit, error)) == NULL)
		return FALSE;
	f->names = g_new0(const char *, n);
	f->st = g_new0(mu_unit_status, n);
	f->sp = g_new0(const mu_unit_status *, n);
	f->errors = g_new0(GError *, n);
	for (size_t i = 0; i < n; i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(u->inst, i);
		if (only != NULL && unit != only)
			continue;
		size_t k = f->n++;
		f->names[k] = unit->name;
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(u->inst, unit, &f->errors[k]);
		if (c != NULL && mu_tke_status_fetch(c, &f->st[k], &f->errors[k]))
			f->sp[k] = &f->st[k];
		if (f->errors[k] != NULL) {
			fprintf(stderr, "openmu-cli: %s\n", f->errors[k]->message);
			if (f->rc == UNIT_EXIT_OK)
				f->rc = unit_exit_code(f->errors[k]);
		}
	}
	return TRUE;
}

/* ---- unit status ---- */

static void status_json(JsonBuilder *b, const char *name, const mu_unit_status *st)
{
	cli_json_str(b, "name", name);
	json_hex(b, "module_id", st->module_id, MU_UNIT_MODULE_ID_LEN);
	cli_json_int(b, "domain", st->domain);
	cli_json_str(b, "role", mu_tke_role_name(st->role));
	cli_json_bool(b, "imprint", st->imprint);
	cli_json_int(b, "signature_threshold", st->sig_threshold);
	cli_json_int(b, "revocation_threshold", st->rev_threshold);
	cli_json_int(b, "transaction_counter", (gint64)st->counter);
	json_builder_set_member_name(b, "admins");
	json_builder_begin_array(b);
	for (size_t i = 0; i < st->nadmins; i++) {
		json_builder_begin_object(b);
		cli_json_str(b, "name", st->admins[i].name);
		json_hex(b, "key_id", st->admins[i].key_id, MU_UNIT_KEY_ID_LEN);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "new_register");
	json_builder_begin_object(b);
	cli_json_str(b, "state", mu_tke_new_state_name(st->new_state));
	cli_json_int(b, "parts_loaded", st->new_loaded);
	cli_json_int(b, "parts_total", st->new_total);
	json_builder_set_member_name(b, "part_vps");
	json_builder_begin_array(b);
	for (size_t i = 0; i < st->new_loaded && i < MU_UNIT_PARTS_MAX; i++) {
		g_autofree char *vp = mu_tke_hex(st->part_vps[i], MU_VP_LEN);
		json_builder_add_string_value(b, vp);
	}
	json_builder_end_array(b);
	json_hex(b, "vp", st->new_has_vp ? st->new_vp : NULL, MU_VP_LEN);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "current_register");
	json_builder_begin_object(b);
	cli_json_str(b, "state", mu_tke_cur_state_name(st->cur_state));
	json_hex(b, "vp", st->cur_state == MU_UNIT_CUR_VALID ? st->cur_vp : NULL, MU_VP_LEN);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "recovery_key");
	if (st->has_recovery) {
		json_builder_begin_object(b);
		cli_json_int(b, "parts", st->recovery_parts);
		json_hex(b, "vp", st->recovery_vp, MU_VP_LEN);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	cli_json_int(b, "key_count", st->key_count);
}

static void status_text(const mu_tke_unit *unit, const mu_unit_status *st)
{
	g_autofree char *mod = mu_tke_hex(st->module_id, MU_UNIT_MODULE_ID_LEN);
	g_autofree char *reg = mu_tke_new_register_text(st);
	printf("%s (%s, %s, module %s, domain %u)\n", unit->name, unit->address,
	       mu_tke_role_name(st->role), mod, (unsigned)st->domain);
	printf("  imprint mode          %s\n", st->imprint ? "yes (no thresholds set)" : "no");
	printf("  signature threshold   %u\n", (unsigned)st->sig_threshold);
	printf("  revocation threshold  %u\n", (unsigned)st->rev_threshold);
	printf("  transaction counter   %" G_GUINT64_FORMAT "\n", (guint64)st->counter);
	printf("  admins                %zu\n", st->nadmins);
	for (size_t i = 0; i < st->nadmins; i++) {
		g_autofree char *id = mu_tke_hex(st->admins[i].key_id, MU_UNIT_KEY_ID_LEN);
		printf("    %-20s key id %s\n", st->admins[i].name, id);
	}
	printf("  new register          %s\n", reg);
	for (size_t i = 0; i < st->new_loaded && i < MU_UNIT_PARTS_MAX; i++) {
		g_autofree char *vp = mu_tke_hex(st->part_vps[i], MU_VP_LEN);
		printf("    part %zu VP           %s\n", i + 1, vp);
	}
	if (st->new_has_vp) {
		g_autofree char *vp = mu_tke_hex(st->new_vp, MU_VP_LEN);
		printf("    register VP         %s\n", vp);
	}
	printf("  current register      %s\n", mu_tke_cur_state_name(st->cur_state));
	if (st->cur_state == MU_UNIT_CUR_VALID) {
		g_autofree char *vp = mu_tke_hex(st->cur_vp, MU_VP_LEN);
		printf("    register VP         %s\n", vp);
	}
	if (st->has_recovery) {
		g_autofree char *vp = mu_tke_hex(st->recovery_vp, MU_VP_LEN);
		printf("  recovery key          %u parts, VP %s\n", (unsigned)st->recovery_parts,
		       vp);
	}
	printf("  storage keys          %u\n", (unsigned)st->key_count);
}

static int cmd_status(unit_ctx *u, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- show the verified status of the units (all, or --unit U)");
	g_option_context_set_description(
	    ctx, "Shows imprint mode, admins (names and key ids), thresholds, both master key "
	         "registers with their state and verification patterns, and the transaction "
	         "counter, as each unit signed it.");
	if (!unit_parse(u, ctx, &argc, &argv))
		return UNIT_EXIT_USAGE;
	GError *error = NULL;
	fetched f;
	if (!unit_load_instance(u, &error) || !fetch_all(u, &f, &error))
		return unit_fail(u, error);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	cli_json_str(b, "instance", mu_tke_instance_name(u->inst));
	json_builder_set_member_name(b, "units");
	json_builder_begin_array(b);
	for (size_t i = 0; i < f.n; i++) {
		const mu_tke_unit *unit = mu_tke_instance_find_unit(u->inst, f.names[i], NULL);
		if (u->json) {
			json_builder_begin_object(b);
			if (f.sp[i] != NULL) {
				status_json(b, f.names[i], f.sp[i]);
			} else {
				cli_json_str(b, "name", f.names[i]);
				unit_json_error(b, f.errors[i]);
			}
			json_builder_end_object(b);
		} else if (f.sp[i] != NULL) {
			if (i > 0)
				printf("\n");
			status_text(unit, f.sp[i]);
		}
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	if (u->json)
		unit_json_print(b);
	int rc = f.rc;
	fetched_free(&f);
	return rc;
}

/* ---- unit compare ---- */

/* VPs and key ids are cut to VP_SHORT digits in the table. */
static const char *cell(const char *v, char *buf, size_t cap)
{
	if (v == NULL)
		return "?";
	if (strlen(v) == 2 * MU_VP_LEN && strspn(v, "0123456789abcdef") == 2 * MU_VP_LEN) {
		g_snprintf(buf, cap, "%.*s..", VP_SHORT, v);
		return buf;
	}
	return v;
}

static int cmd_compare(unit_ctx *u, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- compare the units of the instance field by field");
	g_option_context_set_description(
	    ctx, "Every unit of an instance must end up configured the same: admins, "
	         "thresholds, master key registers and VPs, transaction counter. Rows that "
	         "differ are marked with '*'; module id, domain, role and key count are shown "
	         "but not compared. Exits with the 'units differ' code when a row differs.");
	if (!unit_parse(u, ctx, &argc, &argv))
		return UNIT_EXIT_USAGE;
	GError *error = NULL;
	fetched f;
	if (u->unit != NULL)
		return unit_usage("compare takes every unit of the instance; --unit is not used");
	if (!unit_load_instance(u, &error) || !fetch_all(u, &f, &error))
		return unit_fail(u, error);
	g_autoptr(mu_tke_compare) cmp = mu_tke_compare_new(f.n, f.names, f.sp);
	size_t ndiff = mu_tke_compare_n_differences(cmp);
	size_t unreadable = 0;
	for (size_t i = 0; i < f.n; i++)
		unreadable += f.sp[i] == NULL;

	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		cli_json_str(b, "instance", mu_tke_instance_name(u->inst));
		json_builder_set_member_name(b, "units");
		json_builder_begin_array(b);
		for (size_t i = 0; i < f.n; i++) {
			json_builder_begin_object(b);
			cli_json_str(b, "name", f.names[i]);
			cli_json_bool(b, "read", f.sp[i] != NULL);
			if (f.errors[i] != NULL)
				unit_json_error(b, f.errors[i]);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "rows");
		json_builder_begin_array(b);
		for (size_t r = 0; r < mu_tke_compare_n_rows(cmp); r++) {
			const mu_tke_compare_row *row = mu_tke_compare_row_at(cmp, r);
			json_builder_begin_object(b);
			cli_json_str(b, "field", row->key);
			cli_json_str(b, "label", row->label);
			cli_json_bool(b, "compared", row->compared);
			cli_json_bool(b, "differs", row->differs);
			json_builder_set_member_name(b, "values");
			json_builder_begin_array(b);
			for (size_t i = 0; i < f.n; i++)
				if (row->values[i] != NULL)
					json_builder_add_string_value(b, row->values[i]);
				else
					json_builder_add_null_value(b);
			json_builder_end_array(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		cli_json_int(b, "differences", (gint64)ndiff);
		cli_json_bool(b, "equal", ndiff == 0 && unreadable == 0);
		json_builder_end_object(b);
		unit_json_print(b);
	} else {
		char buf[VP_SHORT + 8];
		printf("  %-26s", "FIELD");
		for (size_t i = 0; i < f.n; i++)
			printf(" %-20s", f.names[i]);
		printf("\n");
		for (size_t r = 0; r < mu_tke_compare_n_rows(cmp); r++) {
			const mu_tke_compare_row *row = mu_tke_compare_row_at(cmp, r);
			printf("%c %-26s", row->differs ? '*' : ' ', row->label);
			for (size_t i = 0; i < f.n; i++)
				printf(" %-20s", cell(row->values[i], buf, sizeof(buf)));
			printf("\n");
		}
		printf("\n");
		if (ndiff > 0)
			printf("%zu difference%s (marked *): the units of instance %s are not "
			       "configured the same\n",
			       ndiff, ndiff == 1 ? "" : "s", mu_tke_instance_name(u->inst));
		else if (unreadable == 0)
			printf("no differences: the %zu units of instance %s are configured the "
			       "same\n",
			       f.n, mu_tke_instance_name(u->inst));
		if (unreadable > 0)
			printf("%zu unit%s could not be read (?): see the errors above\n",
			       unreadable, unreadable == 1 ? "" : "s");
	}
	int rc = f.rc != UNIT_EXIT_OK ? f.rc : ndiff > 0 ? UNIT_EXIT_DIFFER : UNIT_EXIT_OK;
	fetched_free(&f);
	return rc;
}

/* ---- dispatch ---- */

static void print_help(FILE *out)
{
	fprintf(out, "Usage: openmu-cli [--json] unit COMMAND [--instance FILE.ini] [OPTIONS]\n"
	             "\n"
	             "Crypto units of a service instance (instance file: --instance or "
	             "$OPENMU_INSTANCE).\n"
	             "\n"
	             "Commands:\n"
	             "  list [--offline]             the units of the instance, each verified\n"
	             "  status [--unit U]            admins, thresholds, registers, counter\n"
	             "  compare                      every unit side by side, differences marked\n"
	             "  admin-add --cert FILE.pem | --reader R   install an admin\n"
	             "  admin-rm --key-id HEX | --reader R         remove an admin\n"
	             "  thresholds-set --sig N --rev N              set the thresholds\n"
	             "  mk-load --reader R --slot N [--parts 2|3]   load a key part from a card\n"
	             "  mk-commit [--vp HEX]                        commit the new register\n"
	             "  mk-setimm | mk-rotate | mk-clrnew | mk-clrcur | zeroize --yes\n"
	             "      ceremony commands: every unit (or --unit U); admin blocks signed by\n"
	             "      the cards of --signer-reader R (repeat); PINs from --pin-fd N,\n"
	             "      OPENMU_PIN / OPENMU_SIGNER_PIN1.. or the terminal\n"
	             "  key create|list|wrap|unwrap|delete --unit U --token FILE\n"
	             "                               service-user key storage commands\n"
	             "\n"
	             "Every command takes --instance FILE.ini, --json and --help. The service\n"
	             "token is read from --token FILE or the file named by $OPENMU_UNIT_TOKEN.\n"
	             "\n"
	             "Exit codes of the unit commands:\n"
	             "  0  success\n"
	             "  1  unexpected failure\n"
	             "  2  usage error (bad option, unknown unit name)\n"
	             "  3  instance file, root certificate, admin certificate or token file\n"
	             "     missing or unusable\n"
	             "  4  a unit is unreachable, the connection was lost, or TLS failed\n"
	             "  5  trust: a certificate does not chain to the instance root, a unit\n"
	             "     names another identity, or a response is unsigned or mis-signed\n"
	             "  6  the unit refused (or is not in the state the command needs)\n"
	             "  7  unit compare: the units differ\n");
}

int cli_cmd_unit(int argc, char **argv, const cli_global *g)
{
	static const struct {
		const char *name;
		int (*fn)(unit_ctx *u, int argc, char **argv);
	} commands[] = {
	    {"list", cmd_list}, {"status", cmd_status}, {"compare", cmd_compare},
	    {"key", unit_cmd_key},
	};
	unit_ctx u;
	memset(&u, 0, sizeof(u));
	u.json = cli_global_json(g);
	u.instance_path = g_strdup(cli_global_instance(g));
	u.pin_fd = g->pin_fd;

	/* options before the command: `unit --instance F status` */
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--json") == 0) {
			u.json = TRUE;
			i++;
		} else if ((strcmp(argv[i], "--instance") == 0 || strcmp(argv[i], "-i") == 0) &&
		           i + 1 < argc) {
			g_free(u.instance_path);
			u.instance_path = g_strdup(argv[i + 1]);
			i += 2;
		} else if (g_str_has_prefix(argv[i], "--instance=")) {
			g_free(u.instance_path);
			u.instance_path = g_strdup(argv[i] + strlen("--instance="));
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(stdout);
			g_free(u.instance_path);
			return UNIT_EXIT_OK;
		} else {
			g_free(u.instance_path);
			return unit_usage("unknown option \"%s\" (see openmu-cli unit --help)",
			                  argv[i]);
		}
	}
	if (i >= argc) {
		print_help(stderr);
		g_free(u.instance_path);
		return UNIT_EXIT_USAGE;
	}
	/* a unit closing the connection must give an error, not kill us */
	signal(SIGPIPE, SIG_IGN);

	int rc = -1;
	for (size_t k = 0; k < G_N_ELEMENTS(commands); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			rc = commands[k].fn(&u, argc - i, argv + i);
	if (rc < 0)
		rc = unit_cmd_ceremony(&u, argc - i, argv + i);
	if (rc < 0)
		rc = unit_usage("unknown command \"%s\" (see openmu-cli unit --help)", argv[i]);
	mu_tke_instance_free(&u.inst);
	g_free(u.instance_path);
	g_free(u.unit);
	return rc;
}
