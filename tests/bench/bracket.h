/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by tests/bench/bracket.bpf.c and tests/bench/bracket.c. */
#ifndef SCHEDRIFT_BRACKET_H
#define SCHEDRIFT_BRACKET_H

enum bk_hook { BK_SWITCH, BK_WAKING, BK_WAKEUP, BK_WAKEUP_NEW, BK_EXEC, BK_HOOK_NR };
/*
 * sched_switch calls: plain; the tool's batch shipped; the task's first
 * switch-in seen; prev's last switch (TASK_DEAD: the tool sends its exit).
 */
enum bk_kind { BK_PLAIN, BK_FLUSH, BK_FIRST, BK_DEAD, BK_KIND_NR };

/* 16 ns buckets up to 16.384 us, then one per power of two up to 2^30 ns. */
#define BK_LINEAR_NS 16
#define BK_LINEAR 1024
#define BK_LINEAR_LOG2_END 14 /* log2(BK_LINEAR * BK_LINEAR_NS) */
#define BK_BUCKETS (BK_LINEAR + 30 - BK_LINEAR_LOG2_END + 1)
#define BK_BUCKETS_POW2 2048

struct bk_hist {
	__u64 b[BK_BUCKETS_POW2];
};

#endif /* SCHEDRIFT_BRACKET_H */
