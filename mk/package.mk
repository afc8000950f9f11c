# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Shell completion, the Debian package and the OCI image (docs/install.md).
# Included from the Makefile; every output lives in $(OUTPUT).

.PHONY: completion

# bash completion, written by the binary from its own option tables.
COMPLETION := $(OUTPUT)/completion/schedrift

completion: $(COMPLETION)

$(COMPLETION): schedrift
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)./schedrift __complete bash > $@
