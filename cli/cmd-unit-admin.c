/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli unit: the ceremony commands that join the admins' cards and
 * the crypto units (admin-add, admin-rm, thresholds-set, mk-load, mk-commit,
 * mk-setimm, mk-rotate, mk-clrnew, mk-clrcur, zeroize). Every admin block is
 * signed by the cards of --signer-reader (PSO); key parts go from the card
 * of --reader to each unit as envelopes the card sealed after verifying the
 * unit. Documented in docs/cli.md, section "unit". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-pin.h"
#include "cmd-unit-priv.h"
#include "mu-tke-admin.h"
#include "mu-tke-ceremony.h"
#include "mu-tke-error.h"
#include "mu-tke-journal.h"
#include "mu-tke-status.h"
#include "mu-unit-proto.h"

#define MAX_CARDS (MU_UNIT_ADMINS_MAX + 1)

/* The cards of one command: the signing cards and the key-part card. */
typedef struct ceremony {
	unit_ctx *u;
	cli_global g;
	cli_ctx cc;
	mu_card *cards[MAX_CARDS];
	char *readers[MAX_CARDS];
	size_t ncards;
	mu_tke_signer signers[MU_UNIT_ADMINS_MAX];
	size_t nsigners;
	char **signer_specs; /* --signer-reader */
	int pin_fd;          /* --pin-fd after the command */
	gboolean admin_add;  /* JSON "installed" per unit */
	char *journal_path;  /* --journal or $OPENMU_JOURNAL */
	mu_tke_journal *journal;
	const char *step_name; /* of the journal records */
	mu_card *countersign;  /* of the journal records; default: first signing card */
} ceremony;

static void ceremony_init(ceremony *cer, unit_ctx *u)
{
	memset(cer, 0, sizeof(*cer));
	cer->u = u;
	cer->pin_fd = -1;
	cer->g.pin_fd = u->pin_fd;
	cli_ctx_init(&cer->cc, &cer->g);
}

static void ceremony_clear(ceremony *cer)
{
	for (size_t i = 0; i < cer->nsigners; i++)
		mu_tke_signer_clear(&cer->signers[i]);
	for (size_t i = 0; i < cer->ncards; i++) {
		mu_card_free(&cer->cards[i]);
		g_free(cer->readers[i]);
	}
	g_strfreev(cer->signer_specs);
	mu_tke_journal_free(&cer->journal);
	g_free(cer->journal_path);
	cli_ctx_clear(&cer->cc);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ceremony, ceremony_clear)

