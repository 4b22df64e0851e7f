/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli unit key: the service-user key storage API of one unit
 * (create, list, wrap, unwrap, delete), authenticated by the unit's service
 * token read from a file (--token FILE or $OPENMU_UNIT_TOKEN). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd-unit-priv.h"
#include "mu-secret.h"
#include "mu-tke-error.h"
#include "mu-tke-service.h"
#include "mu-tke-status.h"
#include "mu-unit-proto.h"

typedef struct key_opts {
	char *token_path;
	char *handle_text;
	char *label;
	char *in_path;
	char *out_path;
	char *blob_hex;
	int count;
} key_opts;

static void key_opts_clear(key_opts *o)
{
	g_free(o->token_path);
	g_free(o->handle_text);
	g_free(o->label);
	g_free(o->in_path);
	g_free(o->out_path);
	g_free(o->blob_hex);
}

/* Everything a key command needs: the unit, a verified client, the token. */
typedef struct key_session {
	const mu_tke_unit *unit;
	mu_tke_client *client;
	mu_secret *token;
} key_session;

static void session_close(key_session *s)
{
	mu_tke_client_free(&s->client);
	mu_secret_free(&s->token);
}

static gboolean session_open(unit_ctx *u, const key_opts *o, key_session *s, GError **error)
{
	memset(s, 0, sizeof(*s));
	const char *path = o->token_path;
	if (path == NULL || path[0] == '\0')
		path = g_getenv("OPENMU_UNIT_TOKEN");
	if (!unit_load_instance(u, error) || (s->unit = unit_pick_one(u, error)) == NULL)
		return FALSE;
	/* the token is checked before connecting: no token, no connection */
	if ((s->token = mu_tke_token_load(path, error)) == NULL)
		return FALSE;
	s->client = mu_tke_client_connect(u->inst, s->unit, error);
	return s->client != NULL;
}

static gboolean parse_handle(const char *text, uint32_t *handle, GError **error)
{
	guint64 v = 0;
	if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT32, &v, NULL)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "--handle takes a key handle (a number from 1 on, as key create or key "
		            "list shows it)");
		return FALSE;
	}
	*handle = (uint32_t)v;
	return TRUE;
}

/* Reads a whole file ("-" or NULL: standard input), at most max bytes.
 * Free with input_free (it wipes). */
static GByteArray *read_input(const char *path, size_t max, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	int fd = (path == NULL || strcmp(path, "-") == 0) ? STDIN_FILENO
	                                                  : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		g_byte_array_unref(buf);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot open %s: %s", path,
		            g_strerror(e));
		return NULL;
	}
	uint8_t chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			mu_memzero(buf->data, buf->len);
			g_byte_array_unref(buf);
			mu_memzero(chunk, sizeof(chunk));
			if (fd != STDIN_FILENO)
				close(fd);
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot read %s: %s",
			            path != NULL ? path : "standard input", g_strerror(e));
			return NULL;
		}
		if (n == 0)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
		if (buf->len > max)
			break;
	}
	mu_memzero(chunk, sizeof(chunk));
	if (fd != STDIN_FILENO)
		close(fd);
	if (buf->len > max) {
		mu_memzero(buf->data, buf->len);
		g_byte_array_unref(buf);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "%s holds more than %zu bytes",
		            path != NULL ? path : "standard input", max);
		return NULL;
	}
	return buf;
}

static void input_free(GByteArray *buf)
{
	if (buf != NULL) {
		mu_memzero(buf->data, buf->len);
		g_byte_array_unref(buf);
	}
}

/* Writes data to a new file (0600, replaced if it exists). */
static gboolean write_output(const char *path, const uint8_t *data, size_t len, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot create %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot write %s: %s",
			            path, g_strerror(e));
			return FALSE;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot write %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static GByteArray *parse_hex_arg(const char *hex, GError **error)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || strspn(hex, "0123456789abcdefABCDEF") != n) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "--blob-hex takes an even number of hex digits");
		return NULL;
	}
	GByteArray *buf = g_byte_array_sized_new((guint)(n / 2));
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t b = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
		                      g_ascii_xdigit_value(hex[2 * i + 1]));
		g_byte_array_append(buf, &b, 1);
	}
	return buf;
}

