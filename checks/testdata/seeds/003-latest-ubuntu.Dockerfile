# Seed 003, "FROM ubuntu:latest vs FROM openjdk:latest", the first.
FROM ubuntu:latest
