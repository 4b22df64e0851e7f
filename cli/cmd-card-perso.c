/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli card init-ca, init-ep11 and cert: personalization of blank
 * cards and reading certificates. */
#include "cmd-card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-files.h"
#include "cli-pin.h"
#include "mu-secret.h"

static bool zone_id_ok(const char *z)
{
	size_t n = strlen(z);
	if (n == 0 || n > MU_ZONE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(z[i]) && z[i] != '.' && z[i] != '_' && z[i] != '-')
			return false;
	return true;
}

/* "AB:cd 01..." -> "abcd01..." */
static char *fpr_normalize(const char *s)
{
	GString *out = g_string_new(NULL);
	for (; *s != '\0'; s++)
		if (*s != ':' && *s != ' ')
			g_string_append_c(out, g_ascii_tolower(*s));
	return g_string_free(out, FALSE);
}

/* ---- init-ca ---- */

typedef struct init_ca_opts {
	char *root, *zone, *desc, *label, *expect;
} init_ca_opts;

static void init_ca_opts_clear(init_ca_opts *o)
{
	g_free(o->root);
	g_free(o->zone);
	g_free(o->desc);
	g_free(o->label);
	g_free(o->expect);
}

static int init_ca_run(cli_ctx *c, const init_ca_opts *o)
{
	g_autoptr(GBytes) root = NULL;
	int rc;

	if (o->root == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--root ROOT.pem is required (see --help)");
	if (o->zone == NULL || !zone_id_ok(o->zone))
		return cli_fail(c, CLI_EXIT_USAGE,
		                "--zone needs 1 to %u characters of A-Z a-z 0-9 . _ - (see --help)",
		                MU_ZONE_ID_MAX);
	if ((rc = cli_check_text(c, "--description", o->desc, MU_DESC_MAX, false)) ||
	    (rc = cli_check_text(c, "--label", o->label, MU_LABEL_MAX, false)))
		return rc;
	if ((rc = cli_read_cert(c, o->root, &root)) != CLI_EXIT_OK)
		return rc;

	gsize root_len = 0;
	const uint8_t *root_der = g_bytes_get_data(root, &root_len);
	uint8_t fpr[32];
	cli_sha256(root_der, root_len, fpr);
	g_autofree char *fpr_text = cli_hex_colon(fpr, sizeof(fpr));
	g_autofree char *subject = cli_cert_subject(root_der, root_len);
	/* shown first, so that the officers compare it before typing PINs */
	cli_out_str(c, "root_subject", "Root certificate", subject);
	cli_out_str(c, "root_fingerprint", "Root SHA-256", fpr_text);
	fflush(stdout);
	if (o->expect != NULL) {
		g_autofree char *want = fpr_normalize(o->expect);
		g_autofree char *have = cli_hex(fpr, sizeof(fpr));
		if (strcmp(want, have) != 0)
			return cli_fail(c, CLI_EXIT_FAILED,
			                "the root's SHA-256 fingerprint %s is not the expected %s: "
			                "nothing done",
			                fpr_text, o->expect);
	}

	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	rc = cli_open_card(c, c->g->reader, NULL, "a blank card", &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, &info, reader, MU_CARD_TYPE_BLANK, "a blank card");

	g_auto(cli_pin) pin1 = {{0}};
	g_auto(cli_pin) pin2 = {{0}};
	g_autofree char *d1 = g_strdup_printf("new CA PIN 1 (first officer) of zone %s", o->zone);
	g_autofree char *d2 = g_strdup_printf("new CA PIN 2 (second officer) of zone %s",
	                                      o->zone);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_CA_PIN1", d1, true, &pin1);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_CA_PIN2", d2, true, &pin2);
	if (rc == CLI_EXIT_OK && strcmp(pin1.s, pin2.s) == 0)
		fprintf(stderr, "openmu-cli: warning: CA PIN 1 and CA PIN 2 are equal; dual "
		                "control needs two officers with PINs of their own\n");

	uint8_t card_fpr[32];
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_init_ca(card, o->zone, o->desc != NULL ? o->desc : "", root_der,
		                         root_len, pin1.s, pin2.s, o->label, card_fpr);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "creating the CA card");
	}
	if (rc == CLI_EXIT_OK && mu_card_info_get(card, &info) != MU_SC_OK)
		memset(&info, 0, sizeof(info));
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *card_fpr_text = cli_hex_colon(card_fpr, sizeof(card_fpr));
	g_autofree char *serial = cli_hex(info.serial, sizeof(info.serial));
	cli_out_str(c, "card_root_fingerprint", "Card reports root", card_fpr_text);
	if (memcmp(card_fpr, fpr, sizeof(fpr)) != 0)
		return cli_fail(c, CLI_EXIT_FAILED,
		                "the card reports root fingerprint %s, but %s has %s: do not use "
		                "this card; zeroize it",
		                card_fpr_text, o->root, fpr_text);
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "type", "Type", mu_card_type_name(MU_CARD_TYPE_CA));
	cli_out_str(c, "serial", "Serial", serial);
	cli_out_str(c, "zone_id", "Zone", o->zone);
	cli_out_str(c, "label", "Label", info.label);
	cli_say(c, "CA card of zone %s created. Compare the root fingerprint above with the "
	           "published one.",
	        o->zone);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_init_ca(cli_ctx *c, int argc, char **argv)
{
	init_ca_opts o = {0};
	GOptionEntry entries[] = {
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &o.root,
	     "Manufacturer root certificate (PEM or DER)", "ROOT.pem"},
	    {"zone", 0, 0, G_OPTION_ARG_STRING, &o.zone,
	     "Zone id: 1-32 characters of A-Z a-z 0-9 . _ -", "ID"},
	    {"description", 0, 0, G_OPTION_ARG_STRING, &o.desc, "Zone description (64 bytes max)",
	     "TEXT"},
	    {"label", 0, 0, G_OPTION_ARG_STRING, &o.label, "Card label (32 bytes max)", "TEXT"},
	    {"fingerprint", 0, 0, G_OPTION_ARG_STRING, &o.expect,
	     "Refuse unless the root's SHA-256 fingerprint is FPR (hex, ':' optional)", "FPR"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card init-ca --root ROOT.pem "
	                                                     "--zone ID");
	g_option_context_set_summary(
	    ctx, "Makes the blank card a CA card: it defines zone ID, stores the manufacturer\n"
	         "root and gets two PINs (dual control). Shows the root's SHA-256 fingerprint\n"
	         "(compare it with the published one) and the fingerprint the card reports.");
	g_option_context_set_description(
	    ctx, "PINs, in --pin-fd order:\n"
	         "  1. new CA PIN 1 ($OPENMU_CA_PIN1)\n"
	         "  2. new CA PIN 2 ($OPENMU_CA_PIN2)\n"
	         "On a terminal each is asked twice.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = init_ca_run(c, &o);
	init_ca_opts_clear(&o);
	return rc;
}

/* ---- init-ep11 ---- */

static int init_ep11_run(cli_ctx *c, const char *ca_spec, const char *label)
{
	int rc;
	if (ca_spec == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--ca-reader R is required (see --help)");
	if ((rc = cli_check_text(c, "--label", label, MU_LABEL_MAX, false)) != CLI_EXIT_OK)
		return rc;

	mu_card *ca = NULL, *card = NULL;
	g_autofree char *ca_reader = NULL, *reader = NULL;
	mu_card_info ca_info, info;
	rc = cli_open_card(c, ca_spec, NULL, "the CA card of the zone", &ca, &ca_reader, &ca_info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, &ca_info, ca_reader, MU_CARD_TYPE_CA, "the CA card of the zone");
	const char *exclude[] = {ca_reader, NULL};
	if (rc == CLI_EXIT_OK)
		rc = cli_open_card(c, c->g->reader, exclude, "a blank card", &card, &reader, &info);
	if (rc == CLI_EXIT_OK)
		rc = cli_want_type(c, &info, reader, MU_CARD_TYPE_BLANK, "a blank card");

	/* every PIN is read before any is sent: a bad entry costs no try */
	cli_pin ca_pins[2];
	memset(ca_pins, 0, sizeof(ca_pins));
	g_auto(cli_pin) pin = {{0}};
	g_autofree char *desc = g_strdup_printf("PIN for the new EP11 card of zone %s",
	                                        ca_info.zone_id);
	if (rc == CLI_EXIT_OK)
		rc = cli_ask_login(c, ca_reader, &ca_info, ca_pins);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_NEW_PIN", desc, true, &pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_check_login(c, ca, ca_reader, &ca_info, ca_pins);
	mu_memzero(ca_pins, sizeof(ca_pins));
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_enroll(card, ca, pin.s, label);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "enrolling the EP11 card");
	}
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_info_get(card, &info);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "reading the new card");
	}
	mu_card_free(&ca);
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *serial = cli_hex(info.serial, sizeof(info.serial));
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "type", "Type", mu_card_type_name(info.type));
	cli_out_str(c, "serial", "Serial", serial);
	cli_out_str(c, "label", "Label", info.label);
	cli_out_str(c, "zone_id", "Zone", info.zone_id);
	cli_out_str(c, "ca_reader", "Enrolled by", ca_reader);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_init_ep11(cli_ctx *c, int argc, char **argv)
{
	char *ca_spec = NULL, *label = NULL;
	GOptionEntry entries[] = {
	    {"ca-reader", 0, 0, G_OPTION_ARG_STRING, &ca_spec,
	     "Reader of the zone's CA card (name, prefix or index)", "R"},
	    {"label", 0, 0, G_OPTION_ARG_STRING, &label, "Card label (32 bytes max)", "TEXT"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card init-ep11 --ca-reader R");
	g_option_context_set_summary(
	    ctx, "Enrolls the blank card (in --reader, or the other reader holding an OpenMU\n"
	         "card) as an EP11 card of the zone of the CA card in R.");
	g_option_context_set_description(ctx, "PINs, in --pin-fd order:\n"
	                                      "  1. CA PIN 1 ($OPENMU_CA_PIN1)\n"
	                                      "  2. CA PIN 2 ($OPENMU_CA_PIN2)\n"
	                                      "  3. PIN of the new card ($OPENMU_NEW_PIN; asked "
	                                      "twice on a terminal)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = init_ep11_run(c, ca_spec, label);
	g_free(ca_spec);
	g_free(label);
	return rc;
}

/* ---- cert ---- */

static int cert_run(cli_ctx *c, const char *which_name, const char *out)
{
	int which;
	if (which_name == NULL || strcmp(which_name, "card") == 0)
		which = MU_CERT_CARD;
	else if (strcmp(which_name, "ca") == 0)
		which = MU_CERT_ZONE_CA;
	else if (strcmp(which_name, "root") == 0)
		which = MU_CERT_ROOT;
	else
		return cli_fail(c, CLI_EXIT_USAGE, "--which takes card, ca or root, not \"%s\"",
		                which_name);

	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	int rc = cli_open_card(c, c->g->reader, NULL, "a CA or EP11 card", &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (info.type == MU_CARD_TYPE_BLANK) {
		mu_card_free(&card);
		return cli_fail(c, CLI_EXIT_WRONG_CARD,
		                "the card in reader \"%s\" is blank: it holds no certificate", reader);
	}
	uint8_t *der = NULL;
	size_t der_len = 0;
	int st = mu_card_get_cert(card, which, &der, &der_len);
	if (st != MU_SC_OK)
		rc = cli_fail_card(c, card, st, "reading the certificate");
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *pem = cli_cert_pem(der, der_len);
	g_autofree char *subject = cli_cert_subject(der, der_len);
	g_autofree char *fpr = cli_cert_fingerprint(der, der_len);
	free(der);
	if (pem == NULL)
		return cli_fail(c, CLI_EXIT_FAILED, "the card returned a certificate that does not "
		                                    "parse");
	if (out != NULL) {
		rc = cli_write_file(c, out, pem, strlen(pem));
		if (rc != CLI_EXIT_OK)
			return rc;
	} else if (!c->g->json) {
		/* PEM alone on stdout: `openmu-cli card cert > card.pem` */
		fputs(pem, stdout);
		return cli_finish(c, CLI_EXIT_OK);
	}
	const char *names[] = {"card", "ca", "root"};
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "which", "Certificate", names[which]);
	cli_out_str(c, "subject", "Subject", subject);
	cli_out_str(c, "sha256", "SHA-256", fpr);
	if (out != NULL)
		cli_out_str(c, "file", "Written to", out);
	else if (c->json != NULL)
		cli_json_str(c->json, "pem", pem);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_cert(cli_ctx *c, int argc, char **argv)
{
	char *which = NULL, *out = NULL;
	GOptionEntry entries[] = {
	    {"which", 'w', 0, G_OPTION_ARG_STRING, &which,
	     "card: the card's own certificate (default; on a CA card the zone CA "
	     "certificate), ca: the zone CA certificate, root: the manufacturer root",
	     "card|ca|root"},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
	     "Write the PEM to FILE (default: standard output)", "FILE.pem"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card cert [--which card|ca|root] "
	                                                     "[--out FILE.pem]");
	g_option_context_set_summary(ctx, "Reads a certificate from a CA or EP11 card as PEM.");
	g_option_context_set_description(ctx, "PINs: none.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = cert_run(c, which, out);
	g_free(which);
	g_free(out);
	return rc;
}
