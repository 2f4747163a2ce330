# nncert build. Targets: deps, all (build/nncert), test, asan, demo, bench, clean.
# Generated protobuf-c code for onnx.proto lands in build/gen/.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
CFLAGS  ?=
WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation
STD      = -std=c11 -D_POSIX_C_SOURCE=200809L
PKGS     = libprotobuf-c jansson gmp mpfr
DEB_PKGS = build-essential pkg-config libprotobuf-c-dev protobuf-c-compiler \
           libonnx-dev libgmp-dev libmpfr-dev libjansson-dev libcriterion-dev
ONNX_PROTO ?= /usr/include/onnx/onnx.proto

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lprotobuf-c -ljansson -lmpfr -lgmp)
INCS       = -Isrc -I. -Itests -I$(BUILD)/gen
ALL_CFLAGS = $(STD) $(OPT) $(WARN) $(INCS) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LIBS       = $(PKG_LIBS) -lm

LIB_SRC = $(wildcard src/core/*.c) $(wildcard src/io/*.c) $(wildcard domains/*.c) \
          $(wildcard solvers/*.c) $(wildcard src/verify/*.c) \
          $(filter-out src/app/main.c,$(wildcard src/app/*.c))
GEN_C   = $(BUILD)/gen/onnx.pb-c.c
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/onnx.pb-c.o
MAIN_OBJ = $(BUILD)/obj/src/app/main.o
TEST_SRC = $(wildcard tests/*.c) $(wildcard tests/support/*.c)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all deps test asan demo bench clean check-deps
all: $(BUILD)/nncert

# Install the Debian packages that are missing (only those), as root or via sudo.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all packages present"; fi

$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=$(dir $(ONNX_PROTO)) --c_out=$(BUILD)/gen $(notdir $(ONNX_PROTO))

$(BUILD)/obj/gen/onnx.pb-c.o: $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(OPT) $(INCS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(BUILD)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libnncert.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/nncert: $(MAIN_OBJ) $(BUILD)/libnncert.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests: $(TEST_OBJ) $(BUILD)/libnncert.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) -lcriterion

# Tests run from the project root; NNCERT_BENCHMARKS defaults to ../shared/benchmarks.
test: deps
	$(MAKE) $(BUILD)/nncert $(BUILD)/tests
	rm -rf $(BUILD)/test-tmp
	NNCERT_BIN=$(BUILD)/nncert NNCERT_TEST_TMP=$(BUILD)/test-tmp $(BUILD)/tests --jobs 2

asan: deps
	$(MAKE) BUILD=build-asan OPT="-O1 -g" \
	  CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  build-asan/nncert build-asan/tests
	rm -rf build-asan/test-tmp
	ASAN_OPTIONS=detect_leaks=1 NNCERT_BIN=build-asan/nncert NNCERT_TEST_TMP=build-asan/test-tmp NNCERT_ASAN=1 build-asan/tests --jobs 2

demo: deps
	$(MAKE) $(BUILD)/nncert
	@bash examples/demo.sh $(BUILD)/nncert

bench: deps
	$(MAKE) $(BUILD)/nncert
	bash benchmarks/run.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
