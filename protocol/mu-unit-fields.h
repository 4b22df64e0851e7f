/* SPDX-License-Identifier: Apache-2.0 */
/* Strict, ordered reading of TLV fields, shared by the unit message, body,
 * admin block and envelope parsers: each field is taken in the documented
 * order with its size checked; anything unexpected is MU_ERR_MALFORMED. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mu-tlv.h"

typedef struct mu_unit_fields {
	mu_tlv_reader r;
	mu_tlv next;               /* the TLV under the cursor when has_next */
	const uint8_t *next_start; /* first byte (tag) of next */
	const uint8_t *end;        /* end of the buffer */
	int state;                 /* 1 has_next, 0 end, MU_ERR_MALFORMED */
} mu_unit_fields;

void mu_unit_fields_init(mu_unit_fields *f, const uint8_t *buf, size_t len);
/* True when the next field has this tag. */
bool mu_unit_fields_at(const mu_unit_fields *f, uint32_t tag);
/* Takes the next field, which must have tag and a length in min..max.
 * Returns 0 or MU_ERR_MALFORMED. */
int mu_unit_fields_take(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out);
/* Like take, but only when the next field has tag: returns 1 when taken,
 * 0 when the next field has another tag (or none), MU_ERR_MALFORMED. */
int mu_unit_fields_opt(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out);
/* Takes the next field like take and returns the whole TLV (tag, length
 * and value) in *tlv / *tlv_len. */
int mu_unit_fields_take_whole(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, mu_tlv *out,
                              const uint8_t **tlv, size_t *tlv_len);
/* The unread rest of the buffer, from the next field on (empty at the end).
 * Returns MU_ERR_MALFORMED when the rest does not start with a valid TLV. */
int mu_unit_fields_rest(const mu_unit_fields *f, const uint8_t **p, size_t *len);
/* Fixed-size helpers. */
int mu_unit_fields_u8(mu_unit_fields *f, uint32_t tag, uint8_t *v);
int mu_unit_fields_u16(mu_unit_fields *f, uint32_t tag, uint16_t *v);
int mu_unit_fields_u32(mu_unit_fields *f, uint32_t tag, uint32_t *v);
int mu_unit_fields_u64(mu_unit_fields *f, uint32_t tag, uint64_t *v);
int mu_unit_fields_copy(mu_unit_fields *f, uint32_t tag, void *dst, size_t len);
/* Copies a UTF-8 text field of min..max bytes into a NUL-terminated buffer
 * of max + 1 bytes; refuses NUL bytes and invalid UTF-8. */
int mu_unit_fields_text(mu_unit_fields *f, uint32_t tag, size_t min, size_t max, char *dst);
/* Returns 0 when every field was consumed, else MU_ERR_MALFORMED. */
int mu_unit_fields_end(const mu_unit_fields *f);

/* Big-endian helpers. */
void mu_unit_put_be16(uint8_t *p, uint16_t v);
void mu_unit_put_be32(uint8_t *p, uint32_t v);
void mu_unit_put_be64(uint8_t *p, uint64_t v);
uint16_t mu_unit_get_be16(const uint8_t *p);
uint32_t mu_unit_get_be32(const uint8_t *p);
uint64_t mu_unit_get_be64(const uint8_t *p);
/* True when buf is valid UTF-8 without NUL bytes. */
bool mu_unit_utf8_ok(const uint8_t *buf, size_t len);
