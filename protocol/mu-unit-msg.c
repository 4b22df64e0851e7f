/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-msg.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mu-status.h"
#include "mu-unit-fields.h"
#include "mu-unit-crypto.h"

void mu_unit_frame_header(size_t payload_len, uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN])
{
	mu_unit_put_be32(hdr, (uint32_t)payload_len);
}

int mu_unit_frame_parse(const uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN], size_t *payload_len)
{
	uint32_t n = mu_unit_get_be32(hdr);
	if (n == 0 || n > MU_UNIT_FRAME_MAX)
		return MU_UNIT_ERR_FRAME;
	*payload_len = n;
	return MU_OK;
}

bool mu_unit_op_is_service(uint8_t op)
{
	return op >= MU_UNIT_OP_KEY_CREATE && op <= MU_UNIT_OP_KEY_DELETE;
}

static bool op_known(uint8_t op)
{
	return op == MU_UNIT_OP_INFO || op == MU_UNIT_OP_STATUS || op == MU_UNIT_OP_ADMIN ||
	       mu_unit_op_is_service(op);
}

static void put_u32(mu_tlv_writer *w, uint32_t tag, uint32_t v)
{
	uint8_t b[4];
	mu_unit_put_be32(b, v);
	mu_tlv_put(w, tag, b, sizeof(b));
}

int mu_unit_request_encode(const mu_unit_request *req, uint8_t *out, size_t cap, size_t *len)
{
	if (req == NULL || out == NULL || len == NULL)
		return MU_ERR_ARG;
	if (!op_known(req->op))
		return MU_UNIT_ERR_UNKNOWN_OP;
	mu_tlv_writer w;
	mu_tlv_writer_init(&w, out, cap);
	mu_tlv_put_u8(&w, MU_UNIT_TAG_VERSION, MU_UNIT_PROTO_VERSION);
	mu_tlv_put_u8(&w, MU_UNIT_TAG_OP, req->op);
	mu_tlv_put(&w, MU_UNIT_TAG_NONCE, req->nonce, MU_UNIT_NONCE_LEN);
	if (mu_unit_op_is_service(req->op) && req->token.len > 0) {
		if (req->token.p == NULL || req->token.len != MU_UNIT_TOKEN_LEN)
			return MU_ERR_ARG;
		mu_tlv_put(&w, MU_UNIT_TAG_TOKEN, req->token.p, req->token.len);
	}
	switch (req->op) {
	case MU_UNIT_OP_ADMIN: {
		int rc = mu_admin_cmd_encode(&req->cmd, &w);
		if (rc != MU_OK)
			return rc;
		break;
	}
	case MU_UNIT_OP_KEY_CREATE:
		if (req->label.len > MU_UNIT_LABEL_MAX ||
		    !mu_unit_utf8_ok(req->label.p, req->label.len))
			return MU_ERR_ARG;
		if (req->label.len > 0)
			mu_tlv_put(&w, MU_UNIT_TAG_LABEL, req->label.p, req->label.len);
		break;
	case MU_UNIT_OP_KEY_LIST: {
		uint8_t b[2];
		if (req->limit == 0 || req->limit > MU_UNIT_LIST_MAX)
			return MU_ERR_ARG;
		put_u32(&w, MU_UNIT_TAG_OFFSET, req->offset);
		mu_unit_put_be16(b, req->limit);
		mu_tlv_put(&w, MU_UNIT_TAG_LIMIT, b, 2);
		break;
	}
	case MU_UNIT_OP_KEY_WRAP:
		if (req->data.len > MU_UNIT_DATA_MAX || (req->data.p == NULL && req->data.len > 0))
			return MU_ERR_ARG;
		put_u32(&w, MU_UNIT_TAG_HANDLE, req->handle);
		mu_tlv_put(&w, MU_UNIT_TAG_DATA, req->data.p, req->data.len);
		break;
	case MU_UNIT_OP_KEY_UNWRAP:
		if (req->data.p == NULL ||
		    req->data.len < MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN ||
		    req->data.len > MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN)
			return MU_ERR_ARG;
		put_u32(&w, MU_UNIT_TAG_HANDLE, req->handle);
		mu_tlv_put(&w, MU_UNIT_TAG_BLOB, req->data.p, req->data.len);
		break;
	case MU_UNIT_OP_KEY_DELETE:
		put_u32(&w, MU_UNIT_TAG_HANDLE, req->handle);
		break;
	default:
		break;
	}
	return mu_tlv_writer_finish(&w, len);
}

