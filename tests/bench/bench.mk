# make bench: figures, never a pass/fail. Included by the top Makefile.
# C micro-benchmarks are tests/bench_*.c (built like the unit tests); the
# end-to-end figures run the real daemon on the simulated modem.

.PHONY: bench

bench: check-deps $(BINS) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done
	@echo "== end to end, simulated modem"
	@BUILD=$(BUILD) python3 tests/sim/bench_e2e.py
