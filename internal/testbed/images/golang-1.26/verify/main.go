// Command verify checks that a module download worked inside the golang stand-in.
package main

import (
	"fmt"

	"github.com/google/uuid"
)

func main() {
	fmt.Println("golang stand-in OK, uuid", uuid.NewString())
}
