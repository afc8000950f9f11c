#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Line coverage of the parsers by the fuzz corpora: rebuilds the library and
# the targets with clang's source-based coverage (no sanitizers) in
# .output/fuzz/cov/, runs each target once over its checked-in corpus and
# what `make fuzz` found (.output/fuzz/work/), and prints llvm-cov's table
# for the files that parse outside input. Needs `make fuzz-build` first (for
# the BPF skeletons) and llvm-14.
set -eu
cd "$(dirname "$0")/../.."
out=.output/fuzz/cov
mkdir -p "$out/obj" "$out/prof"
rm -f "$out"/prof/*.profraw
flags=(-g -O1 -fprofile-instr-generate -fcoverage-mapping -std=gnu11 -D_GNU_SOURCE
       -I.output -Ibpf -Iuserspace)
for src in userspace/*.c userspace/*/*.c; do
	[ "$src" = userspace/main.c ] && continue
	o=${src#userspace/}
	clang "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$out/obj/${o//\//_}.o"
done
rm -f "$out/lib.a" && ar rcs "$out/lib.a" "$out"/obj/*.o
libbpf=$(pkg-config --variable=libdir libbpf 2>/dev/null)/libbpf.a
[ -e "$libbpf" ] || libbpf=/usr/lib/x86_64-linux-gnu/libbpf.a
objs=()
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	clang "${flags[@]}" -fsanitize=fuzzer "$src" "$out/lib.a" "$libbpf" -lelf -lz -lmicrohttpd \
		-l:libck.a -lpthread -lm -o "$out/$t"
	dirs=(tests/fuzz/corpus/$t)
	[ -d .output/fuzz/work/$t ] && dirs+=(.output/fuzz/work/$t)
	LLVM_PROFILE_FILE="$out/prof/$t-%p.profraw" "$out/$t" -runs=0 -close_fd_mask=3 \
		-timeout=60 "${dirs[@]}" >/dev/null 2>&1
	# llvm-cov takes the first binary bare and the others after -object.
	if [ ${#objs[@]} -eq 0 ]; then objs+=("$out/$t"); else objs+=(-object "$out/$t"); fi
done
llvm-profdata-14 merge -sparse "$out"/prof/*.profraw -o "$out/all.profdata"
llvm-cov-14 report "${objs[@]}" -instr-profile="$out/all.profdata" \
	userspace/trace/trace_reader.c userspace/report/load.c userspace/trace/wait_batch.c \
	userspace/host/topology.c userspace/daemon/config.c userspace/daemon/daemon.c \
	userspace/record.c userspace/top.c userspace/report_cmd.c userspace/daemon/http.c \
	userspace/report/report_text.c userspace/report/report_json.c \
	userspace/report/report_html.c userspace/report/report_chrome.c \
	userspace/report/report_charts.c
