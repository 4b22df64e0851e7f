/* SPDX-License-Identifier: Apache-2.0 */
#include "inproc-backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu-card-proto.h"

#define INPROC_READERS_MAX 8u

typedef struct slot {
	char name[48];
	cardsim_card *card;
	unsigned long generation; /* bumped at every removal */
	unsigned long count;
	long remove_after;
} slot;

struct inproc {
	size_t n;
	slot slots[INPROC_READERS_MAX];
};

typedef struct inproc_conn {
	inproc *ip;
	size_t reader;
	unsigned long generation;
} inproc_conn;

static int ip_list(void *ctx, mu_reader_info **list, size_t *n)
{
	inproc *ip = ctx;
	mu_reader_info *out = calloc(ip->n, sizeof(*out));
	if (out == NULL)
		return MU_SC_ERR_NOMEM;
	for (size_t i = 0; i < ip->n; i++) {
		out[i].name = strdup(ip->slots[i].name);
		if (out[i].name == NULL) {
			mu_reader_info_free(out, ip->n);
			return MU_SC_ERR_NOMEM;
		}
		out[i].card_present = ip->slots[i].card != NULL;
		if (out[i].card_present)
			out[i].atr_len = mu_card_atr(out[i].atr);
	}
	*list = out;
	*n = ip->n;
	return MU_SC_OK;
}

static int ip_wait_change(void *ctx, unsigned timeout_ms)
{
	return MU_SC_ERR_TIMEOUT;
}

static void ip_cancel(void *ctx)
{
}

static int ip_connect(void *ctx, const char *reader, void **conn_ctx)
{
	inproc *ip = ctx;
	for (size_t i = 0; i < ip->n; i++) {
		if (strcmp(ip->slots[i].name, reader) != 0)
			continue;
		if (ip->slots[i].card == NULL)
			return MU_SC_ERR_NO_CARD;
		inproc_conn *c = calloc(1, sizeof(*c));
		if (c == NULL)
			return MU_SC_ERR_NOMEM;
		c->ip = ip;
		c->reader = i;
		c->generation = ip->slots[i].generation;
		*conn_ctx = c;
		return MU_SC_OK;
	}
	return MU_SC_ERR_NO_READER;
}

static void pull(slot *s)
{
	if (s->card != NULL)
		cardsim_card_reset(s->card);
	s->generation++;
}

static int ip_transmit(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                       size_t rcap, size_t *rlen)
{
	inproc_conn *c = conn_ctx;
	slot *s = &c->ip->slots[c->reader];
	s->count++;
	if (s->remove_after == 0) {
		/* the card is pulled and stays out until the test reinserts it */
		pull(s);
		s->remove_after = -1;
		cardsim_card_free(&s->card);
	}
	if (s->card == NULL || s->generation != c->generation)
		return MU_SC_ERR_REMOVED;
	if (s->remove_after > 0)
		s->remove_after--;
	if (rcap < CARDSIM_RAPDU_MAX)
		return MU_SC_ERR_TRANSPORT;
	cardsim_card_process(s->card, capdu, clen, rapdu, rlen);
	(void)cardsim_card_take_dirty(s->card);
	return MU_SC_OK;
}

static void ip_disconnect(void *conn_ctx)
{
	free(conn_ctx);
}

static void ip_free(void *ctx)
{
	inproc *ip = ctx;
	for (size_t i = 0; i < ip->n; i++)
		cardsim_card_free(&ip->slots[i].card);
	free(ip);
}

static const mu_backend_ops inproc_ops = {
    .name = "inproc",
    .list = ip_list,
    .wait_change = ip_wait_change,
    .cancel = ip_cancel,
    .connect = ip_connect,
    .transmit = ip_transmit,
    .begin = NULL,
    .end = NULL,
    .disconnect = ip_disconnect,
    .free = ip_free,
};

mu_backend *inproc_backend_new(size_t n, inproc **out)
{
	if (n > INPROC_READERS_MAX)
		return NULL;
	inproc *ip = calloc(1, sizeof(*ip));
	if (ip == NULL)
		return NULL;
	ip->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(ip->slots[i].name, sizeof(ip->slots[i].name), "OpenMU Test Reader %zu", i);
		ip->slots[i].remove_after = -1;
	}
	mu_backend *b = mu_backend_new(&inproc_ops, ip);
	if (b == NULL) {
		free(ip);
		return NULL;
	}
	*out = ip;
	return b;
}

void inproc_insert(inproc *ip, size_t reader, cardsim_card *card)
{
	slot *s = &ip->slots[reader];
	cardsim_card_free(&s->card);
	cardsim_card_reset(card);
	s->card = card;
	s->generation++;
}

cardsim_card *inproc_remove(inproc *ip, size_t reader)
{
	slot *s = &ip->slots[reader];
	cardsim_card *card = s->card;
	pull(s);
	s->card = NULL;
	return card;
}

cardsim_card *inproc_card(inproc *ip, size_t reader)
{
	return ip->slots[reader].card;
}

const char *inproc_reader_name(inproc *ip, size_t reader)
{
	return ip->slots[reader].name;
}

void inproc_remove_after(inproc *ip, size_t reader, long k)
{
	ip->slots[reader].remove_after = k;
}

unsigned long inproc_apdu_count(inproc *ip, size_t reader)
{
	return ip->slots[reader].count;
}

void inproc_reset_count(inproc *ip, size_t reader)
{
	ip->slots[reader].count = 0;
}
