/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli card sigkey-gen, sigkey-cert, sign, keypart-gen, keyparts,
 * keypart-delete: the administrator signature key and the master key parts
 * of an EP11 card. Key parts never leave the card through these commands;
 * only slots, labels and verification patterns are shown. */
#include "cmd-card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-files.h"
#include "cli-pin.h"
#include "mu-vp.h"

/* Opens the EP11 card of --reader and, with login, verifies its PIN. */
static int open_ep11(cli_ctx *c, bool login, mu_card **card, char **reader, mu_card_info *info)
{
	int rc = cli_open_card(c, c->g->reader, NULL, "an EP11 card", card, reader, info);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_want_type(c, info, *reader, MU_CARD_TYPE_EP11, "an EP11 card");
	if (rc == CLI_EXIT_OK && login)
		rc = cli_login(c, *card, *reader, info);
	if (rc != CLI_EXIT_OK) {
		mu_card_free(card);
		g_clear_pointer(reader, g_free);
	}
	return rc;
}

static int no_sigkey(cli_ctx *c, const mu_card_info *info, const char *reader)
{
	g_autofree char *phrase = cli_card_phrase(info, reader);
	return cli_fail(c, CLI_EXIT_FAILED,
	                "%s holds no signature key: make one with 'openmu-cli card sigkey-gen "
	                "--name NAME'",
	                phrase);
}

static const char pin_help[] = "PINs, in --pin-fd order:\n"
                               "  1. PIN of the EP11 card ($OPENMU_PIN)";

/* ---- sigkey-gen ---- */

static int sigkey_gen_run(cli_ctx *c, const char *name, gboolean replace)
{
	int rc = cli_check_text(c, "--name", name, MU_NAME_MAX, true);
	if (rc != CLI_EXIT_OK)
		return rc;
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	if ((rc = open_ep11(c, false, &card, &reader, &info)) != CLI_EXIT_OK)
		return rc;
	if (info.has_sigkey && !replace) {
		g_autofree char *kid = cli_hex(info.admin_key_id, sizeof(info.admin_key_id));
		rc = cli_fail(c, CLI_EXIT_FAILED,
		              "the card already holds the signature key of administrator \"%s\" "
		              "(key id %s): add --replace to replace it",
		              info.admin_name, kid);
	}
	if (rc == CLI_EXIT_OK)
		rc = cli_login(c, card, reader, &info);
	uint8_t key_id[MU_KEY_ID_LEN];
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_sigkey_gen(card, name, replace, key_id);
		if (st == MU_SC_ERR_EXISTS)
			rc = cli_fail(c, CLI_EXIT_FAILED, "the card already holds a signature key: "
			                                  "add --replace to replace it");
		else if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "generating the signature key");
	}
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;
	g_autofree char *kid = cli_hex(key_id, sizeof(key_id));
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "admin_name", "Administrator", name);
	cli_out_str(c, "admin_key_id", "Admin key id", kid);
	cli_say(c, "Export the administrator certificate with 'openmu-cli card sigkey-cert'.");
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_sigkey_gen(cli_ctx *c, int argc, char **argv)
{
	char *name = NULL;
	gboolean replace = FALSE;
	GOptionEntry entries[] = {
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name,
	     "Administrator name (the certificate's CN, 64 bytes max)", "NAME"},
	    {"replace", 0, 0, G_OPTION_ARG_NONE, &replace,
	     "Replace the signature key the card already holds", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card sigkey-gen --name NAME "
	                                                     "[--replace]");
	g_option_context_set_summary(ctx, "Generates the administrator signature key (P-521) on "
	                                  "the EP11 card, with a self-signed certificate.");
	g_option_context_set_description(ctx, pin_help);
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = sigkey_gen_run(c, name, replace);
	g_free(name);
	return rc;
}

/* ---- sigkey-cert ---- */

