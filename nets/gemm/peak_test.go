package gemm

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkFMAPeak measures the machine's float32 FMA ceiling on one core
// with a register-only loop of independent FMAs (no loads, no stores), for
// 256- and 512-bit vectors: the limit the GEMM and the kernels are measured
// against.
func BenchmarkFMAPeak(b *testing.B) {
	for _, bits := range []int{256, 512} {
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			if fmaLoop(bits, 1) == 0 {
				b.Skip("no such vectors on this CPU")
			}
			var flops float64
			clock := startClock()
			for b.Loop() {
				flops += fmaLoop(bits, 1<<16)
			}
			b.ReportMetric(flops/clock.seconds(b)/1e9, "GFLOP/s")
		})
	}
}

var peaks struct {
	once sync.Once
	gf   map[int]float64 // bits -> GFLOP/s
}

// fmaPeak is the FMA ceiling in GFLOP/s for vectors of that many bits (0 if
// the CPU has none): the best of a few short runs, so that a busy moment on
// a shared machine does not lower it.
func fmaPeak(bits int) float64 {
	peaks.once.Do(func() {
		peaks.gf = map[int]float64{}
		for _, w := range []int{256, 512} {
			best := 0.0
			for r := 0; r < 7; r++ {
				start := processCPU()
				f := fmaLoop(w, 1<<17)
				if gf := f / (processCPU() - start).Seconds() / 1e9; gf > best {
					best = gf
				}
			}
			peaks.gf[w] = best
		}
	})
	return peaks.gf[bits]
}

// clock measures a benchmark in CPU seconds of the process (all its
// threads: gonum's Sgemm runs goroutines): on a shared machine other
// processes take the core away for a while, which stretches the wall time
// (ns/op) but not this. Run with -cpu 1. Where the clock is missing it falls
// back to the wall time.
type clock struct{ cpu0 time.Duration }

func startClock() clock { return clock{processCPU()} }

func (c clock) seconds(b *testing.B) float64 {
	if d := processCPU() - c.cpu0; d > 0 {
		return d.Seconds()
	}
	return b.Elapsed().Seconds()
}

// reportPeak reports GFLOP/s (per CPU second of the process) for
// flops done since c started and, beside them, the percentage of the
// measured FMA peaks (%fma512 is the limit the targets refer to; %fma256 the
// limit of 256-bit code).
func reportPeak(b *testing.B, c clock, flops float64) {
	gf := flops / c.seconds(b) / 1e9
	b.ReportMetric(gf, "GFLOP/s")
	for _, w := range []int{256, 512} {
		if p := fmaPeak(w); p > 0 {
			b.ReportMetric(100*gf/p, fmt.Sprintf("%%fma%d", w))
		}
	}
}
