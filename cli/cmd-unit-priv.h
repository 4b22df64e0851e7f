/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the files of the `unit` command group (cmd-unit.c,
 * cmd-unit-key.c): options every subcommand takes, instance loading, output
 * and the mapping of tke errors to exit codes. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "cli-common.h"
#include "mu-tke-client.h"
#include "mu-tke-instance.h"

/* Exit codes (docs/cli.md). */
#define UNIT_EXIT_OK          0
#define UNIT_EXIT_FAILURE     1 /* anything not below */
#define UNIT_EXIT_USAGE       2 /* bad command line */
#define UNIT_EXIT_INPUT       3 /* instance file, certificate or token file unusable */
#define UNIT_EXIT_UNREACHABLE 4 /* unit not reachable, connection lost, TLS failure */
#define UNIT_EXIT_TRUST       5 /* certificate chain, identity or signature refused */
#define UNIT_EXIT_REFUSED     6 /* the unit refused (signed answer), or its state does */
#define UNIT_EXIT_DIFFER      7 /* unit compare: the units are not configured the same */

typedef struct unit_ctx {
	gboolean json;         /* --json (global or after `unit`) */
	char *instance_path;   /* --instance, else $OPENMU_INSTANCE */
	char *unit;            /* --unit */
	mu_tke_instance *inst; /* loaded by unit_load_instance() */
	int pin_fd;            /* global --pin-fd, -1 when absent */
} unit_ctx;

/* The options every subcommand accepts (--instance, --json, --unit);
 * entries point into u. */
void unit_common_entries(unit_ctx *u, GOptionContext *ctx);

/* Parses argv (argv[0] is the subcommand) with ctx; on failure prints the
 * message with a hint and returns FALSE. */
gboolean unit_parse(unit_ctx *u, GOptionContext *ctx, int *argc, char ***argv);

/* Loads the instance file (--instance or $OPENMU_INSTANCE). */
gboolean unit_load_instance(unit_ctx *u, GError **error);

/* The unit named by --unit; without --unit, the only unit of the instance
 * or an error asking for --unit. */
const mu_tke_unit *unit_pick_one(unit_ctx *u, GError **error);

/* Exit code of docs/cli.md for a tke error. */
int unit_exit_code(const GError *error);

/* Reports error (stderr; with --json also an {"error": ...} object on
 * stdout), frees it and returns its exit code. */
int unit_fail(const unit_ctx *u, GError *error);

/* Adds "error": {"kind", ["status", "status_code"], "code", "message"} to an
 * open JSON object (code: the exit code, as cli_fail writes it). */
void unit_json_error(JsonBuilder *b, const GError *error);

/* Prints a JSON document on stdout. */
void unit_json_print(JsonBuilder *b);

/* Reports a usage error (exit code for usage). */
int unit_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The ceremony commands (cmd-unit-admin.c): admin-add, admin-rm,
 * thresholds-set, mk-load, mk-commit, mk-setimm, mk-rotate, mk-clrnew,
 * mk-clrcur, zeroize; argv[0] is the command. Returns -1 for another
 * command name. */
int unit_cmd_ceremony(unit_ctx *u, int argc, char **argv);

/* `unit key ...` (cmd-unit-key.c); argv[0] is "key". */
int unit_cmd_key(unit_ctx *u, int argc, char **argv);
