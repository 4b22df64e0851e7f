/* SPDX-License-Identifier: Apache-2.0 */
#include "unitsim-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mu-secret.h"
#include "mu-status.h"
#include "unitsim-state.h"

#define PIECE (64u * 1024u)

static void sleep_us(unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int write_all(int fd, const uint8_t *buf, size_t len, unsigned slow_write_us)
{
	while (len > 0) {
		size_t n = len > PIECE ? PIECE : len;
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
		if (slow_write_us > 0 && len > 0)
			sleep_us(slow_write_us);
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *dir = strdup(path);
	if (dir == NULL)
		return -1;
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int unitsim_write_file_atomic(const char *path, const uint8_t *buf, size_t len, unsigned mode,
                              unsigned slow_write_us)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	if (tmp == NULL)
		return MU_UNIT_ERR_PERSIST;
	snprintf(tmp, n, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		goto fail;
	if (write_all(fd, buf, len, slow_write_us) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	free(tmp);
	/* the rename is durable only once the folder is synced */
	return fsync_dir_of(path) == 0 ? MU_OK : MU_UNIT_ERR_PERSIST;
fail:
	free(tmp);
	return MU_UNIT_ERR_PERSIST;
}

int unitsim_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MU_UNIT_ERR_PERSIST;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return MU_UNIT_ERR_PERSIST;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return MU_ERR_TOO_LONG;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *b = malloc(size > 0 ? size : 1);
	if (b == NULL) {
		close(fd);
		return MU_ERR_NOMEM;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, b + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != size) {
		free(b);
		return MU_UNIT_ERR_PERSIST;
	}
	*buf = b;
	*len = size;
	return MU_OK;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int unitsim_store_save(const char *dir, const unitsim_domain *d, const unitsim_store_opts *opts,
                       char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = unitsim_state_encode(d, &buf, &len);
	if (rc != MU_OK) {
		snprintf(err, errlen, "cannot encode the unit state: %s", mu_strerror(rc));
		return rc;
	}
	char *path = join(dir, UNITSIM_STATE_FILE);
	if (path == NULL) {
		rc = MU_ERR_NOMEM;
	} else {
		rc = unitsim_write_file_atomic(path, buf, len, 0600,
		                               opts != NULL ? opts->slow_write_us : 0);
		if (rc != MU_OK)
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	free(path);
	mu_memzero(buf, len);
	free(buf);
	return rc;
}

int unitsim_store_load(const char *dir, unitsim_domain **out, char *err, size_t errlen)
{
	char reason[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	char *path = join(dir, UNITSIM_STATE_FILE);
	char *tmp = join(dir, UNITSIM_STATE_TMP);
	int rc = MU_ERR_NOMEM;
	if (path == NULL || tmp == NULL)
		goto done;
	/* a write that was cut short never replaced the state: drop it */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", tmp, strerror(errno));
		rc = MU_UNIT_ERR_PERSIST;
		goto done;
	}
	rc = unitsim_read_file(path, UNITSIM_STATE_MAX, &buf, &len);
	if (rc != MU_OK) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         rc == MU_ERR_TOO_LONG ? "file too large" : strerror(errno));
		goto done;
	}
	rc = unitsim_state_decode(buf, len, out, reason, sizeof(reason));
	if (rc != MU_OK)
		snprintf(err, errlen, "%s: invalid unit state: %s", path, reason);
done:
	if (buf != NULL) {
		mu_memzero(buf, len);
		free(buf);
	}
	free(path);
	free(tmp);
	return rc;
}
