/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli readers: every reader, whether it holds a card, and what the
 * card is. */
#include "cmd-card.h"

#include <stdio.h>

/* Describes the card in one reader into the open JSON object b and returns
 * a one-line summary for the text output. */
static char *describe(cli_ctx *c, const mu_reader_info *r, JsonBuilder *b)
{
	cli_json_bool(b, "card_present", r->card_present);
	if (!r->card_present)
		return g_strdup("empty");
	g_autofree char *atr = cli_hex(r->atr, r->atr_len);
	cli_json_str(b, "atr", atr);

	mu_card *card = NULL;
	mu_card_info info;
	int st = mu_card_open(c->backend, r->name, &card);
	if (st == MU_SC_OK)
		st = mu_card_info_get(card, &info);
	mu_card_free(&card);
	cli_json_bool(b, "openmu", st == MU_SC_OK);
	if (st == MU_SC_ERR_NOT_OPENMU)
		return g_strdup_printf("not an OpenMU card (ATR %s)", atr);
	if (st != MU_SC_OK) {
		cli_json_str(b, "error", mu_sc_strerror(st));
		return g_strdup_printf("card not readable: %s", mu_sc_strerror(st));
	}

	g_autofree char *serial = cli_hex(info.serial, sizeof(info.serial));
	cli_json_str(b, "type", mu_card_type_name(info.type));
	cli_json_str(b, "serial", serial);
	cli_json_str(b, "label", info.label);
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%s card", mu_card_type_name(info.type));
	if (info.label[0] != '\0')
		g_string_append_printf(s, " \"%s\"", info.label);
	if (info.type != MU_CARD_TYPE_BLANK) {
		cli_json_str(b, "zone_id", info.zone_id);
		cli_json_bool(b, "blocked", info.blocked);
		g_string_append_printf(s, ", zone %s", info.zone_id);
	}
	g_string_append_printf(s, ", serial %s", serial);
	if (info.blocked)
		g_string_append(s, ", BLOCKED");
	return g_string_free(s, FALSE);
}

int cli_cmd_readers(cli_ctx *c, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("readers");
	g_option_context_set_summary(ctx,
	                             "Lists every smart card reader, whether it holds a card, and "
	                             "for an OpenMU card its type, label, zone and serial.");
	g_option_context_set_description(ctx, "PINs: none. The INDEX shown is what --reader "
	                                      "accepts.");
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_backend(c);
	if (rc != CLI_EXIT_OK)
		return rc;

	mu_reader_info *list = NULL;
	size_t n = 0;
	int st = mu_backend_list(c->backend, &list, &n);
	if (st != MU_SC_OK)
		return cli_fail(c, cli_exit_code(st), "cannot list the readers: %s",
		                mu_sc_strerror(st));

	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++) {
		json_builder_begin_object(b);
		cli_json_int(b, "index", (gint64)i);
		cli_json_str(b, "name", list[i].name);
		g_autofree char *what = describe(c, &list[i], b);
		json_builder_end_object(b);
		cli_say(c, "%zu  %s\n   %s", i, list[i].name, what);
	}
	json_builder_end_array(b);
	if (n == 0)
		cli_say(c, "no smart card reader found");
	mu_reader_info_free(list, n);

	if (c->json != NULL) {
		g_autoptr(JsonNode) arr = json_builder_get_root(b);
		json_builder_set_member_name(c->json, "readers");
		json_builder_add_value(c->json, g_steal_pointer(&arr));
	}
	return cli_finish(c, CLI_EXIT_OK);
}
