#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Regenerate vmlinux/x86/vmlinux.h from a BTF kernel (default: the running one).
#   vmlinux/gen-vmlinux.sh [BTF_FILE]
# CO-RE relocates every field access at load time, so the header only needs
# to come from some kernel that has all the types we use; note which below.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
dir=$(dirname "$0")/x86
bpftool btf dump file "$btf" format c > "$dir/vmlinux.h.tmp"
mv "$dir/vmlinux.h.tmp" "$dir/vmlinux.h"
printf 'Generated %s from %s on kernel %s\n' "$(date -u +%Y-%m-%d)" "$btf" "$(uname -r)" > "$dir/SOURCE"
