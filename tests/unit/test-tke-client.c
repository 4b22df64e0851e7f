/* SPDX-License-Identifier: Apache-2.0 */
/* The unit client of tke/ against a fake unit on loopback that misbehaves on
 * purpose: the client must accept a well-behaved unit and refuse a response
 * that is unsigned, signed by another key or for another request, an OA
 * certificate of another root, a TLS certificate for another unit and an
 * identity the instance file does not list; a signed refusal comes back as
 * a unit error. The certificates are made here, as openmu-unitsim makes
 * them (docs/protocol.md §16). */
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mu-status.h"
#include "mu-tke-error.h"
#include "mu-tke-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "mu-unit-msg.h"

static const uint8_t module_id[MU_UNIT_MODULE_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
#define MODULE_HEX "0102030405060708"
#define DOMAIN     3

typedef enum {
	MODE_GOOD,
	MODE_BAD_SIG,  /* STATUS signed by another key */
	MODE_OLD_HASH, /* STATUS answer carries another request hash */
	MODE_UNSIGNED, /* STATUS answer without its 93 signature */
	MODE_REFUSE,   /* STATUS answered with a signed refusal */
	MODE_GARBAGE,  /* STATUS answered with bytes that are no response */
} fake_mode;

/* Keys and certificates, made once. */
typedef struct pki {
	EVP_PKEY *root_key, *other_root_key, *oa_key, *other_key, *tls_key;
	X509 *root, *other_root;
	X509 *oa, *oa_foreign;      /* OA certificate of our root / of another root */
	X509 *tls, *tls_other_unit; /* CN "unit1 TLS" / "unit2 TLS" */
	X509 *tls_other_host;       /* CN "unit1 TLS", but not for 127.0.0.1 */
} pki;

static pki P;

typedef struct fake {
	int listen_fd;
	uint16_t port;
	fake_mode mode;
	X509 *tls;
	X509 *oa;
	GThread *thread;
} fake;

/* ---- certificates ---- */

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	g_assert_nonnull(ext);
	g_assert_cmpint(X509_add_ext(x, ext, -1), ==, 1);
	X509_EXTENSION_free(ext);
}

/* san: subjectAltName of a TLS certificate, NULL for the others. */
static X509 *make_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *ou,
                       const char *cn, gboolean ca, const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"OpenMU", -1,
	                           -1, 0);
	if (ou != NULL)
		X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1,
		                           -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509 *iss = issuer != NULL ? issuer : x;
	X509_set_issuer_name(x, X509_get_subject_name(iss));
	add_ext(x, iss, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
	if (ca) {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
	}
	if (san != NULL) {
		add_ext(x, iss, NID_subject_alt_name, san);
		add_ext(x, iss, NID_ext_key_usage, "serverAuth");
	}
	g_assert_cmpint(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha512()), >, 0);
	return x;
}

static void pki_init(void)
{
	P.root_key = EVP_EC_gen("P-521");
	P.other_root_key = EVP_EC_gen("P-521");
	P.oa_key = EVP_EC_gen("P-521");
	P.other_key = EVP_EC_gen("P-521");
	P.tls_key = EVP_EC_gen("P-256");
	g_assert_true(P.root_key && P.other_root_key && P.oa_key && P.other_key && P.tls_key);
	P.root =
	    make_cert(P.root_key, NULL, NULL, NULL, "OpenMU unitsim manufacturer root", TRUE, NULL);
	P.other_root = make_cert(P.other_root_key, NULL, NULL, NULL,
	                         "OpenMU unitsim manufacturer root", TRUE, NULL);
	const char *ou = MODULE_HEX ".0003";
	P.oa = make_cert(P.oa_key, P.root, P.root_key, ou, "unit1", FALSE, NULL);
	P.oa_foreign =
	    make_cert(P.oa_key, P.other_root, P.other_root_key, ou, "unit1", FALSE, NULL);
	const char *san = "DNS:localhost,IP:127.0.0.1";
	P.tls = make_cert(P.tls_key, P.root, P.root_key, NULL, "unit1 TLS", FALSE, san);
	P.tls_other_unit = make_cert(P.tls_key, P.root, P.root_key, NULL, "unit2 TLS", FALSE, san);
	P.tls_other_host = make_cert(P.tls_key, P.root, P.root_key, NULL, "unit1 TLS", FALSE,
	                             "DNS:unit1.example,IP:127.0.0.2");
}

