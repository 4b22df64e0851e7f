/* SPDX-License-Identifier: Apache-2.0 */
/* TEST ONLY: key storage commands of unit-test-client: create, snapshot,
 * verify, stress, and raw or garbage requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mu-status.h"
#include "mu-unit-body.h"
#include "mu-unit-crypto.h"
#include "utc-conn.h"

int utc_cmd_keys(utc_conn *c, const char *cmd, char **args);

#define WRONG(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "unit-test-client: WRONG ANSWER: " __VA_ARGS__);                   \
		fputc('\n', stderr);                                                               \
		return UTC_FAIL;                                                                   \
	} while (0)

static int service(utc_conn *c, mu_unit_request *req)
{
	utc_set_token(c, req);
	return utc_request(c, req);
}

static int create_key(utc_conn *c, const char *label, mu_unit_key_entry *e)
{
	mu_unit_request req = {.op = MU_UNIT_OP_KEY_CREATE};
	req.label.p = (const uint8_t *)label;
	req.label.len = strlen(label);
	int rc = service(c, &req);
	if (rc != UTC_OK)
		return rc;
	if (c->resp.status != MU_OK) {
		printf("refused %s\n", mu_unit_status_name(c->resp.status));
		return UTC_REFUSED;
	}
	if (mu_unit_key_created_parse(c->resp.body.p, c->resp.body.len, e) != MU_OK ||
	    strcmp(e->label, label) != 0)
		WRONG("KEY CREATE answer does not match");
	return UTC_OK;
}

static int collect(const mu_unit_key_entry *e, void *user)
{
	g_array_append_val((GArray *)user, *e);
	return 0;
}

/* Every key, in handle order. */
static int list_all(utc_conn *c, GArray *out)
{
	uint32_t offset = 0;
	for (;;) {
		mu_unit_request req = {
		    .op = MU_UNIT_OP_KEY_LIST, .offset = offset, .limit = MU_UNIT_LIST_MAX};
		uint32_t total, next;
		bool more;
		int rc = service(c, &req);
		if (rc != UTC_OK)
			return rc;
		if (c->resp.status != MU_OK) {
			printf("refused %s\n", mu_unit_status_name(c->resp.status));
			return UTC_REFUSED;
		}
		if (mu_unit_key_list_parse(c->resp.body.p, c->resp.body.len, &total, &more, &next,
		                           collect, out) != MU_OK)
			WRONG("KEY LIST answer does not parse");
		if (!more)
			return UTC_OK;
		if (next <= offset)
			WRONG("KEY LIST does not advance");
		offset = next;
	}
}

static int wrap(utc_conn *c, uint32_t handle, const void *data, size_t len, GBytes **blob)
{
	mu_unit_request req = {.op = MU_UNIT_OP_KEY_WRAP, .handle = handle};
	req.data.p = data;
	req.data.len = len;
	int rc = service(c, &req);
	if (rc != UTC_OK)
		return rc;
	if (c->resp.status != MU_OK)
		return UTC_REFUSED;
	mu_unit_bytes b;
	if (mu_unit_body_single_parse(c->resp.body.p, c->resp.body.len, MU_UNIT_TAG_BLOB,
	                              MU_UNIT_DATA_MAX + 28, &b) != MU_OK ||
	    b.len != len + 28)
		WRONG("KEY WRAP answer does not parse");
	*blob = g_bytes_new(b.p, b.len);
	return UTC_OK;
}

/* Unwraps blob under handle; *status is the unit's status. */
static int unwrap(utc_conn *c, uint32_t handle, GBytes *blob, int *status, GBytes **data)
{
	mu_unit_request req = {.op = MU_UNIT_OP_KEY_UNWRAP, .handle = handle};
	req.data.p = g_bytes_get_data(blob, &req.data.len);
	int rc = service(c, &req);
	if (rc != UTC_OK)
		return rc;
	*status = c->resp.status;
	if (*status != MU_OK)
		return UTC_OK;
	mu_unit_bytes b;
	if (mu_unit_body_single_parse(c->resp.body.p, c->resp.body.len, MU_UNIT_TAG_DATA,
	                              MU_UNIT_DATA_MAX, &b) != MU_OK)
		WRONG("KEY UNWRAP answer does not parse");
	*data = g_bytes_new(b.p, b.len);
	return UTC_OK;
}