int mu_unit_request_parse(const uint8_t *buf, size_t len, mu_unit_request *out)
{
	mu_unit_fields f;
	mu_tlv t;
	mu_unit_request r;
	uint8_t version;
	memset(&r, 0, sizeof(r));
	if (buf == NULL || len == 0)
		return MU_ERR_MALFORMED;
	if (len > MU_UNIT_FRAME_MAX)
		return MU_ERR_TOO_LONG;
	mu_unit_fields_init(&f, buf, len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_VERSION, &version) != MU_OK ||
	    version != MU_UNIT_PROTO_VERSION ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_OP, &r.op) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_NONCE, r.nonce, MU_UNIT_NONCE_LEN) != MU_OK)
		return MU_ERR_MALFORMED;
	if (!op_known(r.op)) {
		out->op = r.op;
		return MU_UNIT_ERR_UNKNOWN_OP;
	}
	if (mu_unit_op_is_service(r.op)) {
		/* a missing token is a token error, not a format error */
		int rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_TOKEN, MU_UNIT_TOKEN_LEN,
		                            MU_UNIT_TOKEN_LEN, &t);
		if (rc < 0)
			return MU_ERR_MALFORMED;
		if (rc == 1) {
			r.token.p = t.value;
			r.token.len = t.len;
		}
	}
	switch (r.op) {
	case MU_UNIT_OP_ADMIN:
		if (mu_unit_fields_take(&f, MU_UNIT_TAG_ADMIN_CMD, 1, MU_TLV_MAX_LEN, &t) !=
		        MU_OK ||
		    mu_admin_cmd_parse(t.value, t.len, &r.cmd) != MU_OK)
			return MU_ERR_MALFORMED;
		break;
	case MU_UNIT_OP_KEY_CREATE: {
		/* an empty label is sent as no label */
		int rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_LABEL, 1, MU_UNIT_LABEL_MAX, &t);
		if (rc < 0 || (rc == 1 && !mu_unit_utf8_ok(t.value, t.len)))
			return MU_ERR_MALFORMED;
		if (rc == 1) {
			r.label.p = t.value;
			r.label.len = t.len;
		}
		break;
	}
	case MU_UNIT_OP_KEY_LIST:
		if (mu_unit_fields_u32(&f, MU_UNIT_TAG_OFFSET, &r.offset) != MU_OK ||
		    mu_unit_fields_u16(&f, MU_UNIT_TAG_LIMIT, &r.limit) != MU_OK || r.limit == 0 ||
		    r.limit > MU_UNIT_LIST_MAX)
			return MU_ERR_MALFORMED;
		break;
	case MU_UNIT_OP_KEY_WRAP:
		if (mu_unit_fields_u32(&f, MU_UNIT_TAG_HANDLE, &r.handle) != MU_OK ||
		    mu_unit_fields_take(&f, MU_UNIT_TAG_DATA, 0, MU_UNIT_DATA_MAX, &t) != MU_OK)
			return MU_ERR_MALFORMED;
		r.data.p = t.value;
		r.data.len = t.len;
		break;
	case MU_UNIT_OP_KEY_UNWRAP:
		if (mu_unit_fields_u32(&f, MU_UNIT_TAG_HANDLE, &r.handle) != MU_OK ||
		    mu_unit_fields_take(
		        &f, MU_UNIT_TAG_BLOB, MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN,
		        MU_UNIT_DATA_MAX + MU_UNIT_GCM_NONCE_LEN + MU_UNIT_GCM_TAG_LEN,
		        &t) != MU_OK)
			return MU_ERR_MALFORMED;
		r.data.p = t.value;
		r.data.len = t.len;
		break;
	case MU_UNIT_OP_KEY_DELETE:
		if (mu_unit_fields_u32(&f, MU_UNIT_TAG_HANDLE, &r.handle) != MU_OK)
			return MU_ERR_MALFORMED;
		break;
	default:
		break;
	}
	if (mu_unit_fields_end(&f) != MU_OK)
		return MU_ERR_MALFORMED;
	*out = r;
	return MU_OK;
}

