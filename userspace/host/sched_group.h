/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The weight of the consumer's scheduling group. A nice value only ranks
 * tasks inside their group: with autogroups (CONFIG_SCHED_AUTOGROUP, one
 * group per session, which is every service's and every login's when no
 * cgroup has the cpu controller) a flood in another session gets its
 * group's whole share while a nice -10 consumer waits its own group's
 * turn. Measured under a 30 s switch flood: the recorder lost most of
 * the flood's waits with its session's group at nice 0 and none at -10
 * (docs/performance.md, "Longer floods"). So `record` and the daemon also
 * set their session's autogroup nice (/proc/self/autogroup) to --nice
 * when that raises it, and put back what they found when they stop.
 *
 * Under a cgroup with the cpu controller, autogroups are not used; the
 * cgroup's weight (CPUWeight= in dist/schedrift.service) is what counts.
 */
#ifndef SCHEDRIFT_SCHED_GROUP_H
#define SCHEDRIFT_SCHED_GROUP_H

struct sched_group {
	int found;   /* the nice value the session's autogroup had */
	int set;     /* what we wrote; 0 in `raised` means nothing was written */
	int raised;  /* 1 when we wrote `set`, so stop() puts `found` back */
};

/*
 * Raise the calling session's autogroup to `nice` when it is weaker
 * (never lower it). Returns 0 (also when nothing needed doing), or
 * -errno: -ENOENT on a kernel without autogroups, -EPERM without
 * CAP_SYS_NICE, -EAGAIN when the kernel's rate limit (10 writes a second
 * without CAP_SYS_ADMIN) held for the retries too.
 */
int sched_group__raise(struct sched_group *g, int nice);
/* Put back the nice value found, if it is still ours. */
void sched_group__restore(struct sched_group *g);
/* 1 when autogroups decide this process's share: enabled, and in no cpu cgroup. */
int sched_group__autogroup_in_effect(void);

#endif /* SCHEDRIFT_SCHED_GROUP_H */
