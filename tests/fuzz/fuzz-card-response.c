/* SPDX-License-Identifier: Apache-2.0 */
/* Card answers from the fuzzer through a fake backend into the parsers of
 * the card API: card info, key part list and certificate, then the status
 * word mapping of a PIN check (which re-reads the info for its message), a
 * signature and a key part generation. The input is a sequence of response
 * APDUs, each preceded by its length (2 bytes, big-endian); SELECT is always
 * answered 9000, and when the input runs out the card is "removed". */
#include <stdlib.h>
#include <string.h>

#include "mu-card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct feed {
	const uint8_t *p;
	size_t left;
} feed;

static int f_list(void *ctx, mu_reader_info **list, size_t *n)
{
	*list = NULL;
	*n = 0;
	return MU_SC_OK;
}

static int f_connect(void *ctx, const char *reader, void **conn_ctx)
{
	*conn_ctx = ctx;
	return MU_SC_OK;
}

static int f_transmit(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                      size_t rcap, size_t *rlen)
{
	feed *f = conn_ctx;
	if (clen >= 2 && capdu[1] == 0xA4) {
		rapdu[0] = 0x90;
		rapdu[1] = 0x00;
		*rlen = 2;
		return MU_SC_OK;
	}
	if (f->left < 2)
		return MU_SC_ERR_REMOVED;
	size_t n = ((size_t)f->p[0] << 8) | f->p[1];
	f->p += 2;
	f->left -= 2;
	if (n > f->left)
		n = f->left;
	if (n > rcap)
		n = rcap;
	memcpy(rapdu, f->p, n);
	f->p += n;
	f->left -= n;
	*rlen = n;
	return MU_SC_OK;
}

static void f_disconnect(void *conn_ctx)
{
}

static const mu_backend_ops feed_ops = {
    .name = "fuzz",
    .list = f_list,
    .connect = f_connect,
    .transmit = f_transmit,
    .disconnect = f_disconnect,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	feed f = {data, size};
	mu_backend *b = mu_backend_new(&feed_ops, &f);
	mu_card *card = NULL;
	if (b == NULL || mu_card_open(b, "fuzz", &card) != MU_SC_OK) {
		mu_backend_free(&b);
		return 0;
	}
	mu_card_info info;
	if (mu_card_info_get(card, &info) == MU_SC_OK &&
	    (memchr(info.label, '\0', sizeof(info.label)) == NULL ||
	     memchr(info.zone_id, '\0', sizeof(info.zone_id)) == NULL))
		abort();
	mu_keypart_info *parts = NULL;
	size_t n = 0;
	if (mu_card_keypart_list(card, &parts, &n) == MU_SC_OK) {
		if (n > MU_KEYPARTS_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			if (parts[i].slot >= MU_KEYPARTS_MAX || strlen(parts[i].desc) > MU_DESC_MAX)
				abort();
		free(parts);
	}
	uint8_t *der = NULL;
	size_t len = 0;
	if (mu_card_get_cert(card, MU_CERT_ADMIN, &der, &len) == MU_SC_OK) {
		if (len == 0 || der[0] != 0x30)
			abort();
		free(der);
	}
	/* every failure leaves a message */
	if (mu_card_verify(card, 1, "123456") != MU_SC_OK && mu_card_errmsg(card)[0] == '\0')
		abort();
	static const uint8_t block[300] = {1, 2, 3};
	uint8_t *sig = NULL;
	if (mu_card_sign(card, block, sizeof(block), &sig, &len) == MU_SC_OK) {
		if (len < 8 || sig[0] != 0x30)
			abort();
		free(sig);
	}
	unsigned slot = 0;
	uint8_t vp[32];
	if (mu_card_keypart_gen(card, "fuzz", &slot, vp) == MU_SC_OK && slot >= MU_KEYPARTS_MAX)
		abort();
	mu_card_free(&card);
	mu_backend_free(&b);
	return 0;
}
