/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "openmu-tke"

#include "mu-tke-client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-tke-error.h"
#include "mu-unit-crypto.h"
#include "mu-unit-trust.h"

#define CONNECT_TIMEOUT_MS 10000
#define IO_TIMEOUT_S       120
/* The largest request this client sends: header, token, and a KEY UNWRAP
 * blob or an admin command with a full block and 8 signatures. */
#define REQUEST_MAX (8u * 1024u)

struct mu_tke_client {
	const mu_tke_instance *inst;
	const mu_tke_unit *unit;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	gboolean broken;   /* a transport or trust failure closed it */
	mu_unit_info info; /* oa_cert points to oa_der */
	uint8_t *oa_der;
	EVP_PKEY *oa_pub;
	char oa_fpr_hex[2 * MU_UNIT_HASH_LEN + 1];
};

struct mu_tke_reply {
	uint8_t *buf; /* the whole response payload */
	size_t len;
	mu_unit_response resp;              /* points into buf */
	uint8_t req_hash[MU_UNIT_HASH_LEN]; /* of the request it answers */
};

/* ---- errors ---- */

static void set_trust_error(mu_tke_client *c, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void set_trust_error(mu_tke_client *c, GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	c->broken = TRUE;
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TRUST, "unit %s (%s): %s", c->unit->name,
	            c->unit->address, what);
}

static void set_protocol_error(mu_tke_client *c, GError **error, const char *what)
{
	c->broken = TRUE;
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_PROTOCOL,
	            "unit %s (%s): %s; the connection was closed (is the address in %s really "
	            "an OpenMU crypto unit of a compatible version?)",
	            c->unit->name, c->unit->address, what, mu_tke_instance_path(c->inst));
}

void mu_tke_client_body_error(const mu_tke_client *c, const char *what, GError **error)
{
	g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_PROTOCOL,
	            "unit %s (%s): the %s answer does not follow the unit protocol", c->unit->name,
	            c->unit->address, what);
}

/* The first OpenSSL error on the queue, as text (the queue is cleared). */
static char *ssl_error_text(void)
{
	unsigned long e = ERR_get_error();
	char buf[256];
	if (e == 0)
		return g_strdup("no detail from OpenSSL");
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return g_strdup(buf);
}

static void set_io_error(mu_tke_client *c, int ret, int saved_errno, const char *doing,
                         GError **error)
{
	int kind = SSL_get_error(c->ssl, ret);
	c->broken = TRUE;
	if (kind == SSL_ERROR_ZERO_RETURN || (kind == SSL_ERROR_SYSCALL && saved_errno == 0)) {
		ERR_clear_error();
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s (%s) closed the connection while %s; try again, and check "
		            "the unit's log if it persists",
		            c->unit->name, c->unit->address, doing);
	} else if (kind == SSL_ERROR_SYSCALL &&
	           (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s (%s) did not answer within %d s while %s", c->unit->name,
		            c->unit->address, IO_TIMEOUT_S, doing);
	} else if (kind == SSL_ERROR_SYSCALL) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s (%s): connection failed while %s: %s", c->unit->name,
		            c->unit->address, doing, g_strerror(saved_errno));
	} else {
		g_autofree char *detail = ssl_error_text();
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TLS,
		            "unit %s (%s): TLS failed while %s: %s", c->unit->name,
		            c->unit->address, doing, detail);
	}
}

/* ---- TCP ---- */

static int connect_one(const struct addrinfo *ai, int *err)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			*err = errno;
			close(fd);
			return -1;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int n;
		do
			n = poll(&p, 1, CONNECT_TIMEOUT_MS);
		while (n < 0 && errno == EINTR);
		int so = 0;
		socklen_t sl = sizeof(so);
		if (n == 0)
			so = ETIMEDOUT;
		else if (n < 0)
			so = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0)
			so = errno;
		if (so != 0) {
			*err = so;
			close(fd);
			return -1;
		}
	}
	int flags = fcntl(fd, F_GETFL);
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
	int one = 1;
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	/* one request, one answer: do not wait for Nagle */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int tcp_connect(const mu_tke_client *c, GError **error)
{
	const mu_tke_unit *u = c->unit;
	struct addrinfo hints, *res = NULL;
	char port[8];
	int err = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	g_snprintf(port, sizeof(port), "%u", (unsigned)u->port);
	int rc = getaddrinfo(u->host, port, &hints, &res);
	if (rc != 0) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s: cannot resolve the host of address %s: %s; check %s", u->name,
		            u->address, gai_strerror(rc), mu_tke_instance_path(c->inst));
		return -1;
	}
	int fd = -1;
	for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, &err);
	freeaddrinfo(res);
	if (fd < 0)
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s (%s) is not reachable: %s; is the unit (`openmu-unitsim "
		            "serve`) running, and is the address in %s right?",
		            u->name, u->address, g_strerror(err), mu_tke_instance_path(c->inst));
	return fd;
}

