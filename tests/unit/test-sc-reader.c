/* SPDX-License-Identifier: Apache-2.0 */
/* The connection layer against a scripted fake card: command chaining,
 * GET RESPONSE, 6Cxx resends, reader resolution, the trace and its
 * redaction, and the mapping of SELECT failures and malformed answers. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "mu-card-proto.h"
#include "mu-card.h"
#include "mu-reader.h"
#include "mu-tlv.h"

#define LOG_MAX 512

/* The fake card answers with a function of the test; every command APDU it
 * receives is logged. */
typedef struct fake fake;
typedef void (*fake_fn)(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn);

struct fake {
	const char *const *names;
	size_t n_names;
	fake_fn fn;
	int step;
	GByteArray *log[LOG_MAX];
	size_t n_log;
	int fail_with;             /* transport status to return, 0 for none */
	const uint8_t *last_capdu; /* the buffer of the last command APDU */
	size_t last_clen;
	/* canned_fn answers every command but SELECT with these bytes */
	const uint8_t *canned;
	size_t canned_len, canned_off;
};

static int f_list(void *ctx, mu_reader_info **list, size_t *n)
{
	fake *f = ctx;
	mu_reader_info *out = calloc(f->n_names, sizeof(*out));
	for (size_t i = 0; i < f->n_names; i++) {
		out[i].name = strdup(f->names[i]);
		out[i].card_present = true;
	}
	*list = out;
	*n = f->n_names;
	return MU_SC_OK;
}

static int f_connect(void *ctx, const char *reader, void **conn_ctx)
{
	*conn_ctx = ctx;
	return MU_SC_OK;
}

static int f_transmit(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                      size_t rcap, size_t *rlen)
{
	fake *f = conn_ctx;
	g_assert_cmpuint(f->n_log, <, LOG_MAX);
	f->log[f->n_log] = g_byte_array_new();
	g_byte_array_append(f->log[f->n_log], capdu, (guint)clen);
	f->n_log++;
	f->last_capdu = capdu;
	f->last_clen = clen;
	if (f->fail_with != 0)
		return f->fail_with;
	g_assert_cmpuint(rcap, >=, 258);
	f->fn(f, capdu, clen, rapdu, rlen);
	f->step++;
	return MU_SC_OK;
}

static void f_disconnect(void *conn_ctx)
{
}

static void f_free(void *ctx)
{
	fake *f = ctx;
	for (size_t i = 0; i < f->n_log; i++)
		g_byte_array_unref(f->log[i]);
	f->n_log = 0;
}

static const mu_backend_ops fake_ops = {
    .name = "fake",
    .list = f_list,
    .connect = f_connect,
    .transmit = f_transmit,
    .disconnect = f_disconnect,
    .free = f_free,
};

static const char *const one_reader[] = {"Fake Reader 0"};

static mu_backend *fake_backend(fake *f, fake_fn fn)
{
	memset(f, 0, sizeof(*f));
	f->names = one_reader;
	f->n_names = 1;
	f->fn = fn;
	return mu_backend_new(&fake_ops, f);
}

static void answer(uint8_t *r, size_t *rn, const uint8_t *data, size_t len, uint16_t sw)
{
	if (len > 0)
		memcpy(r, data, len);
	r[len] = (uint8_t)(sw >> 8);
	r[len + 1] = (uint8_t)sw;
	*rn = len + 2;
}

/* ---- chaining ---- */

static void ok_fn(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	answer(r, rn, NULL, 0, 0x9000);
}

