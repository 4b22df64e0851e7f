/* SPDX-License-Identifier: Apache-2.0 */
/* Appending to a ceremony journal: one locked, fsynced write per record,
 * certificates introduced before the first record they countersign. */
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

struct mu_tke_journal {
	int fd;
	char *path;
	uint64_t seq; /* of the last record */
	uint8_t last[32];
	GArray *keys;      /* known_key: the certificates introduced */
	gboolean broken;   /* a write failed: append nothing more */
	mu_card *card;     /* the countersigning card whose certificate is cached */
	GBytes *card_cert;
};

mu_tke_journal *mu_tke_journal_open(const char *path, GError **error)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int err = errno;
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "cannot open the journal %s: %s", path, g_strerror(err));
		return NULL;
	}
	if (flock(fd, LOCK_EX) != 0) {
		int err = errno;
		close(fd);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "cannot lock the journal %s: %s",
		            path, g_strerror(err));
		return NULL;
	}
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	mu_tke_journal_summary sum;
	mu_tke_journal *j = g_new0(mu_tke_journal, 1);
	j->fd = fd;
	j->path = g_strdup(path);
	j->keys = mu_tke_journal_keys_new();
	if (!g_file_get_contents(path, &data, &len, &e) ||
	    !mu_tke_journal_walk(data, len, &sum, j->keys, j->last, NULL, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "the journal %s is broken; nothing is appended to it: %s", path,
		            e->message);
		g_error_free(e);
		mu_tke_journal_free(&j);
		return NULL;
	}
	j->seq = sum.records;
	return j;
}

void mu_tke_journal_free(mu_tke_journal **j)
{
	if (j == NULL || *j == NULL)
		return;
	if ((*j)->fd >= 0)
		close((*j)->fd); /* releases the lock */
	g_free((*j)->path);
	g_array_unref((*j)->keys);
	if ((*j)->card_cert != NULL)
		g_bytes_unref((*j)->card_cert);
	g_free(*j);
	*j = NULL;
}

/* One write() of the whole line, then fsync. */
static gboolean write_line(mu_tke_journal *j, const char *line, GError **error)
{
	size_t len = strlen(line);
	ssize_t n;
	do
		n = write(j->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len || fsync(j->fd) != 0) {
		int err = n < 0 ? errno : (n != (ssize_t)len ? EIO : errno);
		j->broken = TRUE;
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "cannot append to the journal %s: %s", j->path, g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

/* Writes r (seq, prev and hash set here) and advances the chain. */
static gboolean append_record(mu_tke_journal *j, mu_tke_journal_record *r,
                              const mu_tke_journal_signer *signer, GError **error)
{
	r->seq = j->seq + 1;
	memcpy(r->prev, j->last, 32);
	GString *hashed = mu_tke_journal_record_hash(r);
	if (r->has_by) {
		uint8_t tbs[MU_TKE_JOURNAL_TBS_LEN];
		mu_tke_journal_tbs(r->hash, tbs);
		if (!signer->sign(signer->ctx, tbs, sizeof(tbs), &r->sig, &r->sig_len, error)) {
			g_string_free(hashed, TRUE);
			g_prefix_error(error, "journal countersignature: ");
			return FALSE;
		}
		if (r->sig_len == 0 || r->sig_len > SIG_MAX) {
			g_string_free(hashed, TRUE);
			return mu_tke_journal_bad(error, "journal countersignature: not a P-521 ECDSA signature");
		}
	}
	g_autofree char *line = mu_tke_journal_record_line(r, hashed);
	if (strlen(line) >= MU_TKE_JOURNAL_LINE_MAX)
		return mu_tke_journal_bad(error, "journal record too long");
	if (!write_line(j, line, error))
		return FALSE;
	j->seq = r->seq;
	memcpy(j->last, r->hash, 32);
	return TRUE;
}

static gboolean check_text(const char *s, gboolean allow_empty)
{
	return s != NULL && (allow_empty || s[0] != '\0') && strlen(s) <= MU_TKE_JOURNAL_TEXT_MAX &&
	       g_utf8_validate(s, -1, NULL);
}

gboolean mu_tke_journal_append(mu_tke_journal *j, const mu_tke_journal_record *r,
                               const mu_tke_journal_signer *signer, GError **error)
{
	if (j->broken)
		return mu_tke_journal_bad(error, "an earlier append to the journal failed; nothing more is appended");
	if (!check_text(r->step, FALSE) || !check_text(r->unit, FALSE) ||
	    (!r->ok && !check_text(r->result, TRUE)) || r->nsigners > MU_TKE_JOURNAL_SIGNERS_MAX) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "bad journal record");
		return FALSE;
	}
	mu_tke_journal_record rec = *r;
	rec.type = MU_TKE_JOURNAL_STEP;
	rec.cert = NULL;
	rec.sig = NULL;
	rec.has_by = FALSE;
	if (rec.time == 0)
		rec.time = g_get_real_time() / G_USEC_PER_SEC;
	if (signer != NULL) {
		mu_admin_cert_info info;
		if (mu_admin_cert_check(signer->cert, signer->cert_len, &info, NULL) != 0)
			return mu_tke_journal_bad(error, "the countersigning card holds no valid admin certificate");
		if (mu_tke_journal_find_key(j->keys, info.key_id) == NULL) {
			mu_tke_journal_record c;
			known_key k;
			memset(&c, 0, sizeof(c));
			c.type = MU_TKE_JOURNAL_CERT;
			memcpy(c.cert_key_id, info.key_id, MU_UNIT_KEY_ID_LEN);
			c.cert = (uint8_t *)g_memdup2(signer->cert, signer->cert_len);
			c.cert_len = signer->cert_len;
			gboolean ok = append_record(j, &c, NULL, error);
			mu_tke_journal_record_clear(&c);
			if (!ok)
				return FALSE;
			if (mu_admin_cert_check(signer->cert, signer->cert_len, &info, &k.pub) != 0)
				return mu_tke_journal_bad(error, "admin certificate");
			memcpy(k.key_id, info.key_id, MU_UNIT_KEY_ID_LEN);
			g_array_append_val(j->keys, k);
		}
		rec.has_by = TRUE;
		memcpy(rec.by, info.key_id, MU_UNIT_KEY_ID_LEN);
	}
	gboolean ok = append_record(j, &rec, signer, error);
	g_free(rec.sig);
	return ok;
}

