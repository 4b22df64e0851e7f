/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli card info: what a card is and holds, without a PIN. */
#include "cmd-card.h"

#include <stdio.h>

static void out_tries(cli_ctx *c, const char *key, const char *label, int tries)
{
	if (tries >= 0)
		cli_out_int(c, key, label, tries);
}

int cli_card_info(cli_ctx *c, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("card info");
	g_option_context_set_summary(ctx, "Shows the card's type, serial, label, zone, root "
	                                  "fingerprint, PIN tries left, blocked state, "
	                                  "administrator and key part count.");
	g_option_context_set_description(ctx, "PINs: none.");
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc != CLI_EXIT_OK)
		return rc;

	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	rc = cli_open_card(c, c->g->reader, NULL, "an OpenMU card", &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	mu_card_free(&card);

	g_autofree char *serial = cli_hex(info.serial, sizeof(info.serial));
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "type", "Type", mu_card_type_name(info.type));
	cli_out_str(c, "serial", "Serial", serial);
	cli_out_str(c, "label", "Label", info.label);
	if (info.type == MU_CARD_TYPE_BLANK) {
		cli_out_bool(c, "prepared", "Prepared", info.prepared);
		return cli_finish(c, CLI_EXIT_OK);
	}

	cli_out_str(c, "zone_id", "Zone", info.zone_id);
	cli_out_str(c, "zone_description", "Zone description", info.zone_desc);
	g_autofree char *fpr = info.has_root_fpr ? cli_hex_colon(info.root_fpr, 32) : NULL;
	cli_out_str(c, "root_fingerprint", "Root SHA-256", fpr);
	if (info.type == MU_CARD_TYPE_CA) {
		out_tries(c, "pin1_tries", "CA PIN 1 tries left", info.pin1_tries);
		out_tries(c, "pin2_tries", "CA PIN 2 tries left", info.pin2_tries);
	} else {
		out_tries(c, "pin_tries", "PIN tries left", info.pin1_tries);
	}
	cli_out_bool(c, "blocked", "Blocked", info.blocked);
	if (info.type != MU_CARD_TYPE_EP11)
		return cli_finish(c, CLI_EXIT_OK);

	if (info.has_sigkey) {
		g_autofree char *kid = cli_hex(info.admin_key_id, sizeof(info.admin_key_id));
		cli_out_str(c, "admin_name", "Administrator", info.admin_name);
		cli_out_str(c, "admin_key_id", "Admin key id", kid);
	} else {
		cli_out_str(c, "admin_name", "Administrator", NULL);
		cli_out_str(c, "admin_key_id", "Admin key id", NULL);
	}
	if (c->json != NULL) {
		cli_json_int(c->json, "keyparts", info.keypart_count);
		cli_json_int(c->json, "keyparts_max", info.keypart_max);
	} else if (!c->g->json) {
		g_autofree char *kp = g_strdup_printf("%d of %d", info.keypart_count,
		                                      info.keypart_max);
		cli_out_str(c, "keyparts", "Key parts", kp);
	}
	return cli_finish(c, CLI_EXIT_OK);
}
