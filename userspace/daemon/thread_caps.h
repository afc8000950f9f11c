/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capabilities, the bounding set and no_new_privs belong to a thread, not
 * to the process: capset() and prctl() in one thread leave every other
 * thread as it was. The daemon drops its privileges after attach, when its
 * HTTP threads (and the thread that closes replaced metric files) already
 * run, so they would keep full root unless told to drop too.
 */
#ifndef SCHEDRIFT_THREAD_CAPS_H
#define SCHEDRIFT_THREAD_CAPS_H

/*
 * Brings every other thread of the process to the calling thread's
 * capability sets, bounding set and no_new_privs: each is signalled and
 * makes the same calls itself (as glibc does for setuid). Returns 0 once
 * /proc/self/task shows no thread that differs, -EAGAIN if some still do
 * after a few rounds (a thread that blocks the signal), or -errno.
 */
int thread_caps__spread(void);

#endif /* SCHEDRIFT_THREAD_CAPS_H */