static void pki_clear(void)
{
	EVP_PKEY *keys[] = {P.root_key, P.other_root_key, P.oa_key, P.other_key, P.tls_key};
	X509 *certs[] = {P.root,           P.other_root,    P.oa, P.oa_foreign, P.tls,
	                 P.tls_other_unit, P.tls_other_host};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		EVP_PKEY_free(keys[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(certs); i++)
		X509_free(certs[i]);
}

/* ---- the fake unit ---- */

static gboolean read_n(SSL *ssl, uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t done = 0;
		if (SSL_read_ex(ssl, p, n, &done) != 1)
			return FALSE;
		p += done;
		n -= done;
	}
	return TRUE;
}

static void send_frame(SSL *ssl, const uint8_t *p, size_t n)
{
	uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
	size_t done = 0;
	mu_unit_frame_header(n, hdr);
	g_assert_cmpint(SSL_write_ex(ssl, hdr, sizeof(hdr), &done), ==, 1);
	g_assert_cmpint(SSL_write_ex(ssl, p, n, &done), ==, 1);
}

/* Answers one request according to the mode. */
static void answer(fake *f, SSL *ssl, const uint8_t *req, size_t req_len)
{
	mu_unit_request r;
	mu_unit_response resp;
	uint8_t body[4096], out[8192];
	size_t body_len = 0, out_len = 0;
	mu_tlv_writer w;
	g_assert_cmpint(mu_unit_request_parse(req, req_len, &r), ==, MU_OK);
	memset(&resp, 0, sizeof(resp));
	resp.op = r.op;
	memcpy(resp.module_id, module_id, sizeof(module_id));
	resp.domain = DOMAIN;
	g_assert_cmpint(mu_unit_request_hash(req, req_len, resp.req_hash), ==, MU_OK);
	mu_tlv_writer_init(&w, body, sizeof(body));
	EVP_PKEY *signer = P.oa_key;
	if (r.op == MU_UNIT_OP_INFO) {
		mu_unit_info info;
		unsigned char *der = NULL;
		int n = i2d_X509(f->oa, &der);
		memset(&info, 0, sizeof(info));
		g_strlcpy(info.name, "unit1", sizeof(info.name));
		memcpy(info.module_id, module_id, sizeof(module_id));
		info.domain = DOMAIN;
		info.role = MU_UNIT_ROLE_OPERATIONAL;
		info.oa_cert.p = der;
		info.oa_cert.len = (size_t)n;
		mu_unit_info_encode(&info, &w);
		OPENSSL_free(der);
	} else {
		mu_unit_status st;
		memset(&st, 0, sizeof(st));
		memcpy(st.module_id, module_id, sizeof(module_id));
		st.domain = DOMAIN;
		st.imprint = true;
		st.counter = 42;
		mu_unit_status_encode(&st, &w);
		if (f->mode == MODE_BAD_SIG)
			signer = P.other_key;
		if (f->mode == MODE_OLD_HASH)
			resp.req_hash[0] ^= 1;
		if (f->mode == MODE_GARBAGE) {
			send_frame(ssl, (const uint8_t *)"hello", 5);
			return;
		}
	}
	g_assert_cmpint(mu_tlv_writer_finish(&w, &body_len), ==, MU_OK);
	if (r.op == MU_UNIT_OP_STATUS && f->mode == MODE_REFUSE) {
		resp.status = MU_UNIT_ERR_INTERNAL;
		resp.message.p = (const uint8_t *)"disk\ton fire";
		resp.message.len = strlen("disk\ton fire");
	} else {
		resp.body.p = body;
		resp.body.len = body_len;
	}
	g_assert_cmpint(mu_unit_response_encode(&resp, signer, out, sizeof(out), &out_len), ==,
	                MU_OK);
	if (r.op == MU_UNIT_OP_STATUS && f->mode == MODE_UNSIGNED) {
		mu_tlv_reader rd;
		mu_tlv t;
		mu_tlv_reader_init(&rd, out, out_len);
		g_assert_cmpint(mu_tlv_next(&rd, &t), ==, 1);
		out_len = (size_t)(t.value + t.len - out); /* the A0 TLV alone */
	}
	send_frame(ssl, out, out_len);
}

