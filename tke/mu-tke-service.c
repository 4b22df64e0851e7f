/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-service.h"

#include <string.h>

#include "mu-status.h"
#include "mu-tke-error.h"
#include "mu-unit-proto.h"

#define TOKEN_FILE_MAX 256

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

mu_secret *mu_tke_token_load(const char *path, GError **error)
{
	char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (path == NULL || path[0] == '\0') {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TOKEN,
		            "no service token: pass --token FILE or set OPENMU_UNIT_TOKEN to the "
		            "token file of the unit (openmu-unitsim init writes "
		            "D/units/NAME/service-token)");
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &e)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TOKEN,
		            "cannot read the service token file: %s", e->message);
		g_error_free(e);
		return NULL;
	}
	/* 64 hex digits, then at most a line end */
	size_t n = len;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	mu_secret *tok = NULL;
	if (len <= TOKEN_FILE_MAX && n == 2 * MU_UNIT_TOKEN_LEN &&
	    (tok = mu_secret_new(MU_UNIT_TOKEN_LEN)) != NULL) {
		for (size_t i = 0; i < MU_UNIT_TOKEN_LEN && tok != NULL; i++) {
			int hi = hex_value(data[2 * i]);
			int lo = hex_value(data[2 * i + 1]);
			if (hi < 0 || lo < 0)
				mu_secret_free(&tok);
			else
				tok->data[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	mu_memzero(data, len);
	g_free(data);
	if (tok == NULL)
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TOKEN,
		            "%s is not a service token file (64 hex digits and a line end, as "
		            "openmu-unitsim init writes D/units/NAME/service-token)",
		            path);
	return tok;
}

static void request_init(mu_unit_request *req, uint8_t op, const mu_secret *token)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->token.p = token != NULL ? token->data : NULL;
	req->token.len = token != NULL ? token->len : 0;
}

static gboolean check_token(const mu_secret *token, GError **error)
{
	if (token == NULL || token->len != MU_UNIT_TOKEN_LEN) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TOKEN,
		            "no service token: pass --token FILE or set OPENMU_UNIT_TOKEN");
		return FALSE;
	}
	return TRUE;
}

gboolean mu_tke_key_create(mu_tke_client *c, const mu_secret *token, const char *label,
                           mu_unit_key_entry *out, GError **error)
{
	mu_unit_request req;
	mu_unit_key_entry e;
	size_t len = 0;
	size_t llen = label != NULL ? strlen(label) : 0;
	if (!check_token(token, error))
		return FALSE;
	if (llen > MU_UNIT_LABEL_MAX || (llen > 0 && !g_utf8_validate(label, (gssize)llen, NULL))) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "a key label is UTF-8 text of at most %u bytes", MU_UNIT_LABEL_MAX);
		return FALSE;
	}
	request_init(&req, MU_UNIT_OP_KEY_CREATE, token);
	req.label.p = (const uint8_t *)label;
	req.label.len = llen;
	g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return FALSE;
	const uint8_t *body = mu_tke_reply_body(reply, &len);
	if (mu_unit_key_created_parse(body, len, &e) != MU_OK) {
		mu_tke_client_body_error(c, "KEY CREATE", error);
		return FALSE;
	}
	*out = e;
	return TRUE;
}

static int append_entry(const mu_unit_key_entry *e, void *user)
{
	GArray *a = user;
	if (a->len > 0 && g_array_index(a, mu_unit_key_entry, a->len - 1).handle >= e->handle)
		return MU_ERR_MALFORMED; /* handle order, no repeats */
	g_array_append_val(a, *e);
	return 0;
}

