/* SPDX-License-Identifier: Apache-2.0 */
/* The pcsc-lite backend against a scripted PC/SC: every SCard* call of
 * mu-pcsc.c is routed here by the linker (-Wl,--wrap=SCard...), so the
 * tests check what the backend asks of pcscd and how it maps its answers:
 * no service, reader listing with presence and ATR, waiting for changes
 * with the PnP pseudo-reader, cancel, shared connect with the PCI of the
 * active protocol, transactions, and a card pulled mid-command. */
#include <glib.h>
#include <string.h>

#include <winscard.h>

#include "mu-card.h"
#include "mu-reader.h"

#define CTX_HANDLE  0x5C5Cu
#define CARD_HANDLE 0xCA7Du

/* The scripted PC/SC service. */
static struct {
	LONG establish_rv;
	const char *readers; /* multi-string, NULL for none */
	size_t readers_len;
	bool present[4];
	DWORD proto; /* protocol SCardConnect reports */
	LONG connect_rv;
	LONG transmit_rv; /* once a transmit fails, the card is gone */
	LONG begin_rv;
	LONG wait_rv; /* answer of a blocking SCardGetStatusChange */
	/* what the backend did */
	DWORD share, protocols;
	const SCARD_IO_REQUEST *pci;
	unsigned transmits, transmits_outside_tx, begins, ends, cancels, releases;
	unsigned disconnects;
	DWORD end_disposition, disconnect_disposition;
	bool in_tx;
	char wait_names[4][64];
	DWORD wait_current[4];
	DWORD wait_count;
	DWORD wait_timeout;
} pc;

static void pc_reset(void)
{
	memset(&pc, 0, sizeof(pc));
	pc.proto = SCARD_PROTOCOL_T1;
}

static const char two_readers[] = "Reader A 00 00\0Reader B 00 01\0";

static const uint8_t test_atr[] = {0x3B, 0x88, 0x80, 0x01, 0x4F, 0x70, 0x65,
                                   0x6E, 0x4D, 0x55, 0x31, 0x30, 0x24};

LONG __wrap_SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx);
LONG __wrap_SCardReleaseContext(SCARDCONTEXT ctx);
LONG __wrap_SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len);
LONG __wrap_SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *rs, DWORD n);
LONG __wrap_SCardCancel(SCARDCONTEXT ctx);
LONG __wrap_SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD protocols,
                         LPSCARDHANDLE card, LPDWORD active);
LONG __wrap_SCardTransmit(SCARDHANDLE card, const SCARD_IO_REQUEST *pci, LPCBYTE send,
                          DWORD send_len, SCARD_IO_REQUEST *recv_pci, LPBYTE recv,
                          LPDWORD recv_len);
LONG __wrap_SCardBeginTransaction(SCARDHANDLE card);
LONG __wrap_SCardEndTransaction(SCARDHANDLE card, DWORD disposition);
LONG __wrap_SCardDisconnect(SCARDHANDLE card, DWORD disposition);