static gpointer serve(gpointer data)
{
	fake *f = data;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	g_assert_nonnull(ctx);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	g_assert_cmpint(SSL_CTX_use_certificate(ctx, f->tls), ==, 1);
	g_assert_cmpint(SSL_CTX_use_PrivateKey(ctx, P.tls_key), ==, 1);
	int fd = accept(f->listen_fd, NULL, NULL);
	g_assert_cmpint(fd, >=, 0);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		for (;;) {
			uint8_t hdr[MU_UNIT_FRAME_HEADER_LEN];
			size_t n = 0;
			if (!read_n(ssl, hdr, sizeof(hdr)) || mu_unit_frame_parse(hdr, &n) != MU_OK)
				break;
			uint8_t *req = g_malloc(n);
			gboolean ok = read_n(ssl, req, n);
			if (ok)
				answer(f, ssl, req, n);
			g_free(req);
			if (!ok)
				break;
		}
	}
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	return NULL;
}

static void fake_start(fake *f, fake_mode mode, X509 *tls, X509 *oa)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->tls = tls;
	f->oa = oa;
	f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(listen(f->listen_fd, 1), ==, 0);
	g_assert_cmpint(getsockname(f->listen_fd, (struct sockaddr *)&a, &al), ==, 0);
	f->port = ntohs(a.sin_port);
	f->thread = g_thread_new("fake-unit", serve, f);
}

static void fake_stop(fake *f)
{
	g_thread_join(f->thread);
	close(f->listen_fd);
}

/* ---- the instance file ---- */

/* Writes D/root.pem and D/instance.ini for a unit on port; module_hex and
 * role as the file should list them. */
static mu_tke_instance *instance_for(const char *dir, uint16_t port, const char *module_hex,
                                     const char *role)
{
	g_autofree char *root_path = g_build_filename(dir, "root.pem", NULL);
	g_autofree char *ini = g_build_filename(dir, "instance.ini", NULL);
	BIO *bio = BIO_new_file(root_path, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, P.root), ==, 1);
	BIO_free(bio);
	unsigned char *der = NULL;
	int n = i2d_X509(P.root, &der);
	uint8_t fpr[32];
	g_assert_cmpint(mu_unit_sha256(der, (size_t)n, fpr), ==, MU_OK);
	OPENSSL_free(der);
	g_autofree char *fhex = mu_tke_hex(fpr, sizeof(fpr));
	g_autofree char *text = g_strdup_printf("[instance]\nname=test\nroot-certificate=root.pem\n"
	                                        "root-fingerprint=%s\nunits=unit1\n\n"
	                                        "[unit unit1]\naddress=127.0.0.1:%u\nrole=%s\n"
	                                        "module-id=%s\ndomain=%u\n",
	                                        fhex, (unsigned)port, role, module_hex, DOMAIN);
	g_assert_true(g_file_set_contents(ini, text, -1, NULL));
	GError *error = NULL;
	mu_tke_instance *inst = mu_tke_instance_load(ini, &error);
	g_assert_no_error(error);
	return inst;
}

/* Runs connect + STATUS against a fake unit; returns the error (or NULL). */
static GError *run_case(fake_mode mode, X509 *tls, X509 *oa, const char *module_hex,
                        const char *role, mu_unit_status *st)
{
	fake f;
	GError *error = NULL;
	g_autofree char *dir = g_dir_make_tmp("tke-client-XXXXXX", NULL);
	fake_start(&f, mode, tls, oa);
	mu_tke_instance *inst = instance_for(dir, f.port, module_hex, role);
	mu_tke_client *c = mu_tke_client_connect(inst, mu_tke_instance_unit(inst, 0), &error);
	if (c != NULL) {
		g_assert_no_error(error);
		g_assert_cmpstr(mu_tke_client_info(c)->name, ==, "unit1");
		g_assert_cmpuint(strlen(mu_tke_client_oa_fingerprint_hex(c)), ==, 64);
		if (mu_tke_status_fetch(c, st, &error))
			g_assert_no_error(error);
		else
			g_assert_nonnull(error);
		/* after a trust or protocol failure the client is closed */
		if (error != NULL && error->domain == MU_TKE_ERROR) {
			GError *again = NULL;
			g_assert_false(mu_tke_status_fetch(c, st, &again));
			g_assert_error(again, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT);
			g_error_free(again);
		}
	}
	mu_tke_client_free(&c);
	fake_stop(&f);
	mu_tke_instance_free(&inst);
	g_autofree char *p1 = g_build_filename(dir, "root.pem", NULL);
	g_autofree char *p2 = g_build_filename(dir, "instance.ini", NULL);
	g_unlink(p1);
	g_unlink(p2);
	g_rmdir(dir);
	return error;
}

static void expect(GError *error, GQuark domain, int code, const char *text)
{
	if (error == NULL)
		g_error("expected an error saying \"%s\"", text);
	g_assert_error(error, domain, code);
	if (strstr(error->message, text) == NULL)
		g_error("\"%s\" does not say \"%s\"", error->message, text);
	g_assert_nonnull(strstr(error->message, "unit1"));
	g_error_free(error);
}

