// Command app prints one line: the program both Dockerfiles of the
// go-onestage pair build, with no dependency to download.
package main

import "fmt"

func main() {
	fmt.Println("hello from go-onestage")
}
