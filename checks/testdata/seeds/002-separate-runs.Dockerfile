# Seed 002, "❌ Bad:" under "Combine RUN Commands". The article shows only
# the RUN lines; the FROM is the article's own base for its apt examples.
FROM ubuntu:20.04
RUN apt-get update
RUN apt-get install -y curl
RUN apt-get install -y wget
RUN apt-get clean
RUN rm -rf /var/lib/apt/lists/*