static void json_entry(JsonBuilder *b, const mu_unit_key_entry *e)
{
	g_autofree char *vp = mu_tke_hex(e->vp, MU_VP_LEN);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "handle");
	json_builder_add_int_value(b, e->handle);
	json_builder_set_member_name(b, "label");
	json_builder_add_string_value(b, e->label);
	json_builder_set_member_name(b, "vp");
	json_builder_add_string_value(b, vp);
	json_builder_end_object(b);
}

static void json_unit(JsonBuilder *b, const key_session *s)
{
	json_builder_set_member_name(b, "unit");
	json_builder_add_string_value(b, s->unit->name);
}

/* ---- the commands ---- */

/* Creates --count keys (default 1) over one connection. */
static int key_create(unit_ctx *u, key_opts *o, key_session *s)
{
	int count = o->count > 0 ? o->count : 1;
	g_autoptr(GArray) made = g_array_new(FALSE, FALSE, sizeof(mu_unit_key_entry));
	GError *error = NULL;
	for (int i = 0; i < count; i++) {
		mu_unit_key_entry e;
		if (!mu_tke_key_create(s->client, s->token, o->label, &e, &error)) {
			if (made->len > 0)
				fprintf(stderr, "openmu-cli: %u key%s created before the failure\n",
				        made->len, made->len == 1 ? "" : "s");
			return unit_fail(u, error);
		}
		g_array_append_val(made, e);
	}
	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_unit(b, s);
		if (o->count == 0) {
			json_builder_set_member_name(b, "key");
			json_entry(b, &g_array_index(made, mu_unit_key_entry, 0));
		} else {
			json_builder_set_member_name(b, "keys");
			json_builder_begin_array(b);
			for (guint i = 0; i < made->len; i++)
				json_entry(b, &g_array_index(made, mu_unit_key_entry, i));
			json_builder_end_array(b);
		}
		json_builder_end_object(b);
		unit_json_print(b);
		return UNIT_EXIT_OK;
	}
	for (guint i = 0; i < made->len; i++) {
		const mu_unit_key_entry *e = &g_array_index(made, mu_unit_key_entry, i);
		g_autofree char *vp = mu_tke_hex(e->vp, MU_VP_LEN);
		printf("%s: key %u created (label \"%s\", VP %s)\n", s->unit->name,
		       (unsigned)e->handle, e->label, vp);
	}
	return UNIT_EXIT_OK;
}

static int key_list(unit_ctx *u, key_opts *o, key_session *s)
{
	GError *error = NULL;
	g_autoptr(GArray) keys = mu_tke_key_list(s->client, s->token, &error);
	if (keys == NULL)
		return unit_fail(u, error);
	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_unit(b, s);
		json_builder_set_member_name(b, "keys");
		json_builder_begin_array(b);
		for (guint i = 0; i < keys->len; i++)
			json_entry(b, &g_array_index(keys, mu_unit_key_entry, i));
		json_builder_end_array(b);
		json_builder_end_object(b);
		unit_json_print(b);
		return UNIT_EXIT_OK;
	}
	printf("%s: %u key%s\n", s->unit->name, keys->len, keys->len == 1 ? "" : "s");
	if (keys->len > 0)
		printf("%10s  %-64s  %s\n", "HANDLE", "VP", "LABEL");
	for (guint i = 0; i < keys->len; i++) {
		const mu_unit_key_entry *e = &g_array_index(keys, mu_unit_key_entry, i);
		g_autofree char *vp = mu_tke_hex(e->vp, MU_VP_LEN);
		printf("%10u  %s  %s\n", (unsigned)e->handle, vp, e->label);
	}
	return UNIT_EXIT_OK;
}

