# Seed 000, "Cleanup in a separate layer — cached files still bloat the image".
FROM python:3.11-slim
RUN apt-get update && apt-get install -y curl
# already committed in the layer above
RUN rm -rf /var/lib/apt/lists/*
