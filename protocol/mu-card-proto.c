/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-card-proto.h"

#include <string.h>

const uint8_t mu_card_aid[MU_CARD_AID_LEN] = {0xF0, 'O', 'P', 'E', 'N', 'M', 'U', 0x01};

size_t mu_card_atr(uint8_t atr[MU_CARD_ATR_MAX])
{
	/* TS=3B (direct), T0=88: TD1 present, 8 historical bytes;
	 * TD1=80: TD2 present, T=0; TD2=01: T=1; then TCK. */
	static const uint8_t head[] = {0x3B, 0x88, 0x80, 0x01};
	static const char hist[] = "OpenMU10";
	size_t n = 0;
	memcpy(atr, head, sizeof(head));
	n += sizeof(head);
	memcpy(atr + n, hist, sizeof(hist) - 1);
	n += sizeof(hist) - 1;
	uint8_t tck = 0;
	for (size_t i = 1; i < n; i++)
		tck ^= atr[i];
	atr[n++] = tck;
	return n;
}
