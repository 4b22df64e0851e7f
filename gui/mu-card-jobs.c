/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-card-jobs.h"
#include "mu-card-jobs-priv.h"

#include <stdlib.h>
#include <string.h>

#include "mu-gui-util.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-vp.h"
#include "mu-x509.h"

void mu_card_view_free(mu_card_view *v)
{
	if (v == NULL)
		return;
	g_free(v->reader);
	free(v->parts);
	g_free(v);
}

static void read_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	const char *reader = data;
	GError *error = NULL;
	mu_backend *b = mu_gui_backend_open(&error);
	if (b == NULL) {
		g_task_return_error(task, error);
		return;
	}
	mu_card *c = NULL;
	mu_card_view *v = g_new0(mu_card_view, 1);
	v->reader = g_strdup(reader);
	int st = mu_card_open(b, reader, &c);
	if (st == MU_SC_OK)
		st = mu_card_info_get(c, &v->info);
	if (st == MU_SC_OK && v->info.type == MU_CARD_TYPE_EP11)
		st = mu_card_keypart_list(c, &v->parts, &v->nparts);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "reading the card", &error);
		mu_card_view_free(v);
		g_task_return_error(task, error);
	} else {
		g_task_return_pointer(task, v, (GDestroyNotify)mu_card_view_free);
	}
	mu_card_free(&c);
	mu_backend_free(&b);
}

void mu_card_read_async(const char *reader, GCancellable *cancel, GAsyncReadyCallback cb,
                        gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, user_data);
	g_task_set_task_data(task, g_strdup(reader), g_free);
	g_task_run_in_thread(task, read_thread);
}

mu_card_view *mu_card_read_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

mu_card_job *mu_card_job_new(mu_card_job_kind kind, const char *reader)
{
	mu_card_job *j = g_new0(mu_card_job, 1);
	j->kind = kind;
	j->reader = g_strdup(reader);
	return j;
}

void mu_card_job_wipe_pins(mu_card_job *j)
{
	mu_memzero(j->pin1, sizeof(j->pin1));
	mu_memzero(j->pin2, sizeof(j->pin2));
	mu_memzero(j->new_pin, sizeof(j->new_pin));
	mu_memzero(j->new_pin2, sizeof(j->new_pin2));
	mu_memzero(j->target_pin, sizeof(j->target_pin));
}

void mu_card_job_free(mu_card_job *j)
{
	if (j == NULL)
		return;
	mu_card_job_wipe_pins(j);
	g_free(j->reader);
	g_free(j->other_reader);
	g_free(j->admin_name);
	g_free(j->root_path);
	g_free(j->zone);
	g_free(j->zone_desc);
	g_free(j->label);
	g_free(j->desc);
	g_free(j);
}

mu_card *mu_card_job_open(mu_backend *b, const char *reader, int type, const char *want,
                          mu_card_info *info, GError **error)
{
	mu_card *c = NULL;
	int st = mu_card_open(b, reader, &c);
	if (st == MU_SC_OK)
		st = mu_card_info_get(c, info);
	if (st != MU_SC_OK) {
		g_autofree char *what = g_strdup_printf("reader \"%s\"", reader);
		mu_gui_sc_error(st, c, what, error);
		mu_card_free(&c);
		return NULL;
	}
	if (type >= 0 && info->type != type) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "reader \"%s\" holds a %s card: insert %s there", reader,
		            mu_card_type_name(info->type), want);
		mu_card_free(&c);
		return NULL;
	}
	return c;
}

mu_card *mu_card_job_open_own(mu_backend *b, const mu_card_job *j, int type, const char *want,
                              mu_card_info *info, GError **error)
{
	mu_card *c = mu_card_job_open(b, j->reader, type, want, info, error);
	if (c != NULL && j->check_serial && memcmp(info->serial, j->serial, MU_SERIAL_LEN) != 0) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "the card in reader \"%s\" is not the one shown (it was swapped): "
		            "check the card and try again",
		            j->reader);
		mu_card_free(&c);
	}
	return c;
}

