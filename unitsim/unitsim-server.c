/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE  /* accept4 */
#define G_LOG_DOMAIN "unitsim"
#include "unitsim-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "mu-unit-msg.h"
#include "mu-unit-trust.h"
#include "unitsim-certs.h"
#include "unitsim-dispatch.h"
#include "unitsim-instance.h"
#include "unitsim-store.h"

#define MAX_CONNECTIONS     256
#define HANDSHAKE_TIMEOUT_S 10
#define IDLE_TIMEOUT_S      600

typedef struct server server;

typedef struct unit_rt {
	char *name;
	char *dir;
	char *host;
	guint16 port;
	pthread_mutex_t lock; /* serializes every request to this unit */
	unitsim_unit_ctx ctx;
	GBytes *oa_cert;
	SSL_CTX *ssl;
	int listen_fd;
	server *srv;
} unit_rt;

struct server {
	unit_rt *units;
	size_t n;
	FILE *dump;
	pthread_mutex_t dump_lock;
	unitsim_store_opts store;
	atomic_int connections;
};

typedef struct conn {
	unit_rt *unit;
	int fd;
} conn;

static int persist(void *user, const unitsim_domain *next)
{
	unit_rt *u = user;
	char err[512];
	int rc = unitsim_store_save(u->dir, next, &u->srv->store, err, sizeof(err));
	if (rc != MU_OK)
		g_printerr("openmu-unitsim: %s: %s\n", u->name, err);
	return rc;
}

