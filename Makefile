# payhost: see README.md. `make run` starts a development host, `make test`
# runs every check CI runs.

GO        ?= go
BIN       := bin
PLUGINS   := $(patsubst plugins/%/,%,$(dir $(wildcard plugins/*/cmd)))
DEV_CONFIG := dev/payhost.dev.yaml
DEV_KEY   := demo_site_key_0123456789abcdef
# Stamped into `payhost --version` and payhost_build_info.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BUILT     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.built=$(BUILT)
DIST      := dist
PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64

FUZZTIME  ?= 10s

.PHONY: all build run test vet fuzz proto clean bench dist

all: build

## build: every binary into bin/ and bin/plugins/
build:
	@mkdir -p $(BIN)/plugins && chmod 0755 $(BIN) $(BIN)/plugins
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/payhost ./host/cmd/payhost
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
	@echo "  operator console on http://localhost:8080/console/  (admin / demo-admin, oscar / demo-operator, vera / demo-viewer)"
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

## test: vet, race tests over every module, the Node example's tests, then every fuzz target briefly
test: vet
	$(GO) test -race -count=1 -timeout 30m ./...
	cd sdk && $(GO) test -race -count=1 -timeout 30m ./...
	cd examples/go-plugin && GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -race -count=1 -timeout 30m ./...
	@if [ -d examples/node-plugin/node_modules ] || [ "$$PAYHOST_REQUIRE_NODE" = 1 ]; then \
		echo "cd examples/node-plugin && npm test"; cd examples/node-plugin && npm test; \
	else echo "examples/node-plugin: no node_modules (npm ci there): its Node tests skipped"; fi
	@$(MAKE) --no-print-directory fuzz

## fuzz: run each fuzz target (func FuzzXxx in a fuzz_test.go) for FUZZTIME;
## an input that fails is kept in the package's testdata/fuzz/ to commit. A run
## that ends in go test's own "context deadline exceeded" without writing a
## failing input (-fuzztime ended mid-execution) is not a finding.
fuzz:
	@set -e; for f in $$(find . -name fuzz_test.go -not -path './.git/*' | sort); do \
		dir=$${f%/fuzz_test.go}; dir=$${dir#./}; mod=.; pkg=./$$dir; \
		case $$dir in sdk/*) mod=sdk; pkg=./$${dir#sdk/};; esac; \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$dir $$t for $(FUZZTIME)"; \
			run() { (cd $$mod && $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg) >/tmp/payhost-fuzz.$$$$ 2>&1; }; \
			run || { ! grep -q 'Failing input written' /tmp/payhost-fuzz.$$$$ \
				&& grep -q 'context deadline exceeded' /tmp/payhost-fuzz.$$$$ \
				&& echo "  the fuzzer hit its own time limit without a failing input: not a finding"; } \
				|| { cat /tmp/payhost-fuzz.$$$$; rm -f /tmp/payhost-fuzz.$$$$; exit 1; }; \
		done; \
	done; rm -f /tmp/payhost-fuzz.$$$$

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...

## proto: regenerate sdk/internal/pluginpb from sdk/proto with pinned generators
proto:
	bash sdk/scripts/genproto.sh

## dist: per-platform archives (host, plugins, sandbox, example config,
## systemd unit), SHA256SUMS and the pins block of each platform, in dist/.
## Refused on a tree with uncommitted changes (the version would end in
## -dirty and name no commit) unless ALLOW_DIRTY=1.
dist:
	@case "$(VERSION)" in *-dirty) \
		if [ "$(ALLOW_DIRTY)" = 1 ]; then \
			echo "warning: building release archives of a modified tree ($(VERSION))" >&2; \
		else \
			echo "make dist: the tree has uncommitted changes, so the version would be $(VERSION);" >&2; \
			echo "  commit (and tag) first, or run ALLOW_DIRTY=1 make dist for a throw-away build" >&2; \
			exit 1; \
		fi;; \
	esac
	@rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for pf in $(PLATFORMS); do \
		os=$${pf%/*}; arch=$${pf#*/}; name=payhost-$(VERSION)-$$os-$$arch; root=$(DIST)/$$name; \
		echo "building $$name"; \
		mkdir -p $$root/plugins; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $$root/payhost ./host/cmd/payhost; \
		for p in $(PLUGINS); do \
			CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" -o $$root/plugins/payhost-plugin-$$p ./plugins/$$p/cmd/payhost-plugin-$$p; \
		done; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" -o $$root/payhost-sandbox ./cmd/payhost-sandbox; \
		cp README.md payhost.example.yaml $$root/; cp packaging/payhost.service $$root/; \
		chmod 0755 $$root $$root/plugins $$root/payhost $$root/payhost-sandbox $$root/plugins/*; \
		( echo "# plugins.pins for $$name: paste under plugins: in the configuration"; echo "pins:"; \
		  cd $$root/plugins && for f in payhost-plugin-*; do \
			echo "  $${f#payhost-plugin-}: \"sha256:$$(sha256sum $$f | cut -d' ' -f1)\""; done ) > $(DIST)/$$name.pins.yaml; \
		cp $(DIST)/$$name.pins.yaml $$root/pins.yaml; \
		tar -C $(DIST) --owner=0 --group=0 -czf $(DIST)/$$name.tar.gz $$name; \
		rm -rf $$root; \
	done
	@cd $(DIST) && sha256sum *.tar.gz *.pins.yaml > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf $(BIN) $(DIST)
