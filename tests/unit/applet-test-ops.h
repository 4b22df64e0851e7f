/* SPDX-License-Identifier: Apache-2.0 */
/* More helpers for applet tests, on top of applet-test-util.h: TLV command
 * data, white-box access to a card's keys (through the test-only secret
 * walk), and envelopes built independently of the applet (docs §8). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include <openssl/types.h>

#include "applet-test-util.h"
#include "mu-tlv.h"

/* Command data built from TLVs. */
typedef struct ops_data {
	uint8_t buf[16384];
	mu_tlv_writer w;
} ops_data;

void ops_data_init(ops_data *d);
/* The bytes written so far (asserts no overflow). */
size_t ops_data_len(const ops_data *d);
/* Appends raw bytes (e.g. a whole response). */
void ops_data_raw(ops_data *d, const void *p, size_t len);

/* The serial of a card (from its GET DATA). */
void ops_serial(cardsim_card *c, uint8_t serial[8]);
/* One byte TLV of GET DATA. */
uint8_t ops_info_u8(cardsim_card *c, uint32_t tag);
/* A key the card holds, rebuilt from its secret scalar: kind is one of
 * "card-key", "zone-ca-key", "admin-key". Caller frees. */
EVP_PKEY *ops_card_secret_key(const cardsim_card *c, const char *kind);
/* GET CERT (asserts 9000) into r. */
void ops_get_cert(cardsim_card *c, uint8_t which, applet_resp *r);
/* A blank card, selected, that ran PREPARE: its serial and point. */
cardsim_card *ops_new_prepared(uint8_t serial[8], uint8_t point[133]);
/* Generates the admin signature key "Alice" (asserts 9000). */
void ops_genkey(cardsim_card *c);
/* KEYPART GENERATE with desc; returns the SW, the slot and VP in r. */
uint16_t ops_keypart_gen(cardsim_card *c, const char *desc, applet_resp *r);

/* Builds A2 { 81 src, 81 dst, 9D eph, 95 nonce, 96 ct||tag, <cred_tag cred> }
 * and 93 signature by signer over context || A2, as docs/protocol.md §8 says,
 * encrypting plain for dst_pub. Appends it to d. */
void ops_envelope(ops_data *d, const char *context, const uint8_t src[8], const uint8_t dst[8],
                  EVP_PKEY *dst_pub, const uint8_t *plain, size_t plain_len, uint32_t cred_tag,
                  const uint8_t *cred, size_t cred_len, EVP_PKEY *signer);
/* Opens an envelope (A2 + 93 at the top level of buf) with the target key,
 * independently of the applet; returns the plaintext (g_free) or NULL. */
uint8_t *ops_envelope_open(const uint8_t *buf, size_t len, const char *context, EVP_PKEY *dst_key,
                           size_t *plain_len);