static void test_chaining(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, ok_fn);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t data[600];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	uint16_t sw = 0;
	size_t rlen = 99;
	g_assert_cmpint(mu_conn_command_le(c, 0x00, 0x2A, 0x9E, 0x9A, data, sizeof(data), 256, NULL,
	                                   0, &rlen, &sw),
	                ==, MU_SC_OK);
	g_assert_cmphex(sw, ==, 0x9000);
	g_assert_cmpuint(rlen, ==, 0);
	g_assert_cmpuint(f.n_log, ==, 3);
	/* links of 255, 255 and 90 bytes; chaining bit on all but the last */
	static const size_t sizes[] = {255, 255, 90};
	size_t off = 0;
	for (size_t i = 0; i < 3; i++) {
		const guint8 *a = f.log[i]->data;
		g_assert_cmphex(a[0], ==, i < 2 ? 0x10 : 0x00);
		g_assert_cmphex(a[1], ==, 0x2A);
		g_assert_cmphex(a[2], ==, 0x9E);
		g_assert_cmphex(a[3], ==, 0x9A);
		g_assert_cmpuint(a[4], ==, sizes[i]);
		g_assert_cmpmem(a + 5, sizes[i], data + off, sizes[i]);
		/* only the last link asks for the response (Le 00) */
		g_assert_cmpuint(f.log[i]->len, ==, 5 + sizes[i] + (i == 2 ? 1 : 0));
		off += sizes[i];
	}
	mu_conn_free(&c);
	mu_backend_free(&b);
}

static void refuse_second_link(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	answer(r, rn, NULL, 0, f->step == 1 ? 0x6883 : 0x9000);
}

static void test_chain_refused(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, refuse_second_link);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t data[800] = {0};
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command(c, 0x80, 0x30, 0, 0, data, sizeof(data), NULL, 0, NULL, &sw), ==,
	    MU_SC_OK);
	g_assert_cmphex(sw, ==, 0x6883);
	g_assert_cmpuint(f.n_log, ==, 2); /* nothing sent after the refused link */
	mu_conn_free(&c);
	mu_backend_free(&b);
}

/* ---- GET RESPONSE ---- */

static void long_answer(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	uint8_t buf[256];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(f->step * 7 + i);
	if (f->step == 0) {
		g_assert_cmphex(c[1], ==, 0x18);
		answer(r, rn, buf, 256, 0x6100);
	} else if (f->step == 1) {
		static const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
		g_assert_cmpmem(c, n, gr, sizeof(gr));
		answer(r, rn, buf, 256, 0x612C);
	} else {
		static const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0x2C};
		g_assert_cmpmem(c, n, gr, sizeof(gr));
		answer(r, rn, buf, 0x2C, 0x9000);
	}
}

static void test_get_response(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, long_answer);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t resp[1024];
	size_t rlen = 0;
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command(c, 0x80, 0x18, 0, 0, NULL, 0, resp, sizeof(resp), &rlen, &sw), ==,
	    MU_SC_OK);
	g_assert_cmphex(sw, ==, 0x9000);
	g_assert_cmpuint(rlen, ==, 256 + 256 + 0x2C);
	for (size_t i = 0; i < rlen; i++) {
		size_t step = i / 256, k = i % 256;
		g_assert_cmphex(resp[i], ==, (uint8_t)(step * 7 + k));
	}
	g_assert_cmpuint(f.n_log, ==, 3);

	/* the same answer does not fit in 300 bytes */
	f.step = 0;
	g_assert_cmpint(mu_conn_command(c, 0x80, 0x18, 0, 0, NULL, 0, resp, 300, &rlen, &sw), ==,
	                MU_SC_ERR_RESPONSE);
	mu_conn_free(&c);
	mu_backend_free(&b);
}

/* A card that keeps asking for GET RESPONSE without ever giving data. */
static void endless(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	answer(r, rn, NULL, 0, 0x6100);
}

static void test_get_response_endless(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, endless);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t resp[64];
	size_t rlen = 0;
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command(c, 0x80, 0x22, 0, 0, NULL, 0, resp, sizeof(resp), &rlen, &sw), ==,
	    MU_SC_ERR_RESPONSE);
	/* given up after a bounded number of rounds (64 KiB / 256 and a few) */
	g_assert_cmpuint(f.n_log, >, 2);
	g_assert_cmpuint(f.n_log, <, 300);
	mu_conn_free(&c);
	mu_backend_free(&b);
}

