/* SPDX-License-Identifier: Apache-2.0 */
/* The `ceremony` command group of openmu-cli: `plan` and `run` of a
 * ceremony plan file (tke/mu-tke-plan.h). Documented in docs/cli.md,
 * section "ceremony". */
#pragma once

#include "cli-common.h"

/* Runs `openmu-cli ceremony plan|run PLAN.ini`; argv[0] is "ceremony".
 * Prints the steps or their results on stdout, errors on stderr, and
 * returns the exit code of the unit commands (docs/cli.md). */
int cli_cmd_ceremony(int argc, char **argv, const cli_global *g);
