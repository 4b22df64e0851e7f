/* SPDX-License-Identifier: Apache-2.0 */
/* Reader threads. Each reader owns its vpcd connection and in-memory card;
 * the control side talks to it only through a small mailbox guarded by
 * rs->lock (insert hands over a loaded card, remove asks for an ejection
 * and waits for the acknowledgement), and wakes it through a pipe. */
#define _GNU_SOURCE /* pipe2, accept4 */
#include "cardsim-vpcd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cardsim-card.h"
#include "cardsim-ctl-parse.h"
#include "cardsim-deck.h"
#include "cardsim-image.h"
#include "mu-card-proto.h"
#include "mu-secret.h"
#include "mu-status.h"

#define VPCD_MSG_MAX  0xFFFFu
#define RETRY_MS      100
#define REMOVE_WAIT_S 10

/* 1-byte control payloads sent by vpcd. */
enum {
	VPCD_POWER_OFF = 0x00,
	VPCD_POWER_ON = 0x01,
	VPCD_RESET = 0x02,
	VPCD_GET_ATR = 0x04,
};

typedef struct reader {
	cardsim_readers *rs;
	unsigned index;
	uint16_t port;
	int wake[2];
	GThread *thread;

	/* Mailbox, guarded by rs->lock. */
	char *name;             /* the inserted card as the control side sees it */
	cardsim_card *incoming; /* loaded by insert, taken over by the thread */
	bool remove_req;        /* eject the card the thread holds */
	guint64 removals;       /* ejections done on request */
	bool quit;

	/* Owned by the reader thread. */
	cardsim_card *card;
	char *card_name;
	char *path;
	int sock;
	bool broken;         /* image neither saved nor reloaded: eject */
	bool waiting_logged; /* "waiting for vpcd" said once per insertion */
	size_t have;         /* bytes buffered in in[] */
	uint8_t in[2 + VPCD_MSG_MAX];
} reader;

struct cardsim_readers {
	pthread_mutex_t lock; /* plain pthreads so that ThreadSanitizer sees them */
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	char *deck;
	char *host;
	unsigned delay_ms;
	pthread_mutex_t trace_lock;
	FILE *trace;
	size_t n;
	reader *r[CARDSIM_READERS_MAX];
};

GQuark cardsim_error_quark(void)
{
	return g_quark_from_static_string("openmu-cardsim-error-quark");
}

static void poke(reader *r)
{
	const uint8_t b = 1;
	/* A full pipe already guarantees a wake-up. */
	if (write(r->wake[1], &b, 1) < 0 && errno != EAGAIN)
		g_printerr("openmu-cardsim: reader %u: cannot wake thread: %s\n", r->index,
		           g_strerror(errno));
}

static void drain_wake(reader *r)
{
	uint8_t buf[64];
	while (read(r->wake[0], buf, sizeof(buf)) > 0)
		;
}

/* Sleeps until poked, or for timeout_ms (-1: no limit). */
static void wait_wake(reader *r, int timeout_ms)
{
	struct pollfd p = {.fd = r->wake[0], .events = POLLIN};
	if (poll(&p, 1, timeout_ms) > 0)
		drain_wake(r);
}

static void reader_close(reader *r)
{
	if (r->sock >= 0) {
		close(r->sock);
		r->sock = -1;
	}
	mu_memzero(r->in, r->have);
	r->have = 0;
}

/* Drops the thread's card: vpcd sees the closed socket as a removal. */
static void reader_eject(reader *r)
{
	reader_close(r);
	if (r->card != NULL)
		cardsim_card_reset(r->card);
	cardsim_card_free(&r->card);
	g_clear_pointer(&r->card_name, g_free);
	g_clear_pointer(&r->path, g_free);
	r->broken = false;
}