static char *plaintext_for(uint32_t handle)
{
	return g_strdup_printf("openmu-test-plaintext-%u", handle);
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = g_malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		g_snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

static int cmd_create(utc_conn *c, char **args)
{
	if (args[0] == NULL)
		return UTC_USAGE;
	long n = strtol(args[0], NULL, 10);
	const char *prefix = args[1] != NULL ? args[1] : "key";
	for (long i = 0; i < n; i++) {
		mu_unit_key_entry e;
		g_autofree char *label = g_strdup_printf("%s-%ld", prefix, i);
		int rc = create_key(c, label, &e);
		if (rc != UTC_OK)
			return rc;
	}
	printf("created %ld\n", n);
	return UTC_OK;
}

/* Writes "handle vp blob" per key; blob wraps plaintext_for(handle). */
static int cmd_snapshot(utc_conn *c, char **args)
{
	if (args[0] == NULL)
		return UTC_USAGE;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(mu_unit_key_entry));
	int rc = list_all(c, keys);
	if (rc != UTC_OK)
		return rc;
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < keys->len && rc == UTC_OK; i++) {
		const mu_unit_key_entry *e = &g_array_index(keys, mu_unit_key_entry, i);
		g_autofree char *pt = plaintext_for(e->handle);
		g_autoptr(GBytes) blob = NULL;
		rc = wrap(c, e->handle, pt, strlen(pt), &blob);
		if (rc != UTC_OK)
			break;
		g_autofree char *vh = hex(e->vp, 32);
		g_autofree char *bh = hex(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob));
		g_string_append_printf(out, "%u %s %s\n", e->handle, vh, bh);
	}
	if (rc == UTC_OK && !g_file_set_contents(args[0], out->str, (gssize)out->len, NULL))
		rc = UTC_FAIL;
	if (rc == UTC_OK)
		printf("snapshot %u keys\n", keys->len);
	g_string_free(out, TRUE);
	return rc;
}

/* Every key of the snapshot is still there with its VP, and nothing else
 * (unless args[2] is "subset"); every blob (or every stride-th, args[1])
 * unwraps to its plaintext. */
static int cmd_verify(utc_conn *c, char **args)
{
	g_autofree char *text = NULL;
	if (args[0] == NULL || !g_file_get_contents(args[0], &text, NULL, NULL))
		return UTC_USAGE;
	guint stride = args[1] != NULL ? (guint)strtoul(args[1], NULL, 10) : 1;
	if (stride == 0)
		return UTC_USAGE;
	guint unwrapped = 0;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(mu_unit_key_entry));
	int rc = list_all(c, keys);
	if (rc != UTC_OK)
		return rc;
	/* "subset": the unit may hold more keys than the snapshot */
	bool subset = args[1] != NULL && args[2] != NULL && strcmp(args[2], "subset") == 0;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = 0, at = 0;
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++, n++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
		if (g_strv_length(f) != 3)
			return UTC_USAGE;
		uint32_t handle = (uint32_t)strtoul(f[0], NULL, 10);
		while (subset && at < keys->len &&
		       g_array_index(keys, mu_unit_key_entry, at).handle < handle)
			at++;
		if (at >= keys->len)
			WRONG("key %u is missing", handle);
		const mu_unit_key_entry *e = &g_array_index(keys, mu_unit_key_entry, at++);
		g_autofree char *vh = hex(e->vp, 32);
		if (e->handle != handle || strcmp(vh, f[1]) != 0)
			WRONG("key %u differs (handle %u, VP %s)", handle, e->handle, vh);
		if (i % stride != 0)
			continue;
		unwrapped++;
		size_t bl = strlen(f[2]) / 2;
		g_autofree uint8_t *b = g_malloc(bl);
		for (size_t k = 0; k < bl; k++)
			b[k] = (uint8_t)(g_ascii_xdigit_value(f[2][2 * k]) << 4 |
			                 g_ascii_xdigit_value(f[2][2 * k + 1]));
		g_autoptr(GBytes) blob = g_bytes_new(b, bl);
		g_autoptr(GBytes) data = NULL;
		int status;
		rc = unwrap(c, handle, blob, &status, &data);
		if (rc != UTC_OK)
			return rc;
		g_autofree char *pt = plaintext_for(handle);
		if (status != MU_OK || g_bytes_get_size(data) != strlen(pt) ||
		    memcmp(g_bytes_get_data(data, NULL), pt, strlen(pt)) != 0)
			WRONG("key %u does not unwrap its blob (%s)", handle,
			      mu_unit_status_name(status));
	}
	if (!subset && n != keys->len)
		WRONG("the unit holds %u keys, the snapshot %u", keys->len, n);
	printf("verified %u keys (%u blobs unwrapped)\n", n, unwrapped);
	return UTC_OK;
}

