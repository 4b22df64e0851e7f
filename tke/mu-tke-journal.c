/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-journal.h"
#include "mu-tke-journal-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mu-admin-block.h"
#include "mu-card-proto.h"
#include "mu-tke-error.h"


/* ---- encoding helpers ---- */

static void sha256(const void *data, size_t len, uint8_t out[32])
{
	if (!EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL))
		g_error("SHA-256 failed"); /* OpenSSL without SHA-256: cannot continue */
}

static void genesis(uint8_t out[32])
{
	sha256(GENESIS, sizeof(GENESIS) - 1, out);
}

static void put_hex(GString *s, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", buf[i]);
}

/* Bytes that stand for themselves in a text field; all others are %XX. */
static gboolean plain_char(unsigned char ch)
{
	return g_ascii_isalnum(ch) || strchr("-._~:/@+,()'", ch) != NULL;
}

static void put_text(GString *s, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (plain_char(*p))
			g_string_append_c(s, (char)*p);
		else
			g_string_append_printf(s, "%%%02X", *p);
	}
}

static gboolean get_hex(const char *v, size_t vlen, uint8_t *out, size_t n)
{
	if (vlen != 2 * n)
		return FALSE;
	for (size_t i = 0; i < n; i++) {
		int hi = v[2 * i], lo = v[2 * i + 1];
		/* lower case only: one spelling per value */
		if (!g_ascii_isxdigit(hi) || !g_ascii_isxdigit(lo) || g_ascii_isupper(hi) ||
		    g_ascii_isupper(lo))
			return FALSE;
		out[i] = (uint8_t)(g_ascii_xdigit_value((char)hi) << 4 | g_ascii_xdigit_value((char)lo));
	}
	return TRUE;
}

/* Decimal without sign or leading zeros, at most max. */
static gboolean get_dec(const char *v, size_t vlen, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	if (vlen == 0 || vlen > 20 || (vlen > 1 && v[0] == '0'))
		return FALSE;
	for (size_t i = 0; i < vlen; i++) {
		if (!g_ascii_isdigit(v[i]))
			return FALSE;
		unsigned d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return FALSE;
		x = x * 10 + d;
	}
	if (x > max)
		return FALSE;
	*out = x;
	return TRUE;
}

/* Canonical %XX text: decodes, and refuses any other spelling. */
static char *get_text(const char *v, size_t vlen, gboolean allow_empty)
{
	if ((vlen == 0 && !allow_empty) || vlen > 3 * MU_TKE_JOURNAL_TEXT_MAX)
		return NULL;
	GString *s = g_string_sized_new(vlen);
	for (size_t i = 0; i < vlen; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '%') {
			uint8_t b;
			if (i + 2 >= vlen)
				goto bad;
			if (!g_ascii_isxdigit(v[i + 1]) || !g_ascii_isxdigit(v[i + 2]) ||
			    g_ascii_islower(v[i + 1]) || g_ascii_islower(v[i + 2]))
				goto bad;
			b = (uint8_t)(g_ascii_xdigit_value(v[i + 1]) << 4 |
			              g_ascii_xdigit_value(v[i + 2]));
			if (b == 0 || plain_char(b))
				goto bad;
			g_string_append_c(s, (char)b);
			i += 2;
		} else if (plain_char(ch)) {
			g_string_append_c(s, (char)ch);
		} else {
			goto bad;
		}
	}
	if (s->len > MU_TKE_JOURNAL_TEXT_MAX || !g_utf8_validate(s->str, (gssize)s->len, NULL))
		goto bad;
	return g_string_free(s, FALSE);
bad:
	g_string_free(s, TRUE);
	return NULL;
}

/* Canonical standard base64 (with padding) of 1..max bytes. */
static uint8_t *get_b64(const char *v, size_t vlen, size_t max, size_t *out_len)
{
	if (vlen == 0 || vlen % 4 != 0 || vlen > 4 * (max / 3 + 1))
		return NULL;
	for (size_t i = 0; i < vlen; i++)
		if (!g_ascii_isalnum(v[i]) && v[i] != '+' && v[i] != '/' && v[i] != '=')
			return NULL;
	g_autofree char *z = g_strndup(v, vlen);
	gsize n = 0;
	guchar *raw = g_base64_decode(z, &n);
	if (raw == NULL || n == 0 || n > max) {
		g_free(raw);
		return NULL;
	}
	g_autofree char *again = g_base64_encode(raw, n);
	if (strcmp(again, z) != 0) {
		g_free(raw);
		return NULL;
	}
	*out_len = n;
	return raw;
}