static void test_good(void)
{
	mu_unit_status st;
	GError *error = run_case(MODE_GOOD, P.tls, P.oa, MODULE_HEX, "operational", &st);
	g_assert_no_error(error);
	g_assert_cmpuint(st.counter, ==, 42);
	g_assert_true(st.imprint);
}

static void test_mis_signed(void)
{
	mu_unit_status st;
	expect(run_case(MODE_BAD_SIG, P.tls, P.oa, MODULE_HEX, "operational", &st), MU_TKE_ERROR,
	       MU_TKE_ERROR_TRUST, "not signed by its OA key");
	expect(run_case(MODE_OLD_HASH, P.tls, P.oa, MODULE_HEX, "operational", &st), MU_TKE_ERROR,
	       MU_TKE_ERROR_TRUST, "for another request");
	expect(run_case(MODE_UNSIGNED, P.tls, P.oa, MODULE_HEX, "operational", &st), MU_TKE_ERROR,
	       MU_TKE_ERROR_PROTOCOL, "malformed or unsigned");
	expect(run_case(MODE_GARBAGE, P.tls, P.oa, MODULE_HEX, "operational", &st), MU_TKE_ERROR,
	       MU_TKE_ERROR_PROTOCOL, "not a signed unit response");
}

static void test_wrong_identity(void)
{
	mu_unit_status st;
	expect(run_case(MODE_GOOD, P.tls, P.oa_foreign, MODULE_HEX, "operational", &st),
	       MU_TKE_ERROR, MU_TKE_ERROR_TRUST,
	       "OA certificate does not chain to the instance root");
	expect(run_case(MODE_GOOD, P.tls_other_unit, P.oa, MODULE_HEX, "operational", &st),
	       MU_TKE_ERROR, MU_TKE_ERROR_TRUST, "is for \"unit2 TLS\"");
	expect(run_case(MODE_GOOD, P.tls_other_host, P.oa, MODULE_HEX, "operational", &st),
	       MU_TKE_ERROR, MU_TKE_ERROR_TRUST, "not issued for host 127.0.0.1");
	expect(run_case(MODE_GOOD, P.tls, P.oa, "0102030405060709", "operational", &st),
	       MU_TKE_ERROR, MU_TKE_ERROR_TRUST, "lists module 0102030405060709");
	expect(run_case(MODE_GOOD, P.tls, P.oa, MODULE_HEX, "recovery", &st), MU_TKE_ERROR,
	       MU_TKE_ERROR_TRUST, "lists it as recovery");
}

static void test_refusal(void)
{
	mu_unit_status st;
	GError *e = run_case(MODE_REFUSE, P.tls, P.oa, MODULE_HEX, "operational", &st);
	g_assert_nonnull(e);
	/* a control character of the unit's text is not passed to a terminal */
	g_assert_nonnull(strstr(e->message, "disk?on fire"));
	expect(e, MU_TKE_UNIT_ERROR, MU_UNIT_ERR_INTERNAL, "refused (internal)");
}

static void test_unreachable(void)
{
	/* a port that was just free: nobody listens */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &al), ==, 0);
	close(fd);
	g_autofree char *dir = g_dir_make_tmp("tke-client-XXXXXX", NULL);
	mu_tke_instance *inst = instance_for(dir, ntohs(a.sin_port), MODULE_HEX, "operational");
	GError *error = NULL;
	g_assert_null(mu_tke_client_connect(inst, mu_tke_instance_unit(inst, 0), &error));
	expect(error, MU_TKE_ERROR, MU_TKE_ERROR_CONNECT, "is not reachable");
	mu_tke_instance_free(&inst);
	g_autofree char *p1 = g_build_filename(dir, "root.pem", NULL);
	g_autofree char *p2 = g_build_filename(dir, "instance.ini", NULL);
	g_unlink(p1);
	g_unlink(p2);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	g_test_init(&argc, &argv, NULL);
	pki_init();
	g_test_add_func("/tke/client/good", test_good);
	g_test_add_func("/tke/client/mis-signed", test_mis_signed);
	g_test_add_func("/tke/client/wrong-identity", test_wrong_identity);
	g_test_add_func("/tke/client/refusal", test_refusal);
	g_test_add_func("/tke/client/unreachable", test_unreachable);
	int rc = g_test_run();
	pki_clear();
	return rc;
}
