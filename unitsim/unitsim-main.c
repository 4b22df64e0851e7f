/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-unitsim: emulated crypto units (docs/protocol.md §19). */
#define G_LOG_DOMAIN "unitsim"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "unitsim-init.h"
#include "unitsim-server.h"
#include "unitsim-testadmin.h"

static const char usage[] =
    "usage:\n"
    "  openmu-unitsim init --dir D --units N [--recovery M] [--name NAME] [--base-port P]\n"
    "  openmu-unitsim serve --dir D [--dump-plaintext FILE]\n"
    "  openmu-unitsim test-admin new --name NAME --key KEY.pem --cert CERT.der\n"
    "  openmu-unitsim test-admin sign --key KEY.pem --block BLOCK.bin --out SIG.der\n"
    "\n"
    "--dump-plaintext and test-admin are TEST ONLY: they exist so that tests can\n"
    "check what the units receive and sign admin blocks without cards.\n"
    "Unit state files are test equipment, not secure storage.\n";

static int fail(GError *error)
{
	g_printerr("openmu-unitsim: %s\n", error != NULL ? error->message : "failed");
	g_clear_error(&error);
	return 1;
}

static gboolean parse(GOptionEntry *entries, int *argc, char ***argv, GError **error)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, error))
		return FALSE;
	if (*argc > 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "unexpected argument '%s'", (*argv)[1]);
		return FALSE;
	}
	return TRUE;
}

static int cmd_init(int argc, char **argv)
{
	g_autofree char *dir = NULL, *name = NULL;
	int units = 0, recovery = 0, base_port = 0;
	GOptionEntry entries[] = {
	    {"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "instance folder", "D"},
	    {"units", 0, 0, G_OPTION_ARG_INT, &units, "operational units", "N"},
	    {"recovery", 0, 0, G_OPTION_ARG_INT, &recovery, "recovery units", "M"},
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name, "instance name", "NAME"},
	    {"base-port", 0, 0, G_OPTION_ARG_INT, &base_port, "first port (0: free ports)", "P"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GError *error = NULL;
	if (!parse(entries, &argc, &argv, &error))
		return fail(error);
	if (dir == NULL || units < 1 || recovery < 0 || base_port < 0) {
		fputs(usage, stderr);
		return 2;
	}
	unitsim_init_opts o = {.dir = dir,
	                       .name = name,
	                       .units = (unsigned)units,
	                       .recovery = (unsigned)recovery,
	                       .base_port = (unsigned)base_port};
	if (!unitsim_init(&o, &error))
		return fail(error);
	printf("openmu-unitsim: instance created in %s (%d units, %d recovery units)\n", dir, units,
	       recovery);
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	g_autofree char *dir = NULL, *dump = NULL;
	GOptionEntry entries[] = {
	    {"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "instance folder", "D"},
	    {"dump-plaintext", 0, 0, G_OPTION_ARG_FILENAME, &dump, "TEST ONLY", "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GError *error = NULL;
	if (!parse(entries, &argc, &argv, &error))
		return fail(error);
	if (dir == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	unitsim_server_opts o = {.dir = dir, .dump_plaintext = dump};
	/* TEST ONLY: slows state writes so that crash tests hit them */
	const char *slow = g_getenv("OPENMU_UNITSIM_TEST_SLOW_WRITE_US");
	if (slow != NULL)
		o.slow_write_us = (unsigned)strtoul(slow, NULL, 10);
	if (!unitsim_serve(&o, &error))
		return fail(error);
	return 0;
}

static int cmd_test_admin(int argc, char **argv)
{
	g_autofree char *name = NULL, *key = NULL, *cert = NULL, *block = NULL, *out = NULL;
	GOptionEntry entries[] = {
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name, "admin name", "NAME"},
	    {"key", 0, 0, G_OPTION_ARG_FILENAME, &key, "PEM private key", "KEY"},
	    {"cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "DER admin certificate", "CERT"},
	    {"block", 0, 0, G_OPTION_ARG_FILENAME, &block, "admin block", "BLOCK"},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out, "DER signature", "SIG"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GError *error = NULL;
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *what = argv[1];
	argv[1] = argv[0];
	argc--;
	argv++;
	if (!parse(entries, &argc, &argv, &error))
		return fail(error);
	if (strcmp(what, "new") == 0 && name != NULL && key != NULL && cert != NULL)
		return unitsim_testadmin_new(name, key, cert, &error) ? 0 : fail(error);
	if (strcmp(what, "sign") == 0 && key != NULL && block != NULL && out != NULL)
		return unitsim_testadmin_sign(key, block, out, &error) ? 0 : fail(error);
	fputs(usage, stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	/* the subcommand's options start after its name */
	argv[1] = argv[0];
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "test-admin") == 0)
		return cmd_test_admin(argc - 1, argv + 1);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
