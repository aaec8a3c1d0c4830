package main // source: not read by the install
