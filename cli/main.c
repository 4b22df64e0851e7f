/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli: global options and dispatch to the command groups. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "cmd-card.h"
#include "cmd-journal.h"
#include "cmd-ceremony.h"
#include "cmd-unit.h"

#ifndef OPENMU_VERSION
#define OPENMU_VERSION "unknown"
#endif

typedef struct card_cmd {
	const char *name;
	int (*fn)(cli_ctx *c, int argc, char **argv);
	const char *synopsis;
	const char *summary;
} card_cmd;

static const card_cmd card_cmds[] = {
    {"info", cli_card_info, "info", "type, serial, label, zone, PIN tries, admin, key parts"},
    {"init-ca", cli_card_init_ca,
     "init-ca --root ROOT.pem --zone ID [--description TEXT] [--label TEXT]",
     "make a blank card the CA card of a new zone"},
    {"init-ep11", cli_card_init_ep11, "init-ep11 --ca-reader R [--label TEXT]",
     "enroll a blank card as an EP11 card of the CA card's zone"},
    {"cert", cli_card_cert, "cert [--which card|ca|root] [--out FILE.pem]",
     "export a certificate of the card"},
    {"pin-change", cli_card_pin_change, "pin-change [--pin 1|2]", "change a PIN"},
    {"pin-unblock", cli_card_pin_unblock, "pin-unblock --ca-reader R",
     "new PIN for an EP11 card, with its zone's CA card"},
    {"sigkey-gen", cli_card_sigkey_gen, "sigkey-gen --name NAME [--replace]",
     "generate the administrator signature key"},
    {"sigkey-cert", cli_card_sigkey_cert, "sigkey-cert [--out FILE.pem]",
     "export the administrator certificate"},
    {"sign", cli_card_sign, "sign --in FILE --out SIG.der",
     "ECDSA P-521/SHA-512 signature by the card"},
    {"keypart-gen", cli_card_keypart_gen, "keypart-gen --label TEXT",
     "generate a master key part on the card"},
    {"keyparts", cli_card_keyparts, "keyparts", "list key parts: slot, VP, label"},
    {"keypart-delete", cli_card_keypart_delete, "keypart-delete --slot N",
     "delete a key part"},
    {"copy", cli_card_copy, "copy --to-reader R [--yes]",
     "copy an EP11 card to another card of its zone"},
    {"ca-backup", cli_card_ca_backup, "ca-backup --to-reader R [--new-pins]",
     "back up the CA card to a blank card"},
    {"zeroize", cli_card_zeroize, "zeroize [--yes]", "wipe the card back to blank"},
};

static const char exit_codes_text[] =
    "Exit codes (readers and card commands):\n"
    "  0  success\n"
    "  1  the card refused or the operation failed (wrong PIN, no such key part, ...)\n"
    "  2  usage error (bad option, missing PIN source, not confirmed without a terminal)\n"
    "  3  no reader, no card, card removed during the command, or pcscd not running\n"
    "  4  wrong card: not an OpenMU card, wrong card type, or a card of another zone\n"
    "  5  a PIN is blocked\n"
    "  6  a file could not be read or written\n"
    "The unit commands have their own codes: see 'openmu-cli unit --help' and docs/cli.md.\n";

static const char env_text[] =
    "PINs are read from --pin-fd N when given (one per line, in the order each\n"
    "command's --help lists), else from these variables, else asked on the terminal\n"
    "without echo. They are never accepted as arguments.\n"
    "  OPENMU_PIN          PIN of the EP11 card (the source card of 'card copy')\n"
    "  OPENMU_NEW_PIN      new PIN (init-ep11, pin-change, pin-unblock)\n"
    "  OPENMU_TARGET_PIN   PIN of the target card of 'card copy'\n"
    "  OPENMU_CA_PIN1      CA PIN 1 (first officer)\n"
    "  OPENMU_CA_PIN2      CA PIN 2 (second officer)\n"
    "  OPENMU_NEW_CA_PIN1  CA PIN 1 of a backup CA card (default: the source's)\n"
    "  OPENMU_NEW_CA_PIN2  CA PIN 2 of a backup CA card (default: the source's)\n"
    "Other variables:\n"
    "  OPENMU_APDU_TRACE   append an APDU trace to this file (PIN data redacted)\n"
    "  OPENMU_INSTANCE     instance file of the unit commands\n"
    "  PCSCLITE_CSOCK_NAME socket of the pcscd to use\n";

