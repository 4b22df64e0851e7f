/* SPDX-License-Identifier: Apache-2.0 */
/* The `readers` and `card` commands of openmu-cli, one function per
 * subcommand. Each takes argv with argv[0] = the subcommand name, parses
 * its options (plus the global ones), prints its result on stdout (one
 * JSON object with --json) and errors on stderr, and returns a CLI_EXIT_*
 * code. Documented in docs/cli.md. */
#pragma once

#include "cli-common.h"

/* cmd-readers.c */
int cli_cmd_readers(cli_ctx *c, int argc, char **argv);

/* cmd-card-info.c */
int cli_card_info(cli_ctx *c, int argc, char **argv);

/* cmd-card-perso.c */
int cli_card_init_ca(cli_ctx *c, int argc, char **argv);
int cli_card_init_ep11(cli_ctx *c, int argc, char **argv);
int cli_card_cert(cli_ctx *c, int argc, char **argv);

/* cmd-card-pin.c */
int cli_card_pin_change(cli_ctx *c, int argc, char **argv);
int cli_card_pin_unblock(cli_ctx *c, int argc, char **argv);

/* cmd-card-keys.c */
int cli_card_sigkey_gen(cli_ctx *c, int argc, char **argv);
int cli_card_sigkey_cert(cli_ctx *c, int argc, char **argv);
int cli_card_sign(cli_ctx *c, int argc, char **argv);
int cli_card_keypart_gen(cli_ctx *c, int argc, char **argv);
int cli_card_keyparts(cli_ctx *c, int argc, char **argv);
int cli_card_keypart_delete(cli_ctx *c, int argc, char **argv);

/* cmd-card-copy.c */
int cli_card_copy(cli_ctx *c, int argc, char **argv);
int cli_card_ca_backup(cli_ctx *c, int argc, char **argv);
int cli_card_zeroize(cli_ctx *c, int argc, char **argv);
