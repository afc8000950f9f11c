// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bracket: the duration of another tool's hot scheduler programs, call by
 * call (see bracket.bpf.c for the method).
 *
 *   bracket
 *
 * Driven by lines on stdin, answering each on stdout:
 *   1. at start it attaches the before-programs: "before";
 *   2. "PID\n" (0: no tool) after the tool has attached: shares the tool's
 *      `switch_buf` (or an older build's `wait_buf`) map when PID holds one,
 *      attaches the after-programs: "after";
 *   3. "count\n": counting starts (what came before was warm-up): "counting";
 *   4. "dump\n": prints "HOOK KIND LO_NS HI_NS COUNT" for every non-empty
 *      bucket, summed over CPUs, then "end", and exits.
 * Two instances of one object: the first holds the before-programs, the
 * second the after-programs, sharing the first's maps.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bracket.h"
#include "bracket.skel.h"

static const char *const hooks[BK_HOOK_NR] = { "switch", "waking", "wakeup", "wakeup_new",
						 "exec" };
static const char *const kinds[BK_KIND_NR] = { "plain", "flush", "first", "dead" };

static void die(const char *what, int err)
{
	fprintf(stderr, "bracket: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* An fd for the map named `name` that process pid holds, or -1. */
static int tool_map(int pid, const char *name)
{
	char path[64], line[256];
	struct dirent *e;
	DIR *dir;
	int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (fd < 0 && (e = readdir(dir))) {
		char p[300 + 256];
		FILE *f;
		unsigned int id = 0;

		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "map_id: %u", &id) == 1)
				break;
		fclose(f);
		if (id) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);
			int mfd = bpf_map_get_fd_by_id(id);

			if (mfd >= 0 && !bpf_obj_get_info_by_fd(mfd, &info, &len) &&
			    !strcmp(info.name, name))
				fd = mfd;
			else if (mfd >= 0)
				close(mfd);
		}
	}
	closedir(dir);
	return fd;
}

static void only(struct bracket_bpf *s, int after)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), after ? "bk_after" :
						      "bk_before", after ? 8 : 9));
}

static void attach_all(struct bracket_bpf *s)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj) {
		if (!bpf_program__autoload(p))
			continue;
		if (!bpf_program__attach(p))
			die(bpf_program__name(p), errno);
	}
}

static void say(const char *what)
{
	printf("%s\n", what);
	fflush(stdout);
}

int main(void)
{
	struct bracket_bpf *a, *b;
	char line[64];
	int err, ncpu, pid, fd;
	struct bk_hist *vals;
	__u32 key;

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		die("number of CPUs", ncpu);
	a = bracket_bpf__open();
	if (!a)
		die("open", errno);
	only(a, 0);
	err = bracket_bpf__load(a);
	if (err)
		die("load", err);
	attach_all(a);
	say("before");

	if (!fgets(line, sizeof(line), stdin) || sscanf(line, "%d", &pid) != 1)
		die("want a PID on stdin", EINVAL);
	b = bracket_bpf__open();
	if (!b)
		die("open", errno);
	only(b, 1);
	if ((err = bpf_map__reuse_fd(b->maps.starts, bpf_map__fd(a->maps.starts))) ||
	    (err = bpf_map__reuse_fd(b->maps.hists, bpf_map__fd(a->maps.hists))))
		die("share maps", err);
	fd = pid > 0 ? tool_map(pid, "switch_buf") : -1;
	if (fd >= 0) {
		if ((err = bpf_map__reuse_fd(b->maps.switch_buf, fd)))
			die("share the tool's switch_buf", err);
		b->bss->use_switch_buf = 1;
	} else {
		fd = pid > 0 ? tool_map(pid, "wait_buf") : -1;
		if (fd >= 0 && (err = bpf_map__reuse_fd(b->maps.wait_buf, fd)))
			die("share the tool's wait_buf", err);
	}
	err = bracket_bpf__load(b);
	if (err)
		die("load", err);
	attach_all(b);
	say(fd >= 0 ? "after" : "after (no batch map)");

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	a->bss->counting = 1;
	b->bss->counting = 1;
	say("counting");

	if (!fgets(line, sizeof(line), stdin))
		return 1;
	a->bss->counting = 0;
	b->bss->counting = 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		die("memory", ENOMEM);
	for (key = 0; key < BK_HOOK_NR * BK_KIND_NR; key++) {
		int i, c;

		if (bpf_map_lookup_elem(bpf_map__fd(a->maps.hists), &key, vals))
			die("read histogram", errno);
		for (i = 0; i < BK_BUCKETS; i++) {
			unsigned long long n = 0, lo, hi;

			for (c = 0; c < ncpu; c++)
				n += vals[c].b[i];
			if (!n)
				continue;
			if (i < BK_LINEAR) {
				lo = (unsigned long long)i * BK_LINEAR_NS;
				hi = lo + BK_LINEAR_NS;
			} else {
				lo = 1ull << (i - BK_LINEAR + BK_LINEAR_LOG2_END);
				hi = lo * 2;
			}
			printf("%s %s %llu %llu %llu\n", hooks[key / BK_KIND_NR],
			       kinds[key % BK_KIND_NR], lo, hi, n);
		}
	}
	say("end");
	bracket_bpf__destroy(b);
	bracket_bpf__destroy(a);
	free(vals);
	return 0;
}