static void dump_request(unit_rt *u, const uint8_t *buf, size_t len)
{
	server *s = u->srv;
	if (s->dump == NULL)
		return;
	pthread_mutex_lock(&s->dump_lock);
	fprintf(s->dump, "%s ", u->name);
	for (size_t i = 0; i < len; i++)
		fprintf(s->dump, "%02x", buf[i]);
	fputc('\n', s->dump);
	fflush(s->dump);
	pthread_mutex_unlock(&s->dump_lock);
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

static bool write_frame(SSL *ssl, const uint8_t *resp, size_t len)
{
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
	size_t w;
	mu_unit_frame_header(len, hdr);
	return SSL_write_ex(ssl, hdr, sizeof(hdr), &w) == 1 &&
	       SSL_write_ex(ssl, resp, len, &w) == 1;
}

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Answers requests on one connection until the peer closes, a frame is bad
 * or the connection idles out. */
static void serve_connection(unit_rt *u, SSL *ssl)
{
	for (;;) {
		uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
		uint8_t *resp = NULL;
		size_t len = 0, resp_len = 0;
		int rc;
		if (!read_exact(ssl, hdr, sizeof(hdr)))
			return;
		if (mu_unit_frame_parse(hdr, &len) != MU_OK) {
			/* the stream cannot be resynchronized: answer, then close */
			pthread_mutex_lock(&u->lock);
			rc = unitsim_dispatch_error(&u->ctx, MU_UNIT_ERR_FRAME, &resp, &resp_len);
			pthread_mutex_unlock(&u->lock);
			if (rc == MU_OK)
				(void)write_frame(ssl, resp, resp_len);
			free(resp);
			return;
		}
		uint8_t *req = malloc(len);
		if (req == NULL || !read_exact(ssl, req, len)) {
			free(req);
			return;
		}
		pthread_mutex_lock(&u->lock);
		dump_request(u, req, len);
		rc = unitsim_dispatch(&u->ctx, req, len, &resp, &resp_len);
		pthread_mutex_unlock(&u->lock);
		mu_memzero(req, len);
		free(req);
		if (rc != MU_OK) {
			g_printerr("openmu-unitsim: %s: cannot answer: %s\n", u->name,
			           mu_strerror(rc));
			return;
		}
		bool ok = write_frame(ssl, resp, resp_len);
		free(resp);
		if (!ok)
			return;
	}
}

static void *connection_main(void *arg)
{
	conn *c = arg;
	unit_rt *u = c->unit;
	SSL *ssl = SSL_new(u->ssl);
	set_timeout(c->fd, HANDSHAKE_TIMEOUT_S);
	/* a plaintext or non-TLS-1.3 client fails here and is closed */
	if (ssl != NULL && SSL_set_fd(ssl, c->fd) == 1 && SSL_accept(ssl) == 1) {
		set_timeout(c->fd, IDLE_TIMEOUT_S);
		serve_connection(u, ssl);
		(void)SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	ERR_clear_error();
	close(c->fd);
	atomic_fetch_sub(&u->srv->connections, 1);
	free(c);
	return NULL;
}

static void *acceptor_main(void *arg)
{
	unit_rt *u = arg;
	for (;;) {
		int fd = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				continue;
			g_printerr("openmu-unitsim: %s: accept failed: %s\n", u->name,
			           g_strerror(errno));
			return NULL;
		}
		if (atomic_fetch_add(&u->srv->connections, 1) >= MAX_CONNECTIONS) {
			atomic_fetch_sub(&u->srv->connections, 1);
			close(fd);
			continue;
		}
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conn *c = malloc(sizeof(*c));
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (c == NULL) {
			close(fd);
			atomic_fetch_sub(&u->srv->connections, 1);
		} else {
			c->unit = u;
			c->fd = fd;
			if (pthread_create(&t, &attr, connection_main, c) != 0) {
				close(fd);
				free(c);
				atomic_fetch_sub(&u->srv->connections, 1);
			}
		}
		pthread_attr_destroy(&attr);
	}
}

static SSL_CTX *make_ssl_ctx(const char *udir, GError **error)
{
	g_autofree char *key_path = g_build_filename(udir, "tls-key.pem", NULL);
	g_autofree char *cert_path = g_build_filename(udir, "tls-cert.pem", NULL);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_file(ctx, cert_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "cannot set up TLS from %s and %s", cert_path, key_path);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

/* Loads keys, certificates and state of one unit and checks that they
 * agree with the instance file. */
static gboolean load_unit(server *s, const char *dir, const unitsim_instance_unit *iu, unit_rt *u,
                          GError **error)
{
	char err[512];
	u->srv = s;
	u->listen_fd = -1;
	u->name = g_strdup(iu->name);
	u->host = g_strdup(iu->host);
	u->port = iu->port;
	u->dir = unitsim_instance_unit_dir(dir, iu->name);
	pthread_mutex_init(&u->lock, NULL);
	g_autofree char *oa_key_path = g_build_filename(u->dir, "oa-key.pem", NULL);
	g_autofree char *oa_cert_path = g_build_filename(u->dir, "oa-cert.pem", NULL);
	g_autofree char *root_path = g_build_filename(u->dir, "root-cert.pem", NULL);
	EVP_PKEY *oa = unitsim_pem_read_key(oa_key_path, error);
	if (oa == NULL)
		return FALSE;
	u->ctx.oa_key = oa;
	X509 *oa_cert = unitsim_pem_read_cert(oa_cert_path, error);
	X509 *root = oa_cert != NULL ? unitsim_pem_read_cert(root_path, error) : NULL;
	if (root == NULL) {
		X509_free(oa_cert);
		return FALSE;
	}
	u->oa_cert = unitsim_cert_der(oa_cert);
	g_autoptr(GBytes) root_der = unitsim_cert_der(root);
	X509_free(oa_cert);
	X509_free(root);
	if (u->oa_cert == NULL || root_der == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: bad certificates",
		            u->dir);
		return FALSE;
	}
	u->ctx.oa_cert = g_bytes_get_data(u->oa_cert, &u->ctx.oa_cert_len);
	mu_unit_identity id;
	if (mu_unit_oa_cert_verify(g_bytes_get_data(root_der, NULL), g_bytes_get_size(root_der),
	                           u->ctx.oa_cert, u->ctx.oa_cert_len, &id, NULL) != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s does not chain to %s",
		            oa_cert_path, root_path);
		return FALSE;
	}
	int rc = unitsim_store_load(u->dir, &u->ctx.domain, err, sizeof(err));
	if (rc != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s", err);
		return FALSE;
	}
	unitsim_identity did;
	unitsim_domain_identity(u->ctx.domain, &did);
	if (strcmp(did.name, iu->name) != 0 || did.role != iu->role || did.domain != iu->domain ||
	    memcmp(did.module_id, iu->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    memcmp(id.module_id, iu->module_id, MU_UNIT_MODULE_ID_LEN) != 0 ||
	    id.domain != iu->domain) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "the state and certificates in %s do not match unit %s of the instance "
		            "file",
		            u->dir, iu->name);
		return FALSE;
	}
	if (unitsim_domain_set_oa_key(u->ctx.domain, oa) != MU_OK ||
	    unitsim_domain_set_root(u->ctx.domain, g_bytes_get_data(root_der, NULL),
	                            g_bytes_get_size(root_der)) != MU_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "out of memory");
		return FALSE;
	}
	u->ctx.persist = persist;
	u->ctx.persist_user = u;
	u->ssl = make_ssl_ctx(u->dir, error);
	return u->ssl != NULL;
}