/* Handles insert/remove/quit requests; returns true when asked to quit. */
static bool reader_take_requests(reader *r)
{
	cardsim_readers *rs = r->rs;
	pthread_mutex_lock(&rs->lock);
	if (r->remove_req) {
		r->remove_req = false;
		reader_eject(r);
		r->removals++;
		pthread_cond_broadcast(&rs->cond);
	}
	if (r->broken) {
		/* The card was ejected by the thread itself (see reader_apdu). */
		reader_eject(r);
		if (r->incoming == NULL)
			g_clear_pointer(&r->name, g_free);
	}
	if (r->incoming != NULL) {
		reader_eject(r);
		r->card = g_steal_pointer(&r->incoming);
		r->card_name = g_strdup(r->name);
		r->path = cardsim_deck_path(rs->deck, r->name);
		r->waiting_logged = false;
	}
	bool quit = r->quit;
	pthread_mutex_unlock(&rs->lock);
	return quit;
}

static bool reader_connect(reader *r)
{
	char port[8];
	snprintf(port, sizeof(port), "%u", (unsigned)r->port);
	struct addrinfo hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	struct addrinfo *res = NULL;
	int grc = getaddrinfo(r->rs->host, port, &hints, &res);
	if (grc != 0) {
		if (!r->waiting_logged)
			g_printerr("openmu-cardsim: reader %u: cannot resolve %s: %s; retrying\n",
			           r->index, r->rs->host, gai_strerror(grc));
		r->waiting_logged = true;
		return false;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (!r->waiting_logged)
			g_printerr("openmu-cardsim: reader %u: waiting for vpcd at %s:%u (%s)\n",
			           r->index, r->rs->host, (unsigned)r->port, g_strerror(err));
		r->waiting_logged = true;
		return false;
	}
	/* vpcd sends header and payload apart: without these each message would
	 * wait for a delayed ACK (see notes on the latency trap). */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r->sock = fd;
	r->have = 0;
	r->waiting_logged = false;
	cardsim_card_reset(r->card);
	g_printerr("openmu-cardsim: reader %u: card %s inserted (vpcd port %u)\n", r->index,
	           r->card_name, (unsigned)r->port);
	return true;
}

/* Sends length + payload in one write. */
static bool send_msg(reader *r, const uint8_t *p, size_t len)
{
	uint8_t buf[2 + CARDSIM_RAPDU_MAX + MU_CARD_ATR_MAX];
	if (len > sizeof(buf) - 2)
		return false;
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, p, len);
	size_t off = 0, total = len + 2;
	bool ok = true;
	while (off < total) {
		ssize_t n = send(r->sock, buf + off, total - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = false;
			break;
		}
		off += (size_t)n;
	}
	mu_memzero(buf, sizeof(buf));
	return ok;
}

static void trace_hex(FILE *f, char dir, const uint8_t *p, size_t len)
{
	fputc(dir, f);
	fputc(' ', f);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02X", p[i]);
	fputc('\n', f);
}

static void trace_exchange(cardsim_readers *rs, const uint8_t *c, size_t clen, const uint8_t *rp,
                           size_t rlen)
{
	if (rs->trace == NULL)
		return;
	pthread_mutex_lock(&rs->trace_lock);
	trace_hex(rs->trace, '>', c, clen);
	trace_hex(rs->trace, '<', rp, rlen);
	fflush(rs->trace);
	pthread_mutex_unlock(&rs->trace_lock);
}

