/* SPDX-License-Identifier: Apache-2.0 */
/* The card jobs beyond personalization, in the worker thread of
 * mu-card-jobs.c: PIN change and unblock, signature key, key part delete,
 * card copy, CA backup and zeroize. Each opens the card(s), checks the
 * PINs the operation needs, and reports in the card layer's words. */
#include "mu-card-jobs-priv.h"

#include <string.h>

#include "mu-gui-util.h"

static char *do_change_pin(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info;
	int which;
	mu_card *c = mu_card_job_open_own(b, j, -1, "a CA or EP11 card", &info, error);
	if (c == NULL)
		return NULL;
	char *msg = NULL;
	int st;
	if (info.type != MU_CARD_TYPE_CA && info.type != MU_CARD_TYPE_EP11) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "the card in reader \"%s\" is blank: it has no PIN to change",
		            j->reader);
		goto out;
	}
	which = info.type == MU_CARD_TYPE_CA && j->which == 2 ? 2 : 1;
	st = mu_card_change_pin(c, which, j->pin1, j->new_pin);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "changing the PIN", error);
		goto out;
	}
	if (info.type == MU_CARD_TYPE_CA)
		msg = g_strdup_printf("CA PIN %d of the CA card in reader \"%s\" changed.", which,
		                      j->reader);
	else
		msg = g_strdup_printf("PIN of the EP11 card in reader \"%s\" changed.", j->reader);
out:
	mu_card_free(&c);
	return msg;
}

static char *do_unblock(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info, ca_info;
	g_autofree char *ca_reader = NULL;
	g_autofree char *want = NULL;
	char *msg = NULL;
	int st;
	mu_card *ca = NULL;
	mu_card *c =
	    mu_card_job_open_own(b, j, MU_CARD_TYPE_EP11, "the EP11 card to unblock", &info, error);
	if (c == NULL)
		goto out;
	want = g_strdup_printf("the CA card of zone %s", info.zone_id);
	ca = mu_card_job_other(b, j, MU_CARD_TYPE_CA, want, FALSE, &ca_reader, &ca_info, error);
	if (ca == NULL || !mu_card_job_verify(ca, 1, j->pin1, "CA PIN 1", error) ||
	    !mu_card_job_verify(ca, 2, j->pin2, "CA PIN 2", error))
		goto out;
	st = mu_card_unblock(c, ca, j->new_pin);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "unblocking the PIN", error);
		goto out;
	}
	msg = g_strdup_printf("The EP11 card in reader \"%s\" has its new PIN and all its tries "
	                      "(unblocked by the CA card in \"%s\").",
	                      j->reader, ca_reader);
out:
	mu_card_free(&ca);
	mu_card_free(&c);
	return msg;
}

static char *do_sigkey(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info;
	mu_card *c = mu_card_job_open_own(b, j, MU_CARD_TYPE_EP11, "an EP11 card", &info, error);
	if (c == NULL)
		return NULL;
	char *msg = NULL;
	int st;
	const char *name = j->admin_name != NULL ? j->admin_name : "";
	uint8_t key_id[MU_KEY_ID_LEN];
	char hex[2 * 8 + 1];
	/* refused before the PIN is spent */
	if (*name == '\0') {
		g_set_error(error, MU_GUI_ERROR, 1, "give the administrator's name");
		goto out;
	}
	if (info.has_sigkey && !j->replace) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "the card already holds the signature key of %s: confirm that it is "
		            "replaced",
		            info.admin_name);
		goto out;
	}
	if (!mu_card_job_verify(c, 1, j->pin1, "the card's PIN", error))
		goto out;
	st = mu_card_sigkey_gen(c, name, j->replace, key_id);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "generating the signature key", error);
		goto out;
	}
	for (size_t i = 0; i < 8; i++)
		g_snprintf(hex + 2 * i, 3, "%02x", key_id[i]);
	msg = g_strdup_printf("Signature key of %s generated on the EP11 card in reader \"%s\" "
	                      "(key id %s…).",
	                      name, j->reader, hex);
out:
	mu_card_free(&c);
	return msg;
}

static char *do_keypart_delete(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info;
	mu_card *c = mu_card_job_open_own(b, j, MU_CARD_TYPE_EP11, "an EP11 card", &info, error);
	if (c == NULL)
		return NULL;
	char *msg = NULL;
	int st;
	if (mu_card_job_verify(c, 1, j->pin1, "the card's PIN", error)) {
		st = mu_card_keypart_delete(c, j->slot);
		if (st != MU_SC_OK)
			mu_gui_sc_error(st, c, "deleting the key part", error);
		else
			msg = g_strdup_printf("Key part in slot %u deleted from the EP11 card in "
			                      "reader \"%s\".",
			                      j->slot, j->reader);
	}
	mu_card_free(&c);
	return msg;
}

