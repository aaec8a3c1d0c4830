# Seed 003, "FROM ubuntu:latest vs FROM openjdk:latest", the second.
FROM openjdk:latest
