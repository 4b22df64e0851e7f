/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the card applet shared by its command files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "cardsim-card.h"
#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-tlv.h"

#define CARDSIM_CERT_MAX 4096u
#define CARDSIM_RESP_MAX 20480u

typedef struct cardsim_keypart {
	bool used;
	char desc[MU_DESC_MAX + 1];
	uint8_t value[MU_KEYPART_LEN];
	uint8_t vp[32];
} cardsim_keypart;

/* A certificate held by the card (DER). */
typedef struct cardsim_cert {
	uint8_t *der;
	size_t len;
} cardsim_cert;

struct cardsim_card {
	/* Persistent state (the image). */
	int type;
	uint8_t serial[MU_SERIAL_LEN];
	char label[MU_LABEL_MAX + 1];
	char zone_id[MU_ZONE_ID_MAX + 1];
	char zone_desc[MU_DESC_MAX + 1];
	uint8_t pin1[MU_PIN_LEN], pin2[MU_PIN_LEN];
	uint8_t tries1, tries2;
	bool has_card_key, has_ca_key, has_sigkey;
	uint8_t card_key[MU_P521_SCALAR_LEN];
	uint8_t ca_key[MU_P521_SCALAR_LEN];
	uint8_t sig_key[MU_P521_SCALAR_LEN];
	char admin_name[MU_NAME_MAX + 1];
	cardsim_cert card_cert, ca_cert, root_cert, admin_cert;
	cardsim_keypart parts[MU_KEYPARTS_MAX];

	/* Volatile state: lost on reset. */
	bool selected, v1, v2, has_challenge;
	uint8_t challenge[MU_CHALLENGE_LEN];
	bool chaining;
	uint8_t chain_cla, chain_ins, chain_p1, chain_p2;
	uint8_t *chain_buf; /* MU_CHAIN_BUF_MAX bytes */
	size_t chain_len;
	uint8_t *resp;      /* CARDSIM_RESP_MAX bytes: response waiting for GET RESPONSE */
	size_t resp_len, resp_off;
	bool dirty;
};

/* A command handler: data is the whole (unchained) command data; the
 * response data goes to out. Returns the status word. On any status but
 * 9000 the persistent state must be unchanged (except PIN try counters). */
typedef uint16_t (*cardsim_handler)(cardsim_card *c, const mu_apdu *a, const uint8_t *data,
                                    size_t len, mu_tlv_writer *out);

/* An empty card structure with its buffers, or NULL. */
cardsim_card *cardsim_card_alloc(void);

/* Status of the PIN checks a command needs: 9000, 6983 or 6982. */
uint16_t cardsim_need_user(const cardsim_card *c);    /* EP11: PIN verified */
uint16_t cardsim_need_officers(const cardsim_card *c); /* CA: both PINs verified */
bool cardsim_is_blocked(const cardsim_card *c);

/* Field checks shared by commands and the image parser. */
bool cardsim_pin_ok(const uint8_t *pin, size_t len);
bool cardsim_text_ok(const uint8_t *s, size_t len, size_t max, bool allow_empty);
bool cardsim_zone_ok(const uint8_t *s, size_t len);
/* Copies a checked text TLV value into a NUL-terminated buffer. */
void cardsim_text_copy(char *dst, const uint8_t *s, size_t len);

/* Copies der into cert (replacing what it held). Returns 0 or MU_ERR_*. */
int cardsim_cert_set(cardsim_cert *cert, const uint8_t *der, size_t len);
/* Takes ownership of a malloc'ed der (replacing what cert held). */
void cardsim_cert_take(cardsim_cert *cert, uint8_t *der, size_t len);
void cardsim_cert_clear(cardsim_cert *cert);
/* Wipes every secret and certificate: the card becomes blank (serial and
 * label stay). */
void cardsim_wipe_personalization(cardsim_card *c);

/* Appends raw bytes (not a TLV) to the response; false when they do not fit. */
bool cardsim_put_raw(mu_tlv_writer *o, const uint8_t *p, size_t n);

/* Top-level TLV lookup that insists on exactly one occurrence. Returns 1
 * found, 0 absent, -1 duplicate or malformed. */
int cardsim_tlv_get(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out);
/* The same, also returning the whole TLV (header included) in *start and *total. */
int cardsim_tlv_span(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out,
                     const uint8_t **start, size_t *total);

