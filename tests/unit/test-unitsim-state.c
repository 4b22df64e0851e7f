/* SPDX-License-Identifier: Apache-2.0 */
/* The unit state file (round trip, strict refusals, atomic store) and the
 * request dispatcher (signed responses, token, malformed requests, a failed
 * state write changes nothing). */
#define _GNU_SOURCE /* memmem */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "mu-unit-msg.h"
#include "mu-unit-trust.h"
#include "unitsim-dispatch.h"
#include "unitsim-state.h"
#include "unitsim-store.h"
#include "unitsim-testutil.h"

static const uint8_t P1[32] = {9, 9}, P2[32] = {4, 5, 6};

typedef struct fx {
	tu_env env;
	tu_unit u;
	tu_admin a;
	tu_admin *s[1];
	mu_unit_key_entry keys[20];
} fx;

static void fx_setup(fx *f, gconstpointer user_data)
{
	tu_env_init(&f->env);
	tu_unit_init(&f->u, &f->env, "unit1", 2, MU_UNIT_ROLE_RECOVERY);
	tu_admin_init(&f->a, "alice");
	f->s[0] = &f->a;
	tu_imprint(&f->u, f->s, 1, 1, 1);
	tu_set_master_key(&f->u, &f->env, f->s, 1, P1, P2, FALSE);
	for (int i = 0; i < 20; i++)
		g_assert_cmpint(
		    unitsim_domain_key_create(f->u.d, (const uint8_t *)"k", 1, &f->keys[i]), ==,
		    MU_OK);
	/* a partial new register, a pending importer and a recovery key */
	g_assert_cmpint(tu_load_part(&f->u, &f->env, &f->a, P1, 3), ==, MU_OK);
	g_assert_cmpint(tu_admin_cmd(&f->u, MU_UNIT_CMD_GEN_IMPORTER, NULL, 0, -1, f->s, 1, NULL),
	                ==, MU_OK);
	uint8_t parts = 3;
	g_assert_cmpint(
	    tu_admin_cmd(&f->u, MU_UNIT_CMD_RECOVERY_GENERATE, &parts, 1, -1, f->s, 1, NULL), ==,
	    MU_OK);
}

static void fx_teardown(fx *f, gconstpointer user_data)
{
	tu_admin_clear(&f->a);
	tu_unit_clear(&f->u);
	tu_env_clear(&f->env);
}

static GBytes *encode(const unitsim_domain *d)
{
	uint8_t *buf;
	size_t len;
	g_assert_cmpint(unitsim_state_encode(d, &buf, &len), ==, MU_OK);
	GBytes *b = g_bytes_new(buf, len);
	g_free(buf);
	return b;
}

static void test_round_trip(fx *f, gconstpointer user_data)
{
	char err[256];
	unitsim_domain *back = NULL;
	g_autoptr(GBytes) b = encode(f->u.d);
	g_assert_cmpint(unitsim_state_decode(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &back,
	                                     err, sizeof(err)),
	                ==, MU_OK);
	mu_unit_status s1, s2;
	unitsim_domain_status(f->u.d, &s1);
	unitsim_domain_status(back, &s2);
	g_assert_cmpmem(&s1, sizeof(s1), &s2, sizeof(s2));
	g_assert_cmpuint(s2.new_loaded, ==, 1);
	g_assert_true(s2.has_recovery);
	/* and it encodes to the same bytes (apart from nothing: no randomness) */
	g_autoptr(GBytes) b2 = encode(back);
	g_assert_true(g_bytes_equal(b, b2));
	/* the decoded unit keeps working: the pending importer opens a part */
	g_assert_cmpint(unitsim_domain_set_oa_key(back, f->u.oa_key), ==, MU_OK);
	unitsim_domain_free(&f->u.d);
	f->u.d = back;
	g_assert_cmpint(tu_load_part(&f->u, &f->env, &f->a, P2, 3), ==, MU_OK);
}

