/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenMU card applet's identity and instruction set, shared by the
 * applet (applet-sim/) and the workstation (smartcard/). The byte layout of
 * every command is documented in docs/protocol.md. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* AID: F0 'O' 'P' 'E' 'N' 'M' 'U' 01 (proprietary, RID category F). */
#define MU_CARD_AID_LEN 8u
extern const uint8_t mu_card_aid[MU_CARD_AID_LEN];

/* Historical bytes of the ATR: "OpenMU10". */
#define MU_CARD_ATR_MAX 33u
/* Writes the card's ATR into atr and returns its length. */
size_t mu_card_atr(uint8_t atr[MU_CARD_ATR_MAX]);

#define MU_CLA_ISO 0x00u
#define MU_CLA_PROP 0x80u

/* ISO instructions (CLA 00). */
enum {
	MU_INS_SELECT = 0xA4,
	MU_INS_GET_DATA = 0xCA,
	MU_INS_VERIFY = 0x20,
	MU_INS_CHANGE_REF = 0x24,
	MU_INS_RESET_RETRY = 0x2C,
	MU_INS_GET_CHALLENGE = 0x84,
	MU_INS_GEN_KEYPAIR = 0x47,
	MU_INS_PSO = 0x2A,
	MU_INS_GET_RESPONSE = 0xC0,
};

/* Proprietary instructions (CLA 80). */
enum {
	MU_INS_INIT_CA = 0x10,
	MU_INS_PREPARE = 0x12,
	MU_INS_CERTIFY_CARD = 0x14,
	MU_INS_ENROLL = 0x16,
	MU_INS_GET_CERT = 0x18,
	MU_INS_SIGN_UNBLOCK = 0x1A,
	MU_INS_KEYPART_GEN = 0x20,
	MU_INS_KEYPART_LIST = 0x22,
	MU_INS_KEYPART_DELETE = 0x24,
	MU_INS_KEYPART_EXPORT = 0x26, /* wrap a key part for a verified unit importer key */
	MU_INS_COPY_EXPORT = 0x30,
	MU_INS_COPY_IMPORT = 0x32,
	MU_INS_CA_BACKUP_EXPORT = 0x34,
	MU_INS_CA_RESTORE = 0x36,
	MU_INS_ZEROIZE = 0x40,
};

/* P1/P2 values. */
#define MU_P1P2_GET_DATA_INFO 0x0100u /* GET DATA P1=01 P2=00: card info */
#define MU_PIN_REF_1 0x81u            /* EP11 PIN, or CA PIN 1 */
#define MU_PIN_REF_2 0x82u            /* CA PIN 2 */
#define MU_PSO_SIGN_P1 0x9Eu
#define MU_PSO_SIGN_P2 0x9Au
#define MU_GENKEY_P1_NEW 0x00u        /* refuse if a signature key exists */
#define MU_GENKEY_P1_REPLACE 0x01u    /* replace an existing signature key */

/* GET CERT P1. */
enum {
	MU_CERT_CARD = 0x00,  /* EP11: card certificate; CA: zone CA certificate */
	MU_CERT_ZONE_CA = 0x01,
	MU_CERT_ROOT = 0x02,  /* the manufacturer root stored on the card */
	MU_CERT_ADMIN = 0x03, /* EP11: the admin's self-signed certificate */
};

/* Card types (tag MU_TAG_CARD_TYPE). */
enum {
	MU_CARD_TYPE_BLANK = 0,
	MU_CARD_TYPE_CA = 1,
	MU_CARD_TYPE_EP11 = 2,
};

/* TLV tags of command and response data (context class, primitive unless
 * noted). */