/* Keys over mu-crypto.h for the scalars the card stores. */
/* A key pair from a stored scalar (caller frees), or NULL. */
EVP_PKEY *cardsim_key(const uint8_t scalar[MU_P521_SCALAR_LEN]);
/* Generates a P-521 key and stores its scalar. Returns 0 or -1. */
int cardsim_generate(uint8_t scalar[MU_P521_SCALAR_LEN]);
/* Public point of a stored scalar. Returns 0 or -1. */
int cardsim_point(const uint8_t scalar[MU_P521_SCALAR_LEN], uint8_t point[MU_P521_POINT_LEN]);
/* Signs context || msg with a stored key and appends TLV 93 to out. */
uint16_t cardsim_sign_tlv(const uint8_t scalar[MU_P521_SCALAR_LEN], const char *context,
                          const uint8_t *msg, size_t len, mu_tlv_writer *out);
/* Verifies a signature over context || msg. */
bool cardsim_verify(EVP_PKEY *pub, const char *context, const uint8_t *msg, size_t len,
                    const mu_tlv *sig);

/* Command handlers, one file per group. */
uint16_t cardsim_cmd_verify(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_change_pin(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_get_challenge(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_reset_retry(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_init_ca(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_certify(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_sign_unblock(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_backup_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_restore(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_prepare(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_enroll(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_get_cert(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_genkey(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_pso(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_keypart_gen(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_keypart_list(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_keypart_delete(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_zeroize(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_copy_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
/* cardsim-export.c: KEYPART EXPORT to a verified unit importer key. */
uint16_t cardsim_cmd_keypart_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);
uint16_t cardsim_cmd_copy_import(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n, mu_tlv_writer *o);

/* Envelopes (cardsim-envelope.c), docs/protocol.md §8. */
typedef struct cardsim_envelope {
	const uint8_t *a2;       /* the whole A2 TLV, as signed */
	size_t a2_len;
	uint8_t src_serial[MU_SERIAL_LEN];
	uint8_t dst_serial[MU_SERIAL_LEN];
	const uint8_t *eph;      /* MU_P521_POINT_LEN */
	const uint8_t *nonce;    /* 12 */
	const uint8_t *ct;
	size_t ct_len;
	mu_tlv credential;       /* 8E or 9A */
	mu_tlv sig;              /* 93 */
} cardsim_envelope;

/* Encrypts plaintext to dst_point and writes A2 {...} 93 {...} to out. */
uint16_t cardsim_envelope_seal(const char *context, const uint8_t src[MU_SERIAL_LEN],
                               const uint8_t dst[MU_SERIAL_LEN], EVP_PKEY *dst_pub,
                               const uint8_t *plain, size_t plain_len, uint32_t cred_tag,
                               const cardsim_cert *cred,
                               const uint8_t sign_key[MU_P521_SCALAR_LEN], mu_tlv_writer *out);
/* Parses A2 + 93 at the top level of buf (other TLVs allowed beside). */
uint16_t cardsim_envelope_parse(const uint8_t *buf, size_t len, uint32_t cred_tag,
                                cardsim_envelope *env);
/* Verifies the envelope signature with signer, then decrypts with the
 * card key. plain must hold env->ct_len bytes; *plain_len set on success. */
uint16_t cardsim_envelope_open(const cardsim_envelope *env, const char *context,
                               EVP_PKEY *signer, const uint8_t card_key[MU_P521_SCALAR_LEN],
                               uint8_t *plain, size_t *plain_len);

/* Certificates (cardsim-x509.c): the card's rules over mu-x509.h. */
/* A self-signed zone CA certificate (naming zone_id unless NULL) with a
 * P-521 key: its public key in *pub (caller frees). */
bool cardsim_x509_zone_ca_key(const uint8_t *der, size_t len, const char *zone_id, EVP_PKEY **pub);
/* The zone id (subject OU) of a certificate, when it is a valid zone id. */
bool cardsim_x509_zone_of(const uint8_t *der, size_t len, char zone_id[MU_ZONE_ID_MAX + 1]);
/* A card certificate issued by ca for zone_id: its card serial and its
 * P-521 public key (caller frees). */
bool cardsim_x509_card_check(const uint8_t *der, size_t len, const cardsim_cert *ca,
                             const char *zone_id, uint8_t serial[MU_SERIAL_LEN], EVP_PKEY **pub);
/* True when the certificate's subject key is the given P-521 point. */
bool cardsim_x509_has_point(const uint8_t *der, size_t len, const uint8_t point[MU_P521_POINT_LEN]);
