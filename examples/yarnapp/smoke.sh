#!/bin/sh
# Smoke check for examples/yarnapp. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network: it starts the server the way CMD does
# and talks to it over loopback with Node's http module.
set -eu

fail() { echo "yarnapp smoke: FAIL: $*" >&2; exit 1; }

[ -f server.js ] || fail "server.js not found in WORKDIR $(pwd)"
command -v node >/dev/null || fail "node not found on PATH"

PORT=18090 HOST=127.0.0.1
export PORT HOST
log=$(mktemp)
node server.js >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

if ! SERVER_PID=$pid node - <<'JS'
const http = require("http");

const fail = (msg) => { console.error(`yarnapp smoke: FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: "127.0.0.1", port: process.env.PORT, method, path, timeout: 5000,
      headers: data ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } : {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, text }));
      });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(data);
  });
}

function expect(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

(async () => {
  let health;
  for (let i = 0; !health; i++) { // at most ~20 s
    try { process.kill(Number(process.env.SERVER_PID), 0); } catch { fail("the server exited before answering"); }
    try { health = await request("GET", "/healthz"); } catch {
      if (i >= 100) fail(`no answer on port ${process.env.PORT} within 20 s`);
      await sleep(200);
    }
  }
  expect("GET /healthz", [health.status, health.text], [200, '{"status":"ok"}']);
  const hello = await request("GET", "/hello/ada");
  expect("GET /hello/ada", [hello.status, hello.text], [200, "Hello, ada!"]);
  const created = await request("POST", "/todos", { title: "write smoke test" });
  expect("POST /todos", [created.status, JSON.parse(created.text)], [201, { id: 1, title: "write smoke test", done: false }]);
  const empty = await request("POST", "/todos", {});
  expect("POST /todos without title", empty.status, 400);
  const list = await request("GET", "/todos");
  expect("GET /todos", JSON.parse(list.text), [{ id: 1, title: "write smoke test", done: false }]);
  console.log("yarnapp smoke: OK (healthz, greeting, todos API)");
})().catch((err) => fail(err.stack || String(err)));
JS
then
  echo "--- server log ---" >&2
  cat "$log" >&2
  exit 1
fi
