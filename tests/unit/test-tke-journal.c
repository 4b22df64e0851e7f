/* SPDX-License-Identifier: Apache-2.0 */
/* The ceremony journal (tke/mu-tke-journal.c, docs/protocol.md §21):
 * records countersigned by software admin keys; verify passes on the
 * journal as written and fails on copies with a record edited, dropped or
 * moved, on a bad countersignature and on malformed lines. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "mu-admin-block.h"
#include "mu-crypto.h"
#include "mu-tke-error.h"
#include "mu-tke-journal.h"

typedef struct fixture {
	char *dir, *path;
	EVP_PKEY *key, *other;
	uint8_t *cert;
	size_t cert_len;
} fixture;

static gboolean soft_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t **sig,
                          size_t *sig_len, GError **error)
{
	uint8_t buf[200];
	size_t n = 0;
	(void)error;
	g_assert_cmpint(mu_admin_sign(ctx, msg, len, buf, sizeof(buf), &n), ==, 0);
	*sig = g_memdup2(buf, n);
	*sig_len = n;
	return TRUE;
}

static void append(fixture *f, const char *unit, gboolean ok, EVP_PKEY *signing_key)
{
	GError *e = NULL;
	g_autoptr(mu_tke_journal) j = mu_tke_journal_open(f->path, &e);
	g_assert_no_error(e);
	mu_tke_journal_record r;
	memset(&r, 0, sizeof(r));
	r.step = (char[]){"load-part"};
	char ubuf[16];
	g_strlcpy(ubuf, unit, sizeof(ubuf));
	r.unit = ubuf;
	r.has_module = true;
	memset(r.module_id, 0x11, sizeof(r.module_id));
	r.domain = 1;
	r.has_counter = ok;
	r.counter = 7;
	r.nsigners = 1;
	memset(r.signers[0], 0x22, 32);
	r.has_vp = ok;
	memset(r.vp, 0x33, sizeof(r.vp));
	r.ok = ok;
	r.result = ok ? NULL : (char[]){"unit u9: quorum \"refused\" 100%\n"};
	mu_tke_journal_signer s = {f->cert, f->cert_len, soft_sign, signing_key};
	g_assert_true(mu_tke_journal_append(j, &r, signing_key != NULL ? &s : NULL, &e));
	g_assert_no_error(e);
}

static void setup(fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->dir = g_dir_make_tmp("jnl-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "journal", NULL);
	g_assert_cmpint(mu_ec_generate(&f->key), ==, 0);
	g_assert_cmpint(mu_ec_generate(&f->other), ==, 0);
	uint8_t *der = NULL;
	g_assert_cmpint(mu_admin_cert_make(f->key, "alice", &der, &f->cert_len), ==, 0);
	f->cert = g_memdup2(der, f->cert_len);
	OPENSSL_free(der);
}

static void teardown(fixture *f)
{
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f->cert);
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(f->other);
}

/* Verifies text; returns the first bad line (0 when it verifies). */
static size_t verify(const char *text)
{
	mu_tke_journal_summary sum;
	GError *e = NULL;
	gboolean ok = mu_tke_journal_verify(text, strlen(text), &sum, NULL, &e);
	if (ok) {
		g_assert_no_error(e);
		return 0;
	}
	g_assert_nonnull(e);
	g_assert_true(g_str_has_prefix(e->message, "line "));
	g_test_message("%s", e->message);
	g_error_free(e);
	g_assert_cmpuint(sum.bad_line, >, 0);
	return sum.bad_line;
}

static char *join(char **lines)
{
	g_autofree char *s = g_strjoinv("\n", lines);
	return g_strconcat(s, "\n", NULL);
}