/* 61xx, then a GET RESPONSE whose Le the card corrects with 6Cxx. */
static void get_response_wrong_le(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	static const uint8_t part1[4] = {0xA1, 0xA2, 0xA3, 0xA4};
	static const uint8_t part2[3] = {0xB1, 0xB2, 0xB3};
	if (f->step == 0)
		answer(r, rn, part1, sizeof(part1), 0x6120);
	else if (f->step == 1)
		answer(r, rn, NULL, 0, 0x6C03);
	else
		answer(r, rn, part2, sizeof(part2), 0x9000);
}

static void test_get_response_wrong_le(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, get_response_wrong_le);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t resp[64];
	size_t rlen = 0;
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command(c, 0x80, 0x18, 0, 0, NULL, 0, resp, sizeof(resp), &rlen, &sw), ==,
	    MU_SC_OK);
	g_assert_cmphex(sw, ==, 0x9000);
	static const uint8_t want[] = {0xA1, 0xA2, 0xA3, 0xA4, 0xB1, 0xB2, 0xB3};
	g_assert_cmpmem(resp, rlen, want, sizeof(want));
	g_assert_cmpuint(f.n_log, ==, 3);
	static const uint8_t gr1[] = {0x00, 0xC0, 0x00, 0x00, 0x20};
	static const uint8_t gr2[] = {0x00, 0xC0, 0x00, 0x00, 0x03};
	g_assert_cmpmem(f.log[1]->data, f.log[1]->len, gr1, sizeof(gr1));
	g_assert_cmpmem(f.log[2]->data, f.log[2]->len, gr2, sizeof(gr2));
	mu_conn_free(&c);
	mu_backend_free(&b);
}

/* ---- 6Cxx ---- */

static void wrong_le(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	static const uint8_t sixteen[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	if (c[n - 1] != 0x10)
		answer(r, rn, NULL, 0, 0x6C10);
	else
		answer(r, rn, sixteen, sizeof(sixteen), 0x9000);
}

static void test_wrong_le(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, wrong_le);
	mu_conn *c = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &c), ==, MU_SC_OK);
	uint8_t resp[64];
	size_t rlen = 0;
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command_le(c, 0x00, 0x84, 0, 0, NULL, 0, 32, resp, sizeof(resp), &rlen, &sw),
	    ==, MU_SC_OK);
	g_assert_cmphex(sw, ==, 0x9000);
	g_assert_cmpuint(rlen, ==, 16);
	g_assert_cmpuint(f.n_log, ==, 2);
	static const uint8_t first[] = {0x00, 0x84, 0x00, 0x00, 0x20};
	static const uint8_t second[] = {0x00, 0x84, 0x00, 0x00, 0x10};
	g_assert_cmpmem(f.log[0]->data, f.log[0]->len, first, sizeof(first));
	g_assert_cmpmem(f.log[1]->data, f.log[1]->len, second, sizeof(second));
	mu_conn_free(&c);
	mu_backend_free(&b);
}

/* ---- reader resolution ---- */

static void test_resolve(void)
{
	static const char *const names[] = {"Alpha Reader 00", "Beta Reader 01", "Beta Reader 02"};
	fake f;
	mu_backend *b = fake_backend(&f, ok_fn);
	f.names = names;
	f.n_names = 3;
	char *out = NULL;
	g_assert_cmpint(mu_backend_resolve_reader(b, "Beta Reader 02", &out), ==, MU_SC_OK);
	g_assert_cmpstr(out, ==, "Beta Reader 02");
	free(out);
	g_assert_cmpint(mu_backend_resolve_reader(b, "Alpha", &out), ==, MU_SC_OK);
	g_assert_cmpstr(out, ==, "Alpha Reader 00");
	free(out);
	g_assert_cmpint(mu_backend_resolve_reader(b, "1", &out), ==, MU_SC_OK);
	g_assert_cmpstr(out, ==, "Beta Reader 01");
	free(out);
	out = NULL;
	g_assert_cmpint(mu_backend_resolve_reader(b, "Beta", &out), ==, MU_SC_ERR_NO_READER);
	g_assert_cmpint(mu_backend_resolve_reader(b, "3", &out), ==, MU_SC_ERR_NO_READER);
	g_assert_cmpint(mu_backend_resolve_reader(b, "Gamma", &out), ==, MU_SC_ERR_NO_READER);
	g_assert_null(out);
	mu_backend_free(&b);
}

