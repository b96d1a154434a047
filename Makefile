# TenantAtlas Operations. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BIN := bin/tenantatlas
PG_ENV = eval "$$(scripts/pg.sh env)"

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/tenantatlas
	go build -o $(BIN) ./cmd/tenantatlas

.PHONY: run
run: build ## migrate, seed the demo workspace and start the API on :8080
	@$(PG_ENV); \
	./$(BIN) migrate up; \
	./$(BIN) seed demo; \
	echo ""; \
	echo "API        http://localhost:8080/api/v1  (health: /healthz, /readyz, metrics: /metrics)"; \
	echo "Database   $${DATABASE_URL}"; \
	echo ""; \
	exec ./$(BIN) serve --with-worker

.PHONY: test
test: ## run every test against real PostgreSQL
	@$(PG_ENV); \
	go vet ./...; \
	go test -race -count=1 ./...

.PHONY: bench
bench: build ## load-test the run list on 1M runs (wrk) and run the Go benchmarks
	@$(PG_ENV); scripts/bench-api.sh

.PHONY: bench-workers
bench-workers: ## inventory sync of 50k items, 10 tenants at once, job pick-up latency
	@$(PG_ENV); go test -run '^$$' -bench . -benchtime 1x ./pkg/jobs/

.PHONY: bench-migrate
bench-migrate: build ## time the spec-087 cut-over on 1M legacy runs, 2M items, 0.5M findings
	@$(PG_ENV); scripts/bench-migrate.sh

.PHONY: test-pg-bootstrap
test-pg-bootstrap: ## exercise scripts/pg.sh, including a private cluster under .data/
	scripts/pg_test.sh

.PHONY: fmt
fmt: ## format the Go code
	gofmt -w $$(git ls-files '*.go')

.PHONY: clean
clean: ## remove build output
	rm -rf bin
