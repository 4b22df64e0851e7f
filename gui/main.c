/* SPDX-License-Identifier: Apache-2.0 */
/* openmu: the desktop Management Utilities (see mu-app.h). */
#include "mu-app.h"

int main(int argc, char **argv)
{
	g_autoptr(MuApp) app = mu_app_new();
	return g_application_run(G_APPLICATION(app), argc, argv);
}
