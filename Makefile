# shukher: a plain GNU Makefile. Tunables live in config.mk.
#
#   make            build/shukherd, build/shukherctl and build/shukher-web
#   make test       unit and integration tests, then again under ASan+UBSan
#   make run        the daemon against a simulated modem; type SMS at it
#   make run-fleet  a central PostgreSQL, two simulated gateways, the console
#   make bench      speed and memory figures (tests/bench/bench.mk)
#   make deps       install the missing Debian packages
#   make install    PREFIX, DESTDIR honoured

include config.mk

# Debian packages the build and the tests need (make deps installs them).
DEB_PKGS := gcc make pkg-config libgammu-dev libsqlite3-dev libconfig-dev \
            libsystemd-dev libsodium-dev libunistring-dev libcmocka-dev \
            libmicrohttpd-dev libpq-dev python3 socat sqlite3 gammu
# ...and what only the tests need: a certificate for the console's HTTPS
# test, and a real browser (Debian's Chromium) driven through WebDriver by
# Debian's Selenium and ChromeDriver. Nothing comes from outside Debian.
TEST_DEB_PKGS := openssl chromium chromium-driver python3-selenium
# ...and a real PostgreSQL 15, which the central fleet's tests start in a
# temporary directory of their own (tests/integration/pgserver.py).
TEST_DEB_PKGS += postgresql-15

CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude
CFLAGS   += $(WARNFLAGS) $(OPTFLAGS) $(SANFLAGS) $(SECTFLAGS) \
            $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lunistring -pthread
LDFLAGS  += $(SANFLAGS) $(LDGCFLAGS)

MAINS    := src/shukherd.c src/shukherctl.c src/shukher-web.c \
            src/shukher-uplink.c
