#!/bin/sh
# Smoke check for examples/uvapp. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network: it starts the app the way CMD does and
# talks to it over loopback with Python's urllib.
set -eu

fail() { echo "uvapp smoke: FAIL: $*" >&2; exit 1; }

[ -f app.py ] || fail "app.py not found in WORKDIR $(pwd)"
command -v python3 >/dev/null || fail "python3 not found on PATH"
# CMD's python is the virtualenv uv synced (/app/.venv/bin comes first on
# PATH), not the image's system interpreter, which has no Flask.
python3 -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' ||
  fail "python3 on PATH ($(command -v python3)) is not a virtualenv's"

PORT=18089 HOST=127.0.0.1
export PORT HOST
log=$(mktemp)
python3 app.py >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

if ! SERVER_PID=$pid python3 - <<'PY'
import json, os, sys, time, urllib.error, urllib.request

base = "http://127.0.0.1:%s" % os.environ["PORT"]

def fail(msg):
    print("uvapp smoke: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def get(path, data=None):
    req = urllib.request.Request(base + path, data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        fail("%s %s answered %s: %r" % (req.get_method(), path, err.code, err.read()[:200]))

for _ in range(100):  # at most ~20 s
    try:
        os.kill(int(os.environ["SERVER_PID"]), 0)
    except OSError:
        fail("the server exited before answering")
    try:
        status, body = get("/healthz")
        break
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.2)
else:
    fail("no answer on %s/healthz within 20 s" % base)

if json.loads(body) != {"status": "ok"}:
    fail("unexpected /healthz body: %r" % body)

status, body = get("/hello/%3Cscript%3E")
if "<h1>Hello, &lt;script&gt;!</h1>" not in body:
    fail("greeting not rendered and escaped by Jinja: %r" % body)

status, body = get("/notes", data=json.dumps({"text": "buy milk"}).encode())
if status != 201 or json.loads(body) != {"id": 1, "text": "buy milk"}:
    fail("POST /notes returned %s %r" % (status, body))
status, body = get("/notes")
if json.loads(body) != [{"id": 1, "text": "buy milk"}]:
    fail("GET /notes returned %r" % body)
print("uvapp smoke: OK (healthz, templated greeting, notes API)")
PY
then
  echo "--- server log ---" >&2
  cat "$log" >&2
  exit 1
fi
