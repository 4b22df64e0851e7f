/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded BER-TLV encoder and decoder (ISO 7816-4 / X.690 subset).
 *
 * Tags are 1 to 3 bytes (multi-byte tags when the low five bits of the first
 * byte are all ones), lengths use the short form or the long forms 81 and 82
 * (at most 65535 bytes). Indefinite lengths are refused. The decoder never
 * reads past the buffer it is given and never allocates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MU_TLV_MAX_LEN 65535u

typedef struct mu_tlv {
	uint32_t tag;        /* tag bytes as a big-endian number, e.g. 0x9F38 */
	const uint8_t *value; /* points into the parsed buffer */
	size_t len;
} mu_tlv;

/* A cursor over a sequence of TLVs. */
typedef struct mu_tlv_reader {
	const uint8_t *p;
	size_t left;
} mu_tlv_reader;

void mu_tlv_reader_init(mu_tlv_reader *r, const uint8_t *buf, size_t len);
/* Reads the next TLV. Returns 1 with *out set, 0 at the end of the buffer,
 * MU_ERR_MALFORMED on a truncated or badly encoded TLV (the cursor is then
 * left where it was). */
int mu_tlv_next(mu_tlv_reader *r, mu_tlv *out);
/* True when the tag has the constructed bit (0x20 of its first byte). */
bool mu_tlv_is_constructed(uint32_t tag);

/* Checks that buf is a well-formed sequence of TLVs, recursing into
 * constructed ones up to max_depth. Returns 0 or MU_ERR_MALFORMED. */
int mu_tlv_validate(const uint8_t *buf, size_t len, unsigned max_depth);

/* Finds the first TLV with the given tag at the top level of buf.
 * Returns 1 if found, 0 if absent, MU_ERR_MALFORMED if buf is malformed
 * before the tag was reached. */
int mu_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, mu_tlv *out);

/* A bounded writer into caller memory. After an overflow every further
 * write is ignored and mu_tlv_writer_finish() reports MU_ERR_TOO_LONG. */
typedef struct mu_tlv_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
} mu_tlv_writer;

void mu_tlv_writer_init(mu_tlv_writer *w, uint8_t *buf, size_t cap);
void mu_tlv_put(mu_tlv_writer *w, uint32_t tag, const void *value, size_t len);
void mu_tlv_put_u8(mu_tlv_writer *w, uint32_t tag, uint8_t v);
void mu_tlv_put_str(mu_tlv_writer *w, uint32_t tag, const char *s);
/* Opens a constructed TLV; returns a mark to give to mu_tlv_end(). Content
 * written in between becomes its value (at most 65535 bytes). */
size_t mu_tlv_begin(mu_tlv_writer *w, uint32_t tag);
void mu_tlv_end(mu_tlv_writer *w, size_t mark);
/* Returns 0 and the total length, or MU_ERR_TOO_LONG after an overflow. */
int mu_tlv_writer_finish(const mu_tlv_writer *w, size_t *len);
