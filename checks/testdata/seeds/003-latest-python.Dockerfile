# Seed 003, "our Dockerfile insists that it wants to build based on the
# latest version of python".
FROM python:latest
