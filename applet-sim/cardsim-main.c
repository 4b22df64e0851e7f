/* SPDX-License-Identifier: Apache-2.0 */
/* openmu-cardsim: virtual OpenMU cards behind vsmartcard's vpcd.
 *   new    create a blank card image in a deck folder
 *   serve  drive vpcd readers and take insert/remove on a control socket
 *   ctl    send one control request to a running server */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cardsim-card.h"
#include "cardsim-ctl-parse.h"
#include "cardsim-ctl.h"
#include "cardsim-deck.h"
#include "cardsim-image.h"
#include "cardsim-vpcd.h"
#include "mu-card-proto.h"
#include "mu-status.h"

#define EXIT_USAGE   2
#define DELAY_MAX_MS 600000

static const char overview[] =
    "Usage: openmu-cardsim COMMAND [OPTION...]\n"
    "\n"
    "Virtual OpenMU smart cards for vsmartcard's vpcd (test equipment: card\n"
    "images are plain files, not secure storage).\n"
    "\n"
    "Commands:\n"
    "  new    --deck DIR NAME [--label TEXT]     create a blank card DIR/NAME.card\n"
    "  serve  --deck DIR --ctl SOCKET --vpcd PORT[,PORT...] [--host HOST]\n"
    "         [--insert NAME=READER]... [--delay-ms N] [--trace FILE]\n"
    "                                            serve one virtual reader per port\n"
    "  ctl    --ctl SOCKET insert NAME READER | remove READER | list | cards\n"
    "                                            send a request to a running server\n"
    "\n"
    "Run 'openmu-cardsim COMMAND --help' for the options of a command.\n";

static int usage_error(const char *cmd, const char *msg)
{
	g_printerr("openmu-cardsim: %s\nTry 'openmu-cardsim %s --help'.\n", msg, cmd);
	return EXIT_USAGE;
}

/* Parses the options of one command; returns FALSE after printing why. */
static gboolean parse_options(const char *cmd, const char *param, const char *summary,
                              const GOptionEntry *entries, int *argc, char ***argv)
{
	g_autofree char *prg = g_strdup_printf("openmu-cardsim %s", cmd);
	g_set_prgname(prg);
	g_autoptr(GOptionContext) ctx = g_option_context_new(param);
	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_autoptr(GError) error = NULL;
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		usage_error(cmd, error->message);
		return FALSE;
	}
	return TRUE;
}

