// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/k8s.h"
#include "lib/util.h"

/* ---- the cgroup path ---- */

static int all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* A UID as the API prints it: 8-4-4-4-12 lower-case hex digits. */
static int valid_uid(const char *s)
{
	static const int dash_at[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash_at[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!all_hex(s + i, 1)) {
			return 0;
		}
	}
	return 1;
}

/* Copies the n bytes at s to dst[cap] when they fit; 0 when they do not. */
static int copy_n(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

/*
 * "kubepods-burstable-pod<uid>.slice" (systemd driver): the QoS class and
 * the UID, whose dashes systemd turned into underscores. A kubelet with a
 * --cgroup-root puts its own prefix before "kubepods" (kind nodes:
 * "kubelet-kubepods-burstable-pod<uid>.slice").
 */
static int parse_systemd_pod(const char *c, size_t n, struct k8s_ident *id)
{
	static const struct { const char *marker, *qos; } kinds[] = {
		{ "kubepods-burstable-pod", "burstable" },
		{ "kubepods-besteffort-pod", "besteffort" },
		{ "kubepods-pod", "guaranteed" },
	};
	const size_t suffix = strlen(".slice");
	char name[256];
	size_t i, k;

	if (n <= suffix || n >= sizeof(name) || memcmp(c + n - suffix, ".slice", suffix))
		return 0;
	memcpy(name, c, n - suffix);
	name[n - suffix] = '\0';
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		const char *at = strstr(name, kinds[k].marker);

		if (!at || (at != name && at[-1] != '-'))
			continue;
		at += strlen(kinds[k].marker);
		if (!copy_n(id->pod_uid, sizeof(id->pod_uid), at, strlen(at)))
			return 0;
		for (i = 0; id->pod_uid[i]; i++)
			if (id->pod_uid[i] == '_')
				id->pod_uid[i] = '-';
		snprintf(id->qos, sizeof(id->qos), "%s", kinds[k].qos);
		return valid_uid(id->pod_uid);
	}
	return 0;
}

/* "pod<uid>" below "kubepods" or "kubepods/<qos>" (cgroupfs driver). */
static int parse_cgroupfs_pod(const char *c, size_t n, const char *prev, size_t prev_n,
			      const char *prev2, size_t prev2_n, struct k8s_ident *id)
{
#define IS(s, len, lit) ((len) == strlen(lit) && !memcmp((s), (lit), (len)))
	const char *qos;

	if (n <= 3 || memcmp(c, "pod", 3))
		return 0;
	if (prev && IS(prev, prev_n, "kubepods"))
		qos = "guaranteed";
	else if (prev && prev2 && IS(prev2, prev2_n, "kubepods") &&
		 (IS(prev, prev_n, "burstable") || IS(prev, prev_n, "besteffort")))
		qos = prev_n == strlen("burstable") ? "burstable" : "besteffort";
	else
		return 0;
#undef IS
	if (!copy_n(id->pod_uid, sizeof(id->pod_uid), c + 3, n - 3))
		return 0;
	snprintf(id->qos, sizeof(id->qos), "%s", qos);
	return valid_uid(id->pod_uid);
}

/*
 * The container's cgroup below the pod's: "cri-containerd-<id>.scope",
 * "crio-<id>.scope", "docker-<id>.scope" (systemd), or the bare id
 * (cgroupfs). CRI-O's "crio-conmon-<id>.scope" is its monitor process, not
 * a container: it keeps the pod but no container id.
 */
static void parse_container(const char *c, size_t n, struct k8s_ident *id)
{
	static const struct { const char *prefix, *runtime; } kinds[] = {
		{ "cri-containerd-", "containerd" },
		{ "crio-conmon-", NULL },
		{ "crio-", "crio" },
		{ "cri-dockerd-", "docker" },
		{ "docker-", "docker" },
	};
	const size_t suffix = strlen(".scope");
	size_t k, plen;

	if (n > suffix && !memcmp(c + n - suffix, ".scope", suffix)) {
		n -= suffix;
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			plen = strlen(kinds[k].prefix);
			if (n <= plen || memcmp(c, kinds[k].prefix, plen))
				continue;
			if (!kinds[k].runtime || !all_hex(c + plen, n - plen))
				return;
			if (copy_n(id->container_id, sizeof(id->container_id), c + plen, n - plen))
				snprintf(id->runtime, sizeof(id->runtime), "%s", kinds[k].runtime);
			return;
		}
		return;
	}
	if (all_hex(c, n))
		copy_n(id->container_id, sizeof(id->container_id), c, n);
}

