set -e
hello | grep -qx hello
