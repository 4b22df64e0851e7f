/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "unitsim"
#include "unitsim-instance.h"

#include <stdlib.h>
#include <string.h>

static void unit_free(gpointer p)
{
	unitsim_instance_unit *u = p;
	if (u == NULL)
		return;
	g_free(u->name);
	g_free(u->host);
	g_free(u->token_file);
	g_free(u);
}

unitsim_instance *unitsim_instance_new(void)
{
	unitsim_instance *inst = g_new0(unitsim_instance, 1);
	inst->units = g_ptr_array_new_with_free_func(unit_free);
	return inst;
}

void unitsim_instance_free(unitsim_instance *inst)
{
	if (inst == NULL)
		return;
	g_free(inst->name);
	g_free(inst->root_cert);
	g_free(inst->root_fingerprint);
	g_ptr_array_unref(inst->units);
	g_free(inst);
}

char *unitsim_instance_unit_dir(const char *dir, const char *unit_name)
{
	return g_build_filename(dir, "units", unit_name, NULL);
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = g_malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		g_snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

gboolean unitsim_instance_save(const unitsim_instance *inst, const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	g_key_file_set_string(kf, "instance", "name", inst->name);
	g_key_file_set_string(kf, "instance", "root-certificate", inst->root_cert);
	g_key_file_set_string(kf, "instance", "root-fingerprint", inst->root_fingerprint);
	for (guint i = 0; i < inst->units->len; i++) {
		const unitsim_instance_unit *u = g_ptr_array_index(inst->units, i);
		g_autofree char *group = g_strdup_printf("unit %s", u->name);
		g_autofree char *addr = g_strdup_printf("%s:%u", u->host, u->port);
		g_autofree char *mod = hex(u->module_id, MU_UNIT_MODULE_ID_LEN);
		g_ptr_array_add(names, u->name);
		g_key_file_set_string(kf, group, "address", addr);
		g_key_file_set_string(kf, group, "role",
		                      u->role == MU_UNIT_ROLE_RECOVERY ? "recovery"
		                                                       : "operational");
		g_key_file_set_string(kf, group, "module-id", mod);
		g_key_file_set_integer(kf, group, "domain", u->domain);
		g_key_file_set_string(kf, group, "service-token-file", u->token_file);
	}
	g_key_file_set_string_list(kf, "instance", "units", (const char *const *)names->pdata,
	                           names->len);
	return g_key_file_save_to_file(kf, path, error);
}

static char *resolve(const char *base_dir, const char *p)
{
	return g_path_is_absolute(p) ? g_strdup(p) : g_build_filename(base_dir, p, NULL);
}

static gboolean parse_address(const char *addr, char **host, guint16 *port)
{
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || colon == addr)
		return FALSE;
	char *end = NULL;
	unsigned long v = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || v == 0 || v > 65535)
		return FALSE;
	*host = g_strndup(addr, (gsize)(colon - addr));
	*port = (guint16)v;
	return TRUE;
}

static gboolean parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (s == NULL || strlen(s) != 2 * n)
		return FALSE;
	for (size_t i = 0; i < n; i++) {
		int hi = g_ascii_xdigit_value(s[2 * i]), lo = g_ascii_xdigit_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TRUE;
}

static gboolean load_unit(GKeyFile *kf, const char *base, const char *name,
                          unitsim_instance_unit *u, GError **error)
{
	g_autofree char *group = g_strdup_printf("unit %s", name);
	g_autofree char *addr = g_key_file_get_string(kf, group, "address", error);
	if (addr == NULL)
		return FALSE;
	g_autofree char *role = g_key_file_get_string(kf, group, "role", error);
	if (role == NULL)
		return FALSE;
	g_autofree char *mod = g_key_file_get_string(kf, group, "module-id", error);
	if (mod == NULL)
		return FALSE;
	g_autofree char *token = g_key_file_get_string(kf, group, "service-token-file", error);
	if (token == NULL)
		return FALSE;
	GError *e = NULL;
	gint domain = g_key_file_get_integer(kf, group, "domain", &e);
	if (e != NULL) {
		g_propagate_error(error, e);
		return FALSE;
	}
	u->name = g_strdup(name);
	if (strlen(name) == 0 || strlen(name) > MU_UNIT_NAME_MAX ||
	    !parse_address(addr, &u->host, &u->port)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "[%s] address must be HOST:PORT, not '%s'", group, addr);
		return FALSE;
	}
	if (strcmp(role, "operational") == 0)
		u->role = MU_UNIT_ROLE_OPERATIONAL;
	else if (strcmp(role, "recovery") == 0)
		u->role = MU_UNIT_ROLE_RECOVERY;
	else {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "[%s] role must be operational or recovery, not '%s'", group, role);
		return FALSE;
	}
	if (!parse_hex(mod, u->module_id, MU_UNIT_MODULE_ID_LEN) || domain < 0 || domain > 0xFFFF) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "[%s] module-id must be 16 hex digits and domain 0..65535", group);
		return FALSE;
	}
	u->domain = (uint16_t)domain;
	u->token_file = resolve(base, token);
	return TRUE;
}

unitsim_instance *unitsim_instance_load(const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
		return NULL;
	g_autofree char *base = g_path_get_dirname(path);
	g_autoptr(unitsim_instance) inst = unitsim_instance_new();
	inst->name = g_key_file_get_string(kf, "instance", "name", error);
	if (inst->name == NULL)
		return NULL;
	g_autofree char *root = g_key_file_get_string(kf, "instance", "root-certificate", error);
	if (root == NULL)
		return NULL;
	inst->root_cert = resolve(base, root);
	inst->root_fingerprint = g_key_file_get_string(kf, "instance", "root-fingerprint", NULL);
	gsize n = 0;
	g_auto(GStrv) names = g_key_file_get_string_list(kf, "instance", "units", &n, error);
	if (names == NULL)
		return NULL;
	if (n == 0) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
		            "%s lists no units", path);
		return NULL;
	}
	for (gsize i = 0; i < n; i++) {
		unitsim_instance_unit *u = g_new0(unitsim_instance_unit, 1);
		g_ptr_array_add(inst->units, u);
		if (!load_unit(kf, base, names[i], u, error)) {
			g_prefix_error(error, "%s: ", path);
			return NULL;
		}
		for (gsize k = 0; k < i; k++)
			if (strcmp(names[k], names[i]) == 0) {
				g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				            "%s lists unit %s twice", path, names[i]);
				return NULL;
			}
	}
	return g_steal_pointer(&inst);
}