/* ---- TLS ---- */

/* The subject CN of a certificate, UTF-8, or NULL. */
static char *cert_cn(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return NULL;
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return NULL;
	char *cn = g_strndup((const char *)utf8, (gsize)n);
	OPENSSL_free(utf8);
	return cn;
}

static gboolean tls_setup(mu_tke_client *c, GError **error)
{
	size_t root_len = 0;
	const uint8_t *root_der = mu_tke_instance_root_der(c->inst, &root_len);
	const unsigned char *p = root_der;
	X509 *root = root_der != NULL ? d2i_X509(NULL, &p, (long)root_len) : NULL;
	if (root == NULL) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: the root certificate is not loaded",
		            mu_tke_instance_path(c->inst));
		return FALSE;
	}
	c->ctx = SSL_CTX_new(TLS_client_method());
	gboolean ok = c->ctx != NULL &&
	              SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) == 1 &&
	              SSL_CTX_set_max_proto_version(c->ctx, TLS1_3_VERSION) == 1 &&
	              X509_STORE_add_cert(SSL_CTX_get_cert_store(c->ctx), root) == 1;
	X509_free(root);
	if (ok) {
		/* trust the instance root and nothing else: no default paths */
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
		X509_STORE_set_flags(SSL_CTX_get_cert_store(c->ctx), X509_V_FLAG_X509_STRICT);
		c->ssl = SSL_new(c->ctx);
		ok = c->ssl != NULL && SSL_set_fd(c->ssl, c->fd) == 1;
	}
	if (ok) {
		const char *host = c->unit->host;
		X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
			/* not an IP literal: a DNS name, also sent as SNI */
			ok = SSL_set1_host(c->ssl, host) == 1 &&
			     SSL_set_tlsext_host_name(c->ssl, host) == 1;
		}
	}
	if (!ok) {
		g_autofree char *detail = ssl_error_text();
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_TLS, "unit %s: cannot set up TLS: %s",
		            c->unit->name, detail);
	}
	return ok;
}

