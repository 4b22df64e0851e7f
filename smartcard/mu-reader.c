/* SPDX-License-Identifier: Apache-2.0 */
/* The backend wrapper and card connections: reader resolution, command
 * chaining, GET RESPONSE, 6Cxx resends, transactions and the APDU trace. */
#include "mu-reader.h"

#include <stdlib.h>
#include <string.h>

#include "mu-apdu.h"
#include "mu-card-proto.h"
#include "mu-secret.h"
#include "mu-sw.h"

/* Short response APDUs only: 256 data bytes + SW, with some slack. */
#define RAPDU_BUF 512u
/* Largest command buffer: header, extended Lc, 255 data bytes, Le. */
#define CAPDU_BUF (MU_APDU_HEADER_LEN + 3u + MU_APDU_SHORT_MAX + 2u)
/* Upper bound on the data collected through GET RESPONSE, and on the
 * number of GET RESPONSE rounds (a card that keeps answering 61xx without
 * data must not hold the workstation forever). */
#define RESP_TOTAL_MAX          65536u
#define GET_RESPONSE_ROUNDS_MAX (RESP_TOTAL_MAX / 256u + 4u)

struct mu_backend {
	const mu_backend_ops *ops;
	void *ctx;
};

struct mu_conn {
	mu_backend *b;
	void *cctx;
	char *reader;
	FILE *trace;
	bool own_trace;
	unsigned tx_depth;
	/* APDU buffers, wiped after every exchange (they may hold a PIN or
	 * key data); on the heap so that their wiping can be checked */
	uint8_t *cbuf;
	uint8_t *rbuf;
};

void mu_reader_info_free(mu_reader_info *list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i].name);
	free(list);
}

mu_backend *mu_backend_new(const mu_backend_ops *ops, void *ctx)
{
	if (ops == NULL)
		return NULL;
	mu_backend *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->ops = ops;
	b->ctx = ctx;
	return b;
}

void mu_backend_free(mu_backend **b)
{
	if (b == NULL || *b == NULL)
		return;
	if ((*b)->ops->free != NULL)
		(*b)->ops->free((*b)->ctx);
	free(*b);
	*b = NULL;
}

int mu_backend_list(mu_backend *b, mu_reader_info **list, size_t *n)
{
	if (b == NULL || list == NULL || n == NULL)
		return MU_SC_ERR_ARG;
	return b->ops->list(b->ctx, list, n);
}

int mu_backend_wait_change(mu_backend *b, unsigned timeout_ms)
{
	if (b == NULL)
		return MU_SC_ERR_ARG;
	if (b->ops->wait_change == NULL)
		return MU_SC_ERR_TRANSPORT;
	return b->ops->wait_change(b->ctx, timeout_ms);
}

void mu_backend_cancel(mu_backend *b)
{
	if (b != NULL && b->ops->cancel != NULL)
		b->ops->cancel(b->ctx);
}

