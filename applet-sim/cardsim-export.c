/* SPDX-License-Identifier: Apache-2.0 */
/* KEYPART EXPORT (docs/protocol.md §2, §20): an EP11 card wraps one of its
 * key parts for the importer key of a crypto unit, after it has verified
 * the unit itself: OA certificate <- the manufacturer root stored on the
 * card, the importer statement's OA signature, and the unit identity. The
 * envelope is the one of §15, sealed by protocol/mu-keypart-envelope.c, the
 * same code the unit opens it with. */
#include "cardsim-private.h"

#include <string.h>

#include <openssl/evp.h>

#include "mu-keypart-envelope.h"
#include "mu-secret.h"
#include "mu-status.h"
#include "mu-sw.h"
#include "mu-unit-fields.h"
#include "mu-unit-trust.h"

/* Parses A3 { 83 module id (8), 84 domain (2) } strictly. */
static bool parse_unit_id(const mu_tlv *a3, uint8_t module_id[MU_UNIT_MODULE_ID_LEN],
                          uint16_t *domain)
{
	mu_unit_fields f;
	mu_unit_fields_init(&f, a3->value, a3->len);
	return mu_unit_fields_copy(&f, MU_UNIT_TAG_MODULE_ID, module_id, MU_UNIT_MODULE_ID_LEN) ==
	           MU_OK &&
	       mu_unit_fields_u16(&f, MU_UNIT_TAG_DOMAIN, domain) == MU_OK &&
	       mu_unit_fields_end(&f) == MU_OK;
}

/* The checks of §20 in order; 9000 with *imp set when the unit is trusted. */
static uint16_t verify_unit(const cardsim_card *c, const mu_tlv *oa, const uint8_t *stmt,
                            size_t stmt_len, const mu_tlv *sig, const uint8_t module_id[8],
                            uint16_t domain, mu_unit_importer *imp)
{
	mu_unit_identity id;
	EVP_PKEY *oa_pub = NULL;
	if (c->root_cert.len == 0)
		return MU_SW_CONDITIONS;
	/* the chain must lead to the root this card received at enrollment */
	if (mu_unit_oa_cert_verify(c->root_cert.der, c->root_cert.len, oa->value, oa->len, &id,
	                           &oa_pub) != MU_OK)
		return MU_SW_REF_NOT_USABLE;
	int rc = mu_importer_stmt_verify(oa_pub, stmt, stmt_len, sig->value, sig->len);
	EVP_PKEY_free(oa_pub);
	if (rc != MU_OK)
		return MU_SW_REF_NOT_USABLE;
	if (mu_importer_stmt_parse(stmt, stmt_len, imp) != MU_OK)
		return MU_SW_WRONG_DATA;
	/* the statement, the OA certificate and the request name one unit */
	if (memcmp(id.module_id, module_id, MU_UNIT_MODULE_ID_LEN) != 0 || id.domain != domain ||
	    memcmp(imp->module_id, module_id, MU_UNIT_MODULE_ID_LEN) != 0 || imp->domain != domain)
		return MU_SW_REF_NOT_USABLE;
	return MU_SW_OK;
}

uint16_t cardsim_cmd_keypart_export(cardsim_card *c, const mu_apdu *a, const uint8_t *d,
                                    size_t n, mu_tlv_writer *o)
{
	mu_tlv slot, unit, oa, stmt, sig;
	const uint8_t *stmt_start;
	size_t stmt_len;
	uint8_t module_id[MU_UNIT_MODULE_ID_LEN];
	uint16_t domain = 0;
	if (c->type != MU_CARD_TYPE_EP11)
		return MU_SW_INCOMPATIBLE_FILE;
	if (a->p1 != 0 || a->p2 != 0)
		return MU_SW_WRONG_P1P2;
	uint16_t sw = cardsim_need_user(c);
	if (sw != MU_SW_OK)
		return sw;
	if (mu_tlv_validate(d, n, 2) != MU_OK ||
	    cardsim_tlv_get(d, n, MU_TAG_SLOT, &slot) != 1 || slot.len != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_UNIT_ID, &unit) != 1 ||
	    !parse_unit_id(&unit, module_id, &domain) ||
	    cardsim_tlv_get(d, n, MU_TAG_CERT, &oa) != 1 || oa.len == 0 ||
	    cardsim_tlv_span(d, n, MU_TAG_IMPORTER, &stmt, &stmt_start, &stmt_len) != 1 ||
	    cardsim_tlv_get(d, n, MU_TAG_SIGNATURE, &sig) != 1 || sig.len == 0 ||
	    sig.len > MU_UNIT_SIG_MAX)
		return MU_SW_WRONG_DATA;
	if (slot.value[0] >= MU_KEYPARTS_MAX || !c->parts[slot.value[0]].used)
		return MU_SW_NOT_FOUND;
	const cardsim_keypart *part = &c->parts[slot.value[0]];

	mu_unit_importer imp;
	sw = verify_unit(c, &oa, stmt_start, stmt_len, &sig, module_id, domain, &imp);
	if (sw != MU_SW_OK)
		return sw;
	mu_keypart_envelope env;
	if (mu_keypart_seal(&imp, part->value, &env) != MU_OK)
		return MU_SW_UNKNOWN;
	mu_keypart_envelope_encode(&env, o);
	mu_tlv_put(o, MU_TAG_VP, part->vp, sizeof(part->vp));
	mu_memzero(&env, sizeof(env));
	return o->overflow ? MU_SW_UNKNOWN : MU_SW_OK;
}
