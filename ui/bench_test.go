package ui

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/presets"
	"github.com/ctdtui/ctdtui/run"
)

// BenchmarkSliderKey is one → on the bits slider and the redraw that follows
// at 250×70: a new sample trial, the preview (channels and cube) and the form.
func BenchmarkSliderKey(b *testing.B) {
	m := newTestModel(b, "3bff-gru128", 250, 70)
	focus(b, m, "task.nbff.bits")
	keys := []tea.KeyMsg{keyOf('→'), keyOf('←')}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}

// BenchmarkTrainRedraw is one poll with a new epoch and the redraw of the
// Train tab at 250×70 with 500 epochs of history.
func BenchmarkTrainRedraw(b *testing.B) {
	m := newTestModel(b, "3bff-small", 250, 70)
	press(m, keyOf('2'))
	withTrainingHistory(b, m)
	for e := 31; e <= 500; e++ {
		m.train.chart.Add(e, 1/float64(e), 1.1/float64(e))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.train.chart.Add(501+i, 0.001, 0.002)
		_ = m.View()
	}
}

// BenchmarkKeyWhileChartClean is a key that changes nothing drawn on the
// Train tab: the cached chart is reused.
func BenchmarkKeyWhileChartClean(b *testing.B) {
	m := newTestModel(b, "3bff-small", 250, 70)
	press(m, keyOf('2'))
	withTrainingHistory(b, m)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keyOf('j'))
		_ = m.View()
	}
}

// BenchmarkTrainDynamics trains 3bff-small for 150 epochs (one iteration)
// without the live-dynamics probe, with it as the Train tab runs it (rationed
// to a share of the training time), and with the ration lifted (a probe after
// every epoch it is idle for): the difference between the first two is what
// the live panel costs training. It reports epochs/s up to the last epoch
// (the probe of the final model, after training, is not counted) and the
// probes made.
func BenchmarkTrainDynamics(b *testing.B) {
	for _, mode := range []string{"off", "rationed", "unrationed"} {
		b.Run(mode, func(b *testing.B) {
			cfg, err := presets.Embedded("3bff-small")
			if err != nil {
				b.Fatal(err)
			}
			cfg.Train.Epochs = 150
			epochs, frames := 0, 0
			var training time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r, err := run.Create(filepath.Join(b.TempDir(), "run"), cfg)
				if err != nil {
					b.Fatal(err)
				}
				s, err := run.NewSession(r)
				if err != nil {
					b.Fatal(err)
				}
				var probe *dynProbe
				out := make(chan *dynFrame, 1000)
				if mode != "off" {
					probe = newDynProbe(s.Task, s.Data, s.Trainer.Workers(), out)
					if mode == "unrationed" {
						probe.budget = math.Inf(1)
					}
				}
				b.StartTimer()
				start := time.Now()
				if err := trainWatched(context.Background(), s, probe, func(st nets.EpochStats) {
					if st.Epoch == cfg.Train.Epochs {
						training += time.Since(start)
					}
				}); err != nil {
					b.Fatal(err)
				}
				epochs += cfg.Train.Epochs
				frames += len(out)
			}
			b.ReportMetric(float64(epochs)/training.Seconds(), "epochs/s")
			b.ReportMetric(float64(frames)/float64(b.N), "probes/run")
		})
	}
}
