/* SPDX-License-Identifier: Apache-2.0 */
/* The `unit` command group of openmu-cli: crypto units of a service
 * instance (list, status, compare, imprint-mode admin-add, service-user key
 * commands). Documented in docs/cli.md, section "unit". */
#pragma once

#include "cli-common.h"

/* Runs `openmu-cli unit SUBCOMMAND ...`; argv[0] is "unit". Prints results
 * on stdout (JSON with --json), errors on stderr, and returns the exit code
 * of docs/cli.md. */
int cli_cmd_unit(int argc, char **argv, const cli_global *g);
