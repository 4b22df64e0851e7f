/* SPDX-License-Identifier: Apache-2.0 */
/* The instance file D/instance.ini (docs/protocol.md §19) as the emulator
 * writes and reads it. The workstation parses the same format in tke/. */
#pragma once

#include <stdint.h>

#include <glib.h>

#include "mu-unit-proto.h"

#define UNITSIM_INSTANCE_FILE "instance.ini"

typedef struct unitsim_instance_unit {
	char *name;
	char *host; /* "127.0.0.1" */
	guint16 port;
	uint8_t role; /* MU_UNIT_ROLE_* */
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	char *token_file; /* absolute */
} unitsim_instance_unit;

typedef struct unitsim_instance {
	char *name;
	char *root_cert;        /* absolute path */
	char *root_fingerprint; /* 64 hex digits */
	GPtrArray *units;       /* of unitsim_instance_unit *, in file order */
} unitsim_instance;

unitsim_instance *unitsim_instance_new(void);
void unitsim_instance_free(unitsim_instance *inst);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(unitsim_instance, unitsim_instance_free)

/* Writes inst to path atomically. */
gboolean unitsim_instance_save(const unitsim_instance *inst, const char *path, GError **error);
/* Reads and checks an instance file (roles, addresses, ids). Relative paths
 * are resolved against the folder of path. Returns NULL with error set. */
unitsim_instance *unitsim_instance_load(const char *path, GError **error);
/* The unit's state folder inside an instance folder: DIR/units/NAME. */
char *unitsim_instance_unit_dir(const char *dir, const char *unit_name);