LONG __wrap_SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx)
{
	if (pc.establish_rv != SCARD_S_SUCCESS)
		return pc.establish_rv;
	*ctx = CTX_HANDLE;
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardReleaseContext(SCARDCONTEXT ctx)
{
	g_assert_cmpuint(ctx, ==, CTX_HANDLE);
	pc.releases++;
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len)
{
	g_assert_cmpuint(ctx, ==, CTX_HANDLE);
	if (pc.readers == NULL)
		return SCARD_E_NO_READERS_AVAILABLE;
	if (readers != NULL) {
		g_assert_cmpuint(*len, >=, pc.readers_len);
		memcpy(readers, pc.readers, pc.readers_len);
	}
	*len = (DWORD)pc.readers_len;
	return SCARD_S_SUCCESS;
}

static int reader_index(const char *name)
{
	size_t i = 0;
	for (const char *s = pc.readers; s != NULL && *s != '\0'; s += strlen(s) + 1, i++)
		if (strcmp(s, name) == 0)
			return (int)i;
	return -1;
}

LONG __wrap_SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *rs, DWORD n)
{
	g_assert_cmpuint(ctx, ==, CTX_HANDLE);
	if (timeout != 0) {
		/* the blocking call: remember what it waits on */
		g_assert_cmpuint(n, <=, 4);
		pc.wait_count = n;
		pc.wait_timeout = timeout;
		for (DWORD i = 0; i < n; i++) {
			g_strlcpy(pc.wait_names[i], rs[i].szReader, sizeof(pc.wait_names[i]));
			pc.wait_current[i] = rs[i].dwCurrentState;
		}
		return pc.wait_rv;
	}
	for (DWORD i = 0; i < n; i++) {
		if (strcmp(rs[i].szReader, "\\\\?PnP?\\Notification") == 0) {
			rs[i].dwEventState =
			    0x20000u; /* pcsc-lite: reader count in the high word */
			continue;
		}
		int k = reader_index(rs[i].szReader);
		g_assert_cmpint(k, >=, 0);
		rs[i].cbAtr = 0;
		if (pc.present[k]) {
			rs[i].dwEventState = SCARD_STATE_PRESENT | SCARD_STATE_CHANGED;
			memcpy(rs[i].rgbAtr, test_atr, sizeof(test_atr));
			rs[i].cbAtr = sizeof(test_atr);
		} else {
			rs[i].dwEventState = SCARD_STATE_EMPTY | SCARD_STATE_CHANGED;
		}
	}
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardCancel(SCARDCONTEXT ctx)
{
	g_assert_cmpuint(ctx, ==, CTX_HANDLE);
	pc.cancels++;
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD protocols,
                         LPSCARDHANDLE card, LPDWORD active)
{
	g_assert_cmpuint(ctx, ==, CTX_HANDLE);
	pc.share = share;
	pc.protocols = protocols;
	int k = reader_index(reader);
	if (k < 0)
		return SCARD_E_UNKNOWN_READER;
	if (!pc.present[k])
		return SCARD_E_NO_SMARTCARD;
	if (pc.connect_rv != SCARD_S_SUCCESS)
		return pc.connect_rv;
	*card = CARD_HANDLE;
	*active = pc.proto;
	return SCARD_S_SUCCESS;
}

/* The card: SELECT and everything else answer 9000, GET DATA a blank
 * card's info. */
LONG __wrap_SCardTransmit(SCARDHANDLE card, const SCARD_IO_REQUEST *pci, LPCBYTE send,
                          DWORD send_len, SCARD_IO_REQUEST *recv_pci, LPBYTE recv, LPDWORD recv_len)
{
	static const uint8_t info[] = {0x80, 0x01, 0x00, 0x81, 0x08, 1,    2,    3,    4,    5,
	                               6,    7,    8,    0x82, 0x00, 0x9E, 0x01, 0x00, 0x90, 0x00};
	g_assert_cmpuint(card, ==, CARD_HANDLE);
	g_assert_cmpuint(send_len, >=, 4);
	pc.pci = pci;
	pc.transmits++;
	if (!pc.in_tx)
		pc.transmits_outside_tx++;
	if (pc.transmit_rv != SCARD_S_SUCCESS)
		return pc.transmit_rv;
	g_assert_cmpuint(*recv_len, >=, sizeof(info));
	if (send[1] == 0xCA) {
		memcpy(recv, info, sizeof(info));
		*recv_len = sizeof(info);
	} else {
		recv[0] = 0x90;
		recv[1] = 0x00;
		*recv_len = 2;
	}
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardBeginTransaction(SCARDHANDLE card)
{
	g_assert_cmpuint(card, ==, CARD_HANDLE);
	g_assert_false(pc.in_tx);
	if (pc.begin_rv != SCARD_S_SUCCESS)
		return pc.begin_rv;
	pc.begins++;
	pc.in_tx = true;
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardEndTransaction(SCARDHANDLE card, DWORD disposition)
{
	g_assert_cmpuint(card, ==, CARD_HANDLE);
	g_assert_true(pc.in_tx);
	pc.ends++;
	pc.end_disposition = disposition;
	pc.in_tx = false;
	return SCARD_S_SUCCESS;
}

LONG __wrap_SCardDisconnect(SCARDHANDLE card, DWORD disposition)
{
	g_assert_cmpuint(card, ==, CARD_HANDLE);
	pc.disconnects++;
	pc.disconnect_disposition = disposition;
	return SCARD_S_SUCCESS;
}

/* ---- tests ---- */

static mu_backend *open_backend(void)
{
	mu_backend *b = NULL;
	g_assert_cmpint(mu_backend_pcsc_open(&b), ==, MU_SC_OK);
	g_assert_nonnull(b);
	return b;
}

static void test_no_service(void)
{
	pc_reset();
	pc.establish_rv = SCARD_E_NO_SERVICE;
	mu_backend *b = NULL;
	g_assert_cmpint(mu_backend_pcsc_open(&b), ==, MU_SC_ERR_NO_SERVICE);
	g_assert_null(b);
	g_assert_nonnull(strstr(mu_sc_strerror(MU_SC_ERR_NO_SERVICE), "pcscd"));
	g_assert_nonnull(strstr(mu_sc_strerror(MU_SC_ERR_NO_SERVICE), "not running"));
}

static void test_list(void)
{
	pc_reset();
	mu_backend *b = open_backend();
	mu_reader_info *list = NULL;
	size_t n = 99;
	/* no reader at all is an empty list, not an error */
	g_assert_cmpint(mu_backend_list(b, &list, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 0);
	mu_reader_info_free(list, n);

	pc.readers = two_readers;
	pc.readers_len = sizeof(two_readers);
	pc.present[1] = true;
	g_assert_cmpint(mu_backend_list(b, &list, &n), ==, MU_SC_OK);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpstr(list[0].name, ==, "Reader A 00 00");
	g_assert_false(list[0].card_present);
	g_assert_cmpuint(list[0].atr_len, ==, 0);
	g_assert_cmpstr(list[1].name, ==, "Reader B 00 01");
	g_assert_true(list[1].card_present);
	g_assert_cmpmem(list[1].atr, list[1].atr_len, test_atr, sizeof(test_atr));
	mu_reader_info_free(list, n);

	char *name = NULL;
	g_assert_cmpint(mu_backend_resolve_reader(b, "Reader B", &name), ==, MU_SC_OK);
	g_assert_cmpstr(name, ==, "Reader B 00 01");
	free(name);
	mu_backend_free(&b);
	g_assert_null(b);
	g_assert_cmpuint(pc.releases, ==, 1);
}

static void test_wait_and_cancel(void)
{
	pc_reset();
	pc.readers = two_readers;
	pc.readers_len = sizeof(two_readers);
	pc.present[0] = true;
	mu_backend *b = open_backend();

	pc.wait_rv = SCARD_E_CANCELLED;
	g_assert_cmpint(mu_backend_wait_change(b, 1500), ==, MU_SC_ERR_CANCELLED);
	/* it waits on the PnP pseudo-reader (new readers) and every reader,
	 * from the states it has just learnt */
	g_assert_cmpuint(pc.wait_count, ==, 3);
	g_assert_cmpuint(pc.wait_timeout, ==, 1500);
	g_assert_cmpstr(pc.wait_names[0], ==, "\\\\?PnP?\\Notification");
	g_assert_cmpstr(pc.wait_names[1], ==, "Reader A 00 00");
	g_assert_cmpstr(pc.wait_names[2], ==, "Reader B 00 01");
	g_assert_cmphex(pc.wait_current[0], ==, 0x20000u);
	g_assert_cmphex(pc.wait_current[1], ==, SCARD_STATE_PRESENT);
	g_assert_cmphex(pc.wait_current[2], ==, SCARD_STATE_EMPTY);

	pc.wait_rv = SCARD_E_TIMEOUT;
	g_assert_cmpint(mu_backend_wait_change(b, 10), ==, MU_SC_ERR_TIMEOUT);
	pc.wait_rv = SCARD_S_SUCCESS;
	g_assert_cmpint(mu_backend_wait_change(b, 10), ==, MU_SC_OK);
	pc.wait_rv = SCARD_E_NO_SERVICE;
	g_assert_cmpint(mu_backend_wait_change(b, 10), ==, MU_SC_ERR_NO_SERVICE);

	mu_backend_cancel(b);
	g_assert_cmpuint(pc.cancels, ==, 1);
	mu_backend_free(&b);
}

static void test_connect(void)
{
	pc_reset();
	pc.readers = two_readers;
	pc.readers_len = sizeof(two_readers);
	pc.present[0] = true;
	mu_backend *b = open_backend();
	mu_conn *c = NULL;

	g_assert_cmpint(mu_conn_open(b, "Reader B 00 01", &c), ==, MU_SC_ERR_NO_CARD);
	g_assert_null(c);
	g_assert_cmpint(mu_conn_open(b, "Reader C", &c), ==, MU_SC_ERR_NO_READER);

	/* shared, T=0 or T=1, and the PCI of the protocol pcscd chose */
	static const DWORD protos[] = {SCARD_PROTOCOL_T1, SCARD_PROTOCOL_T0};
	static const SCARD_IO_REQUEST *const pcis[] = {SCARD_PCI_T1, SCARD_PCI_T0};
	for (size_t i = 0; i < 2; i++) {
		pc.proto = protos[i];
		g_assert_cmpint(mu_conn_open(b, "Reader A 00 00", &c), ==, MU_SC_OK);
		g_assert_cmphex(pc.share, ==, SCARD_SHARE_SHARED);
		g_assert_cmphex(pc.protocols, ==, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
		uint16_t sw = 0;
		g_assert_cmpint(mu_conn_command(c, 0, 0xA4, 4, 0, NULL, 0, NULL, 0, NULL, &sw), ==,
		                MU_SC_OK);
		g_assert_cmphex(sw, ==, 0x9000);
		g_assert_true(pc.pci == pcis[i]);
		mu_conn_free(&c);
		/* the card stays powered: its PIN status lasts until removal */
		g_assert_cmphex(pc.disconnect_disposition, ==, SCARD_LEAVE_CARD);
	}
	g_assert_cmpuint(pc.disconnects, ==, 2);

	pc.connect_rv = SCARD_E_SHARING_VIOLATION;
	g_assert_cmpint(mu_conn_open(b, "Reader A 00 00", &c), ==, MU_SC_ERR_TRANSPORT);
	mu_backend_free(&b);
}

static void test_transactions(void)
{
	pc_reset();
	pc.readers = two_readers;
	pc.readers_len = sizeof(two_readers);
	pc.present[0] = true;
	mu_backend *b = open_backend();
	mu_card *card = NULL;
	g_assert_cmpint(mu_card_open(b, "Reader A 00 00", &card), ==, MU_SC_OK);
	pc.transmits = 0;
	pc.transmits_outside_tx = 0;
	mu_card_info info;
	g_assert_cmpint(mu_card_info_get(card, &info), ==, MU_SC_OK);
	g_assert_cmpint(info.type, ==, MU_CARD_TYPE_BLANK);
	g_assert_cmpuint(pc.transmits, ==, 1);
	g_assert_cmpuint(pc.transmits_outside_tx, ==, 0);
	g_assert_cmpuint(pc.begins, ==, 1);
	g_assert_cmpuint(pc.ends, ==, 1);
	g_assert_cmphex(pc.end_disposition, ==, SCARD_LEAVE_CARD);

	/* a card reset or pulled before the transaction */
	pc.begin_rv = SCARD_W_RESET_CARD;
	g_assert_cmpint(mu_card_info_get(card, &info), ==, MU_SC_ERR_REMOVED);
	g_assert_nonnull(strstr(mu_card_errmsg(card), "removed from reader Reader A 00 00"));
	g_assert_cmpuint(pc.transmits, ==, 1);
	mu_card_free(&card);
	mu_backend_free(&b);
}

/* Each PC/SC failure during a command and the status and message it gives. */
static void test_removed(void)
{
	static const struct {
		LONG rv;
		int st;
		const char *msg;
	} cases[] = {
	    {SCARD_W_REMOVED_CARD, MU_SC_ERR_REMOVED,
	     "the card was removed from reader Reader A 00 00 during the operation; nothing was "
	     "changed on the workstation: check the card and retry"},
	    {SCARD_E_NO_SMARTCARD, MU_SC_ERR_REMOVED, "removed from reader Reader A 00 00"},
	    {SCARD_E_NOT_TRANSACTED, MU_SC_ERR_REMOVED, "removed from reader Reader A 00 00"},
	    {SCARD_W_RESET_CARD, MU_SC_ERR_REMOVED, "removed from reader Reader A 00 00"},
	    {SCARD_E_NO_SERVICE, MU_SC_ERR_NO_SERVICE, "restart pcscd"},
	    {SCARD_F_COMM_ERROR, MU_SC_ERR_TRANSPORT, "the reader Reader A 00 00 failed"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		pc_reset();
		pc.readers = two_readers;
		pc.readers_len = sizeof(two_readers);
		pc.present[0] = true;
		mu_backend *b = open_backend();
		mu_card *card = NULL;
		g_assert_cmpint(mu_card_open(b, "Reader A 00 00", &card), ==, MU_SC_OK);
		pc.transmit_rv = cases[i].rv;
		mu_card_info info;
		g_assert_cmpint(mu_card_info_get(card, &info), ==, cases[i].st);
		if (strstr(mu_card_errmsg(card), cases[i].msg) == NULL)
			g_error("PC/SC %lX: \"%s\" lacks \"%s\"", (unsigned long)cases[i].rv,
			        mu_card_errmsg(card), cases[i].msg);
		/* the transaction is closed even though the command failed */
		g_assert_false(pc.in_tx);
		mu_card_free(&card);
		mu_backend_free(&b);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sc-pcsc/no-service", test_no_service);
	g_test_add_func("/sc-pcsc/list", test_list);
	g_test_add_func("/sc-pcsc/wait-and-cancel", test_wait_and_cancel);
	g_test_add_func("/sc-pcsc/connect", test_connect);
	g_test_add_func("/sc-pcsc/transactions", test_transactions);
	g_test_add_func("/sc-pcsc/removed", test_removed);
	return g_test_run();
}
