/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cli: PINs from --pin-fd, the environment or the terminal (no
 * echo), their verification, and confirmations on the terminal. */
#include "cli-pin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mu-secret.h"

#define LINE_MAX_PIN 64 /* longest line accepted where a PIN is expected */

void cli_pin_clear(cli_pin *p)
{
	mu_memzero(p->s, sizeof(p->s));
}

/* ---- reading lines ---- */

/* Reads one line from fd byte by byte (no buffer keeps the rest of the
 * line, nor the next PIN). Returns 0, or -1 on EOF before any byte, -2 on
 * a read error, -3 when the line is too long. */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	bool any = false;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -2;
		if (r == 0) {
			if (!any)
				return -1;
			break;
		}
		any = true;
		if (ch == '\n')
			break;
		if (n + 1 >= cap) {
			/* drain the rest of the line so nothing of it lingers */
			while (read(fd, &ch, 1) == 1 && ch != '\n')
				;
			ch = 0;
			mu_memzero(buf, cap);
			return -3;
		}
		buf[n++] = ch;
		ch = 0;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* The terminal state to restore when a signal arrives while echo is off.
 * A signal handler can only reach static data, hence these file globals;
 * they are set only between echo_off() and echo_on(). */
static int tty_fd = -1;
static struct termios tty_saved, tty_quiet;
static volatile sig_atomic_t tty_echo_off;

/* Signals that end the process: echo back on, then the default action. */
static const int tty_fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void restore_and_raise(int sig)
{
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	tty_echo_off = 0;
	/* SA_RESETHAND put the default action back: raise it again */
	raise(sig);
}

/* Ctrl-Z: echo back on while stopped, off again after fg. */
static void stop_with_echo(int sig)
{
	struct sigaction dfl, mine;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	sigaction(sig, &dfl, &mine);
	raise(sig); /* SA_NODEFER: stops here until SIGCONT */
	sigaction(sig, &mine, NULL);
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_quiet);
}

typedef struct tty_guard {
	struct sigaction old[G_N_ELEMENTS(tty_fatal)];
	struct sigaction old_tstp;
} tty_guard;

static void handlers_restore(tty_guard *g)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tty_fatal); i++)
		sigaction(tty_fatal[i], &g->old[i], NULL);
	sigaction(SIGTSTP, &g->old_tstp, NULL);
}

static int echo_off(int fd, tty_guard *g)
{
	if (tcgetattr(fd, &tty_saved) != 0)
		return -1;
	tty_fd = fd;
	tty_quiet = tty_saved;
	tty_quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_raise;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < G_N_ELEMENTS(tty_fatal); i++)
		sigaction(tty_fatal[i], &sa, &g->old[i]);
	sa.sa_handler = stop_with_echo;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGTSTP, &sa, &g->old_tstp);

	tty_echo_off = 1;
	if (tcsetattr(fd, TCSAFLUSH, &tty_quiet) != 0) {
		tty_echo_off = 0;
		handlers_restore(g);
		return -1;
	}
	return 0;
}

static void echo_on(int fd, tty_guard *g)
{
	if (tty_echo_off)
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_echo_off = 0;
	handlers_restore(g);
	tty_fd = -1;
}

