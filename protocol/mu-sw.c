/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-sw.h"

#include <stddef.h>

static const struct {
	uint16_t sw;
	uint16_t mask;
	const char *message;
} sw_table[] = {
	{MU_SW_OK, 0xFFFF, "success"},
	{MU_SW_BYTES_REMAINING, 0xFF00, "more response data is waiting"},
	{MU_SW_WRONG_PIN, 0xFFF0, "wrong PIN"},
	{MU_SW_MEMORY_FAILURE, 0xFFFF, "the card could not store its state"},
	{MU_SW_WRONG_LENGTH, 0xFFFF, "wrong length in the command"},
	{MU_SW_LAST_CHAIN_EXPECTED, 0xFFFF, "command chain broken: last command of the chain expected"},
	{MU_SW_CHAINING_UNSUPPORTED, 0xFFFF, "command chaining not supported for this command"},
	{MU_SW_INCOMPATIBLE_FILE, 0xFFFF, "the command does not apply to this type of card"},
	{MU_SW_NOT_VERIFIED, 0xFFFF, "security status not satisfied: PIN not verified or authorization refused"},
	{MU_SW_PIN_BLOCKED, 0xFFFF, "PIN blocked"},
	{MU_SW_REF_NOT_USABLE, 0xFFFF, "the card refused a certificate or token (other zone or not genuine)"},
	{MU_SW_CONDITIONS, 0xFFFF, "conditions of use not satisfied"},
	{MU_SW_WRONG_DATA, 0xFFFF, "wrong data in the command"},
	{MU_SW_FUNC_UNSUPPORTED, 0xFFFF, "function not supported"},
	{MU_SW_FILE_NOT_FOUND, 0xFFFF, "application not found on the card"},
	{MU_SW_NO_SPACE, 0xFFFF, "not enough space on the card"},
	{MU_SW_WRONG_P1P2, 0xFFFF, "wrong parameters P1-P2"},
	{MU_SW_NOT_FOUND, 0xFFFF, "referenced data not found"},
	{MU_SW_EXISTS, 0xFFFF, "the data already exists on the card"},
	{MU_SW_WRONG_LE, 0xFF00, "wrong Le: the card says how many bytes to ask for"},
	{MU_SW_INS_UNSUPPORTED, 0xFFFF, "instruction not supported (or no application selected)"},
	{MU_SW_CLA_UNSUPPORTED, 0xFFFF, "class not supported"},
	{MU_SW_UNKNOWN, 0xFFFF, "the card reported an internal error"},
};

const char *mu_sw_message(uint16_t sw)
{
	for (size_t i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++)
		if ((sw & sw_table[i].mask) == sw_table[i].sw)
			return sw_table[i].message;
	return "unknown status word";
}

int mu_sw_tries_left(uint16_t sw)
{
	if ((sw & 0xFFF0) == MU_SW_WRONG_PIN)
		return sw & 0x0F;
	return -1;
}
