# Seed 004, the article's own "solution". It is kept as a seed because the
# checks still find in it what the article does not fix: the final stage
# runs as root and copies the whole context.
# Use a smaller base image
FROM python:3.8-slim-buster as builder

# Install only necessary dependencies
RUN pip install --no-cache-dir flask gunicorn

# Multi-stage build: copy only necessary files from builder stage
FROM python:3.8-alpine
COPY --from=builder /usr/local/bin /usr/local/bin
COPY --from=builder /usr/local/lib/python3.8/site-packages /usr/local/lib/python3.8/site-packages

# Copy application code last (to leverage caching)
COPY . /app

CMD ["gunicorn", "-w 4", "myapp:app"]
