# Tunables for the build. Override on the command line (make PREFIX=/usr) or
# in the environment. CROSS=aarch64-linux-gnu- selects a cross toolchain;
# PKG_CONFIG then defaults to that triplet's pkg-config wrapper.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=

CROSS      ?=
CC         := $(CROSS)gcc
AR         := $(CROSS)ar
PKG_CONFIG ?= $(if $(CROSS),$(CROSS)pkg-config,pkg-config)

BUILD      ?= build
# The version a gateway reports to the central fleet.
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Libraries, all found through pkg-config. libunistring ships no .pc file
# in Debian 12; it is linked by name when a module needs it.
PKGS       := gammu libconfig sqlite3 libsystemd libsodium
TEST_PKGS  := cmocka

OPTFLAGS   ?= -O2 -g
WARNFLAGS  := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wformat=2 \
              -Wno-unused-parameter
# CI and `make WERROR=1` turn warnings into errors.
WERROR     ?=
ifneq ($(WERROR),)
WARNFLAGS  += -Werror
endif
SANFLAGS   ?=
# Each function and table in a section of its own, and the linker drops
# the sections a program never reaches: the library serves three programs,
# each uses part of it (shukherd stripped: 204 -> 188 KiB).
SECTFLAGS  ?= -ffunction-sections -fdata-sections
LDGCFLAGS  ?= -Wl,--gc-sections

# The Python that runs the tests, the demo and the bench: Debian's, so that
# Debian's python3-* packages (Selenium for the browser test) are found
# whatever python3 comes first in PATH.
PYTHON     ?= /usr/bin/python3
