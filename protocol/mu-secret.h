/* SPDX-License-Identifier: Apache-2.0 */
/* Wiping of secrets and a heap buffer that wipes itself. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Overwrites len bytes at p with zeros in a way the compiler keeps. */
void mu_memzero(void *p, size_t len);

/* A heap buffer for key material; freed with mu_secret_free(), which wipes it. */
typedef struct mu_secret {
	uint8_t *data;
	size_t len;
} mu_secret;

/* Allocates len zeroed bytes. Returns NULL when out of memory. */
mu_secret *mu_secret_new(size_t len);
/* Wipes and frees *s and sets *s to NULL; NULL-safe. */
void mu_secret_free(mu_secret **s);
