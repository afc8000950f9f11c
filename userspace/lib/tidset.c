// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/tidset.h"

static size_t slot_of(__u32 tid, size_t cap)
{
	__u64 h = (__u64)tid * 0x9e3779b97f4a7c15ull;

	return (h ^ h >> 32) & (cap - 1);
}

static int grow(struct tidset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i, k;
	__u32 *keys = calloc(cap, sizeof(*keys));
	__u8 *flags = calloc(cap, sizeof(*flags));

	if (!keys || !flags) {
		free(keys);
		free(flags);
		return -ENOMEM;
	}
	for (i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		for (k = slot_of(s->keys[i], cap); keys[k]; k = (k + 1) & (cap - 1))
			;
		keys[k] = s->keys[i];
		flags[k] = s->flags[i];
	}
	free(s->keys);
	free(s->flags);
	s->keys = keys;
	s->flags = flags;
	s->cap = cap;
	return 0;
}

int tidset__add(struct tidset *s, __u32 tid, __u8 flag)
{
	size_t k;

	if (!tid)
		return 0;
	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	for (k = slot_of(tid, s->cap); s->keys[k] && s->keys[k] != tid; k = (k + 1) & (s->cap - 1))
		;
	if (!s->keys[k]) {
		s->keys[k] = tid;
		s->n++;
	}
	s->flags[k] |= flag;
	return 0;
}

__u8 tidset__get(const struct tidset *s, __u32 tid)
{
	size_t k;

	if (!tid || !s->cap)
		return 0;
	for (k = slot_of(tid, s->cap); s->keys[k]; k = (k + 1) & (s->cap - 1))
		if (s->keys[k] == tid)
			return s->flags[k];
	return 0;
}

int tidset__each(const struct tidset *s, int (*cb)(void *ctx, __u32 tid, __u8 flags), void *ctx)
{
	size_t i;
	int err;

	for (i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		err = cb(ctx, s->keys[i], s->flags[i]);
		if (err)
			return err;
	}
	return 0;
}

void tidset__free(struct tidset *s)
{
	free(s->keys);
	free(s->flags);
	memset(s, 0, sizeof(*s));
}
