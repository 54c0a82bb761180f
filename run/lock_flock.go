//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package run

import (
	"errors"
	"os"
	"syscall"
)

var (
	errWouldBlock = errors.New("lock held")
	errNoLocks    = errors.New("file system without flock support")
)

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EAGAIN):
			return errWouldBlock
		case errors.Is(err, syscall.ENOLCK), errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.ENOSYS):
			return errNoLocks
		}
		return err
	}
}

// flockExclusive takes f's exclusive lock without waiting.
func flockExclusive(f *os.File) error { return flock(f, syscall.LOCK_EX|syscall.LOCK_NB) }

// flockProbe reports whether another open file holds f's exclusive lock: a
// shared lock is refused exactly then (and is dropped at once).
func flockProbe(f *os.File) (bool, error) {
	switch err := flock(f, syscall.LOCK_SH|syscall.LOCK_NB); {
	case err == nil:
		return false, flock(f, syscall.LOCK_UN)
	case errors.Is(err, errWouldBlock):
		return true, nil
	case errors.Is(err, errNoLocks):
		return false, nil
	default:
		return false, err
	}
}
