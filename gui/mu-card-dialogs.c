/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-card-dialogs.h"

#include <string.h>

#include "mu-gui-util.h"
#include "mu-secret.h"
#include "mu-vp.h"

#define JOB_KEY "mu-card-job"

gboolean mu_card_op_applies(mu_card_job_kind kind, const mu_card_view *v, int slot)
{
	if (v == NULL)
		return FALSE;
	gboolean blank = v->info.type == MU_CARD_TYPE_BLANK;
	gboolean ep11 = v->info.type == MU_CARD_TYPE_EP11;
	gboolean ca = v->info.type == MU_CARD_TYPE_CA;
	gboolean blocked = v->info.blocked;
	switch (kind) {
	case MU_CARD_JOB_INIT_CA:
	case MU_CARD_JOB_ENROLL:
		return blank;
	case MU_CARD_JOB_KEYPART:
	case MU_CARD_JOB_SIGKEY:
	case MU_CARD_JOB_COPY:
		return ep11 && !blocked;
	case MU_CARD_JOB_KEYPART_DELETE:
		return ep11 && !blocked && slot >= 0;
	case MU_CARD_JOB_CHANGE_PIN:
		return (ep11 || ca) && !blocked;
	case MU_CARD_JOB_UNBLOCK:
		return ep11; /* blocked or not */
	case MU_CARD_JOB_CA_BACKUP:
		return ca && !blocked;
	case MU_CARD_JOB_ZEROIZE:
		return !blank;
	}
	return FALSE;
}

/* 'the EP11 card "Alice" of zone ZONE-A in reader "R"' */
static char *describe(const mu_card_dialog_ctx *ctx)
{
	const mu_card_info *i = &ctx->view->info;
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "the %s card", mu_card_type_name(i->type));
	if (i->label[0] != '\0')
		g_string_append_printf(s, " \"%s\"", i->label);
	if (i->zone_id[0] != '\0')
		g_string_append_printf(s, " of zone %s", i->zone_id);
	g_string_append_printf(s, " in reader \"%s\"", ctx->reader);
	return g_string_free(s, FALSE);
}

/* The reader of the second card: the only candidate is chosen at once;
 * with none or several, none is (the job then looks for the card). */
static void add_reader_choice(MuPinDialog *d, const char *key, const char *label,
                              const mu_card_dialog_ctx *ctx)
{
	int n = 0;
	while (ctx->others != NULL && ctx->others[n] != NULL)
		n++;
	mu_pin_dialog_add_choice(d, key, label, ctx->others, n == 1 ? 0 : -1);
}

static const mu_keypart_info *find_part(const mu_card_view *v, int slot)
{
	for (size_t k = 0; k < v->nparts; k++)
		if ((int)v->parts[k].slot == slot)
			return &v->parts[k];
	return NULL;
}

