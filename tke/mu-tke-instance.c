/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-instance.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-status.h"
#include "mu-tke-error.h"
#include "mu-x509.h"

#define GROUP_INSTANCE    "instance"
#define GROUP_UNIT_PREFIX "unit "

struct mu_tke_instance {
	char *path;
	char *name;
	char *root_path;
	uint8_t root_fpr[MU_TKE_FPR_LEN];
	char root_fpr_hex[2 * MU_TKE_FPR_LEN + 1];
	uint8_t *root_der;
	size_t root_der_len;
	size_t n_units;
	mu_tke_unit *units;
};

const char *mu_tke_role_name(uint8_t role)
{
	return role == MU_UNIT_ROLE_RECOVERY ? "recovery" : "operational";
}

static void unit_clear(mu_tke_unit *u)
{
	g_free(u->name);
	g_free(u->address);
	g_free(u->host);
	g_free(u->token_file);
	memset(u, 0, sizeof(*u));
}

void mu_tke_instance_free(mu_tke_instance **inst)
{
	if (inst == NULL || *inst == NULL)
		return;
	mu_tke_instance *p = *inst;
	for (size_t i = 0; i < p->n_units; i++)
		unit_clear(&p->units[i]);
	g_free(p->units);
	g_free(p->path);
	g_free(p->name);
	g_free(p->root_path);
	g_free(p->root_der);
	g_free(p);
	*inst = NULL;
}

/* ---- value checks ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * len hex digits into out. */
static gboolean parse_hex(const char *s, uint8_t *out, size_t len)
{
	if (strlen(s) != 2 * len)
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(s[2 * i]);
		int lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TRUE;
}

/* A decimal number of 1..5 digits in min..max, nothing else. */
static gboolean parse_u16(const char *s, unsigned min, unsigned max, uint16_t *out)
{
	size_t n = strlen(s);
	unsigned v = 0;
	if (n == 0 || n > 5)
		return FALSE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FALSE;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < min || v > max)
		return FALSE;
	*out = (uint16_t)v;
	return TRUE;
}

/* Unit names appear in group names, messages and file names: keep them
 * plain. */
static gboolean unit_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MU_UNIT_NAME_MAX)
		return FALSE;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return FALSE;
	return TRUE;
}

/* HOST:PORT, [IPv6]:PORT. */
static gboolean parse_address(const char *s, char **host, uint16_t *port)
{
	const char *colon;
	const char *h = s;
	size_t hlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return FALSE;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
		if (memchr(h, ':', hlen) == NULL)
			return FALSE; /* brackets are for IPv6 literals */
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return FALSE;
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return FALSE; /* an IPv6 literal needs brackets */
	}
	if (hlen == 0 || hlen > 253 || !parse_u16(colon + 1, 1, 65535, port))
		return FALSE;
	for (size_t i = 0; i < hlen; i++)
		if (!g_ascii_isalnum(h[i]) && h[i] != '-' && h[i] != '.' && h[i] != ':' &&
		    h[i] != '_' && h[i] != '%')
			return FALSE;
	*host = g_strndup(h, hlen);
	return TRUE;
}

static char *resolve_path(const char *base_dir, const char *p)
{
	if (g_path_is_absolute(p) || base_dir == NULL)
		return g_strdup(p);
	return g_build_filename(base_dir, p, NULL);
}

/* ---- parsing ---- */

typedef struct parse_ctx {
	GKeyFile *kf;
	const char *origin;
	const char *base_dir;
	GError **error;
} parse_ctx;

