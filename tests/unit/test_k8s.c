// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kubernetes names from cgroup paths (userspace/k8s.c): the path forms of
 * both kubelet cgroup drivers, and the names read from fixture runtime
 * state (tests/unit/fixtures/k8s/{systemd,cgroupfs}: a cgroup tree and
 * the containerd, CRI-O and Docker files a node would have).
 */
#include <stdlib.h>
#include <string.h>
#include "host/cgroup_paths.h"
#include "check.h"
#include "host/k8s.h"

#define FIX "tests/unit/fixtures/k8s"
#define HEX(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	       c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

struct parse_case {
	const char *path;
	int is_pod;
	const char *qos, *uid, *id, *runtime;
};

static const struct parse_case parse_cases[] = {
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3c1a2b_0d4e_4f6a_9b8c_"
	  "1234567890ab.slice/cri-containerd-" HEX("a") ".scope",
	  1, "burstable", "5f3c1a2b-0d4e-4f6a-9b8c-1234567890ab", HEX("a"), "containerd" },
	{ "/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d.slice/docker-" HEX("1")
	  ".scope",
	  1, "guaranteed", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", HEX("1"), "docker" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod11111111_2222_4333_8444_"
	  "555555555555.slice/crio-" HEX("d") ".scope",
	  1, "besteffort", "11111111-2222-4333-8444-555555555555", HEX("d"), "crio" },
	/* CRI-O's monitor: the pod, no container. */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod11111111_2222_4333_8444_"
	  "555555555555.slice/crio-conmon-" HEX("d") ".scope",
	  1, "besteffort", "11111111-2222-4333-8444-555555555555", "", "" },
	/* The pod's own cgroup. */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3c1a2b_0d4e_4f6a_9b8c_"
	  "1234567890ab.slice",
	  1, "burstable", "5f3c1a2b-0d4e-4f6a-9b8c-1234567890ab", "", "" },
	/* kind: the kubelet's --cgroup-root adds a prefix. */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-"
	  "besteffort-pod3d5f7b9d_1f3b_4c5e_9a7c_9e1f3a5c7e9b.slice/cri-containerd-" HEX("f") ".scope",
	  1, "besteffort", "3d5f7b9d-1f3b-4c5e-9a7c-9e1f3a5c7e9b", HEX("f"), "containerd" },
	{ "/kubepods/burstable/pod7b0c5e2a-1f3d-4c5b-9a8e-0d1c2b3a4f5e/" HEX("1"),
	  1, "burstable", "7b0c5e2a-1f3d-4c5b-9a8e-0d1c2b3a4f5e", HEX("1"), "" },
	{ "/kubepods/pod2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a/" HEX("2"),
	  1, "guaranteed", "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a", HEX("2"), "" },
	{ "/kubelet/kubepods/besteffort/pod3d5f7b9d-1f3b-4c5e-9a7c-9e1f3a5c7e9b",
	  1, "besteffort", "3d5f7b9d-1f3b-4c5e-9a7c-9e1f3a5c7e9b", "", "" },
	/* Not pods. */
	{ "/", 0 },
	{ "/system.slice/containerd.service", 0 },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/kubepods-pod.slice", 0 },
	{ "/kubepods.slice/kubepods-burstable.slice", 0 },
	{ "/kubepods/burstable", 0 },
	/* A UID that is not one (too short, upper case, wrong dashes). */
	{ "/kubepods.slice/kubepods-pod0a1b2c3d_4e5f.slice/cri-containerd-" HEX("a") ".scope", 0 },
	{ "/kubepods/pod2C4E6A8B-0D1F-4A3C-8E5B-7D9F1B3D5F7A/" HEX("2"), 0 },
	{ "/kubepods/pod2c4e6a8b0-d1f-4a3c-8e5b-7d9f1b3d5f7a/" HEX("2"), 0 },
	/* "pod..." not below kubepods is somebody else's name. */
	{ "/system.slice/pod7b0c5e2a-1f3d-4c5b-9a8e-0d1c2b3a4f5e/" HEX("1"), 0 },
	/* A container part that is not an id: the pod, no container. */
	{ "/kubepods/pod2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a/not-an-id",
	  1, "guaranteed", "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a", "", "" },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct k8s_ident id;
		int got = k8s__parse_cgroup(c->path, &id);

		CHECK(got == c->is_pod, "%s: is_pod %d", c->path, got);
		if (!c->is_pod || got != 1) {
			CHECK(!id.pod_uid[0] && !id.qos[0], "%s: ident not cleared", c->path);
			continue;
		}
		CHECK_STR(id.qos, c->qos);
		CHECK_STR(id.pod_uid, c->uid);
		CHECK_STR(id.container_id, c->id);
		CHECK_STR(id.runtime, c->runtime);
	}
	CHECK(k8s__parse_cgroup(NULL, &(struct k8s_ident){}) == 0);
}

