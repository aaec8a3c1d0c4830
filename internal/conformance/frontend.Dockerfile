# A frontend image for the conformance runner, built like the repo root
# Dockerfile (same base, flags, labels) but from any main package PKG of this
# module or its dependencies:
#   stock: github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
#   off:   ./internal/conformance/offfrontend
#   default: the same, with LDFLAGS="-X main.defaultSpec=-checks"
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ARG TARGETOS TARGETARCH
ARG PKG
ARG LDFLAGS=""
RUN --mount=type=bind,target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -tags "netgo osusergo" \
      -ldflags "-s -w $LDFLAGS" -o /out/frontend "$PKG"

FROM scratch
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"
COPY --from=build /out/frontend /bin/frontend
ENTRYPOINT ["/bin/frontend"]
