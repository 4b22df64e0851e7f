/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto unit protocol: operations, admin command ids, TLV tags, limits
 * and the unit status codes, shared by the emulated unit (unitsim/) and the
 * workstation (tke/). The byte layouts are documented in docs/protocol.md,
 * sections 11 to 19. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MU_UNIT_PROTO_VERSION 0x01u

/* Framing over TLS: 4-byte big-endian payload length, then the payload. */
#define MU_UNIT_FRAME_HEADER_LEN 4u
#define MU_UNIT_FRAME_MAX        (1024u * 1024u) /* payload bytes, both directions */

/* Sizes of fixed fields. */
#define MU_UNIT_MODULE_ID_LEN 8u   /* module serial of the unit */
#define MU_UNIT_DOMAIN_LEN    2u   /* domain index, big-endian */
#define MU_UNIT_NONCE_LEN     16u  /* request nonce chosen by the client */
#define MU_UNIT_HASH_LEN      32u  /* SHA-256 */
#define MU_UNIT_KEY_ID_LEN    32u  /* SHA-256 of an uncompressed public point */
#define MU_UNIT_POINT_LEN     133u /* uncompressed P-521 point 04 || X || Y */
#define MU_UNIT_SCALAR_LEN    66u  /* P-521 private scalar, big-endian */
#define MU_UNIT_SIG_MAX       141u /* DER ECDSA P-521 signature, upper bound */
#define MU_UNIT_KEYPART_LEN   32u  /* one master key part */
#define MU_UNIT_MK_LEN        32u  /* AES-256 master key */
#define MU_UNIT_GCM_NONCE_LEN 12u
#define MU_UNIT_GCM_TAG_LEN   16u
#define MU_UNIT_TOKEN_LEN     32u /* service bearer token (raw bytes) */
#define MU_UNIT_COUNTER_LEN   8u  /* transaction counter, big-endian */

/* Bounds. */
#define MU_UNIT_ADMINS_MAX    8u /* admins per unit, and signatures per command */
#define MU_UNIT_THRESHOLD_MAX 8u
#define MU_UNIT_PARTS_MIN     2u
#define MU_UNIT_PARTS_MAX     3u
#define MU_UNIT_IMPORTERS_MAX 8u    /* pending single-use importer keys */
#define MU_UNIT_KEYS_MAX      5000u /* key storage entries */
#define MU_UNIT_BLOCK_MAX     4096u /* a whole admin block (the card signs <= 4096) */
#define MU_UNIT_CERT_MAX      2048u /* any certificate DER carried in a message */
#define MU_UNIT_NAME_MAX      64u   /* admin or unit name, UTF-8 bytes */
#define MU_UNIT_LABEL_MAX     64u   /* storage key label, UTF-8 bytes */
#define MU_UNIT_DATA_MAX      4096u /* plaintext of KEY WRAP / result of KEY UNWRAP */
#define MU_UNIT_LIST_MAX      256u  /* entries per KEY LIST reply */
#define MU_UNIT_MESSAGE_MAX   256u  /* error text in a reply */

/* Request operations (tag 81 of a request). */
enum {
	MU_UNIT_OP_INFO = 0x01,       /* identity: name, ids, role, OA certificate */
	MU_UNIT_OP_STATUS = 0x02,     /* admins, thresholds, registers, VPs, counter */
	MU_UNIT_OP_ADMIN = 0x03,      /* a signed admin command (tag A1) */
	MU_UNIT_OP_KEY_CREATE = 0x10, /* service: new random AES-256 storage key */
	MU_UNIT_OP_KEY_LIST = 0x11,   /* service: page through key storage */
	MU_UNIT_OP_KEY_WRAP = 0x12,   /* service: AES-256-GCM encrypt data under a key */
	MU_UNIT_OP_KEY_UNWRAP = 0x13, /* service: decrypt a KEY WRAP blob */
	MU_UNIT_OP_KEY_DELETE = 0x14, /* service: delete a storage key */
};