static gboolean fail(parse_ctx *c, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean fail(parse_ctx *c, const char *group, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (key != NULL)
		g_set_error(c->error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG, "%s: [%s] %s: %s",
		            c->origin, group, key, what);
	else
		g_set_error(c->error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG, "%s: [%s]: %s", c->origin,
		            group, what);
	return FALSE;
}

/* A required string value, trimmed; NULL after setting the error. */
static char *get_required(parse_ctx *c, const char *group, const char *key)
{
	GError *e = NULL;
	char *v = g_key_file_get_string(c->kf, group, key, &e);
	if (v == NULL) {
		gboolean missing =
		    g_error_matches(e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
		    g_error_matches(e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND);
		fail(c, group, key, "%s", missing ? "missing" : e->message);
		g_error_free(e);
		return NULL;
	}
	g_strstrip(v);
	if (v[0] == '\0') {
		g_free(v);
		fail(c, group, key, "empty");
		return NULL;
	}
	return v;
}

static gboolean parse_unit(parse_ctx *c, const char *name, mu_tke_unit *u)
{
	g_autofree char *group = g_strconcat(GROUP_UNIT_PREFIX, name, NULL);
	g_autofree char *address = NULL;
	g_autofree char *role = NULL;
	g_autofree char *module = NULL;
	g_autofree char *domain = NULL;

	if (!g_key_file_has_group(c->kf, group))
		return fail(c, GROUP_INSTANCE, "units",
		            "lists \"%s\" but the file has no group [%s]", name, group);
	if ((address = get_required(c, group, "address")) == NULL ||
	    (role = get_required(c, group, "role")) == NULL ||
	    (module = get_required(c, group, "module-id")) == NULL ||
	    (domain = get_required(c, group, "domain")) == NULL)
		return FALSE;
	if (!parse_address(address, &u->host, &u->port))
		return fail(c, group, "address",
		            "\"%s\" is not HOST:PORT (a port of 1 to 65535; IPv6 in brackets)",
		            address);
	if (strcmp(role, "operational") == 0)
		u->role = MU_UNIT_ROLE_OPERATIONAL;
	else if (strcmp(role, "recovery") == 0)
		u->role = MU_UNIT_ROLE_RECOVERY;
	else
		return fail(c, group, "role", "\"%s\" is neither operational nor recovery", role);
	if (!parse_hex(module, u->module_id, MU_UNIT_MODULE_ID_LEN))
		return fail(c, group, "module-id", "\"%s\" is not 16 hex digits", module);
	if (!parse_u16(domain, 0, 65535, &u->domain))
		return fail(c, group, "domain", "\"%s\" is not a number from 0 to 65535", domain);
	if (g_key_file_has_key(c->kf, group, "service-token-file", NULL)) {
		g_autofree char *tok = get_required(c, group, "service-token-file");
		if (tok == NULL)
			return FALSE;
		u->token_file = resolve_path(c->base_dir, tok);
	}
	u->name = g_strdup(name);
	u->address = g_steal_pointer(&address);
	return TRUE;
}

static gboolean parse_units(parse_ctx *c, mu_tke_instance *inst)
{
	gsize n = 0;
	GError *e = NULL;
	g_auto(GStrv) names = g_key_file_get_string_list(c->kf, GROUP_INSTANCE, "units", &n, &e);
	if (names == NULL) {
		gboolean missing =
		    g_error_matches(e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
		fail(c, GROUP_INSTANCE, "units", "%s", missing ? "missing" : e->message);
		g_error_free(e);
		return FALSE;
	}
	if (n == 0)
		return fail(c, GROUP_INSTANCE, "units", "lists no unit");
	if (n > MU_TKE_INSTANCE_UNITS_MAX)
		return fail(c, GROUP_INSTANCE, "units", "lists %zu units; at most %u are allowed",
		            (size_t)n, MU_TKE_INSTANCE_UNITS_MAX);
	inst->units = g_new0(mu_tke_unit, n);
	for (gsize i = 0; i < n; i++) {
		g_strstrip(names[i]);
		if (!unit_name_ok(names[i]))
			return fail(c, GROUP_INSTANCE, "units",
			            "\"%s\" is not a unit name (1 to 64 letters, digits, '.', '-', "
			            "'_')",
			            names[i]);
		for (gsize j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return fail(c, GROUP_INSTANCE, "units", "lists \"%s\" twice",
				            names[i]);
		/* counted first: a unit that fails half-way is freed with the rest */
		inst->n_units = i + 1;
		if (!parse_unit(c, names[i], &inst->units[i]))
			return FALSE;
		for (gsize j = 0; j < i; j++) {
			const mu_tke_unit *a = &inst->units[j], *b = &inst->units[i];
			if (memcmp(a->module_id, b->module_id, MU_UNIT_MODULE_ID_LEN) == 0 &&
			    a->domain == b->domain) {
				g_autofree char *group =
				    g_strconcat(GROUP_UNIT_PREFIX, b->name, NULL);
				return fail(c, group, NULL,
				            "has the same module id and domain as unit \"%s\"",
				            a->name);
			}
		}
	}
	return TRUE;
}

mu_tke_instance *mu_tke_instance_parse(const char *data, size_t len, const char *base_dir,
                                       const char *origin, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(mu_tke_instance) inst = g_new0(mu_tke_instance, 1);
	g_autofree char *root = NULL;
	g_autofree char *fpr = NULL;
	GError *e = NULL;
	parse_ctx c = {kf, origin != NULL ? origin : "instance file", base_dir, error};

	if (data == NULL && len > 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "%s: no data", c.origin);
		return NULL;
	}
	if (len > MU_TKE_INSTANCE_MAX_BYTES) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: larger than %u bytes; is it really an instance file?", c.origin,
		            MU_TKE_INSTANCE_MAX_BYTES);
		return NULL;
	}
	/* GKeyFile stops at a NUL byte; refuse those and invalid UTF-8 first. */
	if (len > 0 && !g_utf8_validate_len(data, len, NULL)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: not UTF-8 text; is it really an instance file?", c.origin);
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, len > 0 ? data : "", len, G_KEY_FILE_NONE, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG, "%s: not a key file: %s",
		            c.origin, e->message);
		g_error_free(e);
		return NULL;
	}
	if (!g_key_file_has_group(kf, GROUP_INSTANCE)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: no [instance] group; is it really an instance file (as written "
		            "by `openmu-unitsim init`)?",
		            c.origin);
		return NULL;
	}
	inst->path = g_strdup(c.origin);
	if ((inst->name = get_required(&c, GROUP_INSTANCE, "name")) == NULL ||
	    (root = get_required(&c, GROUP_INSTANCE, "root-certificate")) == NULL ||
	    (fpr = get_required(&c, GROUP_INSTANCE, "root-fingerprint")) == NULL)
		return NULL;
	if (strlen(inst->name) > MU_UNIT_NAME_MAX) {
		fail(&c, GROUP_INSTANCE, "name", "longer than %u bytes", MU_UNIT_NAME_MAX);
		return NULL;
	}
	if (!parse_hex(fpr, inst->root_fpr, MU_TKE_FPR_LEN)) {
		fail(&c, GROUP_INSTANCE, "root-fingerprint",
		     "\"%s\" is not 64 hex digits (the SHA-256 of the root certificate)", fpr);
		return NULL;
	}
	for (size_t i = 0; i < MU_TKE_FPR_LEN; i++)
		g_snprintf(inst->root_fpr_hex + 2 * i, 3, "%02x", inst->root_fpr[i]);
	inst->root_path = resolve_path(base_dir, root);
	if (!parse_units(&c, inst))
		return NULL;
	return g_steal_pointer(&inst);
}