/* ---- card level: SELECT, trace, malformed answers, removal ---- */

static void not_openmu(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	answer(r, rn, NULL, 0, 0x6A82);
}

static void test_not_openmu(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, not_openmu);
	mu_card *card = NULL;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_ERR_NOT_OPENMU);
	g_assert_null(card);
	g_assert_cmpuint(f.n_log, ==, 1);
	static const uint8_t select[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x4F,
	                                 0x50, 0x45, 0x4E, 0x4D, 0x55, 0x01, 0x00};
	g_assert_cmpmem(f.log[0]->data, f.log[0]->len, select, sizeof(select));
	mu_backend_free(&b);
}

static gchar *read_file(const char *path)
{
	gchar *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static void test_trace_redaction(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, ok_fn);
	g_autofree char *dir = g_dir_make_tmp("openmu-trace-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "trace", NULL);

	/* the trace of OPENMU_APDU_TRACE, opened by the connection */
	g_setenv("OPENMU_APDU_TRACE", path, TRUE);
	mu_card *card = NULL;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	g_unsetenv("OPENMU_APDU_TRACE");
	g_assert_cmpint(mu_card_verify(card, 1, "135790"), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_change_pin(card, 2, "135790", "864213"), ==, MU_SC_OK);
	uint8_t root[40];
	memset(root, 0x30, sizeof(root));
	(void)mu_card_init_ca(card, "ZONE-T", "t", root, sizeof(root), "975311", "246802", NULL,
	                      NULL);
	mu_card_free(&card);

	g_autofree gchar *text = read_file(path);
	g_assert_nonnull(strstr(text, "> 00 A4 04 00 08"));
	g_assert_nonnull(strstr(text, "F04F50454E4D5501"));
	g_assert_nonnull(strstr(text, "> 00 20 00 81 06"));
	g_assert_nonnull(strstr(text, "[redacted]"));
	g_assert_nonnull(strstr(text, "< 9000 0"));
	static const char *const secrets[] = {"135790", "313335373930", "864213", "383634323133",
	                                      "975311", "393735333131", "246802", "323436383032"};
	for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++)
		g_assert_null(strstr(text, secrets[i]));

	/* a trace given by the caller gets the same treatment */
	FILE *t = fopen(path, "w");
	g_assert_nonnull(t);
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	mu_conn_set_trace(mu_card_conn(card), t);
	g_assert_cmpint(mu_card_verify(card, 2, "135790"), ==, MU_SC_OK);
	mu_card_free(&card);
	fclose(t);
	g_autofree gchar *text2 = read_file(path);
	g_assert_nonnull(strstr(text2, "> 00 20 00 82 06"));
	g_assert_null(strstr(text2, "313335373930"));

	/* RESET RETRY COUNTER and (chained) COPY IMPORT are redacted, other
	 * commands are traced in full */
	t = fopen(path, "w");
	g_assert_nonnull(t);
	mu_conn *conn = NULL;
	g_assert_cmpint(mu_conn_open(b, "Fake Reader 0", &conn), ==, MU_SC_OK);
	mu_conn_set_trace(conn, t);
	static const uint8_t rrc[] = {0x93, 0x02, 0xEE, 0xEE, 0x8C, 0x06,
	                              '2',  '4',  '6',  '8',  '1',  '3'};
	uint8_t env[600], plain[20];
	memset(env, 0xD7, sizeof(env));
	memset(plain, 0xC5, sizeof(plain));
	uint16_t sw = 0;
	g_assert_cmpint(
	    mu_conn_command(conn, 0x00, 0x2C, 0x00, 0x81, rrc, sizeof(rrc), NULL, 0, NULL, &sw), ==,
	    MU_SC_OK);
	g_assert_cmpint(
	    mu_conn_command(conn, 0x80, 0x32, 0x00, 0x00, env, sizeof(env), NULL, 0, NULL, &sw), ==,
	    MU_SC_OK);
	g_assert_cmpint(
	    mu_conn_command(conn, 0x80, 0x30, 0x00, 0x00, plain, sizeof(plain), NULL, 0, NULL, &sw),
	    ==, MU_SC_OK);
	mu_conn_free(&conn);
	fclose(t);
	g_autofree gchar *text3 = read_file(path);
	g_assert_nonnull(strstr(text3, "> 00 2C 00 81 0C"));
	g_assert_nonnull(strstr(text3, "> 90 32 00 00 FF"));
	g_assert_nonnull(strstr(text3, "> 80 32 00 00 5A"));
	g_assert_null(strstr(text3, "323436383133"));
	g_assert_null(strstr(text3, "D7D7"));
	g_assert_nonnull(strstr(text3, "> 80 30 00 00 14"));
	g_assert_nonnull(strstr(text3, "C5C5C5C5"));
	g_remove(path);
	g_rmdir(dir);
	mu_backend_free(&b);
}