static void expect_refused(GBytes *b, const char *reason_part)
{
	char err[256];
	unitsim_domain *d = NULL;
	g_assert_cmpint(unitsim_state_decode(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &d,
	                                     err, sizeof(err)),
	                ==, MU_ERR_MALFORMED);
	g_assert_null(d);
	g_test_message("refused: %s", err);
	g_assert_nonnull(strstr(err, reason_part));
}

/* Re-seals a modified payload with a valid checksum. */
static GBytes *reseal(const uint8_t *buf, size_t len)
{
	uint8_t *c = tu_memdup(buf, len);
	g_assert_cmpint(mu_unit_sha256(c, len - 32, c + len - 32), ==, MU_OK);
	return g_bytes_new_take(c, len);
}

static void test_refusals(fx *f, gconstpointer user_data)
{
	g_autoptr(GBytes) b = encode(f->u.d);
	gsize n;
	const uint8_t *p = g_bytes_get_data(b, &n);
	g_autoptr(GBytes) shortb = g_bytes_new(p, 20);
	expect_refused(shortb, "too short");
	g_autoptr(GBytes) trunc = g_bytes_new(p, n - 1);
	expect_refused(trunc, "does not match");
	g_autofree uint8_t *m = tu_memdup(p, n);
	m[0] ^= 1;
	g_autoptr(GBytes) magic = g_bytes_new(m, n);
	expect_refused(magic, "magic");
	m[0] ^= 1;
	m[19] = 9;
	g_autoptr(GBytes) version = g_bytes_new(m, n);
	expect_refused(version, "version");
	m[19] = 1;
	m[n / 2] ^= 0x40;
	g_autoptr(GBytes) sum = g_bytes_new(m, n);
	expect_refused(sum, "checksum");
	m[n / 2] ^= 0x40;
	/* a storage key that does not open under the current master key (as a
	 * half re-enciphered storage would): flip a byte of the last wrapped
	 * key, 40 bytes before the checksum */
	m[n - 32 - 40] ^= 1;
	g_autoptr(GBytes) half = reseal(m, n);
	expect_refused(half, "does not open");
	m[n - 32 - 40] ^= 1;
	/* thresholds above the admin count: the signature threshold byte is
	 * right after "8E 08 <counter>" */
	const uint8_t *thr = memmem(m, n, "\x8C\x01\x01\x8D\x01\x01", 6);
	g_assert_nonnull(thr);
	m[thr - m + 2] = 2;
	g_autoptr(GBytes) th = reseal(m, n);
	expect_refused(th, "thresholds");
}

static void test_store(fx *f, gconstpointer user_data)
{
	char err[512];
	g_autofree char *dir = g_dir_make_tmp("unitsim-store-XXXXXX", NULL);
	g_assert_nonnull(dir);
	unitsim_domain *d = NULL;
	g_assert_cmpint(unitsim_store_load(dir, &d, err, sizeof(err)), ==, MU_UNIT_ERR_PERSIST);
	g_assert_nonnull(strstr(err, "cannot read"));
	g_assert_cmpint(unitsim_store_save(dir, f->u.d, NULL, err, sizeof(err)), ==, MU_OK);
	/* a left-over temp file of a cut write is dropped */
	g_autofree char *tmp = g_build_filename(dir, UNITSIM_STATE_TMP, NULL);
	g_autofree char *path = g_build_filename(dir, UNITSIM_STATE_FILE, NULL);
	g_assert_true(g_file_set_contents(tmp, "partial", -1, NULL));
	g_assert_cmpint(unitsim_store_load(dir, &d, err, sizeof(err)), ==, MU_OK);
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(unitsim_domain_key_count(d), ==, 20);
	unitsim_domain_free(&d);
	GStatBuf st;
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	/* a damaged file is refused with its name in the message */
	g_assert_true(g_file_set_contents(path, "OPENMU-UNITSTATE garbage", -1, NULL));
	g_assert_cmpint(unitsim_store_load(dir, &d, err, sizeof(err)), ==, MU_ERR_MALFORMED);
	g_assert_nonnull(strstr(err, path));
	g_unlink(path);
	g_rmdir(dir);
}

