/* SPDX-License-Identifier: Apache-2.0 */
/* The cryptography of a ceremony alone, for comparison with the wall time
 * of the whole ceremony measured by bench-ceremony.py in the same run:
 *   bench-ceremony-crypto SIGNATURES EXPORTS
 * times SIGNATURES admin-block signatures made and verified (card PSO, unit
 * check) and EXPORTS key-part transports (card: two signature checks of the
 * unit's chain, ECDH, KDF, AES-GCM seal; unit: ECDH, KDF, AES-GCM open), all
 * with P-521 through protocol/mu-crypto, and prints the milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "mu-crypto.h"
#include "mu-secret.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench-ceremony-crypto: %s failed\n", what);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SIGNATURES EXPORTS\n", argv[0]);
		return 2;
	}
	long sigs = strtol(argv[1], NULL, 10), exports = strtol(argv[2], NULL, 10);
	EVP_PKEY *admin = NULL, *oa = NULL, *importer = NULL;
	need(mu_ec_generate(&admin) == 0 && mu_ec_generate(&oa) == 0 &&
	         mu_ec_generate(&importer) == 0,
	     "key generation");
	uint8_t block[64] = "OPENMU-ADMIN-V1 block of a ceremony step", sig[MU_EC_SIG_MAX];
	uint8_t oa_sig[MU_EC_SIG_MAX], part[32] = {1}, ct[32 + MU_GCM_TAG_LEN], back[32];
	uint8_t z[MU_EC_SHARED_LEN], key[MU_AES_KEY_LEN], nonce[MU_GCM_NONCE_LEN] = {0};
	size_t sig_len, oa_len;
	need(mu_ec_sign(oa, "OPENMU-IMPORTER-V1", block, sizeof(block), oa_sig, sizeof(oa_sig),
	                &oa_len) == 0,
	     "OA signature");

	double t0 = now_ms();
	for (long i = 0; i < sigs; i++) {
		need(mu_ec_sign(admin, NULL, block, sizeof(block), sig, sizeof(sig), &sig_len) == 0,
		     "sign");
		need(mu_ec_verify(admin, NULL, block, sizeof(block), sig, sig_len) == 0, "verify");
	}
	double t1 = now_ms();
	for (long i = 0; i < exports; i++) {
		EVP_PKEY *eph = NULL;
		/* card: the unit's chain (OA certificate, importer statement) */
		need(mu_ec_verify(oa, "OPENMU-IMPORTER-V1", block, sizeof(block), oa_sig, oa_len) == 0 &&
		         mu_ec_verify(oa, "OPENMU-IMPORTER-V1", block, sizeof(block), oa_sig,
		                      oa_len) == 0,
		     "chain");
		need(mu_ec_generate(&eph) == 0 && mu_ecdh(eph, importer, z) == 0 &&
		         mu_kdf_sha256(z, "OPENMU-KEYPART-V1", block, 32, key) == 0 &&
		         mu_gcm_seal(key, nonce, block, 32, part, sizeof(part), ct) == 0,
		     "seal");
		/* unit: open with the importer key */
		need(mu_ecdh(importer, eph, z) == 0 &&
		         mu_kdf_sha256(z, "OPENMU-KEYPART-V1", block, 32, key) == 0 &&
		         mu_gcm_open(key, nonce, block, 32, ct, sizeof(ct), back) == 0,
		     "open");
		EVP_PKEY_free(eph);
	}
	double t2 = now_ms();
	mu_memzero(key, sizeof(key));
	mu_memzero(z, sizeof(z));
	printf("%.1f %.1f\n", t1 - t0, t2 - t1);
	EVP_PKEY_free(admin);
	EVP_PKEY_free(oa);
	EVP_PKEY_free(importer);
	return 0;
}
