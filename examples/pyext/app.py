"""Shard router: answers which of N shards owns a key, using MurmurHash3 (the mmh3 C extension)."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import mmh3

SHARDS = int(os.environ.get("SHARDS", "16"))


def shard_for(key):
    return mmh3.hash(key, signed=False) % SHARDS


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            self.reply(200, {"status": "ok", "shards": SHARDS, "mmh3": mmh3.__file__})
        elif url.path == "/shard" and "key" in parse_qs(url.query):
            key = parse_qs(url.query)["key"][0]
            self.reply(200, {"key": key, "hash": mmh3.hash(key, signed=False), "shard": shard_for(key)})
        else:
            self.reply(404, {"error": "try /shard?key=NAME"})

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    addr = (os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8000")))
    print("shard router on %s:%d with %d shards" % (addr[0], addr[1], SHARDS), flush=True)
    ThreadingHTTPServer(addr, Handler).serve_forever()