struct named {
	const char *suffix; /* end of the cgroup path */
	const char *ns, *pod, *container, *runtime;
	int found;
};

/*
 * Walks a fixture cgroup tree as the daemon walks /sys/fs/cgroup, and
 * resolves every pod cgroup against the fixture's runtime state.
 */
static void check_tree(const char *driver, const struct named *want, size_t nwant, size_t npods)
{
	char root[256], cgroot[300];
	struct cgroup_paths cp;
	size_t i, k, pods = 0, seen = 0;

	snprintf(root, sizeof(root), FIX "/%s", driver);
	snprintf(cgroot, sizeof(cgroot), "%s/sys/fs/cgroup", root);
	CHECK(cgroup_paths__load(&cp, cgroot) == 0, "%s", cgroot);
	for (i = 0; i < cp.n; i++) {
		struct k8s_ident id;
		int rc;

		if (!k8s__parse_cgroup(cp.v[i].path, &id))
			continue;
		pods++;
		rc = k8s__resolve(&id, root);
		for (k = 0; k < nwant; k++) {
			size_t pl = strlen(cp.v[i].path), sl = strlen(want[k].suffix);

			if (pl < sl || strcmp(cp.v[i].path + pl - sl, want[k].suffix))
				continue;
			seen++;
			CHECK((rc == 0) == want[k].found, "%s: resolve %d", cp.v[i].path, rc);
			CHECK_STR(id.namespace_, want[k].ns);
			CHECK_STR(id.pod, want[k].pod);
			CHECK_STR(id.container, want[k].container);
			CHECK_STR(id.runtime, want[k].runtime);
		}
	}
	CHECK(pods == npods, "%s: %zu pod cgroups, expected %zu", driver, pods, npods);
	CHECK(seen == nwant, "%s: %zu of %zu expected cgroups found", driver, seen, nwant);
	cgroup_paths__free(&cp);
}

static void test_systemd_tree(void)
{
	static const struct named want[] = {
		{ "cri-containerd-" HEX("a") ".scope", "prod", "shop-7d9f8b6c4-x2x9q", "web",
		  "containerd", 1 },
		{ "cri-containerd-" HEX("b") ".scope", "prod", "shop-7d9f8b6c4-x2x9q", "POD",
		  "containerd", 1 },
		/* A \u escape decoded; a decoy value equal to a key not taken. */
		{ "cri-containerd-" HEX("c") ".scope", "data", "pg-0", "db", "containerd", 1 },
		{ "crio-" HEX("d") ".scope", "batch", "report-28911", "worker", "crio", 1 },
		{ "crio-conmon-" HEX("d") ".scope", "", "", "", "", 0 },
		/* No state left: ids only. */
		{ "cri-containerd-" HEX("e") ".scope", "", "", "", "containerd", 0 },
	};

	/* 6 containers and the 4 pods' own cgroups. */
	check_tree("systemd", want, sizeof(want) / sizeof(want[0]), 10);
}

static void test_cgroupfs_tree(void)
{
	static const struct named want[] = {
		{ "/" HEX("1"), "default", "api-0", "api", "docker", 1 },
		{ "/" HEX("2"), "default", "api-1", "POD", "docker", 1 },
		{ "/" HEX("3"), "", "", "", "", 0 },
	};

	check_tree("cgroupfs", want, sizeof(want) / sizeof(want[0]), 6);
}

static void test_cache(void)
{
	struct k8s_cache *c = k8s_cache__new(FIX "/systemd");
	const char *pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3c1a2b_"
			  "0d4e_4f6a_9b8c_1234567890ab.slice/cri-containerd-" HEX("a") ".scope";
	const struct k8s_ident *a, *b;

	CHECK(c != NULL);
	CHECK(k8s_cache__get(c, "/system.slice/x.service", 1.0) == NULL);
	a = k8s_cache__get(c, pod, 1.0);
	CHECK(a && !strcmp(a->pod, "shop-7d9f8b6c4-x2x9q"));
	b = k8s_cache__get(c, pod, 2.0);
	CHECK(a == b, "a second lookup is served from the cache");
	/* The cache grows past its first allocation: handed-out idents stay put. */
	for (int i = 0; i < 100; i++) {
		char other[64];

		snprintf(other, sizeof(other), "/kubepods/pod2c4e6a8b-0d1f-4a3c-8e5b-%012d/%d", i, i);
		CHECK(k8s_cache__get(c, other, 2.0) != NULL, "%s", other);
	}
	CHECK(k8s_cache__get(c, pod, 2.0) == a && !strcmp(a->container, "web"));
	k8s_cache__expire(c, 1.5); /* the non-pod entry was last used at 1.0 */
	b = k8s_cache__get(c, pod, 3.0);
	CHECK(b && !strcmp(b->container, "web"));
	k8s_cache__free(c);
}

int main(void)
{
	test_parse();
	test_systemd_tree();
	test_cgroupfs_tree();
	test_cache();
	return check_summary();
}
