package main

import "testing"

func TestFails(t *testing.T) { t.Fatal("boom") }
