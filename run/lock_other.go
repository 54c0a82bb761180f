//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package run

import (
	"errors"
	"os"
)

// Platforms without flock(2): the lock records its holder but excludes no one
// (Lock.Exclusive reports false).
var (
	errWouldBlock = errors.New("lock held")
	errNoLocks    = errors.New("no flock on this platform")
)

func flockExclusive(*os.File) error     { return errNoLocks }
func flockProbe(*os.File) (bool, error) { return false, nil }
