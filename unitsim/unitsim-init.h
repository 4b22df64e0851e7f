/* SPDX-License-Identifier: Apache-2.0 */
/* `openmu-unitsim init`: a new instance folder with its manufacturer root,
 * units (keys, certificates, service tokens, imprint-mode state) and the
 * workstation's instance file (docs/protocol.md §19). */
#pragma once

#include <glib.h>

typedef struct unitsim_init_opts {
	const char *dir;
	const char *name;   /* instance name; "unitsim" when NULL */
	unsigned units;     /* operational units, 1..16 */
	unsigned recovery;  /* recovery units, 0..8 */
	unsigned base_port; /* 0: free loopback ports chosen now */
} unitsim_init_opts;

/* Creates the instance. Refuses a folder that already holds one. */
gboolean unitsim_init(const unitsim_init_opts *opts, GError **error);