static int cmd_new(int argc, char **argv)
{
	g_autofree char *deck = NULL;
	g_autofree char *label = NULL;
	const GOptionEntry entries[] = {
	    {"deck", 0, 0, G_OPTION_ARG_FILENAME, &deck, "Deck folder (created if missing)", "DIR"},
	    {"label", 0, 0, G_OPTION_ARG_STRING, &label, "Card label (at most 32 bytes)", "TEXT"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	if (!parse_options("new", "NAME", "Creates DIR/NAME.card, a blank card image.", entries,
	                   &argc, &argv))
		return EXIT_USAGE;
	if (deck == NULL)
		return usage_error("new", "--deck DIR is required");
	if (argc != 2)
		return usage_error("new", "give exactly one card NAME");
	const char *name = argv[1];
	if (!cardsim_ctl_name_valid(name, strlen(name)))
		return usage_error("new", cardsim_ctl_strerror(CARDSIM_CTL_ERR_NAME));
	if (label != NULL && (strlen(label) > MU_LABEL_MAX || !g_utf8_validate(label, -1, NULL)))
		return usage_error("new", "the label must be UTF-8 of at most 32 bytes");

	if (g_mkdir_with_parents(deck, 0700) != 0) {
		g_printerr("openmu-cardsim: cannot create deck folder %s: %s\n", deck,
		           g_strerror(errno));
		return 1;
	}
	g_autofree char *path = cardsim_deck_path(deck, name);
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_printerr("openmu-cardsim: card %s already exists (%s); choose another name or "
		           "delete that file first\n",
		           name, path);
		return 1;
	}
	cardsim_card *card = NULL;
	int rc = cardsim_card_new_blank(label != NULL ? label : "", &card);
	if (rc != 0) {
		g_printerr("openmu-cardsim: cannot make a blank card: %s\n", mu_strerror(rc));
		return 1;
	}
	rc = cardsim_image_save(card, path);
	int err = errno;
	cardsim_card_free(&card);
	if (rc != 0) {
		g_printerr("openmu-cardsim: cannot write %s: %s\n", path, g_strerror(err));
		return 1;
	}
	printf("%s\n", path);
	return 0;
}

static gboolean parse_ports(const char *spec, GArray *ports, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
	for (char **p = parts; *p != NULL; p++) {
		guint64 v = 0;
		if (!g_ascii_string_to_unsigned(*p, 10, 1, 65535, &v, NULL)) {
			g_set_error(error, CARDSIM_ERROR, 0, "bad vpcd port '%s' (1 to 65535)", *p);
			return FALSE;
		}
		uint16_t port = (uint16_t)v;
		for (guint i = 0; i < ports->len; i++) {
			if (g_array_index(ports, uint16_t, i) == port) {
				g_set_error(error, CARDSIM_ERROR, 0, "vpcd port %u given twice",
				            (unsigned)port);
				return FALSE;
			}
		}
		g_array_append_val(ports, port);
	}
	if (ports->len == 0 || ports->len > CARDSIM_READERS_MAX) {
		g_set_error(error, CARDSIM_ERROR, 0, "give 1 to %u vpcd ports",
		            CARDSIM_READERS_MAX);
		return FALSE;
	}
	return TRUE;
}

/* "NAME=READER" of --insert. */
static gboolean parse_insert(const char *spec, char **name, unsigned *reader)
{
	const char *eq = strrchr(spec, '=');
	guint64 v = 0;
	if (eq == NULL || !cardsim_ctl_name_valid(spec, (size_t)(eq - spec)) ||
	    !g_ascii_string_to_unsigned(eq + 1, 10, 0, CARDSIM_READERS_MAX - 1, &v, NULL))
		return FALSE;
	*name = g_strndup(spec, (size_t)(eq - spec));
	*reader = (unsigned)v;
	return TRUE;
}

static int serve(const cardsim_readers_config *cfg, const char *ctl, char **inserts)
{
	/* Signals are taken by the control loop through a signalfd; block them
	 * before any thread starts so that every thread inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
		g_printerr("openmu-cardsim: cannot block signals\n");
		return 1;
	}
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		g_printerr("openmu-cardsim: cannot create a signalfd: %s\n", g_strerror(errno));
		return 1;
	}
	g_autoptr(GError) error = NULL;
	int lfd = cardsim_ctl_listen(ctl, &error);
	if (lfd < 0) {
		g_printerr("openmu-cardsim: %s\n", error->message);
		close(sfd);
		return 1;
	}
	int status = 1;
	cardsim_readers *rs = cardsim_readers_new(cfg, &error);
	if (rs == NULL) {
		g_printerr("openmu-cardsim: %s\n", error->message);
		goto out;
	}
	for (char **i = inserts; i != NULL && *i != NULL; i++) {
		g_autofree char *name = NULL;
		unsigned reader = 0;
		if (!parse_insert(*i, &name, &reader) ||
		    !cardsim_readers_insert(rs, name, reader, &error)) {
			g_printerr("openmu-cardsim: --insert %s: %s\n", *i,
			           error != NULL ? error->message
			                         : "expected NAME=READER (reader 0 to 15)");
			goto out;
		}
	}
	g_printerr("openmu-cardsim: serving %zu reader(s) for vpcd at %s; control socket %s\n",
	           cfg->n_ports, cfg->host, ctl);
	int signo = cardsim_ctl_serve(rs, cfg->deck, lfd, sfd);
	g_printerr("openmu-cardsim: %s; removing the cards and stopping\n",
	           signo != 0 ? g_strsignal(signo) : "control loop failed");
	status = signo != 0 ? 0 : 1;
out:
	close(lfd);
	(void)g_unlink(ctl);
	cardsim_readers_free(&rs);
	close(sfd);
	return status;
}

static int cmd_serve(int argc, char **argv)
{
	g_autofree char *deck = NULL;
	g_autofree char *ctl = NULL;
	g_autofree char *vpcd = NULL;
	g_autofree char *host = NULL;
	g_autofree char *trace = NULL;
	g_auto(GStrv) inserts = NULL;
	int delay_ms = 0;
	const GOptionEntry entries[] = {
	    {"deck", 0, 0, G_OPTION_ARG_FILENAME, &deck, "Deck folder of NAME.card images", "DIR"},
	    {"ctl", 0, 0, G_OPTION_ARG_FILENAME, &ctl, "Control socket to create (mode 0600)",
	     "SOCKET"},
	    {"vpcd", 0, 0, G_OPTION_ARG_STRING, &vpcd,
	     "vpcd ports, one reader each; reader N is the Nth port (from 0)", "PORT[,PORT...]"},
	    {"host", 0, 0, G_OPTION_ARG_STRING, &host, "Host where vpcd listens (127.0.0.1)",
	     "HOST"},
	    {"insert", 0, 0, G_OPTION_ARG_STRING_ARRAY, &inserts,
	     "Insert card NAME in reader READER at start (repeatable)", "NAME=READER"},
	    {"delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms,
	     "Wait N ms before answering each command APDU (for tests)", "N"},
	    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace,
	     "TEST ONLY: append every command and response APDU in hex to FILE; this "
	     "records PINs in the clear",
	     "FILE"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	if (!parse_options("serve", "",
	                   "Serves virtual readers: for each card inserted, connects to vpcd at\n"
	                   "HOST:PORT and answers its APDUs; takes 'insert NAME READER',\n"
	                   "'remove READER', 'list' and 'cards' lines on the control socket.\n"
	                   "SIGTERM or SIGINT removes every card and exits.",
	                   entries, &argc, &argv))
		return EXIT_USAGE;
	if (argc != 1)
		return usage_error("serve", "unexpected argument");
	if (deck == NULL || ctl == NULL || vpcd == NULL)
		return usage_error("serve", "--deck, --ctl and --vpcd are required");
	if (!g_file_test(deck, G_FILE_TEST_IS_DIR)) {
		g_autofree char *msg = g_strdup_printf("deck folder %s does not exist", deck);
		return usage_error("serve", msg);
	}
	if (delay_ms < 0 || delay_ms > DELAY_MAX_MS)
		return usage_error("serve", "--delay-ms must be 0 to 600000");
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ports = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	if (!parse_ports(vpcd, ports, &error))
		return usage_error("serve", error->message);
	for (char **i = inserts; i != NULL && *i != NULL; i++) {
		g_autofree char *name = NULL;
		unsigned reader = 0;
		if (!parse_insert(*i, &name, &reader)) {
			g_autofree char *msg = g_strdup_printf(
			    "bad --insert '%s': expected NAME=READER (reader 0 to 15)", *i);
			return usage_error("serve", msg);
		}
	}
	cardsim_readers_config cfg = {
	    .deck = deck,
	    .host = host != NULL ? host : "127.0.0.1",
	    .ports = (const uint16_t *)(void *)ports->data,
	    .n_ports = ports->len,
	    .delay_ms = (unsigned)delay_ms,
	    .trace = trace,
	};
	return serve(&cfg, ctl, inserts);
}

static int cmd_ctl(int argc, char **argv)
{
	g_autofree char *ctl = NULL;
	const GOptionEntry entries[] = {
	    {"ctl", 0, 0, G_OPTION_ARG_FILENAME, &ctl, "Control socket of the server", "SOCKET"},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	if (!parse_options("ctl", "insert NAME READER | remove READER | list | cards",
	                   "Sends one request to a running openmu-cardsim serve.", entries, &argc,
	                   &argv))
		return EXIT_USAGE;
	if (ctl == NULL)
		return usage_error("ctl", "--ctl SOCKET is required");
	if (argc < 2)
		return usage_error("ctl", "give a request: insert NAME READER, remove READER, "
		                          "list or cards");
	g_autofree char *line = g_strjoinv(" ", argv + 1);
	cardsim_ctl_cmd cmd;
	int rc = cardsim_ctl_parse(line, strlen(line), &cmd);
	if (rc != 0)
		return usage_error("ctl", cardsim_ctl_strerror(rc));
	return cardsim_ctl_request(ctl, line);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		g_printerr("%s", overview);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(overview, stdout);
		return 0;
	}
	if (strcmp(cmd, "new") == 0)
		return cmd_new(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "ctl") == 0)
		return cmd_ctl(argc - 1, argv + 1);
	g_printerr("openmu-cardsim: unknown command '%s'\n%s", cmd, overview);
	return EXIT_USAGE;
}