/* The APDU buffer that carried a PIN is wiped once the command is done. */
static void test_apdu_wiped(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, ok_fn);
	mu_card *card = NULL;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_verify(card, 1, "246813"), ==, MU_SC_OK);
	/* the fake saw the PIN ... */
	g_assert_cmpmem(f.log[f.n_log - 1]->data + 5, 6, "246813", 6);
	/* ... and the connection's buffer (alive until mu_card_free) no
	 * longer holds it */
	g_assert_nonnull(f.last_capdu);
	g_assert_cmpuint(f.last_clen, ==, 11);
	for (size_t i = 0; i < f.last_clen; i++)
		g_assert_cmphex(f.last_capdu[i], ==, 0);

	g_assert_cmpint(mu_card_change_pin(card, 1, "246813", "975310"), ==, MU_SC_OK);
	g_assert_cmpuint(f.last_clen, ==, 17);
	for (size_t i = 0; i < f.last_clen; i++)
		g_assert_cmphex(f.last_capdu[i], ==, 0);
	mu_card_free(&card);
	mu_backend_free(&b);
}

static void bad_info(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	/* the serial claims 9 bytes */
	static const uint8_t info[] = {0x80, 0x01, 0x00, 0x81, 0x09, 1,    2,    3,    4,   5,
	                               6,    7,    8,    9,    0x82, 0x00, 0x9E, 0x01, 0x00};
	if (c[1] == 0xA4)
		answer(r, rn, NULL, 0, 0x9000);
	else
		answer(r, rn, info, sizeof(info), 0x9000);
}

static void test_malformed_info(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, bad_info);
	mu_card *card = NULL;
	mu_card_info info;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_info_get(card, &info), ==, MU_SC_ERR_RESPONSE);
	g_assert_nonnull(strstr(mu_card_errmsg(card), "malformed"));
	mu_card_free(&card);
	mu_backend_free(&b);
}

/* SELECT: 9000; any other command: the canned answer, by 61xx and GET
 * RESPONSE when longer than 256 bytes. */
static void canned_fn(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	if (c[1] == 0xA4) {
		answer(r, rn, NULL, 0, 0x9000);
		return;
	}
	if (c[1] != 0xC0)
		f->canned_off = 0;
	size_t left = f->canned_len - f->canned_off;
	size_t k = left < 256 ? left : 256;
	size_t rest = left - k;
	answer(r, rn, f->canned + f->canned_off, k,
	       rest == 0 ? 0x9000 : (uint16_t)(0x6100 | (rest < 256 ? rest : 0)));
	f->canned_off += k;
}

