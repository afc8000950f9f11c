/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A set of thread ids with a flag each: open addressing, grows by doubling. */
#ifndef SCHEDRIFT_TIDSET_H
#define SCHEDRIFT_TIDSET_H

#include <stddef.h>
#include <linux/types.h>

struct tidset {
	__u32 *keys; /* 0 = empty slot (tid 0 is the idle task, never stored) */
	__u8 *flags;
	size_t cap, n;
};

/* Adds tid (if new) and ORs flag into its flags. Returns 0 or -ENOMEM. */
int tidset__add(struct tidset *s, __u32 tid, __u8 flag);
/* The flags of tid, 0 when it is not in the set. */
__u8 tidset__get(const struct tidset *s, __u32 tid);
/* Calls cb for every tid, in slot order (callers sort if order matters). */
int tidset__each(const struct tidset *s, int (*cb)(void *ctx, __u32 tid, __u8 flags), void *ctx);
void tidset__free(struct tidset *s);

#endif /* SCHEDRIFT_TIDSET_H */