static bool is_decimal(const char *s)
{
	if (*s == '\0' || strlen(s) > 6)
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int mu_backend_resolve_reader(mu_backend *b, const char *name_or_index, char **out)
{
	if (b == NULL || name_or_index == NULL || out == NULL)
		return MU_SC_ERR_ARG;
	mu_reader_info *list = NULL;
	size_t n = 0;
	int st = mu_backend_list(b, &list, &n);
	if (st != MU_SC_OK)
		return st;

	const char *found = NULL;
	size_t plen = strlen(name_or_index);
	size_t matches = 0;
	for (size_t i = 0; i < n && found == NULL; i++)
		if (strcmp(list[i].name, name_or_index) == 0)
			found = list[i].name;
	if (found == NULL && is_decimal(name_or_index)) {
		unsigned long idx = strtoul(name_or_index, NULL, 10);
		if (idx < n)
			found = list[idx].name;
	}
	if (found == NULL && plen > 0) {
		for (size_t i = 0; i < n; i++) {
			if (strncmp(list[i].name, name_or_index, plen) == 0) {
				matches++;
				found = list[i].name;
			}
		}
		if (matches != 1)
			found = NULL; /* an ambiguous prefix names no reader */
	}

	st = MU_SC_ERR_NO_READER;
	if (found != NULL) {
		char *copy = strdup(found);
		st = copy != NULL ? MU_SC_OK : MU_SC_ERR_NOMEM;
		if (copy != NULL)
			*out = copy;
	}
	mu_reader_info_free(list, n);
	return st;
}

int mu_conn_open(mu_backend *b, const char *reader, mu_conn **out)
{
	if (b == NULL || reader == NULL || out == NULL)
		return MU_SC_ERR_ARG;
	mu_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MU_SC_ERR_NOMEM;
	c->b = b;
	c->reader = strdup(reader);
	c->cbuf = calloc(1, CAPDU_BUF);
	c->rbuf = calloc(1, RAPDU_BUF);
	int st = MU_SC_ERR_NOMEM;
	if (c->reader != NULL && c->cbuf != NULL && c->rbuf != NULL)
		st = b->ops->connect(b->ctx, reader, &c->cctx);
	if (st != MU_SC_OK) {
		free(c->reader);
		free(c->cbuf);
		free(c->rbuf);
		free(c);
		return st;
	}
	const char *path = getenv("OPENMU_APDU_TRACE");
	if (path != NULL && path[0] != '\0') {
		c->trace = fopen(path, "ae");
		c->own_trace = c->trace != NULL;
	}
	*out = c;
	return MU_SC_OK;
}

void mu_conn_free(mu_conn **c)
{
	if (c == NULL || *c == NULL)
		return;
	mu_conn *k = *c;
	if (k->tx_depth > 0 && k->b->ops->end != NULL)
		k->b->ops->end(k->cctx);
	k->b->ops->disconnect(k->cctx);
	if (k->own_trace)
		fclose(k->trace);
	mu_memzero(k->cbuf, CAPDU_BUF);
	mu_memzero(k->rbuf, RAPDU_BUF);
	free(k->cbuf);
	free(k->rbuf);
	free(k->reader);
	free(k);
	*c = NULL;
}

const char *mu_conn_reader(const mu_conn *c)
{
	return c != NULL ? c->reader : "";
}

void mu_conn_set_trace(mu_conn *c, FILE *trace)
{
	if (c == NULL)
		return;
	if (c->own_trace)
		fclose(c->trace);
	c->trace = trace;
	c->own_trace = false;
}

int mu_conn_begin(mu_conn *c)
{
	if (c == NULL)
		return MU_SC_ERR_ARG;
	if (c->tx_depth == 0 && c->b->ops->begin != NULL) {
		int st = c->b->ops->begin(c->cctx);
		if (st != MU_SC_OK)
			return st;
	}
	c->tx_depth++;
	return MU_SC_OK;
}

void mu_conn_end(mu_conn *c)
{
	if (c == NULL || c->tx_depth == 0)
		return;
	c->tx_depth--;
	if (c->tx_depth == 0 && c->b->ops->end != NULL)
		c->b->ops->end(c->cctx);
}

/* ---- trace ---- */

/* Commands whose data carries a PIN or imports keys: their data is never
 * written to the trace. */
static bool is_secret_command(uint8_t cla, uint8_t ins)
{
	if ((cla & 0x80u) == 0)
		return ins == MU_INS_VERIFY || ins == MU_INS_CHANGE_REF ||
		       ins == MU_INS_RESET_RETRY;
	return ins == MU_INS_INIT_CA || ins == MU_INS_ENROLL || ins == MU_INS_CA_RESTORE ||
	       ins == MU_INS_COPY_IMPORT;
}

static void trace_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 32 == 0)
			fputs(i == 0 ? "  " : "\n  ", f);
		fprintf(f, "%02X", p[i]);
	}
	if (n > 0)
		fputc('\n', f);
}

static void trace_command(mu_conn *c, const mu_apdu *a)
{
	if (c->trace == NULL)
		return;
	fprintf(c->trace, "> %02X %02X %02X %02X %02zX", a->cla, a->ins, a->p1, a->p2, a->nc);
	if (a->ne > 0)
		fprintf(c->trace, " Le=%02zX", a->ne & 0xFFu);
	fputc('\n', c->trace);
	if (a->nc > 0 && is_secret_command(a->cla, a->ins))
		fputs("  [redacted]\n", c->trace);
	else
		trace_hex(c->trace, a->data, a->nc);
	fflush(c->trace);
}

static void trace_response(mu_conn *c, const uint8_t *r, size_t n, int st)
{
	if (c->trace == NULL)
		return;
	if (st != MU_SC_OK)
		fprintf(c->trace, "< transport failure (%d)\n", st);
	else {
		fprintf(c->trace, "< %02X%02X %zu\n", r[n - 2], r[n - 1], n - 2);
		trace_hex(c->trace, r, n - 2);
	}
	fflush(c->trace);
}

/* ---- exchanges ---- */

/* One short APDU exchange into c->rbuf; the command buffer is wiped right
 * after transmit (it may hold a PIN or key data). On success c->rbuf holds
 * at least the SW. */
