/* SPDX-License-Identifier: Apache-2.0 */
#include "utc-conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "unitsim-instance.h"

static GBytes *read_root_der(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return NULL;
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	X509_free(x);
	if (n <= 0)
		return NULL;
	GBytes *b = g_bytes_new(der, (gsize)n);
	OPENSSL_free(der);
	return b;
}

static bool read_token(const char *path, uint8_t token[MU_UNIT_TOKEN_LEN])
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	g_strstrip(text);
	if (strlen(text) != 2 * MU_UNIT_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < MU_UNIT_TOKEN_LEN; i++) {
		int hi = g_ascii_xdigit_value(text[2 * i]),
		    lo = g_ascii_xdigit_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		token[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static int tcp_connect(const char *host, guint16 port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int tls_setup(const utc_target *t, utc_conn *c, const char *root_path, const char *host)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL || SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(c->ctx, root_path, NULL) != 1)
		return UTC_FAIL;
	SSL_CTX_set_verify(c->ctx, t->skip_tls_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) != 1)
		return UTC_FAIL;
	if (SSL_connect(c->ssl) != 1) {
		long v = SSL_get_verify_result(c->ssl);
		fprintf(stderr, "unit-test-client: TLS handshake with %s failed: %s\n", c->name,
		        v != X509_V_OK ? X509_verify_cert_error_string(v) : "protocol error");
		return v != X509_V_OK ? UTC_TRUST : UTC_FAIL;
	}
	return UTC_OK;
}

