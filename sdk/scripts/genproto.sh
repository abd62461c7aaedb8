#!/usr/bin/env bash
# Regenerates sdk/internal/pluginpb from sdk/proto with pinned generators.
# Needs protoc (Debian: protobuf-compiler); the Go generators are installed
# at the pinned versions into a private GOBIN so the output is reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.5.1

if ! command -v protoc >/dev/null; then
  echo "protoc is missing: install it (Debian/Ubuntu: apt-get install protobuf-compiler)" >&2
  exit 1
fi
gobin="$(pwd)/.bin"
mkdir -p "$gobin"
GOBIN="$gobin" GOWORK=off go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
GOBIN="$gobin" GOWORK=off go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

rm -f internal/pluginpb/*.pb.go
PATH="$gobin:$PATH" protoc \
  --proto_path=proto \
  --go_out=. --go_opt=module=github.com/payhost/payhost/sdk \
  --go-grpc_out=. --go-grpc_opt=module=github.com/payhost/payhost/sdk \
  payhost/plugin/v1/provider.proto
echo "generated: $(ls internal/pluginpb)"
