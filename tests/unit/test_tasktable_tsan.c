// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tasktable.c under ThreadSanitizer. The Makefile builds this file
 * together with userspace/live/tasktable.c, both with -fsanitize=thread, so a
 * data race or a use after free in the table or the test fails the run.
 *
 * Concurrency Kit is not instrumented, so TSan cannot see its ordering
 * (ck_pr is inline assembly). For our own accesses, tasktable.c states
 * what ck_ht and ck_epoch guarantee with annotations (see the top of that
 * file) rather than hiding reports. One thing is left: ck_ht compares keys
 * with memcmp() inside libck, and TSan's memcmp interceptor checks those
 * reads of a version against the writer's copy into it before the lookup
 * has returned to where tasktable.c can tell TSan the version was
 * published. called_from_lib ignores the interceptors called directly from
 * libck (its memcmp, malloc and free) and nothing else: every access our
 * code makes, and every free it does, is still checked. It needs libck as
 * a shared library, so this test links -lck dynamically.
 */
#include "test_tasktable.c"

const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:libck.so\n";
}

/* Stop at the first report; TSan's own exit code (66) fails the test. */
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:second_deadlock_stack=1";
}
