/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A duration in 32 bits, for the parts of a wait that struct
 * sdr_switch_item carries (delivery, pre-migration) without growing the
 * item: below 2^31 ns (2.1 s) the value is the nanoseconds themselves;
 * with the top bit set, the low 31 bits count units of 4096 ns, which
 * reaches 2.4 hours, past the longest wait kept (SDR_WAIT_ABSURD_NS, an
 * hour). A long value decodes to less than 4096 ns below the truth (two
 * millionths of it at most), never above it, so a part stays no longer
 * than its wait, and values keep the order of their durations. Shifts only: the encoder runs in the BPF programs, and only for
 * waits of 2.1 s or more does it take the long branch.
 *
 * Trace files never hold this form: userspace decodes items into u64
 * samples before anything is written (docs/trace-format.md). The report
 * keeps its per-wait holders (struct report_wait_why) in it too.
 */
#ifndef SCHEDRIFT_DUR32_H
#define SCHEDRIFT_DUR32_H

#ifndef __bpf__
/* BPF programs get the __uN types from vmlinux.h. */
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define SDR_DUR32_LONG 0x80000000u /* the low 31 bits are units of 1 << SDR_DUR32_SHIFT ns */
#define SDR_DUR32_SHIFT 12
/* The longest duration a value can say; longer ones say this (saturated). */
#define SDR_DUR32_MAX_NS ((__u64)0x7fffffffu << SDR_DUR32_SHIFT)

static __always_inline __u32 sdr_dur32_encode(__u64 ns)
{
	if (ns < SDR_DUR32_LONG)
		return (__u32)ns;
	if (ns >= SDR_DUR32_MAX_NS)
		return 0xffffffffu;
	return SDR_DUR32_LONG | (__u32)(ns >> SDR_DUR32_SHIFT);
}

static __always_inline __u64 sdr_dur32_decode(__u32 v)
{
	if (!(v & SDR_DUR32_LONG))
		return v;
	return (__u64)(v & ~SDR_DUR32_LONG) << SDR_DUR32_SHIFT;
}

#endif /* SCHEDRIFT_DUR32_H */