static void ceremony_entries(ceremony *cer, GOptionContext *ctx)
{
	GOptionEntry entries[] = {
	    {"signer-reader", 's', 0, G_OPTION_ARG_STRING_ARRAY, &cer->signer_specs,
	     "Reader of an admin's signing card (repeat for a quorum)", "R"},
	    {"pin-fd", 0, 0, G_OPTION_ARG_INT, &cer->pin_fd, "Read the PINs from this fd", "N"},
	    {"journal", 0, 0, G_OPTION_ARG_FILENAME, &cer->journal_path,
	     "Append a countersigned record per unit to this ceremony journal "
	     "(default: $OPENMU_JOURNAL)",
	     "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GOptionGroup *group = g_option_group_new("cards", "Signing cards:", "Show the card options",
	                                         NULL, NULL);
	g_option_group_add_entries(group, entries);
	g_option_context_add_group(ctx, group);
}

/* After parsing: the JSON flag and --pin-fd of the command line. */
static void ceremony_parsed(ceremony *cer)
{
	cer->g.json = cer->u->json;
	if (cer->pin_fd >= 0)
		cer->g.pin_fd = cer->pin_fd;
	if (cer->journal_path == NULL && g_getenv("OPENMU_JOURNAL") != NULL &&
	    *g_getenv("OPENMU_JOURNAL") != '\0')
		cer->journal_path = g_strdup(g_getenv("OPENMU_JOURNAL"));
}

/* Opens the EP11 card in spec (reused when already open) and verifies its
 * PIN from env (or --pin-fd, or the terminal). */
static int open_card(ceremony *cer, const char *spec, const char *env, const char *what,
                     mu_card **out, const char **reader)
{
	mu_card *card = NULL;
	char *name = NULL;
	mu_card_info info;
	int rc = cli_open_card(&cer->cc, spec, NULL, what, &card, &name, &info);
	if (rc != CLI_EXIT_OK)
		return rc;
	for (size_t i = 0; i < cer->ncards; i++) {
		if (strcmp(cer->readers[i], name) == 0) {
			mu_card_free(&card);
			g_free(name);
			*out = cer->cards[i];
			*reader = cer->readers[i];
			return CLI_EXIT_OK;
		}
	}
	if (cer->ncards == MAX_CARDS) {
		mu_card_free(&card);
		g_free(name);
		return cli_fail(&cer->cc, CLI_EXIT_USAGE, "at most %u cards take part",
		                (unsigned)MAX_CARDS);
	}
	cer->cards[cer->ncards] = card;
	cer->readers[cer->ncards] = name;
	cer->ncards++;
	rc = cli_want_type(&cer->cc, &info, name, MU_CARD_TYPE_EP11, what);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (info.blocked)
		return cli_blocked(&cer->cc, &info, name);
	g_autofree char *desc = g_strdup_printf("PIN of %s", what);
	g_auto(cli_pin) pin = {{0}};
	rc = cli_get_pin(&cer->cc, env, desc, false, &pin);
	if (rc == CLI_EXIT_OK)
		rc = cli_verify(&cer->cc, card, name, 1, &pin);
	if (rc != CLI_EXIT_OK)
		return rc;
	*out = card;
	*reader = name;
	return CLI_EXIT_OK;
}

/* Opens and verifies every --signer-reader card, in order. */
static int open_signers(ceremony *cer)
{
	size_t n = cer->signer_specs != NULL ? g_strv_length(cer->signer_specs) : 0;
	if (n > MU_UNIT_ADMINS_MAX)
		return cli_fail(&cer->cc, CLI_EXIT_USAGE, "at most %u --signer-reader",
		                MU_UNIT_ADMINS_MAX);
	for (size_t i = 0; i < n; i++) {
		mu_card *card = NULL;
		const char *reader = NULL;
		char env[32];
		g_snprintf(env, sizeof(env), "OPENMU_SIGNER_PIN%zu", i + 1);
		g_autofree char *what = g_strdup_printf("signing card %zu", i + 1);
		int rc = open_card(cer, cer->signer_specs[i], g_getenv(env) ? env : "OPENMU_PIN",
		                   what, &card, &reader);
		if (rc != CLI_EXIT_OK)
			return rc;
		GError *e = NULL;
		g_autofree char *label = g_strdup_printf("the signing card in reader \"%s\"", reader);
		if (!mu_tke_signer_init(&cer->signers[cer->nsigners], card, label, &e))
			return unit_fail(cer->u, e);
		for (size_t k = 0; k < cer->nsigners; k++)
			if (memcmp(cer->signers[k].key_id, cer->signers[cer->nsigners].key_id,
			           MU_UNIT_KEY_ID_LEN) == 0) {
				mu_tke_signer_clear(&cer->signers[cer->nsigners]);
				return unit_usage("%s and %s hold the same admin key: one signature "
				                  "per admin",
				                  label, cer->signers[k].what);
			}
		cer->nsigners++;
	}
	return CLI_EXIT_OK;
}

/* One unit's part of a command. */
typedef gboolean (*unit_fn)(ceremony *cer, mu_tke_client *c, void *data, mu_tke_outcome *out,
                            GError **error);

/* Runs fn on every unit (or --unit), each with its own connection and
 * fresh counter; reports per unit in text and in the JSON array "units".
 * Returns the exit code of the first failure. */
static int for_units(ceremony *cer, const char *what, unit_fn fn, void *data, JsonBuilder *b)
{
	unit_ctx *u = cer->u;
	GError *error = NULL;
	const mu_tke_unit *only = NULL;
	if (u->unit != NULL && (only = mu_tke_instance_find_unit(u->inst, u->unit, &error)) == NULL)
		return unit_fail(u, error);
	if (cer->journal_path != NULL && cer->journal == NULL &&
	    (cer->journal = mu_tke_journal_open(cer->journal_path, &error)) == NULL)
		return unit_fail(u, error);
	mu_card *countersign = cer->countersign;
	if (countersign == NULL && cer->nsigners > 0)
		countersign = cer->signers[0].card;
	int rc = UNIT_EXIT_OK;
	json_builder_set_member_name(b, "units");
	json_builder_begin_array(b);
	for (size_t i = 0; i < mu_tke_instance_n_units(u->inst); i++) {
		const mu_tke_unit *unit = mu_tke_instance_unit(u->inst, i);
		if (only != NULL && unit != only)
			continue;
		mu_tke_outcome out;
		GError *e = NULL;
		memset(&out, 0, sizeof(out));
		g_autoptr(mu_tke_client) c = mu_tke_client_connect(u->inst, unit, &e);
		gboolean ok = c != NULL && fn(cer, c, data, &out, &e);
		GError *je = NULL;
		gboolean journaled =
		    cer->journal == NULL ||
		    mu_tke_journal_record_step(cer->journal, cer->step_name, unit->name, c, ok, &out,
		                               e, cer->signers, cer->nsigners, countersign, &je);
		json_builder_begin_object(b);
		cli_json_str(b, "name", unit->name);
		cli_json_bool(b, "ok", ok);
		if (cer->admin_add)
			cli_json_bool(b, "installed", ok);
		if (ok) {
			cli_json_int(b, "transaction_counter", (gint64)out.counter);
			cli_json_int(b, "signatures", (gint64)out.nsigs);
			if (out.part_index != 0) {
				cli_json_int(b, "part_index", out.part_index);
				cli_json_int(b, "parts_total", out.parts_total);
			}
			if (out.has_vp) {
				g_autofree char *vp = mu_tke_hex(out.vp, MU_VP_LEN);
				cli_json_str(b, "vp", vp);
			}
			if (out.has_key_count)
				cli_json_int(b, "keys_reenciphered", out.key_count);
		} else {
			unit_json_error(b, e);
		}
		json_builder_end_object(b);
		if (ok && !u->json) {
			printf("%s: %s done (%zu signature%s), transaction counter %" G_GUINT64_FORMAT,
			       unit->name, what, out.nsigs, out.nsigs == 1 ? "" : "s",
			       (guint64)out.counter);
			if (out.part_index != 0)
				printf(", part %u of %u", out.part_index, out.parts_total);
			if (out.has_vp) {
				g_autofree char *vp = mu_tke_hex(out.vp, MU_VP_LEN);
				printf(", VP %s", vp);
			}
			printf("\n");
		}
		if (!ok) {
			fprintf(stderr, "openmu-cli: %s\n", e->message);
			if (rc == UNIT_EXIT_OK)
				rc = unit_exit_code(e);
			g_error_free(e);
		}
		if (!journaled) {
			/* no step without its record: stop here */
			fprintf(stderr, "openmu-cli: %s\n", je->message);
			if (rc == UNIT_EXIT_OK)
				rc = unit_exit_code(je);
			g_error_free(je);
			break;
		}
	}
	json_builder_end_array(b);
	return rc;
}

/* ---- the generic steps ---- */

typedef struct step_data {
	mu_tke_step step;
	mu_tke_step_args args;
} step_data;

static gboolean run_step(ceremony *cer, mu_tke_client *c, void *data, mu_tke_outcome *out,
                         GError **error)
{
	step_data *sd = data;
	return mu_tke_ceremony_step(c, sd->step, &sd->args, cer->signers, cer->nsigners, out,
	                            error);
}

/* Parses, loads the instance, opens the signing cards, runs the step on
 * every unit and prints the JSON document; extra adds members first. */
static int finish_step(ceremony *cer, step_data *sd, const char *what, JsonBuilder *b)
{
	int rc = open_signers(cer);
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_json_str(b, "command", mu_tke_step_name(sd->step));
	cer->step_name = mu_tke_step_name(sd->step);
	rc = for_units(cer, what, run_step, sd, b);
	json_builder_end_object(b);
	if (cer->u->json)
		unit_json_print(b);
	return rc;
}

static gboolean parse_hex32(const char *s, uint8_t out[32])
{
	if (s == NULL || strlen(s) != 64)
		return FALSE;
	for (size_t i = 0; i < 32; i++) {
		int hi = g_ascii_xdigit_value(s[2 * i]), lo = g_ascii_xdigit_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TRUE;
}

/* Parses argv with the card options and loads the instance. */
static int prepare(ceremony *cer, GOptionContext *ctx, int *argc, char ***argv)
{
	ceremony_entries(cer, ctx);
	if (!unit_parse(cer->u, ctx, argc, argv))
		return UNIT_EXIT_USAGE;
	ceremony_parsed(cer);
	GError *error = NULL;
	if (!unit_load_instance(cer->u, &error))
		return unit_fail(cer->u, error);
	return UNIT_EXIT_OK;
}

/* ---- admin-add ---- */

static gboolean run_add_imprint(ceremony *cer, mu_tke_client *c, void *data, mu_tke_outcome *out,
                                GError **error)
{
	(void)cer;
	GBytes *cert = data;
	out->nsigs = 0;
	return mu_tke_admin_add_imprint(c, g_bytes_get_data(cert, NULL), g_bytes_get_size(cert),
	                                &out->counter, error);
}

/* The admin certificate of the EP11 card in spec (GET CERT 03; no PIN). */
static GBytes *card_admin_cert(ceremony *cer, const char *spec, int *rc)
{
	mu_card *card = NULL;
	g_autofree char *reader = NULL;
	mu_card_info info;
	uint8_t *der = NULL;
	size_t len = 0;
	*rc = cli_open_card(&cer->cc, spec, NULL, "the new admin's card", &card, &reader, &info);
	if (*rc != CLI_EXIT_OK)
		return NULL;
	*rc = cli_want_type(&cer->cc, &info, reader, MU_CARD_TYPE_EP11, "the new admin's card");
	if (*rc == CLI_EXIT_OK) {
		int st = mu_card_get_cert(card, MU_CERT_ADMIN, &der, &len);
		if (st != MU_SC_OK)
			*rc = cli_fail_card(&cer->cc, card, st, "reading the admin certificate");
	}
	mu_card_free(&card);
	if (*rc != CLI_EXIT_OK)
		return NULL;
	GBytes *b = g_bytes_new_take(der, len);
	return b;
}

static int cmd_admin_add(unit_ctx *u, int argc, char **argv)
{
	g_autofree char *cert_path = NULL, *reader = NULL;
	GOptionEntry entries[] = {
	    {"cert", 'c', 0, G_OPTION_ARG_FILENAME, &cert_path,
	     "Admin certificate (PEM or DER): self-signed P-521/SHA-512 with CN=name", "FILE.pem"},
	    {"reader", 'r', 0, G_OPTION_ARG_STRING, &reader,
	     "Read the admin certificate from the EP11 card in this reader", "R"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- install an admin on the units (all, or --unit U)");
	g_option_context_set_description(
	    ctx, "Without --signer-reader: the unsigned imprint-mode form (units in imprint "
	         "mode only). With --signer-reader R (repeat): the form signed by installed "
	         "admins' cards, as many as the signature threshold asks.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	cer.admin_add = TRUE;
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if ((cert_path == NULL) == (reader == NULL)) {
		rc = unit_usage("admin-add needs --cert FILE.pem or --reader R (the new admin's card)");
		return rc;
	}
	GError *error = NULL;
	g_autoptr(GBytes) cert = NULL;
	mu_admin_cert_info info;
	if (cert_path != NULL) {
		cert = mu_tke_admin_cert_load(cert_path, &info, &error);
	} else {
		cert = card_admin_cert(&cer, reader, &rc);
		if (cert == NULL)
			return rc;
		if (mu_admin_cert_check(g_bytes_get_data(cert, NULL), g_bytes_get_size(cert), &info,
		                        NULL) != 0) {
			g_clear_pointer(&cert, g_bytes_unref);
			g_set_error(&error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "the card in %s holds no usable admin certificate", reader);
		}
	}
	if (cert == NULL) {
		rc = unit_fail(u, error);
		return rc;
	}
	rc = open_signers(&cer);
	if (rc != CLI_EXIT_OK)
		return rc;
	g_autofree char *key_id = mu_tke_hex(info.key_id, MU_UNIT_KEY_ID_LEN);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "admin");
	json_builder_begin_object(b);
	cli_json_str(b, "name", info.name);
	cli_json_str(b, "key_id", key_id);
	json_builder_end_object(b);
	g_autofree char *what = g_strdup_printf("admin %s (key id %s) installed", info.name, key_id);
	cer.step_name = mu_tke_step_name(MU_TKE_STEP_ADD_ADMIN);
	if (cer.nsigners == 0) {
		cer.step_name = "add-admin-imprint";
		rc = for_units(&cer, what, run_add_imprint, cert, b);
	} else {
		step_data sd = {.step = MU_TKE_STEP_ADD_ADMIN};
		sd.args.input = g_bytes_get_data(cert, &sd.args.input_len);
		cli_json_str(b, "command", mu_tke_step_name(sd.step));
		rc = for_units(&cer, what, run_step, &sd, b);
	}
	json_builder_end_object(b);
	if (u->json)
		unit_json_print(b);
	return rc;
}

/* ---- admin-rm, thresholds-set, mk-commit and the one-signature steps ---- */

static int cmd_admin_rm(unit_ctx *u, int argc, char **argv)
{
	g_autofree char *key_hex = NULL, *reader = NULL;
	GOptionEntry entries[] = {
	    {"key-id", 'k', 0, G_OPTION_ARG_STRING, &key_hex, "Key id of the admin (64 hex)", "HEX"},
	    {"reader", 'r', 0, G_OPTION_ARG_STRING, &reader,
	     "Take the key id from the admin's EP11 card in this reader", "R"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- remove an admin from the units");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	step_data sd = {.step = MU_TKE_STEP_REMOVE_ADMIN};
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if ((key_hex == NULL) == (reader == NULL)) {
		rc = unit_usage("admin-rm needs --key-id HEX or --reader R");
		return rc;
	}
	if (key_hex != NULL && !parse_hex32(key_hex, key_id)) {
		rc = unit_usage("--key-id takes 64 hex digits (SHA-256 of the admin's public point)");
		return rc;
	}
	if (reader != NULL) {
		mu_card *card = NULL;
		g_autofree char *name = NULL;
		mu_card_info info;
		rc = cli_open_card(&cer.cc, reader, NULL, "the admin's card", &card, &name, &info);
		mu_card_free(&card);
		if (rc != CLI_EXIT_OK)
			return rc;
		if (!info.has_sigkey) {
			rc = cli_fail(&cer.cc, CLI_EXIT_WRONG_CARD, "the card in %s holds no admin key",
			              name);
			return rc;
		}
		memcpy(key_id, info.admin_key_id, MU_UNIT_KEY_ID_LEN);
	}
	sd.args.input = key_id;
	sd.args.input_len = sizeof(key_id);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	g_autofree char *hex = mu_tke_hex(key_id, MU_UNIT_KEY_ID_LEN);
	cli_json_str(b, "key_id", hex);
	rc = finish_step(&cer, &sd, "admin removed", b);
	return rc;
}

static int cmd_thresholds(unit_ctx *u, int argc, char **argv)
{
	int sig = -1, rev = -1;
	GOptionEntry entries[] = {
	    {"sig", 0, 0, G_OPTION_ARG_INT, &sig, "Signature threshold (1-8)", "N"},
	    {"rev", 0, 0, G_OPTION_ARG_INT, &rev, "Revocation threshold (1-8)", "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- set the thresholds of the units");
	g_option_context_set_description(
	    ctx, "In imprint mode this needs as many signatures as the new signature threshold, "
	         "and leaves imprint mode.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	step_data sd = {.step = MU_TKE_STEP_SET_THRESHOLDS};
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if (sig < 1 || sig > 8 || rev < 1 || rev > 8) {
		rc = unit_usage("thresholds-set needs --sig N and --rev N, each 1 to 8");
		return rc;
	}
	sd.args.sig_threshold = (uint8_t)sig;
	sd.args.rev_threshold = (uint8_t)rev;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	cli_json_int(b, "signature_threshold", sig);
	cli_json_int(b, "revocation_threshold", rev);
	rc = finish_step(&cer, &sd, "thresholds set", b);
	return rc;
}

static int cmd_commit(unit_ctx *u, int argc, char **argv)
{
	g_autofree char *vp_hex = NULL;
	GOptionEntry entries[] = {
	    {"vp", 0, 0, G_OPTION_ARG_STRING, &vp_hex,
	     "Commit only a new register with this VP (64 hex)", "HEX"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- commit the fully loaded new master key register");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	step_data sd = {.step = MU_TKE_STEP_COMMIT};
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if (vp_hex != NULL && !parse_hex32(vp_hex, sd.args.expect_vp)) {
		rc = unit_usage("--vp takes 64 hex digits");
		return rc;
	}
	sd.args.has_expect_vp = vp_hex != NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	rc = finish_step(&cer, &sd, "new master key committed", b);
	return rc;
}

static const struct simple_step {
	const char *name;
	mu_tke_step step;
	const char *summary;
	const char *done;
} simple_steps[] = {
    {"mk-setimm", MU_TKE_STEP_SET_IMMEDIATE, "- set immediate: committed new -> current",
     "set immediate"},
    {"mk-rotate", MU_TKE_STEP_ROTATE, "- rotate: re-encipher key storage, new -> current",
     "rotate"},
    {"mk-clrnew", MU_TKE_STEP_CLEAR_NEW, "- clear the new master key register", "clear new"},
    {"mk-clrcur", MU_TKE_STEP_CLEAR_CURRENT, "- clear the current master key register",
     "clear current"},
    {"zeroize", MU_TKE_STEP_ZEROIZE, "- zeroize: back to imprint mode (needs --yes)",
     "zeroize"},
};

static int cmd_simple(unit_ctx *u, const struct simple_step *ss, int argc, char **argv)
{
	gboolean yes = FALSE;
	GOptionEntry entries[] = {
	    {"yes", 0, 0, G_OPTION_ARG_NONE, &yes, "Confirm (zeroize)", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(ss->summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	step_data sd = {.step = ss->step};
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if (ss->step == MU_TKE_STEP_ZEROIZE && !yes) {
		rc = unit_usage("zeroize wipes admins, thresholds, master keys and key storage: "
		                "confirm with --yes");
		return rc;
	}
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	rc = finish_step(&cer, &sd, ss->done, b);
	return rc;
}

#define SIMPLE(i)                                                                                  \
	static int cmd_simple_##i(unit_ctx *u, int argc, char **argv)                              \
	{                                                                                          \
		return cmd_simple(u, &simple_steps[i], argc, argv);                                \
	}
SIMPLE(0)
SIMPLE(1)
SIMPLE(2)
SIMPLE(3)
SIMPLE(4)

/* ---- mk-load ---- */

typedef struct load_data {
	mu_card *card;
	const char *what;
	unsigned slot;
	uint8_t parts;
} load_data;

static gboolean run_load(ceremony *cer, mu_tke_client *c, void *data, mu_tke_outcome *out,
                         GError **error)
{
	load_data *ld = data;
	return mu_tke_ceremony_load_part(c, ld->card, ld->what, ld->slot, ld->parts, cer->signers,
	                                 cer->nsigners, out, error);
}

static int cmd_mk_load(unit_ctx *u, int argc, char **argv)
{
	g_autofree char *reader = NULL;
	int slot = -1, parts = 3;
	GOptionEntry entries[] = {
	    {"reader", 'r', 0, G_OPTION_ARG_STRING, &reader, "Reader of the key-part card", "R"},
	    {"slot", 0, 0, G_OPTION_ARG_INT, &slot, "Key part slot on that card", "N"},
	    {"parts", 0, 0, G_OPTION_ARG_INT, &parts, "Parts of the master key: 2 or 3 (3)", "N"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("- load a key part from a card into the new register of the units");
	g_option_context_set_description(
	    ctx, "One PIN entry: the card then wraps the part for each unit, after verifying "
	         "that unit's OA certificate against the manufacturer root stored on the card. "
	         "GENERATE IMPORTER and LOAD PART are signed by the first --signer-reader card. "
	         "PINs: key-part card (OPENMU_PIN), then each signing card "
	         "(OPENMU_SIGNER_PIN1, 2, ... or OPENMU_PIN).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_auto(ceremony) cer = {0};
	ceremony_init(&cer, u);
	load_data ld = {0};
	int rc = prepare(&cer, ctx, &argc, &argv);
	if (rc != UNIT_EXIT_OK)
		return rc;
	if (reader == NULL || slot < 0 || slot >= (int)MU_KEYPARTS_MAX || parts < 2 || parts > 3) {
		rc = unit_usage("mk-load needs --reader R and --slot N (0-84); --parts is 2 or 3");
		return rc;
	}
	const char *name = NULL;
	rc = open_card(&cer, reader, "OPENMU_PIN", "the key-part card", &ld.card, &name);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = open_signers(&cer);
	if (rc != CLI_EXIT_OK)
		return rc;
	g_autofree char *what = g_strdup_printf("the key-part card in reader \"%s\"", name);
	ld.what = what;
	ld.slot = (unsigned)slot;
	ld.parts = (uint8_t)parts;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	cli_json_str(b, "command", "load-part");
	cer.step_name = "load-part";
	/* the key-part card countersigns when it holds an admin key */
	mu_card_info kinfo;
	if (mu_card_info_get(ld.card, &kinfo) == MU_SC_OK && kinfo.has_sigkey)
		cer.countersign = ld.card;
	cli_json_int(b, "slot", slot);
	rc = for_units(&cer, "key part loaded", run_load, &ld, b);
	json_builder_end_object(b);
	if (u->json)
		unit_json_print(b);
	return rc;
}

/* ---- dispatch ---- */

int unit_cmd_ceremony(unit_ctx *u, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(unit_ctx *u, int argc, char **argv);
	} cmds[] = {
	    {"admin-add", cmd_admin_add},   {"admin-rm", cmd_admin_rm},
	    {"thresholds-set", cmd_thresholds}, {"mk-load", cmd_mk_load},
	    {"mk-commit", cmd_commit},      {"mk-setimm", cmd_simple_0},
	    {"mk-rotate", cmd_simple_1},    {"mk-clrnew", cmd_simple_2},
	    {"mk-clrcur", cmd_simple_3},    {"zeroize", cmd_simple_4},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(u, argc, argv);
	return -1;
}
