/* SPDX-License-Identifier: Apache-2.0 */
/* TEST ONLY: unit-test-client, the small client the unitsim stack tests
 * drive (tests/stack/test-unitsim-*.py). Exit codes: 0 ok, 1 failure or a
 * wrong answer, 2 usage, 3 the unit refused (its status name is printed),
 * 4 trust failure (TLS or OA chain). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "mu-vp.h"
#include "unitsim-instance.h"
#include "utc-admin.h"
#include "utc-conn.h"

typedef struct opts {
	utc_target t;
	char **sign;
	char *input_hex;
	char *input_file;
	gint64 counter;
	char *target;
	int parts;
} opts;

static void print_hex(const char *key, const uint8_t *b, size_t n)
{
	printf("%s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('\n');
}

static GBytes *parse_hex(const char *s)
{
	size_t n = strlen(s);
	if (n % 2 != 0)
		return NULL;
	uint8_t *b = g_malloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = g_ascii_xdigit_value(s[2 * i]), lo = g_ascii_xdigit_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			g_free(b);
			return NULL;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return g_bytes_new_take(b, n / 2);
}

static GBytes *root_der(const opts *o)
{
	const char *path = o->t.root;
	g_autoptr(unitsim_instance) inst = NULL;
	if (path == NULL) {
		inst = unitsim_instance_load(o->t.instance, NULL);
		if (inst == NULL)
			return NULL;
		path = inst->root_cert;
	}
	FILE *f = fopen(path, "r");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	if (x == NULL)
		return NULL;
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	X509_free(x);
	GBytes *b = n > 0 ? g_bytes_new(der, (gsize)n) : NULL;
	OPENSSL_free(der);
	return b;
}

static int refused(int status)
{
	printf("refused %s\n", mu_unit_status_name(status));
	return UTC_REFUSED;
}

static int cmd_status(utc_conn *c)
{
	mu_unit_status st;
	int rc = utc_status(c, &st);
	if (rc != UTC_OK)
		return rc;
	printf("imprint=%d\nsig-threshold=%u\nrev-threshold=%u\ncounter=%llu\nadmins=%zu\n",
	       st.imprint ? 1 : 0, st.sig_threshold, st.rev_threshold,
	       (unsigned long long)st.counter, st.nadmins);
	printf("new-state=%u\nnew-loaded=%u\nnew-total=%u\n", st.new_state, st.new_loaded,
	       st.new_total);
	if (st.new_has_vp)
		print_hex("new-vp", st.new_vp, 32);
	printf("cur-state=%u\n", st.cur_state);
	if (st.cur_state == MU_UNIT_CUR_VALID)
		print_hex("cur-vp", st.cur_vp, 32);
	if (st.has_recovery)
		print_hex("recovery-vp", st.recovery_vp, 32);
	printf("keys=%u\n", st.key_count);
	return UTC_OK;
}

static int cmd_admin(utc_conn *c, const opts *o, const utc_signers *s, const char *name)
{
	uint16_t cmd = 0;
	for (uint32_t id = 0; id <= 0xFF; id++)
		if (mu_unit_cmd_name((uint16_t)id) != NULL &&
		    strcmp(mu_unit_cmd_name((uint16_t)id), name) == 0)
			cmd = (uint16_t)id;
	if (cmd == 0) {
		fprintf(stderr, "unit-test-client: unknown admin command %s\n", name);
		return UTC_USAGE;
	}
	g_autoptr(GBytes) input = NULL;
	if (o->input_hex != NULL)
		input = parse_hex(o->input_hex);
	else if (o->input_file != NULL) {
		char *data;
		gsize len;
		if (g_file_get_contents(o->input_file, &data, &len, NULL))
			input = g_bytes_new_take(data, len);
	} else
		input = g_bytes_new(NULL, 0);
	if (input == NULL)
		return UTC_USAGE;
	int status;
	mu_unit_admin_result res;
	gsize len;
	const uint8_t *p = g_bytes_get_data(input, &len);
	int rc = utc_admin(c, cmd, p, len, s, s->n, o->counter, &status, &res);
	if (rc != UTC_OK)
		return rc;
	if (status != MU_OK)
		return refused(status);
	printf("ok counter=%llu\n", (unsigned long long)res.counter);
	if (res.has_vp)
		print_hex("vp", res.vp, 32);
	return UTC_OK;
}

static int cmd_load_key(utc_conn *c, const opts *o, const utc_signers *s, char **parts_hex)
{
	uint8_t parts[MU_UNIT_PARTS_MAX][32], vp[32];
	size_t n = 0;
	for (; parts_hex[n] != NULL; n++) {
		g_autoptr(GBytes) b = parse_hex(parts_hex[n]);
		if (n == MU_UNIT_PARTS_MAX || b == NULL || g_bytes_get_size(b) != 32)
			return UTC_USAGE;
		memcpy(parts[n], g_bytes_get_data(b, NULL), 32);
	}
	g_autoptr(GBytes) root = root_der(o);
	if (n < MU_UNIT_PARTS_MIN || root == NULL)
		return UTC_USAGE;
	int rc = utc_load_key(c, root, s, parts, n, vp);
	if (rc == UTC_OK)
		print_hex("vp", vp, 32);
	return rc;
}

static int cmd_auto_init(utc_conn *rec, const opts *o, const utc_signers *s)
{
	utc_conn target;
	uint8_t vp[32];
	utc_target t = o->t;
	if (o->target == NULL || o->parts < 2 || o->parts > 3)
		return UTC_USAGE;
	t.unit = o->target;
	int rc = utc_connect(&t, &target);
	if (rc == UTC_OK)
		rc = utc_auto_init(rec, &target, s, (uint8_t)o->parts, vp);
	if (rc == UTC_OK)
		print_hex("vp", vp, 32);
	utc_close(&target);
	return rc;
}

/* Key storage commands and the stress loop live in utc-keys.c. */
int utc_cmd_keys(utc_conn *c, const char *cmd, char **args);

