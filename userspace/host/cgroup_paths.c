// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "host/cgroup_paths.h"
#include "lib/util.h"

/* nftw has no context argument; one walk at a time is all we need. */
static struct cgroup_paths *walking;
static size_t root_len;

static int add(__u64 id, const char *path)
{
	struct cgroup_paths *cp = walking;

	if (ARRAY_GROW(cp->v, cp->n, cp->cap, 64))
		return -ENOMEM;
	cp->v[cp->n].id = id;
	cp->v[cp->n].path = strdup(*path ? path : "/");
	if (!cp->v[cp->n].path)
		return -ENOMEM;
	cp->n++;
	return 0;
}

static int visit(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	if (type != FTW_D)
		return 0;
	return add(sb->st_ino, fpath + root_len) ? FTW_STOP : 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct cgroup_path *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int cgroup_paths__root(char *buf, size_t len)
{
	char line[4096], mnt[4096], fstype[64];
	int found = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return -errno;
	/* "36 25 0:31 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(buf, len, "%s", mnt);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

int cgroup_paths__load(struct cgroup_paths *cp, const char *root)
{
	int rc;

	memset(cp, 0, sizeof(*cp));
	walking = cp;
	root_len = strlen(root);
	while (root_len > 1 && root[root_len - 1] == '/')
		root_len--;
	rc = nftw(root, visit, 16, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	if (rc < 0)
		return -errno;
	if (rc == FTW_STOP)
		return -ENOMEM;
	qsort(cp->v, cp->n, sizeof(*cp->v), cmp_id);
	return 0;
}

const char *cgroup_paths__find(const struct cgroup_paths *cp, __u64 id)
{
	struct cgroup_path key = { .id = id }, *hit;

	if (!cp->n)
		return NULL;
	hit = bsearch(&key, cp->v, cp->n, sizeof(*cp->v), cmp_id);
	return hit ? hit->path : NULL;
}

int cgroup_paths__each_named(const struct cgroup_paths *cp, __u64 *ids, size_t n,
			     int (*cb)(void *ctx, __u64 id, const char *path), void *ctx)
{
	const char *path;
	size_t i;
	int err;

	qsort(ids, n, sizeof(*ids), cmp_u64);
	for (i = 0; i < n; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		path = cgroup_paths__find(cp, ids[i]);
		if (path && (err = cb(ctx, ids[i], path)))
			return err;
	}
	return 0;
}

void cgroup_paths__free(struct cgroup_paths *cp)
{
	size_t i;

	for (i = 0; i < cp->n; i++)
		free(cp->v[i].path);
	free(cp->v);
	memset(cp, 0, sizeof(*cp));
}

int cgroup_paths__task_path(__u32 tid, char *buf, size_t len)
{
	char name[32];
	ssize_t n;
	char *line, *end;
	int fd;

	snprintf(name, sizeof(name), "/proc/%u/cgroup", tid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	/* cgroup v2's line is "0::/path"; v1 hierarchies have others. */
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, "0::/", 4))
			continue;
		if (end)
			*end = '\0';
		memmove(buf, line + 3, strlen(line + 3) + 1);
		return 0;
	}
	return -ENOENT;
}

int cgroup_paths__id_of(const char *root, const char *path, __u64 *id)
{
	char full[4096 + 256];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (stat(full, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}
