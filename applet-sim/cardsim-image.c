/* SPDX-License-Identifier: Apache-2.0 */
/* Card image files: read whole, written atomically (temp file in the same
 * folder, fsync, rename, fsync of the folder). */
#define _GNU_SOURCE
#include "cardsim-image.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-secret.h"
#include "mu-status.h"

#define IMAGE_FILE_MAX (1u << 20)

int cardsim_image_load(const char *path, cardsim_card **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CARDSIM_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > IMAGE_FILE_MAX) {
		int e = errno;
		close(fd);
		errno = S_ISREG(st.st_mode) ? (e ? e : EFBIG) : EINVAL;
		return CARDSIM_ERR_IO;
	}
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		close(fd);
		return MU_ERR_NOMEM;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	int rc = got == len ? cardsim_card_load(buf, len, out) : CARDSIM_ERR_IO;
	mu_memzero(buf, len);
	free(buf);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cardsim_image_save(const cardsim_card *card, const char *path)
{
	uint8_t *img = NULL;
	size_t len = 0;
	int rc = cardsim_card_save(card, &img, &len);
	if (rc != MU_OK)
		return rc;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	char *dir = strdup(path);
	int fd = -1;
	rc = CARDSIM_ERR_IO;
	if (tmp == NULL || dir == NULL)
		goto done;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto done;
	if (fchmod(fd, 0600) != 0 || write_all(fd, img, len) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		goto done;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		goto done;
	}
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0) {
			close(dfd);
			goto done;
		}
		close(dfd);
	}
	rc = MU_OK;
done:
	mu_memzero(img, len);
	free(img);
	free(tmp);
	free(dir);
	return rc;
}