static void card_help(FILE *out)
{
	fprintf(out, "Usage: openmu-cli [--reader NAME|INDEX] [--json] [--pin-fd N] card "
	             "COMMAND [OPTIONS]\n\nSmart card commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(card_cmds); i++)
		fprintf(out, "  %-28s %s\n", card_cmds[i].name, card_cmds[i].summary);
	fprintf(out, "\n'openmu-cli card COMMAND --help' shows the options and the PINs of a "
	             "command.\nGlobal options may also follow the command.\n");
}

static char *main_summary(void)
{
	GString *s = g_string_new("Scriptable OpenMU smart card and crypto unit tool.\n\n"
	                          "Commands:\n"
	                          "  readers\n"
	                          "      list readers and the cards they hold\n");
	for (size_t i = 0; i < G_N_ELEMENTS(card_cmds); i++)
		g_string_append_printf(s, "  card %s\n      %s\n", card_cmds[i].synopsis,
		                       card_cmds[i].summary);
	g_string_append(s, "  unit COMMAND ...\n"
	                   "      crypto units of a service instance: status, compare, admins,\n"
	                   "      master keys, key storage ('openmu-cli unit --help' lists them)\n"
	                   "  journal show|verify [--json] FILE\n"
	                   "      print or verify a ceremony journal (hash chain, countersignatures)\n"
	                   "  ceremony plan|run PLAN.ini\n"
	                   "      steps to a ceremony plan's target, printed or executed\n"
	                   "\n'openmu-cli card COMMAND --help' shows a command's options and "
	                   "PINs.");
	return g_string_free(s, FALSE);
}

static int run_card(cli_ctx *c, int argc, char **argv)
{
	if (argc < 2) {
		card_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		card_help(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(card_cmds); i++)
		if (strcmp(argv[1], card_cmds[i].name) == 0)
			return card_cmds[i].fn(c, argc - 1, argv + 1);
	return cli_fail(c, CLI_EXIT_USAGE, "unknown card command \"%s\" (see 'openmu-cli card "
	                                   "--help')",
	                argv[1]);
}

int main(int argc, char **argv)
{
	cli_global g = {.pin_fd = -1};
	cli_ctx c;
	GError *error = NULL;

	setlocale(LC_ALL, "");
	g_set_prgname("openmu-cli");
	cli_ctx_init(&c, &g);

	GOptionEntry entries[] = {
	    {"instance", 'i', 0, G_OPTION_ARG_FILENAME, &g.instance,
	     "Instance file of the unit commands (default: $OPENMU_INSTANCE)", "FILE.ini"},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &g.version, "Print the version", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS...]");
	g_autofree char *summary = main_summary();
	g_autofree char *description = g_strconcat(env_text, "\n", exit_codes_text, NULL);
	g_option_context_set_summary(ctx, summary);
	g_option_context_set_description(ctx, description);
	/* options end at the command word: the rest belongs to the command */
	g_option_context_set_strict_posix(ctx, TRUE);
	cli_global_add_entries(&g, ctx);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		int rc = cli_fail(&c, CLI_EXIT_USAGE, "%s (see 'openmu-cli --help')",
		                  error->message);
		g_error_free(error);
		return rc;
	}

	int rc;
	if (g.version) {
		printf("openmu-cli %s\n", OPENMU_VERSION);
		rc = CLI_EXIT_OK;
	} else if (argc < 2) {
		g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
		fputs(help, stderr);
		rc = CLI_EXIT_USAGE;
	} else if (strcmp(argv[1], "readers") == 0) {
		rc = cli_cmd_readers(&c, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "card") == 0) {
		rc = run_card(&c, argc - 1, argv + 1);
	} else if (strcmp(argv[1], "unit") == 0) {
		rc = cli_cmd_unit(argc - 1, argv + 1, &g);
	} else if (strcmp(argv[1], "journal") == 0) {
		rc = cli_cmd_journal(argc - 1, argv + 1);
	} else if (strcmp(argv[1], "ceremony") == 0) {
		rc = cli_cmd_ceremony(argc - 1, argv + 1, &g);
	} else {
		rc = cli_fail(&c, CLI_EXIT_USAGE, "unknown command \"%s\" (see 'openmu-cli --help')",
		              argv[1]);
	}
	cli_ctx_clear(&c);
	g_free(g.reader);
	g_free(g.instance);
	return rc;
}