/* ---- dispatcher ---- */

static int fail_persist(void *user, const unitsim_domain *next)
{
	(*(int *)user)++;
	return -1;
}

static int ok_persist(void *user, const unitsim_domain *next)
{
	(*(int *)user)++;
	return 0;
}

typedef struct call {
	mu_unit_response r;
	uint8_t *buf;
} call;

static void call_run(fx *f, unitsim_unit_ctx *ctx, const mu_unit_request *req, call *c)
{
	uint8_t reqb[8192], hash[32];
	size_t n, rl;
	EVP_PKEY *oa_pub = NULL;
	g_assert_cmpint(mu_unit_request_encode(req, reqb, sizeof(reqb), &n), ==, MU_OK);
	g_assert_cmpint(unitsim_dispatch(ctx, reqb, n, &c->buf, &rl), ==, MU_OK);
	g_assert_cmpint(mu_unit_response_parse(c->buf, rl, &c->r), ==, MU_OK);
	g_assert_cmpint(mu_unit_request_hash(reqb, n, hash), ==, MU_OK);
	g_assert_cmpint(mu_unit_oa_cert_verify(g_bytes_get_data(f->env.root_der, NULL),
	                                       g_bytes_get_size(f->env.root_der),
	                                       g_bytes_get_data(f->u.oa_cert, NULL),
	                                       g_bytes_get_size(f->u.oa_cert), NULL, &oa_pub),
	                ==, MU_OK);
	g_assert_cmpint(
	    mu_unit_response_verify(&c->r, oa_pub, hash, f->u.id.module_id, f->u.id.domain), ==,
	    MU_OK);
	/* a response to another request does not verify */
	hash[0] ^= 1;
	g_assert_cmpint(mu_unit_response_verify(&c->r, oa_pub, hash, NULL, 0), ==, MU_ERR_VERIFY);
	EVP_PKEY_free(oa_pub);
}

