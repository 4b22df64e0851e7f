/* SPDX-License-Identifier: Apache-2.0 */
#include "inproc-backend.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu-card-proto.h"
#include "mu-secret.h"

#define INPROC_READERS_MAX 8u

typedef struct slot {
	char name[48];
	cardsim_card *card;
	cardsim_card *pulled;     /* taken out by the fault hook */
	unsigned long generation; /* bumped at every insertion and removal */
	long remove_after;
	int remove_ins; /* the fault hook counts APDUs with this INS; -1: all */
	uint8_t *image; /* last saved image */
	size_t image_len;
	unsigned long count, outside_tx, tx_count;
} slot;

struct inproc {
	size_t n;
	slot slots[INPROC_READERS_MAX];
};

typedef struct inproc_conn {
	inproc *ip;
	size_t reader;
	unsigned long generation;
	bool in_tx;
} inproc_conn;

static void drop_image(slot *s)
{
	if (s->image != NULL)
		mu_memzero(s->image, s->image_len);
	free(s->image);
	s->image = NULL;
	s->image_len = 0;
}

/* What openmu-cardsim does before it answers: writes the image. */
static void save_image(slot *s)
{
	uint8_t *img = NULL;
	size_t len = 0;
	if (cardsim_card_save(s->card, &img, &len) != 0)
		abort();
	drop_image(s);
	s->image = img;
	s->image_len = len;
}

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

/* The card leaves the reader: it loses its PIN status, connections to it
 * are dead. */
static cardsim_card *pull(slot *s)
{
	cardsim_card *card = s->card;
	if (card != NULL)
		cardsim_card_reset(card);
	s->card = NULL;
	s->generation++;
	return card;
}

static bool alive(const inproc_conn *c)
{
	const slot *s = &c->ip->slots[c->reader];
	return s->card != NULL && s->generation == c->generation;
}

static int ip_transmit(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                       size_t rcap, size_t *rlen)
{
	inproc_conn *c = conn_ctx;
	slot *s = &c->ip->slots[c->reader];
	s->count++;
	if (!c->in_tx)
		s->outside_tx++;
	bool counted = s->remove_ins < 0 || (clen >= 2 && capdu[1] == s->remove_ins);
	if (counted && s->remove_after == 0) {
		/* pulled before this APDU reached it; it stays out until the
		 * test takes it back or inserts another card */
		s->remove_after = -1;
		cardsim_card_free(&s->pulled);
		s->pulled = pull(s);
	}
	if (!alive(c))
		return MU_SC_ERR_REMOVED;
	if (counted && s->remove_after > 0)
		s->remove_after--;
	if (rcap < CARDSIM_RAPDU_MAX)
		return MU_SC_ERR_TRANSPORT;
	cardsim_card_process(s->card, capdu, clen, rapdu, rlen);
	if (cardsim_card_take_dirty(s->card))
		save_image(s);
	return MU_SC_OK;
}

static int ip_begin(void *conn_ctx)
{
	inproc_conn *c = conn_ctx;
	if (!alive(c))
		return MU_SC_ERR_REMOVED;
	c->in_tx = true;
	c->ip->slots[c->reader].tx_count++;
	return MU_SC_OK;
}

static void ip_end(void *conn_ctx)
{
	inproc_conn *c = conn_ctx;
	c->in_tx = false;
}

static void ip_disconnect(void *conn_ctx)
{
	free(conn_ctx);
}

static void ip_free(void *ctx)
{
	inproc *ip = ctx;
	for (size_t i = 0; i < ip->n; i++) {
		cardsim_card_free(&ip->slots[i].card);
		cardsim_card_free(&ip->slots[i].pulled);
		drop_image(&ip->slots[i]);
	}
	free(ip);
}

static const mu_backend_ops inproc_ops = {
    .name = "inproc",
    .list = ip_list,
    .wait_change = ip_wait_change,
    .cancel = ip_cancel,
    .connect = ip_connect,
    .transmit = ip_transmit,
    .begin = ip_begin,
    .end = ip_end,
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
		ip->slots[i].remove_ins = -1;
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
	cardsim_card *old = pull(s);
	cardsim_card_free(&old);
	cardsim_card_free(&s->pulled);
	cardsim_card_reset(card);
	s->card = card;
	s->remove_after = -1;
	save_image(s);
}

cardsim_card *inproc_remove(inproc *ip, size_t reader)
{
	slot *s = &ip->slots[reader];
	cardsim_card *card = pull(s);
	if (card == NULL) {
		card = s->pulled;
		s->pulled = NULL;
	}
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
	ip->slots[reader].remove_ins = -1;
}

void inproc_remove_at(inproc *ip, size_t reader, uint8_t ins, long k)
{
	ip->slots[reader].remove_after = k;
	ip->slots[reader].remove_ins = ins;
}

int inproc_image(inproc *ip, size_t reader, uint8_t **img, size_t *len)
{
	const slot *s = &ip->slots[reader];
	if (s->image == NULL)
		return -1;
	uint8_t *copy = malloc(s->image_len);
	if (copy == NULL)
		return -1;
	memcpy(copy, s->image, s->image_len);
	*img = copy;
	*len = s->image_len;
	return 0;
}

unsigned long inproc_apdu_count(inproc *ip, size_t reader)
{
	return ip->slots[reader].count;
}

unsigned long inproc_apdus_outside_tx(inproc *ip, size_t reader)
{
	return ip->slots[reader].outside_tx;
}

unsigned long inproc_tx_count(inproc *ip, size_t reader)
{
	return ip->slots[reader].tx_count;
}

void inproc_reset_count(inproc *ip, size_t reader)
{
	slot *s = &ip->slots[reader];
	s->count = 0;
	s->outside_tx = 0;
	s->tx_count = 0;
}
