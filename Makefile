# TenantAtlas Operations. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BIN := bin/tenantatlas
FRONTEND := frontend
PG_ENV = eval "$$(scripts/pg.sh env)"

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/tenantatlas
	go build -o $(BIN) ./cmd/tenantatlas

.PHONY: run
run: build frontend-deps build-frontend ## migrate, seed the demo, start the API (+workers) on :8080 and the SPA on :5173
	@$(PG_ENV); \
	./$(BIN) migrate up; \
	./$(BIN) seed demo; \
	./$(BIN) web --dir $(FRONTEND)/dist --listen :5173 --api-url http://localhost:8080 & web=$$!; \
	trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	echo ""; \
	echo "SPA        http://localhost:5173/admin/operations"; \
	echo "API        http://localhost:8080/api/v1  (health: /healthz, /readyz, metrics: /metrics)"; \
	echo "Database   $${DATABASE_URL}"; \
	echo ""; \
	./$(BIN) serve --with-worker

.PHONY: test
test: check-tidy lint frontend-deps ## every test: tidy go.mod, staticcheck, Go (-race, real PostgreSQL), the SPA (Vitest), end to end in Chromium
	@$(PG_ENV); \
	go vet ./...; \
	go test -race -count=1 ./...; \
	(cd $(FRONTEND) && npm run check:api && npm test); \
	scripts/e2e.sh

.PHONY: test-go
test-go: ## the Go tests only
	@$(PG_ENV); go vet ./...; go test -race -count=1 ./...

.PHONY: check-tidy
check-tidy: ## fail when `go mod tidy` would change go.mod or go.sum (prints the change)
	go mod tidy -diff

.PHONY: lint
lint: ## staticcheck every Go package (the version go.mod pins as a tool)
	go tool staticcheck ./...

.PHONY: frontend-deps
frontend-deps: ## install the SPA's packages (npm ci)
	cd $(FRONTEND) && npm ci --no-audit --no-fund

.PHONY: gen-api
gen-api: ## regenerate frontend/src/api/schema.d.ts from openapi.yaml
	cd $(FRONTEND) && npm run gen:api

.PHONY: check-api
check-api: ## fail when frontend/src/api/schema.d.ts is stale
	cd $(FRONTEND) && npm run check:api

.PHONY: test-frontend
test-frontend: ## typecheck the SPA and run Vitest
	cd $(FRONTEND) && npm test

.PHONY: build-frontend
build-frontend: ## build frontend/dist (fails over 250 KB gzip initial JS)
	cd $(FRONTEND) && npm run build

.PHONY: web
web: build build-frontend ## serve the SPA on :5173 against the API on :8080
	./$(BIN) web

.PHONY: e2e
e2e: ## API + worker + SPA in headless Chromium (screenshots in artifacts/e2e)
	@$(PG_ENV); scripts/e2e.sh

.PHONY: bench
bench: build ## load-test the run list on 1M runs (wrk) and run the Go benchmarks
	@$(PG_ENV); scripts/bench-api.sh

.PHONY: bench-builds
bench-builds: ## the run list of this checkout and of BASE=<rev> side by side on one 1M-run database
	@$(PG_ENV); BASE=$(BASE) scripts/bench-builds.sh

.PHONY: bench-events
bench-events: build ## 1,000 open run event streams on one API process: idle memory and CPU, commit → event latency
	@$(PG_ENV); scripts/bench-events.sh
.PHONY: bench-signin
bench-signin: build ## 64 wrong-password clients for 60 s: API RSS, run list p99 meanwhile, the right password afterwards
	@$(PG_ENV); scripts/bench-signin.sh

.PHONY: bench-workers
bench-workers: ## inventory sync of 50k items, 10 tenants at once, job pick-up latency
	@$(PG_ENV); go test -run '^$$' -bench . -benchtime 1x ./pkg/jobs/

.PHONY: drills
drills: ## fault drills (skipped in make test): a 10 s database outage under load, kill -9 of a worker mid-run (TENANTATLAS_DRILL_LOST_AFTER, default 30s)
	@$(PG_ENV); TENANTATLAS_DRILLS=1 go test -count=1 -v -run '^TestDrill' ./api/ ./pkg/jobs/ 2>&1 | grep -E 'DRILL|^(---|ok|FAIL|PASS)'

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
	rm -rf bin $(FRONTEND)/dist artifacts
