/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2 ids (what BPF reads from kernfs_node::id) to paths. On cgroup2
 * the id is the directory's inode number, so one walk of the hierarchy maps
 * every live cgroup; a cgroup removed since has no path any more.
 */
#ifndef SCHEDRIFT_CGROUP_PATHS_H
#define SCHEDRIFT_CGROUP_PATHS_H

#include <stddef.h>
#include <linux/types.h>

struct cgroup_path {
	__u64 id;
	char *path; /* "/" for the root, "/system.slice/foo.service", ... */
};

struct cgroup_paths {
	struct cgroup_path *v; /* sorted by id */
	size_t n, cap;
};

/* Where cgroup2 is mounted (/sys/fs/cgroup, or .../unified on hybrid systems). */
int cgroup_paths__root(char *buf, size_t len);
/* Walk root (from cgroup_paths__root). Returns 0 or a negative errno. */
int cgroup_paths__load(struct cgroup_paths *cp, const char *root);
/* The path of id, or NULL when unknown. */
const char *cgroup_paths__find(const struct cgroup_paths *cp, __u64 id);
void cgroup_paths__free(struct cgroup_paths *cp);
/*
 * Calls cb once for each distinct id of ids[n] that has a path, in id
 * order (ids is sorted in place). Stops at, and returns, cb's first
 * non-zero return.
 */
int cgroup_paths__each_named(const struct cgroup_paths *cp, __u64 *ids, size_t n,
			     int (*cb)(void *ctx, __u64 id, const char *path), void *ctx);
/*
 * A running task's cgroup v2 path ("/system.slice/foo.service"), from
 * /proc/TID/cgroup, into buf: for a task no record has named yet. 0 or a
 * negative errno (the task is gone, no v2 line).
 */
int cgroup_paths__task_path(__u32 tid, char *buf, size_t len);
/* The id of a cgroup path: its directory's inode under root (cgroup_paths__root). */
int cgroup_paths__id_of(const char *root, const char *path, __u64 *id);

#endif /* SCHEDRIFT_CGROUP_PATHS_H */
