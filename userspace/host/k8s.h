/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kubernetes names for cgroup v2 paths, without an API server.
 *
 * The kubelet lays out one cgroup per pod and one per container below
 * it, and the layout names the pod's UID, its QoS class and the container
 * id (docs/kubernetes.md):
 *   systemd driver:  /kubepods.slice/kubepods-burstable.slice/
 *                    kubepods-burstable-pod<uid, '-' as '_'>.slice/cri-containerd-<id>.scope
 *   cgroupfs driver: /kubepods/burstable/pod<uid>/<id>
 * (guaranteed pods sit directly below kubepods). The namespace, pod and
 * container names are not in the path; the container runtime keeps them
 * as annotations in the container's OCI config on the node, which is
 * where k8s__resolve() reads them (containerd, CRI-O, Docker).
 */
#ifndef SCHEDRIFT_K8S_H
#define SCHEDRIFT_K8S_H

#include <stddef.h>

#define K8S_UID_LEN 40      /* a UID is 36 characters */
#define K8S_ID_LEN 72       /* a container id is 64 hex digits */
#define K8S_NAME_LEN 256    /* a pod name is at most 253 */

struct k8s_ident {
	char qos[16];                  /* "guaranteed", "burstable", "besteffort" */
	char pod_uid[K8S_UID_LEN];     /* with '-', as the API shows it */
	char container_id[K8S_ID_LEN]; /* "" for the pod's own cgroup */
	char runtime[16];              /* "containerd", "crio", "docker", "" when unknown */
	/* From the runtime's state; "" when not found (resolve not run, or no state). */
	char namespace_[K8S_NAME_LEN];
	char pod[K8S_NAME_LEN];
	char container[K8S_NAME_LEN];
};

/*
 * Fills *id from a cgroup path (as cgroup_paths gives it, "/kubepods.slice/...").
 * Returns 1 when the path is a pod's or one of its containers', else 0
 * (*id zeroed). Paths may have a prefix (a kind node, a nested runtime).
 */
int k8s__parse_cgroup(const char *path, struct k8s_ident *id);

/*
 * Looks the container's names up in the runtime's state below host_root
 * ("/" on the node; the host's root as mounted in a pod, e.g. "/host").
 * Returns 0 when the names were found, -ENOENT when not (no container id,
 * no state: the ids stay, the names stay "").
 */
int k8s__resolve(struct k8s_ident *id, const char *host_root);

/*
 * A cache from cgroup path to ident, for the daemon: each path is parsed
 * and resolved once (a miss is retried after retry_s seconds, as the
 * runtime writes its state just after making the cgroup).
 */
struct k8s_cache;

struct k8s_cache *k8s_cache__new(const char *host_root);
/* The ident of path, or NULL when path is not a pod's. */
const struct k8s_ident *k8s_cache__get(struct k8s_cache *c, const char *path, double now_s);
/* Drops entries not looked up since before `older_than_s` (removed cgroups). */
void k8s_cache__expire(struct k8s_cache *c, double older_than_s);
void k8s_cache__free(struct k8s_cache *c);

#endif /* SCHEDRIFT_K8S_H */
