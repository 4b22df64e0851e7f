/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli card copy, ca-backup and zeroize: card-to-card transfers
 * inside a zone (encrypted from card to card; the workstation relays
 * ciphertext only) and wiping a card. */
#include "cmd-card.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-pin.h"

/* ---- copy ---- */

typedef struct copy_opts {
	char *to;
	gboolean yes;
} copy_opts;

static int copy_run(cli_ctx *c, const copy_opts *o)
{
	if (o->to == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--to-reader R is required (see --help)");

	mu_card *dst = NULL, *src = NULL;
	g_autofree char *dst_reader = NULL, *src_reader = NULL;
	mu_card_info dst_info, src_info;
	int rc = cli_open_card(c, o->to, NULL, "the target EP11 card", &dst, &dst_reader,
	                       &dst_info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, &dst_info, dst_reader, MU_CARD_TYPE_EP11,
	                   "the target EP11 card (enroll a blank card first with 'card "
	                   "init-ep11')");
	const char *exclude[] = {dst_reader, NULL};
	if (rc == CLI_EXIT_OK)
		rc = cli_open_card(c, c->g->reader, exclude, "the source EP11 card", &src,
		                   &src_reader, &src_info);
	if (rc == CLI_EXIT_OK)
		rc = cli_want_type(c, &src_info, src_reader, MU_CARD_TYPE_EP11,
		                   "the source EP11 card");
	if (rc == CLI_EXIT_OK && strcmp(src_info.zone_id, dst_info.zone_id) != 0)
		rc = cli_fail(c, CLI_EXIT_WRONG_CARD,
		              "the source card is of zone %s and the target card of zone %s: cards "
		              "copy only within their zone",
		              src_info.zone_id, dst_info.zone_id);
	if (rc == CLI_EXIT_OK && memcmp(src_info.serial, dst_info.serial, MU_SERIAL_LEN) == 0)
		rc = cli_fail(c, CLI_EXIT_USAGE, "source and target are the same card");
	if (rc == CLI_EXIT_OK && (dst_info.keypart_count > 0 || dst_info.has_sigkey) && !o->yes) {
		g_autofree char *prompt = g_strdup_printf(
		    "The target card in \"%s\" holds %d key parts%s; the copy replaces them.",
		    dst_reader, dst_info.keypart_count,
		    dst_info.has_sigkey ? " and a signature key" : "");
		rc = cli_confirm(c, prompt, "add --yes to replace the target card's content");
	}

	/* both PINs are asked before either card is used */
	g_auto(cli_pin) src_pin = {{0}};
	g_auto(cli_pin) dst_pin = {{0}};
	g_autofree char *d1 = g_strdup_printf("PIN of the source EP11 card in \"%s\"", src_reader);
	g_autofree char *d2 = g_strdup_printf("PIN of the target EP11 card in \"%s\"", dst_reader);
	if (rc == CLI_EXIT_OK && src_info.blocked)
		rc = cli_blocked(c, &src_info, src_reader);
	if (rc == CLI_EXIT_OK && dst_info.blocked)
		rc = cli_blocked(c, &dst_info, dst_reader);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_PIN", d1, false, &src_pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_TARGET_PIN", d2, false, &dst_pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(c, src, src_reader, 1, &src_pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(c, dst, dst_reader, 1, &dst_pin);
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_copy(src, dst);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, dst, st, "copying the card");
	}
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_info_get(dst, &dst_info);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, dst, st, "reading the target card");
	}
	mu_card_free(&src);
	mu_card_free(&dst);
	if (rc != CLI_EXIT_OK)
		return rc;

	cli_out_str(c, "source_reader", "Source", src_reader);
	cli_out_str(c, "target_reader", "Target", dst_reader);
	cli_out_str(c, "zone_id", "Zone", dst_info.zone_id);
	cli_out_int(c, "keyparts", "Key parts copied", dst_info.keypart_count);
	if (dst_info.has_sigkey) {
		g_autofree char *kid = cli_hex(dst_info.admin_key_id, MU_KEY_ID_LEN);
		cli_out_str(c, "admin_name", "Administrator", dst_info.admin_name);
		cli_out_str(c, "admin_key_id", "Admin key id", kid);
	} else {
		cli_out_str(c, "admin_name", "Administrator", NULL);
	}
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_copy(cli_ctx *c, int argc, char **argv)
{
	copy_opts o = {0};
	GOptionEntry entries[] = {
	    {"to-reader", 0, 0, G_OPTION_ARG_STRING, &o.to,
	     "Reader of the target EP11 card (same zone)", "R"},
	    {"yes", 'y', 0, G_OPTION_ARG_NONE, &o.yes,
	     "Replace the target's key parts and signature key without asking", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card copy --to-reader R");
	g_option_context_set_summary(
	    ctx, "Copies the signature key and every key part of the EP11 card in --reader to\n"
	         "the EP11 card in R, which must be enrolled in the same zone. The source card\n"
	         "encrypts them for the target card; the workstation never sees them.\n"
	         "The target's previous content is replaced.");
	g_option_context_set_description(ctx, "PINs, in --pin-fd order:\n"
	                                      "  1. PIN of the source card ($OPENMU_PIN)\n"
	                                      "  2. PIN of the target card ($OPENMU_TARGET_PIN)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = copy_run(c, &o);
	g_free(o.to);
	return rc;
}

/* ---- ca-backup ---- */

/* A PIN of the backup card: asked when --new-pins, else $env when set
 * (without --pin-fd), else the source card's own PIN. */
static int backup_pin(cli_ctx *c, gboolean ask, const char *env, const char *desc,
                      const cli_pin *same, cli_pin *out)
{
	if (ask || (c->g->pin_fd < 0 && g_getenv(env) != NULL))
		return cli_get_pin(c, env, desc, true, out);
	memcpy(out, same, sizeof(*out));
	return CLI_EXIT_OK;
}

static int ca_backup_run(cli_ctx *c, const char *to, gboolean new_pins)
{
	if (to == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--to-reader R is required (see --help)");

	mu_card *dst = NULL, *src = NULL;
	g_autofree char *dst_reader = NULL, *src_reader = NULL;
	mu_card_info dst_info, src_info;
	int rc = cli_open_card(c, to, NULL, "a blank card for the backup", &dst, &dst_reader,
	                       &dst_info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, &dst_info, dst_reader, MU_CARD_TYPE_BLANK,
	                   "a blank card for the backup");
	const char *exclude[] = {dst_reader, NULL};
	if (rc == CLI_EXIT_OK)
		rc = cli_open_card(c, c->g->reader, exclude, "the CA card to back up", &src,
		                   &src_reader, &src_info);
	if (rc == CLI_EXIT_OK)
		rc = cli_want_type(c, &src_info, src_reader, MU_CARD_TYPE_CA, "the CA card to back "
		                                                              "up");
	if (rc == CLI_EXIT_OK && src_info.blocked)
		rc = cli_blocked(c, &src_info, src_reader);

	g_auto(cli_pin) pin1 = {{0}};
	g_auto(cli_pin) pin2 = {{0}};
	g_auto(cli_pin) new1 = {{0}};
	g_auto(cli_pin) new2 = {{0}};
	g_autofree char *d1 = g_strdup_printf("CA PIN 1 (first officer) of zone %s",
	                                      src_info.zone_id);
	g_autofree char *d2 = g_strdup_printf("CA PIN 2 (second officer) of zone %s",
	                                      src_info.zone_id);
	g_autofree char *n1 = g_strdup_printf("CA PIN 1 of the backup card of zone %s",
	                                      src_info.zone_id);
	g_autofree char *n2 = g_strdup_printf("CA PIN 2 of the backup card of zone %s",
	                                      src_info.zone_id);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_CA_PIN1", d1, false, &pin1);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_CA_PIN2", d2, false, &pin2);
	if (rc == CLI_EXIT_OK)
		rc = backup_pin(c, new_pins, "OPENMU_NEW_CA_PIN1", n1, &pin1, &new1);
	if (rc == CLI_EXIT_OK)
		rc = backup_pin(c, new_pins, "OPENMU_NEW_CA_PIN2", n2, &pin2, &new2);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(c, src, src_reader, 1, &pin1);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(c, src, src_reader, 2, &pin2);
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_ca_backup(src, dst, new1.s, new2.s);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, dst, st, "backing up the CA card");
	}
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_info_get(dst, &dst_info);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, dst, st, "reading the backup card");
	}
	mu_card_free(&src);
	mu_card_free(&dst);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *serial = cli_hex(dst_info.serial, MU_SERIAL_LEN);
	cli_out_str(c, "source_reader", "Source", src_reader);
	cli_out_str(c, "target_reader", "Backup", dst_reader);
	cli_out_str(c, "type", "Type", mu_card_type_name(dst_info.type));
	cli_out_str(c, "serial", "Serial", serial);
	cli_out_str(c, "zone_id", "Zone", dst_info.zone_id);
	cli_out_bool(c, "same_pins", "Same PINs as source",
	             strcmp(new1.s, pin1.s) == 0 && strcmp(new2.s, pin2.s) == 0);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_ca_backup(cli_ctx *c, int argc, char **argv)
{
	char *to = NULL;
	gboolean new_pins = FALSE;
	GOptionEntry entries[] = {
	    {"to-reader", 0, 0, G_OPTION_ARG_STRING, &to, "Reader of the blank backup card", "R"},
	    {"new-pins", 0, 0, G_OPTION_ARG_NONE, &new_pins,
	     "Ask for two new PINs for the backup card", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card ca-backup --to-reader R");
	g_option_context_set_summary(
	    ctx, "Backs up the CA card in --reader to the blank card in R, which becomes a CA\n"
	         "card of the same zone (same zone CA key, encrypted from card to card).");
	g_option_context_set_description(
	    ctx, "PINs, in --pin-fd order:\n"
	         "  1. CA PIN 1 ($OPENMU_CA_PIN1)\n"
	         "  2. CA PIN 2 ($OPENMU_CA_PIN2)\n"
	         "  3. with --new-pins: CA PIN 1 of the backup ($OPENMU_NEW_CA_PIN1)\n"
	         "  4. with --new-pins: CA PIN 2 of the backup ($OPENMU_NEW_CA_PIN2)\n"
	         "The backup card gets the source's two PINs, except that without --pin-fd\n"
	         "$OPENMU_NEW_CA_PIN1 / $OPENMU_NEW_CA_PIN2 replace them when set.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = ca_backup_run(c, to, new_pins);
	g_free(to);
	return rc;
}

/* ---- zeroize ---- */

static int zeroize_run(cli_ctx *c, gboolean yes)
{
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	int rc = cli_open_card(c, c->g->reader, NULL, "the card to zeroize", &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	g_autofree char *phrase = cli_card_phrase(&info, reader);
	g_autofree char *serial = cli_hex(info.serial, MU_SERIAL_LEN);
	if (!yes) {
		g_autofree char *prompt = g_strdup_printf(
		    "Zeroize %s (serial %s)? Every key, certificate, key part and PIN on it is "
		    "wiped for good.",
		    phrase, serial);
		rc = cli_confirm(c, prompt, "add --yes to zeroize without asking");
	}
	/* a blocked card can always be wiped; a blank card has no PIN */
	if (rc == CLI_EXIT_OK && !info.blocked && info.type != MU_CARD_TYPE_BLANK)
		rc = cli_login(c, card, reader, &info);
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_zeroize(card);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "zeroizing the card");
	}
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "serial", "Serial", serial);
	cli_out_str(c, "previous_type", "Was", mu_card_type_name(info.type));
	cli_out_str(c, "type", "Now", mu_card_type_name(MU_CARD_TYPE_BLANK));
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_zeroize(cli_ctx *c, int argc, char **argv)
{
	gboolean yes = FALSE;
	GOptionEntry entries[] = {
	    {"yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "Do not ask for confirmation", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card zeroize [--yes]");
	g_option_context_set_summary(
	    ctx, "Returns the card to blank: wipes every key, certificate, key part and PIN\n"
	         "(serial and label stay). Asks for confirmation on the terminal unless --yes.");
	g_option_context_set_description(
	    ctx, "PINs, in --pin-fd order (none when the card is blocked or blank):\n"
	         "  EP11 card: 1. its PIN ($OPENMU_PIN)\n"
	         "  CA card:   1. CA PIN 1 ($OPENMU_CA_PIN1)  2. CA PIN 2 ($OPENMU_CA_PIN2)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = zeroize_run(c, yes);
	return rc;
}
