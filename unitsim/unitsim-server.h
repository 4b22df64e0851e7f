/* SPDX-License-Identifier: Apache-2.0 */
/* `openmu-unitsim serve`: every unit of an instance folder over TLS 1.3,
 * one loopback port per unit, a thread per connection, requests to one unit
 * serialized by its mutex (docs/protocol.md §11, §19). */
#pragma once

#include <glib.h>

typedef struct unitsim_server_opts {
	const char *dir;
	/* Test only: append every decrypted request payload as
	 * "<unit> <hex>\n" to this file. */
	const char *dump_plaintext;
	/* Test only: microseconds of sleep between 64 KiB pieces of a state
	 * write (crash tests); 0 in normal use. */
	unsigned slow_write_us;
} unitsim_server_opts;

/* Loads every unit, binds its port, prints "openmu-unitsim: serving ..."
 * and one line per unit on stdout, and serves until SIGINT or SIGTERM; then
 * waits for the requests in progress (every state write is complete) and
 * ends the process with status 0. Returns FALSE with error set only when
 * the instance cannot be loaded or a port cannot be bound. */
gboolean unitsim_serve(const unitsim_server_opts *opts, GError **error);
