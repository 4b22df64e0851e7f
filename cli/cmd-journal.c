/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli journal show [--json] FILE, openmu-cli journal verify FILE. */
#include "cmd-journal.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "cli-common.h"
#include "mu-tke-journal.h"
#include "mu-tke-status.h"

static char *iso_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	return dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}

static char *short_id(const uint8_t *id)
{
	g_autofree char *hex = mu_tke_hex(id, 8);
	return g_strdup_printf("%s...", hex);
}

static void print_text(const mu_tke_journal_record *r)
{
	if (r->type == MU_TKE_JOURNAL_CERT) {
		g_autofree char *id = mu_tke_hex(r->cert_key_id, 32);
		printf("%4" G_GUINT64_FORMAT "  admin certificate, key id %s (%zu bytes)\n",
		       (guint64)r->seq, id, r->cert_len);
		return;
	}
	g_autofree char *when = iso_time(r->time);
	printf("%4" G_GUINT64_FORMAT "  %s  %s  unit %s", (guint64)r->seq, when, r->step, r->unit);
	if (r->has_module) {
		g_autofree char *mod = mu_tke_hex(r->module_id, MU_UNIT_MODULE_ID_LEN);
		printf("  module %s domain %u", mod, r->domain);
	}
	if (r->has_counter)
		printf("  counter %" G_GUINT64_FORMAT, (guint64)r->counter);
	printf("\n      signers:");
	for (size_t i = 0; i < r->nsigners; i++) {
		g_autofree char *id = short_id(r->signers[i]);
		printf(" %s", id);
	}
	if (r->nsigners == 0)
		printf(" none");
	if (r->has_vp) {
		g_autofree char *vp = mu_tke_hex(r->vp, MU_VP_LEN);
		printf("  VP %s", vp);
	}
	if (r->has_by) {
		g_autofree char *id = short_id(r->by);
		printf("\n      countersigned by %s", id);
	} else {
		printf("\n      not countersigned");
	}
	printf("\n      result: %s\n", r->ok ? "ok" : r->result);
}

static void json_hex(JsonBuilder *b, const char *key, const uint8_t *buf, size_t len)
{
	g_autofree char *hex = mu_tke_hex(buf, len);
	cli_json_str(b, key, hex);
}

static void json_record(JsonBuilder *b, const mu_tke_journal_record *r)
{
	json_builder_begin_object(b);
	cli_json_int(b, "seq", (gint64)r->seq);
	cli_json_str(b, "type", r->type == MU_TKE_JOURNAL_CERT ? "cert" : "step");
	if (r->type == MU_TKE_JOURNAL_CERT) {
		json_hex(b, "key_id", r->cert_key_id, 32);
	} else {
		g_autofree char *when = iso_time(r->time);
		cli_json_str(b, "time", when);
		cli_json_str(b, "step", r->step);
		cli_json_str(b, "unit", r->unit);
		if (r->has_module) {
			json_hex(b, "module_id", r->module_id, MU_UNIT_MODULE_ID_LEN);
			cli_json_int(b, "domain", r->domain);
		}
		if (r->has_counter)
			cli_json_int(b, "transaction_counter", (gint64)r->counter);
		json_builder_set_member_name(b, "signers");
		json_builder_begin_array(b);
		for (size_t i = 0; i < r->nsigners; i++) {
			g_autofree char *id = mu_tke_hex(r->signers[i], 32);
			json_builder_add_string_value(b, id);
		}
		json_builder_end_array(b);
		if (r->has_vp)
			json_hex(b, "vp", r->vp, MU_VP_LEN);
		cli_json_bool(b, "ok", r->ok);
		cli_json_str(b, "result", r->result);
		if (r->has_by)
			json_hex(b, "countersigned_by", r->by, 32);
	}
	json_hex(b, "hash", r->hash, 32);
	json_builder_end_object(b);
}

static int usage(const char *msg)
{
	fprintf(stderr, "openmu-cli: %s\nUsage: openmu-cli journal show [--json] FILE\n"
	                "       openmu-cli journal verify [--json] FILE\n",
	        msg);
	return CLI_EXIT_USAGE;
}

int cli_cmd_journal(int argc, char **argv)
{
	gboolean json = FALSE;
	g_auto(GStrv) rest = NULL;
	GOptionEntry entries[] = {
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	if (argc < 2 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "verify") != 0))
		return usage("journal needs a command: show or verify");
	gboolean show = strcmp(argv[1], "show") == 0;
	g_autoptr(GOptionContext) ctx = g_option_context_new(
	    show ? "FILE - print the records of a ceremony journal, verified"
	         : "FILE - verify a ceremony journal: hash chain and countersignatures");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *error = NULL;
	int n = argc - 1;
	char **args = argv + 1;
	if (!g_option_context_parse(ctx, &n, &args, &error)) {
		int rc = usage(error->message);
		g_error_free(error);
		return rc;
	}
	if (rest == NULL || g_strv_length(rest) != 1)
		return usage("name one journal FILE");
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(rest[0], &data, &len, &error)) {
		fprintf(stderr, "openmu-cli: cannot read the journal: %s\n", error->message);
		g_error_free(error);
		return CLI_EXIT_IO;
	}
	mu_tke_journal_summary sum;
	g_autoptr(GPtrArray) records = NULL;
	gboolean ok = mu_tke_journal_verify(data, len, &sum, &records, &error);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	cli_json_str(b, "journal", rest[0]);
	cli_json_bool(b, "verified", ok);
	cli_json_int(b, "records", (gint64)sum.records);
	cli_json_int(b, "steps", (gint64)sum.steps);
	cli_json_int(b, "countersigned", (gint64)sum.countersigned);
	cli_json_int(b, "refusals", (gint64)sum.refusals);
	if (!ok) {
		cli_json_int(b, "bad_line", (gint64)sum.bad_line);
		cli_json_str(b, "error", error->message);
	}
	if (show) {
		json_builder_set_member_name(b, "records");
		json_builder_begin_array(b);
		for (guint i = 0; i < records->len; i++) {
			json_record(b, records->pdata[i]);
			if (!json)
				print_text(records->pdata[i]);
		}
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autoptr(JsonGenerator) gen = json_generator_new();
		json_generator_set_pretty(gen, TRUE);
		json_generator_set_root(gen, root);
		g_autofree char *text = json_generator_to_data(gen, NULL);
		printf("%s\n", text);
	} else if (ok) {
		printf("%s: verified: %zu records, %zu steps (%zu countersigned, %zu not: imprint "
		       "mode or no card), %zu refusals\n",
		       rest[0], sum.records, sum.steps, sum.countersigned,
		       sum.steps - sum.countersigned, sum.refusals);
	}
	if (!ok) {
		fprintf(stderr, "openmu-cli: %s: NOT verified: %s\n", rest[0], error->message);
		g_error_free(error);
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}
