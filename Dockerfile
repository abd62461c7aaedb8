# syntax=docker/dockerfile:1
# payhost: the host and the built-in plugins in a small non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t payhost .
#   docker run --init -p 8080:8080 -v payhost-data:/var/lib/payhost \
#     -v $PWD/payhost.yaml:/etc/payhost/payhost.yaml:ro --env-file payhost.env payhost
# `docker kill -s HUP <container>` reloads the configuration and plugins.
#
# Mount your own configuration on /etc/payhost/payhost.yaml: the one baked
# in is payhost.example.yaml, whose pin is a placeholder, so a production
# host refuses to start on it. Print the pins of the image's plugins with
#   docker run --rm payhost plugins pin
#
# Run with --init (compose: `init: true`): without it payhost is PID 1, and
# PID 1 inherits and must reap orphaned processes, which payhost does not do
# (a plugin wrapper's child killed with its group would stay a zombie).
# distroless has no tini to add here.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum go.work go.work.sum ./
COPY sdk/go.mod sdk/go.sum sdk/
RUN go mod download && (cd sdk && go mod download)
COPY . .
ARG VERSION=dev
RUN set -e; built=$(date -u +%Y-%m-%dT%H:%M:%SZ); mkdir -p /out/plugins; \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.built=${built}" -o /out/payhost ./host/cmd/payhost; \
    for d in plugins/*/cmd/payhost-plugin-*; do \
      CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/plugins/$(basename $d) ./$d; \
    done; \
    chmod 0755 /out/payhost /out/plugins /out/plugins/*; \
    mkdir -p /out/data
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/payhost /usr/bin/payhost
# Root-owned and read-only for the nonroot user: only the image can change
# the plugins, and `payhost plugins pin` prints their pins.
COPY --from=build --chown=0:0 /out/plugins /usr/lib/payhost/plugins
COPY --chown=0:0 payhost.example.yaml /etc/payhost/payhost.yaml
COPY --from=build --chown=65532:65532 /out/data /var/lib/payhost
USER nonroot:nonroot
WORKDIR /var/lib/payhost
VOLUME /var/lib/payhost
ENV PAYHOST_CONFIG=/etc/payhost/payhost.yaml \
    PAYHOST_LISTEN=0.0.0.0:8080 \
    PAYHOST_PLUGINS_DIR=/usr/lib/payhost/plugins
EXPOSE 8080
# distroless has no shell or curl: the binary checks itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/bin/payhost", "health", "--url", "http://127.0.0.1:8080/readyz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/payhost"]
CMD ["serve"]