/* Admin command ids (first field of the admin block). */
enum {
	MU_UNIT_CMD_ADD_ADMIN = 0x0001,         /* input: admin certificate DER */
	MU_UNIT_CMD_REMOVE_ADMIN = 0x0002,      /* input: key id (32) */
	MU_UNIT_CMD_SET_THRESHOLDS = 0x0003,    /* input: signature, revocation (1 byte each) */
	MU_UNIT_CMD_GEN_IMPORTER = 0x0010,      /* input: empty */
	MU_UNIT_CMD_LOAD_PART = 0x0011,         /* input: 94 parts total, A6 envelope */
	MU_UNIT_CMD_COMMIT = 0x0012,            /* input: VP of the new register (32) */
	MU_UNIT_CMD_SET_IMMEDIATE = 0x0013,     /* input: empty */
	MU_UNIT_CMD_ROTATE = 0x0014,            /* input: empty */
	MU_UNIT_CMD_CLEAR_NEW = 0x0015,         /* input: empty */
	MU_UNIT_CMD_CLEAR_CURRENT = 0x0016,     /* input: empty */
	MU_UNIT_CMD_ZEROIZE = 0x0020,           /* input: empty */
	MU_UNIT_CMD_RECOVERY_GENERATE = 0x0030, /* recovery units; input: parts (1 byte) */
	MU_UNIT_CMD_RECOVERY_EXPORT = 0x0031,   /* recovery units; input: see docs */
};

/* Unit roles. */
enum {
	MU_UNIT_ROLE_OPERATIONAL = 0,
	MU_UNIT_ROLE_RECOVERY = 1,
};

/* State of the new master key register (tag 98 inside A4). */
enum {
	MU_UNIT_NEW_EMPTY = 0,
	MU_UNIT_NEW_PARTIAL = 1,     /* 1 .. total-1 parts loaded */
	MU_UNIT_NEW_UNCOMMITTED = 2, /* FULL-UNCOMMITTED */
	MU_UNIT_NEW_COMMITTED = 3,   /* FULL-COMMITTED */
};

/* State of the current master key register (tag 98 inside A5). */
enum {
	MU_UNIT_CUR_EMPTY = 0,
	MU_UNIT_CUR_VALID = 1,
};

