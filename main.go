// Command ctdtui trains and analyses recurrent models on computation-through-dynamics
// tasks, in a terminal UI or headless.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "usage: ctdtui <command> [flags]")
	os.Exit(2)
}
