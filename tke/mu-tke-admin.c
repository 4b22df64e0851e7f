/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-admin.h"

#include <stdlib.h>
#include <string.h>

#include "mu-status.h"
#include "mu-tke-error.h"
#include "mu-tke-status.h"
#include "mu-x509.h"


gboolean mu_tke_admin_block(const mu_unit_status *st, uint16_t cmd, const uint8_t *input,
                            size_t input_len, uint8_t *out, size_t cap, size_t *len, GError **error)
{
	mu_admin_block b;
	memset(&b, 0, sizeof(b));
	b.cmd = cmd;
	b.domain = st->domain;
	memcpy(b.module_id, st->module_id, MU_UNIT_MODULE_ID_LEN);
	b.counter = st->counter;
	b.input = input;
	b.input_len = input_len;
	int rc = mu_admin_block_encode(&b, out, cap, len);
	if (rc != MU_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "cannot build the admin block: %s (the input is %zu bytes, at most %u "
		            "fit)",
		            mu_strerror(rc), input_len, MU_ADMIN_INPUT_MAX);
		return FALSE;
	}
	return TRUE;
}

mu_tke_reply *mu_tke_admin_send(mu_tke_client *c, const uint8_t *block, size_t block_len,
                                const mu_admin_sig *sigs, size_t nsigs,
                                mu_unit_admin_result *result, GError **error)
{
	mu_unit_request req;
	size_t len = 0;
	if (nsigs > MU_UNIT_ADMINS_MAX) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "at most %u signatures ride one admin command", MU_UNIT_ADMINS_MAX);
		return NULL;
	}
	memset(&req, 0, sizeof(req));
	req.op = MU_UNIT_OP_ADMIN;
	req.cmd.block = block;
	req.cmd.block_len = block_len;
	req.cmd.nsigs = nsigs;
	for (size_t i = 0; i < nsigs; i++)
		req.cmd.sigs[i] = sigs[i];
	mu_tke_reply *reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return NULL;
	const uint8_t *body = mu_tke_reply_body(reply, &len);
	if (mu_unit_admin_result_parse(body, len, result) != MU_OK) {
		mu_tke_client_body_error(c, "ADMIN", error);
		mu_tke_reply_free(&reply);
		return NULL;
	}
	return reply;
}

GBytes *mu_tke_admin_cert_load(const char *path, mu_admin_cert_info *info, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "cannot read the admin certificate: %s", e->message);
		g_error_free(e);
		return NULL;
	}
	uint8_t *der = NULL;
	size_t n = 0;
	if (mu_x509_from_pem_or_der((const uint8_t *)data, len, &der, &n) != MU_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "%s is not an X.509 certificate (PEM or DER)", path);
		return NULL;
	}
	GBytes *bytes = g_bytes_new(der, n);
	free(der);
	int rc =
	    mu_admin_cert_check(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), info, NULL);
	if (rc != MU_OK) {
		g_bytes_unref(bytes);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_INPUT,
		            "%s is not an admin certificate: it must be self-signed with ECDSA "
		            "P-521/SHA-512 and have a CN of 1 to 64 bytes, at most %u bytes DER "
		            "(%s)",
		            path, MU_UNIT_CERT_MAX, mu_strerror(rc));
		return NULL;
	}
	return bytes;
}

gboolean mu_tke_admin_add_imprint(mu_tke_client *c, const uint8_t *cert_der, size_t len,
                                  uint64_t *counter, GError **error)
{
	mu_unit_status st;
	mu_unit_admin_result res;
	uint8_t block[MU_UNIT_BLOCK_MAX];
	size_t block_len = 0;
	const char *name = mu_tke_client_unit(c)->name;
	if (!mu_tke_status_fetch(c, &st, error))
		return FALSE;
	if (!st.imprint) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_STATE,
		            "unit %s is not in imprint mode (signature threshold %u, %zu admins): "
		            "an admin can only be added with %u signature(s) of installed admins, "
		            "not in this unsigned form",
		            name, (unsigned)st.sig_threshold, st.nadmins,
		            (unsigned)st.sig_threshold);
		return FALSE;
	}
	if (!mu_tke_admin_block(&st, MU_UNIT_CMD_ADD_ADMIN, cert_der, len, block, sizeof(block),
	                        &block_len, error))
		return FALSE;
	g_autoptr(mu_tke_reply) reply =
	    mu_tke_admin_send(c, block, block_len, NULL, 0, &res, error);
	if (reply == NULL)
		return FALSE;
	if (counter != NULL)
		*counter = res.counter;
	return TRUE;
}
