#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make image: an OCI image of schedrift with no base image. It holds the
# binary and exactly the shared objects the dynamic loader maps for it
# (ldd), copied from this host's Debian packages, and nothing else: no
# shell, no package manager. Built offline with umoci.
#
# Why not the static binary (make static): libmicrohttpd's TLS stack
# (GnuTLS needs p11-kit, which Debian ships only as a shared library)
# does not link statically, so .output/schedrift-static has no --listen,
# and the DaemonSet's probes and Prometheus scrape need it.
#
#   dist/packaging/build-image.sh BINARY VERSION GIT_REV EPOCH OUT_DIR
# OUT_DIR/oci is the OCI layout (tag VERSION); OUT_DIR/schedrift-VERSION.oci.tar
# the same as one archive (podman load, skopeo copy oci-archive:...).
set -eu
bin=$1 version=$2 rev=$3 epoch=$4 out=$5
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

rm -rf "$out" && mkdir -p "$out"
umoci init --layout "$out/oci"
umoci new --image "$out/oci:$version"
umoci config --image "$out/oci:$version" --no-history \
	--created "$created" --architecture amd64 --os linux \
	--clear config.env --config.env PATH=/usr/sbin \
	--config.user 0:0 \
	--config.entrypoint /usr/sbin/schedrift \
	--config.cmd daemon \
	--config.label org.opencontainers.image.title=schedrift \
	--config.label "org.opencontainers.image.description=eBPF observer of task migrations and run-queue latency" \
	--config.label org.opencontainers.image.version="$version" \
	--config.label org.opencontainers.image.revision="$rev" \
	--config.label org.opencontainers.image.created="$created" \
	--config.label "org.opencontainers.image.licenses=LGPL-2.1 OR BSD-2-Clause"
# The one layer: what is put into the (empty) unpacked root, repacked.
# (umoci insert would do it in one step, but its layer ends without the
# tar trailer, which strict readers refuse.)
umoci unpack --image "$out/oci:$version" "$out/bundle" >/dev/null
rootfs=$out/bundle/rootfs
mkdir -p "$rootfs/usr/sbin"
# Read-only to all but root: files 0555/0444, directories 0555, owner 0:0.
install -m 0555 "$bin" "$rootfs/usr/sbin/schedrift"
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
while read -r lib; do
	mkdir -p "$rootfs$(dirname "$lib")"
	mode=0444
	case $lib in */ld-linux*) mode=0555 ;; esac
	install -m $mode "$(readlink -f "$lib")" "$rootfs$lib"
done
[ -e "$rootfs/lib64" ] || { echo "build-image.sh: ldd named no dynamic loader" >&2; exit 1; }
# No mount points: the runtime makes them. One made here would lend its
# 0555 mode to a tmpfs copied up over it (podman), where uid 0 without
# CAP_DAC_OVERRIDE could not write its lock file.
find "$rootfs" -type d -exec chmod 0555 {} +
chown -R 0:0 "$rootfs"
find "$rootfs" -exec touch -h -d "@$epoch" {} +
umoci repack --image "$out/oci:$version" --history.created "$created" \
	--history.created_by "dist/packaging/build-image.sh (make image)" "$out/bundle"
umoci gc --layout "$out/oci"
tar -C "$out/oci" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
	-cf "$out/schedrift-$version.oci.tar" .
rm -rf "$out/bundle"
