#!/bin/sh
# Smoke check for examples/pyext. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network. It starts the shard router the way CMD
# does, then proves with Python's urllib that the answers come from the mmh3 C
# extension compiled by gcc during the build (not a prebuilt wheel, not a
# pure-Python module).
set -eu

fail() { echo "pyext smoke: FAIL: $*" >&2; exit 1; }

[ -f app.py ] || fail "app.py not found in WORKDIR $(pwd)"
command -v python3 >/dev/null || fail "python3 not found on PATH"

PORT=18082 HOST=127.0.0.1 SHARDS=16
export PORT HOST SHARDS
log=$(mktemp)
python3 app.py >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

if ! SERVER_PID=$pid python3 - <<'PY'
import importlib.machinery, importlib.metadata, json, os, sys, time, urllib.error, urllib.request

base = "http://127.0.0.1:%s" % os.environ["PORT"]

def fail(msg):
    print("pyext smoke: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=5) as resp:
            return json.loads(resp.read().decode())
    except urllib.error.HTTPError as err:
        fail("GET %s answered %s: %r" % (path, err.code, err.read()[:200]))

for _ in range(100):  # at most ~20 s
    try:
        os.kill(int(os.environ["SERVER_PID"]), 0)
    except OSError:
        fail("the server exited before answering")
    try:
        health = get("/healthz")
        break
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.2)
else:
    fail("no answer on %s/healthz within 20 s" % base)

# 1. The server's mmh3 is a compiled extension module, not Python source.
so = health.get("mmh3") or ""
if not so.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)) or not os.path.isfile(so):
    fail("the server's mmh3 is %r, not a compiled extension module" % so)

# 2. It was compiled here from the sdist: pip's locally built wheel has a
#    plain linux_<arch> tag (a PyPI binary wheel says manylinux/musllinux),
#    and the shared object carries the compiler's .comment string.
wheel = importlib.metadata.distribution("mmh3").read_text("WHEEL") or ""
tags = [l.split(":", 1)[1].strip() for l in wheel.splitlines() if l.startswith("Tag:")]
if not tags or any("manylinux" in t or "musllinux" in t or "-linux_" not in t for t in tags):
    fail("mmh3 was not built from source in this image, wheel tags: %r" % tags)
data = open(so, "rb").read()
at = data.find(b"GCC: (")
if at < 0:
    fail("%s has no GCC .comment: not compiled by gcc?" % so)
compiler = data[at:data.index(b"\0", at)].decode(errors="replace")

# 3. The hashes are MurmurHash3_x86_32 (reference values) and shards follow.
for key, want_hash, want_shard in (("foo", 4138058784, 0), ("user:42", 3349586805, 5)):
    got = get("/shard?key=" + key)
    if (got.get("hash"), got.get("shard")) != (want_hash, want_shard):
        fail("/shard?key=%s gave %r, want hash %d shard %d" % (key, got, want_hash, want_shard))
print("pyext smoke: OK (mmh3 from %s, wheel %s, built by %s)" % (so, tags[0], compiler))
PY
then
  echo "--- server log ---" >&2
  cat "$log" >&2
  exit 1
fi
