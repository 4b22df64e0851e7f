/* SPDX-License-Identifier: Apache-2.0 */
/* Card image files: read whole, written atomically (temp file in the same
 * folder, write, fsync, rename, fsync of the folder). The serialized image
 * holds secrets: every buffer that held it is wiped. */
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

/* Closes fd without losing the errno of an earlier failure. */
static void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* the file shrank while we read it */
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int cardsim_image_load(const char *path, cardsim_card **out)
{
	if (path == NULL || out == NULL)
		return MU_ERR_ARG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CARDSIM_ERR_IO;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close_keep_errno(fd);
		return CARDSIM_ERR_IO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)IMAGE_FILE_MAX) {
		close(fd);
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return CARDSIM_ERR_IO;
	}
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		close(fd);
		return MU_ERR_NOMEM;
	}
	int rc = read_all(fd, buf, len) == 0 ? MU_OK : CARDSIM_ERR_IO;
	close_keep_errno(fd);
	if (rc == MU_OK)
		rc = cardsim_card_load(buf, len, out);
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
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes img to a fresh temp file next to path and renames it over path. */
static int replace_file(const char *path, const uint8_t *img, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	char *dir = strdup(path);
	int rc = CARDSIM_ERR_IO, fd = -1, dfd = -1;
	if (tmp == NULL || dir == NULL) {
		rc = MU_ERR_NOMEM;
		goto done;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto done;
	if (fchmod(fd, 0600) != 0 || write_all(fd, img, len) != 0 || fsync(fd) != 0) {
		close_keep_errno(fd);
		goto unlink_tmp;
	}
	if (close(fd) != 0)
		goto unlink_tmp;
	if (rename(tmp, path) != 0)
		goto unlink_tmp;
	/* the rename is durable only once the folder is synced */
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto done;
	if (fsync(dfd) != 0) {
		close_keep_errno(dfd);
		goto done;
	}
	close(dfd);
	rc = MU_OK;
	goto done;
unlink_tmp: {
	int e = errno;
	unlink(tmp);
	errno = e;
}
done:
	free(tmp);
	free(dir);
	return rc;
}

int cardsim_image_save(const cardsim_card *card, const char *path)
{
	if (card == NULL || path == NULL)
		return MU_ERR_ARG;
	uint8_t *img = NULL;
	size_t len = 0;
	int rc = cardsim_card_save(card, &img, &len);
	if (rc != MU_OK)
		return rc;
	rc = replace_file(path, img, len);
	mu_memzero(img, len);
	free(img);
	return rc;
}