static gboolean tls_handshake(mu_tke_client *c, GError **error)
{
	errno = 0;
	int ret = SSL_connect(c->ssl);
	int saved = errno;
	long vr = SSL_get_verify_result(c->ssl);
	if (ret != 1 &&
	    (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
		ERR_clear_error();
		set_trust_error(c, error,
		                "its TLS certificate chains to the instance root but is not issued "
		                "for host %s (%s) — wrong address in %s or an impostor",
		                c->unit->host, X509_verify_cert_error_string(vr),
		                mu_tke_instance_path(c->inst));
		return FALSE;
	}
	if (ret != 1 && vr != X509_V_OK) {
		ERR_clear_error();
		set_trust_error(
		    c, error,
		    "its TLS certificate does not chain to the instance root in %s "
		    "(root fingerprint %.16s…; %s) — wrong instance file or an impostor",
		    mu_tke_instance_path(c->inst), mu_tke_instance_root_fingerprint_hex(c->inst),
		    X509_verify_cert_error_string(vr));
		return FALSE;
	}
	if (ret != 1) {
		set_io_error(c, ret, saved, "in the TLS 1.3 handshake", error);
		return FALSE;
	}
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	if (peer == NULL || vr != X509_V_OK) {
		set_trust_error(c, error, "presented no verified TLS certificate");
		return FALSE;
	}
	g_autofree char *cn = cert_cn(peer);
	g_autofree char *want = g_strdup_printf("%s TLS", c->unit->name);
	if (cn == NULL || strcmp(cn, want) != 0) {
		set_trust_error(c, error,
		                "its TLS certificate is for \"%s\", not \"%s\": the address in %s "
		                "belongs to another unit of this instance",
		                cn != NULL ? cn : "(no name)", want, mu_tke_instance_path(c->inst));
		return FALSE;
	}
	return TRUE;
}

/* ---- frames ---- */

static gboolean write_all(mu_tke_client *c, const uint8_t *p, size_t n, GError **error)
{
	while (n > 0) {
		size_t done = 0;
		errno = 0;
		int ret = SSL_write_ex(c->ssl, p, n, &done);
		if (ret != 1) {
			set_io_error(c, ret, errno, "sending a request", error);
			return FALSE;
		}
		p += done;
		n -= done;
	}
	return TRUE;
}

static gboolean read_all(mu_tke_client *c, uint8_t *p, size_t n, GError **error)
{
	while (n > 0) {
		size_t done = 0;
		errno = 0;
		int ret = SSL_read_ex(c->ssl, p, n, &done);
		if (ret != 1) {
			set_io_error(c, ret, errno, "waiting for the answer", error);
			return FALSE;
		}
		p += done;
		n -= done;
	}
	return TRUE;
}

/* Sends one request frame and reads the answer frame. */
static gboolean exchange(mu_tke_client *c, const uint8_t *req, size_t req_len, uint8_t **resp,
                         size_t *resp_len, GError **error)
{
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
	size_t n = 0;
	g_autofree uint8_t *frame = g_malloc(MU_UNIT_FRAME_HEADER_LEN + req_len);
	mu_unit_frame_header(req_len, frame);
	memcpy(frame + MU_UNIT_FRAME_HEADER_LEN, req, req_len);
	gboolean ok = write_all(c, frame, MU_UNIT_FRAME_HEADER_LEN + req_len, error);
	mu_memzero(frame, MU_UNIT_FRAME_HEADER_LEN + req_len); /* may carry the token */
	if (!ok || !read_all(c, hdr, sizeof(hdr), error))
		return FALSE;
	if (mu_unit_frame_parse(hdr, &n) != MU_OK) {
		set_protocol_error(c, error, "it sent a frame length of 0 or above 1 MiB");
		return FALSE;
	}
	uint8_t *buf = g_malloc(n);
	if (!read_all(c, buf, n, error)) {
		g_free(buf);
		return FALSE;
	}
	*resp = buf;
	*resp_len = n;
	return TRUE;
}

/* Control characters of a unit's message are shown as '?'. */
static char *printable(const mu_unit_bytes *b)
{
	char *s = g_strndup((const char *)b->p, b->len);
	for (char *q = s; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return s;
}

static void set_unit_error(const mu_tke_client *c, const mu_unit_response *resp, GError **error)
{
	g_autofree char *msg = resp->message.len > 0 ? printable(&resp->message) : NULL;
	if (msg != NULL && strcmp(msg, mu_unit_strerror(resp->status)) == 0)
		g_clear_pointer(&msg, g_free); /* says nothing more */
	g_set_error(error, MU_TKE_UNIT_ERROR, resp->status, "unit %s refused (%s): %s%s%s%s",
	            c->unit->name, mu_unit_status_name(resp->status),
	            mu_unit_strerror(resp->status), msg != NULL ? " (unit says: " : "",
	            msg != NULL ? msg : "", msg != NULL ? ")" : "");
}

/* Sends req, reads and parses the answer; verifies it when the OA key is
 * known (after INFO). Unit refusals are returned as replies with a non-zero
 * status: the caller decides. */
static mu_tke_reply *roundtrip(mu_tke_client *c, const mu_unit_request *req, GError **error)
{
	mu_unit_request r = *req;
	uint8_t hash[MU_UNIT_HASH_LEN];
	size_t len = 0;
	int rc;
	if (c->broken) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT,
		            "unit %s: the connection was closed after an earlier error; connect "
		            "again",
		            c->unit->name);
		return NULL;
	}
	if (mu_unit_random(r.nonce, sizeof(r.nonce)) != MU_OK) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "no random bytes for the request nonce");
		return NULL;
	}
	uint8_t *payload = g_malloc(REQUEST_MAX);
	rc = mu_unit_request_encode(&r, payload, REQUEST_MAX, &len);
	if (rc == MU_OK)
		rc = mu_unit_request_hash(payload, len, hash);
	if (rc != MU_OK) {
		mu_memzero(payload, REQUEST_MAX);
		g_free(payload);
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_ARG,
		            "unit %s: cannot encode the request: %s", c->unit->name,
		            mu_unit_strerror(rc));
		return NULL;
	}
	mu_tke_reply *reply = g_new0(mu_tke_reply, 1);
	memcpy(reply->req_hash, hash, sizeof(hash));
	gboolean ok = exchange(c, payload, len, &reply->buf, &reply->len, error);
	mu_memzero(payload, REQUEST_MAX);
	g_free(payload);
	if (!ok) {
		mu_tke_reply_free(&reply);
		return NULL;
	}
	if (mu_unit_response_parse(reply->buf, reply->len, &reply->resp) != MU_OK) {
		set_protocol_error(c, error,
		                   "its answer is not a signed unit response (malformed or "
		                   "unsigned): refused");
		mu_tke_reply_free(&reply);
		return NULL;
	}
	if (c->oa_pub == NULL)
		return reply; /* INFO: verified by the caller once the OA key is known */

	const mu_unit_response *resp = &reply->resp;
	if (mu_unit_response_verify(resp, c->oa_pub, NULL, NULL, 0) != MU_OK) {
		set_trust_error(c, error,
		                "its answer is not signed by its OA key (certificate fingerprint "
		                "%s): refused; someone may be tampering with the connection",
		                c->oa_fpr_hex);
		mu_tke_reply_free(&reply);
		return NULL;
	}
	if (memcmp(resp->req_hash, hash, MU_UNIT_HASH_LEN) != 0) {
		set_trust_error(c, error,
		                "its signed answer is for another request (replayed or "
		                "misrouted): refused");
		mu_tke_reply_free(&reply);
		return NULL;
	}
	if (memcmp(resp->module_id, c->info.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    resp->domain != c->info.domain) {
		set_trust_error(c, error,
		                "its signed answer names another module or domain: "
		                "refused");
		mu_tke_reply_free(&reply);
		return NULL;
	}
	if (resp->status == MU_OK && resp->op != req->op) {
		set_protocol_error(c, error, "it answered another operation");
		mu_tke_reply_free(&reply);
		return NULL;
	}
	return reply;
}

