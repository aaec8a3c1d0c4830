#!/bin/sh
# Smoke check for examples/chownapp. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network: it checks that the app's files belong
# to appuser, starts the wiki the way CMD does and reads two pages over
# loopback with Python's urllib.
set -eu

fail() { echo "chownapp smoke: FAIL: $*" >&2; exit 1; }

[ "$(id -un)" = appuser ] || fail "runs as $(id -un), not appuser"
[ "$(stat -c %U app.py)" = appuser ] || fail "app.py belongs to $(stat -c %U app.py), not appuser"
[ "$(stat -c %U pages/layers.md)" = appuser ] || fail "pages/layers.md is not appuser's"
touch pages/.writable 2>/dev/null || fail "appuser cannot write in pages/"

PORT=18086 HOST=127.0.0.1
export PORT HOST
python3 app.py &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

python3 - <<'PY' || exit 1
import os, sys, time, urllib.error, urllib.request

base = "http://127.0.0.1:%s" % os.environ["PORT"]

def get(path):
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + path, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    sys.exit("chownapp smoke: FAIL: no answer on " + base)

status, body = get("/layers")
if status != 200 or "<table>" not in body or "<code>RUN chown -R ...</code>" not in body:
    sys.exit("chownapp smoke: FAIL: /layers not rendered by Markdown: %s %r" % (status, body[:300]))
status, body = get("/nothing")
if status != 404:
    sys.exit("chownapp smoke: FAIL: /nothing answered %s" % status)
print("chownapp smoke: OK (files owned by appuser, Markdown pages served)")
PY
