# make bench: figures, never a pass/fail. Included by the top Makefile.
#
# 1. C micro-benchmarks, tests/bench_*.c (built like the unit tests); their
#    output is kept in $(BUILD)/bench-micro.txt for the table.
# Every part runs even when an earlier one failed, so that a failure keeps
# what the others measured; the target fails at the end, naming the part.
# 2. tests/bench/bench.py: shukherd and gammu-smsd side by side on the same
#    simulated modem (and gammu's dummy driver), in one run; prints one
#    table and writes $(BUILD)/bench.json. About 12 minutes, unattended.
# 3. tests/bench/bench_modems.py: three simulated modems under one shukherd
#    against one (burst speed-up, latency beside a hung modem, memory and
#    idle wake-ups); writes $(BUILD)/bench-modems.json.
# 4. tests/bench/bench_web.py: the web console beside the daemon (sign-in,
#    unlock, pages locked and unlocked, memory); adds "web" to bench.json.
# 5. tests/bench/bench_central.py: the uplink to a real PostgreSQL 15 (lag,
#    catch-up, bytes over the wire, memory); adds "central" to bench.json.
#
# gammu-smsd is Debian's package with its SQL service on SQLite, which goes
# through libdbi: libdbd-sqlite3 is not among gammu-smsd's dependencies.
# The package enables its own service on /dev/ttyUSB0; the bench runs
# gammu-smsd by hand, so that service is switched off again.

.PHONY: bench bench-deps bench-web bench-central bench-modems

BENCH_DEB_PKGS := gammu-smsd libdbd-sqlite3 binutils

bench: check-deps bench-deps $(BINS) $(BENCH_BIN)
	@: > $(BUILD)/bench-micro.txt; failed=""; \
	for b in $(BENCH_BIN); do echo "== $$b"; \
	  $$b > $(BUILD)/bench-one.txt 2>&1 || failed="$$failed $$b"; \
	  cat $(BUILD)/bench-one.txt | tee -a $(BUILD)/bench-micro.txt; done; \
	echo "== shukherd and gammu-smsd side by side (about 12 minutes)"; \
	BUILD=$(BUILD) $(PYTHON) tests/bench/bench.py || failed="$$failed bench.py"; \
	echo "== three modems against one (about three minutes)"; \
	BUILD=$(BUILD) $(PYTHON) tests/bench/bench_modems.py || \
	  failed="$$failed bench_modems.py"; \
	echo "== the web console beside the daemon (about a minute)"; \
	BUILD=$(BUILD) $(PYTHON) tests/bench/bench_web.py || \
	  failed="$$failed bench_web.py"; \
	echo "== the central uplink (about 2 minutes)"; \
	BUILD=$(BUILD) $(PYTHON) tests/bench/bench_central.py || \
	  failed="$$failed bench_central.py"; \
	if [ -n "$$failed" ]; then \
	  echo "bench: FAILED:$$failed (the other parts' figures are kept in" \
	    "$(BUILD)/bench.json and $(BUILD)/bench-micro.txt)"; exit 1; fi

# Three modems against one alone (tests/bench/bench_modems.py).
bench-modems: check-deps $(BINS)
	@BUILD=$(BUILD) $(PYTHON) tests/bench/bench_modems.py

# The console's figures alone (tests/bench/bench_web.py).
bench-web: check-deps $(BINS)
	@BUILD=$(BUILD) $(PYTHON) tests/bench/bench_web.py

# The central uplink's figures alone (tests/bench/bench_central.py).
bench-central: check-deps $(BINS)
	@BUILD=$(BUILD) $(PYTHON) tests/bench/bench_central.py

# Installs what is missing; waits for another apt run to let go of the lock.
bench-deps:
	@missing=""; for p in $(BENCH_DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "bench: installing$$missing"; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt="$$sudo apt-get -o DPkg::Lock::Timeout=600 -y -qq"; \
	$$apt install --no-install-recommends $$missing || \
	  { $$apt update && $$apt install --no-install-recommends $$missing; } \
	  || exit 1; \
	if [ -d /run/systemd/system ]; then \
	  $$sudo systemctl disable --now gammu-smsd.service || :; fi
