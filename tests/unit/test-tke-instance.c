/* SPDX-License-Identifier: Apache-2.0 */
/* The instance file parser of tke/: a valid file, path resolution, and a
 * refusal with a message naming the fault for every malformed variant. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mu-tke-error.h"
#include "mu-tke-instance.h"

#define FPR "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char valid[] = "[instance]\n"
                            "name=unitsim\n"
                            "root-certificate=root/root-cert.pem\n"
                            "root-fingerprint=" FPR "\n"
                            "units=unit1;unit2;recovery1;\n"
                            "\n"
                            "[unit unit1]\n"
                            "address=127.0.0.1:40001\n"
                            "role=operational\n"
                            "module-id=0102030405060708\n"
                            "domain=0\n"
                            "service-token-file=/abs/units/unit1/service-token\n"
                            "\n"
                            "[unit unit2]\n"
                            "address=localhost:40002\n"
                            "role=operational\n"
                            "module-id=A1A2A3A4A5A6A7A8\n"
                            "domain=1\n"
                            "service-token-file=units/unit2/service-token\n"
                            "future-key=ignored\n"
                            "\n"
                            "[unit recovery1]\n"
                            "address=[::1]:65535\n"
                            "role=recovery\n"
                            "module-id=ffffffffffffffff\n"
                            "domain=65535\n";

static void test_valid(void)
{
	GError *error = NULL;
	mu_tke_instance *inst =
	    mu_tke_instance_parse(valid, strlen(valid), "/base", "test.ini", &error);
	g_assert_no_error(error);
	g_assert_nonnull(inst);
	g_assert_cmpstr(mu_tke_instance_name(inst), ==, "unitsim");
	g_assert_cmpstr(mu_tke_instance_path(inst), ==, "test.ini");
	g_assert_cmpstr(mu_tke_instance_root_path(inst), ==, "/base/root/root-cert.pem");
	g_assert_cmpstr(mu_tke_instance_root_fingerprint_hex(inst), ==, FPR);
	g_assert_cmphex(mu_tke_instance_root_fingerprint(inst)[1], ==, 0x11);
	g_assert_null(mu_tke_instance_root_der(inst, NULL));
	g_assert_cmpuint(mu_tke_instance_n_units(inst), ==, 3);

	const mu_tke_unit *u = mu_tke_instance_unit(inst, 0);
	g_assert_cmpstr(u->name, ==, "unit1");
	g_assert_cmpstr(u->host, ==, "127.0.0.1");
	g_assert_cmpuint(u->port, ==, 40001);
	g_assert_cmpuint(u->role, ==, MU_UNIT_ROLE_OPERATIONAL);
	g_assert_cmphex(u->module_id[0], ==, 0x01);
	g_assert_cmphex(u->module_id[7], ==, 0x08);
	g_assert_cmpuint(u->domain, ==, 0);
	g_assert_cmpstr(u->token_file, ==, "/abs/units/unit1/service-token");

	u = mu_tke_instance_unit(inst, 1);
	g_assert_cmpstr(u->host, ==, "localhost");
	g_assert_cmphex(u->module_id[0], ==, 0xa1);
	g_assert_cmpstr(u->token_file, ==, "/base/units/unit2/service-token");

	u = mu_tke_instance_unit(inst, 2);
	g_assert_cmpstr(u->name, ==, "recovery1");
	g_assert_cmpstr(u->host, ==, "::1");
	g_assert_cmpuint(u->port, ==, 65535);
	g_assert_cmpuint(u->role, ==, MU_UNIT_ROLE_RECOVERY);
	g_assert_cmpuint(u->domain, ==, 65535);
	g_assert_null(u->token_file);
	g_assert_null(mu_tke_instance_unit(inst, 3));

	g_assert_true(mu_tke_instance_find_unit(inst, "unit2", &error) ==
	              mu_tke_instance_unit(inst, 1));
	g_assert_null(mu_tke_instance_find_unit(inst, "unit9", &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG);
	g_assert_nonnull(strstr(error->message, "unit1, unit2, recovery1"));
	g_clear_error(&error);
	mu_tke_instance_free(&inst);
	g_assert_null(inst);
	mu_tke_instance_free(&inst); /* NULL-safe */
}

/* Replaces the first occurrence of from in valid by to. */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(valid, from);
	g_assert_nonnull(at);
	return g_strdup_printf("%.*s%s%s", (int)(at - valid), valid, to, at + strlen(from));
}

