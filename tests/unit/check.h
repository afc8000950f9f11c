/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal unit-test support: CHECK() records a failure with its location and
 * carries on, so one run shows every broken assertion. A test binary ends
 * with `return check_summary();`: it prints "N passed, N failed" for its own
 * checks and exits non-zero on any failure. Exit 77 means skipped.
 */
#ifndef SCHEDRIFT_CHECK_H
#define SCHEDRIFT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, "" __VA_ARGS__);                                           \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
	CHECK((unsigned long long)(a) == (unsigned long long)(b), "%s = %llu, expected %llu", #a,  \
	      (unsigned long long)(a), (unsigned long long)(b))

#define CHECK_STR(a, b)                                                                            \
	CHECK(strcmp((a), (b)) == 0, "%s = \"%s\", expected \"%s\"", #a, (a), (b))

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif /* SCHEDRIFT_CHECK_H */
