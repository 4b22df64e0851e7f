/* SPDX-License-Identifier: Apache-2.0 */
/* Control socket server (single-threaded poll loop over a few clients, each
 * with its own line buffer) and the matching client. */
#define _GNU_SOURCE /* pipe2, accept4 */
#include "cardsim-ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cardsim-ctl-parse.h"
#include "cardsim-deck.h"

#define MAX_CLIENTS      16
#define CLIENT_TIMEOUT_S 60

typedef struct {
	int fd;
	bool overflow; /* discarding a line longer than the buffer */
	size_t have;
	char buf[CARDSIM_CTL_LINE_MAX + 2];
} client;

static gboolean fill_addr(const char *path, struct sockaddr_un *sa, GError **error)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		g_set_error(error, CARDSIM_ERROR, 0,
		            "control socket path %s is too long (at most %zu bytes)", path,
		            sizeof(sa->sun_path) - 1);
		return FALSE;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return TRUE;
}

int cardsim_ctl_listen(const char *path, GError **error)
{
	struct sockaddr_un sa;
	if (!fill_addr(path, &sa, error))
		return -1;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			g_set_error(error, CARDSIM_ERROR, 0,
			            "%s exists and is not a socket; choose another --ctl path",
			            path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			g_set_error(error, CARDSIM_ERROR, 0,
			            "another openmu-cardsim already serves %s; stop it first",
			            path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		(void)unlink(path); /* stale socket of a server that died */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, CARDSIM_ERROR, 0, "cannot create a Unix socket: %s",
		            g_strerror(errno));
		return -1;
	}
	/* Only the owner may insert and remove cards. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 8) != 0) {
		if (rc == 0)
			err = errno;
		g_set_error(error, CARDSIM_ERROR, 0, "cannot create control socket %s: %s", path,
		            g_strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void reply_error(GString *out, const char *msg)
{
	/* One line, whatever the message holds. */
	g_string_append(out, "error: ");
	for (const char *c = msg; *c != '\0'; c++)
		g_string_append_c(out, (*c == '\n' || *c == '\r') ? ' ' : *c);
	g_string_append_c(out, '\n');
}

static void run_request(cardsim_readers *rs, const char *deck, const cardsim_ctl_cmd *cmd,
                        GString *out)
{
	g_autoptr(GError) error = NULL;
	switch (cmd->op) {
	case CARDSIM_CTL_INSERT:
		if (!cardsim_readers_insert(rs, cmd->name, cmd->reader, &error))
			goto fail;
		break;
	case CARDSIM_CTL_REMOVE:
		if (!cardsim_readers_remove(rs, cmd->reader, &error))
			goto fail;
		break;
	case CARDSIM_CTL_LIST:
		for (unsigned i = 0; i < cardsim_readers_count(rs); i++) {
			g_autofree char *line = cardsim_readers_describe(rs, i);
			g_string_append_printf(out, "%s\n", line);
		}
		break;
	case CARDSIM_CTL_CARDS: {
		g_auto(GStrv) names = cardsim_deck_list(deck, &error);
		if (names == NULL)
			goto fail;
		for (char **n = names; *n != NULL; n++)
			g_string_append_printf(out, "%s\n", *n);
		break;
	}
	}
	g_string_append(out, "ok\n");
	return;
fail:
	g_string_truncate(out, 0);
	reply_error(out, error->message);
}

static bool handle_line(cardsim_readers *rs, const char *deck, client *c, const char *line,
                        size_t len)
{
	g_autoptr(GString) out = g_string_new(NULL);
	cardsim_ctl_cmd cmd;
	int rc = cardsim_ctl_parse(line, len, &cmd);
	if (rc != 0)
		reply_error(out, cardsim_ctl_strerror(rc));
	else
		run_request(rs, deck, &cmd, out);
	return send_all(c->fd, out->str, out->len);
}

