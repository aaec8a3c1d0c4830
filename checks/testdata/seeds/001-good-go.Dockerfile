# Seed 001's Go example, which the article gives as the good pattern: a
# control. Its builder's full golang image, compiler and root user are not
# reported, since none of them is shipped; what is: the untagged distroless
# base, and COPY . . from a context without .dockerignore.
FROM golang:1.22 AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=builder /out/server /server
USER nonroot:nonroot
ENTRYPOINT ["/server"]