/* Writes the A0 TLV of a response into w. */
static int encode_signed_part(const mu_unit_response *resp, mu_tlv_writer *w)
{
	uint8_t d[2];
	if (resp->status > 0 || resp->status < -255 || resp->message.len > MU_UNIT_MESSAGE_MAX ||
	    (resp->status == 0 && resp->message.len > 0) ||
	    (resp->status != 0 && resp->body.len > 0))
		return MU_ERR_ARG;
	size_t m = mu_tlv_begin(w, MU_UNIT_TAG_RESPONSE);
	mu_tlv_put_u8(w, MU_UNIT_TAG_VERSION, MU_UNIT_PROTO_VERSION);
	mu_tlv_put_u8(w, MU_UNIT_TAG_OP, resp->op);
	mu_tlv_put(w, MU_UNIT_TAG_MODULE_ID, resp->module_id, MU_UNIT_MODULE_ID_LEN);
	mu_unit_put_be16(d, resp->domain);
	mu_tlv_put(w, MU_UNIT_TAG_DOMAIN, d, 2);
	mu_tlv_put(w, MU_UNIT_TAG_REQ_HASH, resp->req_hash, MU_UNIT_HASH_LEN);
	mu_tlv_put_u8(w, MU_UNIT_TAG_STATUS, (uint8_t)(-resp->status));
	if (resp->message.len > 0)
		mu_tlv_put(w, MU_UNIT_TAG_MESSAGE, resp->message.p, resp->message.len);
	if (resp->body.len > 0) {
		/* the body is raw TLVs appended inside A0 */
		if (resp->body.len > w->cap - w->len)
			w->overflow = true;
		else if (!w->overflow) {
			memcpy(w->buf + w->len, resp->body.p, resp->body.len);
			w->len += resp->body.len;
		}
	}
	mu_tlv_end(w, m);
	return MU_OK;
}

int mu_unit_response_encode(const mu_unit_response *resp, EVP_PKEY *oa_key, uint8_t *out,
                            size_t cap, size_t *len)
{
	if (resp == NULL || oa_key == NULL || out == NULL || len == NULL)
		return MU_ERR_ARG;
	if (resp->body.len > 0 && mu_tlv_validate(resp->body.p, resp->body.len, 4) != MU_OK)
		return MU_ERR_ARG;
	mu_tlv_writer w;
	size_t signed_len;
	mu_tlv_writer_init(&w, out, cap);
	int rc = encode_signed_part(resp, &w);
	if (rc != MU_OK)
		return rc;
	rc = mu_tlv_writer_finish(&w, &signed_len);
	if (rc != MU_OK)
		return rc;
	uint8_t sig[MU_UNIT_SIG_MAX];
	size_t sig_len;
	rc = mu_unit_sign_ctx(oa_key, MU_UNIT_RESP_CONTEXT, out, signed_len, sig, sizeof(sig),
	                      &sig_len);
	if (rc != MU_OK)
		return rc;
	mu_tlv_put(&w, MU_UNIT_TAG_SIGNATURE, sig, sig_len);
	return mu_tlv_writer_finish(&w, len);
}