int k8s__parse_cgroup(const char *path, struct k8s_ident *id)
{
	const char *comp[64];
	size_t len[64], n = 0, i;
	const char *p = path;

	memset(id, 0, sizeof(*id));
	if (!path)
		return 0;
	while (*p && n < 64) {
		const char *slash;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		comp[n] = p;
		len[n] = slash ? (size_t)(slash - p) : strlen(p);
		p += len[n];
		n++;
	}
	for (i = 0; i < n; i++) {
		int pod = parse_systemd_pod(comp[i], len[i], id) ||
			  parse_cgroupfs_pod(comp[i], len[i], i ? comp[i - 1] : NULL,
					     i ? len[i - 1] : 0, i > 1 ? comp[i - 2] : NULL,
					     i > 1 ? len[i - 2] : 0, id);

		if (!pod) {
			memset(id, 0, sizeof(*id));
			continue;
		}
		if (i + 1 < n)
			parse_container(comp[i + 1], len[i + 1], id);
		return 1;
	}
	return 0;
}

/* ---- the runtime's state ---- */

/* Whole small file, NUL-terminated; NULL when missing or over the cap. */
static char *slurp(const char *path, size_t cap)
{
	char *buf;
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, cap + 1, f);
	fclose(f);
	if (n > cap) { /* an OCI config is tens of KiB; a huge file is not one */
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * The string value of the first `"key": "..."` in a JSON text. Enough for
 * the annotations and labels we read: their keys are unique, qualified
 * names. Escapes are decoded; a non-ASCII \u escape becomes '?' (Kubernetes
 * names are ASCII). Returns 1 when found and it fit.
 */
static int json_string_of(const char *text, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key), o = 0;
	const char *p = text;

	while ((p = strstr(p, key))) {
		const char *q = p + klen;

		if (p == text || p[-1] != '"' || *q != '"') {
			p = q;
			continue;
		}
		q++;
		while (isspace((unsigned char)*q))
			q++;
		if (*q++ != ':')
			goto next;
		while (isspace((unsigned char)*q))
			q++;
		if (*q++ != '"')
			goto next;
		for (; *q && *q != '"'; q++) {
			char ch = *q;

			if (ch == '\\') {
				q++;
				switch (*q) {
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				case 'r': ch = '\r'; break;
				case 'b': ch = '\b'; break;
				case 'f': ch = '\f'; break;
				case 'u':
					if (!isxdigit((unsigned char)q[1]) || !isxdigit((unsigned char)q[2]) ||
					    !isxdigit((unsigned char)q[3]) || !isxdigit((unsigned char)q[4]))
						return 0;
					ch = q[1] == '0' && q[2] == '0' && q[3] < '8' ?
						(char)strtol((char[]){ q[3], q[4], 0 }, NULL, 16) : '?';
					q += 4;
					break;
				case '\0': return 0;
				default: ch = *q; break; /* \" \\ \/ */
				}
			}
			if (o + 1 >= cap)
				return 0;
			out[o++] = ch;
		}
		if (*q != '"')
			return 0;
		out[o] = '\0';
		return 1;
next:
		p += klen;
	}
	return 0;
}

struct runtime_state {
	const char *runtime;
	const char *fmt; /* host root, container id */
	const char *ns_key, *pod_key, *container_key, *type_key;
};

/*
 * Where each runtime keeps a container's OCI config (or Docker its own),
 * and the annotation keys of the names. containerd marks the sandbox
 * (pause) container by type instead of naming it; the kubelet calls it POD.
 */
