/* SPDX-License-Identifier: Apache-2.0 */
/* Verification patterns: SHA-256(0x01 || key) with its last 4 bytes zeroed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MU_VP_LEN 32u

/* Computes the VP of key. Returns 0 or MU_ERR_CRYPTO. */
int mu_vp_compute(const uint8_t *key, size_t key_len, uint8_t vp[MU_VP_LEN]);
/* Writes the VP as 64 lower-case hex digits plus NUL into out (>= 65 bytes). */
void mu_vp_to_hex(const uint8_t vp[MU_VP_LEN], char out[2 * MU_VP_LEN + 1]);
