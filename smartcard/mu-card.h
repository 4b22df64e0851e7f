/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenMU card API: one function per card operation, over a connection
 * from mu-reader.h. Every function returns MU_SC_OK or a negative MU_SC_ERR_*
 * and, on error, leaves a message a user can act on in mu_card_errmsg()
 * ("wrong PIN, 2 tries left", "card is blocked: unblock it with the CA card
 * of zone ZONE-A", ...). PINs are passed as NUL-terminated 6-digit strings;
 * the APDU buffers that carried them are wiped after transmit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mu-reader.h"
#include "mu-card-proto.h"

typedef struct mu_card mu_card;

typedef struct mu_card_info {
	int type;                 /* MU_CARD_TYPE_* */
	uint8_t serial[MU_SERIAL_LEN];
	char label[MU_LABEL_MAX + 1];
	char zone_id[MU_ZONE_ID_MAX + 1];
	char zone_desc[MU_DESC_MAX + 1];
	uint8_t root_fpr[32];
	bool has_root_fpr;
	int pin1_tries;           /* -1 when the card has no PIN */
	int pin2_tries;           /* CA cards only, else -1 */
	bool pin1_verified, pin2_verified;
	bool blocked, prepared, has_sigkey;
	char admin_name[MU_NAME_MAX + 1];
	uint8_t admin_key_id[MU_KEY_ID_LEN];
	int keypart_count, keypart_max;
} mu_card_info;

typedef struct mu_keypart_info {
	unsigned slot;
	char desc[MU_DESC_MAX + 1];
	uint8_t vp[32];
} mu_keypart_info;

/* Connects to the card in reader and selects the OpenMU applet.
 * MU_SC_ERR_NOT_OPENMU for any other card. */
int mu_card_open(mu_backend *b, const char *reader, mu_card **out);
void mu_card_free(mu_card **c);
/* Last error message of this card handle (never NULL). */
const char *mu_card_errmsg(const mu_card *c);
mu_conn *mu_card_conn(mu_card *c);
/* Returns the type name: "blank", "CA", "EP11". */
const char *mu_card_type_name(int type);

int mu_card_info_get(mu_card *c, mu_card_info *out);

/* PINs. which = 1 or 2 (CA PIN 2). */
int mu_card_verify(mu_card *c, int which, const char *pin);
int mu_card_change_pin(mu_card *c, int which, const char *old_pin, const char *new_pin);
/* Unblocks the EP11 card's PIN with the zone's CA card; the CA card must be
 * verified (both PINs) beforehand. */
int mu_card_unblock(mu_card *ep11, mu_card *ca, const char *new_pin);

/* Personalization. */
int mu_card_init_ca(mu_card *c, const char *zone_id, const char *zone_desc,
                    const uint8_t *root_der, size_t root_len, const char *pin1,
                    const char *pin2, const char *label, uint8_t root_fpr[32]);
/* Enrolls a blank card into the zone of ca (verified): PREPARE, CERTIFY
 * CARD, ENROLL. */
int mu_card_enroll(mu_card *blank, mu_card *ca, const char *pin, const char *label);

/* Reads a certificate (MU_CERT_*) as DER; *der is malloc'ed. */
int mu_card_get_cert(mu_card *c, int which, uint8_t **der, size_t *len);

/* Signature key and signing (EP11, verified). */
int mu_card_sigkey_gen(mu_card *c, const char *admin_name, bool replace,
                       uint8_t key_id[MU_KEY_ID_LEN]);
/* ECDSA P-521 over SHA-512 of data; *sig (DER) is malloc'ed. */
int mu_card_sign(mu_card *c, const uint8_t *data, size_t len, uint8_t **sig, size_t *sig_len);

/* Key parts (EP11). */
int mu_card_keypart_gen(mu_card *c, const char *desc, unsigned *slot, uint8_t vp[32]);
/* *parts is malloc'ed (free with free()). */
int mu_card_keypart_list(mu_card *c, mu_keypart_info **parts, size_t *n);
int mu_card_keypart_delete(mu_card *c, unsigned slot);

/* A crypto unit a key part is exported to, as the workstation relays it:
 * all fields come from the unit (INFO and GENERATE IMPORTER) and are
 * verified by the card, not by the caller. docs/protocol.md §20. */
typedef struct mu_card_export_target {
	unsigned slot;           /* key part slot on the card */
	uint8_t module_id[8];    /* the unit's identity */
	uint16_t domain;
	const uint8_t *oa_cert;  /* the unit's OA certificate DER */
	size_t oa_cert_len;
	const uint8_t *stmt;     /* the whole A7 importer statement TLV */
	size_t stmt_len;
	const uint8_t *stmt_sig; /* the OA signature over it (DER) */
	size_t stmt_sig_len;
} mu_card_export_target;

/* KEYPART EXPORT (EP11, verified): the card verifies the OA certificate
 * against its stored manufacturer root, the statement signature and the
 * identity, then wraps the part of t->slot for the importer key. On success
 * *envelope (the whole A6 TLV of §15, malloc'ed) and *env_len are set and
 * vp (may be NULL) is the part's VP. MU_SC_ERR_CARD when the card refuses
 * the unit (wrong root, bad signature, other unit), MU_SC_ERR_NOT_FOUND for
 * an empty slot, PIN errors as usual. Defined in mu-card-export.c. */
int mu_card_keypart_export(mu_card *c, const mu_card_export_target *t, uint8_t **envelope,
                           size_t *env_len, uint8_t vp[32]);

/* Copies signature key and key parts from src to dst, both EP11 and
 * verified; MU_SC_ERR_ZONE (with both zone ids in the message) when they
 * are of different zones. */
int mu_card_copy(mu_card *src, mu_card *dst);
/* Backs up the verified CA card src to the blank card dst, which becomes a
 * CA card of the same zone with PINs pin1/pin2. */
int mu_card_ca_backup(mu_card *src, mu_card *dst, const char *pin1, const char *pin2);

int mu_card_zeroize(mu_card *c);
