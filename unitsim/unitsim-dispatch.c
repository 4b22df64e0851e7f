/* SPDX-License-Identifier: Apache-2.0 */
#include "unitsim-dispatch.h"

#include <stdlib.h>
#include <string.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "mu-unit-fields.h"
#include "mu-unit-msg.h"

/* An A0 TLV holds at most 65535 bytes; a response adds its signature. */
#define BODY_MAX 60000u
#define RESP_MAX (MU_TLV_MAX_LEN + 4u + 2u + MU_UNIT_SIG_MAX)

typedef struct reply {
	uint8_t *body; /* BODY_MAX bytes */
	mu_tlv_writer w;
} reply;

static int sign_response(unitsim_unit_ctx *u, uint8_t op, const uint8_t hash[MU_UNIT_HASH_LEN],
                         int status, const uint8_t *body, size_t body_len, uint8_t **resp,
                         size_t *resp_len)
{
	unitsim_identity id;
	mu_unit_response r;
	memset(&r, 0, sizeof(r));
	unitsim_domain_identity(u->domain, &id);
	r.op = op;
	memcpy(r.module_id, id.module_id, MU_UNIT_MODULE_ID_LEN);
	r.domain = id.domain;
	memcpy(r.req_hash, hash, MU_UNIT_HASH_LEN);
	r.status = status;
	if (status != MU_OK) {
		const char *msg = mu_unit_strerror(status);
		r.message.p = (const uint8_t *)msg;
		r.message.len =
		    strlen(msg) > MU_UNIT_MESSAGE_MAX ? MU_UNIT_MESSAGE_MAX : strlen(msg);
	} else {
		r.body.p = body;
		r.body.len = body_len;
	}
	uint8_t *out = malloc(RESP_MAX);
	if (out == NULL)
		return MU_ERR_NOMEM;
	int rc = mu_unit_response_encode(&r, u->oa_key, out, RESP_MAX, resp_len);
	if (rc != MU_OK) {
		free(out);
		return rc;
	}
	*resp = out;
	return MU_OK;
}

int unitsim_dispatch_error(unitsim_unit_ctx *u, int status, uint8_t **resp, size_t *resp_len)
{
	static const uint8_t zero[MU_UNIT_HASH_LEN];
	return sign_response(u, 0, zero, status, NULL, 0, resp, resp_len);
}

/* Runs op on a copy of the domain; the copy replaces the domain only once
 * it has been persisted. */
typedef int (*mutate_fn)(unitsim_domain *d, const mu_unit_request *req, reply *out);

static int commit_change(unitsim_unit_ctx *u, const mu_unit_request *req, reply *out, mutate_fn fn)
{
	unitsim_domain *next = unitsim_domain_clone(u->domain);
	if (next == NULL)
		return MU_ERR_NOMEM;
	int rc = fn(next, req, out);
	if (rc == MU_OK && u->persist != NULL && u->persist(u->persist_user, next) != 0)
		rc = MU_UNIT_ERR_PERSIST;
	if (rc != MU_OK) {
		unitsim_domain_free(&next);
		return rc;
	}
	unitsim_domain_free(&u->domain);
	u->domain = next;
	return MU_OK;
}

static int do_admin(unitsim_domain *d, const mu_unit_request *req, reply *out)
{
	unitsim_admin_out *ao = malloc(sizeof(*ao));
	if (ao == NULL)
		return MU_ERR_NOMEM;
	int rc = unitsim_domain_admin(d, &req->cmd, ao);
	if (rc == MU_OK)
		mu_unit_admin_result_encode(&ao->res, &out->w);
	free(ao);
	return rc;
}

static int do_key_create(unitsim_domain *d, const mu_unit_request *req, reply *out)
{
	mu_unit_key_entry e;
	int rc = unitsim_domain_key_create(d, req->label.p, req->label.len, &e);
	if (rc == MU_OK)
		mu_unit_key_created_encode(&e, &out->w);
	return rc;
}

static int do_key_delete(unitsim_domain *d, const mu_unit_request *req, reply *out)
{
	return unitsim_domain_key_delete(d, req->handle);
}

