/* SPDX-License-Identifier: Apache-2.0 */
/* The `journal` command group of openmu-cli: show and verify a ceremony
 * journal (docs/protocol.md §21). Documented in docs/cli.md, section
 * "journal". */
#pragma once

/* Runs `openmu-cli journal show|verify ...`; argv[0] is "journal". Exit
 * codes: 0 the journal verifies, 1 it does not (the first broken line is
 * named on stderr), 2 usage, 6 the file cannot be read. */
int cli_cmd_journal(int argc, char **argv);
