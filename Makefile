# payhost: see README.md. `make run` starts a development host, `make test`
# runs every check CI runs.

GO        ?= go
BIN       := bin
PLUGINS   := $(patsubst plugins/%/,%,$(dir $(wildcard plugins/*/cmd)))
DEV_CONFIG := dev/payhost.dev.yaml
DEV_KEY   := demo_site_key_0123456789abcdef

.PHONY: all build run test vet proto clean bench

all: build

## build: every binary into bin/ and bin/plugins/
build:
	@mkdir -p $(BIN)/plugins && chmod 0755 $(BIN) $(BIN)/plugins
	$(GO) build -o $(BIN)/payhost ./host/cmd/payhost
	@set -e; for p in $(PLUGINS); do \
		echo "$(GO) build -o $(BIN)/plugins/payhost-plugin-$$p ./plugins/$$p/cmd/payhost-plugin-$$p"; \
		$(GO) build -o $(BIN)/plugins/payhost-plugin-$$p ./plugins/$$p/cmd/payhost-plugin-$$p; \
	done
	$(GO) build -o $(BIN)/payhost-sandbox ./cmd/payhost-sandbox
	$(GO) build -o $(BIN)/payhost-plugin-check ./sdk/cmd/payhost-plugin-check
	$(GO) build -o $(BIN)/payhost-demo-shop ./cmd/payhost-demo-shop
	@chmod 0755 $(BIN)/payhost $(BIN)/payhost-plugin-check $(BIN)/payhost-sandbox $(BIN)/payhost-demo-shop $(BIN)/plugins/*

## run: build, then start the provider sandbox, the demo shop and the host on var/payhost.db with the demo site
run: build
	@mkdir -p -m 0700 var && chmod 0700 var
	@echo
	@echo "  demo shop on http://localhost:9000  <- open this in a browser and buy"
	@echo "  payhost (development) on http://localhost:8080, provider sandbox on http://127.0.0.1:8090"
	@echo "  demo site API key: $(DEV_KEY)   admin key: demo_admin_key_0123456789abcdef"
	@echo "  try: curl -s -H 'Authorization: Bearer $(DEV_KEY)' -H 'Content-Type: application/json' -d @dev/cart.json http://localhost:8080/v1/eligibility"
	@echo "  README.md, section 'Buy in the demo shop', walks a whole payment."
	@echo
	@$(BIN)/payhost-sandbox --listen 127.0.0.1:8090 & sandbox=$$!; \
	$(BIN)/payhost-demo-shop --listen 127.0.0.1:9000 --public-url http://localhost:9000 --payhost http://localhost:8080 & shop=$$!; \
	trap 'kill $$sandbox $$shop 2>/dev/null' EXIT INT TERM; \
	$(BIN)/payhost serve --config $(DEV_CONFIG)

## bench: payhost against a bare net/http + SQLite server, one run (README, "Performance");
## BENCH_FLAGS passes flags, e.g. BENCH_FLAGS="-db sqlite,postgres -profile var/profiles"
bench: build
	$(GO) build -o $(BIN)/payhost-load ./host/cmd/payhost-load
	$(BIN)/payhost-load -plugins $(BIN)/plugins $(BENCH_FLAGS)

## test: vet and race tests over every module
test: vet
	$(GO) test -race -count=1 ./...
	cd sdk && $(GO) test -race -count=1 ./...
	cd examples/go-plugin && GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -race -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...

## proto: regenerate sdk/internal/pluginpb from sdk/proto with pinned generators
proto:
	bash sdk/scripts/genproto.sh

clean:
	rm -rf $(BIN)
