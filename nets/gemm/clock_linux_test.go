package gemm

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPU is the CPU time of the process, all threads.
func processCPU() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
