#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Builds the QEMU guest's initramfs: a gzip'd newc cpio holding busybox-static
# with its applet links, an /init script and the static binaries to run.
#
#   tests/vm/build-initramfs.sh [-i INIT] OUT.cpio.gz [FILE[=/GUEST/PATH]]...
#
#   -i INIT   the /init script (default tests/vm/guest-init.sh)
#   FILE      a static binary, copied to /GUEST/PATH (default /basename)
#
# e.g. tests/vm/build-initramfs.sh .output/vm/initramfs.cpio.gz \
#          .output/schedrift-static=/schedrift .output/tests/mover-static=/mover
#
# Nothing here needs root: cpio records every file as owned by 0:0, and there
# is no /dev/console node because the init script mounts devtmpfs and opens
# the console itself.
set -euo pipefail

usage() {
	echo "usage: $0 [-i INIT] OUT.cpio.gz [FILE[=/GUEST/PATH]]..." >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
init=$here/guest-init.sh
while getopts "i:" opt; do
	case $opt in
	i) init=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
out=$1
shift

die() {
	echo "build-initramfs: $*" >&2
	exit 1
}

# The guest has no libc: anything dynamic would fail there with a bare
# "not found" from the shell, so refuse it here with a clear message.
is_static() {
	# ldd says "not a dynamic executable" (and exits 1) for static binaries.
	! ldd "$1" >/dev/null 2>&1
}

for tool in cpio gzip; do
	command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install $tool)"
done

busybox=""
for b in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
	if [ -n "$b" ] && [ -x "$b" ] && is_static "$b"; then
		busybox=$b
		break
	fi
done
[ -n "$busybox" ] || die "no static busybox found (apt-get install busybox-static)"
[ -r "$init" ] || die "init script '$init' not found"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root}
cp "$busybox" "$stage/bin/busybox"
# One link per applet where busybox says it belongs (bin/sh, sbin/poweroff,
# usr/bin/timeout, ...), so scripts in the guest use plain command names.
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$stage/$(dirname "$applet")"
	ln -sf /bin/busybox "$stage/$applet"
done
[ -e "$stage/bin/sh" ] || die "busybox has no sh applet"

install -m 0755 "$init" "$stage/init"

for arg in "$@"; do
	src=${arg%%=*}
	if [ "$src" = "$arg" ]; then
		dst=/$(basename "$src")
	else
		dst=${arg#*=}
	fi
	case $dst in
	/*) ;;
	*) die "guest path '$dst' must be absolute" ;;
	esac
	[ -f "$src" ] || die "'$src' not found"
	is_static "$src" || die "'$src' is dynamically linked; the guest has no libc (build it with -static)"
	mkdir -p "$stage$(dirname "$dst")"
	install -m 0755 "$src" "$stage$dst"
done

mkdir -p "$(dirname "$out")"
# Sorted names and fixed owners: the same inputs give the same archive
# contents, whoever builds it.
( cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 ) | gzip -n -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "build-initramfs: wrote $out ($(du -k "$out" | cut -f1) KiB)" >&2