static const struct runtime_state states[] = {
	{ "containerd", "%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
	  "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-name",
	  "io.kubernetes.cri.container-name", "io.kubernetes.cri.container-type" },
	{ "crio", "%s/run/containers/storage/overlay-containers/%s/userdata/config.json",
	  "io.kubernetes.pod.namespace", "io.kubernetes.pod.name", "io.kubernetes.container.name",
	  NULL },
	{ "docker", "%s/var/lib/docker/containers/%s/config.v2.json", "io.kubernetes.pod.namespace",
	  "io.kubernetes.pod.name", "io.kubernetes.container.name", NULL },
};

int k8s__resolve(struct k8s_ident *id, const char *host_root)
{
	const char *root = host_root && strcmp(host_root, "/") ? host_root : "";
	char path[4096], type[32];
	size_t k;

	if (!id->container_id[0])
		return -ENOENT;
	for (k = 0; k < ARRAY_SIZE(states); k++) {
		const struct runtime_state *s = &states[k];
		char *text;
		int ok;

		if (id->runtime[0] && strcmp(id->runtime, s->runtime))
			continue;
		snprintf(path, sizeof(path), s->fmt, root, id->container_id);
		text = slurp(path, 4u << 20);
		if (!text)
			continue;
		ok = json_string_of(text, s->ns_key, id->namespace_, sizeof(id->namespace_)) &&
		     json_string_of(text, s->pod_key, id->pod, sizeof(id->pod));
		if (ok && !json_string_of(text, s->container_key, id->container,
					  sizeof(id->container))) {
			if (s->type_key && json_string_of(text, s->type_key, type, sizeof(type)) &&
			    !strcmp(type, "sandbox"))
				snprintf(id->container, sizeof(id->container), "POD");
			else
				ok = 0;
		}
		free(text);
		if (ok) {
			snprintf(id->runtime, sizeof(id->runtime), "%s", s->runtime);
			return 0;
		}
		id->namespace_[0] = id->pod[0] = id->container[0] = '\0';
	}
	return -ENOENT;
}

/* ---- the daemon's cache ---- */

struct k8s_entry {
	char *path;
	struct k8s_ident id;
	int is_pod, named;
	double tried_s, used_s;
};

/*
 * Entries are allocated one by one: the idents handed out must stay where
 * they are while the array of pointers grows or is compacted.
 */
struct k8s_cache {
	char *host_root;
	struct k8s_entry **v;
	size_t n, cap;
};

/* A missing name is looked for again after this long. */
#define K8S_RETRY_S 30.0

struct k8s_cache *k8s_cache__new(const char *host_root)
{
	struct k8s_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->host_root = strdup(host_root ? host_root : "/");
	if (!c->host_root) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * A linear search: the daemon keeps at most --max-cgroup-series cgroups
 * (256 by default), so a few hundred string compares an interval.
 */
const struct k8s_ident *k8s_cache__get(struct k8s_cache *c, const char *path, double now_s)
{
	struct k8s_entry *e = NULL;
	size_t i;

	if (!c || !path)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i]->path, path)) {
			e = c->v[i];
			break;
		}
	if (!e) {
		if (ARRAY_GROW(c->v, c->n, c->cap, 32))
			return NULL;
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->path = strdup(path);
		if (!e->path) {
			free(e);
			return NULL;
		}
		e->is_pod = k8s__parse_cgroup(path, &e->id);
		e->tried_s = now_s - K8S_RETRY_S;
		c->v[c->n++] = e;
	}
	e->used_s = now_s;
	if (!e->is_pod)
		return NULL;
	if (!e->named && now_s - e->tried_s >= K8S_RETRY_S) {
		e->tried_s = now_s;
		e->named = !k8s__resolve(&e->id, c->host_root);
	}
	return &e->id;
}

static void entry_free(struct k8s_entry *e)
{
	free(e->path);
	free(e);
}

void k8s_cache__expire(struct k8s_cache *c, double older_than_s)
{
	size_t i, o = 0;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		if (c->v[i]->used_s < older_than_s)
			entry_free(c->v[i]);
		else
			c->v[o++] = c->v[i];
	}
	c->n = o;
}

void k8s_cache__free(struct k8s_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		entry_free(c->v[i]);
	free(c->v);
	free(c->host_root);
	free(c);
}
