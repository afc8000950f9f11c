// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Each probe asks the kernel directly (a tiny program or map create) rather
 * than trusting the version string, because distributions backport features
 * and hardened configs refuse some of them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "host/probe.h"

bool probe__kernel_btf(void)
{
	return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

bool probe__tp_btf(void)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int fd, id;

	id = libbpf_find_vmlinux_btf_id("sched_migrate_task", BPF_TRACE_RAW_TP);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, sizeof(insns) / sizeof(insns[0]), &opts);
	/* EPERM says nothing about tp_btf: it is missing privilege, which the
	 * real load reports in one line. Falling back would add a wrong note. */
	if (fd < 0)
		return fd == -EPERM;
	close(fd);
	return true;
}

bool probe__task_storage(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
}

int probe__requirements(char *msg, size_t len)
{
	if (geteuid() != 0 && access("/sys/kernel/btf/vmlinux", R_OK) != 0 && errno == EACCES) {
		snprintf(msg, len, "cannot read kernel BTF: run as root or with CAP_BPF and CAP_PERFMON");
		return -1;
	}
	if (!probe__kernel_btf()) {
		snprintf(msg, len,
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
			 "schedrift needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	return 0;
}
