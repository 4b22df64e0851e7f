/* SPDX-License-Identifier: Apache-2.0 */
/* Bodies of unit responses (the op-specific TLVs inside A0), encoded by the
 * unit and parsed strictly by the workstation. docs/protocol.md §13. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mu-tlv.h"
#include "mu-unit-msg.h"
#include "mu-unit-proto.h"
#include "mu-vp.h"

/* INFO: the identity of the unit. */
typedef struct mu_unit_info {
	char name[MU_UNIT_NAME_MAX + 1];          /* 88 */
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN]; /* 83 */
	uint16_t domain;                          /* 84 */
	uint8_t role;                             /* 89 */
	mu_unit_bytes oa_cert;                    /* 9A, DER */
} mu_unit_info;

void mu_unit_info_encode(const mu_unit_info *info, mu_tlv_writer *w);
int mu_unit_info_parse(const uint8_t *body, size_t len, mu_unit_info *out);

/* STATUS: everything the officers compare between units. */
typedef struct mu_unit_status_admin {
	uint8_t key_id[MU_UNIT_KEY_ID_LEN];
	char name[MU_UNIT_NAME_MAX + 1];
} mu_unit_status_admin;

typedef struct mu_unit_status {
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain;
	uint8_t role;
	bool imprint;
	uint8_t sig_threshold; /* 0 in imprint mode */
	uint8_t rev_threshold;
	uint64_t counter;
	size_t nadmins;
	mu_unit_status_admin admins[MU_UNIT_ADMINS_MAX];
	/* new register */
	uint8_t new_state;                              /* MU_UNIT_NEW_* */
	uint8_t new_loaded;                             /* parts loaded so far */
	uint8_t new_total;                              /* 0 when EMPTY, else 2 or 3 */
	uint8_t part_vps[MU_UNIT_PARTS_MAX][MU_VP_LEN]; /* VP of each loaded part */
	bool new_has_vp;                                /* UNCOMMITTED or COMMITTED */
	uint8_t new_vp[MU_VP_LEN];
	/* current register */
	uint8_t cur_state;         /* MU_UNIT_CUR_* */
	uint8_t cur_vp[MU_VP_LEN]; /* when VALID */
	/* recovery register (recovery units that generated a key) */
	bool has_recovery;
	uint8_t recovery_parts;
	uint8_t recovery_vp[MU_VP_LEN];
	uint32_t key_count;
} mu_unit_status;

void mu_unit_status_encode(const mu_unit_status *st, mu_tlv_writer *w);
int mu_unit_status_parse(const uint8_t *body, size_t len, mu_unit_status *out);

/* ADMIN result; which optional fields are present depends on the command. */
typedef struct mu_unit_admin_result {
	uint64_t counter;            /* 8E: the counter after the command */
	mu_unit_bytes importer_stmt; /* GEN_IMPORTER: whole A7 TLV */
	mu_unit_bytes importer_sig;  /* GEN_IMPORTER: 93 OA signature over it */
	uint8_t part_index;          /* LOAD_PART: 99, 1-based; else 0 */
	uint8_t parts_total;         /* LOAD_PART, RECOVERY_GENERATE: 94; else 0 */
	bool has_vp;                 /* LOAD_PART (part VP), COMMIT, RECOVERY_GENERATE */
	uint8_t vp[MU_VP_LEN];
	mu_unit_bytes envelope; /* RECOVERY_EXPORT: whole A6 TLV */
	bool has_key_count;     /* ROTATE: 9E keys re-enciphered */
	uint32_t key_count;
} mu_unit_admin_result;

void mu_unit_admin_result_encode(const mu_unit_admin_result *r, mu_tlv_writer *w);
int mu_unit_admin_result_parse(const uint8_t *body, size_t len, mu_unit_admin_result *out);

/* KEY_CREATE result and one KEY_LIST entry. */
typedef struct mu_unit_key_entry {
	uint32_t handle;
	char label[MU_UNIT_LABEL_MAX + 1];
	uint8_t vp[MU_VP_LEN]; /* VP of the storage key itself */
} mu_unit_key_entry;

void mu_unit_key_created_encode(const mu_unit_key_entry *e, mu_tlv_writer *w);
int mu_unit_key_created_parse(const uint8_t *body, size_t len, mu_unit_key_entry *out);

/* KEY_LIST result: 9E total, A8 entries, [C6 next offset]. The parser calls
 * cb for each entry (stops and returns cb's status when non-zero). */
typedef int (*mu_unit_key_entry_cb)(const mu_unit_key_entry *e, void *user);
int mu_unit_key_list_parse(const uint8_t *body, size_t len, uint32_t *total, bool *has_next,
                           uint32_t *next, mu_unit_key_entry_cb cb, void *user);
void mu_unit_key_entry_encode(const mu_unit_key_entry *e, mu_tlv_writer *w);

/* KEY_WRAP result (C3 blob) and KEY_UNWRAP result (C2 data): one TLV. */
int mu_unit_body_single_parse(const uint8_t *body, size_t len, uint32_t tag, size_t max,
                              mu_unit_bytes *out);
