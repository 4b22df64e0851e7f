/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli: global options, exit codes and messages, output, reader and
 * card selection. */
#include "cli-common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mu-status.h"

/* ---- options ---- */

void cli_global_add_entries(cli_global *g, GOptionContext *ctx)
{
	GOptionEntry entries[] = {
	    {"reader", 'r', 0, G_OPTION_ARG_STRING, &g->reader,
	     "Reader by full name, unique name prefix or index (see 'openmu-cli readers'); "
	     "default: the reader holding an OpenMU card",
	     "NAME|INDEX"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &g->json,
	     "Print one JSON object on stdout (errors too)", NULL},
	    {"pin-fd", 0, 0, G_OPTION_ARG_INT, &g->pin_fd,
	     "Read every PIN from file descriptor N, one per line, in the documented order", "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_option_context_add_main_entries(ctx, entries, NULL);
}

gboolean cli_global_json(const cli_global *g)
{
	return g->json;
}

const char *cli_global_instance(const cli_global *g)
{
	return g->instance;
}

void cli_ctx_init(cli_ctx *c, cli_global *g)
{
	memset(c, 0, sizeof(*c));
	c->g = g;
}

void cli_ctx_clear(cli_ctx *c)
{
	mu_backend_free(&c->backend);
	g_clear_object(&c->json);
}

int cli_parse(cli_ctx *c, GOptionContext *ctx, int argc, char **argv)
{
	GError *error = NULL;

	cli_global_add_entries(c->g, ctx);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		int rc = cli_fail(c, CLI_EXIT_USAGE, "%s (see 'openmu-cli %s%s --help')",
		                  error->message, strcmp(argv[0], "readers") == 0 ? "" : "card ",
		                  argv[0]);
		g_error_free(error);
		return rc;
	}
	if (argc > 1)
		return cli_fail(c, CLI_EXIT_USAGE, "unexpected argument \"%s\" (see --help)",
		                argv[1]);
	if (c->g->pin_fd < -1)
		return cli_fail(c, CLI_EXIT_USAGE, "--pin-fd needs a file descriptor number");
	if (c->g->json && c->json == NULL) {
		c->json = json_builder_new();
		json_builder_begin_object(c->json);
	}
	return CLI_EXIT_OK;
}

/* ---- errors and output ---- */

static const char *exit_kind(int code)
{
	switch (code) {
	case CLI_EXIT_OK:
		return "ok";
	case CLI_EXIT_USAGE:
		return "usage";
	case CLI_EXIT_NO_CARD:
		return "no-card";
	case CLI_EXIT_WRONG_CARD:
		return "wrong-card";
	case CLI_EXIT_BLOCKED:
		return "blocked";
	case CLI_EXIT_IO:
		return "io";
	default:
		return "failed";
	}
}

static void json_print(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	g_autofree char *text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}

int cli_fail(cli_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	fflush(stdout);
	fprintf(stderr, "openmu-cli: %s\n", msg);
	if (c->g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_begin_object(b);
		cli_json_int(b, "code", code);
		cli_json_str(b, "kind", exit_kind(code));
		cli_json_str(b, "message", msg);
		json_builder_end_object(b);
		json_builder_end_object(b);
		json_print(b);
		/* the object of the command is not printed any more */
		g_clear_object(&c->json);
	}
	return code;
}

int cli_exit_code(int status)
{
	switch (status) {
	case MU_SC_OK:
		return CLI_EXIT_OK;
	case MU_SC_ERR_NO_SERVICE:
	case MU_SC_ERR_NO_READER:
	case MU_SC_ERR_NO_CARD:
	case MU_SC_ERR_REMOVED:
	case MU_SC_ERR_TRANSPORT:
	case MU_SC_ERR_TIMEOUT:
		return CLI_EXIT_NO_CARD;
	case MU_SC_ERR_NOT_OPENMU:
	case MU_SC_ERR_WRONG_TYPE:
	case MU_SC_ERR_ZONE:
		return CLI_EXIT_WRONG_CARD;
	case MU_SC_ERR_BLOCKED:
		return CLI_EXIT_BLOCKED;
	case MU_SC_ERR_ARG:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_FAILED;
	}
}

int cli_fail_card(cli_ctx *c, mu_card *card, int status, const char *what)
{
	const char *detail = card != NULL ? mu_card_errmsg(card) : "";
	if (detail == NULL || detail[0] == '\0')
		detail = mu_sc_strerror(status);

	switch (status) {
	case MU_SC_ERR_REMOVED:
		if (card == NULL || mu_card_errmsg(card)[0] == '\0')
			detail = "the card was removed before the command finished: insert it "
			         "again, check it with 'openmu-cli card info' and retry";
		return cli_fail(c, CLI_EXIT_NO_CARD, "%s: %s", what, detail);
	case MU_SC_ERR_NO_SERVICE:
		return cli_fail(c, CLI_EXIT_NO_CARD,
		                "%s: pcscd (the PC/SC daemon) stopped answering: restart it and "
		                "retry",
		                what);
	default:
		return cli_fail(c, cli_exit_code(status), "%s: %s", what, detail);
	}
}

int cli_finish(cli_ctx *c, int code)
{
	if (code == CLI_EXIT_OK && c->json != NULL) {
		json_builder_end_object(c->json);
		json_print(c->json);
		g_clear_object(&c->json);
	}
	fflush(stdout);
	return code;
}

void cli_json_str(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

void cli_json_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

void cli_json_bool(JsonBuilder *b, const char *key, gboolean value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, value);
}

static void text_field(const char *label, const char *value)
{
	g_autofree char *l = g_strconcat(label, ":", NULL);
	printf("%-22s %s\n", l, value != NULL && value[0] != '\0' ? value : "-");
}

void cli_out_str(cli_ctx *c, const char *key, const char *label, const char *value)
{
	if (c->json != NULL)
		cli_json_str(c->json, key, value);
	else if (!c->g->json)
		text_field(label, value);
}

void cli_out_int(cli_ctx *c, const char *key, const char *label, gint64 value)
{
	if (c->json != NULL) {
		cli_json_int(c->json, key, value);
	} else if (!c->g->json) {
		g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, value);
		text_field(label, v);
	}
}