/* Reads from a client and answers every complete line; false = drop it. */
static bool client_input(cardsim_readers *rs, const char *deck, client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	if (n == 0)
		return false;
	c->have += (size_t)n;
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		if (nl == NULL) {
			if (c->have == sizeof(c->buf)) {
				c->overflow = true;
				c->have = 0;
			}
			return true;
		}
		size_t len = (size_t)(nl - c->buf);
		bool ok;
		if (c->overflow) {
			g_autoptr(GString) out = g_string_new(NULL);
			reply_error(out, cardsim_ctl_strerror(CARDSIM_CTL_ERR_TOO_LONG));
			ok = send_all(c->fd, out->str, out->len);
			c->overflow = false;
		} else {
			ok = handle_line(rs, deck, c, c->buf, len);
		}
		c->have -= len + 1;
		memmove(c->buf, nl + 1, c->have);
		if (!ok)
			return false;
	}
}

static void accept_client(int listen_fd, client **clients, size_t *n)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (*n == MAX_CLIENTS) {
		static const char busy[] = "error: too many control connections; try again\n";
		(void)send_all(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	client *c = g_new0(client, 1);
	c->fd = fd;
	clients[(*n)++] = c;
}

int cardsim_ctl_serve(cardsim_readers *rs, const char *deck, int listen_fd, int signal_fd)
{
	client *clients[MAX_CLIENTS];
	size_t n = 0;
	int signo = 0;
	while (signo == 0) {
		struct pollfd p[2 + MAX_CLIENTS];
		p[0] = (struct pollfd){.fd = signal_fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
		for (size_t i = 0; i < n; i++)
			p[2 + i] = (struct pollfd){.fd = clients[i]->fd, .events = POLLIN};
		if (poll(p, 2 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			g_printerr("openmu-cardsim: poll on the control socket failed: %s\n",
			           g_strerror(errno));
			break;
		}
		if (p[0].revents != 0) {
			struct signalfd_siginfo si;
			if (read(signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				signo = (int)si.ssi_signo;
		}
		/* Walk backwards so that dropping a client keeps the indexes. */
		for (size_t i = n; i-- > 0;) {
			if (p[2 + i].revents == 0 || client_input(rs, deck, clients[i]))
				continue;
			close(clients[i]->fd);
			g_free(clients[i]);
			clients[i] = clients[--n];
		}
		if (p[1].revents != 0)
			accept_client(listen_fd, clients, &n);
	}
	for (size_t i = 0; i < n; i++) {
		close(clients[i]->fd);
		g_free(clients[i]);
	}
	return signo;
}

int cardsim_ctl_request(const char *path, const char *line)
{
	g_autoptr(GError) error = NULL;
	struct sockaddr_un sa;
	if (!fill_addr(path, &sa, &error)) {
		g_printerr("openmu-cardsim: %s\n", error->message);
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		g_printerr("openmu-cardsim: cannot connect to control socket %s: %s (is "
		           "openmu-cardsim serve running?)\n",
		           path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	g_autofree char *req = g_strconcat(line, "\n", NULL);
	FILE *f = fdopen(fd, "r");
	if (f == NULL || !send_all(fd, req, strlen(req))) {
		g_printerr("openmu-cardsim: cannot send to control socket %s: %s\n", path,
		           g_strerror(errno));
		if (f != NULL)
			fclose(f);
		else
			close(fd);
		return 1;
	}
	int rc = 1;
	bool done = false;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	while (!done && (len = getline(&buf, &cap, f)) >= 0) {
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (strcmp(buf, "ok") == 0) {
			rc = 0;
			done = true;
		} else if (g_str_has_prefix(buf, "error: ")) {
			g_printerr("openmu-cardsim: %s\n", buf + 7);
			done = true;
		} else {
			printf("%s\n", buf);
		}
	}
	if (!done)
		g_printerr("openmu-cardsim: the server closed the connection before it answered\n");
	free(buf);
	fclose(f);
	fflush(stdout);
	return rc;
}
