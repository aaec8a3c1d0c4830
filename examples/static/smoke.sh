#!/bin/sh
# Smoke check for examples/static. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network. It starts the image's nginx on a
# loopback port with a minimal config whose root is the image's
# /usr/share/nginx/html, then fetches the pages the Node build step rendered,
# speaking plain HTTP/1.0 through bash's /dev/tcp (or perl's IO::Socket).
set -eu

fail() { echo "static smoke: FAIL: $*" >&2; exit 1; }

root=/usr/share/nginx/html
command -v nginx >/dev/null || fail "nginx not found on PATH ($PATH)"
[ -f "$root/index.html" ] || fail "$root/index.html is missing"

PORT=18085
export PORT
dir=$(mktemp -d)
cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log stderr;
events {}
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $root;
        index index.html;
    }
}
CONF
nginx -t -q -p "$dir" -e stderr -c "$dir/nginx.conf" || fail "nginx rejects the smoke config"
nginx -p "$dir" -e stderr -c "$dir/nginx.conf" >"$dir/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

# http METHOD PATH: send one HTTP/1.0 request, print the whole response.
# Every read gives up after 5 s, so a stuck server cannot hang the build.
if command -v bash >/dev/null 2>&1; then
  http() {
    bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
      printf "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n" "$1" "$2" >&3
      while IFS= read -r -t 5 line <&3 || [ -n "$line" ]; do printf "%s\n" "$line"; line=; done' http "$1" "$2"
  }
elif command -v perl >/dev/null 2>&1; then
  http() {
    perl -MIO::Socket::INET -e '
      my ($method, $path) = @ARGV; alarm 5;
      my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ENV{PORT}") or die "connect: $!\n";
      printf $s "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", $method, $path;
      print while <$s>;' "$1" "$2"
  }
else
  fail "this image has neither bash nor perl to make an HTTP request with"
fi

i=0
until http GET / >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; fail "nginx exited before answering"; }
  i=$((i + 1))
  [ "$i" -le 100 ] || { cat "$dir/log" >&2; fail "no answer on 127.0.0.1:$PORT within 20 s"; }
  sleep 0.2
done

# expect PATH STATUS CONTENT_TYPE TEXT...: the response to GET PATH has that
# status and content type, and its body contains every TEXT.
expect() {
  path=$1 want_status=$2 want_type=$3
  shift 3
  resp=$(http GET "$path") || fail "GET $path: no response"
  head=$(printf '%s\n' "$resp" | sed '/^\r*$/q')
  body=$(printf '%s\n' "$resp" | sed '1,/^\r*$/d')
  printf '%s\n' "$head" | sed -n 1p | grep -q " $want_status " ||
    fail "GET $path: want status $want_status, got: $(printf '%s\n' "$head" | sed -n 1p)"
  printf '%s\n' "$head" | grep -qi "^content-type: $want_type" ||
    fail "GET $path: want Content-Type $want_type, headers: $head"
  for text in "$@"; do
    printf '%s\n' "$body" | grep -qF -- "$text" || fail "GET $path: body lacks '$text'"
  done
}

# Markdown rendered by marked, inside layout.html: not nginx's welcome page.
expect / 200 text/html '<title>Field Notes</title>' '<h1>Field Notes</h1>' \
  '<strong>Markdown</strong>' '<li><code>npm run build</code> renders them with <a href="https://marked.js.org">marked</a></li>'
expect /about.html 200 text/html '<h1>About</h1>' '<em>optfrontend</em>' '<th>Stage</th>' '<td>node:22-slim</td>'
expect /style.css 200 text/css 'max-width: 40rem'
expect /index.md 404 text/html
echo "static smoke: OK (index.html, about.html and style.css from the build, served by nginx)"
