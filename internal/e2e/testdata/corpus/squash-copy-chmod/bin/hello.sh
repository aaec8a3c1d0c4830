#!/bin/sh
echo hello from the corpus
