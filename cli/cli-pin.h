/* SPDX-License-Identifier: Apache-2.0 */
/* PIN input of openmu-cli: --pin-fd, environment variables, or a prompt
 * without echo on the terminal; PIN verification with messages that say
 * how many tries are left; confirmations. */
#pragma once

#include <stdbool.h>

#include "cli-common.h"

/* A PIN buffer, wiped by cli_pin_clear() (automatic with g_auto). */
typedef struct cli_pin {
	char s[MU_PIN_LEN + 1];
} cli_pin;
void cli_pin_clear(cli_pin *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(cli_pin, cli_pin_clear)

/* Gets one PIN: with --pin-fd the next line of that fd; else the variable
 * env when it is set; else a prompt without echo on /dev/tty, asked twice
 * when confirm is set (a new PIN). The PIN must be 6 digits. Returns a
 * CLI_EXIT_* code (message printed) and leaves out empty on failure. */
int cli_get_pin(cli_ctx *c, const char *env, const char *prompt, bool confirm, cli_pin *out);

/* Verifies PIN which (1 or 2) of card with pin. On failure prints a
 * message naming the tries left, or how to unblock, and returns its exit
 * code (CLI_EXIT_FAILED wrong PIN, CLI_EXIT_BLOCKED blocked). */
int cli_verify(cli_ctx *c, mu_card *card, const char *reader, int which, const cli_pin *pin);

/* Reports a VERIFY or CHANGE REFERENCE DATA failure of PIN which: tries
 * left (read back from the card) or how to unblock. Returns the exit
 * code. */
int cli_pin_failure(cli_ctx *c, mu_card *card, const char *reader, int which, int status);

/* Prints how to unblock a blocked card (or that a CA card is lost) and
 * returns CLI_EXIT_BLOCKED. */
int cli_blocked(cli_ctx *c, const mu_card_info *info, const char *reader);

/* Asks for the PIN(s) of a card: pins[0] from OPENMU_PIN for an EP11 card;
 * pins[0] and pins[1] from OPENMU_CA_PIN1 and OPENMU_CA_PIN2 for a CA card.
 * A blocked card is reported (CLI_EXIT_BLOCKED) without asking. */
int cli_ask_login(cli_ctx *c, const char *reader, const mu_card_info *info, cli_pin pins[2]);
/* Verifies the PIN(s) of cli_ask_login() on the card. */
int cli_check_login(cli_ctx *c, mu_card *card, const char *reader, const mu_card_info *info,
                    const cli_pin pins[2]);
/* Both: asks for the PIN(s) of the card, then verifies them. */
int cli_login(cli_ctx *c, mu_card *card, const char *reader, const mu_card_info *info);

/* Reads "yes" from /dev/tty after prompt. CLI_EXIT_OK when confirmed,
 * CLI_EXIT_FAILED when refused, CLI_EXIT_USAGE without a terminal. */
int cli_confirm(cli_ctx *c, const char *prompt, const char *hint);
