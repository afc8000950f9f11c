// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tasktable.c under ThreadSanitizer. The Makefile builds this file
 * together with userspace/tasktable.c, both with -fsanitize=thread, so a
 * data race or a use after free in the table or the test fails the run.
 *
 * liburcu is not instrumented, so TSan cannot see its ordering (read-side
 * counters, sys_membarrier, the call_rcu queue). For our own accesses,
 * tasktable.c states what RCU guarantees with two annotations (see the top
 * of that file) rather than hiding reports. What is left is liburcu's own
 * memory: urcu_memb_barrier() callocs a completion that the call_rcu
 * thread frees after handing it over through liburcu's lock-free queue, and
 * lfht resizes free bucket tables the same way. TSan sees only the
 * malloc/free interceptors of those calls and reports a race between them.
 * called_from_lib ignores the interceptors called directly from those
 * libraries and nothing else: our frees (batch_free(), which liburcu's
 * thread calls) are still checked.
 */
#include "test_tasktable.c"

const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu-memb.so\n"
	       "called_from_lib:liburcu-cds.so\n";
}

/* Stop at the first report; TSan's own exit code (66) fails the test. */
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:second_deadlock_stack=1";
}
