"""Prints what a Flask app answers at /: the python-onestage pair's
program, which ends instead of serving, so a smoke run can read its line."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hello from flask"


if __name__ == "__main__":
    print(app.test_client().get("/").get_data(as_text=True))
