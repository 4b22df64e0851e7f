/* SPDX-License-Identifier: Apache-2.0 */
/* Control-line parsers of openmu-cardsim: any bytes in, a request (server
 * side) or a "list" reply line (client side, the app's deck panel) or an
 * error code out; what parses must be well-formed and parse again
 * identically when printed back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardsim-ctl-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void slot_line(const uint8_t *data, size_t size)
{
	cardsim_ctl_slot s;
	int rc = cardsim_ctl_parse_slot((const char *)data, size, &s);
	if (rc != 0) {
		if (cardsim_ctl_strerror(rc) == NULL)
			abort();
		return;
	}
	if (s.reader >= CARDSIM_READERS_MAX || s.port == 0 || s.port > 65535u ||
	    (s.held && !cardsim_ctl_name_valid(s.name, strlen(s.name))))
		abort();
	char line[CARDSIM_CTL_LINE_MAX + 1];
	snprintf(line, sizeof(line), "%u %u %s", s.reader, s.port, s.held ? s.name : "-");
	cardsim_ctl_slot again;
	if (cardsim_ctl_parse_slot(line, strlen(line), &again) != 0 || again.reader != s.reader ||
	    again.port != s.port || again.held != s.held || strcmp(again.name, s.name) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	slot_line(data, size);
	cardsim_ctl_cmd cmd;
	int rc = cardsim_ctl_parse((const char *)data, size, &cmd);
	if (rc != 0) {
		if (cardsim_ctl_strerror(rc) == NULL)
			abort();
		return 0;
	}
	char line[CARDSIM_CTL_LINE_MAX + 1];
	switch (cmd.op) {
	case CARDSIM_CTL_INSERT:
		if (!cardsim_ctl_name_valid(cmd.name, strlen(cmd.name)) ||
		    cmd.reader >= CARDSIM_READERS_MAX)
			abort();
		snprintf(line, sizeof(line), "insert %s %u", cmd.name, cmd.reader);
		break;
	case CARDSIM_CTL_REMOVE:
		if (cmd.reader >= CARDSIM_READERS_MAX)
			abort();
		snprintf(line, sizeof(line), "remove %u", cmd.reader);
		break;
	case CARDSIM_CTL_LIST:
		snprintf(line, sizeof(line), "list");
		break;
	case CARDSIM_CTL_CARDS:
		snprintf(line, sizeof(line), "cards");
		break;
	default:
		abort();
	}
	cardsim_ctl_cmd again;
	if (cardsim_ctl_parse(line, strlen(line), &again) != 0 || again.op != cmd.op ||
	    again.reader != cmd.reader || strcmp(again.name, cmd.name) != 0)
		abort();
	return 0;
}
