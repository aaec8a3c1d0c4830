package main

import (
	"fmt"

	"corp.example.com/lib"
)

func main() { fmt.Println(lib.Msg) }
