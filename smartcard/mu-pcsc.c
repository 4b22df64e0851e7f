/* SPDX-License-Identifier: Apache-2.0 */
/* The pcsc-lite backend. Each backend has its own SCARDCONTEXT (pcsc-lite
 * wants one context per thread); cancel() may be called from any thread and
 * wakes a wait_change() blocked in SCardGetStatusChange(). */
#include "mu-reader.h"

#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#define PNP_READER "\\\\?PnP?\\Notification"

typedef struct pcsc_ctx {
	SCARDCONTEXT ctx;
} pcsc_ctx;

typedef struct pcsc_conn {
	SCARDHANDLE h;
	DWORD proto;
} pcsc_conn;

/* Maps a PC/SC result during an operation on a connected card. */
static int map_card_error(LONG rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return MU_SC_OK;
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_E_NOT_TRANSACTED:
	case SCARD_W_RESET_CARD:
	case SCARD_E_READER_UNAVAILABLE:
		return MU_SC_ERR_REMOVED;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return MU_SC_ERR_NO_SERVICE;
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
		return MU_SC_ERR_NO_READER;
	case SCARD_E_TIMEOUT:
		return MU_SC_ERR_TIMEOUT;
	case SCARD_E_CANCELLED:
		return MU_SC_ERR_CANCELLED;
	case SCARD_E_NO_MEMORY:
		return MU_SC_ERR_NOMEM;
	default:
		return MU_SC_ERR_TRANSPORT;
	}
}

/* Lists the reader names as a malloc'ed multi-string; *names = NULL and
 * MU_SC_OK when there is no reader. */
