/* SPDX-License-Identifier: Apache-2.0 */
/* PIN commands: VERIFY, CHANGE REFERENCE DATA, GET CHALLENGE and RESET
 * RETRY COUNTER (unblock with the zone CA's signature), docs/protocol.md §4
 * and §7. */
#include "cardsim-private.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"

/* Selects the PIN a command names in P2; NULL when the card has no such PIN. */
static uint8_t *pin_ref(cardsim_card *c, const mu_apdu *a, uint8_t **tries, bool **verified,
                        uint16_t *sw)
{
	if (c->type != MU_CARD_TYPE_CA && c->type != MU_CARD_TYPE_EP11) {
		*sw = MU_SW_INCOMPATIBLE_FILE;
		return NULL;
	}
	if (a->p1 != 0) {
		*sw = MU_SW_WRONG_P1P2;
		return NULL;
	}
	if (a->p2 == MU_PIN_REF_1) {
		*tries = &c->tries1;
		*verified = &c->v1;
		return c->pin1;
	}
	if (a->p2 == MU_PIN_REF_2 && c->type == MU_CARD_TYPE_CA) {
		*tries = &c->tries2;
		*verified = &c->v2;
		return c->pin2;
	}
	*sw = MU_SW_WRONG_P1P2;
	return NULL;
}

/* Compares a candidate with the stored PIN; counts the try. */
static uint16_t check_pin(cardsim_card *c, const uint8_t *stored, uint8_t *tries, bool *verified,
                          const uint8_t *candidate)
{
	uint8_t max = c->type == MU_CARD_TYPE_CA ? MU_CA_PIN_TRIES : MU_EP11_PIN_TRIES;
	if (*tries == 0)
		return MU_SW_PIN_BLOCKED;
	if (CRYPTO_memcmp(stored, candidate, MU_PIN_LEN) != 0) {
		(*tries)--;
		*verified = false;
		c->dirty = true;
		return *tries == 0 ? MU_SW_PIN_BLOCKED : (uint16_t)(MU_SW_WRONG_PIN | *tries);
	}
	if (*tries != max) {
		*tries = max;
		c->dirty = true;
	}
	*verified = true;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_verify(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                            mu_tlv_writer *o)
{
	(void)o;
	uint8_t *tries;
	bool *verified;
	uint16_t sw = MU_SW_OK;
	uint8_t *pin = pin_ref(c, a, &tries, &verified, &sw);
	if (pin == NULL)
		return sw;
	if (n == 0) {
		if (*tries == 0)
			return MU_SW_PIN_BLOCKED;
		return *verified ? MU_SW_OK : (uint16_t)(MU_SW_WRONG_PIN | *tries);
	}
	if (!cardsim_pin_ok(d, n))
		return MU_SW_WRONG_DATA;
	return check_pin(c, pin, tries, verified, d);
}

uint16_t cardsim_cmd_change_pin(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                mu_tlv_writer *o)
{
	(void)o;
	uint8_t *tries;
	bool *verified;
	uint16_t sw = MU_SW_OK;
	uint8_t *pin = pin_ref(c, a, &tries, &verified, &sw);
	if (pin == NULL)
		return sw;
	if (n != 2 * MU_PIN_LEN || !cardsim_pin_ok(d, MU_PIN_LEN) ||
	    !cardsim_pin_ok(d + MU_PIN_LEN, MU_PIN_LEN))
		return MU_SW_WRONG_DATA;
	sw = check_pin(c, pin, tries, verified, d);
	if (sw != MU_SW_OK)
		return sw;
	memcpy(pin, d + MU_PIN_LEN, MU_PIN_LEN);
	c->dirty = true;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_get_challenge(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                   mu_tlv_writer *o)
{
	(void)d;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	if (n != 0)
		return MU_SW_WRONG_LENGTH;
	uint8_t challenge[MU_CHALLENGE_LEN];
	/* raw bytes, not a TLV */
	if (mu_random(challenge, sizeof(challenge)) != MU_OK ||
	    !cardsim_put_raw(o, challenge, sizeof(challenge)))
		return MU_SW_UNKNOWN;
	memcpy(c->challenge, challenge, sizeof(challenge));
	c->has_challenge = true;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_reset_retry(cardsim_card *c, const mu_apdu *a, const uint8_t *d, size_t n,
                                 mu_tlv_writer *o)
{
	(void)o;
	mu_tlv sig, pin;
	/* EP11 only: a CA PIN at 0 is blocked for good */
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != MU_PIN_REF_1)
		return MU_SW_WRONG_P1P2;
	if (cardsim_tlv_get(d, n, MU_TAG_SIGNATURE, &sig) != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_PIN, &pin) != 1 || !cardsim_pin_ok(pin.value, pin.len))
		return MU_SW_WRONG_DATA;
	if (!c->has_challenge)
		return MU_SW_CONDITIONS;
	/* one attempt per challenge, whatever its outcome */
	uint8_t msg[MU_SERIAL_LEN + MU_CHALLENGE_LEN];
	memcpy(msg, c->serial, MU_SERIAL_LEN);
	memcpy(msg + MU_SERIAL_LEN, c->challenge, MU_CHALLENGE_LEN);
	c->has_challenge = false;
	mu_memzero(c->challenge, sizeof(c->challenge));
	/* only the card's own zone CA may unblock it */
	EVP_PKEY *ca = NULL;
	if (!cardsim_x509_zone_ca_key(c->ca_cert.der, c->ca_cert.len, c->zone_id, &ca))
		return MU_SW_UNKNOWN;
	bool ok = cardsim_verify(ca, MU_UNBLOCK_CONTEXT, msg, sizeof(msg), &sig);
	EVP_PKEY_free(ca);
	if (!ok)
		return MU_SW_NOT_VERIFIED;
	memcpy(c->pin1, pin.value, MU_PIN_LEN);
	c->tries1 = MU_EP11_PIN_TRIES;
	c->v1 = false;
	c->dirty = true;
	return MU_SW_OK;
}