/* Runs one C-APDU; the image is saved before the response leaves. */
static bool reader_apdu(reader *r, const uint8_t *capdu, size_t clen)
{
	if (r->rs->delay_ms > 0)
		g_usleep((gulong)r->rs->delay_ms * 1000u);
	uint8_t rapdu[CARDSIM_RAPDU_MAX];
	size_t rlen = 0;
	cardsim_card_process(r->card, capdu, clen, rapdu, &rlen);
	if (cardsim_card_take_dirty(r->card) && cardsim_image_save(r->card, r->path) != 0) {
		int err = errno;
		g_printerr("openmu-cardsim: reader %u: cannot save %s (%s); answering 6581 and "
		           "reloading the image\n",
		           r->index, r->path, g_strerror(err));
		mu_memzero(rapdu, sizeof(rapdu));
		rapdu[0] = 0x65;
		rapdu[1] = 0x81;
		rlen = 2;
		cardsim_card *fresh = NULL;
		int rc = cardsim_image_load(r->path, &fresh);
		if (rc == 0) {
			cardsim_card_free(&r->card);
			r->card = fresh;
		} else {
			g_printerr(
			    "openmu-cardsim: reader %u: cannot reload %s (%s); ejecting card "
			    "%s\n",
			    r->index, r->path,
			    rc == CARDSIM_ERR_IO ? g_strerror(errno) : mu_strerror(rc),
			    r->card_name);
			r->broken = true;
		}
	}
	trace_exchange(r->rs, capdu, clen, rapdu, rlen);
	bool ok = send_msg(r, rapdu, rlen);
	mu_memzero(rapdu, sizeof(rapdu));
	return ok && !r->broken;
}

static bool reader_message(reader *r, const uint8_t *msg, size_t len)
{
	if (len == 0)
		return true;
	if (len > 1)
		return reader_apdu(r, msg, len);
	switch (msg[0]) {
	case VPCD_POWER_OFF:
	case VPCD_POWER_ON:
	case VPCD_RESET:
		cardsim_card_reset(r->card);
		return true;
	case VPCD_GET_ATR: {
		uint8_t atr[MU_CARD_ATR_MAX];
		size_t n = mu_card_atr(atr);
		return send_msg(r, atr, n);
	}
	default:
		g_printerr("openmu-cardsim: reader %u: ignoring unknown vpcd control byte %02X\n",
		           r->index, msg[0]);
		return true;
	}
}

/* Reads what vpcd sent and answers every complete message. Returns false
 * when the connection is gone (or the card must be ejected). */
static bool reader_input(reader *r)
{
	/* Linux clears quick-ACK mode after use: re-arm it before every read. */
	int one = 1;
	(void)setsockopt(r->sock, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	ssize_t n = recv(r->sock, r->in + r->have, sizeof(r->in) - r->have, MSG_DONTWAIT);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	r->have += (size_t)n;

	size_t off = 0;
	bool ok = true;
	while (ok && r->have - off >= 2) {
		size_t len = ((size_t)r->in[off] << 8) | r->in[off + 1];
		if (r->have - off < 2 + len)
			break;
		ok = reader_message(r, r->in + off + 2, len);
		off += 2 + len;
	}
	/* Consumed C-APDUs may hold PINs: move the rest down and wipe. */
	size_t rest = r->have - off;
	memmove(r->in, r->in + off, rest);
	mu_memzero(r->in + rest, off);
	r->have = rest;
	return ok;
}

static gpointer reader_thread(gpointer data)
{
	reader *r = data;
	while (!reader_take_requests(r)) {
		if (r->card == NULL) {
			wait_wake(r, -1);
			continue;
		}
		if (r->sock < 0) {
			if (!reader_connect(r))
				wait_wake(r, RETRY_MS);
			continue;
		}
		struct pollfd p[2] = {
		    {.fd = r->sock, .events = POLLIN},
		    {.fd = r->wake[0], .events = POLLIN},
		};
		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				wait_wake(r, RETRY_MS);
			continue;
		}
		if (p[1].revents != 0)
			drain_wake(r);
		if (p[0].revents == 0 || reader_input(r))
			continue;
		if (r->broken)
			continue; /* reader_take_requests ejects it */
		g_printerr("openmu-cardsim: reader %u: vpcd closed the connection; reconnecting\n",
		           r->index);
		reader_close(r);
		cardsim_card_reset(r->card);
		wait_wake(r, RETRY_MS);
	}
	reader_eject(r);
	return NULL;
}