static int list_names(pcsc_ctx *p, char **names)
{
	DWORD len = 0;
	*names = NULL;
	LONG rv = SCardListReaders(p->ctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return MU_SC_OK;
	if (rv != SCARD_S_SUCCESS)
		return map_card_error(rv);
	char *buf = calloc(1, (size_t)len + 2);
	if (buf == NULL)
		return MU_SC_ERR_NOMEM;
	rv = SCardListReaders(p->ctx, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(buf);
		return MU_SC_OK;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(buf);
		return map_card_error(rv);
	}
	*names = buf;
	return MU_SC_OK;
}

static size_t count_names(const char *names)
{
	size_t n = 0;
	for (const char *s = names; s != NULL && *s != '\0'; s += strlen(s) + 1)
		n++;
	return n;
}

static int pcsc_list(void *ctx, mu_reader_info **list, size_t *n)
{
	pcsc_ctx *p = ctx;
	char *names = NULL;
	int st = list_names(p, &names);
	if (st != MU_SC_OK)
		return st;
	size_t count = count_names(names);
	if (count == 0) {
		free(names);
		*list = NULL;
		*n = 0;
		return MU_SC_OK;
	}
	mu_reader_info *out = calloc(count, sizeof(*out));
	SCARD_READERSTATE *rs = calloc(count, sizeof(*rs));
	if (out == NULL || rs == NULL) {
		st = MU_SC_ERR_NOMEM;
		goto fail;
	}
	size_t i = 0;
	for (const char *s = names; *s != '\0'; s += strlen(s) + 1, i++) {
		rs[i].szReader = s;
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	LONG rv = SCardGetStatusChange(p->ctx, 0, rs, (DWORD)count);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
		st = map_card_error(rv);
		goto fail;
	}
	for (i = 0; i < count; i++) {
		out[i].name = strdup(rs[i].szReader);
		if (out[i].name == NULL) {
			st = MU_SC_ERR_NOMEM;
			goto fail;
		}
		out[i].card_present = (rs[i].dwEventState & SCARD_STATE_PRESENT) != 0;
		size_t alen = rs[i].cbAtr < MU_ATR_MAX ? rs[i].cbAtr : MU_ATR_MAX;
		if (out[i].card_present) {
			memcpy(out[i].atr, rs[i].rgbAtr, alen);
			out[i].atr_len = alen;
		}
	}
	free(rs);
	free(names);
	*list = out;
	*n = count;
	return MU_SC_OK;
fail:
	mu_reader_info_free(out, count);
	free(rs);
	free(names);
	return st;
}

static int pcsc_wait_change(void *ctx, unsigned timeout_ms)
{
	pcsc_ctx *p = ctx;
	char *names = NULL;
	int st = list_names(p, &names);
	if (st != MU_SC_OK)
		return st;
	size_t count = count_names(names) + 1;
	SCARD_READERSTATE *rs = calloc(count, sizeof(*rs));
	if (rs == NULL) {
		free(names);
		return MU_SC_ERR_NOMEM;
	}
	rs[0].szReader = PNP_READER;
	rs[0].dwCurrentState = SCARD_STATE_UNAWARE;
	size_t i = 1;
	for (const char *s = names; s != NULL && *s != '\0'; s += strlen(s) + 1, i++) {
		rs[i].szReader = s;
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	/* learn the current states, then wait for any of them to change */
	LONG rv = SCardGetStatusChange(p->ctx, 0, rs, (DWORD)count);
	if (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT) {
		for (i = 0; i < count; i++)
			rs[i].dwCurrentState = rs[i].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(p->ctx, timeout_ms, rs, (DWORD)count);
	}
	free(rs);
	free(names);
	return map_card_error(rv);
}

static void pcsc_cancel(void *ctx)
{
	pcsc_ctx *p = ctx;
	SCardCancel(p->ctx);
}

static int pcsc_connect(void *ctx, const char *reader, void **conn_ctx)
{
	pcsc_ctx *p = ctx;
	pcsc_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MU_SC_ERR_NOMEM;
	LONG rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED,
	                       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->h, &c->proto);
	if (rv != SCARD_S_SUCCESS) {
		free(c);
		switch (rv) {
		case SCARD_E_NO_SMARTCARD:
		case SCARD_W_REMOVED_CARD:
			return MU_SC_ERR_NO_CARD;
		case SCARD_E_UNKNOWN_READER:
		case SCARD_E_READER_UNAVAILABLE:
			return MU_SC_ERR_NO_READER;
		default:
			return map_card_error(rv);
		}
	}
	*conn_ctx = c;
	return MU_SC_OK;
}

static int pcsc_transmit(void *conn_ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                         size_t rcap, size_t *rlen)
{
	pcsc_conn *c = conn_ctx;
	const SCARD_IO_REQUEST *pci = c->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD n = (DWORD)rcap;
	LONG rv = SCardTransmit(c->h, pci, capdu, (DWORD)clen, NULL, rapdu, &n);
	if (rv != SCARD_S_SUCCESS)
		return map_card_error(rv);
	*rlen = n;
	return MU_SC_OK;
}

static int pcsc_begin(void *conn_ctx)
{
	pcsc_conn *c = conn_ctx;
	return map_card_error(SCardBeginTransaction(c->h));
}

static void pcsc_end(void *conn_ctx)
{
	pcsc_conn *c = conn_ctx;
	SCardEndTransaction(c->h, SCARD_LEAVE_CARD);
}

static void pcsc_disconnect(void *conn_ctx)
{
	pcsc_conn *c = conn_ctx;
	if (c == NULL)
		return;
	/* leave the card powered: the PIN status lasts until reset or removal */
	SCardDisconnect(c->h, SCARD_LEAVE_CARD);
	free(c);
}

static void pcsc_free(void *ctx)
{
	pcsc_ctx *p = ctx;
	if (p == NULL)
		return;
	SCardReleaseContext(p->ctx);
	free(p);
}

static const mu_backend_ops pcsc_ops = {
    .name = "pcsc",
    .list = pcsc_list,
    .wait_change = pcsc_wait_change,
    .cancel = pcsc_cancel,
    .connect = pcsc_connect,
    .transmit = pcsc_transmit,
    .begin = pcsc_begin,
    .end = pcsc_end,
    .disconnect = pcsc_disconnect,
    .free = pcsc_free,
};

int mu_backend_pcsc_open(mu_backend **out)
{
	if (out == NULL)
		return MU_SC_ERR_ARG;
	pcsc_ctx *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MU_SC_ERR_NOMEM;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		free(p);
		return rv == SCARD_E_NO_SERVICE ? MU_SC_ERR_NO_SERVICE : map_card_error(rv);
	}
	mu_backend *b = mu_backend_new(&pcsc_ops, p);
	if (b == NULL) {
		pcsc_free(p);
		return MU_SC_ERR_NOMEM;
	}
	*out = b;
	return MU_SC_OK;
}