int utc_connect(const utc_target *t, utc_conn *c)
{
	GError *error = NULL;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->name = g_strdup(t->unit);
	g_autoptr(unitsim_instance) inst = unitsim_instance_load(t->instance, &error);
	if (inst == NULL) {
		fprintf(stderr, "unit-test-client: %s\n", error->message);
		g_error_free(error);
		return UTC_FAIL;
	}
	const unitsim_instance_unit *iu = NULL;
	for (guint i = 0; i < inst->units->len; i++) {
		const unitsim_instance_unit *u = g_ptr_array_index(inst->units, i);
		if (strcmp(u->name, t->unit) == 0)
			iu = u;
	}
	if (iu == NULL) {
		fprintf(stderr, "unit-test-client: no unit %s in %s\n", t->unit, t->instance);
		return UTC_FAIL;
	}
	c->has_token = !t->no_token && read_token(iu->token_file, c->token);
	const char *root_path = t->root != NULL ? t->root : inst->root_cert;
	g_autoptr(GBytes) root = read_root_der(root_path);
	if (root == NULL) {
		fprintf(stderr, "unit-test-client: cannot read the root %s\n", root_path);
		return UTC_FAIL;
	}
	c->fd = tcp_connect(iu->host, iu->port);
	if (c->fd < 0) {
		fprintf(stderr, "unit-test-client: cannot connect to %s:%u: %s\n", iu->host,
		        iu->port, strerror(errno));
		return UTC_FAIL;
	}
	int rc = tls_setup(t, c, root_path, iu->host);
	if (rc != UTC_OK)
		return rc;
	mu_unit_request req = {.op = MU_UNIT_OP_INFO};
	/* INFO before the OA key is known: verified right after */
	rc = utc_request(c, &req);
	if (rc != UTC_OK || c->resp.status != MU_OK)
		return UTC_FAIL;
	mu_unit_info info;
	if (mu_unit_info_parse(c->resp.body.p, c->resp.body.len, &info) != MU_OK)
		return UTC_FAIL;
	c->oa_cert = g_bytes_new(info.oa_cert.p, info.oa_cert.len);
	c->role = info.role;
	if (mu_unit_oa_cert_verify(g_bytes_get_data(root, NULL), g_bytes_get_size(root),
	                           g_bytes_get_data(c->oa_cert, NULL), g_bytes_get_size(c->oa_cert),
	                           &c->id, &c->oa_pub) != MU_OK) {
		fprintf(stderr, "unit-test-client: %s: OA certificate does not chain to %s\n",
		        c->name, root_path);
		return UTC_TRUST;
	}
	if (memcmp(c->id.module_id, iu->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    c->id.domain != iu->domain ||
	    mu_unit_response_verify(&c->resp, c->oa_pub, c->last_hash, c->id.module_id,
	                            c->id.domain) != MU_OK) {
		fprintf(stderr, "unit-test-client: %s: identity or signature mismatch\n", c->name);
		return UTC_TRUST;
	}
	return UTC_OK;
}

void utc_close(utc_conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	EVP_PKEY_free(c->oa_pub);
	if (c->oa_cert != NULL)
		g_bytes_unref(c->oa_cert);
	g_free(c->last);
	g_free(c->name);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static bool read_exact(SSL *ssl, uint8_t *buf, size_t len)
{
	while (len > 0) {
		size_t got = 0;
		if (SSL_read_ex(ssl, buf, len, &got) != 1)
			return false;
		buf += got;
		len -= got;
	}
	return true;
}

/* Sends a frame and reads the answer into c->last / c->resp. hash is the
 * request payload's hash, or NULL when none applies. */
static int exchange(utc_conn *c, const uint8_t *hdr, const uint8_t *payload, size_t len,
                    const uint8_t *hash)
{
	size_t w;
	uint8_t rh[MU_UNIT_FRAME_HEADER_LEN];
	size_t rlen;
	if (SSL_write_ex(c->ssl, hdr, MU_UNIT_FRAME_HEADER_LEN, &w) != 1 ||
	    (len > 0 && SSL_write_ex(c->ssl, payload, len, &w) != 1) ||
	    !read_exact(c->ssl, rh, sizeof(rh)) || mu_unit_frame_parse(rh, &rlen) != MU_OK) {
		fprintf(stderr, "unit-test-client: %s: connection lost\n", c->name);
		return UTC_FAIL;
	}
	g_free(c->last);
	c->last = g_malloc(rlen);
	if (!read_exact(c->ssl, c->last, rlen) ||
	    mu_unit_response_parse(c->last, rlen, &c->resp) != MU_OK) {
		fprintf(stderr, "unit-test-client: %s: bad response\n", c->name);
		return UTC_FAIL;
	}
	if (c->oa_pub != NULL && mu_unit_response_verify(&c->resp, c->oa_pub, hash, c->id.module_id,
	                                                 c->id.domain) != MU_OK) {
		fprintf(stderr, "unit-test-client: %s: response does not verify\n", c->name);
		return UTC_FAIL;
	}
	return UTC_OK;
}

int utc_request(utc_conn *c, mu_unit_request *req)
{
	uint8_t *buf = g_malloc(MU_UNIT_FRAME_MAX);
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN], hash[MU_UNIT_HASH_LEN];
	size_t n;
	int rc = UTC_FAIL;
	if (mu_unit_random(req->nonce, sizeof(req->nonce)) != MU_OK ||
	    mu_unit_request_encode(req, buf, MU_UNIT_FRAME_MAX, &n) != MU_OK ||
	    mu_unit_request_hash(buf, n, hash) != MU_OK)
		goto done;
	mu_unit_frame_header(n, hdr);
	memcpy(c->last_hash, hash, sizeof(hash));
	rc = exchange(c, hdr, buf, n, hash);
	if (rc == UTC_OK && c->resp.op != req->op)
		rc = UTC_FAIL;
done:
	g_free(buf);
	return rc;
}

int utc_frame_len(utc_conn *c, uint32_t frame_len)
{
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
	static const uint8_t zero[MU_UNIT_HASH_LEN];
	hdr[0] = (uint8_t)(frame_len >> 24);
	hdr[1] = (uint8_t)(frame_len >> 16);
	hdr[2] = (uint8_t)(frame_len >> 8);
	hdr[3] = (uint8_t)frame_len;
	return exchange(c, hdr, NULL, 0, zero);
}

int utc_raw(utc_conn *c, const uint8_t *payload, size_t len)
{
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN], hash[MU_UNIT_HASH_LEN];
	mu_unit_frame_header(len, hdr);
	if (mu_unit_request_hash(payload, len, hash) != MU_OK)
		return UTC_FAIL;
	return exchange(c, hdr, payload, len, hash);
}

void utc_set_token(utc_conn *c, mu_unit_request *req)
{
	if (c->has_token) {
		req->token.p = c->token;
		req->token.len = sizeof(c->token);
	}
}

int utc_status(utc_conn *c, mu_unit_status *st)
{
	mu_unit_request req = {.op = MU_UNIT_OP_STATUS};
	int rc = utc_request(c, &req);
	if (rc != UTC_OK)
		return rc;
	if (c->resp.status != MU_OK ||
	    mu_unit_status_parse(c->resp.body.p, c->resp.body.len, st) != MU_OK)
		return UTC_FAIL;
	return UTC_OK;
}