/* One random step of the stress loop; own holds this client's keys. */
static int stress_step(utc_conn *c, GArray *own, GRand *rnd, guint64 i)
{
	switch (g_rand_int_range(rnd, 0, 6)) {
	case 0: {
		mu_unit_status st;
		int rc = utc_status(c, &st);
		if (rc != UTC_OK)
			return rc;
		if (st.key_count > MU_UNIT_KEYS_MAX || st.cur_state != MU_UNIT_CUR_VALID)
			WRONG("status shows %u keys, current state %u", st.key_count, st.cur_state);
		return UTC_OK;
	}
	case 1: {
		mu_unit_key_entry e;
		g_autofree char *label =
		    g_strdup_printf("stress-%d-%" G_GUINT64_FORMAT, getpid(), i);
		int rc = create_key(c, label, &e);
		if (rc == UTC_OK)
			g_array_append_val(own, e);
		return rc;
	}
	case 2:
	case 5: {
		if (own->len == 0)
			return UTC_OK;
		guint k = (guint)g_rand_int_range(rnd, 0, (gint32)own->len);
		const mu_unit_key_entry *e = &g_array_index(own, mu_unit_key_entry, k);
		g_autofree char *pt = g_strdup_printf("data-%" G_GUINT64_FORMAT, i);
		g_autoptr(GBytes) blob = NULL, data = NULL;
		int status;
		int rc = wrap(c, e->handle, pt, strlen(pt), &blob);
		if (rc == UTC_OK)
			rc = unwrap(c, e->handle, blob, &status, &data);
		if (rc != UTC_OK)
			return rc;
		if (status != MU_OK || g_bytes_get_size(data) != strlen(pt) ||
		    memcmp(g_bytes_get_data(data, NULL), pt, strlen(pt)) != 0)
			WRONG("key %u unwraps to something else", e->handle);
		return UTC_OK;
	}
	case 3: {
		mu_unit_request req = {.op = MU_UNIT_OP_KEY_LIST,
		                       .offset = (uint32_t)g_rand_int_range(rnd, 0, 5000),
		                       .limit = 16};
		uint32_t total, next;
		bool more;
		int rc = service(c, &req);
		if (rc != UTC_OK)
			return rc;
		g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(mu_unit_key_entry));
		if (c->resp.status != MU_OK ||
		    mu_unit_key_list_parse(c->resp.body.p, c->resp.body.len, &total, &more, &next,
		                           collect, page) != MU_OK ||
		    total < own->len)
			WRONG("KEY LIST answer is wrong");
		for (guint k = 1; k < page->len; k++)
			if (g_array_index(page, mu_unit_key_entry, k).handle <=
			    g_array_index(page, mu_unit_key_entry, k - 1).handle)
				WRONG("KEY LIST is not in handle order");
		return UTC_OK;
	}
	default: {
		if (own->len == 0)
			return UTC_OK;
		guint k = (guint)g_rand_int_range(rnd, 0, (gint32)own->len);
		uint32_t h = g_array_index(own, mu_unit_key_entry, k).handle;
		mu_unit_request req = {.op = MU_UNIT_OP_KEY_DELETE, .handle = h};
		int rc = service(c, &req);
		if (rc != UTC_OK)
			return rc;
		if (c->resp.status != MU_OK)
			WRONG("delete of own key %u refused", h);
		g_array_remove_index(own, k);
		g_autoptr(GBytes) blob = NULL;
		rc = wrap(c, h, "x", 1, &blob);
		if (rc != UTC_REFUSED || c->resp.status != MU_UNIT_ERR_KEY_UNKNOWN)
			WRONG("a deleted key %u still wraps", h);
		return UTC_OK;
	}
	}
}

