/* SPDX-License-Identifier: Apache-2.0 */
/* X.509 helpers: the certificates of docs/protocol.md §5 (zone CA, card,
 * admin), and the checks the cards and the workstation make on certificates
 * (self-signed, issued by, subject fields, public key, fingerprint).
 * OpenSSL 3, pure code, no I/O.
 *
 * Every function returns MU_OK or a negative MU_ERR_* status (mu-status.h):
 * MU_ERR_ARG for NULL or invalid arguments, MU_ERR_MALFORMED for bytes that
 * are not one DER certificate (or lack the field asked for), MU_ERR_VERIFY
 * when a signature or issuer check fails, MU_ERR_TOO_LONG when an output does
 * not fit, MU_ERR_CRYPTO when OpenSSL fails. Out-parameters are set only on
 * success. Certificates made here are malloc'ed DER: free() them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define MU_X509_DER_MAX 4096u           /* largest certificate DER accepted */
#define MU_X509_VALIDITY_YEARS 20
#define MU_X509_ORG "OpenMU"
#define MU_X509_ZONE_CA_CN "OpenMU zone CA"
#define MU_X509_CARD_CN_PREFIX "OpenMU EP11 card " /* + 16 lower-case hex digits */
#define MU_X509_SERIAL_LEN 8u           /* card serial named in a card certificate */

/* Parses exactly len bytes of DER (nothing may follow) into *out (caller
 * frees with X509_free). */
int mu_x509_parse(const uint8_t *der, size_t len, X509 **out);

/* One certificate from a file's contents, PEM ("-----BEGIN CERTIFICATE")
 * or DER (exactly one certificate, nothing after it); at most
 * MU_X509_FILE_MAX bytes of file, MU_X509_DER_MAX of certificate. *der is
 * its DER (malloc'ed). */
#define MU_X509_FILE_MAX (64u * 1024u)
int mu_x509_from_pem_or_der(const uint8_t *data, size_t len, uint8_t **der, size_t *der_len);

/* The self-signed zone CA certificate: subject O=OpenMU, OU=<zone_id>,
 * CN=OpenMU zone CA; basicConstraints CA:TRUE (critical), keyUsage
 * keyCertSign + cRLSign + digitalSignature, subject key identifier; signed
 * by ca_key with ECDSA/SHA-512; valid from one hour ago for 20 years. */
int mu_x509_make_zone_ca(EVP_PKEY *ca_key, const char *zone_id, uint8_t **der, size_t *len);
/* A card certificate for card_pub, issued by the zone CA certificate ca_der
 * (whose key is ca_key): subject O=OpenMU, OU=<zone_id>, CN=OpenMU EP11 card
 * <serial hex>; basicConstraints CA:FALSE, keyUsage digitalSignature +
 * keyAgreement, subject and authority key identifiers. MU_ERR_ARG when
 * ca_key is not the key of ca_der. */
int mu_x509_make_card(EVP_PKEY *ca_key, const uint8_t *ca_der, size_t ca_len, const char *zone_id,
                      const uint8_t serial[MU_X509_SERIAL_LEN], EVP_PKEY *card_pub, uint8_t **der,
                      size_t *len);
/* The admin certificate: self-signed by admin_key, subject CN=<name> (1..64
 * bytes of UTF-8), keyUsage digitalSignature, ECDSA/SHA-512. */
int mu_x509_make_admin(EVP_PKEY *admin_key, const char *name, uint8_t **der, size_t *len);

/* MU_OK when the certificate's issuer equals its subject and its signature
 * verifies with its own public key. */
int mu_x509_check_self_signed(const uint8_t *der, size_t len);
/* MU_OK when the certificate was issued by issuer_der: issuer name equals
 * the issuer's subject, the key identifiers and the issuer's key usage
 * allow it, and the signature verifies with the issuer's key. */
int mu_x509_check_issued_by(const uint8_t *der, size_t len, const uint8_t *issuer_der,
                            size_t issuer_len);

/* The subject public key (any algorithm) in *pub; caller frees. */
int mu_x509_public_key(const uint8_t *der, size_t len, EVP_PKEY **pub);
/* The uncompressed P-521 point of the subject key; MU_ERR_MALFORMED when the
 * key is not on P-521. */
int mu_x509_public_point(const uint8_t *der, size_t len, uint8_t point[133]);
/* The single OU (zone id) or CN of the subject as a NUL-terminated UTF-8
 * string; MU_ERR_MALFORMED when absent, repeated or holding a NUL. */
int mu_x509_subject_ou(const uint8_t *der, size_t len, char *out, size_t cap);
int mu_x509_subject_cn(const uint8_t *der, size_t len, char *out, size_t cap);
/* The card serial named by the CN of a card certificate. */
int mu_x509_card_serial(const uint8_t *der, size_t len, uint8_t serial[MU_X509_SERIAL_LEN]);
/* SHA-256 of the DER bytes. */
int mu_x509_fingerprint(const uint8_t *der, size_t len, uint8_t fpr[32]);
