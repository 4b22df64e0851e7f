/* SPDX-License-Identifier: Apache-2.0 */
/* The card's rules for the certificates it is given (docs/protocol.md §5,
 * §6, §8), on top of the generic checks of mu-x509.h. */
#include "cardsim-private.h"

#include <string.h>

#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-status.h"
#include "mu-x509.h"

/* The certificate's subject key, which must be on P-521. */
static bool p521_key(const uint8_t *der, size_t len, EVP_PKEY **pub)
{
	EVP_PKEY *k = NULL;
	if (mu_x509_public_key(der, len, &k) != MU_OK)
		return false;
	if (!mu_ec_is_p521(k)) {
		EVP_PKEY_free(k);
		return false;
	}
	*pub = k;
	return true;
}

/* The subject OU equals zone_id. */
static bool names_zone(const uint8_t *der, size_t len, const char *zone_id)
{
	char ou[MU_ZONE_ID_MAX + 1];
	return mu_x509_subject_ou(der, len, ou, sizeof(ou)) == MU_OK && strcmp(ou, zone_id) == 0;
}

bool cardsim_x509_zone_ca_key(const uint8_t *der, size_t len, const char *zone_id, EVP_PKEY **pub)
{
	if (mu_x509_check_self_signed(der, len) != MU_OK)
		return false;
	if (zone_id != NULL && !names_zone(der, len, zone_id))
		return false;
	return p521_key(der, len, pub);
}

bool cardsim_x509_zone_of(const uint8_t *der, size_t len, char zone_id[MU_ZONE_ID_MAX + 1])
{
	char ou[MU_ZONE_ID_MAX + 1];
	if (mu_x509_subject_ou(der, len, ou, sizeof(ou)) != MU_OK ||
	    !cardsim_zone_ok((const uint8_t *)ou, strlen(ou)))
		return false;
	memcpy(zone_id, ou, sizeof(ou));
	return true;
}

bool cardsim_x509_card_check(const uint8_t *der, size_t len, const cardsim_cert *ca,
                             const char *zone_id, uint8_t serial[MU_SERIAL_LEN], EVP_PKEY **pub)
{
	uint8_t s[MU_SERIAL_LEN];
	if (ca->len == 0 || mu_x509_check_issued_by(der, len, ca->der, ca->len) != MU_OK ||
	    !names_zone(der, len, zone_id) || mu_x509_card_serial(der, len, s) != MU_OK ||
	    !p521_key(der, len, pub))
		return false;
	memcpy(serial, s, sizeof(s));
	return true;
}

bool cardsim_x509_has_point(const uint8_t *der, size_t len, const uint8_t point[MU_P521_POINT_LEN])
{
	uint8_t got[MU_P521_POINT_LEN];
	return mu_x509_public_point(der, len, got) == MU_OK &&
	       memcmp(got, point, sizeof(got)) == 0;
}