# The central fleet's client (libpq) goes only into shukher-uplink,
# shukherctl and shukher-web (the central console): shukherd never links libpq, so that the message path depends
# on neither the network nor PostgreSQL.
PQ_SRC   := $(wildcard src/central*.c src/uplink*.c) src/ctl_central.c
PQ_OBJ   := $(PQ_SRC:src/%.c=$(BUILD)/obj/%.o)
PQ_LIB   := $(BUILD)/libshukher_pq.a
# The console's own sources go only into shukher-web, the one binary that
# links libmicrohttpd.
WEB_SRC  := $(wildcard src/web*.c)
WEB_OBJ  := $(WEB_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB_SRC  := $(filter-out $(MAINS) $(WEB_SRC) $(PQ_SRC),$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libshukher.a

TEST_SRC := $(wildcard tests/test_*.c)
TEST_AUX := $(filter-out $(TEST_SRC) tests/bench_%.c,$(wildcard tests/*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_AUX_OBJ := $(TEST_AUX:tests/%.c=$(BUILD)/tests/obj/%.o)
BENCH_SRC := $(wildcard tests/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SRC := $(filter-out $(BENCH_SRC),$(TEST_SRC))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

BINS     := $(BUILD)/shukherd $(BUILD)/shukherctl $(BUILD)/shukher-web \
            $(BUILD)/shukher-uplink
PQ_CFLAGS = $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
PQ_LIBS   = $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null)

.PHONY: all deps check-deps test-deps test test-unit test-integration test-sanitize \
        run run-console run-fleet install uninstall clean

all: check-deps $(BINS)

# Installs the Debian packages of list $(1) that are missing (a quick look
# at dpkg first: nothing runs apt when all are there).
deb-install = @missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then $(if $(2),echo "deps: all installed";) exit 0; fi; \
	echo "deps: installing$$missing"; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get update -qq && \
	$$sudo apt-get install -y -qq --no-install-recommends $$missing

check-deps:
	$(call deb-install,$(DEB_PKGS))

deps:
	$(call deb-install,$(DEB_PKGS) $(TEST_DEB_PKGS),1)

test-deps:
	$(call deb-install,$(TEST_DEB_PKGS))

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h) config.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/shukherd: $(BUILD)/%: $(BUILD)/obj/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PQ_OBJ) $(BUILD)/obj/shukher-uplink.o: CFLAGS += $(PQ_CFLAGS)
# What the uplink tells the central server it runs (the fleet's VERSION).
$(BUILD)/obj/uplink.o: CPPFLAGS += -DSHUKHER_VERSION='"$(VERSION)"'

$(PQ_LIB): $(PQ_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/shukherctl $(BUILD)/shukher-uplink: $(BUILD)/%: $(BUILD)/obj/%.o \
	  $(PQ_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PQ_LIBS)

$(WEB_OBJ) $(BUILD)/obj/shukher-web.o: CFLAGS += \
	  $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)

# The central console (web.source = "central") reads PostgreSQL through
# central.h: the console links the PQ library too.
$(BUILD)/shukher-web: $(BUILD)/obj/shukher-web.o $(WEB_OBJ) $(PQ_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(PQ_LIBS) \
	  $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)

$(BUILD)/tests/obj/%.o: tests/%.c $(wildcard include/*.h tests/*.h) config.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) \
	  $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS)) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/obj/%.o $(TEST_AUX_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) \
	  $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

# The console's unit test links the parts of it that need no server.
$(BUILD)/tests/test_web: $(BUILD)/tests/obj/test_web.o $(TEST_AUX_OBJ) \
	  $(BUILD)/obj/web_html.o $(BUILD)/obj/web_i18n.o \
	  $(BUILD)/obj/web_chart.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) \
	  $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

# The console's data interface over the gateway's database.
$(BUILD)/tests/test_web_data: $(BUILD)/tests/obj/test_web_data.o \
	  $(TEST_AUX_OBJ) $(BUILD)/obj/web_data_local.o \
	  $(BUILD)/obj/web_chart.o $(BUILD)/obj/web_i18n.o \
	  $(BUILD)/obj/web_html.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) \
	  $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

# The tests run twice: as built, then under AddressSanitizer and
# UndefinedBehaviorSanitizer in a separate build tree.
test: check-deps test-deps
	$(MAKE) --no-print-directory test-unit test-integration
	$(MAKE) --no-print-directory test-sanitize

test-unit: $(BINS) $(TEST_BIN)
	@sh tests/run-unit.sh $(TEST_BIN)

test-integration: $(BINS)
	@BUILD=$(BUILD) $(PYTHON) tests/integration/run.py

test-sanitize:
	$(MAKE) --no-print-directory BUILD=build/san OPTFLAGS="-O1 -g" \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test-unit test-integration

run: all
	@$(PYTHON) tests/sim/run_demo.py --build $(BUILD) \
	  $(if $(MODEMS),--modems $(MODEMS))

# The central fleet: a PostgreSQL 15 in build/fleet, two simulated gateways
# with their uplinks, shukherctl fleet against them.
run-fleet: all
	$(call deb-install,openssl postgresql-15)
	@$(PYTHON) tests/sim/run_fleet.py --build $(BUILD)

# The same, with the caseworkers' web console on http://127.0.0.1:8080/.
run-console: all
	@$(PYTHON) tests/sim/run_demo.py --build $(BUILD) --console 8080

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/shukher
	install -m 755 $(BUILD)/shukherd $(DESTDIR)$(SBINDIR)/shukherd
	install -m 755 $(BUILD)/shukherctl $(DESTDIR)$(BINDIR)/shukherctl
	install -m 755 $(BUILD)/shukher-web $(DESTDIR)$(SBINDIR)/shukher-web
	install -m 755 $(BUILD)/shukher-uplink \
	  $(DESTDIR)$(SBINDIR)/shukher-uplink
	install -d $(DESTDIR)$(SYSTEMDDIR)
	install -m 644 board/systemd/shukher-uplink.service \
	  $(DESTDIR)$(SYSTEMDDIR)/shukher-uplink.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/shukher/shukher.conf ] || \
	  install -m 640 board/shukher.conf \
	    $(DESTDIR)$(SYSCONFDIR)/shukher/shukher.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/shukherd $(DESTDIR)$(BINDIR)/shukherctl \
	  $(DESTDIR)$(SBINDIR)/shukher-web $(DESTDIR)$(SBINDIR)/shukher-uplink \
	  $(DESTDIR)$(SYSTEMDDIR)/shukher-uplink.service

clean:
	rm -rf $(BUILD) build/san
# Targets that grow with their own parts of the tree, each in its own file:
# packaging and images (firmware/), fuzzing (tests/fuzz/), the benchmark
# against gammu-smsd (tests/bench/).
-include firmware/firmware.mk
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk

.SECONDARY:
