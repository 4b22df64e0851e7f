/* SPDX-License-Identifier: Apache-2.0 */
#include "doc-vectors.h"

#include <stdint.h>
#include <string.h>

static GBytes *parse_hex_block(const char *text)
{
	GByteArray *out = g_byte_array_new();
	const char *p = text;
	while (*p != '\0') {
		if (g_ascii_isspace(*p)) {
			p++;
			continue;
		}
		int hi = g_ascii_xdigit_value(p[0]);
		int lo = p[1] != '\0' ? g_ascii_xdigit_value(p[1]) : -1;
		g_assert_true(hi >= 0 && lo >= 0);
		uint8_t b = (uint8_t)(hi << 4 | lo);
		g_byte_array_append(out, &b, 1);
		p += 2;
	}
	return g_byte_array_free_to_bytes(out);
}

void doc_vectors_check(const char *doc_path, const char *kind, const doc_vector *table,
                       size_t n)
{
	g_autofree char *doc = NULL;
	g_autoptr(GError) err = NULL;
	g_assert_true(g_file_get_contents(doc_path, &doc, NULL, &err));
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *marker = g_strdup_printf("```%s ", kind);

	const char *p = doc;
	while ((p = strstr(p, marker)) != NULL) {
		p += strlen(marker);
		const char *eol = strchr(p, '\n');
		g_assert_nonnull(eol);
		g_autofree char *name = g_strndup(p, (gsize)(eol - p));
		const char *end = strstr(eol, "```");
		g_assert_nonnull(end);
		g_autofree char *body = g_strndup(eol + 1, (gsize)(end - eol - 1));
		g_autoptr(GBytes) want = parse_hex_block(body);
		gboolean known = FALSE;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(table[i].name, name) != 0)
				continue;
			g_autoptr(GBytes) got = table[i].make();
			g_test_message("%s %s", kind, name);
			g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
			                g_bytes_get_data(want, NULL), g_bytes_get_size(want));
			known = TRUE;
		}
		if (!known)
			g_error("%s has a %s '%s' no test checks", doc_path, kind, name);
		g_hash_table_add(seen, g_steal_pointer(&name));
		p = end + 3;
	}
	for (size_t i = 0; i < n; i++)
		if (!g_hash_table_contains(seen, table[i].name))
			g_error("%s '%s' is missing from %s", kind, table[i].name, doc_path);
}
