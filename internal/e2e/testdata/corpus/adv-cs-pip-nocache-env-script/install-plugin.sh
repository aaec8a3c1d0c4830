#!/bin/sh
# The project's own install script: a pip the walker does not see.
set -e
pip install --no-index --find-links /wheels plugin