/* ---- records ---- */

void mu_tke_journal_record_clear(mu_tke_journal_record *r)
{
	g_free(r->cert);
	g_free(r->step);
	g_free(r->unit);
	g_free(r->result);
	g_free(r->sig);
	memset(r, 0, sizeof(*r));
}

static void record_free(gpointer p)
{
	mu_tke_journal_record_clear(p);
	g_free(p);
}

/* The hashed part of r's line: everything before " hash=". */
static GString *hashed_part(const mu_tke_journal_record *r)
{
	GString *s = g_string_new(MAGIC);
	g_string_append_printf(s, " seq=%" PRIu64, r->seq);
	if (r->type == MU_TKE_JOURNAL_CERT) {
		g_autofree char *b64 = g_base64_encode(r->cert, r->cert_len);
		g_string_append(s, " type=cert key=");
		put_hex(s, r->cert_key_id, MU_UNIT_KEY_ID_LEN);
		g_string_append_printf(s, " cert=%s", b64);
	} else {
		g_string_append_printf(s, " type=step time=%" G_GINT64_FORMAT " step=", r->time);
		put_text(s, r->step);
		g_string_append(s, " unit=");
		put_text(s, r->unit);
		g_string_append(s, " module=");
		if (r->has_module) {
			put_hex(s, r->module_id, MU_UNIT_MODULE_ID_LEN);
			g_string_append_printf(s, " domain=%u", r->domain);
		} else {
			g_string_append(s, "- domain=-");
		}
		if (r->has_counter)
			g_string_append_printf(s, " counter=%" PRIu64, r->counter);
		else
			g_string_append(s, " counter=-");
		g_string_append(s, " signers=");
		for (size_t i = 0; i < r->nsigners; i++) {
			if (i > 0)
				g_string_append_c(s, ',');
			put_hex(s, r->signers[i], MU_UNIT_KEY_ID_LEN);
		}
		if (r->nsigners == 0)
			g_string_append_c(s, '-');
		g_string_append(s, " vp=");
		if (r->has_vp)
			put_hex(s, r->vp, MU_VP_LEN);
		else
			g_string_append_c(s, '-');
		g_string_append(s, r->ok ? " result=ok" : " result=refused:");
		if (!r->ok)
			put_text(s, r->result);
		g_string_append(s, " by=");
		if (r->has_by)
			put_hex(s, r->by, MU_UNIT_KEY_ID_LEN);
		else
			g_string_append_c(s, '-');
	}
	g_string_append(s, " prev=");
	put_hex(s, r->prev, 32);
	return s;
}

/* Sets r->hash and returns the hashed part. */
GString *mu_tke_journal_record_hash(mu_tke_journal_record *r)
{
	GString *s = hashed_part(r);
	sha256(s->str, s->len, r->hash);
	return s;
}

/* The full line of r (hash already set), newline included. */
char *mu_tke_journal_record_line(const mu_tke_journal_record *r, GString *hashed)
{
	g_string_append(hashed, " hash=");
	put_hex(hashed, r->hash, 32);
	if (r->type == MU_TKE_JOURNAL_STEP) {
		if (r->sig != NULL) {
			g_autofree char *b64 = g_base64_encode(r->sig, r->sig_len);
			g_string_append_printf(hashed, " sig=%s", b64);
		} else {
			g_string_append(hashed, " sig=-");
		}
	}
	g_string_append_c(hashed, '\n');
	return g_string_free(hashed, FALSE);
}

void mu_tke_journal_tbs(const uint8_t hash[32], uint8_t tbs[MU_TKE_JOURNAL_TBS_LEN])
{
	size_t n = sizeof(MU_TKE_JOURNAL_SIG_CONTEXT) - 1;
	memcpy(tbs, MU_TKE_JOURNAL_SIG_CONTEXT, n);
	memcpy(tbs + n, hash, 32);
}

/* ---- parsing ---- */

typedef struct field {
	const char *v; /* value after "name=" */
	size_t len;
} field;

gboolean mu_tke_journal_bad(GError **error, const char *what)
{
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "%s", what);
	return FALSE;
}

