#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Puts a Debian kernel image for the QEMU guest into .output/vm/kernel/ and
# prints the path of its vmlinuz on stdout (everything else goes to stderr).
#
#   tests/vm/fetch-kernel.sh
#
# The kernel is the one Debian's linux-image-amd64 metapackage currently
# depends on (bookworm: linux-image-6.1.0-N-amd64). Its .deb is fetched with
# `apt-get download` and only its /boot is unpacked: nothing is installed
# system-wide, /boot of the host is never read, and the 400 MB of modules are
# not written, because the guest needs none (the Debian config builds the
# 8250 console, NUMA, BPF and devtmpfs in).
#
# Cached: if .output/vm/kernel/boot/vmlinuz-* exists it is used as it is, so a
# second run needs no network. `rm -rf .output/vm/kernel` fetches afresh.
#
# Environment:
#   SCHEDRIFT_VM_KERNEL_PKG  binary package to fetch instead of the one the
#                            metapackage points at (e.g. linux-image-6.1.0-56-amd64)
set -euo pipefail

cd "$(dirname "$0")/../.."
dest=.output/vm/kernel

find_vmlinuz() {
	# Newest first if several were unpacked by hand.
	ls -1 "$dest"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1
}

cached=$(find_vmlinuz || true)
if [ -n "$cached" ]; then
	echo "$PWD/$cached"
	exit 0
fi

for tool in apt-cache apt-get dpkg-deb tar; do
	if ! command -v "$tool" >/dev/null; then
		echo "fetch-kernel: '$tool' not found: this needs a Debian-family host (apt, dpkg)" >&2
		exit 1
	fi
done

# linux-image-amd64 Depends: linux-image-6.1.0-56-amd64 (plus nothing else on
# bookworm). A bare `Depends: linux-image-...` line is the versioned image.
resolve_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

pkg=${SCHEDRIFT_VM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(resolve_pkg)
	if [ -z "$pkg" ]; then
		# A fresh machine may never have read the package lists.
		echo "fetch-kernel: linux-image-amd64 unknown to apt-cache; running apt-get update" >&2
		apt-get update -qq >&2
		pkg=$(resolve_pkg)
	fi
	if [ -z "$pkg" ]; then
		echo "fetch-kernel: cannot resolve the kernel package linux-image-amd64 depends on" >&2
		exit 1
	fi
fi

mkdir -p .output/vm
# Per-run scratch directory: two test runs at once must not share a .deb
# or a half-unpacked tree.
work=$(mktemp -d .output/vm/fetch.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir "$work/deb" "$work/kernel"
echo "fetch-kernel: downloading $pkg" >&2
# As root, apt hands downloads to the unprivileged _apt user, which cannot
# write into a root-owned .output/ (apt then warns and downloads as root
# anyway); ask for root up front and skip the warning.
( cd "$work/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2 )
deb=$(ls -1 "$work"/deb/*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
	echo "fetch-kernel: apt-get download $pkg produced no .deb" >&2
	exit 1
fi

dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/kernel" --wildcards './boot/*'
if ! ls "$work"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
	echo "fetch-kernel: $deb has no /boot/vmlinuz-*" >&2
	exit 1
fi
# Publish with one rename, so an interrupted run never leaves a half-written
# vmlinuz that the cache check above would trust. If another run got there
# first, its copy is as good as ours.
if [ -z "$(find_vmlinuz || true)" ]; then
	rm -rf "$dest"
	mv -T "$work/kernel" "$dest" 2>/dev/null || true
fi
vmlinuz=$(find_vmlinuz)
echo "fetch-kernel: $pkg unpacked to $dest" >&2
echo "$PWD/$vmlinuz"