static int key_wrap(unit_ctx *u, key_opts *o, key_session *s)
{
	uint32_t handle = 0;
	GError *error = NULL;
	if (!parse_handle(o->handle_text, &handle, &error))
		return unit_fail(u, error);
	GByteArray *data = read_input(o->in_path, MU_UNIT_DATA_MAX, &error);
	if (data == NULL)
		return unit_fail(u, error);
	size_t len = data->len;
	g_autoptr(GBytes) blob =
	    mu_tke_key_wrap(s->client, s->token, handle, data->data, data->len, &error);
	input_free(data); /* the plaintext: wiped */
	if (blob == NULL)
		return unit_fail(u, error);
	gsize blen = 0;
	const uint8_t *bp = g_bytes_get_data(blob, &blen);
	if (o->out_path != NULL && !write_output(o->out_path, bp, blen, &error))
		return unit_fail(u, error);
	g_autofree char *hex = mu_tke_hex(bp, blen);
	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_unit(b, s);
		json_builder_set_member_name(b, "handle");
		json_builder_add_int_value(b, handle);
		json_builder_set_member_name(b, "blob");
		json_builder_add_string_value(b, hex);
		json_builder_set_member_name(b, "out");
		if (o->out_path != NULL)
			json_builder_add_string_value(b, o->out_path);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
		unit_json_print(b);
	} else if (o->out_path != NULL) {
		printf("%s: %zu bytes wrapped under key %u into %s (%zu bytes)\n", s->unit->name,
		       len, (unsigned)handle, o->out_path, (size_t)blen);
	} else {
		printf("%s\n", hex);
	}
	return UNIT_EXIT_OK;
}

static int key_unwrap(unit_ctx *u, key_opts *o, key_session *s)
{
	uint32_t handle = 0;
	GError *error = NULL;
	if (!parse_handle(o->handle_text, &handle, &error))
		return unit_fail(u, error);
	GByteArray *blob = NULL;
	if (o->blob_hex != NULL)
		blob = parse_hex_arg(o->blob_hex, &error);
	else
		blob = read_input(o->in_path,
		                  MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN,
		                  &error);
	if (blob == NULL)
		return unit_fail(u, error);
	mu_secret *data =
	    mu_tke_key_unwrap(s->client, s->token, handle, blob->data, blob->len, &error);
	input_free(blob);
	if (data == NULL)
		return unit_fail(u, error);
	int rc = UNIT_EXIT_OK;
	if (o->out_path != NULL && !write_output(o->out_path, data->data, data->len, &error)) {
		rc = unit_fail(u, error);
	} else if (u->json) {
		g_autofree char *hex =
		    o->out_path == NULL ? mu_tke_hex(data->data, data->len) : NULL;
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_unit(b, s);
		json_builder_set_member_name(b, "handle");
		json_builder_add_int_value(b, handle);
		json_builder_set_member_name(b, "length");
		json_builder_add_int_value(b, (gint64)data->len);
		json_builder_set_member_name(b, "data");
		if (hex != NULL)
			json_builder_add_string_value(b, hex);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "out");
		if (o->out_path != NULL)
			json_builder_add_string_value(b, o->out_path);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
		unit_json_print(b);
		if (hex != NULL)
			mu_memzero(hex, strlen(hex));
	} else if (o->out_path != NULL) {
		printf("%s: %zu bytes unwrapped with key %u into %s\n", s->unit->name, data->len,
		       (unsigned)handle, o->out_path);
	} else {
		g_autofree char *hex = mu_tke_hex(data->data, data->len);
		printf("%s\n", hex);
		mu_memzero(hex, strlen(hex));
	}
	mu_secret_free(&data);
	return rc;
}

static int key_delete(unit_ctx *u, key_opts *o, key_session *s)
{
	uint32_t handle = 0;
	GError *error = NULL;
	if (!parse_handle(o->handle_text, &handle, &error) ||
	    !mu_tke_key_delete(s->client, s->token, handle, &error))
		return unit_fail(u, error);
	if (u->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_unit(b, s);
		json_builder_set_member_name(b, "deleted");
		json_builder_add_int_value(b, handle);
		json_builder_end_object(b);
		unit_json_print(b);
	} else {
		printf("%s: key %u deleted\n", s->unit->name, (unsigned)handle);
	}
	return UNIT_EXIT_OK;
}

/* ---- dispatch ---- */

typedef int (*key_fn)(unit_ctx *u, key_opts *o, key_session *s);

static const struct {
	const char *name;
	key_fn fn;
	const char *summary;
	gboolean handle, label, in, out, blob, count;
} key_commands[] = {
    {"create", key_create, "create random storage keys (--count N, default 1)", FALSE, TRUE,
     FALSE, FALSE, FALSE, TRUE},
    {"list", key_list, "list the storage keys", FALSE, FALSE, FALSE, FALSE, FALSE, FALSE},
    {"wrap", key_wrap, "encrypt data (--in FILE, default stdin) under a key", TRUE, FALSE, TRUE,
     TRUE, FALSE, FALSE},
    {"unwrap", key_unwrap, "decrypt a blob (--in FILE or --blob-hex HEX) with a key", TRUE, FALSE,
     TRUE, TRUE, TRUE, FALSE},
    {"delete", key_delete, "delete a storage key", TRUE, FALSE, FALSE, FALSE, FALSE, FALSE},
};

