#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs every test and ends with "N passed, N failed, N skipped".
#   tests/run.sh [unit|cli|bpf|sanitize|vm]...   (default: all five suites)
# A test is a program that exits 0 (pass), 77 (skip, after printing why) or
# anything else (fail). Unit tests are the binaries .output/tests/test_*;
# cli/, bpf/ and vm/ tests are the executables tests/{cli,bpf,vm}/test_*;
# sanitize runs cli and bpf tests again against .output/san/schedrift
# (tests/lib/sanitize.sh --list says which).
set -u
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit cli bpf sanitize vm)

passed=0 failed=0 skipped=0 failures=()
run_one() {
	local name=$1; shift
	local log rc start
	log=$(mktemp)
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	local secs=$(( $(date +%s) - start ))
	case $rc in
	0) passed=$((passed + 1)); printf 'PASS %-40s %3ss\n' "$name" "$secs" ;;
	77) skipped=$((skipped + 1)); printf 'SKIP %-40s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) failed=$((failed + 1)); failures+=("$name")
	   printf 'FAIL %-40s (exit %d)\n' "$name" "$rc"; sed 's/^/    | /' "$log" | tail -n 60 ;;
	esac
	rm -f "$log"
}

for suite in "${suites[@]}"; do
	case $suite in
	unit) for t in .output/tests/test_*; do [ -x "$t" ] && run_one "unit/${t##*/}" "$t"; done ;;
	cli|bpf|vm) for t in tests/$suite/test_*; do [ -x "$t" ] && run_one "$suite/${t##*/}" "$t"; done ;;
	sanitize) for t in $(tests/lib/sanitize.sh --list); do
			run_one "sanitize/${t#tests/}" tests/lib/sanitize.sh "$t"
		  done ;;
	*) echo "tests/run.sh: unknown suite '$suite' (unit, cli, bpf, sanitize, vm)" >&2; exit 2 ;;
	esac
done

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