/* count parts A0 { 90 slot, 91 desc, 92 VP }, with one of them spoilt. */
typedef enum { PART_OK, PART_DUP_SLOT, PART_BAD_SLOT, PART_SHORT_VP, PART_EXTRA } spoil;

static size_t make_parts(uint8_t *buf, size_t cap, size_t count, spoil how)
{
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, buf, cap);
	uint8_t vp[32];
	memset(vp, 0x5A, sizeof(vp));
	for (size_t i = 0; i < count; i++) {
		bool last = i + 1 == count;
		size_t m = mu_tlv_begin(&w, 0xA0);
		uint8_t slot = (uint8_t)i;
		if (last && how == PART_DUP_SLOT)
			slot = 0;
		if (last && how == PART_BAD_SLOT)
			slot = MU_KEYPARTS_MAX;
		mu_tlv_put_u8(&w, 0x90, slot);
		mu_tlv_put_str(&w, 0x91, "part");
		mu_tlv_put(&w, 0x92, vp, last && how == PART_SHORT_VP ? 31 : 32);
		if (last && how == PART_EXTRA)
			mu_tlv_put(&w, 0x97, vp, 32);
		mu_tlv_end(&w, m);
	}
	size_t len = 0;
	g_assert_cmpint(mu_tlv_writer_finish(&w, &len), ==, 0);
	return len;
}

/* Malformed key part lists and certificates are refused, well-formed ones
 * (also long ones, through GET RESPONSE) accepted. */
static void test_malformed_answers(void)
{
	static const struct {
		size_t count;
		spoil how;
		int want;
	} lists[] = {
	    {2, PART_OK, MU_SC_OK},
	    {MU_KEYPARTS_MAX, PART_OK, MU_SC_OK},
	    {MU_KEYPARTS_MAX + 1, PART_OK, MU_SC_ERR_RESPONSE},
	    {3, PART_DUP_SLOT, MU_SC_ERR_RESPONSE},
	    {3, PART_BAD_SLOT, MU_SC_ERR_RESPONSE},
	    {3, PART_SHORT_VP, MU_SC_ERR_RESPONSE},
	    {3, PART_EXTRA, MU_SC_ERR_RESPONSE},
	};
	fake f;
	mu_backend *b = fake_backend(&f, canned_fn);
	mu_card *card = NULL;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	static uint8_t buf[8192];
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
		f.canned = buf;
		f.canned_len = make_parts(buf, sizeof(buf), lists[i].count, lists[i].how);
		mu_keypart_info *parts = NULL;
		size_t n = 0;
		g_assert_cmpint(mu_card_keypart_list(card, &parts, &n), ==, lists[i].want);
		if (lists[i].want == MU_SC_OK) {
			g_assert_cmpuint(n, ==, lists[i].count);
			g_assert_cmpstr(parts[n - 1].desc, ==, "part");
			g_assert_cmpuint(parts[n - 1].slot, ==, n - 1);
		} else {
			g_assert_null(parts);
			g_assert_nonnull(strstr(mu_card_errmsg(card), "malformed key part list"));
		}
		free(parts);
		f.n_log = 0;
		for (size_t k = 0; k < LOG_MAX && f.log[k] != NULL; k++)
			g_clear_pointer(&f.log[k], g_byte_array_unref);
	}

	/* a certificate: one DER SEQUENCE that fills the answer exactly */
	memset(buf, 0x11, sizeof(buf));
	buf[0] = 0x30;
	buf[1] = 0x82;
	buf[2] = 0x01;
	buf[3] = 0x2C; /* 300 bytes of content */
	uint8_t *der = NULL;
	size_t len = 0;
	f.canned_len = 304;
	g_assert_cmpint(mu_card_get_cert(card, MU_CERT_ROOT, &der, &len), ==, MU_SC_OK);
	g_assert_cmpmem(der, len, buf, 304);
	free(der);
	der = NULL;
	f.canned_len = 305; /* a byte after the SEQUENCE */
	g_assert_cmpint(mu_card_get_cert(card, MU_CERT_ROOT, &der, &len), ==, MU_SC_ERR_RESPONSE);
	f.canned_len = 303; /* cut short */
	g_assert_cmpint(mu_card_get_cert(card, MU_CERT_ROOT, &der, &len), ==, MU_SC_ERR_RESPONSE);
	buf[0] = 0x31; /* not a SEQUENCE */
	f.canned_len = 304;
	g_assert_cmpint(mu_card_get_cert(card, MU_CERT_ROOT, &der, &len), ==, MU_SC_ERR_RESPONSE);
	g_assert_null(der);
	mu_card_free(&card);
	mu_backend_free(&b);
}