static MuPinDialog *personalization_dialog(GtkWindow *top, mu_card_job_kind kind,
                                           const mu_card_dialog_ctx *ctx, const char *card)
{
	MuPinDialog *d = NULL;
	g_autofree char *guide = NULL;
	if (kind == MU_CARD_JOB_INIT_CA) {
		guide = g_strdup_printf("The blank card in reader \"%s\" becomes the CA card of a "
		                        "zone. Two officers each choose a PIN of 6 digits.",
		                        ctx->reader);
		d = mu_pin_dialog_new(top, "Initialize CA card", guide, "Initialize");
		mu_pin_dialog_add(d, "root", "Manufacturer root certificate (file)", FALSE,
		                  g_getenv("OPENMU_ROOT_CERT"));
		mu_pin_dialog_add(d, "zone", "Zone id", FALSE, NULL);
		mu_pin_dialog_add(d, "zone-description", "Zone description", FALSE, NULL);
		mu_pin_dialog_add(d, "label", "Card label", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1 (first officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2 (second officer)", TRUE, NULL);
	} else if (kind == MU_CARD_JOB_ENROLL) {
		guide = g_strdup_printf("The blank card in reader \"%s\" becomes an EP11 card. "
		                        "Insert the zone's CA card in another reader; both CA "
		                        "officers enter their PINs.",
		                        ctx->reader);
		d = mu_pin_dialog_new(top, "Enroll EP11 card", guide, "Enroll");
		mu_pin_dialog_add(d, "label", "Card label", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin", "PIN of the new EP11 card", TRUE, NULL);
	} else if (kind == MU_CARD_JOB_CA_BACKUP) {
		guide = g_strdup_printf("The zone CA key of %s is copied, encrypted from card to "
		                        "card, to a blank card that becomes a second CA card of "
		                        "zone %s. Insert the blank card in another reader. Both "
		                        "officers enter their CA PINs, then choose the PINs of the "
		                        "backup card (each twice).",
		                        card, ctx->view->info.zone_id);
		d = mu_pin_dialog_new(top, "Back up CA card", guide, "Back up");
		add_reader_choice(d, "target-reader", "Reader of the blank card", ctx);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1 (first officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2 (second officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin1", "PIN 1 of the backup card", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin1-again", "PIN 1 of the backup card again", TRUE,
		                  NULL);
		mu_pin_dialog_add(d, "new-pin2", "PIN 2 of the backup card", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin2-again", "PIN 2 of the backup card again", TRUE,
		                  NULL);
	} else if (kind == MU_CARD_JOB_COPY) {
		guide =
		    g_strdup_printf("The signature key and every key part of %s are copied, "
		                    "encrypted from card to card, to another EP11 card of zone "
		                    "%s. Insert that card in another reader; the owners of both "
		                    "cards enter their PINs.",
		                    card, ctx->view->info.zone_id);
		d = mu_pin_dialog_new(top, "Copy card", guide, "Copy");
		add_reader_choice(d, "target-reader", "Reader of the target card", ctx);
		mu_pin_dialog_add(d, "pin", "PIN of this card", TRUE, NULL);
		mu_pin_dialog_add(d, "target-pin", "PIN of the target card", TRUE, NULL);
		mu_pin_dialog_add_confirm(d, "replace",
		                          "Replace the key parts and signature key the target card "
		                          "holds now");
	} else {
		g_autofree char *what = g_strdup_printf(
		    "%s is wiped back to blank (serial and label stay): every key, certificate, "
		    "key "
		    "part and PIN on it is erased. This cannot be undone.%s",
		    card,
		    ctx->view->info.type == MU_CARD_TYPE_CA
		        ? " Keep a backup CA card of the zone, or the zone cannot enroll cards "
		          "any more."
		        : "");
		guide = g_strdup_printf("%c%s", g_ascii_toupper(what[0]), what + 1);
		d = mu_pin_dialog_new(top, "Zeroize card", guide, "Zeroize");
		if (!ctx->view->info.blocked && ctx->view->info.type == MU_CARD_TYPE_CA) {
			mu_pin_dialog_add(d, "pin1", "CA PIN 1 (first officer)", TRUE, NULL);
			mu_pin_dialog_add(d, "pin2", "CA PIN 2 (second officer)", TRUE, NULL);
		} else if (!ctx->view->info.blocked) {
			mu_pin_dialog_add(d, "pin", "Card PIN", TRUE, NULL);
		}
		mu_pin_dialog_add_confirm(d, "confirm",
		                          "Zeroize this card: I understand it cannot be undone");
	}
	return d;
}

static MuPinDialog *key_dialog(GtkWindow *top, mu_card_job_kind kind, const mu_card_dialog_ctx *ctx,
                               const char *card, mu_card_job *job)
{
	const mu_card_info *i = &ctx->view->info;
	MuPinDialog *d = NULL;
	g_autofree char *guide = NULL;
	if (kind == MU_CARD_JOB_KEYPART) {
		guide = g_strdup_printf("A new key part is generated on the EP11 card in reader "
		                        "\"%s\".",
		                        ctx->reader);
		d = mu_pin_dialog_new(top, "Generate key part", guide, "Generate");
		mu_pin_dialog_add(d, "description", "Key part description", FALSE, NULL);
		mu_pin_dialog_add(d, "pin1", "Card PIN", TRUE, NULL);
	} else if (kind == MU_CARD_JOB_KEYPART_DELETE) {
		const mu_keypart_info *part = find_part(ctx->view, ctx->slot);
		char hex[2 * MU_VP_LEN + 1] = "";
		if (part != NULL)
			mu_vp_to_hex(part->vp, hex);
		guide =
		    g_strdup_printf("The key part in slot %d (\"%s\", VP %s) is deleted from %s. "
		                    "It cannot be recovered from this card.",
		                    ctx->slot, part != NULL ? part->desc : "", hex, card);
		d = mu_pin_dialog_new(top, "Delete key part", guide, "Delete");
		mu_pin_dialog_add(d, "pin", "Card PIN", TRUE, NULL);
		g_autofree char *confirm =
		    g_strdup_printf("Delete the key part in slot %d", ctx->slot);
		mu_pin_dialog_add_confirm(d, "confirm", confirm);
		job->slot = (unsigned)ctx->slot;
	} else if (kind == MU_CARD_JOB_SIGKEY) {
		guide = g_strdup_printf("A new administrator signature key is generated on %s. The "
		                        "name goes into the administrator certificate.",
		                        card);
		d = mu_pin_dialog_new(top, "Generate signature key", guide, "Generate");
		mu_pin_dialog_add(d, "admin-name", "Administrator name", FALSE, NULL);
		mu_pin_dialog_add(d, "pin", "Card PIN", TRUE, NULL);
		if (i->has_sigkey) {
			g_autofree char *confirm = g_strdup_printf(
			    "Replace the signature key of %s (the old key is lost)", i->admin_name);
			mu_pin_dialog_add_confirm(d, "replace", confirm);
			job->replace = TRUE;
		}
	} else if (kind == MU_CARD_JOB_CHANGE_PIN && i->type == MU_CARD_TYPE_CA) {
		guide = g_strdup_printf("An officer of %s changes their PIN: choose which, enter "
		                        "the current PIN, then the new one (6 digits) twice.",
		                        card);
		d = mu_pin_dialog_new(top, "Change PIN", guide, "Change");
		static const char *const which[] = {"PIN 1 (first officer)",
		                                    "PIN 2 (second officer)", NULL};
		mu_pin_dialog_add_choice(d, "which", "Which PIN", which, 0);
		mu_pin_dialog_add(d, "pin", "Current PIN", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin", "New PIN", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin-again", "New PIN again", TRUE, NULL);
	} else if (kind == MU_CARD_JOB_CHANGE_PIN) {
		guide = g_strdup_printf("The owner of %s changes its PIN: enter the current PIN, "
		                        "then the new one (6 digits) twice.",
		                        card);
		d = mu_pin_dialog_new(top, "Change PIN", guide, "Change");
		mu_pin_dialog_add(d, "pin", "Current PIN", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin", "New PIN", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin-again", "New PIN again", TRUE, NULL);
	} else {
		guide = g_strdup_printf("%s gets a new PIN and all its tries back%s. Insert the CA "
		                        "card of zone %s in another reader: both CA officers enter "
		                        "their PINs, then the card's owner chooses the new PIN "
		                        "(twice).",
		                        card, i->blocked ? "" : " (it is not blocked)", i->zone_id);
		guide[0] = g_ascii_toupper(guide[0]);
		d = mu_pin_dialog_new(top, "Unblock PIN", guide, "Unblock");
		add_reader_choice(d, "ca-reader", "Reader of the CA card", ctx);
		mu_pin_dialog_add(d, "pin1", "CA PIN 1 (first officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "pin2", "CA PIN 2 (second officer)", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin", "New PIN of the EP11 card", TRUE, NULL);
		mu_pin_dialog_add(d, "new-pin-again", "New PIN again", TRUE, NULL);
	}
	return d;
}

MuPinDialog *mu_card_dialog_new(GtkWindow *parent, mu_card_job_kind kind,
                                const mu_card_dialog_ctx *ctx)
{
	mu_card_job *job = mu_card_job_new(kind, ctx->reader);
	g_autofree char *card = describe(ctx);
	job->check_serial = TRUE;
	memcpy(job->serial, ctx->view->info.serial, MU_SERIAL_LEN);
	MuPinDialog *d = NULL;
	switch (kind) {
	case MU_CARD_JOB_INIT_CA:
	case MU_CARD_JOB_ENROLL:
	case MU_CARD_JOB_CA_BACKUP:
	case MU_CARD_JOB_COPY:
	case MU_CARD_JOB_ZEROIZE:
		d = personalization_dialog(parent, kind, ctx, card);
		break;
	case MU_CARD_JOB_KEYPART:
	case MU_CARD_JOB_KEYPART_DELETE:
	case MU_CARD_JOB_SIGKEY:
	case MU_CARD_JOB_CHANGE_PIN:
	case MU_CARD_JOB_UNBLOCK:
		d = key_dialog(parent, kind, ctx, card, job);
		break;
	}
	g_object_set_data_full(G_OBJECT(d), JOB_KEY, job, (GDestroyNotify)mu_card_job_free);
	return d;
}

/* Takes new PIN key and its repetition key-again (when the dialog asks
 * for it) into buf; FALSE when they differ. */
static gboolean take_new_pin(MuPinDialog *d, const char *key, char *buf, size_t cap, gboolean *fit)
{
	g_autofree char *again_key = g_strdup_printf("%s-again", key);
	*fit &= mu_pin_dialog_take_pin(d, key, buf, cap);
	if (!mu_pin_dialog_has(d, again_key))
		return TRUE;
	char again[MU_GUI_PIN_BUF];
	*fit &= mu_pin_dialog_take_pin(d, again_key, again, sizeof(again));
	gboolean same = strcmp(buf, again) == 0;
	mu_memzero(again, sizeof(again));
	return same;
}

mu_card_job *mu_card_dialog_take_job(MuPinDialog *d, gboolean ok, GError **error)
{
	mu_card_job *job = g_object_steal_data(G_OBJECT(d), JOB_KEY);
	if (job == NULL)
		return NULL;
	/* the PINs leave the entries first, whatever the answer */
	gboolean fit = TRUE;
	const char *differ = NULL;
	if (mu_pin_dialog_has(d, "pin"))
		fit &= mu_pin_dialog_take_pin(d, "pin", job->pin1, sizeof(job->pin1));
	if (mu_pin_dialog_has(d, "pin1"))
		fit &= mu_pin_dialog_take_pin(d, "pin1", job->pin1, sizeof(job->pin1));
	if (mu_pin_dialog_has(d, "pin2"))
		fit &= mu_pin_dialog_take_pin(d, "pin2", job->pin2, sizeof(job->pin2));
	if (mu_pin_dialog_has(d, "target-pin"))
		fit &= mu_pin_dialog_take_pin(d, "target-pin", job->target_pin,
		                              sizeof(job->target_pin));
	if (mu_pin_dialog_has(d, "new-pin") &&
	    !take_new_pin(d, "new-pin", job->new_pin, sizeof(job->new_pin), &fit))
		differ = "the two entries of the new PIN differ";
	if (mu_pin_dialog_has(d, "new-pin1") &&
	    !take_new_pin(d, "new-pin1", job->new_pin, sizeof(job->new_pin), &fit))
		differ = "the two entries of PIN 1 of the backup card differ";
	if (mu_pin_dialog_has(d, "new-pin2") &&
	    !take_new_pin(d, "new-pin2", job->new_pin2, sizeof(job->new_pin2), &fit))
		differ = "the two entries of PIN 2 of the backup card differ";
	if (!ok) {
		mu_card_job_free(job);
		return NULL;
	}
	if (!mu_pin_dialog_confirmed(d)) {
		mu_card_job_free(job);
		g_set_error(error, MU_GUI_ERROR, 1,
		            "nothing was done: tick the confirmation first");
		return NULL;
	}
	if (!fit || differ != NULL) {
		mu_card_job_free(job);
		if (differ != NULL)
			g_set_error(
			    error, MU_GUI_ERROR, 1,
			    "%s: nothing was sent to the card; enter the new PIN twice alike",
			    differ);
		else
			g_set_error(error, MU_GUI_ERROR, 1,
			            "a PIN is too long: PINs have 6 digits");
		return NULL;
	}
	job->root_path = mu_pin_dialog_text(d, "root");
	job->zone = mu_pin_dialog_text(d, "zone");
	job->zone_desc = mu_pin_dialog_text(d, "zone-description");
	job->label = mu_pin_dialog_text(d, "label");
	job->desc = mu_pin_dialog_text(d, "description");
	job->admin_name = mu_pin_dialog_text(d, "admin-name");
	job->which = mu_pin_dialog_choice_index(d, "which") == 1 ? 2 : 1;
	job->other_reader = mu_pin_dialog_choice(d, "ca-reader");
	if (job->other_reader == NULL)
		job->other_reader = mu_pin_dialog_choice(d, "target-reader");
	return job;
}