static void tty_write(int fd, const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

/* Opens the controlling terminal, -1 when there is none. */
static int tty_open(void)
{
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* Prompts on the terminal fd and reads a line without echo. Returns like
 * read_line, or -4 when fd is not a terminal. */
static int tty_ask(int fd, const char *prompt, char *buf, size_t cap, size_t *len)
{
	tty_guard g;
	tty_write(fd, prompt);
	if (echo_off(fd, &g) != 0)
		return -4;
	int r = read_line(fd, buf, cap, len);
	echo_on(fd, &g);
	tty_write(fd, "\n");
	return r;
}

/* ---- PINs ---- */

static bool six_digits(const char *s, size_t len)
{
	if (len != MU_PIN_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int pin_from_tty(cli_ctx *c, const char *env, const char *desc, bool confirm,
                        char *line, size_t cap, size_t *len)
{
	int fd = tty_open();
	if (fd < 0)
		return cli_fail(c, CLI_EXIT_USAGE,
		                "no %s: set %s, pass --pin-fd N, or run on a terminal", desc, env);
	g_autofree char *prompt = g_strdup_printf("%s: ", desc);
	int r = tty_ask(fd, prompt, line, cap, len);
	if (r == 0 && confirm) {
		char again[LINE_MAX_PIN];
		size_t alen = 0;
		g_autofree char *p2 = g_strdup_printf("Repeat %s: ", desc);
		r = tty_ask(fd, p2, again, sizeof(again), &alen);
		if (r == 0 && (alen != *len || memcmp(again, line, alen) != 0))
			r = -5;
		mu_memzero(again, sizeof(again));
	}
	close(fd);
	switch (r) {
	case 0:
		return CLI_EXIT_OK;
	case -4:
		return cli_fail(c, CLI_EXIT_USAGE,
		                "no %s: /dev/tty is not a terminal; set %s or pass --pin-fd N",
		                desc, env);
	case -5:
		return cli_fail(c, CLI_EXIT_USAGE, "the two entries of the %s differ: nothing done",
		                desc);
	case -3:
		return cli_fail(c, CLI_EXIT_USAGE, "the %s must be 6 digits", desc);
	default:
		return cli_fail(c, CLI_EXIT_USAGE, "no %s entered: nothing done", desc);
	}
}

int cli_get_pin(cli_ctx *c, const char *env, const char *desc, bool confirm, cli_pin *out)
{
	char line[LINE_MAX_PIN];
	size_t len = 0;
	int rc = CLI_EXIT_OK;
	g_autofree char *source = NULL;

	cli_pin_clear(out);
	if (c->g->pin_fd >= 0) {
		source = g_strdup_printf("--pin-fd %d", c->g->pin_fd);
		int r = read_line(c->g->pin_fd, line, sizeof(line), &len);
		if (r == -1)
			rc = cli_fail(c, CLI_EXIT_USAGE,
			              "--pin-fd %d ended before the %s: give one PIN per line in "
			              "the order of 'openmu-cli card COMMAND --help'",
			              c->g->pin_fd, desc);
		else if (r == -2)
			rc = cli_fail(c, CLI_EXIT_USAGE, "cannot read the %s from --pin-fd %d: %s",
			              desc, c->g->pin_fd, g_strerror(errno));
		else if (r == -3)
			len = sizeof(line); /* too long: reported as not 6 digits below */
	} else if (g_getenv(env) != NULL) {
		source = g_strdup(env);
		len = g_strlcpy(line, g_getenv(env), sizeof(line));
	} else {
		source = g_strdup("the terminal");
		rc = pin_from_tty(c, env, desc, confirm, line, sizeof(line), &len);
	}
	if (rc == CLI_EXIT_OK && (len >= sizeof(line) || !six_digits(line, len)))
		rc = cli_fail(c, CLI_EXIT_USAGE, "the %s from %s is not 6 digits", desc, source);
	if (rc == CLI_EXIT_OK)
		memcpy(out->s, line, MU_PIN_LEN + 1);
	mu_memzero(line, sizeof(line));
	return rc;
}

/* ---- verification ---- */

int cli_blocked(cli_ctx *c, const mu_card_info *info, const char *reader)
{
	g_autofree char *card = cli_card_phrase(info, reader);
	if (info->type == MU_CARD_TYPE_CA) {
		int which = info->pin1_tries == 0 ? 1 : 2;
		return cli_fail(c, CLI_EXIT_BLOCKED,
		                "CA PIN %d of %s is blocked for good: this card can only be "
		                "zeroized; use a backup CA card of zone %s",
		                which, card, info->zone_id);
	}
	return cli_fail(c, CLI_EXIT_BLOCKED,
	                "the PIN of %s is blocked: unblock it with the CA card of zone %s "
	                "('openmu-cli card pin-unblock --reader \"%s\" --ca-reader CA-READER')",
	                card, info->zone_id, reader);
}

int cli_pin_failure(cli_ctx *c, mu_card *card, const char *reader, int which, int status)
{
	mu_card_info info;
	if (status != MU_SC_ERR_WRONG_PIN && status != MU_SC_ERR_BLOCKED)
		return cli_fail_card(c, card, status, "PIN check");
	if (mu_card_info_get(card, &info) != MU_SC_OK)
		return cli_fail_card(c, card, status, "PIN check");
	int tries = which == 2 ? info.pin2_tries : info.pin1_tries;
	if (status == MU_SC_ERR_BLOCKED || tries == 0 || info.blocked)
		return cli_blocked(c, &info, reader);
	g_autofree char *phrase = cli_card_phrase(&info, reader);
	const char *pin = info.type == MU_CARD_TYPE_CA ? (which == 2 ? "CA PIN 2" : "CA PIN 1")
	                                               : "PIN";
	return cli_fail(c, CLI_EXIT_FAILED, "wrong %s for %s: %d %s left", pin, phrase, tries,
	                tries == 1 ? "try" : "tries");
}

int cli_verify(cli_ctx *c, mu_card *card, const char *reader, int which, const cli_pin *pin)
{
	int st = mu_card_verify(card, which, pin->s);
	if (st == MU_SC_OK)
		return CLI_EXIT_OK;
	return cli_pin_failure(c, card, reader, which, st);
}

int cli_ask_login(cli_ctx *c, const char *reader, const mu_card_info *info, cli_pin pins[2])
{
	if (info->blocked)
		return cli_blocked(c, info, reader);
	if (info->type == MU_CARD_TYPE_EP11) {
		g_autofree char *desc = NULL;
		if (info->label[0] != '\0')
			desc = g_strdup_printf("PIN of EP11 card \"%s\" (zone %s)", info->label,
			                       info->zone_id);
		else
			desc = g_strdup_printf("PIN of the EP11 card (zone %s)", info->zone_id);
		return cli_get_pin(c, "OPENMU_PIN", desc, false, &pins[0]);
	}
	if (info->type != MU_CARD_TYPE_CA)
		return cli_want_type(c, info, reader, MU_CARD_TYPE_EP11, "an EP11 or CA card");
	g_autofree char *d1 = g_strdup_printf("CA PIN 1 (first officer) of zone %s", info->zone_id);
	g_autofree char *d2 = g_strdup_printf("CA PIN 2 (second officer) of zone %s",
	                                      info->zone_id);
	int rc = cli_get_pin(c, "OPENMU_CA_PIN1", d1, false, &pins[0]);
	if (rc == CLI_EXIT_OK)
		rc = cli_get_pin(c, "OPENMU_CA_PIN2", d2, false, &pins[1]);
	return rc;
}

int cli_check_login(cli_ctx *c, mu_card *card, const char *reader, const mu_card_info *info,
                    const cli_pin pins[2])
{
	int rc = cli_verify(c, card, reader, 1, &pins[0]);
	if (rc == CLI_EXIT_OK && info->type == MU_CARD_TYPE_CA)
		rc = cli_verify(c, card, reader, 2, &pins[1]);
	return rc;
}

int cli_login(cli_ctx *c, mu_card *card, const char *reader, const mu_card_info *info)
{
	cli_pin pins[2];
	memset(pins, 0, sizeof(pins));
	int rc = cli_ask_login(c, reader, info, pins);
	if (rc == CLI_EXIT_OK)
		rc = cli_check_login(c, card, reader, info, pins);
	mu_memzero(pins, sizeof(pins));
	return rc;
}

/* ---- confirmations ---- */

int cli_confirm(cli_ctx *c, const char *prompt, const char *hint)
{
	char line[16];
	size_t len = 0;
	int fd = tty_open();
	if (fd < 0 || !isatty(fd)) {
		if (fd >= 0)
			close(fd);
		return cli_fail(c, CLI_EXIT_USAGE, "no terminal to confirm on: %s", hint);
	}
	tty_write(fd, prompt);
	tty_write(fd, " Type yes to continue: ");
	int r = read_line(fd, line, sizeof(line), &len);
	close(fd);
	if (r == 0 && strcmp(line, "yes") == 0)
		return CLI_EXIT_OK;
	return cli_fail(c, CLI_EXIT_FAILED, "not confirmed: nothing done");
}
