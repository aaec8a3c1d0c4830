#!/bin/sh
exec python /app/handler.py "$@"
