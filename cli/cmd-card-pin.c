/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli card pin-change and pin-unblock. */
#include "cmd-card.h"

#include <stdio.h>
#include <string.h>

#include "cli-pin.h"
#include "mu-secret.h"

/* ---- pin-change ---- */

static int pin_change_run(cli_ctx *c, int which)
{
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;

	if (which != 1 && which != 2)
		return cli_fail(c, CLI_EXIT_USAGE, "--pin takes 1 or 2");
	int rc = cli_open_card(c, c->g->reader, NULL, "an EP11 or CA card", &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	g_autofree char *phrase = cli_card_phrase(&info, reader);
	if (info.type == MU_CARD_TYPE_BLANK)
		rc = cli_fail(c, CLI_EXIT_WRONG_CARD, "%s has no PIN yet", phrase);
	else if (which == 2 && info.type != MU_CARD_TYPE_CA)
		rc = cli_fail(c, CLI_EXIT_WRONG_CARD, "--pin 2 exists only on CA cards, and %s is "
		                                      "not one",
		              phrase);
	else if (info.blocked)
		rc = cli_blocked(c, &info, reader);

	const char *old_env = "OPENMU_PIN";
	g_autofree char *old_desc = NULL, *new_desc = NULL;
	if (info.type == MU_CARD_TYPE_CA) {
		old_env = which == 2 ? "OPENMU_CA_PIN2" : "OPENMU_CA_PIN1";
		old_desc = g_strdup_printf("current CA PIN %d of zone %s", which, info.zone_id);
		new_desc = g_strdup_printf("new CA PIN %d of zone %s", which, info.zone_id);
	} else {
		old_desc = g_strdup_printf("current PIN of the EP11 card (zone %s)", info.zone_id);
		new_desc = g_strdup_printf("new PIN of the EP11 card (zone %s)", info.zone_id);
	}
	g_auto(cli_pin) old_pin = {{0}};
	g_auto(cli_pin) new_pin = {{0}};
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, old_env, old_desc, false, &old_pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_NEW_PIN", new_desc, true, &new_pin);
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_change_pin(card, which, old_pin.s, new_pin.s);
		if (st != MU_SC_OK)
			rc = cli_pin_failure(c, card, reader, which, st);
	}
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_int(c, "pin", "PIN changed", which);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_pin_change(cli_ctx *c, int argc, char **argv)
{
	int which = 1;
	GOptionEntry entries[] = {
	    {"pin", 0, 0, G_OPTION_ARG_INT, &which, "Which PIN: 1 (default), or 2 on a CA card",
	     "1|2"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card pin-change [--pin 1|2]");
	g_option_context_set_summary(ctx, "Changes the PIN of an EP11 card, or PIN 1 or PIN 2 of "
	                                  "a CA card.");
	g_option_context_set_description(
	    ctx, "PINs, in --pin-fd order:\n"
	         "  1. the current PIN: $OPENMU_PIN on an EP11 card; on a CA card\n"
	         "     $OPENMU_CA_PIN1 (--pin 1) or $OPENMU_CA_PIN2 (--pin 2)\n"
	         "  2. the new PIN ($OPENMU_NEW_PIN; asked twice on a terminal)\n"
	         "A wrong current PIN costs a try, like a wrong PIN anywhere else.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = pin_change_run(c, which);
	return rc;
}

/* ---- pin-unblock ---- */

static int pin_unblock_run(cli_ctx *c, const char *ca_spec)
{
	if (ca_spec == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--ca-reader R is required (see --help)");

	mu_card *ca = NULL, *card = NULL;
	g_autofree char *ca_reader = NULL, *reader = NULL;
	mu_card_info ca_info, info;
	int rc = cli_open_card(c, ca_spec, NULL, "the CA card of the zone", &ca, &ca_reader,
	                       &ca_info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, &ca_info, ca_reader, MU_CARD_TYPE_CA, "the CA card of the zone");
	const char *exclude[] = {ca_reader, NULL};
	if (rc == CLI_EXIT_OK)
		rc = cli_open_card(c, c->g->reader, exclude, "the EP11 card to unblock", &card,
		                   &reader, &info);
	if (rc == CLI_EXIT_OK)
		rc = cli_want_type(c, &info, reader, MU_CARD_TYPE_EP11, "the EP11 card to unblock");
	if (rc == CLI_EXIT_OK && strcmp(info.zone_id, ca_info.zone_id) != 0)
		rc = cli_fail(c, CLI_EXIT_WRONG_CARD,
		              "the EP11 card in reader \"%s\" belongs to zone %s, but the CA card in "
		              "reader \"%s\" is of zone %s: insert the CA card of zone %s",
		              reader, info.zone_id, ca_reader, ca_info.zone_id, info.zone_id);

	cli_pin ca_pins[2];
	memset(ca_pins, 0, sizeof(ca_pins));
	g_auto(cli_pin) pin = {{0}};
	g_autofree char *desc = g_strdup_printf("new PIN of the EP11 card (zone %s)", info.zone_id);
	if (rc == CLI_EXIT_OK)
		rc = cli_ask_login(c, ca_reader, &ca_info, ca_pins);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_NEW_PIN", desc, true, &pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_check_login(c, ca, ca_reader, &ca_info, ca_pins);
	mu_memzero(ca_pins, sizeof(ca_pins));
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_unblock(card, ca, pin.s);
		if (st == MU_SC_ERR_NOT_VERIFIED || st == MU_SC_ERR_ZONE)
			/* the CA card is verified: it is the EP11 card that refused */
			rc = cli_fail(c, CLI_EXIT_WRONG_CARD,
			              "the EP11 card refused the unblock signature of the CA card "
			              "in reader \"%s\": that card is not the CA card of zone %s (a "
			              "zone id alone does not make a zone; its CA key does)",
			              ca_reader, info.zone_id);
		else if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "unblocking the PIN");
	}
	mu_card_free(&ca);
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "zone_id", "Zone", info.zone_id);
	cli_out_bool(c, "unblocked", "Unblocked", TRUE);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_pin_unblock(cli_ctx *c, int argc, char **argv)
{
	char *ca_spec = NULL;
	GOptionEntry entries[] = {
	    {"ca-reader", 0, 0, G_OPTION_ARG_STRING, &ca_spec,
	     "Reader of the CA card of the EP11 card's zone", "R"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card pin-unblock --ca-reader R");
	g_option_context_set_summary(ctx, "Gives the EP11 card (blocked or not) a new PIN and "
	                                  "full tries, authorized by the CA card of its zone.");
	g_option_context_set_description(ctx, "PINs, in --pin-fd order:\n"
	                                      "  1. CA PIN 1 ($OPENMU_CA_PIN1)\n"
	                                      "  2. CA PIN 2 ($OPENMU_CA_PIN2)\n"
	                                      "  3. new PIN of the EP11 card ($OPENMU_NEW_PIN; "
	                                      "asked twice on a terminal)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = pin_unblock_run(c, ca_spec);
	g_free(ca_spec);
	return rc;
}