int main(int argc, char **argv)
{
	opts o = {.counter = -1, .parts = 2};
	g_autofree char *instance = NULL, *unit = NULL, *root = NULL;
	gboolean skip_tls = FALSE, no_token = FALSE;
	GOptionEntry entries[] = {
	    {"instance", 0, 0, G_OPTION_ARG_FILENAME, &instance, "instance.ini", "FILE"},
	    {"unit", 0, 0, G_OPTION_ARG_STRING, &unit, "unit name", "NAME"},
	    {"root", 0, 0, G_OPTION_ARG_FILENAME, &root, "trust this root instead", "PEM"},
	    {"skip-tls-verify", 0, 0, G_OPTION_ARG_NONE, &skip_tls, "rely on the OA check", NULL},
	    {"no-token", 0, 0, G_OPTION_ARG_NONE, &no_token, "send no service token", NULL},
	    {"sign", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.sign, "admin key (repeat)", "PEM"},
	    {"input-hex", 0, 0, G_OPTION_ARG_STRING, &o.input_hex, "admin input", "HEX"},
	    {"input-file", 0, 0, G_OPTION_ARG_FILENAME, &o.input_file, "admin input", "FILE"},
	    {"counter", 0, 0, G_OPTION_ARG_INT64, &o.counter, "transaction counter", "N"},
	    {"target", 0, 0, G_OPTION_ARG_STRING, &o.target, "auto-init target", "NAME"},
	    {"parts", 0, 0, G_OPTION_ARG_INT, &o.parts, "auto-init parts", "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS]");
	g_option_context_add_main_entries(ctx, entries, NULL);
	GError *error = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || instance == NULL ||
	    unit == NULL || argc < 2) {
		fprintf(stderr,
		        "usage: unit-test-client --instance FILE --unit NAME COMMAND ...\n");
		g_clear_error(&error);
		return UTC_USAGE;
	}
	o.t = (utc_target){.instance = instance,
	                   .unit = unit,
	                   .root = root,
	                   .skip_tls_verify = skip_tls,
	                   .no_token = no_token};
	utc_signers s;
	int rc = utc_signers_load(&s, o.sign);
	if (rc != UTC_OK)
		return rc;
	utc_conn c;
	rc = utc_connect(&o.t, &c);
	const char *cmd = argv[1];
	if (rc != UTC_OK)
		;
	else if (strcmp(cmd, "info") == 0)
		printf("name=%s\ndomain=%u\nrole=%u\n", c.id.name, c.id.domain, c.role);
	else if (strcmp(cmd, "status") == 0)
		rc = cmd_status(&c);
	else if (strcmp(cmd, "admin") == 0 && argc == 3)
		rc = cmd_admin(&c, &o, &s, argv[2]);
	else if (strcmp(cmd, "load-key") == 0 && argc >= 4)
		rc = cmd_load_key(&c, &o, &s, argv + 2);
	else if (strcmp(cmd, "auto-init") == 0)
		rc = cmd_auto_init(&c, &o, &s);
	else
		rc = utc_cmd_keys(&c, cmd, argv + 2);
	utc_close(&c);
	utc_signers_clear(&s);
	g_strfreev(o.sign);
	g_free(o.input_hex);
	g_free(o.input_file);
	g_free(o.target);
	fflush(stdout);
	return rc;
}
