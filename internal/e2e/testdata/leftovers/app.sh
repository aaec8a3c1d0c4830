#!/bin/sh
echo "left-pad: $(cat /app/node_modules/left-pad/index.js)"