static void test_dispatch(fx *f, gconstpointer user_data)
{
	int calls = 0;
	uint8_t token[MU_UNIT_TOKEN_LEN];
	memset(token, 0x5A, sizeof(token));
	unitsim_unit_ctx ctx = {
	    .domain = f->u.d,
	    .oa_key = f->u.oa_key,
	    .oa_cert = g_bytes_get_data(f->u.oa_cert, NULL),
	    .oa_cert_len = g_bytes_get_size(f->u.oa_cert),
	    .persist = fail_persist,
	    .persist_user = &calls,
	};
	call c;
	mu_unit_request req = {.op = MU_UNIT_OP_INFO};
	call_run(f, &ctx, &req, &c);
	g_assert_cmpint(c.r.status, ==, MU_OK);
	mu_unit_info info;
	g_assert_cmpint(mu_unit_info_parse(c.r.body.p, c.r.body.len, &info), ==, MU_OK);
	g_assert_cmpstr(info.name, ==, "unit1");
	g_assert_cmpuint(info.role, ==, MU_UNIT_ROLE_RECOVERY);
	g_free(c.buf);
	/* a service call without the token, then with a wrong one */
	req.op = MU_UNIT_OP_KEY_CREATE;
	call_run(f, &ctx, &req, &c);
	g_assert_cmpint(c.r.status, ==, MU_UNIT_ERR_TOKEN);
	g_assert_cmpuint(c.r.body.len, ==, 0);
	g_free(c.buf);
	uint8_t wrong[MU_UNIT_TOKEN_LEN];
	memset(wrong, 0x5B, sizeof(wrong));
	req.token.p = wrong;
	req.token.len = sizeof(wrong);
	call_run(f, &ctx, &req, &c);
	g_assert_cmpint(c.r.status, ==, MU_UNIT_ERR_TOKEN);
	g_free(c.buf);
	/* with the token, but the state cannot be saved: nothing changes */
	req.token.p = token;
	call_run(f, &ctx, &req, &c);
	g_assert_cmpint(c.r.status, ==, MU_UNIT_ERR_PERSIST);
	g_assert_cmpint(calls, ==, 1);
	g_assert_cmpuint(unitsim_domain_key_count(ctx.domain), ==, 20);
	g_free(c.buf);
	ctx.persist = ok_persist;
	call_run(f, &ctx, &req, &c);
	g_assert_cmpint(c.r.status, ==, MU_OK);
	mu_unit_key_entry e;
	g_assert_cmpint(mu_unit_key_created_parse(c.r.body.p, c.r.body.len, &e), ==, MU_OK);
	g_assert_cmpuint(e.handle, ==, 21);
	g_assert_cmpuint(unitsim_domain_key_count(ctx.domain), ==, 21);
	g_free(c.buf);
	/* list in pages */
	req = (mu_unit_request){.op = MU_UNIT_OP_KEY_LIST, .offset = 15, .limit = 4};
	req.token.p = token;
	req.token.len = sizeof(token);
	call_run(f, &ctx, &req, &c);
	uint32_t total, next;
	bool more;
	g_assert_cmpint(
	    mu_unit_key_list_parse(c.r.body.p, c.r.body.len, &total, &more, &next, NULL, NULL), ==,
	    MU_OK);
	g_assert_cmpuint(total, ==, 21);
	g_assert_true(more);
	g_assert_cmpuint(next, ==, 19);
	g_free(c.buf);
	/* status */
	req = (mu_unit_request){.op = MU_UNIT_OP_STATUS};
	call_run(f, &ctx, &req, &c);
	mu_unit_status st;
	g_assert_cmpint(mu_unit_status_parse(c.r.body.p, c.r.body.len, &st), ==, MU_OK);
	g_assert_cmpuint(st.key_count, ==, 21);
	g_assert_cmpuint(st.new_loaded, ==, 1);
	g_free(c.buf);
	/* a malformed request and a frame error still get signed answers */
	uint8_t *buf;
	size_t rl;
	static const uint8_t junk[] = {0x80, 0x01, 0x01, 0x81, 0x01};
	g_assert_cmpint(unitsim_dispatch(&ctx, junk, sizeof(junk), &buf, &rl), ==, MU_OK);
	g_assert_cmpint(mu_unit_response_parse(buf, rl, &c.r), ==, MU_OK);
	g_assert_cmpint(c.r.status, ==, MU_ERR_MALFORMED);
	g_assert_cmpuint(c.r.message.len, >, 0);
	g_free(buf);
	g_assert_cmpint(unitsim_dispatch_error(&ctx, MU_UNIT_ERR_FRAME, &buf, &rl), ==, MU_OK);
	g_assert_cmpint(mu_unit_response_parse(buf, rl, &c.r), ==, MU_OK);
	g_assert_cmpint(c.r.status, ==, MU_UNIT_ERR_FRAME);
	g_free(buf);
	static const uint8_t unknown_op[] = {0x80, 0x01, 0x01, 0x81, 0x01, 0x77, 0x82, 0x10,
	                                     0,    0,    0,    0,    0,    0,    0,    0,
	                                     0,    0,    0,    0,    0,    0,    0,    0};
	g_assert_cmpint(unitsim_dispatch(&ctx, unknown_op, sizeof(unknown_op), &buf, &rl), ==,
	                MU_OK);
	g_assert_cmpint(mu_unit_response_parse(buf, rl, &c.r), ==, MU_OK);
	g_assert_cmpint(c.r.status, ==, MU_UNIT_ERR_UNKNOWN_OP);
	g_assert_cmpuint(c.r.op, ==, 0x77);
	g_free(buf);
	f->u.d = ctx.domain;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fx, NULL, fx_setup, fn, fx_teardown)
	ADD("/unitsim/state/round-trip", test_round_trip);
	ADD("/unitsim/state/refusals", test_refusals);
	ADD("/unitsim/state/store", test_store);
	ADD("/unitsim/dispatch/requests", test_dispatch);
	return g_test_run();
}
