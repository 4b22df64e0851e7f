/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-sc-status.h"

#include <stddef.h>

#include "mu-status.h"

static const struct {
	int status;
	const char *text;
} sc_status_table[] = {
    {MU_SC_OK, "success"},
    {MU_SC_ERR_NO_SERVICE,
     "pcscd (the PC/SC service) is not running or not reachable: start it and retry"},
    {MU_SC_ERR_NO_READER, "no such smart card reader, or no reader connected"},
    {MU_SC_ERR_NO_CARD, "the reader holds no card: insert one"},
    {MU_SC_ERR_REMOVED, "the card was removed during the operation: check the card and retry"},
    {MU_SC_ERR_TRANSPORT, "the reader or the PC/SC service failed: check the reader and retry"},
    {MU_SC_ERR_TIMEOUT, "timed out"},
    {MU_SC_ERR_CANCELLED, "cancelled"},
    {MU_SC_ERR_NOT_OPENMU, "the card is not an OpenMU card"},
    {MU_SC_ERR_CARD, "the card refused the command"},
    {MU_SC_ERR_WRONG_PIN, "wrong PIN"},
    {MU_SC_ERR_BLOCKED, "the PIN is blocked"},
    {MU_SC_ERR_NOT_VERIFIED, "the PIN has not been verified"},
    {MU_SC_ERR_WRONG_TYPE, "the command does not apply to this type of card"},
    {MU_SC_ERR_ZONE, "the cards belong to different zones"},
    {MU_SC_ERR_RESPONSE, "the card's answer is malformed (not a genuine OpenMU card?)"},
    {MU_SC_ERR_ARG, "invalid argument"},
    {MU_SC_ERR_NOMEM, "out of memory"},
    {MU_SC_ERR_CRYPTO, "cryptographic operation failed"},
    {MU_SC_ERR_NOT_FOUND, "not found on the card"},
    {MU_SC_ERR_EXISTS, "already present on the card"},
    {MU_SC_ERR_FULL, "the card is full"},
};

const char *mu_sc_strerror(int status)
{
	for (size_t i = 0; i < sizeof(sc_status_table) / sizeof(sc_status_table[0]); i++)
		if (sc_status_table[i].status == status)
			return sc_status_table[i].text;
	/* the protocol layer's codes are small negatives */
	if (status < 0 && status > MU_SC_ERR_NO_SERVICE)
		return mu_strerror(status);
	return "unknown error";
}