static void good_info(fake *f, const uint8_t *c, size_t n, uint8_t *r, size_t *rn)
{
	static const uint8_t info[] = {0x80, 0x01, 0x00, 0x81, 0x08, 1,    2,    3,
	                               4,    5,    6,    7,    8,    0x82, 0x05, 'd',
	                               'e',  'c',  'k',  '1',  0x9E, 0x01, 0x00};
	if (c[1] == 0xA4)
		answer(r, rn, NULL, 0, 0x9000);
	else
		answer(r, rn, info, sizeof(info), 0x9000);
}

static void test_info_and_removal(void)
{
	fake f;
	mu_backend *b = fake_backend(&f, good_info);
	mu_card *card = NULL;
	mu_card_info info;
	g_assert_cmpint(mu_card_open(b, "Fake Reader 0", &card), ==, MU_SC_OK);
	g_assert_cmpint(mu_card_info_get(card, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_BLANK);
	g_assert_cmpstr(info.label, ==, "deck1");
	g_assert_cmpint(info.serial[7], ==, 8);
	g_assert_cmpint(info.pin1_tries, ==, -1);

	f.fail_with = MU_SC_ERR_REMOVED;
	g_assert_cmpint(mu_card_info_get(card, &info), ==, MU_SC_ERR_REMOVED);
	g_assert_cmpstr(mu_card_errmsg(card), ==,
	                "the card was removed from reader Fake Reader 0 during the operation; "
	                "nothing was changed on the workstation: check the card and retry");
	mu_card_free(&card);
	mu_backend_free(&b);
}

static void test_strerror(void)
{
	g_assert_cmpstr(mu_sc_strerror(MU_SC_OK), ==, "success");
	for (int st = MU_SC_ERR_FULL; st <= MU_SC_ERR_NO_SERVICE; st++)
		g_assert_cmpstr(mu_sc_strerror(st), !=, "unknown error");
	g_assert_cmpstr(mu_sc_strerror(-2), ==, "malformed data");
	g_assert_cmpstr(mu_sc_strerror(-999), ==, "unknown error");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sc-reader/chaining", test_chaining);
	g_test_add_func("/sc-reader/chain-refused", test_chain_refused);
	g_test_add_func("/sc-reader/get-response", test_get_response);
	g_test_add_func("/sc-reader/wrong-le", test_wrong_le);
	g_test_add_func("/sc-reader/resolve", test_resolve);
	g_test_add_func("/sc-reader/not-openmu", test_not_openmu);
	g_test_add_func("/sc-reader/trace-redaction", test_trace_redaction);
	g_test_add_func("/sc-reader/apdu-wiped", test_apdu_wiped);
	g_test_add_func("/sc-reader/get-response-endless", test_get_response_endless);
	g_test_add_func("/sc-reader/get-response-wrong-le", test_get_response_wrong_le);
	g_test_add_func("/sc-reader/malformed-info", test_malformed_info);
	g_test_add_func("/sc-reader/malformed-answers", test_malformed_answers);
	g_test_add_func("/sc-reader/info-and-removal", test_info_and_removal);
	g_test_add_func("/sc-reader/strerror", test_strerror);
	return g_test_run();
}