static char *do_copy(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info, dst_info;
	g_autofree char *dst_reader = NULL;
	char *msg = NULL;
	int st;
	mu_card *dst = NULL;
	mu_card *src =
	    mu_card_job_open_own(b, j, MU_CARD_TYPE_EP11, "the EP11 card to copy", &info, error);
	if (src == NULL)
		goto out;
	dst = mu_card_job_other(b, j, MU_CARD_TYPE_EP11, "the target EP11 card", TRUE, &dst_reader,
	                        &dst_info, error);
	if (dst == NULL || !mu_card_job_verify(src, 1, j->pin1, "the source card's PIN", error) ||
	    !mu_card_job_verify(dst, 1, j->target_pin, "the target card's PIN", error))
		goto out;
	st = mu_card_copy(src, dst);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, src, "copying the card", error);
		goto out;
	}
	msg = g_strdup_printf("The EP11 card in reader \"%s\" is copied to the card in \"%s\" "
	                      "(signature key and %d key part%s).",
	                      j->reader, dst_reader, info.keypart_count,
	                      info.keypart_count == 1 ? "" : "s");
out:
	mu_card_free(&dst);
	mu_card_free(&src);
	return msg;
}

static char *do_ca_backup(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info, dst_info;
	g_autofree char *dst_reader = NULL;
	char *msg = NULL;
	int st;
	mu_card *dst = NULL;
	mu_card *src =
	    mu_card_job_open_own(b, j, MU_CARD_TYPE_CA, "the CA card to back up", &info, error);
	if (src == NULL)
		goto out;
	dst = mu_card_job_other(b, j, MU_CARD_TYPE_BLANK, "a blank card for the backup", TRUE,
	                        &dst_reader, &dst_info, error);
	if (dst == NULL || !mu_card_job_verify(src, 1, j->pin1, "CA PIN 1", error) ||
	    !mu_card_job_verify(src, 2, j->pin2, "CA PIN 2", error))
		goto out;
	st = mu_card_ca_backup(src, dst, j->new_pin, j->new_pin2);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, src, "backing up the CA card", error);
		goto out;
	}
	msg = g_strdup_printf("The card in reader \"%s\" is now a backup CA card of zone %s.",
	                      dst_reader, info.zone_id);
out:
	mu_card_free(&dst);
	mu_card_free(&src);
	return msg;
}

static char *do_zeroize(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info;
	mu_card *c = mu_card_job_open_own(b, j, -1, "an OpenMU card", &info, error);
	if (c == NULL)
		return NULL;
	char *msg = NULL;
	int st;
	if (info.type == MU_CARD_TYPE_BLANK) {
		g_set_error(error, MU_GUI_ERROR, 1, "the card in reader \"%s\" is blank already",
		            j->reader);
		goto out;
	}
	/* a blocked card can always be wiped */
	if (!info.blocked) {
		gboolean ca = info.type == MU_CARD_TYPE_CA;
		if (!mu_card_job_verify(c, 1, j->pin1, ca ? "CA PIN 1" : "the card's PIN", error) ||
		    (ca && !mu_card_job_verify(c, 2, j->pin2, "CA PIN 2", error)))
			goto out;
	}
	st = mu_card_zeroize(c);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "zeroizing the card", error);
		goto out;
	}
	msg = g_strdup_printf("The %s card in reader \"%s\" is zeroized: it is blank now.",
	                      mu_card_type_name(info.type), j->reader);
out:
	mu_card_free(&c);
	return msg;
}

char *mu_card_job_run_admin(mu_backend *b, mu_card_job *j, GError **error)
{
	switch (j->kind) {
	case MU_CARD_JOB_CHANGE_PIN:
		return do_change_pin(b, j, error);
	case MU_CARD_JOB_UNBLOCK:
		return do_unblock(b, j, error);
	case MU_CARD_JOB_SIGKEY:
		return do_sigkey(b, j, error);
	case MU_CARD_JOB_KEYPART_DELETE:
		return do_keypart_delete(b, j, error);
	case MU_CARD_JOB_COPY:
		return do_copy(b, j, error);
	case MU_CARD_JOB_CA_BACKUP:
		return do_ca_backup(b, j, error);
	case MU_CARD_JOB_ZEROIZE:
		return do_zeroize(b, j, error);
	default:
		g_set_error(error, MU_GUI_ERROR, 1, "unknown card operation %d", (int)j->kind);
		return NULL;
	}
}
