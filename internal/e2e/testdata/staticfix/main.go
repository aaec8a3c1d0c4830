// Command hello prints hello: the static fix's end-to-end program, with no
// dependency to download.
package main

import "fmt"

func main() {
	fmt.Println("hello")
}