static gboolean is_dash(const field *f)
{
	return f->len == 1 && f->v[0] == '-';
}

/* Splits line into exactly n "name=value" fields named as names says. */
static gboolean split(const char *line, size_t len, const char *const *names, size_t n, field *f,
                      size_t *hash_at, GError **error)
{
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		size_t end = pos;
		while (end < len && line[end] != ' ')
			end++;
		if ((end == len) != (i == n - 1)) {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "%s fields (a %s record has %zu, separated by one space)",
			            end == len ? "too few" : "too many",
			            n + 1 == STEP_FIELDS ? "step" : "cert", n + 1);
			return FALSE;
		}
		size_t nl = strlen(names[i]);
		if (end - pos < nl + 1 || memcmp(line + pos, names[i], nl) != 0 ||
		    line[pos + nl] != '=') {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "field %zu is not \"%s=...\"", i + 2, names[i]);
			return FALSE;
		}
		if (strcmp(names[i], "hash") == 0)
			*hash_at = pos - 1;
		f[i].v = line + pos + nl + 1;
		f[i].len = end - pos - nl - 1;
		pos = end + 1;
	}
	return TRUE;
}

#define WANT(cond, msg)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return mu_tke_journal_bad(error, msg);                                                    \
	} while (0)

static gboolean parse_step(const field *f, mu_tke_journal_record *r, GError **error)
{
	uint64_t x = 0;
	WANT(get_dec(f[3].v, f[3].len, G_MAXINT64, &x), "time: not a decimal number of seconds");
	r->time = (gint64)x;
	WANT((r->step = get_text(f[4].v, f[4].len, FALSE)) != NULL, "step: empty or badly encoded");
	WANT((r->unit = get_text(f[5].v, f[5].len, FALSE)) != NULL, "unit: empty or badly encoded");
	WANT(is_dash(&f[6]) == is_dash(&f[7]), "module and domain: both or neither");
	if (!is_dash(&f[6])) {
		r->has_module = true;
		WANT(get_hex(f[6].v, f[6].len, r->module_id, MU_UNIT_MODULE_ID_LEN),
		     "module: not 16 lower-case hex digits");
		WANT(get_dec(f[7].v, f[7].len, UINT16_MAX, &x), "domain: not a number 0-65535");
		r->domain = (uint16_t)x;
	}
	if (!is_dash(&f[8])) {
		r->has_counter = true;
		WANT(get_dec(f[8].v, f[8].len, UINT64_MAX, &r->counter), "counter: not a number");
	}
	if (!is_dash(&f[9])) {
		const size_t id = 2 * MU_UNIT_KEY_ID_LEN;
		WANT((f[9].len + 1) % (id + 1) == 0 &&
		         (f[9].len + 1) / (id + 1) <= MU_TKE_JOURNAL_SIGNERS_MAX,
		     "signers: not 1 to 8 comma-separated key ids");
		r->nsigners = (f[9].len + 1) / (id + 1);
		for (size_t i = 0; i < r->nsigners; i++) {
			const char *p = f[9].v + i * (id + 1);
			WANT(i + 1 == r->nsigners || p[id] == ',', "signers: not comma-separated");
			WANT(get_hex(p, id, r->signers[i], MU_UNIT_KEY_ID_LEN),
			     "signers: a key id is not 64 lower-case hex digits");
			for (size_t k = 0; k < i; k++)
				WANT(memcmp(r->signers[k], r->signers[i], MU_UNIT_KEY_ID_LEN) != 0,
				     "signers: a key id appears twice");
		}
	}
	if (!is_dash(&f[10])) {
		r->has_vp = true;
		WANT(get_hex(f[10].v, f[10].len, r->vp, MU_VP_LEN), "vp: not 64 lower-case hex digits");
	}
	static const char refused[] = "refused:";
	if (f[11].len == 2 && memcmp(f[11].v, "ok", 2) == 0) {
		r->ok = true;
		r->result = g_strdup("ok");
	} else {
		WANT(f[11].len >= sizeof(refused) - 1 &&
		         memcmp(f[11].v, refused, sizeof(refused) - 1) == 0,
		     "result: neither \"ok\" nor \"refused:MESSAGE\"");
		r->result = get_text(f[11].v + sizeof(refused) - 1, f[11].len - sizeof(refused) + 1,
		                     TRUE);
		WANT(r->result != NULL, "result: badly encoded message");
	}
	WANT(is_dash(&f[12]) == is_dash(&f[15]), "by and sig: both or neither");
	if (!is_dash(&f[12])) {
		r->has_by = true;
		WANT(get_hex(f[12].v, f[12].len, r->by, MU_UNIT_KEY_ID_LEN),
		     "by: not 64 lower-case hex digits");
		WANT((r->sig = get_b64(f[15].v, f[15].len, SIG_MAX, &r->sig_len)) != NULL,
		     "sig: not canonical base64 of a signature");
	}
	return TRUE;
}

