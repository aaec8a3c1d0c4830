# Seed 000 ("Choosing Slim or Alpine base images"): the full image, the
# article's "Full image — everything included".
FROM python:3.11
