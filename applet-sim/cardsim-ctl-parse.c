/* SPDX-License-Identifier: Apache-2.0 */
/* Control-line parser: pure, bounded, no allocation. */
#include "cardsim-ctl-parse.h"

#include <string.h>

#define MAX_TOKENS 4u

typedef struct {
	const char *p;
	size_t len;
} token;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool cardsim_ctl_name_valid(const char *name, size_t len)
{
	if (name == NULL || len == 0 || len > CARDSIM_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return false;
	return true;
}

static bool token_is(const token *t, const char *word)
{
	size_t n = strlen(word);
	return t->len == n && memcmp(t->p, word, n) == 0;
}

/* Decimal, no sign, no leading zeros beyond "0", below CARDSIM_READERS_MAX. */
static int parse_reader(const token *t, unsigned *out)
{
	if (t->len == 0 || t->len > 2)
		return CARDSIM_CTL_ERR_READER;
	if (t->len == 2 && t->p[0] == '0')
		return CARDSIM_CTL_ERR_READER;
	unsigned v = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->p[i] < '0' || t->p[i] > '9')
			return CARDSIM_CTL_ERR_READER;
		v = v * 10u + (unsigned)(t->p[i] - '0');
	}
	if (v >= CARDSIM_READERS_MAX)
		return CARDSIM_CTL_ERR_READER;
	*out = v;
	return 0;
}

/* Splits line into at most MAX_TOKENS tokens; returns the count, or
 * MAX_TOKENS + 1 when there are more. */
static size_t tokenize(const char *line, size_t len, token tok[MAX_TOKENS])
{
	size_t n = 0, i = 0;
	while (i < len) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_blank(line[i]))
			i++;
		if (n == MAX_TOKENS)
			return MAX_TOKENS + 1;
		tok[n].p = line + start;
		tok[n].len = i - start;
		n++;
	}
	return n;
}

/* The checks every line gets: newline, length, characters; then tokens.
 * Returns the token count (> 0) or a CARDSIM_CTL_ERR_* code. */
static int split_line(const char *line, size_t len, token tok[MAX_TOKENS])
{
	if (line == NULL)
		return CARDSIM_CTL_ERR_EMPTY;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CARDSIM_CTL_LINE_MAX)
		return CARDSIM_CTL_ERR_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return CARDSIM_CTL_ERR_CHARS;
	}
	size_t n = tokenize(line, len, tok);
	return n == 0 ? CARDSIM_CTL_ERR_EMPTY : (int)n;
}

int cardsim_ctl_parse_slot(const char *line, size_t len, cardsim_ctl_slot *out)
{
	token tok[MAX_TOKENS];
	int n = out == NULL ? CARDSIM_CTL_ERR_EMPTY : split_line(line, len, tok);
	if (n < 0)
		return n;
	if (n != 3)
		return CARDSIM_CTL_ERR_ARGS;
	cardsim_ctl_slot s;
	memset(&s, 0, sizeof(s));
	int rc = parse_reader(&tok[0], &s.reader);
	if (rc != 0)
		return rc;
	if (tok[1].len == 0 || tok[1].len > 5 || tok[1].p[0] == '0')
		return CARDSIM_CTL_ERR_ARGS;
	for (size_t i = 0; i < tok[1].len; i++) {
		if (tok[1].p[i] < '0' || tok[1].p[i] > '9')
			return CARDSIM_CTL_ERR_ARGS;
		s.port = s.port * 10u + (unsigned)(tok[1].p[i] - '0');
	}
	if (s.port > 65535u)
		return CARDSIM_CTL_ERR_ARGS;
	s.held = !token_is(&tok[2], "-");
	if (s.held) {
		if (!cardsim_ctl_name_valid(tok[2].p, tok[2].len))
			return CARDSIM_CTL_ERR_NAME;
		memcpy(s.name, tok[2].p, tok[2].len);
	}
	*out = s;
	return 0;
}

int cardsim_ctl_parse(const char *line, size_t len, cardsim_ctl_cmd *out)
{
	if (out == NULL)
		return CARDSIM_CTL_ERR_EMPTY;
	token tok[MAX_TOKENS];
	int n = split_line(line, len, tok);
	if (n < 0)
		return n;

	cardsim_ctl_cmd cmd;
	memset(&cmd, 0, sizeof(cmd));
	int rc;
	if (token_is(&tok[0], "insert")) {
		if (n != 3)
			return CARDSIM_CTL_ERR_ARGS;
		if (!cardsim_ctl_name_valid(tok[1].p, tok[1].len))
			return CARDSIM_CTL_ERR_NAME;
		if ((rc = parse_reader(&tok[2], &cmd.reader)) != 0)
			return rc;
		cmd.op = CARDSIM_CTL_INSERT;
		memcpy(cmd.name, tok[1].p, tok[1].len);
		cmd.name[tok[1].len] = '\0';
	} else if (token_is(&tok[0], "remove")) {
		if (n != 2)
			return CARDSIM_CTL_ERR_ARGS;
		if ((rc = parse_reader(&tok[1], &cmd.reader)) != 0)
			return rc;
		cmd.op = CARDSIM_CTL_REMOVE;
	} else if (token_is(&tok[0], "list")) {
		if (n != 1)
			return CARDSIM_CTL_ERR_ARGS;
		cmd.op = CARDSIM_CTL_LIST;
	} else if (token_is(&tok[0], "cards")) {
		if (n != 1)
			return CARDSIM_CTL_ERR_ARGS;
		cmd.op = CARDSIM_CTL_CARDS;
	} else {
		return CARDSIM_CTL_ERR_UNKNOWN;
	}
	*out = cmd;
	return 0;
}

const char *cardsim_ctl_strerror(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case CARDSIM_CTL_ERR_EMPTY:
		return "empty request; commands: insert NAME READER, remove READER, list, cards";
	case CARDSIM_CTL_ERR_TOO_LONG:
		return "request line too long (at most 256 characters)";
	case CARDSIM_CTL_ERR_CHARS:
		return "request contains control or non-ASCII characters";
	case CARDSIM_CTL_ERR_UNKNOWN:
		return "unknown command; commands: insert NAME READER, remove READER, list, cards";
	case CARDSIM_CTL_ERR_ARGS:
		return "wrong number of arguments; usage: insert NAME READER | remove READER | "
		       "list | cards";
	case CARDSIM_CTL_ERR_NAME:
		return "bad card name: use 1 to 32 characters of A-Z a-z 0-9 . _ -";
	case CARDSIM_CTL_ERR_READER:
		return "bad reader: give a reader number from 0 to 15";
	default:
		return "unknown control error";
	}
}
