/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-tke-error.h"

GQuark mu_tke_error_quark(void)
{
	return g_quark_from_static_string("mu-tke-error-quark");
}

GQuark mu_tke_unit_error_quark(void)
{
	return g_quark_from_static_string("mu-tke-unit-error-quark");
}

const char *mu_tke_error_name(int code)
{
	static const char *const names[] = {
	    [MU_TKE_ERROR_ARG] = "arg",         [MU_TKE_ERROR_CONFIG] = "config",
	    [MU_TKE_ERROR_CONNECT] = "connect", [MU_TKE_ERROR_TLS] = "tls",
	    [MU_TKE_ERROR_TRUST] = "trust",     [MU_TKE_ERROR_PROTOCOL] = "protocol",
	    [MU_TKE_ERROR_TOKEN] = "token",     [MU_TKE_ERROR_INPUT] = "input",
	    [MU_TKE_ERROR_STATE] = "state",
	};
	if (code < 0 || (size_t)code >= G_N_ELEMENTS(names) || names[code] == NULL)
		return "unknown";
	return names[code];
}
