# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Shell completion, the Debian package and the OCI image (docs/install.md).
# Included from the Makefile; every output lives in $(OUTPUT).

.PHONY: completion

# What `make deps` adds for these: Debian's packaging tools and lintian;
# mmdebstrap for tests/cli/test_deb's throwaway root; umoci to build the
# image, skopeo, podman and runc for tests/cli/test_image to run it (crun,
# podman's default, refuses a hybrid cgroup layout like this VM's).
DEPS += debhelper dpkg-dev lintian mmdebstrap umoci skopeo podman runc

# bash completion, written by the binary from its own option tables.
COMPLETION := $(OUTPUT)/completion/schedrift

completion: $(COMPLETION)

$(COMPLETION): schedrift
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)./schedrift __complete bash > $@

# ---- Debian package: make deb -> $(OUTPUT)/schedrift_<version>_<arch>.deb ----
# dist/debian/ is the debian/ folder; the build copies the sources it needs
# and it into $(DEB_SRC), writes debian/changelog from dist/VERSION, and runs
# dpkg-buildpackage there, so the repository has no debian/ at its root and
# the package is always built from a clean tree. lintian must find no error.
.PHONY: deb
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB := $(OUTPUT)/schedrift_$(VERSION)_$(DEB_ARCH).deb
DEB_SRC := $(OUTPUT)/deb/schedrift-$(VERSION)
DEB_INPUTS := Makefile bpf userspace vmlinux dist docs/man
# The changelog's date: the commit's, so that a rebuild of one commit is the
# same package (dpkg-buildpackage takes SOURCE_DATE_EPOCH from it).
DEB_DATE = $(shell git log -1 --format=%aD 2>/dev/null || date -R)
MAINTAINER = $(shell sed -n 's/^Maintainer: //p' dist/debian/control)

deb: $(DEB)

# version.h changes with the commit, which the package's changelog names.
$(DEB): $(shell find $(DEB_INPUTS) -type f 2>/dev/null) $(OUTPUT)/version.h
	$(call msg,DEB,$@)
	$(Q)rm -rf $(OUTPUT)/deb && mkdir -p $(DEB_SRC)
	$(Q)cp -a --parents $(DEB_INPUTS) $(DEB_SRC)/
	$(Q)cp -a dist/debian $(DEB_SRC)/debian
	$(Q)printf 'schedrift (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
		'$(VERSION)' '$(if $(GIT_REV),git $(GIT_REV),a source tree without git)' \
		'$(MAINTAINER)' '$(DEB_DATE)' > $(DEB_SRC)/debian/changelog
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	$(Q)cp $(OUTPUT)/deb/schedrift_$(VERSION)_$(DEB_ARCH).deb $@
	$(call msg,LINTIAN,$@)
	$(Q)lintian --fail-on error --tag-display-limit 0 $@ | tee $(OUTPUT)/deb/lintian.txt || \
		{ rm -f $@; exit 1; }

# ---- OCI image: make image -> $(OUTPUT)/image/oci:$(VERSION) ----
# From scratch: the binary and the shared objects it loads, nothing else
# (dist/packaging/build-image.sh says why not the static binary). Built offline with
# umoci; dist/kubernetes/daemonset.yaml names the same tag.
.PHONY: image
IMAGE_DIR := $(OUTPUT)/image
IMAGE := $(IMAGE_DIR)/schedrift-$(VERSION).oci.tar
IMAGE_EPOCH = $(shell git log -1 --format=%ct 2>/dev/null || date +%s)

image: $(IMAGE)

$(IMAGE): schedrift dist/packaging/build-image.sh dist/VERSION
	$(call msg,IMAGE,$(IMAGE_DIR)/oci:$(VERSION))
	$(Q)dist/packaging/build-image.sh ./schedrift '$(VERSION)' '$(GIT_REV)' '$(IMAGE_EPOCH)' $(IMAGE_DIR)
