/* SPDX-License-Identifier: Apache-2.0 */
/* The control-line protocol of openmu-cardsim: requests (server side) and
 * "list" reply lines (client side, the app's deck panel) parse exactly
 * when well-formed; everything else is a clear error that changes nothing. */
#include <glib.h>
#include <string.h>

#include "cardsim-ctl-parse.h"

static int req(const char *line, cardsim_ctl_cmd *out)
{
	return cardsim_ctl_parse(line, strlen(line), out);
}

static int slot(const char *line, cardsim_ctl_slot *out)
{
	return cardsim_ctl_parse_slot(line, strlen(line), out);
}

static void test_requests(void)
{
	cardsim_ctl_cmd c;
	g_assert_cmpint(req("insert alice 3\n", &c), ==, 0);
	g_assert_cmpint(c.op, ==, CARDSIM_CTL_INSERT);
	g_assert_cmpstr(c.name, ==, "alice");
	g_assert_cmpuint(c.reader, ==, 3);
	g_assert_cmpint(req("remove 15\r\n", &c), ==, 0);
	g_assert_cmpint(c.op, ==, CARDSIM_CTL_REMOVE);
	g_assert_cmpuint(c.reader, ==, 15);
	g_assert_cmpint(req("  list\t", &c), ==, 0);
	g_assert_cmpint(c.op, ==, CARDSIM_CTL_LIST);

	memset(&c, 0x5a, sizeof(c));
	cardsim_ctl_cmd before = c;
	g_assert_cmpint(req("insert alice 16", &c), ==, CARDSIM_CTL_ERR_READER);
	g_assert_cmpint(req("insert alice 03", &c), ==, CARDSIM_CTL_ERR_READER);
	g_assert_cmpint(req("insert al/ice 1", &c), ==, CARDSIM_CTL_ERR_NAME);
	g_assert_cmpint(req("remove", &c), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(req("format 1", &c), ==, CARDSIM_CTL_ERR_UNKNOWN);
	g_assert_cmpint(req("list\x01", &c), ==, CARDSIM_CTL_ERR_CHARS);
	g_assert_cmpint(req("   ", &c), ==, CARDSIM_CTL_ERR_EMPTY);
	g_assert_cmpmem(&c, sizeof(c), &before, sizeof(before));
}

static void test_slots(void)
{
	cardsim_ctl_slot s;
	g_assert_cmpint(slot("0 35963 ca\n", &s), ==, 0);
	g_assert_cmpuint(s.reader, ==, 0);
	g_assert_cmpuint(s.port, ==, 35963);
	g_assert_true(s.held);
	g_assert_cmpstr(s.name, ==, "ca");
	g_assert_cmpint(slot("3 35966 -", &s), ==, 0);
	g_assert_false(s.held);
	g_assert_cmpstr(s.name, ==, "");

	memset(&s, 0x5a, sizeof(s));
	cardsim_ctl_slot before = s;
	g_assert_cmpint(slot("16 35963 ca", &s), ==, CARDSIM_CTL_ERR_READER);
	g_assert_cmpint(slot("1 0 ca", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 65536 ca", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 0123 ca", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 35963", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 35963 ca extra", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 35963 c a", &s), ==, CARDSIM_CTL_ERR_ARGS);
	g_assert_cmpint(slot("1 35963 <ca>", &s), ==, CARDSIM_CTL_ERR_NAME);
	g_assert_cmpint(slot("1 35963 ca\x7f", &s), ==, CARDSIM_CTL_ERR_CHARS);
	g_assert_cmpmem(&s, sizeof(s), &before, sizeof(before));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cardsim-ctl/requests", test_requests);
	g_test_add_func("/cardsim-ctl/slots", test_slots);
	return g_test_run();
}