/* TLV tags of unit messages (all primitive unless constructed: A0..AF). */
enum {
	MU_UNIT_TAG_VERSION = 0x80,       /* 1 byte: MU_UNIT_PROTO_VERSION */
	MU_UNIT_TAG_OP = 0x81,            /* 1 byte: MU_UNIT_OP_* */
	MU_UNIT_TAG_NONCE = 0x82,         /* 16 bytes: request nonce */
	MU_UNIT_TAG_MODULE_ID = 0x83,     /* 8 bytes */
	MU_UNIT_TAG_DOMAIN = 0x84,        /* 2 bytes, big-endian */
	MU_UNIT_TAG_STATUS = 0x85,        /* 1 byte: 0 or -status (MU_ERR_* / MU_UNIT_ERR_*) */
	MU_UNIT_TAG_REQ_HASH = 0x86,      /* 32 bytes: SHA-256 of the request payload */
	MU_UNIT_TAG_MESSAGE = 0x87,       /* UTF-8 error text, <= MU_UNIT_MESSAGE_MAX */
	MU_UNIT_TAG_NAME = 0x88,          /* UTF-8 admin name or unit name */
	MU_UNIT_TAG_ROLE = 0x89,          /* 1 byte: MU_UNIT_ROLE_* */
	MU_UNIT_TAG_IMPRINT = 0x8A,       /* 1 byte: 1 in imprint mode, else 0 */
	MU_UNIT_TAG_KEY_ID = 0x8B,        /* 32 bytes */
	MU_UNIT_TAG_SIG_THRESHOLD = 0x8C, /* 1 byte: 0 (imprint) or 1..8 */
	MU_UNIT_TAG_REV_THRESHOLD = 0x8D, /* 1 byte: 0 (imprint) or 1..8 */
	MU_UNIT_TAG_COUNTER = 0x8E,       /* 8 bytes, big-endian */
	MU_UNIT_TAG_POINT = 0x8F,         /* 133 bytes: public point */
	MU_UNIT_TAG_BLOCK = 0x90,         /* admin block, <= MU_UNIT_BLOCK_MAX */
	MU_UNIT_TAG_TOKEN = 0x91,         /* service bearer token, 32 bytes */
	MU_UNIT_TAG_VP = 0x92,            /* 32 bytes: verification pattern */
	MU_UNIT_TAG_SIGNATURE = 0x93,     /* DER ECDSA P-521/SHA-512 */
	MU_UNIT_TAG_PARTS_TOTAL = 0x94,   /* 1 byte: 2 or 3 */
	MU_UNIT_TAG_GCM_NONCE = 0x95,     /* 12 bytes */
	MU_UNIT_TAG_CIPHERTEXT = 0x96,    /* ciphertext || 16-byte GCM tag */
	MU_UNIT_TAG_PARTS_LOADED = 0x97,  /* 1 byte */
	MU_UNIT_TAG_REG_STATE = 0x98,     /* 1 byte: MU_UNIT_NEW_* or MU_UNIT_CUR_* */
	MU_UNIT_TAG_PART_INDEX = 0x99,    /* 1 byte, 1-based */
	MU_UNIT_TAG_OA_CERT = 0x9A,       /* X.509 DER: the unit's OA certificate */
	MU_UNIT_TAG_ADMIN_CERT = 0x9C,    /* X.509 DER: admin self-signed certificate */
	MU_UNIT_TAG_EPH_POINT = 0x9D,     /* 133 bytes: ephemeral public point */
	MU_UNIT_TAG_KEY_COUNT = 0x9E,     /* 4 bytes, big-endian */
	MU_UNIT_TAG_HANDLE = 0xC0,        /* 4 bytes, big-endian: storage key handle */
	MU_UNIT_TAG_LABEL = 0xC1,         /* UTF-8, <= MU_UNIT_LABEL_MAX */
	MU_UNIT_TAG_DATA = 0xC2,          /* 0..MU_UNIT_DATA_MAX bytes of plaintext */
	MU_UNIT_TAG_BLOB = 0xC3,          /* KEY WRAP result: nonce || ciphertext || tag */
	MU_UNIT_TAG_OFFSET = 0xC4,        /* 4 bytes, big-endian: KEY LIST start */
	MU_UNIT_TAG_LIMIT = 0xC5,         /* 2 bytes, big-endian: KEY LIST max entries */
	MU_UNIT_TAG_NEXT = 0xC6,          /* 4 bytes: KEY LIST offset of the next page */

	MU_UNIT_TAG_RESPONSE = 0xA0,     /* constructed: signed part of a response */
	MU_UNIT_TAG_ADMIN_CMD = 0xA1,    /* constructed: 90 block, A2 * */
	MU_UNIT_TAG_ADMIN_SIG = 0xA2,    /* constructed: 8B key id, 93 signature */
	MU_UNIT_TAG_ADMIN = 0xA3,        /* constructed: 8B key id, 88 name */
	MU_UNIT_TAG_NEW_REG = 0xA4,      /* constructed: 98, 97, 94, 92 *, [92 VP] */
	MU_UNIT_TAG_CUR_REG = 0xA5,      /* constructed: 98, [92 VP] */
	MU_UNIT_TAG_ENVELOPE = 0xA6,     /* constructed: key-part envelope */
	MU_UNIT_TAG_IMPORTER = 0xA7,     /* constructed: importer statement */
	MU_UNIT_TAG_KEY_ENTRY = 0xA8,    /* constructed: C0 handle, C1 label, 92 VP */
	MU_UNIT_TAG_RECOVERY_REG = 0xA9, /* constructed: 94 parts, 92 VP */
	MU_UNIT_TAG_PART_VPS = 0xAA,     /* constructed: 92 VP of each loaded part */
};

/* Unit status codes. 0 is success; the protocol codes MU_ERR_* (-1..-6) are
 * used unchanged; these are the unit's own refusals. On the wire a status is
 * sent as the byte -status. */