static gboolean bind_unit(unit_rt *u, GError **error)
{
	struct sockaddr_in a;
	int one = 1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(u->port);
	if (inet_pton(AF_INET, u->host, &a.sin_addr) != 1) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "unit %s: address %s is not an IPv4 address", u->name, u->host);
		return FALSE;
	}
	u->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (u->listen_fd < 0 ||
	    setsockopt(u->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(u->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(u->listen_fd, 64) != 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
		            "unit %s: cannot listen on %s:%u: %s", u->name, u->host, u->port,
		            g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

static void server_free(server *s)
{
	for (size_t i = 0; i < s->n; i++) {
		unit_rt *u = &s->units[i];
		if (u->listen_fd >= 0)
			close(u->listen_fd);
		SSL_CTX_free(u->ssl);
		unitsim_domain_free(&u->ctx.domain);
		EVP_PKEY_free(u->ctx.oa_key);
		if (u->oa_cert != NULL)
			g_bytes_unref(u->oa_cert);
		pthread_mutex_destroy(&u->lock);
		g_free(u->name);
		g_free(u->dir);
		g_free(u->host);
	}
	g_free(s->units);
	if (s->dump != NULL)
		fclose(s->dump);
	pthread_mutex_destroy(&s->dump_lock);
}

gboolean unitsim_serve(const unitsim_server_opts *opts, GError **error)
{
	server s;
	sigset_t set;
	int sig = 0;
	gboolean ok = FALSE;
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.dump_lock, NULL);
	s.store.slow_write_us = opts->slow_write_us;
	g_autofree char *ini = g_build_filename(opts->dir, UNITSIM_INSTANCE_FILE, NULL);
	g_autoptr(unitsim_instance) inst = unitsim_instance_load(ini, error);
	if (inst == NULL)
		goto done;
	s.n = inst->units->len;
	s.units = g_new0(unit_rt, s.n);
	for (size_t i = 0; i < s.n; i++)
		s.units[i].listen_fd = -1;
	for (size_t i = 0; i < s.n; i++)
		if (!load_unit(&s, opts->dir, g_ptr_array_index(inst->units, i), &s.units[i],
		               error) ||
		    !bind_unit(&s.units[i], error))
			goto done;
	if (opts->dump_plaintext != NULL) {
		s.dump = fopen(opts->dump_plaintext, "a");
		if (s.dump == NULL) {
			int e = errno;
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
			            "cannot open %s: %s", opts->dump_plaintext, g_strerror(e));
			goto done;
		}
		g_printerr("openmu-unitsim: TEST ONLY: dumping decrypted requests to %s\n",
		           opts->dump_plaintext);
	}
	/* signals go to sigwait below, never to a worker thread */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (size_t i = 0; i < s.n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, acceptor_main, &s.units[i]) != 0) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "cannot start a thread");
			goto done;
		}
		pthread_detach(t);
	}
	printf("openmu-unitsim: serving %zu units of %s\n", s.n, inst->name);
	for (size_t i = 0; i < s.n; i++)
		printf("  %s on %s:%u\n", s.units[i].name, s.units[i].host, s.units[i].port);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	/* wait for requests in progress: every state write is complete */
	for (size_t i = 0; i < s.n; i++)
		pthread_mutex_lock(&s.units[i].lock);
	printf("openmu-unitsim: stopped by signal %d\n", sig);
	fflush(stdout);
	/* worker threads may still hold connections: end the process here */
	_exit(0);
done:
	server_free(&s);
	return ok;
}
