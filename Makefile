# Quiver build targets. `make demo` and `make test` are the two a new user needs.
GO            ?= go
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
TEST_TIMEOUT  ?= 19m
BIN           := bin/quiver

.PHONY: build test test-planted test-race lint sim bench bench-mgbench fuzz demo tck clean

build:
	$(GO) build -o $(BIN) ./cmd/quiver

# All tests. The race detector also runs over every package whose code meets
# other goroutines: core/graph's snapshot readers (DESIGN.md's one exception),
# the TCP transport, the real event loop, fsync goroutine and clock, and the
# Bolt server with the real drivers.
RACE_PKGS := ./core/graph/... ./net/... ./server/... ./disk/... ./clock/... ./bolt/...

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(GO) test -count=1 -race -timeout $(TEST_TIMEOUT) $(RACE_PKGS)
	$(MAKE) test-planted

# Planted bugs (build tags): each checker must catch its bug at the rate its
# test states (90% of seeds), and each run prints its catch rate. PLANTED
# pairs a tag with the package whose Planted test measures it.
PLANTED := plantedbug_ackbeforefsync:./sim/regsim
REPL_BUGS := replbug_fsync replbug_syncack replbug_readpast replbug_oldepoch

test-planted:
	@for p in $(PLANTED); do \
	  tag=$${p%%:*}; pkg=$${p#*:}; \
	  echo "== planted bug $$tag in $$pkg"; \
	  $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -tags $$tag -run Planted -v $$pkg || exit 1; \
	done
	@for tag in $(REPL_BUGS); do \
	  echo "== planted bug $$tag"; \
	  out=$$($(GO) test -count=1 -tags $$tag -run '^TestCatchPlantedBug$$' -v ./core/replication 2>&1); st=$$?; \
	  echo "$$out" | grep -E 'caught|rate|^(ok|FAIL)'; \
	  [ $$st -eq 0 ] || { echo "$$out"; exit 1; }; \
	  echo "== planted bug $$tag through the replication scenario (sim/replsim)"; \
	  out=$$($(GO) test -count=1 -timeout $(TEST_TIMEOUT) -tags $$tag -run '^TestPlanted' -v ./sim/replsim 2>&1); st=$$?; \
	  echo "$$out" | grep -E 'caught on|caught in|^(ok|FAIL)'; \
	  [ $$st -eq 0 ] || { echo "$$out"; exit 1; }; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^vendor/')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Long simulator sweeps (the short ones run in make test): SCENARIO (default
# ping) for SEEDS seeds, then the replication scenario for REPL_SEEDS seeds
# (default 5000, each run twice; its summary gives the ASYNC lag).
sim:
	$(GO) run ./cmd/quiver sim --scenario $${SCENARIO:-ping} --seeds $${SEEDS:-20000} --workers 2
	$(GO) run ./cmd/quiver sim --scenario replication --seeds $${REPL_SEEDS:-5000} --workers 2

# Every benchmark: first the mgbench workload table (Quiver over Bolt, 12
# Go-driver clients, with the UNWIND load's edges/s), then all the others.
bench: bench-mgbench
	$(GO) test -run '^$$' -bench . -skip '^BenchmarkMgbench$$' -benchmem -timeout 60m ./...

# The mgbench workload table alone. QUIVER_BENCH_USERS (default 10000) and
# QUIVER_BENCH_SECONDS (default 3 per workload) size it; QUIVER_BENCH_CSV=dir
# also writes the graph for bench/kuzu (see bench/kuzu/README.md).
bench-mgbench:
	$(GO) test -run '^$$' -bench '^BenchmarkMgbench$$' -benchtime 1x -timeout 60m ./server/drivertest/

# Every fuzz target for FUZZTIME each (default 30s).
fuzz:
	@for spec in $$($(GO) run ./internal/fuzzlist); do \
	  pkg=$${spec%%:*}; fn=$${spec##*:}; \
	  echo "== $$pkg $$fn"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $${FUZZTIME:-30s} $$pkg || exit 1; \
	done

# The openCypher TCK against the Cypher engine: a table per category, and a
# last line "tck: PASSED/TOTAL scenarios passed". TCK_FLAGS: -run REGEXP, -v.
tck:
	@$(GO) run ./internal/tck/cmd/tck $(TCK_FLAGS)

demo: build
	./$(BIN) demo

clean:
	rm -rf bin