cardsim_readers *cardsim_readers_new(const cardsim_readers_config *cfg, GError **error)
{
	if (cfg->n_ports == 0 || cfg->n_ports > CARDSIM_READERS_MAX) {
		g_set_error(error, CARDSIM_ERROR, 0, "give 1 to %u vpcd ports",
		            CARDSIM_READERS_MAX);
		return NULL;
	}
	cardsim_readers *rs = g_new0(cardsim_readers, 1);
	pthread_mutex_init(&rs->lock, NULL);
	pthread_mutex_init(&rs->trace_lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rs->cond, &attr);
	pthread_condattr_destroy(&attr);
	rs->deck = g_strdup(cfg->deck);
	rs->host = g_strdup(cfg->host);
	rs->delay_ms = cfg->delay_ms;
	if (cfg->trace != NULL) {
		int fd = open(cfg->trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			rs->trace = fdopen(fd, "a");
		if (rs->trace == NULL) {
			g_set_error(error, CARDSIM_ERROR, 0, "cannot open trace file %s: %s",
			            cfg->trace, g_strerror(errno));
			if (fd >= 0)
				close(fd);
			cardsim_readers_free(&rs);
			return NULL;
		}
	}
	for (size_t i = 0; i < cfg->n_ports; i++) {
		reader *r = g_new0(reader, 1);
		r->rs = rs;
		r->index = (unsigned)i;
		r->port = cfg->ports[i];
		r->sock = -1;
		if (pipe2(r->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
			g_set_error(error, CARDSIM_ERROR, 0, "cannot create a pipe: %s",
			            g_strerror(errno));
			g_free(r);
			cardsim_readers_free(&rs);
			return NULL;
		}
		rs->r[rs->n++] = r;
		g_autofree char *tname = g_strdup_printf("reader-%zu", i);
		r->thread = g_thread_try_new(tname, reader_thread, r, error);
		if (r->thread == NULL) {
			cardsim_readers_free(&rs);
			return NULL;
		}
	}
	return rs;
}

void cardsim_readers_free(cardsim_readers **prs)
{
	cardsim_readers *rs = *prs;
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		reader *r = rs->r[i];
		if (r->thread != NULL) {
			pthread_mutex_lock(&rs->lock);
			r->quit = true;
			pthread_mutex_unlock(&rs->lock);
			poke(r);
			g_thread_join(r->thread);
		}
		reader_eject(r);
		cardsim_card_free(&r->incoming);
		g_free(r->name);
		close(r->wake[0]);
		close(r->wake[1]);
		g_free(r);
	}
	if (rs->trace != NULL)
		fclose(rs->trace);
	g_free(rs->deck);
	g_free(rs->host);
	pthread_mutex_destroy(&rs->trace_lock);
	pthread_cond_destroy(&rs->cond);
	pthread_mutex_destroy(&rs->lock);
	g_free(rs);
	*prs = NULL;
}

size_t cardsim_readers_count(const cardsim_readers *rs)
{
	return rs->n;
}

static gboolean check_reader(cardsim_readers *rs, unsigned reader_idx, GError **error)
{
	if (reader_idx < rs->n)
		return TRUE;
	g_set_error(error, CARDSIM_ERROR, 0, "no reader %u: this server has readers 0 to %zu",
	            reader_idx, rs->n - 1);
	return FALSE;
}

/* Loads the image; called with rs->lock held. */
static cardsim_card *load_card(cardsim_readers *rs, const char *name, GError **error)
{
	g_autofree char *path = cardsim_deck_path(rs->deck, name);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, CARDSIM_ERROR, 0,
		            "no card named %s in deck %s (create it with: openmu-cardsim new "
		            "--deck %s %s)",
		            name, rs->deck, rs->deck, name);
		return NULL;
	}
	cardsim_card *card = NULL;
	int rc = cardsim_image_load(path, &card);
	if (rc == CARDSIM_ERR_IO) {
		g_set_error(error, CARDSIM_ERROR, 0, "cannot read card image %s: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	if (rc != 0) {
		g_set_error(error, CARDSIM_ERROR, 0, "card image %s is damaged (%s)", path,
		            mu_strerror(rc));
		return NULL;
	}
	return card;
}