/* ---- loading ---- */

/* Reads a certificate file, PEM or DER, into DER bytes. */
static gboolean read_cert_der(const char *path, const char *inst_path, uint8_t **der,
                              size_t *der_len, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: cannot read the root certificate: %s", inst_path, e->message);
		g_error_free(e);
		return FALSE;
	}
	uint8_t *buf = NULL;
	size_t n = 0;
	if (mu_x509_from_pem_or_der((const uint8_t *)data, len, &buf, &n) != MU_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: the root certificate %s is not an X.509 certificate (PEM or DER)",
		            inst_path, path);
		return FALSE;
	}
	*der = g_memdup2(buf, n);
	*der_len = n;
	free(buf);
	return TRUE;
}

mu_tke_instance *mu_tke_instance_load(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	g_autofree char *dir = NULL;
	gsize len = 0;
	GError *e = NULL;

	if (path == NULL || path[0] == '\0') {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "no instance file given: pass --instance FILE.ini or set "
		            "OPENMU_INSTANCE");
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
			            "instance file %s does not exist: check --instance or "
			            "OPENMU_INSTANCE (`openmu-unitsim init --dir D` writes "
			            "D/instance.ini)",
			            path);
		else
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
			            "cannot read instance file %s: %s", path, e->message);
		g_error_free(e);
		return NULL;
	}
	dir = g_path_get_dirname(path);
	g_autoptr(mu_tke_instance) inst = mu_tke_instance_parse(data, len, dir, path, error);
	if (inst == NULL)
		return NULL;
	if (!read_cert_der(inst->root_path, path, &inst->root_der, &inst->root_der_len, error))
		return NULL;

	uint8_t fpr[MU_TKE_FPR_LEN];
	unsigned int fl = 0;
	if (!EVP_Digest(inst->root_der, inst->root_der_len, fpr, &fl, EVP_sha256(), NULL) ||
	    fl != MU_TKE_FPR_LEN) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: cannot hash the root certificate", path);
		return NULL;
	}
	if (memcmp(fpr, inst->root_fpr, MU_TKE_FPR_LEN) != 0) {
		char got[2 * MU_TKE_FPR_LEN + 1];
		for (size_t i = 0; i < MU_TKE_FPR_LEN; i++)
			g_snprintf(got + 2 * i, 3, "%02x", fpr[i]);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: the root certificate %s has fingerprint %s, but the instance file "
		            "expects %s: the file or the certificate was replaced; get both from "
		            "the same instance",
		            path, inst->root_path, got, inst->root_fpr_hex);
		return NULL;
	}
	return g_steal_pointer(&inst);
}