mu_tke_reply *mu_tke_client_call(mu_tke_client *c, const mu_unit_request *req, GError **error)
{
	g_return_val_if_fail(c != NULL && req != NULL, NULL);
	mu_tke_reply *reply = roundtrip(c, req, error);
	if (reply != NULL && reply->resp.status != MU_OK) {
		set_unit_error(c, &reply->resp, error);
		mu_tke_reply_free(&reply);
	}
	return reply;
}

/* ---- INFO and trust in the OA key ---- */

static gboolean fetch_info(mu_tke_client *c, GError **error)
{
	mu_unit_request req;
	mu_unit_identity id;
	mu_unit_info info;
	size_t root_len = 0;
	const uint8_t *root = mu_tke_instance_root_der(c->inst, &root_len);
	memset(&req, 0, sizeof(req));
	req.op = MU_UNIT_OP_INFO;

	g_autoptr(mu_tke_reply) reply = roundtrip(c, &req, error);
	if (reply == NULL)
		return FALSE;
	const mu_unit_response *resp = &reply->resp;
	if (resp->status != MU_OK) {
		/* not verifiable yet: no OA key; report it as it is */
		set_protocol_error(c, error, "it refused to identify itself (INFO)");
		return FALSE;
	}
	if (resp->op != MU_UNIT_OP_INFO ||
	    mu_unit_info_parse(resp->body.p, resp->body.len, &info) != MU_OK) {
		set_protocol_error(c, error, "its INFO answer does not follow the unit protocol");
		return FALSE;
	}
	EVP_PKEY *pub = NULL;
	int rc =
	    mu_unit_oa_cert_verify(root, root_len, info.oa_cert.p, info.oa_cert.len, &id, &pub);
	if (rc != MU_OK) {
		set_trust_error(
		    c, error,
		    "its OA certificate does not chain to the instance root in %s "
		    "(root fingerprint %.16s…; %s) — wrong instance file or an impostor",
		    mu_tke_instance_path(c->inst), mu_tke_instance_root_fingerprint_hex(c->inst),
		    mu_unit_strerror(rc));
		return FALSE;
	}
	c->oa_pub = pub;
	c->oa_der = g_malloc(info.oa_cert.len);
	memcpy(c->oa_der, info.oa_cert.p, info.oa_cert.len);
	info.oa_cert.p = c->oa_der;
	uint8_t fpr[MU_UNIT_HASH_LEN];
	if (mu_unit_cert_fingerprint(c->oa_der, info.oa_cert.len, fpr) != MU_OK) {
		set_trust_error(c, error, "cannot hash its OA certificate");
		return FALSE;
	}
	for (size_t i = 0; i < sizeof(fpr); i++)
		g_snprintf(c->oa_fpr_hex + 2 * i, 3, "%02x", fpr[i]);

	/* the INFO answer itself must be signed by the key it announces and
	 * answer the request just sent */
	if (mu_unit_response_verify(resp, pub, reply->req_hash, id.module_id, id.domain) != MU_OK) {
		set_trust_error(c, error,
		                "its INFO answer is not signed by the OA key of its certificate, "
		                "answers another request or names another module: refused");
		return FALSE;
	}
	const mu_tke_unit *u = c->unit;
	g_autofree char *want_mod = g_malloc(2 * MU_UNIT_MODULE_ID_LEN + 1);
	g_autofree char *got_mod = g_malloc(2 * MU_UNIT_MODULE_ID_LEN + 1);
	for (size_t i = 0; i < MU_UNIT_MODULE_ID_LEN; i++) {
		g_snprintf(want_mod + 2 * i, 3, "%02x", u->module_id[i]);
		g_snprintf(got_mod + 2 * i, 3, "%02x", id.module_id[i]);
	}
	if (memcmp(id.module_id, u->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    id.domain != u->domain ||
	    memcmp(info.module_id, id.module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    info.domain != id.domain) {
		set_trust_error(c, error,
		                "it is module %s domain %u, but %s lists module %s domain %u for "
		                "it: wrong address or an outdated instance file",
		                got_mod, (unsigned)id.domain, mu_tke_instance_path(c->inst),
		                want_mod, (unsigned)u->domain);
		return FALSE;
	}
	if (strcmp(id.name, u->name) != 0 || strcmp(info.name, u->name) != 0) {
		set_trust_error(c, error, "it calls itself \"%s\", not \"%s\" as %s does",
		                info.name, u->name, mu_tke_instance_path(c->inst));
		return FALSE;
	}
	if (info.role != u->role) {
		set_trust_error(c, error, "it is a %s unit, but %s lists it as %s",
		                mu_tke_role_name(info.role), mu_tke_instance_path(c->inst),
		                mu_tke_role_name(u->role));
		return FALSE;
	}
	c->info = info;
	return TRUE;
}

mu_tke_client *mu_tke_client_connect(const mu_tke_instance *inst, const mu_tke_unit *unit,
                                     GError **error)
{
	g_return_val_if_fail(inst != NULL && unit != NULL, NULL);
	g_autoptr(mu_tke_client) c = g_new0(mu_tke_client, 1);
	c->inst = inst;
	c->unit = unit;
	c->fd = -1;
	if (mu_tke_instance_root_der(inst, NULL) == NULL) {
		g_set_error(error, MU_TKE_ERROR, MU_TKE_ERROR_CONFIG,
		            "%s: the root certificate is not loaded", mu_tke_instance_path(inst));
		return NULL;
	}
	if ((c->fd = tcp_connect(c, error)) < 0 || !tls_setup(c, error) ||
	    !tls_handshake(c, error) || !fetch_info(c, error))
		return NULL;
	return g_steal_pointer(&c);
}

void mu_tke_client_free(mu_tke_client **c)
{
	if (c == NULL || *c == NULL)
		return;
	mu_tke_client *p = *c;
	if (p->ssl != NULL) {
		if (!p->broken)
			(void)SSL_shutdown(p->ssl); /* close_notify; no wait for the peer's */
		SSL_free(p->ssl);
	}
	SSL_CTX_free(p->ctx);
	ERR_clear_error();
	if (p->fd >= 0)
		close(p->fd);
	EVP_PKEY_free(p->oa_pub);
	g_free(p->oa_der);
	g_free(p);
	*c = NULL;
}

EVP_PKEY *mu_tke_client_oa_key(const mu_tke_client *c)
{
	return c->oa_pub;
}

const mu_tke_unit *mu_tke_client_unit(const mu_tke_client *c)
{
	return c->unit;
}

const mu_unit_info *mu_tke_client_info(const mu_tke_client *c)
{
	return &c->info;
}

const char *mu_tke_client_oa_fingerprint_hex(const mu_tke_client *c)
{
	return c->oa_fpr_hex;
}

const uint8_t *mu_tke_reply_body(const mu_tke_reply *r, size_t *len)
{
	*len = r->resp.body.len;
	return r->resp.body.p;
}

void mu_tke_reply_free(mu_tke_reply **r)
{
	if (r == NULL || *r == NULL)
		return;
	mu_tke_reply *p = *r;
	if (p->buf != NULL) {
		mu_memzero(p->buf, p->len);
		g_free(p->buf);
	}
	g_free(p);
	*r = NULL;
}
