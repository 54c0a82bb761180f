//go:build !linux

package gemm

import "time"

// processCPU is unavailable here: benchmarks fall back to the wall time.
func processCPU() time.Duration { return 0 }
