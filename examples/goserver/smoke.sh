#!/bin/sh
# Smoke check for examples/goserver. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network. It starts the server the way CMD does
# and speaks plain HTTP/1.0 to it over loopback through bash's /dev/tcp (or
# perl's IO::Socket when there is no bash): no curl or wget needed.
set -eu

fail() { echo "goserver smoke: FAIL: $*" >&2; exit 1; }

command -v server >/dev/null || fail "the server binary is not on PATH ($PATH)"

PORT=18084
ADDR=127.0.0.1:$PORT
export PORT ADDR
log=$(mktemp)
server >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

# http METHOD PATH [BODY]: send one HTTP/1.0 request, print the whole response.
# Every read gives up after 5 s, so a stuck server cannot hang the build.
if command -v bash >/dev/null 2>&1; then
  http() {
    bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
      printf "%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Length: %s\r\n\r\n%s" "$1" "$2" "${#3}" "$3" >&3
      while IFS= read -r -t 5 line <&3 || [ -n "$line" ]; do printf "%s\n" "$line"; line=; done' http "$1" "$2" "${3:-}"
  }
elif command -v perl >/dev/null 2>&1; then
  http() {
    perl -MIO::Socket::INET -e '
      my ($method, $path, $body) = @ARGV; $body //= ""; alarm 5;
      my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ENV{PORT}") or die "connect: $!\n";
      printf $s "%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s", $method, $path, length $body, $body;
      print while <$s>;' "$1" "$2" "${3:-}"
  }
else
  fail "this image has neither bash nor perl to make an HTTP request with"
fi

# request METHOD PATH [BODY]: sets $status and $body.
request() {
  resp=$(http "$@") || fail "$1 $2: no response"
  status=$(printf '%s\n' "$resp" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
  body=$(printf '%s\n' "$resp" | sed '1,/^\r*$/d')
}

i=0
until http GET /healthz >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the server exited before answering"; }
  i=$((i + 1))
  [ "$i" -le 100 ] || { cat "$log" >&2; fail "no answer on $ADDR within 20 s"; }
  sleep 0.2
done

check() { # check WHAT WANT_STATUS WANT_BODY
  [ "$status" = "$2" ] && [ "$body" = "$3" ] || {
    echo "--- server log ---" >&2; cat "$log" >&2
    fail "$1: got status '$status' body '$body', want '$2' '$3'"
  }
}
request GET /healthz
check "GET /healthz" 200 '{"status":"ok"}'
request GET /hello/gopher
check "GET /hello/gopher" 200 'Hello, gopher!'
request POST /wordcount 'the quick brown fox jumps'
check "POST /wordcount" 200 '{"words":5}'
request GET /nope
check "GET /nope" 404 '404 page not found'
echo "goserver smoke: OK (healthz, greeting, wordcount, 404)"
