/* SPDX-License-Identifier: Apache-2.0 */
/* Test equipment for the stack tests: gives a unit a valid current master
 * key through the real protocol, with software admin keys standing in for
 * the admins' cards (real admins sign on their cards; the workstation never
 * holds an admin key). Uses only tke/ and protocol/.
 *
 *   tke-test-mk --instance F.ini --unit U --thresholds S,R
 *               --admin-key K1.pem [--admin-key K2.pem ...]
 *               --part HEX64 --part HEX64 [--part HEX64]
 *
 * Sets the thresholds when the unit is in imprint mode, then for each part:
 * GENERATE IMPORTER, checks the statement with the unit's OA key, seals the
 * part (mu_keypart_seal) and LOAD PART; then COMMIT and SET IMMEDIATE, or
 * with --rotate COMMIT and ROTATE (key storage re-enciphered in the unit).
 * Prints the VP of the new current master key. Exit 0 on success, 1 with a
 * message on stderr otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "mu-keypart-envelope.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-tke-admin.h"
#include "mu-tke-client.h"
#include "mu-tke-status.h"
#include "mu-unit-crypto.h"
#include "mu-vp.h"

typedef struct signer {
	EVP_PKEY *key;
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
} signer;

static signer signers[MU_UNIT_ADMINS_MAX];
static size_t n_signers;

static void die(const char *what, GError *e)
{
	fprintf(stderr, "tke-test-mk: %s%s%s\n", what, e != NULL ? ": " : "",
	        e != NULL ? e->message : "");
	exit(1);
}

static void load_signer(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	uint8_t point[MU_UNIT_POINT_LEN];
	BIO_free(bio);
	if (key == NULL || n_signers == MU_UNIT_ADMINS_MAX ||
	    mu_unit_p521_point(key, point) != MU_OK ||
	    mu_unit_key_id(point, signers[n_signers].key_id) != MU_OK)
		die("cannot load a P-521 admin key", NULL);
	signers[n_signers++].key = key;
}

/* Signs the admin block of cmd with the first nsig signers and sends it. */
static mu_tke_reply *admin(mu_tke_client *c, uint16_t cmd, const uint8_t *input, size_t len,
                           size_t nsig, mu_unit_admin_result *res)
{
	mu_unit_status st;
	uint8_t block[MU_UNIT_BLOCK_MAX];
	uint8_t sigs[MU_UNIT_ADMINS_MAX][MU_UNIT_SIG_MAX];
	mu_admin_sig as[MU_UNIT_ADMINS_MAX];
	size_t block_len = 0;
	GError *e = NULL;
	if (nsig > n_signers)
		die("not enough --admin-key for this command", NULL);
	if (!mu_tke_status_fetch(c, &st, &e) ||
	    !mu_tke_admin_block(&st, cmd, input, len, block, sizeof(block), &block_len, &e))
		die(mu_unit_cmd_name(cmd), e);
	for (size_t i = 0; i < nsig; i++) {
		as[i].key_id = signers[i].key_id;
		as[i].sig = sigs[i];
		if (mu_admin_sign(signers[i].key, block, block_len, sigs[i], sizeof(sigs[i]),
		                  &as[i].sig_len) != MU_OK)
			die("signing failed", NULL);
	}
	mu_tke_reply *r = mu_tke_admin_send(c, block, block_len, as, nsig, res, &e);
	if (r == NULL)
		die(mu_unit_cmd_name(cmd), e);
	return r;
}

static void load_part(mu_tke_client *c, const uint8_t part[MU_UNIT_KEYPART_LEN], uint8_t total)
{
	mu_unit_admin_result res;
	mu_unit_importer imp;
	mu_keypart_envelope env;
	uint8_t env_tlv[1024], input[1100];
	size_t env_len = 0, in_len = 0;

	mu_tke_reply *r = admin(c, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, 1, &res);
	if (res.importer_stmt.p == NULL ||
	    mu_importer_stmt_verify(mu_tke_client_oa_key(c), res.importer_stmt.p,
	                            res.importer_stmt.len, res.importer_sig.p,
	                            res.importer_sig.len) != MU_OK ||
	    mu_importer_stmt_parse(res.importer_stmt.p, res.importer_stmt.len, &imp) != MU_OK)
		die("the importer statement does not verify with the unit's OA key", NULL);
	mu_tke_reply_free(&r);

	if (mu_keypart_seal(&imp, part, &env) != MU_OK)
		die("sealing the part failed", NULL);
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, env_tlv, sizeof(env_tlv));
	mu_keypart_envelope_encode(&env, &w);
	if (mu_tlv_writer_finish(&w, &env_len) != MU_OK ||
	    mu_admin_input_load_part(total, env_tlv, env_len, input, sizeof(input), &in_len) !=
	        MU_OK)
		die("encoding the envelope failed", NULL);
	r = admin(c, MU_UNIT_CMD_LOAD_PART, input, in_len, 1, &res);
	mu_tke_reply_free(&r);
}

