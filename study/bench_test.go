package study

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system time: on a shared machine the
// CPU seconds of a one-thread run are steadier than its wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// DSA between two runs at the reference's settings (phase all, 20 delays,
// rank 50): both runs' DMDs and the similarity search, inference excluded
// (the latents are computed before the timer starts), as the reference's
// compare_dynamics_DSA is timed on given latents (scripts/dsa_ref.py).
// CTDTUI_DSA_RUNS=dirA,dirB names the runs (default: two test runs).
//
//	CTDTUI_DSA_RUNS=runs/a,runs/b go test -run '^$' -bench DSAReferenceSettings -benchtime 3x ./study
func BenchmarkDSAReferenceSettings(b *testing.B) {
	dirs := []string{flipFlop32, flipFlop16}
	if env := os.Getenv("CTDTUI_DSA_RUNS"); env != "" {
		dirs = strings.Split(env, ",")
	}
	ctx := context.Background()
	o, err := CompareOptions{Phase: "all"}.normalized()
	if err != nil {
		b.Fatal(err)
	}
	ses := make([]*Session, len(dirs))
	for i, d := range dirs {
		if ses[i], err = Open(d, false); err != nil {
			b.Fatal(err)
		}
		if _, err := ses[i].Inference(ctx, o.Phase); err != nil {
			b.Fatal(err)
		}
	}
	rank := dsaRank(o, ses)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		fits := make([]*DSAFit, 2)
		for k, s := range ses[:2] {
			if fits[k], err = s.fitDSA(ctx, o.Phase, o.DSADelays, rank, o.DSATrials); err != nil {
				b.Fatal(err)
			}
		}
		sc, note, err := dsaPair(ctx, fits[0], fits[1], o.Seed)
		if err != nil || sc == nil {
			b.Fatal(err, note)
		}
		b.ReportMetric(sc.Angular, "angular")
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}
