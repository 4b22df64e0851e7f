/* SPDX-License-Identifier: Apache-2.0 */
/* Files of openmu-cli: input data, certificates (PEM or DER) and atomic
 * output. Every function prints its own message and returns a CLI_EXIT_*
 * code. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "cli-common.h"

/* Reads a whole file ("-" = stdin) of at most max bytes. CLI_EXIT_IO or
 * CLI_EXIT_USAGE (too large) with the message printed. */
int cli_read_file(cli_ctx *c, const char *path, size_t max, GBytes **out);
/* Writes data to path ("-" = stdout) atomically. CLI_EXIT_IO on failure. */
int cli_write_file(cli_ctx *c, const char *path, const void *data, size_t len);
/* Reads an X.509 certificate, PEM or DER, and returns its DER. */
int cli_read_cert(cli_ctx *c, const char *path, GBytes **der);
/* PEM text of a DER certificate (caller frees), NULL when it does not
 * parse. */
char *cli_cert_pem(const uint8_t *der, size_t len);
/* One-line subject of a DER certificate (caller frees). */
char *cli_cert_subject(const uint8_t *der, size_t len);
/* SHA-256 of data. */
void cli_sha256(const void *data, size_t len, uint8_t out[32]);
/* SHA-256 fingerprint of a DER certificate as colon hex (caller frees). */
char *cli_cert_fingerprint(const uint8_t *der, size_t len);