int main(int argc, char **argv)
{
	char *instance = NULL, *unit = NULL, *thresholds = NULL;
	char **keys = NULL, **parts_hex = NULL;
	gboolean rotate = FALSE;
	GError *e = NULL;
	GOptionEntry entries[] = {
	    {"instance", 0, 0, G_OPTION_ARG_FILENAME, &instance, "instance file", "F"},
	    {"unit", 0, 0, G_OPTION_ARG_STRING, &unit, "unit name", "U"},
	    {"thresholds", 0, 0, G_OPTION_ARG_STRING, &thresholds, "signature,revocation", "S,R"},
	    {"admin-key", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &keys, "admin key (PEM)", "K"},
	    {"part", 0, 0, G_OPTION_ARG_STRING_ARRAY, &parts_hex, "key part (64 hex)", "HEX"},
	    {"rotate", 0, 0, G_OPTION_ARG_NONE, &rotate, "ROTATE instead of SET IMMEDIATE", NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GOptionContext *ctx = g_option_context_new("- give a unit a master key (test only)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &e))
		die("usage", e);
	g_option_context_free(ctx);
	unsigned sig_t = 0, rev_t = 0;
	if (instance == NULL || unit == NULL || thresholds == NULL || keys == NULL ||
	    parts_hex == NULL || sscanf(thresholds, "%u,%u", &sig_t, &rev_t) != 2 ||
	    g_strv_length(parts_hex) < MU_UNIT_PARTS_MIN ||
	    g_strv_length(parts_hex) > MU_UNIT_PARTS_MAX)
		die("usage: --instance F --unit U --thresholds S,R --admin-key K... --part HEX "
		    "--part HEX [--part HEX]",
		    NULL);
	for (char **k = keys; *k != NULL; k++)
		load_signer(*k);

	mu_tke_instance *inst = mu_tke_instance_load(instance, &e);
	const mu_tke_unit *u = inst != NULL ? mu_tke_instance_find_unit(inst, unit, &e) : NULL;
	mu_tke_client *c = u != NULL ? mu_tke_client_connect(inst, u, &e) : NULL;
	if (c == NULL)
		die("connect", e);

	mu_unit_status st;
	mu_unit_admin_result res;
	if (!mu_tke_status_fetch(c, &st, &e))
		die("status", e);
	if (st.imprint) {
		uint8_t in[2];
		mu_admin_input_thresholds((uint8_t)sig_t, (uint8_t)rev_t, in);
		mu_tke_reply *r = admin(c, MU_UNIT_CMD_SET_THRESHOLDS, in, 2, sig_t, &res);
		mu_tke_reply_free(&r);
	}

	uint8_t total = (uint8_t)g_strv_length(parts_hex);
	uint8_t mk[MU_UNIT_MK_LEN] = {0};
	for (uint8_t i = 0; i < total; i++) {
		uint8_t part[MU_UNIT_KEYPART_LEN];
		if (strlen(parts_hex[i]) != 2 * MU_UNIT_KEYPART_LEN)
			die("a part is 64 hex digits", NULL);
		for (size_t b = 0; b < MU_UNIT_KEYPART_LEN; b++) {
			unsigned v;
			if (sscanf(parts_hex[i] + 2 * b, "%2x", &v) != 1)
				die("a part is 64 hex digits", NULL);
			part[b] = (uint8_t)v;
			mk[b] ^= part[b];
		}
		load_part(c, part, total);
		mu_memzero(part, sizeof(part));
	}
	uint8_t vp[MU_VP_LEN];
	if (mu_vp_compute(mk, sizeof(mk), vp) != MU_OK)
		die("VP", NULL);
	mu_memzero(mk, sizeof(mk));
	mu_tke_reply *r = admin(c, MU_UNIT_CMD_COMMIT, vp, sizeof(vp), sig_t, &res);
	mu_tke_reply_free(&r);
	r = admin(c, rotate ? MU_UNIT_CMD_ROTATE : MU_UNIT_CMD_SET_IMMEDIATE, NULL, 0, 1, &res);
	mu_tke_reply_free(&r);
	if (!mu_tke_status_fetch(c, &st, &e))
		die("status", e);
	if (st.cur_state != MU_UNIT_CUR_VALID || memcmp(st.cur_vp, vp, MU_VP_LEN) != 0)
		die("the current register does not hold the new master key", NULL);
	char hex[2 * MU_VP_LEN + 1];
	mu_vp_to_hex(vp, hex);
	printf("%s\n", hex);

	mu_tke_client_free(&c);
	mu_tke_instance_free(&inst);
	for (size_t i = 0; i < n_signers; i++)
		EVP_PKEY_free(signers[i].key);
	g_strfreev(keys);
	g_strfreev(parts_hex);
	g_free(instance);
	g_free(unit);
	g_free(thresholds);
	return 0;
}