gboolean cardsim_readers_insert(cardsim_readers *rs, const char *name, unsigned reader_idx,
                                GError **error)
{
	if (!check_reader(rs, reader_idx, error))
		return FALSE;
	if (name == NULL || !cardsim_ctl_name_valid(name, strlen(name))) {
		g_set_error_literal(error, CARDSIM_ERROR, 0,
		                    cardsim_ctl_strerror(CARDSIM_CTL_ERR_NAME));
		return FALSE;
	}
	reader *r = rs->r[reader_idx];
	gboolean ok = FALSE;
	pthread_mutex_lock(&rs->lock);
	if (r->name != NULL) {
		g_set_error(error, CARDSIM_ERROR, 0,
		            "reader %u already holds card %s; remove it first", reader_idx,
		            r->name);
		goto out;
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->r[i]->name != NULL && strcmp(rs->r[i]->name, name) == 0) {
			g_set_error(error, CARDSIM_ERROR, 0,
			            "card %s is already in reader %zu; remove it first", name, i);
			goto out;
		}
	}
	cardsim_card *card = load_card(rs, name, error);
	if (card == NULL)
		goto out;
	cardsim_card_free(&r->incoming);
	r->incoming = card;
	r->name = g_strdup(name);
	ok = TRUE;
out:
	pthread_mutex_unlock(&rs->lock);
	if (ok)
		poke(r);
	return ok;
}

gboolean cardsim_readers_remove(cardsim_readers *rs, unsigned reader_idx, GError **error)
{
	if (!check_reader(rs, reader_idx, error))
		return FALSE;
	reader *r = rs->r[reader_idx];
	gboolean ok = TRUE;
	pthread_mutex_lock(&rs->lock);
	if (r->name == NULL) {
		g_set_error(error, CARDSIM_ERROR, 0, "reader %u is empty", reader_idx);
		pthread_mutex_unlock(&rs->lock);
		return FALSE;
	}
	g_clear_pointer(&r->name, g_free);
	if (r->incoming != NULL) {
		/* Never reached the thread: nothing is connected yet. */
		cardsim_card_free(&r->incoming);
		pthread_mutex_unlock(&rs->lock);
		return TRUE;
	}
	r->remove_req = true;
	guint64 target = r->removals + 1;
	pthread_mutex_unlock(&rs->lock);
	poke(r);

	/* An APDU in progress finishes first. */
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += REMOVE_WAIT_S + (time_t)(rs->delay_ms / 1000u) + 1;
	pthread_mutex_lock(&rs->lock);
	while (r->removals < target) {
		if (pthread_cond_timedwait(&rs->cond, &rs->lock, &deadline) == ETIMEDOUT) {
			g_set_error(
			    error, CARDSIM_ERROR, 0,
			    "reader %u is busy and did not release its card within %d s; it "
			    "will when its exchange ends",
			    reader_idx, REMOVE_WAIT_S);
			ok = FALSE;
			break;
		}
	}
	pthread_mutex_unlock(&rs->lock);
	if (ok)
		g_printerr("openmu-cardsim: reader %u: card removed\n", reader_idx);
	return ok;
}

char *cardsim_readers_describe(cardsim_readers *rs, unsigned reader_idx)
{
	reader *r = rs->r[reader_idx];
	pthread_mutex_lock(&rs->lock);
	char *s = g_strdup_printf("%u %u %s", reader_idx, (unsigned)r->port,
	                          r->name != NULL ? r->name : "-");
	pthread_mutex_unlock(&rs->lock);
	return s;
}
