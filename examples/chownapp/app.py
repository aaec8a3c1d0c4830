"""A tiny wiki: renders the Markdown pages under pages/ as HTML with the Markdown package, on Python's own HTTP server."""
import html
import os
import pathlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import markdown

PAGES = pathlib.Path(__file__).parent / "pages"


class Wiki(BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.strip("/") or "index"
        if not name.replace("-", "").isalnum():
            return self.answer(400, "<p>bad page name</p>")
        page = PAGES / (name + ".md")
        if not page.is_file():
            return self.answer(404, "<p>no page %s</p>" % html.escape(name))
        body = markdown.markdown(page.read_text(encoding="utf-8"), extensions=["tables"])
        self.answer(200, body)

    def answer(self, status, body):
        data = ("<!doctype html><meta charset=utf-8>" + body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8000"))), Wiki).serve_forever()
