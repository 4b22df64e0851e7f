/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by every command of openmu-cli: global options, exit codes, the
 * backend and reader selection, PIN input, and text/JSON output. The user
 * documentation of all of it is docs/cli.md. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mu-card.h"

/* Exit codes of the readers and card commands (docs/cli.md). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,     /* the card refused or the operation failed */
	CLI_EXIT_USAGE = 2,      /* bad command line, missing PIN source */
	CLI_EXIT_NO_CARD = 3,    /* no reader, no card, card removed, pcscd down */
	CLI_EXIT_WRONG_CARD = 4, /* not an OpenMU card, wrong type, other zone */
	CLI_EXIT_BLOCKED = 5,    /* a PIN is blocked */
	CLI_EXIT_IO = 6,         /* a file could not be read or written */
};

/* Options accepted before the command and after every card subcommand. */
typedef struct cli_global {
	char *reader;    /* --reader NAME|INDEX */
	gboolean json;   /* --json */
	int pin_fd;      /* --pin-fd N, -1 when absent */
	char *instance;  /* --instance FILE.ini (unit commands) */
	gboolean version;
} cli_global;

/* Adds the global options (pointing into g) to the main group of ctx. */
void cli_global_add_entries(cli_global *g, GOptionContext *ctx);
gboolean cli_global_json(const cli_global *g);
/* The --instance path, or NULL. */
const char *cli_global_instance(const cli_global *g);

/* The state of one command run: its global options, the PC/SC backend
 * (opened on demand) and the JSON object being built with --json. The
 * APDU trace of $OPENMU_APDU_TRACE is opened by the smartcard layer. */
typedef struct cli_ctx {
	cli_global *g;
	mu_backend *backend;
	JsonBuilder *json; /* an open object while the command runs */
} cli_ctx;

void cli_ctx_init(cli_ctx *c, cli_global *g);
/* Frees the backend and the JSON builder. */
void cli_ctx_clear(cli_ctx *c);

/* Parses the options of a subcommand: argv[0] is the subcommand name; the
 * global options are accepted as well. Leftover arguments are an error.
 * Returns CLI_EXIT_OK or CLI_EXIT_USAGE (message printed). */
int cli_parse(cli_ctx *c, GOptionContext *ctx, int argc, char **argv);

/* ---- errors and output ---- */

/* Prints "openmu-cli: MESSAGE" on stderr and, with --json, an
 * {"error": {"code", "kind", "message"}} object on stdout; returns code. */
int cli_fail(cli_ctx *c, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The exit code for a smartcard or protocol status. */
int cli_exit_code(int status);
/* Reports a failed card call: the card's own message, prefixed by what
 * (e.g. "key part generation"), mapped to its exit code. */
int cli_fail_card(cli_ctx *c, mu_card *card, int status, const char *what);

/* Ends the command: on success with --json prints the built object on
 * stdout. Returns code. */
int cli_finish(cli_ctx *c, int code);

/* Output of one field: "Label:  value" in text mode, "key": value in the
 * JSON object. */
void cli_out_str(cli_ctx *c, const char *key, const char *label, const char *value);
void cli_out_int(cli_ctx *c, const char *key, const char *label, gint64 value);
void cli_out_bool(cli_ctx *c, const char *key, const char *label, gboolean value);
/* A line of text output only (nothing in JSON). */
void cli_say(cli_ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* JSON building helpers on any builder. */
void cli_json_str(JsonBuilder *b, const char *key, const char *value);
void cli_json_int(JsonBuilder *b, const char *key, gint64 value);
void cli_json_bool(JsonBuilder *b, const char *key, gboolean value);

/* Usage error unless value is UTF-8 of at most max bytes, and not empty
 * when required (value NULL counts as empty). */
int cli_check_text(cli_ctx *c, const char *option, const char *value, size_t max,
                   bool required);

/* Lower-case hex, no separators (caller frees). */
char *cli_hex(const uint8_t *p, size_t len);
/* Upper-case hex with ':' between bytes, as openssl prints fingerprints. */
char *cli_hex_colon(const uint8_t *p, size_t len);

/* ---- readers and cards ---- */

/* Opens the pcsc-lite backend (once). CLI_EXIT_NO_CARD when pcscd is not
 * running. */
int cli_backend(cli_ctx *c);

/* Opens the card in the reader named by spec (name, unique prefix or
 * index), or, with spec NULL, the card of the only reader holding an OpenMU
 * card (readers named in exclude, a NULL-terminated list of full names, are
 * skipped). what names the card in messages ("the CA card"). On success
 * *card and *reader (full name, caller frees) are set and info is filled.
 * Returns a CLI_EXIT_* code, with the message already printed. */
int cli_open_card(cli_ctx *c, const char *spec, const char *const *exclude, const char *what,
                  mu_card **card, char **reader, mu_card_info *info);

/* "the EP11 card "LABEL" of zone Z in reader "R"" (caller frees). */
char *cli_card_phrase(const mu_card_info *info, const char *reader);

/* Checks the card type; on a mismatch prints "<what> in READER is a X card,
 * not a Y card" and returns CLI_EXIT_WRONG_CARD. */
int cli_want_type(cli_ctx *c, const mu_card_info *info, const char *reader, int type,
                  const char *what);