gboolean mu_tke_journal_parse_line(const char *line, size_t len, mu_tke_journal_record *out,
                                   GError **error)
{
	static const char *const step_names[STEP_FIELDS] = {
	    MAGIC, "seq", "type", "time", "step", "unit", "module", "domain",
	    "counter", "signers", "vp", "result", "by", "prev", "hash", "sig"};
	static const char *const cert_names[CERT_FIELDS] = {MAGIC, "seq", "type", "key",
	                                                    "cert", "prev", "hash"};
	mu_tke_journal_record r;
	field f[STEP_FIELDS];
	size_t hash_at = 0;
	memset(&r, 0, sizeof(r));
	if (len == 0 || len >= MU_TKE_JOURNAL_LINE_MAX)
		return mu_tke_journal_bad(error, len == 0 ? "empty line" : "line too long");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return mu_tke_journal_bad(error, "a byte that is not printable ASCII");
	WANT(len > 5 && memcmp(line, MAGIC " ", 5) == 0, "not an OpenMU journal record (OMJ1)");
	gboolean is_cert = g_strstr_len(line, (gssize)len, " type=cert ") != NULL;
	const char *const *names = is_cert ? cert_names : step_names;
	size_t n = is_cert ? CERT_FIELDS : STEP_FIELDS;
	/* the magic has no "=": split from the second field */
	f[0].v = line;
	f[0].len = 4;
	if (!split(line + 5, len - 5, names + 1, n - 1, f + 1, &hash_at, error))
		return FALSE;
	hash_at += 5;
	WANT(f[2].len == 4 && memcmp(f[2].v, is_cert ? "cert" : "step", 4) == 0,
	     "type: neither \"step\" nor \"cert\"");
	r.type = is_cert ? MU_TKE_JOURNAL_CERT : MU_TKE_JOURNAL_STEP;
	WANT(get_dec(f[1].v, f[1].len, UINT64_MAX, &r.seq) && r.seq > 0, "seq: not a number >= 1");
	size_t ip = is_cert ? 5 : 13;
	gboolean ok = FALSE;
	if (!get_hex(f[ip].v, f[ip].len, r.prev, 32) ||
	    !get_hex(f[ip + 1].v, f[ip + 1].len, r.hash, 32)) {
		mu_tke_journal_bad(error, "prev or hash: not 64 lower-case hex digits");
		goto out;
	}
	if (is_cert) {
		if (!get_hex(f[3].v, f[3].len, r.cert_key_id, MU_UNIT_KEY_ID_LEN)) {
			mu_tke_journal_bad(error, "key: not 64 lower-case hex digits");
			goto out;
		}
		if ((r.cert = get_b64(f[4].v, f[4].len, CERT_MAX, &r.cert_len)) == NULL) {
			mu_tke_journal_bad(error, "cert: not canonical base64 of a certificate");
			goto out;
		}
	} else if (!parse_step(f, &r, error)) {
		goto out;
	}
	uint8_t h[32];
	sha256(line, hash_at, h);
	if (memcmp(h, r.hash, 32) != 0) {
		mu_tke_journal_bad(error, "hash: not the SHA-256 of the record (the record was edited)");
		goto out;
	}
	*out = r;
	memset(&r, 0, sizeof(r));
	ok = TRUE;
out:
	mu_tke_journal_record_clear(&r);
	return ok;
}

/* ---- verification ---- */

static void known_key_clear(gpointer p)
{
	EVP_PKEY_free(((known_key *)p)->pub);
}

known_key *mu_tke_journal_find_key(GArray *keys, const uint8_t *id)
{
	for (guint i = 0; i < keys->len; i++) {
		known_key *k = &g_array_index(keys, known_key, i);
		if (memcmp(k->key_id, id, MU_UNIT_KEY_ID_LEN) == 0)
			return k;
	}
	return NULL;
}