int mu_unit_response_parse(const uint8_t *buf, size_t len, mu_unit_response *out)
{
	mu_unit_fields outer, f;
	mu_tlv a0, sig, t;
	mu_unit_response r;
	uint8_t version, status;
	memset(&r, 0, sizeof(r));
	if (buf == NULL || len == 0 || len > MU_UNIT_FRAME_MAX)
		return MU_ERR_MALFORMED;
	mu_unit_fields_init(&outer, buf, len);
	if (mu_unit_fields_take(&outer, MU_UNIT_TAG_RESPONSE, 1, MU_TLV_MAX_LEN, &a0) != MU_OK)
		return MU_ERR_MALFORMED;
	r.signed_part.p = buf;
	r.signed_part.len = (size_t)(a0.value + a0.len - buf);
	if (mu_unit_fields_take(&outer, MU_UNIT_TAG_SIGNATURE, 8, MU_UNIT_SIG_MAX, &sig) != MU_OK ||
	    mu_unit_fields_end(&outer) != MU_OK)
		return MU_ERR_MALFORMED;
	r.signature.p = sig.value;
	r.signature.len = sig.len;

	mu_unit_fields_init(&f, a0.value, a0.len);
	if (mu_unit_fields_u8(&f, MU_UNIT_TAG_VERSION, &version) != MU_OK ||
	    version != MU_UNIT_PROTO_VERSION ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_OP, &r.op) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, r.module_id, MU_UNIT_MODULE_ID_LEN) !=
	        MU_OK ||
	    mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, &r.domain) != MU_OK ||
	    mu_unit_fields_copy(&f, MU_UNIT_TAG_REQ_HASH, r.req_hash, MU_UNIT_HASH_LEN) != MU_OK ||
	    mu_unit_fields_u8(&f, MU_UNIT_TAG_STATUS, &status) != MU_OK)
		return MU_ERR_MALFORMED;
	r.status = -(int)status;
	if (status != 0) {
		int rc = mu_unit_fields_opt(&f, MU_UNIT_TAG_MESSAGE, 1, MU_UNIT_MESSAGE_MAX, &t);
		if (rc < 0 || (rc == 1 && !mu_unit_utf8_ok(t.value, t.len)))
			return MU_ERR_MALFORMED;
		if (rc == 1) {
			r.message.p = t.value;
			r.message.len = t.len;
		}
		if (mu_unit_fields_end(&f) != MU_OK)
			return MU_ERR_MALFORMED;
	} else {
		/* the body: the rest of A0, which must be well-formed TLVs */
		if (mu_unit_fields_rest(&f, &r.body.p, &r.body.len) != MU_OK ||
		    mu_tlv_validate(r.body.p, r.body.len, 4) != MU_OK)
			return MU_ERR_MALFORMED;
	}
	*out = r;
	return MU_OK;
}

int mu_unit_response_verify(const mu_unit_response *resp, EVP_PKEY *oa_pub,
                            const uint8_t req_hash[MU_UNIT_HASH_LEN],
                            const uint8_t module_id[MU_UNIT_MODULE_ID_LEN], uint16_t domain)
{
	if (resp == NULL || oa_pub == NULL || resp->signed_part.p == NULL)
		return MU_ERR_ARG;
	int rc = mu_unit_verify_ctx(oa_pub, MU_UNIT_RESP_CONTEXT, resp->signed_part.p,
	                            resp->signed_part.len, resp->signature.p, resp->signature.len);
	if (rc != MU_OK)
		return rc;
	if (req_hash != NULL && CRYPTO_memcmp(req_hash, resp->req_hash, MU_UNIT_HASH_LEN) != 0)
		return MU_ERR_VERIFY;
	if (module_id != NULL && (memcmp(module_id, resp->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	                          domain != resp->domain))
		return MU_ERR_VERIFY;
	return MU_OK;
}

int mu_unit_request_hash(const uint8_t *buf, size_t len, uint8_t hash[MU_UNIT_HASH_LEN])
{
	return mu_unit_sha256(buf, len, hash);
}