static void test_malformed(void)
{
	static const struct {
		const char *from, *to, *expect;
	} cases[] = {
	    {"[instance]\n", "[other]\n", "no [instance] group"},
	    {"name=unitsim\n", "", "[instance] name: missing"},
	    {"name=unitsim\n", "name=\n", "[instance] name: empty"},
	    {"root-certificate=root/root-cert.pem\n", "", "root-certificate: missing"},
	    {"root-fingerprint=" FPR "\n", "root-fingerprint=abc\n", "not 64 hex digits"},
	    {"root-fingerprint=" FPR "\n", "root-fingerprint=" FPR "00\n", "not 64 hex"},
	    {"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	     "0011223344556677889gaabbccddeeff00112233445566778899aabbccddeeff\n", "hex"},
	    {"units=unit1;unit2;recovery1;\n", "", "units: missing"},
	    {"units=unit1;unit2;recovery1;\n", "units=\n", "lists no unit"},
	    {"units=unit1;unit2;recovery1;\n", "units=unit1;unit1;\n", "twice"},
	    {"units=unit1;unit2;recovery1;\n", "units=unit1;unit3;\n", "no group [unit unit3]"},
	    {"units=unit1;unit2;recovery1;\n", "units=unit 1;\n", "not a unit name"},
	    {"units=unit1;unit2;recovery1;\n", "units=u/x;\n", "not a unit name"},
	    {"address=127.0.0.1:40001\n", "", "[unit unit1] address: missing"},
	    {"address=127.0.0.1:40001\n", "address=127.0.0.1\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=127.0.0.1:0\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=127.0.0.1:65536\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=127.0.0.1:4x\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=127.0.0.1:-1\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=:40001\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=::1:40001\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=[127.0.0.1]:40001\n", "is not HOST:PORT"},
	    {"address=127.0.0.1:40001\n", "address=a b:1\n", "is not HOST:PORT"},
	    {"address=[::1]:65535\n", "address=[::1]65535\n", "is not HOST:PORT"},
	    {"role=operational\n", "role=primary\n", "neither operational nor recovery"},
	    {"role=operational\n", "", "[unit unit1] role: missing"},
	    {"module-id=0102030405060708\n", "module-id=01020304050607\n", "not 16 hex"},
	    {"module-id=0102030405060708\n", "module-id=010203040506070g\n", "not 16 hex"},
	    {"module-id=0102030405060708\ndomain=0\n", "module-id=A1A2A3A4A5A6A7A8\ndomain=1\n",
	     "same module id and domain"},
	    {"domain=0\n", "domain=65536\n", "not a number from 0 to 65535"},
	    {"domain=0\n", "domain=-1\n", "not a number"},
	    {"domain=0\n", "domain=0x1\n", "not a number"},
	    {"domain=0\n", "domain=000001\n", "not a number"},
	    {"domain=0\n", "", "[unit unit1] domain: missing"},
	    {"service-token-file=/abs/units/unit1/service-token\n", "service-token-file=\n",
	     "service-token-file: empty"},
	    {"[unit unit1]\n", "[unit unit1\n", "not a key file"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GError *error = NULL;
		g_autofree char *text = variant(cases[i].from, cases[i].to);
		mu_tke_instance *inst =
		    mu_tke_instance_parse(text, strlen(text), NULL, "bad.ini", &error);
		if (inst != NULL)
			g_error("case %zu (%s) was accepted", i, cases[i].to);
		g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
		if (strstr(error->message, cases[i].expect) == NULL)
			g_error("case %zu: \"%s\" does not say \"%s\"", i, error->message,
			        cases[i].expect);
		g_assert_true(g_str_has_prefix(error->message, "bad.ini: "));
		g_clear_error(&error);
	}
}

static void test_not_text(void)
{
	GError *error = NULL;
	static const char nul[] = "[instance]\nname=a\0b\n";
	g_assert_null(mu_tke_instance_parse(nul, sizeof(nul) - 1, NULL, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "instance file: not UTF-8 text"));
	g_clear_error(&error);

	static const char latin1[] = "[instance]\nname=\xe9t\xe9\n";
	g_assert_null(mu_tke_instance_parse(latin1, sizeof(latin1) - 1, NULL, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_clear_error(&error);

	g_assert_null(mu_tke_instance_parse("", 0, NULL, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_clear_error(&error);

	char *big = g_malloc(MU_TKE_INSTANCE_MAX_BYTES + 1);
	memset(big, '#', MU_TKE_INSTANCE_MAX_BYTES + 1);
	g_assert_null(
	    mu_tke_instance_parse(big, MU_TKE_INSTANCE_MAX_BYTES + 1, NULL, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "larger than"));
	g_clear_error(&error);
	g_free(big);
}

static void test_too_many_units(void)
{
	GString *s = g_string_new("[instance]\nname=n\nroot-certificate=r\nroot-fingerprint=" FPR
	                          "\nunits=");
	for (unsigned i = 0; i <= MU_TKE_INSTANCE_UNITS_MAX; i++)
		g_string_append_printf(s, "u%u;", i);
	g_string_append_c(s, '\n');
	GError *error = NULL;
	g_assert_null(mu_tke_instance_parse(s->str, s->len, NULL, NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "at most 16"));
	g_clear_error(&error);
	g_string_free(s, TRUE);
}

/* mu_tke_instance_load: missing file, missing root, fingerprint mismatch and
 * a good root (a throw-away self-signed certificate). */
static void test_load(void)
{
	GError *error = NULL;
	g_autofree char *dir = g_dir_make_tmp("tke-instance-XXXXXX", &error);
	g_assert_no_error(error);
	g_autofree char *ini = g_build_filename(dir, "instance.ini", NULL);
	g_autofree char *root = g_build_filename(dir, "root.der", NULL);

	g_assert_null(mu_tke_instance_load(ini, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "does not exist"));
	g_clear_error(&error);
	g_assert_null(mu_tke_instance_load(NULL, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "OPENMU_INSTANCE"));
	g_clear_error(&error);

	/* a certificate to stand for the root */
	EVP_PKEY *key = EVP_EC_gen("P-256");
	g_assert_nonnull(key);
	X509 *x = X509_new();
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"test root", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	g_assert_cmpint(X509_sign(x, key, EVP_sha256()), >, 0);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	g_assert_cmpint(n, >, 0);
	uint8_t fpr[32];
	unsigned fl = 0;
	g_assert_true(EVP_Digest(der, (size_t)n, fpr, &fl, EVP_sha256(), NULL));
	g_autofree char *fhex = g_malloc(65);
	for (size_t i = 0; i < 32; i++)
		g_snprintf(fhex + 2 * i, 3, "%02x", fpr[i]);

	g_autofree char *text = g_strdup_printf("[instance]\nname=t\nroot-certificate=root.der\n"
	                                        "root-fingerprint=%s\nunits=u1\n[unit u1]\n"
	                                        "address=127.0.0.1:1\nrole=operational\n"
	                                        "module-id=0000000000000001\ndomain=0\n",
	                                        fhex);
	g_assert_true(g_file_set_contents(ini, text, -1, NULL));
	g_assert_null(mu_tke_instance_load(ini, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "cannot read the root certificate"));
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(root, "junk", -1, NULL));
	g_assert_null(mu_tke_instance_load(ini, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "not an X.509 certificate"));
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(root, (const char *)der, n, NULL));
	mu_tke_instance *inst = mu_tke_instance_load(ini, &error);
	g_assert_no_error(error);
	size_t len = 0;
	const uint8_t *got = mu_tke_instance_root_der(inst, &len);
	g_assert_cmpuint(len, ==, (size_t)n);
	g_assert_cmpmem(got, len, der, (size_t)n);
	g_assert_cmpstr(mu_tke_instance_root_path(inst), ==, root);
	mu_tke_instance_free(&inst);

	/* another fingerprint: refused, both values shown */
	fhex[0] = fhex[0] == '0' ? '1' : '0';
	g_free(text);
	text = g_strdup_printf("[instance]\nname=t\nroot-certificate=%s\nroot-fingerprint=%s\n"
	                       "units=u1\n[unit u1]\naddress=127.0.0.1:1\nrole=operational\n"
	                       "module-id=0000000000000001\ndomain=0\n",
	                       root, fhex);
	g_assert_true(g_file_set_contents(ini, text, -1, NULL));
	g_assert_null(mu_tke_instance_load(ini, &error));
	g_assert_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "has fingerprint"));
	g_assert_nonnull(strstr(error->message, fhex));
	g_clear_error(&error);

	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	g_unlink(ini);
	g_unlink(root);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tke/instance/valid", test_valid);
	g_test_add_func("/tke/instance/malformed", test_malformed);
	g_test_add_func("/tke/instance/not-text", test_not_text);
	g_test_add_func("/tke/instance/too-many-units", test_too_many_units);
	g_test_add_func("/tke/instance/load", test_load);
	return g_test_run();
}
