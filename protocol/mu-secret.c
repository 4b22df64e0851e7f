/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-secret.h"

#include <stdlib.h>

#include <openssl/crypto.h>

void mu_memzero(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

mu_secret *mu_secret_new(size_t len)
{
	mu_secret *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->data = calloc(1, len > 0 ? len : 1);
	if (s->data == NULL) {
		free(s);
		return NULL;
	}
	s->len = len;
	return s;
}

void mu_secret_free(mu_secret **s)
{
	if (s == NULL || *s == NULL)
		return;
	mu_memzero((*s)->data, (*s)->len);
	free((*s)->data);
	free(*s);
	*s = NULL;
}