enum {
	MU_TAG_CARD_TYPE = 0x80,    /* 1 byte, MU_CARD_TYPE_* */
	MU_TAG_SERIAL = 0x81,       /* 8 bytes */
	MU_TAG_LABEL = 0x82,        /* UTF-8, <= MU_LABEL_MAX */
	MU_TAG_ZONE_ID = 0x83,      /* UTF-8, 1..MU_ZONE_ID_MAX, [A-Za-z0-9._-] */
	MU_TAG_ZONE_DESC = 0x84,    /* UTF-8, <= MU_DESC_MAX */
	MU_TAG_PIN1_TRIES = 0x85,   /* 1 byte */
	MU_TAG_PIN2_TRIES = 0x86,   /* 1 byte, CA cards only */
	MU_TAG_VERIFIED = 0x87,     /* 1 byte: bit 0 PIN 1, bit 1 PIN 2 */
	MU_TAG_ADMIN_NAME = 0x88,   /* UTF-8, 1..MU_NAME_MAX */
	MU_TAG_KEYPART_COUNT = 0x89,/* 1 byte */
	MU_TAG_ROOT_FPR = 0x8A,     /* 32 bytes: SHA-256 of the root certificate DER */
	MU_TAG_KEY_ID = 0x8B,       /* 32 bytes: SHA-256 of the public point */
	MU_TAG_PIN = 0x8C,          /* 6 ASCII digits */
	MU_TAG_PIN2 = 0x8D,         /* 6 ASCII digits */
	MU_TAG_CERT = 0x8E,         /* X.509 DER: card certificate */
	MU_TAG_PUBKEY = 0x8F,       /* uncompressed P-521 point, 133 bytes */
	MU_TAG_SLOT = 0x90,         /* 1 byte, 0..MU_KEYPARTS_MAX-1 */
	MU_TAG_DESC = 0x91,         /* UTF-8, <= MU_DESC_MAX: key part description */
	MU_TAG_VP = 0x92,           /* 32 bytes */
	MU_TAG_SIGNATURE = 0x93,    /* DER ECDSA signature */
	MU_TAG_CHALLENGE = 0x94,    /* 32 bytes */
	MU_TAG_NONCE = 0x95,        /* 12 bytes */
	MU_TAG_CIPHERTEXT = 0x96,   /* AES-256-GCM ciphertext followed by its 16-byte tag */
	MU_TAG_KEYPART_VALUE = 0x97,/* 32 bytes, only inside encrypted envelopes */
	MU_TAG_PRIVKEY = 0x98,      /* 66-byte P-521 scalar, only inside envelopes */
	MU_TAG_MAX_KEYPARTS = 0x99, /* 1 byte */
	MU_TAG_CA_CERT = 0x9A,      /* X.509 DER: zone CA certificate */
	MU_TAG_ROOT_CERT = 0x9B,    /* X.509 DER: manufacturer root certificate */
	MU_TAG_ADMIN_CERT = 0x9C,   /* X.509 DER: admin self-signed certificate */
	MU_TAG_EPH_PUBKEY = 0x9D,   /* uncompressed P-521 point of an ephemeral key */
	MU_TAG_STATE = 0x9E,        /* 1 byte flags: MU_STATE_* */
	MU_TAG_KEYPART = 0xA0,      /* constructed: SLOT, DESC, VP [, KEYPART_VALUE] */
	MU_TAG_ENROLL_PKG = 0xA1,   /* constructed: enrollment package */
	MU_TAG_ENVELOPE = 0xA2,     /* constructed: card-to-card envelope */
	MU_TAG_UNIT_ID = 0xA3,      /* constructed: 83 module id (8), 84 domain (2) of a unit */
	MU_TAG_KEYPART_ENV = 0xA6,  /* constructed: key-part envelope to a unit (protocol §15) */
	MU_TAG_IMPORTER = 0xA7,     /* constructed: a unit's importer statement (§15) */
};

/* MU_TAG_STATE flags. */
#define MU_STATE_BLOCKED 0x01u      /* PIN (or a CA PIN) blocked */
#define MU_STATE_HAS_CARD_KEY 0x02u /* a blank card that ran PREPARE */
#define MU_STATE_HAS_SIGKEY 0x04u   /* EP11 card with an admin signature key */

#define MU_PIN_LEN 6u
#define MU_EP11_PIN_TRIES 3u
#define MU_CA_PIN_TRIES 5u
#define MU_KEYPARTS_MAX 85u
#define MU_KEYPART_LEN 32u
#define MU_LABEL_MAX 32u
#define MU_ZONE_ID_MAX 32u
#define MU_DESC_MAX 64u
#define MU_NAME_MAX 64u
#define MU_SERIAL_LEN 8u
#define MU_P521_POINT_LEN 133u
#define MU_P521_SCALAR_LEN 66u
#define MU_CHALLENGE_LEN 32u
#define MU_KEY_ID_LEN 32u
#define MU_SIGN_DATA_MAX 4096u      /* largest block PSO will sign */
#define MU_CHAIN_BUF_MAX 16384u     /* largest chained command data */

/* Domain separation strings of card signatures. */
#define MU_UNBLOCK_CONTEXT "OPENMU-UNBLOCK-V1"
#define MU_ENROLL_CONTEXT "OPENMU-ENROLL-V1"
#define MU_COPY_CONTEXT "OPENMU-COPY-V1"
#define MU_BACKUP_CONTEXT "OPENMU-CA-BACKUP-V1"
