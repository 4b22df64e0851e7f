/* SPDX-License-Identifier: Apache-2.0 */
#include "cardsim-deck.h"

#include <string.h>

#include "cardsim-ctl-parse.h"
#include "cardsim-image.h"

char *cardsim_deck_path(const char *deck, const char *name)
{
	g_autofree char *file = g_strconcat(name, CARDSIM_IMAGE_EXT, NULL);
	return g_build_filename(deck, file, NULL);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **cardsim_deck_list(const char *deck, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(deck, 0, error);
	if (dir == NULL)
		return NULL;
	GPtrArray *names = g_ptr_array_new();
	const char *entry;
	const size_t ext_len = strlen(CARDSIM_IMAGE_EXT);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		size_t len = strlen(entry);
		if (len <= ext_len || strcmp(entry + len - ext_len, CARDSIM_IMAGE_EXT) != 0)
			continue;
		if (!cardsim_ctl_name_valid(entry, len - ext_len))
			continue;
		g_ptr_array_add(names, g_strndup(entry, len - ext_len));
	}
	g_ptr_array_sort(names, compare_names);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}
