# RusToK Admin — every task is a target. `make help` lists them.
SHELL := /bin/bash
GO    ?= go
BIN   ?= bin/rustok
PKGS_NO_E2E = $$($(GO) list ./... | grep -v /e2e)
# Build and test with the toolchain go.mod names (a patched Go, fetched once from the module
# proxy), even where `go env` says GOTOOLCHAIN=local. GOTOOLCHAIN=local make … opts out.
export GOTOOLCHAIN ?= auto

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: build ## serve on the embedded default (SQLite + memory) at :8080, creating the demo tenant and printing how to sign in
	@$(BIN) seed
	@$(BIN) serve

.PHONY: build
build: ## build bin/rustok (no Node needed: assets are committed)
	$(GO) build -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o $(BIN) ./cmd/rustok

.PHONY: test
test: ## run every test on SQLite, then on PostgreSQL (+ Redis, NATS, chromium); says what it skipped
	@scripts/test.sh all

.PHONY: test-sqlite
test-sqlite: ## run the tests on the embedded SQLite database
	@scripts/test.sh sqlite

.PHONY: test-postgres
test-postgres: ## run the tests on PostgreSQL (TEST_DATABASE_URL, default postgres@127.0.0.1:5432)
	@scripts/test.sh postgres

.PHONY: e2e
e2e: ## run the browser tests (chromium + chromedp)
	CI=$${CI:-} $(GO) test -count=1 -v ./e2e/...

# Fuzz targets, as package:target; `make fuzz` runs each for FUZZTIME on TEST_DB (SQLite unless set).
FUZZTIME    ?= 10s
FUZZTARGETS = ./handlers/:FuzzParseForm ./handlers/:FuzzNodeFilters ./handlers/:FuzzUserFilters \
              ./handlers/:FuzzTenantFilters ./handlers/:FuzzEventFilters ./models/:FuzzSlugify

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (10s): form parsing, the list filters, slugs; TEST_DB=postgres for PostgreSQL
	@for t in $(FUZZTARGETS); do \
		echo "== $${t#*:} ($${t%%:*})"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) "$${t%%:*}" || exit 1; \
	done

.PHONY: generate
generate: ## regenerate templ code (*_templ.go)
	$(GO) tool templ generate

.PHONY: css
css: node_modules ## rebuild static/app.css with Tailwind, copy the pinned htmx into static/ and axe-core into e2e/testdata/, regenerate the icons
	npm run -s icons
	gofmt -w views/components/icons/icons_gen.go
	npm run -s css
	npm run -s htmx
	npm run -s axe

node_modules: package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

.PHONY: check-generated
check-generated: generate css ## fail when committed generated code or built assets are stale
	@git diff --exit-code --stat -- '*_templ.go' static/ views/components/icons/ e2e/testdata/axe.min.js || { echo "generated files are stale: run 'make generate css' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- '*_templ.go' static/ views/components/icons/ e2e/testdata/axe.min.js)" || { echo "untracked generated files:"; git status --porcelain -- '*_templ.go' static/ views/components/icons/ e2e/testdata/axe.min.js; exit 1; }

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt would change:"; echo "$$out"; exit 1; }
	$(GO) vet ./...

.PHONY: vulncheck
vulncheck: ## govulncheck over the module against the Go vulnerability database, built from the golang.org/x/vulndb module (scripts/vulncheck.sh)
	@scripts/vulncheck.sh

.PHONY: bench
bench: build ## run the benchmarks (see docs/BENCHMARKS.md): start-up, memory, wrk now vs foundation; outbox cost, relay throughput, dispatch latency, crash recovery; tenant cache hit and cold-key stampede; cross-process propagation; RBAC; content list and create vs pgbench
	@bench/run.sh
	@echo "== event benchmarks (PostgreSQL + NATS JetStream) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'OutboxCost' -benchtime 3s ./bench/
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'RelayToJetStream' -benchtime 20000x ./bench/
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'DispatchLatency' -benchtime 1x ./bench/
	@echo "== crash recovery: serve killed with SIGKILL, restart → last pending event dispatched (bin/rustok, PostgreSQL + JetStream) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'CrashRecovery' -benchtime 5x ./bench/
	@echo "== tenant cache benchmarks (hit in process; 10,000 goroutines on a cold key, PostgreSQL) =="
	$(GO) test -run '^$$' -bench '^BenchmarkHit$$' -benchmem -count 5 ./internal/tenancy/
	TEST_DB=postgres $(GO) test -run '^$$' -bench '^BenchmarkColdKey10k$$' -benchtime 20x ./bench/
	@echo "== cross-process propagation: two processes, live and after a NATS reconnect (PostgreSQL, Redis, NATS) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench '^BenchmarkPropagation$$' -benchtime 1x ./bench/
	@echo "== RBAC benchmarks (PostgreSQL) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'Enforce200k' -benchtime 1x ./bench/
	TEST_DB=postgres $(GO) test -run '^$$' -bench 'ProtectedVsUnprotected' -benchtime 3000x ./bench/
	@echo "== content benchmarks: node list and node create vs pgbench (PostgreSQL) =="
	@bench/content.sh
	@echo "== catalog benchmarks: products list (10,000 products / 30,000 variants) and 16 clients adjusting one variant's stock, each vs pgbench (PostgreSQL + Redis) =="
	@BENCH_CONTENT_PARTS="D E" bench/content.sh
	@echo "== catalog: grid save of 100 variants x 2 currencies in one request, and the product page after it (p50/p99, PostgreSQL) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench '^Benchmark(GridSave|ProductPage)$$' -benchtime 200x ./bench/
	@echo "== Markdown: each pathological body of issue 10 and an ordinary one, 200,000 bytes =="
	$(GO) test -run '^$$' -bench '^Benchmark(Pathological|Ordinary)$$' -benchtime 3x ./internal/markdown/
	@echo "== rendering: the content list, users list and event log, 50 rows, page and htmx fragment (goal < 0.3 ms each) =="
	$(GO) test -run '^$$' -bench 'Benchmark(NodeList|UserList|EventList)$$' -benchmem -count 3 ./views/nodes/ ./views/users/ ./views/events/
	@echo "== catalog CSV import/export (issue 14): 10,000 products x 3 variants imported, re-imported and exported through the jobs; peak memory importing a 50 MB file (PostgreSQL) =="
	TEST_DB=postgres $(GO) test -run '^$$' -bench '^BenchmarkImport$$' -benchtime 1x -timeout 60m ./bench/

.PHONY: services
services: ## start PostgreSQL, Redis and NATS on this machine if they are down
	@scripts/services.sh
