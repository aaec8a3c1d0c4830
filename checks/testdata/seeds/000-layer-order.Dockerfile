# Seed 000, "Bad layer order — dependencies reinstall on every code change".
# The article's trailing remarks after COPY and RUN are comments here: in a
# Dockerfile they would be arguments.
FROM python:3.11-slim
WORKDIR /app
# copies everything, including your code
COPY . .
# runs AFTER the copy, so it reruns whenever any file changes
RUN pip install -r requirements.txt