enum {
	MU_UNIT_ERR_UNKNOWN_OP = -32,      /* op or admin command id not known */
	MU_UNIT_ERR_WRONG_UNIT = -33,      /* block names another module or domain */
	MU_UNIT_ERR_COUNTER = -34,         /* transaction counter differs: replay or stale */
	MU_UNIT_ERR_NOT_ADMIN = -35,       /* a signature's key id is not an installed admin */
	MU_UNIT_ERR_BAD_SIGNATURE = -36,   /* an admin signature does not verify */
	MU_UNIT_ERR_QUORUM = -37,          /* fewer admin signatures than required */
	MU_UNIT_ERR_IMPRINT = -38,         /* master key operation in imprint mode */
	MU_UNIT_ERR_THRESHOLD = -39,       /* threshold outside 1..8 or above the admin count */
	MU_UNIT_ERR_ADMINS_FULL = -40,     /* already 8 admins */
	MU_UNIT_ERR_ADMIN_EXISTS = -41,    /* that admin key is already installed */
	MU_UNIT_ERR_ADMIN_UNKNOWN = -42,   /* no admin with that key id */
	MU_UNIT_ERR_ADMIN_MIN = -43,       /* removal would leave fewer admins than a threshold */
	MU_UNIT_ERR_BAD_CERT = -44,        /* admin certificate not self-signed P-521/SHA-512 */
	MU_UNIT_ERR_NEW_FULL = -45,        /* new register already holds all its parts */
	MU_UNIT_ERR_NEW_INCOMPLETE = -46,  /* commit of an empty or partial new register */
	MU_UNIT_ERR_NEW_UNCOMMITTED = -47, /* new register is not FULL-COMMITTED */
	MU_UNIT_ERR_NO_CURRENT = -48,      /* no valid current master key */
	MU_UNIT_ERR_PARTS_MISMATCH = -49,  /* part count differs from the first part's */
	MU_UNIT_ERR_VP_MISMATCH = -50,     /* commit VP differs from the register's */
	MU_UNIT_ERR_IMPORTER = -51,        /* importer key unknown or already used */
	MU_UNIT_ERR_ENVELOPE = -52,        /* key-part envelope does not open */
	MU_UNIT_ERR_KEYS_EXIST = -53,      /* refused while key storage holds keys */
	MU_UNIT_ERR_TOKEN = -54,           /* service token missing or wrong */
	MU_UNIT_ERR_KEY_UNKNOWN = -55,     /* no storage key with that handle */
	MU_UNIT_ERR_STORAGE_FULL = -56,    /* key storage holds MU_UNIT_KEYS_MAX keys */
	MU_UNIT_ERR_ROLE = -57,            /* command needs a recovery unit */
	MU_UNIT_ERR_NO_RECOVERY_KEY = -58, /* recovery unit has not generated a key */
	MU_UNIT_ERR_UNWRAP = -59,          /* KEY UNWRAP blob does not authenticate */
	MU_UNIT_ERR_TRUST = -60,           /* certificate does not chain to the root */
	MU_UNIT_ERR_PERSIST = -61,         /* state could not be saved; nothing changed */
	MU_UNIT_ERR_INTERNAL = -62,        /* unexpected failure inside the unit */
	MU_UNIT_ERR_FRAME = -63,           /* frame length 0 or above MU_UNIT_FRAME_MAX */
};

/* Returns a static, user-readable text for a unit or protocol status code
 * (one table: mu-unit-proto.c). */
const char *mu_unit_strerror(int status);
/* Returns the short symbolic name ("quorum", "counter", ...) of a status, or
 * "unknown". */
const char *mu_unit_status_name(int status);
/* Name of an admin command id ("add-admin", ...) or NULL when unknown. */
const char *mu_unit_cmd_name(uint16_t cmd);
/* Number of signatures an admin command needs, given the unit's thresholds
 * (both 0 in imprint mode) and, for SET_THRESHOLDS, the new signature
 * threshold. Returns -1 for a command id that is not known. */
int mu_unit_cmd_required_sigs(uint16_t cmd, uint8_t sig_threshold, uint8_t rev_threshold,
                              uint8_t new_sig_threshold);
/* True for commands refused in imprint mode (master key operations). */
bool mu_unit_cmd_is_mk_op(uint16_t cmd);
