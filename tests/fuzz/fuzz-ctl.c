/* SPDX-License-Identifier: Apache-2.0 */
/* Control-line parser of openmu-cardsim: any bytes in, a command or an error
 * code out; what parses must be well-formed and parse again identically
 * when printed back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardsim-ctl-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
