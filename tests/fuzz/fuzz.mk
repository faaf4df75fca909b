# make fuzz: libFuzzer (clang, from Debian) on normalisation and matching,
# for a bounded time. Included by the top Makefile.
#
#   make fuzz                   60 s
#   make fuzz FUZZ_SECONDS=600
#
# clang is not needed by the normal build; this installs it when missing.
# The corpus grows in build/fuzz/corpus (seeded from the message table).

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all

.PHONY: fuzz fuzz-deps

fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "fuzz: installing clang"; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends clang; }

$(FUZZ_DIR)/fuzz_match: tests/fuzz/fuzz_match.c $(LIB_SRC) \
    $(wildcard include/*.h src/*.h) | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) \
	  $(shell $(PKG_CONFIG) --cflags $(PKGS)) -o $@ \
	  tests/fuzz/fuzz_match.c $(LIB_SRC) \
	  $(shell $(PKG_CONFIG) --libs $(PKGS)) -lunistring -pthread

fuzz: check-deps $(FUZZ_DIR)/fuzz_match
	@mkdir -p $(FUZZ_DIR)/corpus
	@grep -v '^#' tests/data/messages.tsv | cut -f1 | \
	  while IFS= read -r m; do \
	    printf '%s' "$$m" > "$(FUZZ_DIR)/corpus/$$(printf '%s' "$$m" | \
	      md5sum | cut -c1-16)"; done
	$(FUZZ_DIR)/fuzz_match -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=2048 -timeout=10 -print_final_stats=1 \
	  $(FUZZ_DIR)/corpus
