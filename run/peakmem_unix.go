//go:build unix

package run

import (
	"runtime"
	"syscall"
)

// PeakMemoryMB is the process's peak resident set size in MB (0 if unknown).
func PeakMemoryMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes on macOS
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux and the BSDs
}