void cli_out_bool(cli_ctx *c, const char *key, const char *label, gboolean value)
{
	if (c->json != NULL)
		cli_json_bool(c->json, key, value);
	else if (!c->g->json)
		text_field(label, value ? "yes" : "no");
}

void cli_say(cli_ctx *c, const char *fmt, ...)
{
	if (c->g->json)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int cli_check_text(cli_ctx *c, const char *option, const char *value, size_t max,
                   bool required)
{
	if (value == NULL || value[0] == '\0') {
		if (required)
			return cli_fail(c, CLI_EXIT_USAGE, "%s is required (see --help)", option);
		return CLI_EXIT_OK;
	}
	if (!g_utf8_validate(value, -1, NULL))
		return cli_fail(c, CLI_EXIT_USAGE, "%s is not valid UTF-8", option);
	if (strlen(value) > max)
		return cli_fail(c, CLI_EXIT_USAGE, "%s is longer than %zu bytes", option, max);
	return CLI_EXIT_OK;
}

char *cli_hex(const uint8_t *p, size_t len)
{
	GString *s = g_string_sized_new(2 * len + 1);
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", p[i]);
	return g_string_free(s, FALSE);
}

char *cli_hex_colon(const uint8_t *p, size_t len)
{
	GString *s = g_string_sized_new(3 * len + 1);
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, i ? ":%02X" : "%02X", p[i]);
	return g_string_free(s, FALSE);
}

/* ---- readers and cards ---- */

int cli_backend(cli_ctx *c)
{
	if (c->backend != NULL)
		return CLI_EXIT_OK;
	int st = mu_backend_pcsc_open(&c->backend);
	if (st == MU_SC_ERR_NO_SERVICE)
		return cli_fail(c, CLI_EXIT_NO_CARD,
		                "cannot reach pcscd, the PC/SC daemon: start it (e.g. 'systemctl "
		                "start pcscd.socket') and retry");
	if (st != MU_SC_OK)
		return cli_fail(c, CLI_EXIT_NO_CARD, "cannot open PC/SC: %s", mu_sc_strerror(st));
	return CLI_EXIT_OK;
}

/* Opens the card in one reader by full name. */
static int open_in(cli_ctx *c, const char *reader, const char *what, mu_card **card,
                   mu_card_info *info)
{
	mu_card *k = NULL;
	int st = mu_card_open(c->backend, reader, &k);
	if (st == MU_SC_ERR_NO_CARD)
		return cli_fail(c, CLI_EXIT_NO_CARD, "no card in reader \"%s\": insert %s", reader,
		                what);
	if (st == MU_SC_ERR_NOT_OPENMU)
		return cli_fail(c, CLI_EXIT_WRONG_CARD,
		                "the card in reader \"%s\" is not an OpenMU card: insert %s", reader,
		                what);
	if (st != MU_SC_OK)
		return cli_fail(c, cli_exit_code(st), "cannot use the card in reader \"%s\": %s",
		                reader, mu_sc_strerror(st));
	st = mu_card_info_get(k, info);
	if (st != MU_SC_OK) {
		int rc = cli_fail_card(c, k, st, "reading the card information");
		mu_card_free(&k);
		return rc;
	}
	*card = k;
	return CLI_EXIT_OK;
}

