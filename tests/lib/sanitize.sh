#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs one cli or bpf test against the ASan+UBSan build (.output/san/schedrift,
# `make sanitize`) and fails if any sanitizer report was written, whatever the
# test's own exit code: the sanitized process is often a child (a daemon, a
# recorder) whose exit status a test does not look at, so every report goes
# to a file of its own (log_path) as well as ending the process.
#   tests/lib/sanitize.sh TEST     run TEST sanitized (exit 0, 77 or 1)
#   tests/lib/sanitize.sh --list   the tests the sanitize suite runs
# SCHEDRIFT_SANITIZE_ALL=1 lists every bpf test, not the short subset.
# docs/reliability/sanitizers.md says which tests and why.
set -u
cd "$(dirname "$0")/../.."

# The cli tests that run the binary, but: test_promtool (it runs only a
# unit test); the fuzz, manifest, dashboard, layering and fresh-build
# checks (no schedrift process); test_corrupt_trace (the fuzz targets already run that reader
# sanitized); and test_install (it checks what `make install` lays down:
# the normal binary, rebuilt when the tree changed, so its version would not
# match a sanitized binary built before the change), test_deb and test_image
# (what they check is the package's and the image's normal binary). And the
# bpf tests that cover record (stopped by signals; forced cross-node moves),
# report text and json on real captures, the daemon's files, its HTTP server,
# its config, reloads, lock, sd_notify and capability drop, top, the SLO
# flight recorder and its capture, pod names from cgroups and runtime
# state, and every output of one workload at once (--no-samples, --comm,
# /tasks with cgroup names, capture waits: test_consistency).
QUICK_BPF="test_record_signals test_mover_cross_node test_daemon_once test_daemon_http
	   test_daemon_lifecycle test_top test_slo_capture test_kubernetes_pods test_consistency"

if [ "${1:-}" = --list ]; then
	for t in tests/cli/test_*; do
		case ${t##*/} in
		test_promtool|test_install|test_fuzz_short|test_kubernetes_manifest|test_prom_rules_dashboard|\
		test_corrupt_trace|test_layering|test_build_fresh|test_deb|test_image)
			continue ;;
		esac
		[ -x "$t" ] && echo "$t"
	done
	if [ "${SCHEDRIFT_SANITIZE_ALL:-}" = 1 ]; then
		for t in tests/bpf/test_*; do [ -x "$t" ] && echo "$t"; done
	else
		for t in $QUICK_BPF; do echo "tests/bpf/$t"; done
	fi
	exit 0
fi

test=${1:?usage: tests/lib/sanitize.sh TEST | --list}
bin=$PWD/.output/san/schedrift
if [ ! -x "$bin" ]; then
	reason="$bin is not built (make sanitize)"
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $reason"
		exit 1
	fi
	echo "skip: $reason"
	exit 77
fi

logs=$(mktemp -d /tmp/schedrift-san-XXXXXX)
# Sanitized processes run as other users too (test_unprivileged) and as root
# without CAP_DAC_OVERRIDE (the daemon drops every capability after attach).
chmod 1777 "$logs"
trap 'rm -rf "$logs"' EXIT

# Every report ends the process and goes to $logs/report.PID (ASan, UBSan and
# LeakSanitizer alike: clang's runtime shares one log); leaks are checked at exit.
common="log_path=$logs/report:print_stacktrace=1:halt_on_error=1"
export SCHEDRIFT_BIN=$bin
export ASAN_OPTIONS=$common:detect_leaks=1:abort_on_error=0:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=$common
export LSAN_OPTIONS=suppressions=$PWD/tests/lib/lsan.supp:print_suppressions=0

"$test"
rc=$?

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	echo "FAIL: sanitizer reports (the test exited $rc):"
	for f in $reports; do
		echo "== ${f##*/}"
		head -n 60 "$f"
	done
	exit 1
fi
exit $rc
