/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-vp.h"

#include <openssl/evp.h>

#include "mu-status.h"

int mu_vp_compute(const uint8_t *key, size_t key_len, uint8_t vp[MU_VP_LEN])
{
	static const uint8_t prefix = 0x01;
	int rc = MU_ERR_CRYPTO;
	unsigned int out_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return MU_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
	    EVP_DigestUpdate(ctx, key, key_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, vp, &out_len) != 1 || out_len != MU_VP_LEN)
		goto fail;
	vp[28] = vp[29] = vp[30] = vp[31] = 0;
	rc = MU_OK;
fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}

void mu_vp_to_hex(const uint8_t vp[MU_VP_LEN], char out[2 * MU_VP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < MU_VP_LEN; i++) {
		out[2 * i] = hex[vp[i] >> 4];
		out[2 * i + 1] = hex[vp[i] & 0x0F];
	}
	out[2 * MU_VP_LEN] = '\0';
}