GArray *mu_tke_key_list(mu_tke_client *c, const mu_secret *token, GError **error)
{
	g_autoptr(GArray) all = g_array_new(FALSE, TRUE, sizeof(mu_unit_key_entry));
	uint32_t offset = 0;
	if (!check_token(token, error))
		return NULL;
	for (;;) {
		mu_unit_request req;
		uint32_t total = 0, next = 0;
		bool has_next = false;
		size_t len = 0;
		guint before = all->len;
		request_init(&req, MU_UNIT_OP_KEY_LIST, token);
		req.offset = offset;
		req.limit = MU_UNIT_LIST_MAX;
		g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
		if (reply == NULL)
			return NULL;
		const uint8_t *body = mu_tke_reply_body(reply, &len);
		if (mu_unit_key_list_parse(body, len, &total, &has_next, &next, append_entry,
		                           all) != MU_OK) {
			mu_tke_client_body_error(c, "KEY LIST", error);
			return NULL;
		}
		/* each page must move forward, or a unit could keep us here */
		if (!has_next)
			break;
		if (all->len == before || next <= offset || all->len > MU_UNIT_KEYS_MAX) {
			mu_tke_client_body_error(c, "KEY LIST", error);
			return NULL;
		}
		offset = next;
	}
	return g_steal_pointer(&all);
}

GBytes *mu_tke_key_wrap(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                        const uint8_t *data, size_t len, GError **error)
{
	mu_unit_request req;
	mu_unit_bytes blob;
	size_t blen = 0;
	if (!check_token(token, error))
		return NULL;
	if (len > MU_UNIT_DATA_MAX) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "at most %u bytes can be wrapped at once (%zu given)", MU_UNIT_DATA_MAX,
		            len);
		return NULL;
	}
	request_init(&req, MU_UNIT_OP_KEY_WRAP, token);
	req.handle = handle;
	req.data.p = data;
	req.data.len = len;
	g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return NULL;
	const uint8_t *body = mu_tke_reply_body(reply, &blen);
	if (mu_unit_body_single_parse(
	        body, blen, MU_UNIT_TAG_BLOB,
	        MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN, &blob) != MU_OK ||
	    blob.len != len + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN) {
		mu_tke_client_body_error(c, "KEY WRAP", error);
		return NULL;
	}
	return g_bytes_new(blob.p, blob.len);
}

mu_secret *mu_tke_key_unwrap(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                             const uint8_t *blob, size_t len, GError **error)
{
	mu_unit_request req;
	mu_unit_bytes data;
	size_t blen = 0;
	if (!check_token(token, error))
		return NULL;
	if (len < MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN ||
	    len > MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "a wrapped blob is %u to %u bytes (%zu given): is it really the output "
		            "of key wrap?",
		            MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN,
		            MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN, len);
		return NULL;
	}
	request_init(&req, MU_UNIT_OP_KEY_UNWRAP, token);
	req.handle = handle;
	req.data.p = blob;
	req.data.len = len;
	g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return NULL;
	const uint8_t *body = mu_tke_reply_body(reply, &blen);
	if (mu_unit_body_single_parse(body, blen, MU_UNIT_TAG_DATA, MU_UNIT_DATA_MAX, &data) !=
	        MU_OK ||
	    data.len != len - MU_UNIT_GCM_NONCE_LEN - MU_UNIT_GCM_TAG_LEN) {
		mu_tke_client_body_error(c, "KEY UNWRAP", error);
		return NULL;
	}
	/* mu_secret_new(0) may return NULL: keep one byte, report len 0 */
	mu_secret *out = mu_secret_new(data.len > 0 ? data.len : 1);
	if (out == NULL) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG, "out of memory");
		return NULL;
	}
	if (data.len > 0)
		memcpy(out->data, data.p, data.len);
	out->len = data.len;
	return out;
}

gboolean mu_tke_key_delete(mu_tke_client *c, const mu_secret *token, uint32_t handle,
                           GError **error)
{
	mu_unit_request req;
	size_t len = 0;
	if (!check_token(token, error))
		return FALSE;
	request_init(&req, MU_UNIT_OP_KEY_DELETE, token);
	req.handle = handle;
	g_autoptr(mu_tke_reply) reply = mu_tke_client_call(c, &req, error);
	if (reply == NULL)
		return FALSE;
	(void)mu_tke_reply_body(reply, &len);
	if (len != 0) {
		mu_tke_client_body_error(c, "KEY DELETE", error);
		return FALSE;
	}
	return TRUE;
}