/* ---- accessors ---- */

const char *mu_tke_instance_path(const mu_tke_instance *inst)
{
	return inst->path;
}

const char *mu_tke_instance_name(const mu_tke_instance *inst)
{
	return inst->name;
}

const char *mu_tke_instance_root_path(const mu_tke_instance *inst)
{
	return inst->root_path;
}

const uint8_t *mu_tke_instance_root_fingerprint(const mu_tke_instance *inst)
{
	return inst->root_fpr;
}

const char *mu_tke_instance_root_fingerprint_hex(const mu_tke_instance *inst)
{
	return inst->root_fpr_hex;
}

const uint8_t *mu_tke_instance_root_der(const mu_tke_instance *inst, size_t *len)
{
	if (len != NULL)
		*len = inst->root_der_len;
	return inst->root_der;
}

size_t mu_tke_instance_n_units(const mu_tke_instance *inst)
{
	return inst->n_units;
}

const mu_tke_unit *mu_tke_instance_unit(const mu_tke_instance *inst, size_t i)
{
	return i < inst->n_units ? &inst->units[i] : NULL;
}

const mu_tke_unit *mu_tke_instance_find_unit(const mu_tke_instance *inst, const char *name,
                                             GError **error)
{
	g_autoptr(GString) names = g_string_new(NULL);
	for (size_t i = 0; i < inst->n_units; i++) {
		if (name != NULL && strcmp(inst->units[i].name, name) == 0)
			return &inst->units[i];
		g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", inst->units[i].name);
	}
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
	            "%s has no unit \"%s\"; its units are: %s", inst->path,
	            name != NULL ? name : "", names->str);
	return NULL;
}