static int exchange(mu_conn *c, const mu_apdu *a, size_t *rlen)
{
	size_t clen = 0;
	if (mu_apdu_build(a, false, c->cbuf, CAPDU_BUF, &clen) != 0) {
		mu_memzero(c->cbuf, CAPDU_BUF);
		return MU_SC_ERR_ARG;
	}
	trace_command(c, a);
	*rlen = 0;
	int st = c->b->ops->transmit(c->cctx, c->cbuf, clen, c->rbuf, RAPDU_BUF, rlen);
	mu_memzero(c->cbuf, CAPDU_BUF);
	if (st == MU_SC_OK && (*rlen < 2 || *rlen > RAPDU_BUF))
		st = MU_SC_ERR_TRANSPORT;
	trace_response(c, c->rbuf, *rlen, st);
	return st;
}

static uint16_t sw_of(const uint8_t *r, size_t n)
{
	return (uint16_t)((r[n - 2] << 8) | r[n - 1]);
}

/* Appends the data part of a response to resp; MU_SC_ERR_RESPONSE when it
 * does not fit. */
static int append(const uint8_t *r, size_t n, uint8_t *resp, size_t rcap, size_t *got)
{
	size_t dlen = n - 2;
	if (dlen > rcap - *got || *got + dlen > RESP_TOTAL_MAX)
		return MU_SC_ERR_RESPONSE;
	if (dlen > 0)
		memcpy(resp + *got, r, dlen);
	*got += dlen;
	return MU_SC_OK;
}

/* Sends a (short) APDU and, on 6Cxx, resends it once with Le = xx. */
static int exchange_le(mu_conn *c, mu_apdu *a, bool may_resend, size_t *rlen)
{
	int st = exchange(c, a, rlen);
	if (st != MU_SC_OK || !may_resend)
		return st;
	uint16_t s = sw_of(c->rbuf, *rlen);
	if ((s & 0xFF00u) != MU_SW_WRONG_LE)
		return st;
	a->ne = (s & 0xFFu) != 0 ? (s & 0xFFu) : 256u;
	return exchange(c, a, rlen);
}

int mu_conn_command_le(mu_conn *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                       const uint8_t *data, size_t len, size_t ne, uint8_t *resp, size_t rcap,
                       size_t *rlen, uint16_t *sw)
{
	if (c == NULL || sw == NULL || (len > 0 && data == NULL) || len > MU_APDU_EXT_MAX ||
	    ne > 256 || (rcap > 0 && resp == NULL) || (resp != NULL && rlen == NULL))
		return MU_SC_ERR_ARG;

	uint8_t *rbuf = c->rbuf;
	size_t n = 0, got = 0;
	int st = MU_SC_OK;
	uint16_t s = 0;

	mu_apdu a = {.cla = cla,
	             .ins = ins,
	             .p1 = p1,
	             .p2 = p2,
	             .data = len > 0 ? data : NULL,
	             .nc = len,
	             .ne = ne,
	             .extended = false};
	mu_apdu_chain chain;
	mu_apdu link;
	mu_apdu_chain_init(&chain, &a);
	bool chained = len > MU_APDU_SHORT_MAX;
	while (mu_apdu_chain_next(&chain, &link) == 1) {
		if (!chain.done) {
			st = exchange(c, &link, &n);
			if (st != MU_SC_OK)
				goto out;
			s = sw_of(rbuf, n);
			if (s != MU_SW_OK)
				goto done; /* the card refused a link: the chain is dropped */
			continue;
		}
		/* a chained command's last link is not resent: the card has
		 * consumed the chain */
		st = exchange_le(c, &link, !chained, &n);
		if (st != MU_SC_OK)
			goto out;
	}
	s = sw_of(rbuf, n);
	st = append(rbuf, n, resp, rcap, &got);
	for (unsigned round = 0; st == MU_SC_OK && (s & 0xFF00u) == MU_SW_BYTES_REMAINING;
	     round++) {
		if (round >= GET_RESPONSE_ROUNDS_MAX) {
			st = MU_SC_ERR_RESPONSE;
			break;
		}
		mu_apdu gr = {.cla = 0x00,
		              .ins = MU_INS_GET_RESPONSE,
		              .ne = (s & 0xFFu) != 0 ? (s & 0xFFu) : 256u};
		st = exchange_le(c, &gr, true, &n);
		if (st != MU_SC_OK)
			goto out;
		s = sw_of(rbuf, n);
		st = append(rbuf, n, resp, rcap, &got);
	}
	if (st != MU_SC_OK)
		goto out;
done:
	*sw = s;
	if (rlen != NULL)
		*rlen = got;
out:
	mu_memzero(rbuf, RAPDU_BUF);
	return st;
}

int mu_conn_command(mu_conn *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                    const uint8_t *data, size_t len, uint8_t *resp, size_t rcap, size_t *rlen,
                    uint16_t *sw)
{
	return mu_conn_command_le(c, cla, ins, p1, p2, data, len, 256, resp, rcap, rlen, sw);
}