gboolean mu_card_job_verify(mu_card *c, int which, const char *pin, const char *what,
                            GError **error)
{
	int st = mu_card_verify(c, which, pin);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, what, error);
		return FALSE;
	}
	return TRUE;
}

/* The manufacturer root certificate as DER, from a PEM or DER file. */
static GBytes *read_root(const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, error)) {
		g_prefix_error(error, "the manufacturer root certificate: ");
		return NULL;
	}
	uint8_t *der = NULL;
	size_t der_len = 0;
	if (mu_x509_from_pem_or_der((const uint8_t *)data, len, &der, &der_len) != MU_OK) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "%s is not a certificate (PEM or DER): choose the manufacturer root "
		            "certificate file",
		            path);
		return NULL;
	}
	GBytes *b = g_bytes_new(der, der_len);
	free(der);
	return b;
}

static char *do_init_ca(mu_backend *b, mu_card_job *j, GError **error)
{
	if (j->zone == NULL || *j->zone == '\0') {
		g_set_error(error, MU_GUI_ERROR, 1, "give the zone id of the new CA card");
		return NULL;
	}
	g_autoptr(GBytes) root = read_root(j->root_path != NULL ? j->root_path : "", error);
	if (root == NULL)
		return NULL;
	mu_card_info info;
	mu_card *c = mu_card_job_open_own(b, j, MU_CARD_TYPE_BLANK, "a blank card", &info, error);
	if (c == NULL)
		return NULL;
	gsize len = 0;
	const uint8_t *der = g_bytes_get_data(root, &len);
	uint8_t fpr[32];
	int st = mu_card_init_ca(c, j->zone, j->zone_desc != NULL ? j->zone_desc : "", der, len,
	                         j->pin1, j->pin2, j->label != NULL ? j->label : "", fpr);
	char *msg = NULL;
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, c, "creating the CA card", error);
	} else {
		g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(sum, der, len);
		msg =
		    g_strdup_printf("CA card of zone %s created in reader \"%s\". Root SHA-256 %s: "
		                    "compare it with the published one.",
		                    j->zone, j->reader, g_checksum_get_string(sum));
	}
	mu_card_free(&c);
	return msg;
}

/* Whether the card in reader is an OpenMU card of type. */
static mu_card *open_if(mu_backend *b, const char *reader, int type, mu_card_info *info)
{
	mu_card *c = NULL;
	if (mu_card_open(b, reader, &c) == MU_SC_OK && mu_card_info_get(c, info) == MU_SC_OK &&
	    info->type == type)
		return c;
	mu_card_free(&c);
	return NULL;
}

mu_card *mu_card_job_other(mu_backend *b, const mu_card_job *j, int type, const char *want,
                           gboolean unique, char **reader, mu_card_info *info, GError **error)
{
	if (j->other_reader != NULL && *j->other_reader != '\0') {
		if (strcmp(j->other_reader, j->reader) == 0) {
			g_set_error(error, MU_GUI_ERROR, 1,
			            "choose another reader than \"%s\" for %s", j->reader, want);
			return NULL;
		}
		mu_card *c = mu_card_job_open(b, j->other_reader, type, want, info, error);
		if (c != NULL)
			*reader = g_strdup(j->other_reader);
		return c;
	}
	mu_reader_info *list = NULL;
	size_t n = 0;
	int st = mu_backend_list(b, &list, &n);
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, NULL, "listing readers", error);
		return NULL;
	}
	mu_card *found = NULL;
	mu_card_info found_info;
	size_t found_at = 0;
	gboolean several = FALSE;
	for (size_t i = 0; i < n && !several; i++) {
		if (!list[i].card_present || strcmp(list[i].name, j->reader) == 0)
			continue;
		mu_card_info ci;
		mu_card *c = open_if(b, list[i].name, type, &ci);
		if (c == NULL)
			continue;
		if (found != NULL) {
			g_set_error(error, MU_GUI_ERROR, 1,
			            "readers \"%s\" and \"%s\" both hold a %s card: choose the "
			            "reader of %s",
			            list[found_at].name, list[i].name, mu_card_type_name(type),
			            want);
			mu_card_free(&c);
			mu_card_free(&found);
			several = TRUE;
		} else {
			found = c;
			found_info = ci;
			found_at = i;
			if (!unique)
				break;
		}
	}
	if (found != NULL) {
		*reader = g_strdup(list[found_at].name);
		*info = found_info;
	} else if (!several) {
		g_set_error(error, MU_GUI_ERROR, 1,
		            "no %s card in the other readers: insert %s in another reader "
		            "(the card in \"%s\" stays where it is)",
		            mu_card_type_name(type), want, j->reader);
	}
	mu_reader_info_free(list, n);
	return found;
}