static void test_chain(void)
{
	fixture f;
	setup(&f);
	append(&f, "u1", TRUE, f.key); /* line 1: cert, line 2: step */
	append(&f, "u2", TRUE, f.key);
	append(&f, "u3", FALSE, f.key);
	append(&f, "u4", TRUE, NULL); /* not countersigned (imprint form) */
	append(&f, "u5", TRUE, f.key);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(f.path, &text, NULL, NULL));
	mu_tke_journal_summary sum;
	g_autoptr(GPtrArray) recs = NULL;
	g_assert_true(mu_tke_journal_verify(text, strlen(text), &sum, &recs, NULL));
	g_assert_cmpuint(sum.records, ==, 6);
	g_assert_cmpuint(sum.steps, ==, 5);
	g_assert_cmpuint(sum.countersigned, ==, 4);
	g_assert_cmpuint(sum.refusals, ==, 1);
	const mu_tke_journal_record *r = recs->pdata[3];
	g_assert_cmpstr(r->unit, ==, "u3");
	g_assert_false(r->ok);
	g_assert_cmpstr(r->result, ==, "unit u9: quorum \"refused\" 100%\n");
	/* no secret-looking data: the record is text with hex, numbers, %XX */
	g_assert_null(strchr(text, '"'));

	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 7);
	g_free(lines[6]);
	lines[6] = NULL;

	/* one record edited */
	char *keep = lines[2];
	g_autofree char *edited = NULL;
	{
		g_auto(GStrv) parts = g_strsplit(keep, "unit=u2", 2);
		edited = g_strjoinv("unit=u7", parts);
	}
	lines[2] = edited;
	g_autofree char *t1 = join(lines);
	g_assert_cmpuint(verify(t1), ==, 3);
	lines[2] = keep;
	/* one record dropped */
	char *drop[7] = {lines[0], lines[1], lines[3], lines[4], lines[5], NULL};
	g_autofree char *t2 = join(drop);
	g_assert_cmpuint(verify(t2), ==, 3);
	/* two records swapped */
	char *swap[7] = {lines[0], lines[1], lines[3], lines[2], lines[4], lines[5], NULL};
	g_autofree char *t3 = join(swap);
	g_assert_cmpuint(verify(t3), ==, 3);
	/* the last record cut in the middle of its line */
	g_autofree char *t4 = g_strndup(text, strlen(text) - 10);
	g_assert_cmpuint(verify(t4), ==, 6);
	/* the first record dropped: the chain starts from genesis */
	char *first[7] = {lines[1], lines[2], NULL};
	g_autofree char *t5 = join(first);
	g_assert_cmpuint(verify(t5), ==, 1);
	/* a broken journal is not appended to */
	g_assert_true(g_file_set_contents(f.path, t3, -1, NULL));
	GError *e = NULL;
	mu_tke_journal *j = mu_tke_journal_open(f.path, &e);
	g_assert_null(j);
	g_assert_error(e, MU_TKE_ERROR, MU_TKE_ERROR_INPUT);
	g_error_free(e);
	teardown(&f);
}

static void test_bad_countersignature(void)
{
	fixture f;
	setup(&f);
	append(&f, "u1", TRUE, f.key);
	append(&f, "u2", TRUE, f.other); /* signed by a key that is not the cert's */
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(f.path, &text, NULL, NULL));
	g_assert_cmpuint(verify(text), ==, 3);
	teardown(&f);
}

static void test_malformed(void)
{
	fixture f;
	setup(&f);
	append(&f, "u1", TRUE, f.key);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(f.path, &text, NULL, NULL));
	g_assert_cmpuint(verify(text), ==, 0);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	const char *step = lines[1];
	static const char *const cases[] = {"", "garbage", "OMJ1", "OMJ1 seq=1", "OMJ1  seq=2",
	                                    "OMJ2 seq=2 type=step"};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *t = g_strdup_printf("%s\n%s\n", lines[0], cases[i]);
		g_assert_cmpuint(verify(t), ==, 2);
	}
	/* variations of a good line: each one refused */
	static const char *const from[] = {" seq=2", "type=step", " domain=1", " counter=7",
	                                   "result=ok", " hash=", " sig="};
	static const char *const to[] = {" seq=02", "type=Step", " domain=65536", " counter=-7",
	                                 "result=OK", "  hash=", " sig=-"};
	for (size_t i = 0; i < G_N_ELEMENTS(from); i++) {
		g_auto(GStrv) parts = g_strsplit(step, from[i], 2);
		g_assert_cmpuint(g_strv_length(parts), ==, 2);
		g_autofree char *bad = g_strjoinv(to[i], parts);
		g_autofree char *t = g_strdup_printf("%s\n%s\n", lines[0], bad);
		mu_tke_journal_record r;
		GError *e = NULL;
		g_assert_false(mu_tke_journal_parse_line(bad, strlen(bad), &r, &e));
		g_assert_nonnull(e);
		g_error_free(e);
		g_assert_cmpuint(verify(t), ==, 2);
	}
	/* upper-case hex, a tab, a byte above 7E */
	g_autofree char *up = g_ascii_strup(step, -1);
	g_assert_cmpuint(verify(up), ==, 1);
	g_autofree char *tab = g_strdup_printf("%s\n%s\t\n", lines[0], step);
	g_assert_cmpuint(verify(tab), ==, 2);
	g_autofree char *hi = g_strdup_printf("%s\n%s\xc3\xa9\n", lines[0], step);
	g_assert_cmpuint(verify(hi), ==, 2);
	teardown(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tke-journal/chain", test_chain);
	g_test_add_func("/tke-journal/bad-countersignature", test_bad_countersignature);
	g_test_add_func("/tke-journal/malformed", test_malformed);
	return g_test_run();
}
