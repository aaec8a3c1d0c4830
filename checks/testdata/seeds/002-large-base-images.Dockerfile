# Seed 002, "Large Base Images", one FROM per line as the article lists them
# (so three stages, the last the final one); the size remarks are dropped.
FROM ubuntu:20.04
FROM node:16
FROM python:3.9
