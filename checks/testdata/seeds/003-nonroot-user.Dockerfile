# Seed 003, "Running your docker container commands as a non-root user".
FROM python:3.9.16
# Create user
RUN useradd -m appuser101
# Set user as default
USER appuser101