static char *do_enroll(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info, ca_info;
	g_autofree char *ca_reader = NULL;
	char *msg = NULL;
	int st;
	mu_card *ca = NULL;
	mu_card *blank = mu_card_job_open_own(b, j, MU_CARD_TYPE_BLANK, "the blank card to enroll",
	                                      &info, error);
	if (blank == NULL)
		goto out;
	ca = mu_card_job_other(b, j, MU_CARD_TYPE_CA, "the zone's CA card", FALSE, &ca_reader,
	                       &ca_info, error);
	if (ca == NULL || !mu_card_job_verify(ca, 1, j->pin1, "CA PIN 1", error) ||
	    !mu_card_job_verify(ca, 2, j->pin2, "CA PIN 2", error))
		goto out;
	st = mu_card_enroll(blank, ca, j->new_pin, j->label != NULL ? j->label : "");
	if (st != MU_SC_OK) {
		mu_gui_sc_error(st, blank, "enrolling the EP11 card", error);
		goto out;
	}
	msg = g_strdup_printf("EP11 card enrolled in reader \"%s\" by the CA card in \"%s\".",
	                      j->reader, ca_reader);
out:
	mu_card_free(&ca);
	mu_card_free(&blank);
	return msg;
}

static char *do_keypart(mu_backend *b, mu_card_job *j, GError **error)
{
	mu_card_info info;
	mu_card *c = mu_card_job_open_own(b, j, MU_CARD_TYPE_EP11, "an EP11 card", &info, error);
	if (c == NULL)
		return NULL;
	char *msg = NULL;
	unsigned slot = 0;
	uint8_t vp[MU_VP_LEN];
	if (mu_card_job_verify(c, 1, j->pin1, "PIN", error)) {
		int st = mu_card_keypart_gen(c, j->desc != NULL ? j->desc : "", &slot, vp);
		if (st != MU_SC_OK) {
			mu_gui_sc_error(st, c, "generating the key part", error);
		} else {
			char hex[2 * MU_VP_LEN + 1];
			mu_vp_to_hex(vp, hex);
			msg = g_strdup_printf(
			    "Key part generated in slot %u; verification pattern %s.", slot, hex);
		}
	}
	mu_card_free(&c);
	return msg;
}

static void job_thread(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
	mu_card_job *j = data;
	GError *error = NULL;
	mu_backend *b = mu_gui_backend_open(&error);
	char *msg = NULL;
	if (b != NULL) {
		switch (j->kind) {
		case MU_CARD_JOB_INIT_CA:
			msg = do_init_ca(b, j, &error);
			break;
		case MU_CARD_JOB_ENROLL:
			msg = do_enroll(b, j, &error);
			break;
		case MU_CARD_JOB_KEYPART:
			msg = do_keypart(b, j, &error);
			break;
		default:
			msg = mu_card_job_run_admin(b, j, &error);
			break;
		}
	}
	/* the PINs are no longer needed */
	mu_card_job_wipe_pins(j);
	mu_backend_free(&b);
	if (msg != NULL)
		g_task_return_pointer(task, msg, g_free);
	else
		g_task_return_error(task, error);
}

void mu_card_job_run_async(mu_card_job *job, GCancellable *cancel, GAsyncReadyCallback cb,
                           gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancel, cb, user_data);
	g_task_set_task_data(task, job, (GDestroyNotify)mu_card_job_free);
	g_task_run_in_thread(task, job_thread);
}

char *mu_card_job_run_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}
