#!/bin/sh
echo 'FAIL: test_addition' >&2
exit 1