/* Checks r against the chain so far (prev hash, seq, keys); adds its key. */
static gboolean check_chained(const mu_tke_journal_record *r, uint64_t seq, const uint8_t prev[32],
                              GArray *keys, GError **error)
{
	if (r->seq != seq) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "seq is %" PRIu64 ", expected %" PRIu64
		            " (a record was dropped, inserted or moved)",
		            r->seq, seq);
		return FALSE;
	}
	WANT(memcmp(r->prev, prev, 32) == 0,
	     "prev is not the hash of the record before (a record was dropped, inserted, moved "
	     "or edited)");
	if (r->type == MU_TKE_JOURNAL_CERT) {
		mu_admin_cert_info info;
		known_key k;
		WANT(mu_tke_journal_find_key(keys, r->cert_key_id) == NULL, "cert: this key id was introduced before");
		WANT(mu_admin_cert_check(r->cert, r->cert_len, &info, &k.pub) == 0,
		     "cert: not a valid self-signed P-521 admin certificate");
		if (memcmp(info.key_id, r->cert_key_id, MU_UNIT_KEY_ID_LEN) != 0) {
			EVP_PKEY_free(k.pub);
			return mu_tke_journal_bad(error, "key: not the SHA-256 of the certificate's public point");
		}
		memcpy(k.key_id, info.key_id, MU_UNIT_KEY_ID_LEN);
		g_array_append_val(keys, k);
		return TRUE;
	}
	if (r->has_by) {
		known_key *k = mu_tke_journal_find_key(keys, r->by);
		uint8_t tbs[MU_TKE_JOURNAL_TBS_LEN];
		WANT(k != NULL, "by: no earlier cert record introduces this key id");
		mu_tke_journal_tbs(r->hash, tbs);
		WANT(mu_admin_verify(k->pub, tbs, sizeof(tbs), r->sig, r->sig_len) == 0,
		     "sig: the countersignature does not verify");
	}
	return TRUE;
}

/* Walks data line by line, checking each record and the chain; keys gets
 * the certificates introduced, last the hash of the last record, records
 * (may be NULL) the records. */
gboolean mu_tke_journal_walk(const char *data, size_t len, mu_tke_journal_summary *sum,
                             GArray *keys, uint8_t last[32], GPtrArray *records,
                             GError **error)
{
	size_t pos = 0, line = 0;
	genesis(last);
	memset(sum, 0, sizeof(*sum));
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - (data + pos)) : len - pos;
		GError *e = NULL;
		mu_tke_journal_record *r = g_new0(mu_tke_journal_record, 1);
		line++;
		if (nl == NULL)
			g_set_error(&e, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "no newline at the end (a truncated write?)");
		if (e != NULL || !mu_tke_journal_parse_line(data + pos, llen, r, &e) ||
		    !check_chained(r, line, last, keys, &e)) {
			record_free(r);
			sum->bad_line = line;
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "line %zu: %s", line,
			            e->message);
			g_error_free(e);
			return FALSE;
		}
		memcpy(last, r->hash, 32);
		sum->records++;
		if (r->type == MU_TKE_JOURNAL_STEP) {
			sum->steps++;
			sum->countersigned += r->has_by ? 1 : 0;
			sum->refusals += r->ok ? 0 : 1;
		}
		if (records != NULL)
			g_ptr_array_add(records, r);
		else
			record_free(r);
		pos += llen + 1;
	}
	return TRUE;
}

GArray *mu_tke_journal_keys_new(void)
{
	GArray *keys = g_array_new(FALSE, TRUE, sizeof(known_key));
	g_array_set_clear_func(keys, known_key_clear);
	return keys;
}

gboolean mu_tke_journal_verify(const char *data, size_t len, mu_tke_journal_summary *sum,
                               GPtrArray **records, GError **error)
{
	mu_tke_journal_summary s;
	uint8_t last[32];
	g_autoptr(GArray) keys = mu_tke_journal_keys_new();
	GPtrArray *recs = records != NULL ? g_ptr_array_new_with_free_func(record_free) : NULL;
	gboolean ok = mu_tke_journal_walk(data, len, &s, keys, last, recs, error);
	if (sum != NULL)
		*sum = s;
	if (records != NULL)
		*records = recs;
	return ok;
}

