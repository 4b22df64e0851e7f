/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-apdu.h"

#include <string.h>

#include "mu-status.h"

int mu_apdu_parse(const uint8_t *buf, size_t len, mu_apdu *out)
{
	mu_apdu a;
	if (buf == NULL || len < MU_APDU_HEADER_LEN)
		return MU_ERR_MALFORMED;
	memset(&a, 0, sizeof(a));
	a.cla = buf[0];
	a.ins = buf[1];
	a.p1 = buf[2];
	a.p2 = buf[3];
	const uint8_t *b = buf + MU_APDU_HEADER_LEN;
	size_t n = len - MU_APDU_HEADER_LEN;

	if (n == 0) {
		/* case 1 */
	} else if (n == 1) {
		a.ne = b[0] ? b[0] : 256; /* case 2S */
	} else if (b[0] != 0) {
		a.nc = b[0];
		if (n == 1 + a.nc) {
			/* case 3S */
		} else if (n == 2 + a.nc) {
			a.ne = b[n - 1] ? b[n - 1] : 256; /* case 4S */
		} else {
			return MU_ERR_MALFORMED;
		}
		a.data = b + 1;
	} else {
		if (n < 3)
			return MU_ERR_MALFORMED;
		a.extended = true;
		size_t v = ((size_t)b[1] << 8) | b[2];
		if (n == 3) {
			a.ne = v ? v : 65536; /* case 2E */
		} else {
			if (v == 0)
				return MU_ERR_MALFORMED;
			a.nc = v;
			if (n == 3 + a.nc) {
				/* case 3E */
			} else if (n == 5 + a.nc) {
				size_t le = ((size_t)b[n - 2] << 8) | b[n - 1];
				a.ne = le ? le : 65536; /* case 4E */
			} else {
				return MU_ERR_MALFORMED;
			}
			a.data = b + 3;
		}
	}
	*out = a;
	return MU_OK;
}

int mu_apdu_build(const mu_apdu *a, bool force_extended, uint8_t *out, size_t cap,
                  size_t *len)
{
	if (a == NULL || out == NULL || len == NULL)
		return MU_ERR_ARG;
	if (a->nc > MU_APDU_EXT_MAX || a->ne > 65536 || (a->nc > 0 && a->data == NULL))
		return MU_ERR_ARG;
	bool ext = force_extended || a->nc > MU_APDU_SHORT_MAX || a->ne > 256;
	size_t need = MU_APDU_HEADER_LEN + a->nc;
	if (ext) {
		need += (a->nc > 0 || a->ne > 0) ? 1 : 0;
		need += a->nc > 0 ? 2 : 0;
		need += a->ne > 0 ? 2 : 0;
	} else {
		need += a->nc > 0 ? 1 : 0;
		need += a->ne > 0 ? 1 : 0;
	}
	if (need > cap)
		return MU_ERR_TOO_LONG;

	size_t i = 0;
	out[i++] = a->cla;
	out[i++] = a->ins;
	out[i++] = a->p1;
	out[i++] = a->p2;
	if (ext && (a->nc > 0 || a->ne > 0))
		out[i++] = 0x00;
	if (a->nc > 0) {
		if (ext)
			out[i++] = (uint8_t)(a->nc >> 8);
		out[i++] = (uint8_t)a->nc;
		memcpy(out + i, a->data, a->nc);
		i += a->nc;
	}
	if (a->ne > 0) {
		if (ext)
			out[i++] = (uint8_t)(a->ne >= 65536 ? 0 : a->ne >> 8);
		out[i++] = (uint8_t)(a->ne >= 256 && !ext ? 0 : a->ne);
	}
	*len = i;
	return MU_OK;
}

int mu_apdu_parse_response(const uint8_t *buf, size_t len, const uint8_t **data,
                           size_t *data_len, uint16_t *sw)
{
	if (buf == NULL || len < 2)
		return MU_ERR_MALFORMED;
	*data = buf;
	*data_len = len - 2;
	*sw = (uint16_t)((buf[len - 2] << 8) | buf[len - 1]);
	return MU_OK;
}

void mu_apdu_chain_init(mu_apdu_chain *c, const mu_apdu *a)
{
	c->base = *a;
	c->offset = 0;
	c->done = false;
}

int mu_apdu_chain_next(mu_apdu_chain *c, mu_apdu *piece)
{
	if (c->done)
		return 0;
	size_t left = c->base.nc - c->offset;
	*piece = c->base;
	piece->extended = false;
	if (left > MU_APDU_SHORT_MAX) {
		piece->cla = (uint8_t)(c->base.cla | MU_APDU_CLA_CHAIN);
		piece->nc = MU_APDU_SHORT_MAX;
		piece->ne = 0;
	} else {
		piece->nc = left;
		c->done = true;
	}
	piece->data = piece->nc > 0 ? c->base.data + c->offset : NULL;
	c->offset += piece->nc;
	return 1;
}
