/* SPDX-License-Identifier: Apache-2.0 */
/* The control-socket line protocol of openmu-cardsim, parsed without I/O so
 * that it can be fuzzed. One request per line:
 *   insert NAME READER | remove READER | list | cards
 * Tokens are separated by spaces or tabs; a trailing CR is ignored. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Card names: 1..CARDSIM_NAME_MAX characters of [A-Za-z0-9._-]. */
#define CARDSIM_NAME_MAX 32u
/* Readers are numbered 0..CARDSIM_READERS_MAX-1 (vpcd serves at most 16). */
#define CARDSIM_READERS_MAX 16u
/* Longest request line accepted, without its newline. */
#define CARDSIM_CTL_LINE_MAX 256u

typedef enum {
	CARDSIM_CTL_INSERT,
	CARDSIM_CTL_REMOVE,
	CARDSIM_CTL_LIST,
	CARDSIM_CTL_CARDS,
} cardsim_ctl_op;

typedef struct {
	cardsim_ctl_op op;
	char name[CARDSIM_NAME_MAX + 1]; /* INSERT only, NUL-terminated */
	unsigned reader;                 /* INSERT and REMOVE */
} cardsim_ctl_cmd;

/* Parse errors (negative, apart from the MU_ERR_* and CARDSIM_ERR_IO codes). */
enum {
	CARDSIM_CTL_ERR_EMPTY = -60,    /* nothing but blanks */
	CARDSIM_CTL_ERR_TOO_LONG = -61, /* longer than CARDSIM_CTL_LINE_MAX */
	CARDSIM_CTL_ERR_CHARS = -62,    /* NUL, control or non-ASCII bytes */
	CARDSIM_CTL_ERR_UNKNOWN = -63,  /* not one of the four commands */
	CARDSIM_CTL_ERR_ARGS = -64,     /* wrong number of arguments */
	CARDSIM_CTL_ERR_NAME = -65,     /* card name not 1..32 of [A-Za-z0-9._-] */
	CARDSIM_CTL_ERR_READER = -66,   /* reader not a decimal number below 16 */
};

/* Parses one request line of len bytes (line need not be NUL-terminated; a
 * trailing "\n" or "\r\n" is allowed). Returns 0 and fills *out, or one of
 * the CARDSIM_CTL_ERR_* codes and leaves *out untouched. */
int cardsim_ctl_parse(const char *line, size_t len, cardsim_ctl_cmd *out);

/* Returns a static message for a CARDSIM_CTL_ERR_* code, saying what a good
 * request looks like. */
const char *cardsim_ctl_strerror(int status);

/* One line of the reply to "list", as openmu-cardsim writes it:
 * "READER PORT NAME", NAME "-" when the reader is empty. */
typedef struct {
	unsigned reader;                 /* 0..CARDSIM_READERS_MAX-1 */
	unsigned port;                   /* vpcd port, 1..65535 */
	bool held;                       /* a card is inserted */
	char name[CARDSIM_NAME_MAX + 1]; /* the card, when held */
} cardsim_ctl_slot;

/* Parses one "list" reply line (the client side, e.g. the app's deck
 * panel). Returns 0 and fills *out, or a CARDSIM_CTL_ERR_* code and leaves
 * *out untouched. */
int cardsim_ctl_parse_slot(const char *line, size_t len, cardsim_ctl_slot *out);

/* True when name (len bytes) is a valid card name. */
bool cardsim_ctl_name_valid(const char *name, size_t len);