static int do_key_list(const unitsim_domain *d, const mu_unit_request *req, reply *out)
{
	uint8_t b[4];
	int rc = unitsim_domain_service_ready(d);
	if (rc != MU_OK)
		return rc;
	size_t count = unitsim_domain_key_count(d);
	mu_unit_put_be32(b, (uint32_t)count);
	mu_tlv_put(&out->w, MU_UNIT_TAG_KEY_COUNT, b, 4);
	size_t end = (size_t)req->offset + req->limit;
	for (size_t i = req->offset; i < count && i < end; i++) {
		mu_unit_key_entry e;
		rc = unitsim_domain_key_at(d, i, &e);
		if (rc != MU_OK)
			return rc;
		mu_unit_key_entry_encode(&e, &out->w);
	}
	if (end < count) {
		mu_unit_put_be32(b, (uint32_t)end);
		mu_tlv_put(&out->w, MU_UNIT_TAG_NEXT, b, 4);
	}
	return MU_OK;
}

static int do_key_wrap(const unitsim_domain *d, const mu_unit_request *req, reply *out, bool wrap)
{
	size_t cap = MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN;
	uint8_t *buf = malloc(cap);
	size_t n = 0;
	if (buf == NULL)
		return MU_ERR_NOMEM;
	int rc =
	    wrap ? unitsim_domain_key_wrap(d, req->handle, req->data.p, req->data.len, buf, cap, &n)
	         : unitsim_domain_key_unwrap(d, req->handle, req->data.p, req->data.len, buf, cap,
	                                     &n);
	if (rc == MU_OK)
		mu_tlv_put(&out->w, wrap ? MU_UNIT_TAG_BLOB : MU_UNIT_TAG_DATA, buf, n);
	mu_memzero(buf, cap);
	free(buf);
	return rc;
}

static int run(unitsim_unit_ctx *u, const mu_unit_request *req, reply *out)
{
	const unitsim_domain *d = u->domain;
	if (mu_unit_op_is_service(req->op) &&
	    !unitsim_domain_token_ok(d, req->token.p, req->token.len))
		return MU_UNIT_ERR_TOKEN;
	switch (req->op) {
	case MU_UNIT_OP_INFO: {
		unitsim_identity id;
		mu_unit_info info;
		memset(&info, 0, sizeof(info));
		unitsim_domain_identity(d, &id);
		memcpy(info.name, id.name, sizeof(info.name));
		memcpy(info.module_id, id.module_id, MU_UNIT_MODULE_ID_LEN);
		info.domain = id.domain;
		info.role = id.role;
		info.oa_cert.p = u->oa_cert;
		info.oa_cert.len = u->oa_cert_len;
		mu_unit_info_encode(&info, &out->w);
		return MU_OK;
	}
	case MU_UNIT_OP_STATUS: {
		mu_unit_status st;
		unitsim_domain_status(d, &st);
		mu_unit_status_encode(&st, &out->w);
		return MU_OK;
	}
	case MU_UNIT_OP_ADMIN:
		return commit_change(u, req, out, do_admin);
	case MU_UNIT_OP_KEY_CREATE:
		return commit_change(u, req, out, do_key_create);
	case MU_UNIT_OP_KEY_LIST:
		return do_key_list(d, req, out);
	case MU_UNIT_OP_KEY_WRAP:
		return do_key_wrap(d, req, out, true);
	case MU_UNIT_OP_KEY_UNWRAP:
		return do_key_wrap(d, req, out, false);
	case MU_UNIT_OP_KEY_DELETE:
		return commit_change(u, req, out, do_key_delete);
	default:
		return MU_UNIT_ERR_UNKNOWN_OP;
	}
}

int unitsim_dispatch(unitsim_unit_ctx *u, const uint8_t *req, size_t len, uint8_t **resp,
                     size_t *resp_len)
{
	uint8_t hash[MU_UNIT_HASH_LEN];
	mu_unit_request r;
	reply out;
	size_t body_len = 0;
	if (u == NULL || u->domain == NULL || u->oa_key == NULL || resp == NULL || resp_len == NULL)
		return MU_ERR_ARG;
	int rc = mu_unit_request_hash(req, len, hash);
	if (rc != MU_OK)
		return rc;
	out.body = malloc(BODY_MAX);
	if (out.body == NULL)
		return MU_ERR_NOMEM;
	mu_tlv_writer_init(&out.w, out.body, BODY_MAX);
	memset(&r, 0, sizeof(r));
	rc = mu_unit_request_parse(req, len, &r);
	if (rc == MU_OK)
		rc = run(u, &r, &out);
	if (rc == MU_OK && mu_tlv_writer_finish(&out.w, &body_len) != MU_OK)
		rc = MU_UNIT_ERR_INTERNAL;
	if (rc < -255 || rc > 0)
		rc = MU_UNIT_ERR_INTERNAL;
	rc = sign_response(u, r.op, hash, rc, out.body, body_len, resp, resp_len);
	mu_memzero(out.body, BODY_MAX);
	free(out.body);
	return rc;
}