static int sigkey_cert_run(cli_ctx *c, const char *out)
{
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	int rc = open_ep11(c, false, &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	uint8_t *der = NULL;
	size_t der_len = 0;
	if (!info.has_sigkey) {
		rc = no_sigkey(c, &info, reader);
	} else {
		int st = mu_card_get_cert(card, MU_CERT_ADMIN, &der, &der_len);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "reading the administrator certificate");
	}
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *pem = cli_cert_pem(der, der_len);
	free(der);
	if (pem == NULL)
		return cli_fail(c, CLI_EXIT_FAILED, "the card returned a certificate that does not "
		                                    "parse");
	if (out == NULL && !c->g->json) {
		fputs(pem, stdout);
		return cli_finish(c, CLI_EXIT_OK);
	}
	if (out != NULL && (rc = cli_write_file(c, out, pem, strlen(pem))) != CLI_EXIT_OK)
		return rc;
	g_autofree char *kid = cli_hex(info.admin_key_id, sizeof(info.admin_key_id));
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "admin_name", "Administrator", info.admin_name);
	cli_out_str(c, "admin_key_id", "Admin key id", kid);
	if (out != NULL)
		cli_out_str(c, "file", "Written to", out);
	else
		cli_json_str(c->json, "pem", pem);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_sigkey_cert(cli_ctx *c, int argc, char **argv)
{
	char *out = NULL;
	GOptionEntry entries[] = {
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
	     "Write the PEM to FILE (default: standard output)", "FILE.pem"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card sigkey-cert [--out FILE.pem]");
	g_option_context_set_summary(ctx, "Exports the administrator certificate (self-signed by "
	                                  "the signature key, CN = administrator name), e.g. "
	                                  "for 'openmu-cli unit admin-add'.");
	g_option_context_set_description(ctx, "PINs: none.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = sigkey_cert_run(c, out);
	g_free(out);
	return rc;
}

/* ---- sign ---- */

static int sign_run(cli_ctx *c, const char *in, const char *out)
{
	if (in == NULL || out == NULL)
		return cli_fail(c, CLI_EXIT_USAGE, "--in FILE and --out SIG.der are required");
	if (strcmp(out, "-") == 0 && c->g->json)
		return cli_fail(c, CLI_EXIT_USAGE, "--out - writes binary data: not with --json");
	g_autoptr(GBytes) data = NULL;
	int rc = cli_read_file(c, in, MU_SIGN_DATA_MAX, &data);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (g_bytes_get_size(data) == 0)
		return cli_fail(c, CLI_EXIT_USAGE, "%s is empty: nothing to sign", in);

	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	if ((rc = open_ep11(c, false, &card, &reader, &info)) != CLI_EXIT_OK)
		return rc;
	if (!info.has_sigkey)
		rc = no_sigkey(c, &info, reader);
	if (rc == CLI_EXIT_OK)
		rc = cli_login(c, card, reader, &info);
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	if (rc == CLI_EXIT_OK) {
		gsize len = 0;
		const uint8_t *p = g_bytes_get_data(data, &len);
		int st = mu_card_sign(card, p, len, &sig, &sig_len);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "signing");
	}
	mu_card_free(&card);
	if (rc == CLI_EXIT_OK)
		rc = cli_write_file(c, out, sig, sig_len);
	free(sig);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (strcmp(out, "-") == 0)
		return cli_finish(c, CLI_EXIT_OK);
	g_autofree char *kid = cli_hex(info.admin_key_id, sizeof(info.admin_key_id));
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_str(c, "admin_name", "Administrator", info.admin_name);
	cli_out_str(c, "admin_key_id", "Admin key id", kid);
	cli_out_int(c, "signed_bytes", "Bytes signed", (gint64)g_bytes_get_size(data));
	cli_out_str(c, "file", "Signature (DER)", out);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_sign(cli_ctx *c, int argc, char **argv)
{
	char *in = NULL, *out = NULL;
	GOptionEntry entries[] = {
	    {"in", 'i', 0, G_OPTION_ARG_FILENAME, &in, "Data to sign, 1 to 4096 bytes (- = stdin)",
	     "FILE"},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Signature output (- = stdout)",
	     "SIG.der"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card sign --in FILE --out SIG.der");
	g_option_context_set_summary(
	    ctx, "Signs FILE with the card's administrator key: ECDSA P-521 over SHA-512,\n"
	         "DER-encoded. Check it with\n"
	         "  openssl dgst -sha512 -verify PUB.pem -signature SIG.der FILE\n"
	         "where PUB.pem is the public key of 'card sigkey-cert'.");
	g_option_context_set_description(ctx, pin_help);
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = sign_run(c, in, out);
	g_free(in);
	g_free(out);
	return rc;
}

/* ---- keypart-gen ---- */

static int keypart_gen_run(cli_ctx *c, const char *label)
{
	int rc = cli_check_text(c, "--label", label, MU_DESC_MAX, true);
	if (rc != CLI_EXIT_OK)
		return rc;
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	if ((rc = open_ep11(c, false, &card, &reader, &info)) != CLI_EXIT_OK)
		return rc;
	if (info.keypart_max > 0 && info.keypart_count >= info.keypart_max)
		rc = cli_fail(c, CLI_EXIT_FAILED,
		              "the card holds %d key parts, its maximum: delete one first "
		              "('openmu-cli card keypart-delete --slot N')",
		              info.keypart_count);
	if (rc == CLI_EXIT_OK)
		rc = cli_login(c, card, reader, &info);
	unsigned slot = 0;
	uint8_t vp[MU_VP_LEN];
	if (rc == CLI_EXIT_OK) {
		int st = mu_card_keypart_gen(card, label, &slot, vp);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "generating the key part");
	}
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;
	char vp_hex[2 * MU_VP_LEN + 1];
	mu_vp_to_hex(vp, vp_hex);
	cli_out_str(c, "reader", "Reader", reader);
	cli_out_int(c, "slot", "Slot", slot);
	cli_out_str(c, "label", "Label", label);
	cli_out_str(c, "vp", "Verification pattern", vp_hex);
	return cli_finish(c, CLI_EXIT_OK);
}

int cli_card_keypart_gen(cli_ctx *c, int argc, char **argv)
{
	char *label = NULL;
	GOptionEntry entries[] = {
	    {"label", 0, 0, G_OPTION_ARG_STRING, &label,
	     "Description of the key part (64 bytes max)", "TEXT"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card keypart-gen --label TEXT");
	g_option_context_set_summary(ctx, "Generates a random 32-byte master key part inside the "
	                                  "EP11 card and shows its slot and verification pattern "
	                                  "(never the part).");
	g_option_context_set_description(ctx, pin_help);
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = keypart_gen_run(c, label);
	g_free(label);
	return rc;
}

/* ---- keyparts ---- */

int cli_card_keyparts(cli_ctx *c, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("card keyparts");
	g_option_context_set_summary(ctx, "Lists the key parts of the EP11 card: slot, "
	                                  "verification pattern, label.");
	g_option_context_set_description(ctx, "PINs: none.");
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc != CLI_EXIT_OK)
		return rc;
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	if ((rc = open_ep11(c, false, &card, &reader, &info)) != CLI_EXIT_OK)
		return rc;
	mu_keypart_info *parts = NULL;
	size_t n = 0;
	int st = mu_card_keypart_list(card, &parts, &n);
	if (st != MU_SC_OK)
		rc = cli_fail_card(c, card, st, "listing the key parts");
	mu_card_free(&card);
	if (rc != CLI_EXIT_OK)
		return rc;

	g_autofree char *phrase = cli_card_phrase(&info, reader);
	cli_say(c, "Key parts of %s: %zu of %d", phrase, n, info.keypart_max);
	if (n > 0)
		cli_say(c, "%4s  %-64s  %s", "slot", "verification pattern", "label");
	if (c->json != NULL) {
		cli_json_str(c->json, "reader", reader);
		cli_json_int(c->json, "count", (gint64)n);
		cli_json_int(c->json, "max", info.keypart_max);
		json_builder_set_member_name(c->json, "keyparts");
		json_builder_begin_array(c->json);
	}
	for (size_t i = 0; i < n; i++) {
		char vp_hex[2 * MU_VP_LEN + 1];
		mu_vp_to_hex(parts[i].vp, vp_hex);
		cli_say(c, "%4u  %s  %s", parts[i].slot, vp_hex, parts[i].desc);
		if (c->json != NULL) {
			json_builder_begin_object(c->json);
			cli_json_int(c->json, "slot", parts[i].slot);
			cli_json_str(c->json, "label", parts[i].desc);
			cli_json_str(c->json, "vp", vp_hex);
			json_builder_end_object(c->json);
		}
	}
	if (c->json != NULL)
		json_builder_end_array(c->json);
	free(parts);
	return cli_finish(c, CLI_EXIT_OK);
}

/* ---- keypart-delete ---- */

static int keypart_delete_run(cli_ctx *c, int slot)
{
	if (slot < 0 || slot >= (int)MU_KEYPARTS_MAX)
		return cli_fail(c, CLI_EXIT_USAGE, "--slot N is required, 0 to %u (see 'openmu-cli "
		                                   "card keyparts')",
		                MU_KEYPARTS_MAX - 1);
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	int rc = open_ep11(c, false, &card, &reader, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	mu_keypart_info *parts = NULL, *found = NULL;
	size_t n = 0;
	int st = mu_card_keypart_list(card, &parts, &n);
	if (st != MU_SC_OK)
		rc = cli_fail_card(c, card, st, "listing the key parts");
	for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++)
		if (parts[i].slot == (unsigned)slot)
			found = &parts[i];
	if (rc == CLI_EXIT_OK && found == NULL)
		rc = cli_fail(c, CLI_EXIT_FAILED,
		              "the card holds no key part in slot %d (see 'openmu-cli card "
		              "keyparts')",
		              slot);
	if (rc == CLI_EXIT_OK)
		rc = cli_login(c, card, reader, &info);
	if (rc == CLI_EXIT_OK) {
		st = mu_card_keypart_delete(card, (unsigned)slot);
		if (st != MU_SC_OK)
			rc = cli_fail_card(c, card, st, "deleting the key part");
	}
	mu_card_free(&card);
	if (rc == CLI_EXIT_OK) {
		char vp_hex[2 * MU_VP_LEN + 1];
		mu_vp_to_hex(found->vp, vp_hex);
		cli_out_str(c, "reader", "Reader", reader);
		cli_out_int(c, "slot", "Deleted slot", slot);
		cli_out_str(c, "label", "Label", found->desc);
		cli_out_str(c, "vp", "Verification pattern", vp_hex);
	}
	free(parts);
	return cli_finish(c, rc);
}

int cli_card_keypart_delete(cli_ctx *c, int argc, char **argv)
{
	int slot = -1;
	GOptionEntry entries[] = {
	    {"slot", 0, 0, G_OPTION_ARG_INT, &slot, "Slot of the key part (see 'card keyparts')",
	     "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("card keypart-delete --slot N");
	g_option_context_set_summary(ctx, "Deletes the key part in slot N of the EP11 card.");
	g_option_context_set_description(ctx, pin_help);
	g_option_context_add_main_entries(ctx, entries, NULL);
	int rc = cli_parse(c, ctx, argc, argv);
	if (rc == CLI_EXIT_OK)
		rc = keypart_delete_run(c, slot);
	return rc;
}
