"""A tiny Flask service: a health check, a templated greeting and an in-memory notes API."""
import os

from flask import Flask, abort, jsonify, render_template_string, request

app = Flask(__name__)
notes = []

PAGE = "<!doctype html><title>hello</title><h1>Hello, {{ name }}!</h1>"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/hello/<name>")
def hello(name):
    # Jinja autoescapes the name, so markup in the URL is rendered as text.
    return render_template_string(PAGE, name=name)


@app.get("/notes")
def list_notes():
    return jsonify(notes)


@app.post("/notes")
def add_note():
    body = request.get_json(silent=True) or {}
    text = str(body.get("text", "")).strip()
    if not text:
        abort(400, description="a note needs a non-empty 'text'")
    note = {"id": len(notes) + 1, "text": text}
    notes.append(note)
    return note, 201


if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8000")))