gboolean mu_tke_journal_sign_card(void *ctx, const uint8_t *msg, size_t len, uint8_t **sig,
                                  size_t *sig_len, GError **error)
{
	mu_card *card = ctx;
	uint8_t *der = NULL;
	size_t n = 0;
	if (mu_card_sign(card, msg, len, &der, &n) != MU_SC_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT, "the card could not sign: %s",
		            mu_card_errmsg(card));
		return FALSE;
	}
	/* *sig is freed with g_free by the journal */
	*sig = g_memdup2(der, n);
	*sig_len = n;
	free(der);
	return TRUE;
}

gboolean mu_tke_journal_record_step(mu_tke_journal *j, const char *step, const char *unit,
                                    mu_tke_client *c, gboolean ok, const mu_tke_outcome *out,
                                    const GError *step_error, const mu_tke_signer *signers,
                                    size_t nsigners, mu_card *countersign, GError **error)
{
	mu_tke_journal_record r;
	memset(&r, 0, sizeof(r));
	r.step = g_strdup(step);
	r.unit = g_strdup(unit);
	if (c != NULL) {
		const mu_unit_info *info = mu_tke_client_info(c);
		r.has_module = true;
		memcpy(r.module_id, info->module_id, MU_UNIT_MODULE_ID_LEN);
		r.domain = info->domain;
	}
	size_t n = nsigners;
	if (ok && out != NULL && out->nsigs < n)
		n = out->nsigs;
	if (n > MU_TKE_JOURNAL_SIGNERS_MAX)
		n = MU_TKE_JOURNAL_SIGNERS_MAX;
	for (size_t i = 0; i < n; i++)
		memcpy(r.signers[i], signers[i].key_id, MU_UNIT_KEY_ID_LEN);
	r.nsigners = n;
	r.ok = ok;
	gboolean done = FALSE;
	if (ok && out != NULL) {
		r.has_counter = true;
		r.counter = out->counter;
		r.has_vp = out->has_vp;
		memcpy(r.vp, out->vp, MU_VP_LEN);
	} else if (!ok) {
		const char *m = step_error != NULL ? step_error->message : "failed";
		size_t mlen = strlen(m);
		if (mlen > MU_TKE_JOURNAL_TEXT_MAX) {
			/* cut on a character boundary */
			const char *end = g_utf8_find_prev_char(m, m + MU_TKE_JOURNAL_TEXT_MAX + 1);
			mlen = end != NULL ? (size_t)(end - m) : 0;
		}
		r.result = g_strndup(m, mlen);
		if (!g_utf8_validate(r.result, -1, NULL)) {
			g_free(r.result);
			r.result = g_strdup("failed (message not UTF-8)");
		}
	}
	if (countersign == NULL) {
		done = mu_tke_journal_append(j, &r, NULL, error);
		goto out;
	}
	if (j->card != countersign || j->card_cert == NULL) {
		uint8_t *der = NULL;
		size_t len = 0;
		if (mu_card_get_cert(countersign, MU_CERT_ADMIN, &der, &len) != MU_SC_OK) {
			g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
			            "journal: cannot read the countersigning card's admin "
			            "certificate: %s",
			            mu_card_errmsg(countersign));
			goto out;
		}
		if (j->card_cert != NULL)
			g_bytes_unref(j->card_cert);
		j->card_cert = g_bytes_new(der, len);
		j->card = countersign;
		free(der);
	}
	mu_tke_journal_signer s = {.sign = mu_tke_journal_sign_card, .ctx = countersign};
	s.cert = g_bytes_get_data(j->card_cert, &s.cert_len);
	done = mu_tke_journal_append(j, &r, &s, error);
out:
	mu_tke_journal_record_clear(&r);
	return done;
}
