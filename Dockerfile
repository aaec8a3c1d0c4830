# The optfrontend image: a static gateway binary in an empty image, labelled
# the way BuildKit looks for a frontend.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ARG TARGETOS TARGETARCH
ARG VERSION=dev
RUN --mount=type=bind,target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -tags "netgo osusergo" \
      -ldflags "-s -w -X main.version=$VERSION" \
      -o /out/optfrontend ./cmd/optfrontend

FROM scratch
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"
COPY --from=build /out/optfrontend /bin/optfrontend
ENTRYPOINT ["/bin/optfrontend"]