static int cmd_stress(utc_conn *c, char **args)
{
	if (args[0] == NULL)
		return UTC_USAGE;
	double seconds = g_ascii_strtod(args[0], NULL);
	g_autoptr(GRand) rnd = g_rand_new_with_seed((guint32)getpid());
	g_autoptr(GArray) own = g_array_new(FALSE, FALSE, sizeof(mu_unit_key_entry));
	gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
	guint64 ops = 0;
	while (g_get_monotonic_time() < end) {
		int rc = stress_step(c, own, rnd, ops);
		if (rc != UTC_OK)
			return rc;
		ops++;
	}
	printf("ops=%" G_GUINT64_FORMAT " own-keys=%u\n", ops, own->len);
	return UTC_OK;
}

/* Random and mutated requests: every one must get a verified answer. */
static int cmd_garbage(utc_conn *c, char **args)
{
	if (args[0] == NULL)
		return UTC_USAGE;
	long n = strtol(args[0], NULL, 10);
	g_autoptr(GRand) rnd = g_rand_new_with_seed(args[1] != NULL ? (guint32)atoi(args[1]) : 1);
	static const uint8_t status_req[] = {0x80, 0x01, 0x01, 0x81, 0x01, 0x02, 0x82, 0x10,
	                                     1,    2,    3,    4,    5,    6,    7,    8,
	                                     9,    10,   11,   12,   13,   14,   15,   16};
	long errors = 0;
	for (long i = 0; i < n; i++) {
		uint8_t buf[600];
		size_t len;
		if (i % 2 == 0) {
			len = (size_t)g_rand_int_range(rnd, 1, (gint32)sizeof(buf));
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)g_rand_int_range(rnd, 0, 256);
		} else {
			len = sizeof(status_req);
			memcpy(buf, status_req, len);
			buf[g_rand_int_range(rnd, 0, (gint32)len)] ^=
			    (uint8_t)g_rand_int_range(rnd, 1, 256);
			len = (size_t)g_rand_int_range(rnd, 1, (gint32)len + 1);
		}
		int rc = utc_raw(c, buf, len);
		if (rc != UTC_OK)
			return rc;
		if (c->resp.status != MU_OK)
			errors++;
	}
	printf("answered %ld (%ld errors)\n", n, errors);
	return UTC_OK;
}

int utc_cmd_keys(utc_conn *c, const char *cmd, char **args)
{
	if (strcmp(cmd, "create-keys") == 0)
		return cmd_create(c, args);
	if (strcmp(cmd, "snapshot") == 0)
		return cmd_snapshot(c, args);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(c, args);
	if (strcmp(cmd, "stress") == 0)
		return cmd_stress(c, args);
	if (strcmp(cmd, "garbage") == 0)
		return cmd_garbage(c, args);
	if (strcmp(cmd, "frame-len") == 0 && args[0] != NULL) {
		/* a bad frame length: a signed "frame" error, then the unit closes */
		int rc = utc_frame_len(c, (uint32_t)strtoul(args[0], NULL, 0));
		if (rc != UTC_OK)
			return rc;
		printf("status %s\n", mu_unit_status_name(c->resp.status));
		return c->resp.status == MU_UNIT_ERR_FRAME ? UTC_OK : UTC_FAIL;
	}
	if (strcmp(cmd, "replay") == 0 && args[0] != NULL) {
		/* resend captured request bytes (hex) as they are; print the status */
		gsize len = strlen(args[0]) / 2;
		g_autofree uint8_t *buf = g_malloc(len + 1);
		for (gsize k = 0; k < len; k++) {
			int hi = g_ascii_xdigit_value(args[0][2 * k]);
			int lo = g_ascii_xdigit_value(args[0][2 * k + 1]);
			if (hi < 0 || lo < 0)
				return UTC_USAGE;
			buf[k] = (uint8_t)(hi << 4 | lo);
		}
		int rc = utc_raw(c, buf, len);
		if (rc != UTC_OK)
			return rc;
		printf("status %s\n", mu_unit_status_name(c->resp.status));
		return UTC_OK;
	}
	if (strcmp(cmd, "create-one") == 0) {
		mu_unit_key_entry e;
		int rc = create_key(c, "one", &e);
		if (rc == UTC_OK)
			printf("handle=%u\n", e.handle);
		return rc;
	}
	fprintf(stderr, "unit-test-client: unknown command %s\n", cmd);
	return UTC_USAGE;
}