int unit_cmd_key(unit_ctx *u, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		FILE *out =
		    argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		        ? stdout
		        : stderr;
		fprintf(out,
		        "Usage: openmu-cli unit key COMMAND --unit U --token FILE [OPTIONS]\n\n"
		        "Commands:\n");
		for (size_t k = 0; k < G_N_ELEMENTS(key_commands); k++)
			fprintf(out, "  %-8s %s\n", key_commands[k].name, key_commands[k].summary);
		fprintf(out, "\nThe token is read from --token FILE or the file named by "
		             "$OPENMU_UNIT_TOKEN.\n");
		return out == stdout ? UNIT_EXIT_OK : UNIT_EXIT_USAGE;
	}
	size_t k = 0;
	while (k < G_N_ELEMENTS(key_commands) && strcmp(argv[1], key_commands[k].name) != 0)
		k++;
	if (k == G_N_ELEMENTS(key_commands))
		return unit_usage("unknown key command \"%s\" (see openmu-cli unit key --help)",
		                  argv[1]);

	key_opts o;
	memset(&o, 0, sizeof(o));
	GOptionEntry all[] = {
	    {"token", 't', 0, G_OPTION_ARG_FILENAME, &o.token_path,
	     "Service token file of the unit (default: $OPENMU_UNIT_TOKEN)", "FILE"},
	    {"handle", 'k', 0, G_OPTION_ARG_STRING, &o.handle_text, "Key handle", "H"},
	    {"label", 'l', 0, G_OPTION_ARG_STRING, &o.label, "Key label (UTF-8, <= 64 bytes)",
	     "TEXT"},
	    {"in", 0, 0, G_OPTION_ARG_FILENAME, &o.in_path, "Input file (default: stdin)", "FILE"},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out_path,
	     "Write the raw result to FILE (0600) instead of hex on stdout", "FILE"},
	    {"blob-hex", 0, 0, G_OPTION_ARG_STRING, &o.blob_hex,
	     "The blob to unwrap, as hex (instead of --in)", "HEX"},
	    {"count", 'n', 0, G_OPTION_ARG_INT, &o.count,
	     "Create N keys over one connection (1-5000); JSON output is then a \"keys\" array", "N"},
	};
	/* each command takes only the options that mean something to it */
	GOptionEntry entries[G_N_ELEMENTS(all) + 1];
	size_t n = 0;
	entries[n++] = all[0];
	if (key_commands[k].handle)
		entries[n++] = all[1];
	if (key_commands[k].label)
		entries[n++] = all[2];
	if (key_commands[k].in)
		entries[n++] = all[3];
	if (key_commands[k].out)
		entries[n++] = all[4];
	if (key_commands[k].blob)
		entries[n++] = all[5];
	if (key_commands[k].count)
		entries[n++] = all[6];
	memset(&entries[n], 0, sizeof(entries[n]));

	g_autofree char *summary = g_strdup_printf("- %s", key_commands[k].summary);
	g_autoptr(GOptionContext) ctx = g_option_context_new(summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	int sub_argc = argc - 1;
	char **sub_argv = argv + 1;
	int rc;
	key_session s;
	GError *error = NULL;
	if (!unit_parse(u, ctx, &sub_argc, &sub_argv))
		rc = UNIT_EXIT_USAGE;
	else if (key_commands[k].handle && o.handle_text == NULL)
		rc = unit_usage("key %s needs --handle H", key_commands[k].name);
	else if (o.count < 0 || o.count > (int)MU_UNIT_KEYS_MAX)
		rc = unit_usage("--count takes 1 to %u", (unsigned)MU_UNIT_KEYS_MAX);
	else if (o.blob_hex != NULL && o.in_path != NULL)
		rc = unit_usage("give the blob with --in or --blob-hex, not both");
	else if (!session_open(u, &o, &s, &error)) {
		rc = unit_fail(u, error);
		session_close(&s);
	} else {
		rc = key_commands[k].fn(u, &o, &s);
		session_close(&s);
	}
	key_opts_clear(&o);
	return rc;
}