static gboolean excluded(const char *name, const char *const *exclude)
{
	for (size_t i = 0; exclude != NULL && exclude[i] != NULL; i++)
		if (strcmp(name, exclude[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Without --reader: the one reader, among those holding a card, whose card
 * is an OpenMU card. */
static int pick_reader(cli_ctx *c, const char *const *exclude, const char *what, char **out)
{
	mu_reader_info *list = NULL;
	size_t n = 0;
	int st = mu_backend_list(c->backend, &list, &n);
	if (st != MU_SC_OK)
		return cli_fail(c, cli_exit_code(st), "cannot list the readers: %s",
		                mu_sc_strerror(st));
	int rc = CLI_EXIT_OK;
	g_autoptr(GPtrArray) ours = g_ptr_array_new();
	const char *first_other = NULL;
	for (size_t i = 0; i < n; i++) {
		mu_card *k = NULL;
		if (!list[i].card_present || excluded(list[i].name, exclude))
			continue;
		if (mu_card_open(c->backend, list[i].name, &k) == MU_SC_OK)
			g_ptr_array_add(ours, list[i].name);
		else if (first_other == NULL)
			first_other = list[i].name;
		mu_card_free(&k);
	}
	if (n == 0)
		rc = cli_fail(c, CLI_EXIT_NO_CARD,
		              "no smart card reader found: connect one (see 'openmu-cli readers')");
	else if (ours->len == 1)
		*out = g_strdup(g_ptr_array_index(ours, 0));
	else if (ours->len > 1)
		rc = cli_fail(c, CLI_EXIT_USAGE,
		              "%u readers hold OpenMU cards (\"%s\", \"%s\"%s): choose the one with "
		              "%s using --reader NAME|INDEX",
		              ours->len, (char *)g_ptr_array_index(ours, 0),
		              (char *)g_ptr_array_index(ours, 1), ours->len > 2 ? ", ..." : "",
		              what);
	else if (first_other != NULL)
		rc = cli_fail(c, CLI_EXIT_WRONG_CARD,
		              "the card in reader \"%s\" is not an OpenMU card: insert %s",
		              first_other, what);
	else
		rc = cli_fail(c, CLI_EXIT_NO_CARD, "no card in any reader: insert %s", what);
	mu_reader_info_free(list, n);
	return rc;
}

int cli_open_card(cli_ctx *c, const char *spec, const char *const *exclude, const char *what,
                  mu_card **card, char **reader, mu_card_info *info)
{
	g_autofree char *name = NULL;
	int rc = cli_backend(c);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (spec != NULL) {
		int st = mu_backend_resolve_reader(c->backend, spec, &name);
		if (st == MU_SC_ERR_NO_READER)
			return cli_fail(c, CLI_EXIT_NO_CARD,
			                "no reader \"%s\": give a full name, a unique prefix or an "
			                "index from 'openmu-cli readers'",
			                spec);
		if (st != MU_SC_OK)
			return cli_fail(c, cli_exit_code(st), "cannot find reader \"%s\": %s", spec,
			                mu_sc_strerror(st));
		if (excluded(name, exclude))
			return cli_fail(c, CLI_EXIT_USAGE,
			                "reader \"%s\" is named twice: %s needs a reader of its own",
			                name, what);
	} else {
		rc = pick_reader(c, exclude, what, &name);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	rc = open_in(c, name, what, card, info);
	if (rc == CLI_EXIT_OK)
		*reader = g_steal_pointer(&name);
	return rc;
}

static const char *type_phrase(int type)
{
	switch (type) {
	case MU_CARD_TYPE_BLANK:
		return "a blank card";
	case MU_CARD_TYPE_CA:
		return "a CA card";
	case MU_CARD_TYPE_EP11:
		return "an EP11 card";
	default:
		return "a card of unknown type";
	}
}

char *cli_card_phrase(const mu_card_info *info, const char *reader)
{
	GString *s = g_string_new("the ");
	g_string_append(s, mu_card_type_name(info->type));
	g_string_append(s, " card");
	if (info->label[0] != '\0')
		g_string_append_printf(s, " \"%s\"", info->label);
	if (info->type != MU_CARD_TYPE_BLANK)
		g_string_append_printf(s, " of zone %s", info->zone_id);
	g_string_append_printf(s, " in reader \"%s\"", reader);
	return g_string_free(s, FALSE);
}

int cli_want_type(cli_ctx *c, const mu_card_info *info, const char *reader, int type,
                  const char *what)
{
	if (info->type == type)
		return CLI_EXIT_OK;
	return cli_fail(c, CLI_EXIT_WRONG_CARD, "the card in reader \"%s\" is %s, not %s: insert %s",
	                reader, type_phrase(info->type), type_phrase(type), what);
}
